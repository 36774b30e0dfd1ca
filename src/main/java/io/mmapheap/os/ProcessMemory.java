package io.mmapheap.os;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Readers for this process's memory as the kernel reports it in {@code /proc/self}.
 *
 * <p>Process-wide figures (VSZ, RSS) in a JVM move with every thread's activity; exact evidence
 * about one mapping comes from its own smaps record ({@link #smapsOf}) or from
 * {@link VirtualMemory#residency}. All sizes are in bytes. I/O failures are thrown as
 * {@link UncheckedIOException}: /proc is always readable on a Linux system, so they mean the
 * platform is not one this library supports.
 */
public final class ProcessMemory {

    private static final Path SELF = Paths.get("/proc/self");
    /** In /proc/PID/stat, the fields after "(comm)" start at field 3. */
    private static final int FIRST_FIELD_AFTER_COMM = 3;
    private static final int STAT_VSIZE_FIELD = 23;
    private static final int STAT_RSS_FIELD = 24;
    private static final long KIB = 1024;
    /** The smaps line of a mapping's flags. */
    private static final String VM_FLAGS = "VmFlags:";
    /** Field of /proc/.../stat: minor faults. */
    private static final int MINFLT_FIELD = 10;
    private static final int HEX = 16;
    /** In /proc/PID/stat the fields after the command name start after ") ". */
    private static final int AFTER_COMM = 2;
    /** x86-64 user space ends at 2^47 bytes. */
    private static final long USER_SPACE_END = 1L << 47;

    private ProcessMemory() {
    }

    /**
     * Gives this process's id.
     *
     * @return this process's id
     */
    public static long pid() {
        return ProcessHandle.current().pid();
    }

    /**
     * Reads this process's VSZ.
     *
     * @return virtual memory size in bytes: field 23 (vsize) of /proc/self/stat
     */
    public static long vsz() {
        return statField(STAT_VSIZE_FIELD);
    }

    /**
     * Reads this process's RSS.
     *
     * @return resident set size in bytes: field 24 of /proc/self/stat (pages) times the page size.
     *         The kernel keeps this figure approximately; {@link #status()} {@code VmRSS} is exact.
     */
    public static long rss() {
        return statField(STAT_RSS_FIELD) * VirtualMemory.pageSize();
    }

    /**
     * Reads {@code /proc/self/status}.
     *
     * @return every {@code Name: N kB} line of /proc/self/status (VmSize, VmRSS, RssAnon, ...) in bytes,
     *         in the kernel's order
     */
    public static Map<String, Long> status() {
        Map<String, Long> result = new LinkedHashMap<>();
        for (String line : readLines(SELF.resolve("status"))) {
            parseKbLine(line, result);
        }
        return result;
    }

    /**
     * Reads the kernel's limit on mappings.
     *
     * @return {@code vm.max_map_count}: how many mappings the kernel lets one process hold
     *         (/proc/sys/vm/max_map_count)
     */
    public static long maxMapCount() {
        return Long.parseLong(readLines(Paths.get("/proc/sys/vm/max_map_count")).get(0).trim());
    }

    /**
     * Counts this process's mappings.
     *
     * @return how many mappings this process holds now (lines of /proc/self/maps)
     */
    public static int mappingCount() {
        return readLines(SELF.resolve("maps")).size();
    }

    /**
     * Reads {@code /proc/self/maps}.
     *
     * @return the mappings of /proc/self/maps, in address order
     */
    public static List<MapsEntry> maps() {
        List<MapsEntry> entries = new ArrayList<>();
        for (String line : readLines(SELF.resolve("maps"))) {
            if (!line.isBlank()) {
                entries.add(MapsEntry.parse(line));
            }
        }
        return entries;
    }

    /**
     * Finds the mapping of an address in {@code /proc/self/maps}.
     *
     * @param address a virtual address
     * @return the /proc/self/maps entry of the mapping that contains {@code address}, if any
     */
    public static Optional<MapsEntry> mappingOf(long address) {
        return maps().stream().filter(m -> m.contains(address)).findFirst();
    }

    /**
     * Reads the {@code /proc/self/smaps} record of the mapping of an address.
     *
     * @param address a virtual address
     * @return the /proc/self/smaps record of the mapping that contains {@code address}, if any
     */
    public static Optional<SmapsRecord> smapsOf(long address) {
        MapsEntry current = null;
        Map<String, Long> counters = new LinkedHashMap<>();
        Set<String> flags = new LinkedHashSet<>();
        for (String line : readLines(SELF.resolve("smaps"))) {
            if (isMapsLine(line)) {
                if (current != null && current.contains(address)) {
                    break;
                }
                current = MapsEntry.parse(line);
                counters.clear();
                flags.clear();
            } else if (line.startsWith(VM_FLAGS)) {
                flags.addAll(Arrays.asList(line.substring(VM_FLAGS.length()).trim().split("\\s+")));
            } else {
                parseKbLine(line, counters);
            }
        }
        return current != null && current.contains(address)
                ? Optional.of(new SmapsRecord(current, counters, flags))
                : Optional.empty();
    }

    /**
     * Finds room for a mapping that no other mapping touches: the middle of the widest unmapped gap
     * in the user address space. Passed as an mmap hint, it keeps the kernel from merging the new
     * mapping with a neighbour, so its maps line and smaps record describe it alone.
     *
     * @param length bytes the mapping needs, &gt; 0
     * @return a page-aligned address, or 0 ("anywhere") if no gap is wide enough
     */
    public static long isolatedHint(long length) {
        long page = VirtualMemory.pageSize();
        List<MapsEntry> maps = maps();
        long bestStart = 0;
        long bestSize = 0;
        for (int i = 1; i < maps.size(); i++) {
            long gapStart = maps.get(i - 1).end();
            long gapEnd = maps.get(i).start();
            // Kernel-only entries such as [vsyscall] sit above the user address space.
            if (gapEnd <= gapStart || gapEnd > USER_SPACE_END) {
                continue;
            }
            if (gapEnd - gapStart > bestSize) {
                bestStart = gapStart;
                bestSize = gapEnd - gapStart;
            }
        }
        if (bestSize < length + 2 * page) {
            return 0;
        }
        return (bestStart + (bestSize - length) / 2) & ~(page - 1);
    }

    /**
     * Counts the calling thread's minor page faults.
     *
     * @return the calling thread's minor page faults so far ({@code /proc/thread-self/stat} field
     *         10): unlike the process's count, untouched by the JVM's other threads
     */
    public static long threadMinorFaults() {
        String stat = String.join(" ", readLines(Paths.get("/proc/thread-self/stat")));
        String[] rest = stat.substring(stat.lastIndexOf(')') + AFTER_COMM).split(" ");
        return Long.parseLong(rest[MINFLT_FIELD - FIRST_FIELD_AFTER_COMM]);
    }

    private static boolean isMapsLine(String line) {
        int dash = line.indexOf('-');
        int space = line.indexOf(' ');
        return dash > 0 && space > dash && line.substring(0, dash).chars().allMatch(c -> Character.digit(c, HEX) >= 0);
    }

    private static void parseKbLine(String line, Map<String, Long> into) {
        int colon = line.indexOf(':');
        if (colon <= 0 || !line.endsWith(" kB")) {
            return;
        }
        String number = line.substring(colon + 1, line.length() - " kB".length()).trim();
        into.put(line.substring(0, colon), Long.parseLong(number) * KIB);
    }

    private static long statField(int field) {
        String stat = String.join(" ", readLines(SELF.resolve("stat")));
        // The command name (field 2) may contain spaces and parentheses: count from its closing one.
        String[] rest = stat.substring(stat.lastIndexOf(')') + AFTER_COMM).split(" ");
        return Long.parseLong(rest[field - FIRST_FIELD_AFTER_COMM]);
    }

    private static List<String> readLines(Path path) {
        try {
            return Files.readAllLines(path, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }
}
