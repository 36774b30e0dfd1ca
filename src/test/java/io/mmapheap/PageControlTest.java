package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.mmapheap.os.ProcessMemory;
import io.mmapheap.os.SmapsRecord;
import io.mmapheap.os.VirtualMemory;

/** Each page-control option, proven by what the kernel reports in /proc. */
class PageControlTest {

    private static final long PAGE = VirtualMemory.pageSize();
    private static final long HUGE = ControlledPageSource.hugePageSize();

    private static SmapsRecord smaps(long address) {
        return ProcessMemory.smapsOf(address).orElseThrow(() -> new AssertionError("no mapping holds 0x" + Long.toHexString(address)));
    }

    /** Writes one byte per page of [address, address + bytes). @return the calling thread's minor faults meanwhile */
    private static long faultsWriting(long address, long bytes) {
        long before = ProcessMemory.threadMinorFaults();
        for (long p = 0; p < bytes; p += PAGE) {
            RawMemory.putByte(address + p, (byte) 1);
        }
        return ProcessMemory.threadMinorFaults() - before;
    }

    @Test
    void dontDumpLeavesEveryMappingOutOfCoreDumps() {
        try (ElasticHeap plain = ElasticHeap.builder().build();
             ElasticHeap heap = ElasticHeap.builder().dontDump(true).build()) {
            long small = heap.allocate(100);
            long large = heap.allocate(1 << 20);
            assertTrue(smaps(small).hasFlag("dd"), "a region: " + smaps(small).flags());
            assertTrue(smaps(large).hasFlag("dd"), "a dedicated mapping: " + smaps(large).flags());
            assertFalse(smaps(plain.allocate(100)).hasFlag("dd"), "without the option the kernel dumps it");
        }
    }

    @Test
    void prefaultedMemoryIsResidentAndItsFirstWritesTakeNoFault() {
        long bytes = 1 << 20;
        try (ElasticHeap heap = ElasticHeap.builder().prefault(true).growthPages(512).largeThreshold(4 << 20).build();
             ElasticHeap plain = ElasticHeap.builder().growthPages(512).largeThreshold(4 << 20).build()) {
            long a = heap.allocate(bytes);
            long first = (a + PAGE - 1) & -PAGE;
            long pages = (a + bytes - first) / PAGE;
            assertEquals(pages, VirtualMemory.residentPages(first, pages * PAGE), "mincore: every page resident");
            // Reading /proc and the JIT fault pages of the Java heap in: once to warm them up.
            faultsWriting(first, PAGE);
            long prefaulted = faultsWriting(first, pages * PAGE);
            long b = plain.allocate(bytes);
            long plainFirst = (b + PAGE - 1) & -PAGE;
            long touched = faultsWriting(plainFirst, pages * PAGE);
            assertTrue(prefaulted < pages / 8, prefaulted + " faults writing " + pages + " prefaulted pages");
            assertTrue(touched > pages / 2, touched + " faults writing " + pages + " fresh pages without prefault");
            long large = heap.allocate(8 << 20);
            assertTrue(faultsWriting((large + PAGE - 1) & -PAGE, 4 << 20) < 64, "a dedicated mapping is prefaulted too");
        }
    }

    @Test
    void lockedPagesCountInVmLckUntilTheHeapCloses() {
        long before = ProcessMemory.status().get("VmLck");
        ElasticHeap heap = ElasticHeap.builder().lockPages(true).build();
        long a = heap.allocate(1 << 20);
        long small = heap.allocate(1000);
        RawMemory.putLong(small, 1);
        long locked = ProcessMemory.status().get("VmLck") - before;
        assertTrue(locked >= (1 << 20), locked + " bytes locked for a 1 MiB chunk");
        assertTrue(smaps(a).hasFlag("lo"), smaps(a).flags().toString());
        assertTrue(smaps(small).hasFlag("lo"), "the region's committed pages too: " + smaps(small).flags());
        heap.free(a);
        heap.trim();
        heap.close();
        assertEquals(before, (long) ProcessMemory.status().get("VmLck"), "unmapping unlocked everything");
    }

