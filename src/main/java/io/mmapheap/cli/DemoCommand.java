package io.mmapheap.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.mmapheap.RawMemory;
import io.mmapheap.os.MapsEntry;
import io.mmapheap.os.ProcessMemory;
import io.mmapheap.os.SmapsRecord;
import io.mmapheap.os.VirtualMemory;

/**
 * {@code mmapheap demo [--pages N] [--pause] [--huge] [--prefault] [--lock] [--secret]}: maps N
 * anonymous private pages, touches them and unmaps them, printing after each step what {@code ps}
 * and {@code /proc} report, so demand paging can be watched; then, for each page-control flag, the
 * evidence of that option ({@link PageControlDemo}). Exit code 0 when every step showed what it
 * should (a kernel's refusal of an option is reported, not a failure).
 */
final class DemoCommand implements Command {

    private static final long MAX_PAGES = 1L << 22;
    private static final long KIB = 1024;
    private static final int PS_LINE_WIDTH = 110;
    private static final long PS_TIMEOUT_SECONDS = 10;
    private static final String MESSAGE = "Hello from mmapheap!";

    private final BufferedReader console;

    DemoCommand(InputStream console) {
        this.console = new BufferedReader(new InputStreamReader(console, StandardCharsets.UTF_8));
    }

    @Override
    public String name() {
        return "demo";
    }

    @Override
    public String summary() {
        return "map, touch and unmap pages, showing VSZ/RSS from ps and /proc [--pages N] [--pause]"
                + " [--huge] [--prefault] [--lock] [--secret]";
    }

    /** What the process and the demo's mapping looked like at one moment. */
    private record Snapshot(long vsz, long statRss, long vmRss, String ps,
                            Optional<MapsEntry> mapping, long mappingRss, int residentPages) {
    }

