package io.mmapheap.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;

import io.mmapheap.ElasticHeap;
import io.mmapheap.HeapExhaustedException;
import io.mmapheap.HugePages;
import io.mmapheap.RawMemory;
import io.mmapheap.os.MapsEntry;
import io.mmapheap.os.ProcessMemory;
import io.mmapheap.os.SmapsRecord;
import io.mmapheap.os.VirtualMemory;

/**
 * The page-control part of {@code mmapheap demo} ({@code --huge}, {@code --prefault}, {@code --lock},
 * {@code --secret}): each maps with the option and without it, and prints what /proc says of
 * both. Where the kernel refuses, it says so and what to change; a refusal is not a failure.
 */
final class PageControlDemo {

    private static final long MIB = 1L << 20;
    private static final long KIB = 1024;

    private final PrintStream out;

    PageControlDemo(PrintStream out) {
        this.out = out;
    }

    /** Huge pages: AnonHugePages of an 8 MiB chunk touched with and without TRANSPARENT. */
    void huge() {
        out.println("--huge: an 8 MiB chunk, touched, with hugePages(TRANSPARENT) and without");
        String mode = read("/sys/kernel/mm/transparent_hugepage/enabled");
        try (ElasticHeap advised = ElasticHeap.builder().hugePages(HugePages.TRANSPARENT).reportLeaks(false).build();
             ElasticHeap plain = ElasticHeap.builder().reportLeaks(false).build()) {
            long a = touched(advised.allocate(8 * MIB), 8 * MIB);
            long b = touched(plain.allocate(8 * MIB), 8 * MIB);
            out.printf("  %-24s AnonHugePages %6d kB   VmFlags %s%n", "TRANSPARENT", smaps(a).bytes("AnonHugePages") / KIB, smaps(a).flags());
            out.printf("  %-24s AnonHugePages %6d kB   VmFlags %s%n", "NONE", smaps(b).bytes("AnonHugePages") / KIB, smaps(b).flags());
        }
        out.println("  THP mode here: " + mode + ". In madvise mode only advised, 2 MiB-aligned ranges get huge pages:");
        out.println("  one TLB entry then maps 2 MiB instead of 4 kB.");
        out.println();
    }

    /** Prefault: minor faults of the first write to each page of a 16 MiB chunk, with and without. */
    void prefault() {
        out.println("--prefault: writing one byte per page of a fresh 16 MiB chunk");
        long bytes = 16 * MIB;
        for (boolean on : new boolean[] {true, false}) {
            try (ElasticHeap heap = ElasticHeap.builder().prefault(on).largeThreshold(64 * MIB).growthPages(8192).reportLeaks(false).build()) {
                long a = heap.allocate(bytes);
                long first = (a + VirtualMemory.pageSize() - 1) & -VirtualMemory.pageSize();
                long pages = (a + bytes - first) / VirtualMemory.pageSize();
                int resident = VirtualMemory.residentPages(first, pages * VirtualMemory.pageSize());
                long before = ProcessMemory.threadMinorFaults();
                touched(first, pages * VirtualMemory.pageSize());
                long faults = ProcessMemory.threadMinorFaults() - before;
                out.printf("  prefault(%-5s)  resident before the writes %5d of %d pages, minor faults of the writes %5d%n",
                        on, resident, pages, faults);
            }
        }
        out.println("  With prefault the heap asked the kernel for the pages (MADV_POPULATE_WRITE) when it committed them:");
        out.println("  the first writes find them there and take no fault, each of which costs microseconds.");
        out.println();
    }

    /** Locking: VmLck before and after a locked 4 MiB chunk, or what the kernel refused. */
    void lock() {
        out.println("--lock: a 4 MiB chunk of a lockPages(true) heap");
        long before = ProcessMemory.status().get("VmLck");
        try (ElasticHeap heap = ElasticHeap.builder().lockPages(true).reportLeaks(false).build()) {
            long a = heap.allocate(4 * MIB);
            long after = ProcessMemory.status().get("VmLck");
            out.printf("  VmLck %d kB before, %d kB after; VmFlags %s%n", before / KIB, after / KIB, smaps(a).flags());
            out.println("  mlock pinned the pages in RAM ('lo'): they will not be swapped out until the heap lets them go.");
        } catch (HeapExhaustedException e) {
            out.println("  the kernel refused: " + e.getMessage());
        }
        out.println();
    }

    /** Secrets: a thousand secrets of ElasticHeap.secrets(), their mappings, flags, guards and wipe. */
    void secret() {
        out.println("--secret: 1,000 secrets of 32 bytes in ElasticHeap.secrets()");
        int mappings = ProcessMemory.mappingCount();
        try (ElasticHeap secrets = ElasticHeap.secrets().build()) {
            long[] keys = new long[1000];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = secrets.allocate(32);
                RawMemory.putLong(keys[i], 0x5EC2E7L + i);
            }
            MapsEntry home = ProcessMemory.mappingOf(keys[0]).orElseThrow();
            String before = ProcessMemory.mappingOf(home.start() - 1).map(MapsEntry::perms).orElse("unmapped");
            String after = ProcessMemory.mappingOf(home.end()).map(MapsEntry::perms).orElse("unmapped");
            out.printf("  %d new mappings for 1,000 secrets; VmFlags %s; the pages before and after: %s and %s%n",
                    ProcessMemory.mappingCount() - mappings, smaps(keys[0]).flags(), before, after);
            secrets.free(keys[0]);
            out.printf("  a freed secret reads 0x%x; locked %d kB, guard pages %d kB%n", RawMemory.getLong(keys[0]),
                    secrets.stats().lockedBytes() / KIB, secrets.stats().guardBytes() / KIB);
            for (int i = 1; i < keys.length; i++) {
                secrets.free(keys[i]);
            }
            out.println("  'lo' keeps them out of swap, 'dd' out of core dumps, '---p' neighbours fault any overrun,");
            out.println("  and free wipes a secret before it returns.");
        } catch (HeapExhaustedException e) {
            out.println("  the kernel refused: " + e.getMessage());
        }
        out.println();
    }

    private static long touched(long address, long bytes) {
        for (long p = 0; p < bytes; p += VirtualMemory.pageSize()) {
            RawMemory.putByte(address + p, (byte) 1);
        }
        return address;
    }

    private static SmapsRecord smaps(long address) {
        return ProcessMemory.smapsOf(address).orElseThrow();
    }

    private static String read(String file) {
        try {
            return Files.readString(Paths.get(file), StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            return "unknown (" + file + " unreadable)";
        }
    }
}