    /**
     * In a child JVM under a memlock limit of 256 KiB; a root parent drops CAP_IPC_LOCK from the
     * child's bounding set with setpriv, since the capability lifts the limit.
     */
    @Test
    void aRefusedLockIsAClearExhaustionThatLeavesTheHeapAsItWas() throws Exception {
        assumeTrue(onPath("prlimit") && onPath("setpriv"), "prlimit and setpriv (util-linux) set up the probe");
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Process probe = new ProcessBuilder(List.of("setpriv", "--bounding-set=-ipc_lock", "--inh-caps=-ipc_lock",
                "prlimit", "--memlock=262144:262144", java, "-XX:+IgnoreUnrecognizedVMOptions",
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-cp", System.getProperty("java.class.path"), MemlockProbe.class.getName()))
                .redirectErrorStream(true).start();
        boolean finished = probe.waitFor(120, TimeUnit.SECONDS);
        String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!finished) {
            probe.destroyForcibly();
        }
        assertTrue(finished, "the probe hung:\n" + output);
        assumeTrue(!output.startsWith("SKIP"), output);
        assertEquals(0, probe.exitValue(), output);
        assertTrue(output.contains("RLIMIT_MEMLOCK is 262144 bytes soft"), output);
        assertTrue(output.contains("PROBE OK"), output);
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Paths.get(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void transparentHugePagesBackAdvisedAlignedMappings() throws Exception {
        String mode = Files.readString(Paths.get("/sys/kernel/mm/transparent_hugepage/enabled"), StandardCharsets.US_ASCII);
        assumeTrue(!mode.contains("[never]"), "transparent huge pages are off here: " + mode.trim());
        long bytes = 4 * HUGE;
        try (ElasticHeap heap = ElasticHeap.builder().hugePages(HugePages.TRANSPARENT).build();
             ElasticHeap plain = ElasticHeap.builder().build()) {
            long a = heap.allocate(bytes);
            faultsWriting(a, bytes);
            SmapsRecord huge = smaps(a);
            assertTrue(huge.hasFlag("hg"), "advised MADV_HUGEPAGE: " + huge.flags());
            assertTrue(huge.bytes("AnonHugePages") > 0, "backed by huge pages: " + huge.counters());
            if (mode.contains("[madvise]")) {
                long b = plain.allocate(bytes);
                faultsWriting(b, bytes);
                assertEquals(0, smaps(b).bytes("AnonHugePages"), "without the advice, madvise mode gives none");
            }
            // A growth step of a huge page or more: regions get them too.
            try (ElasticHeap regions = ElasticHeap.builder().hugePages(HugePages.TRANSPARENT).growthPages((int) (2 * HUGE / PAGE))
                    .largeThreshold(8 * HUGE).build()) {
                long r = regions.allocate(3 * HUGE);
                faultsWriting(r, 3 * HUGE);
                assertTrue(smaps(r).bytes("AnonHugePages") > 0, "a region: " + smaps(r).counters());
            }
        }
    }

    @Test
    void explicitHugePagesAreRefusedClearlyWhenNoneAreReserved() throws Exception {
        long reserved = Long.parseLong(Files.readString(Paths.get("/proc/sys/vm/nr_hugepages"), StandardCharsets.US_ASCII).trim());
        assumeTrue(reserved == 0, "huge pages are reserved here: the success path runs instead");
        try (ElasticHeap heap = ElasticHeap.builder().hugePages(HugePages.EXPLICIT).build()) {
            HeapExhaustedException e = assertThrows(HeapExhaustedException.class, () -> heap.allocate(100));
            assertTrue(e.getMessage().contains("/proc/sys/vm/nr_hugepages") && e.getMessage().contains(HUGE / 1024 + " kB"), e.getMessage());
            assertEquals(0, heap.stats().bytesMapped(), "nothing was mapped");
        }
        HeapExhaustedException e = assertThrows(HeapExhaustedException.class,
                () -> PageAllocator.builder().pages(1).hugePages(HugePages.EXPLICIT).build());
        assertTrue(e.getMessage().contains("nr_hugepages"), e.getMessage());
    }

    @Test
    void explicitHugePagesServeWhereTheyAreReserved() throws Exception {
        long reserved = Long.parseLong(Files.readString(Paths.get("/proc/sys/vm/nr_hugepages"), StandardCharsets.US_ASCII).trim());
        assumeTrue(reserved >= 2, "no huge pages reserved here (/proc/sys/vm/nr_hugepages is " + reserved + ")");
        try (ElasticHeap heap = ElasticHeap.builder().hugePages(HugePages.EXPLICIT).build()) {
            long a = heap.allocate(100);
            RawMemory.putLong(a, 7);
            assertTrue(smaps(a).hasFlag("ht"), "a hugetlb mapping: " + smaps(a).flags());
            heap.free(a);
            heap.verify();
        }
    }

    @Test
    void explicitHugePagesNeedTheDefaultSource() {
        PageSource other = new PageSource() {
            @Override
            public long pageSize() {
                return PAGE;
            }

            @Override
            public long map(long bytes) {
                return VirtualMemory.mapAnonymous(bytes);
            }

            @Override
            public void unmap(long address, long bytes) {
                VirtualMemory.unmap(address, bytes);
            }

            @Override
            public void discard(long address, long bytes) {
            }
        };
        assertThrows(IllegalArgumentException.class, () -> ElasticHeap.builder().pageSource(other).hugePages(HugePages.EXPLICIT).build());
    }
}