    @Override
    public int run(List<String> args, PrintStream out) {
        Arguments a = new Arguments(args, Set.of("--pause", "--huge", "--prefault", "--lock", "--secret"), Set.of("--pages"));
        a.noOperands();
        long pages = a.longValue("--pages", 1, 1, MAX_PAGES);
        boolean pause = a.flag("--pause");
        long page = VirtualMemory.pageSize();
        long length = pages * page;
        long pid = ProcessMemory.pid();
        List<String> failures = new ArrayList<>();

        out.printf("mmapheap demo: what mapping %d anonymous private page%s (%s) does to VSZ and RSS%n",
                pages, pages == 1 ? "" : "s", kib(length));
        out.printf("pid %d, page size %d bytes. VSZ = virtual size (/proc/self/stat field 23), "
                + "RSS = resident set (field 24; VmRSS from /proc/self/status).%n", pid, page);
        out.println("Process-wide VSZ/RSS in a JVM also move with GC, JIT and other threads; the exact per-page");
        out.println("evidence is the mapping's own smaps record (Rss) and mincore(2) (resident pages).");
        out.println();
        out.println("dVSZ and dVmRSS are measured right around the step's own system call or writes.");
        out.printf("%-14s %12s %10s %12s %12s %10s %12s %9s%n",
                "step", "VSZ kB", "dVSZ kB", "RSS kB", "VmRSS kB", "dVmRSS kB", "map Rss kB", "resident");

        Snapshot baseline = snapshot(0, 0, pid);
        row(out, "1 baseline", baseline, 0, 0);
        explain(out, "The JVM already holds much virtual memory, only part of it resident.", baseline);
        pause(out, pause, 1, pid, 0);

        long hint = ProcessMemory.isolatedHint(length);
        // Deltas are read right around the one call, before ps and /proc readers add their own noise.
        long vszBefore = ProcessMemory.vsz();
        long rssBefore = vmRss();
        long address = VirtualMemory.map(hint, length, VirtualMemory.PROT_READ | VirtualMemory.PROT_WRITE,
                VirtualMemory.MAP_PRIVATE | VirtualMemory.MAP_ANONYMOUS);
        long mapVszDelta = ProcessMemory.vsz() - vszBefore;
        long mapRssDelta = vmRss() - rssBefore;
        Snapshot mapped = snapshot(address, length, pid);
        row(out, "2 mapped", mapped, mapVszDelta, mapRssDelta);
        explain(out, "mmap only reserved address space: VSZ grows, but no frame is assigned until the first "
                + "touch (demand paging): the mapping's Rss stays 0 kB and mincore shows no page resident.", mapped);
        expectMapping(failures, "after mmap", mapped, address, length);
        expect(failures, mapped.mappingRss() == 0, "after mmap the mapping's Rss should be 0 kB, was " + kib(mapped.mappingRss()));
        expect(failures, mapped.residentPages() == 0, "after mmap no page should be resident, mincore says " + mapped.residentPages());
        noteVsz(out, mapVszDelta, length);
        pause(out, pause, 2, pid, address);

        vszBefore = ProcessMemory.vsz();
        rssBefore = vmRss();
        for (long p = 0; p < pages; p++) {
            writeMessage(address + p * page);
        }
        long touchVszDelta = ProcessMemory.vsz() - vszBefore;
        long touchRssDelta = vmRss() - rssBefore;
        Snapshot touched = snapshot(address, length, pid);
        row(out, "3 written", touched, touchVszDelta, touchRssDelta);
        explain(out, "The first write to each page faulted: the kernel supplied a zero-filled frame (zero-fill on "
                + "demand), so the mapping's Rss is now " + kib(length) + " and every page is resident.", touched);
        expectMapping(failures, "after writing", touched, address, length);
        expect(failures, touched.mappingRss() == length,
                "after writing the mapping's Rss should be " + kib(length) + ", was " + kib(touched.mappingRss()));
        expect(failures, touched.residentPages() == pages,
                "after writing all " + pages + " pages should be resident, mincore says " + touched.residentPages());
        expect(failures, readMessage(address).equals(MESSAGE) && readMessage(address + length - page).equals(MESSAGE),
                "the written text should read back");
        pause(out, pause, 3, pid, address);

        vszBefore = ProcessMemory.vsz();
        rssBefore = vmRss();
        VirtualMemory.unmap(address, length);
        long unmapVszDelta = ProcessMemory.vsz() - vszBefore;
        long unmapRssDelta = vmRss() - rssBefore;
        Snapshot unmapped = snapshot(0, 0, pid);
        Optional<MapsEntry> leftover = ProcessMemory.mappingOf(address);
        row(out, "4 unmapped", unmapped, unmapVszDelta, unmapRssDelta);
        explain(out, "munmap returned the frames and the address range: the mapping is gone from /proc/self/maps.",
                unmapped);
        out.println("    maps line for 0x" + Long.toHexString(address) + ": "
                + leftover.map(MapsEntry::toString).orElse("(none)"));
        expect(failures, leftover.map(m -> m.start() == address && m.size() == length).orElse(false) == false,
                "after munmap the mapping should be gone from /proc/self/maps");
        out.println();

        PageControlDemo control = new PageControlDemo(out);
        if (a.flag("--huge")) {
            control.huge();
        }
        if (a.flag("--prefault")) {
            control.prefault();
        }
        if (a.flag("--lock")) {
            control.lock();
        }
        if (a.flag("--secret")) {
            control.secret();
        }
        if (failures.isEmpty()) {
            out.println("demo: every step showed what it should.");
            return 0;
        }
        for (String f : failures) {
            out.println("demo: FAILED: " + f);
        }
        return 1;
    }

    private Snapshot snapshot(long address, long length, long pid) {
        long vsz = ProcessMemory.vsz();
        long statRss = ProcessMemory.rss();
        long vmRss = vmRss();
        Optional<MapsEntry> mapping = Optional.empty();
        long mappingRss = -1;
        int resident = -1;
        if (address != 0) {
            Optional<SmapsRecord> smaps = ProcessMemory.smapsOf(address);
            mapping = smaps.map(SmapsRecord::mapping);
            mappingRss = smaps.map(SmapsRecord::rss).orElse(-1L);
            resident = VirtualMemory.residentPages(address, length);
        }
        return new Snapshot(vsz, statRss, vmRss, ps(pid), mapping, mappingRss, resident);
    }

    private static long vmRss() {
        return ProcessMemory.status().getOrDefault("VmRSS", -1L);
    }

    private static void row(PrintStream out, String step, Snapshot s, long vszDelta, long vmRssDelta) {
        out.printf("%-14s %12d %+10d %12d %12d %+10d %12s %9s%n", step,
                s.vsz() / KIB, vszDelta / KIB, s.statRss() / KIB, s.vmRss() / KIB, vmRssDelta / KIB,
                s.mappingRss() < 0 ? "-" : Long.toString(s.mappingRss() / KIB),
                s.residentPages() < 0 ? "-" : Integer.toString(s.residentPages()));
    }

    private static void explain(PrintStream out, String why, Snapshot s) {
        out.println("    " + why);
        s.mapping().ifPresent(m -> out.println("    /proc/self/maps: " + m));
        out.println("    ps: " + s.ps().replace("\n", "\n        "));
    }

    private static void noteVsz(PrintStream out, long delta, long length) {
        if (delta != length) {
            out.printf("    note: VSZ moved by %s rather than %s: other JVM threads mapped or unmapped memory meanwhile.%n",
                    kib(delta), kib(length));
        }
    }

    private static void expectMapping(List<String> failures, String when, Snapshot s, long address, long length) {
        Optional<MapsEntry> m = s.mapping();
        expect(failures, m.isPresent(), when + " the mapping should be in /proc/self/maps");
        m.ifPresent(e -> {
            expect(failures, e.start() == address && e.size() == length,
                    when + " the maps line should span exactly the mapping: " + e);
            expect(failures, e.perms().equals("rw-p") && e.isAnonymous(),
                    when + " the mapping should be anonymous rw-p: " + e);
        });
    }

    private static void expect(List<String> failures, boolean condition, String what) {
        if (!condition) {
            failures.add(what);
        }
    }

    private void pause(PrintStream out, boolean pause, int step, long pid, long address) {
        if (!pause) {
            out.println();
            return;
        }
        out.println("    -- paused after step " + step + ". From another terminal:");
        out.println("       ps -o pid,vsz,rss,cmd -p " + pid);
        out.println("       grep -E 'VmSize|VmRSS' /proc/" + pid + "/status");
        out.println(address == 0
                ? "       cat /proc/" + pid + "/maps"
                : "       grep -A 3 '^" + Long.toHexString(address) + "' /proc/" + pid + "/smaps");
        out.println("    Press Enter to continue.");
        out.flush();
        try {
            console.readLine();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.println();
    }

    /** Runs the real {@code ps} on this process; the command column is cut to keep rows readable. */
    private static String ps(long pid) {
        try {
            Process p = new ProcessBuilder("ps", "-o", "pid,vsz,rss,cmd", "-p", Long.toString(pid))
                    .redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(PS_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "(ps did not answer)";
            }
            StringBuilder lines = new StringBuilder();
            for (String line : text.strip().split("\n")) {
                lines.append(lines.length() == 0 ? "" : "\n")
                        .append(line.length() > PS_LINE_WIDTH ? line.substring(0, PS_LINE_WIDTH) + "..." : line);
            }
            return lines.toString();
        } catch (IOException e) {
            return "(ps is not available: " + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }

    private static void writeMessage(long address) {
        byte[] text = MESSAGE.getBytes(StandardCharsets.US_ASCII);
        RawMemory.copyFromArray(text, 0, address, text.length);
    }

    private static String readMessage(long address) {
        byte[] text = new byte[MESSAGE.length()];
        RawMemory.copyToArray(address, text, 0, text.length);
        return new String(text, StandardCharsets.US_ASCII);
    }

    private static String kib(long bytes) {
        return bytes % KIB == 0 ? bytes / KIB + " kB" : bytes + " bytes";
    }
}
