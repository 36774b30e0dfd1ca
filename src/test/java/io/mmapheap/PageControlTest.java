package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.mmapheap.os.MapsEntry;
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
        assumeTrue(ChildJvm.onPath("prlimit") && ChildJvm.onPath("setpriv"), "prlimit and setpriv (util-linux) set up the probe");
        ChildJvm.Result probe = ChildJvm.run(List.of("setpriv", "--bounding-set=-ipc_lock", "--inh-caps=-ipc_lock",
                "prlimit", "--memlock=262144:262144"), null, MemlockProbe.class);
        String output = probe.output;
        assumeTrue(!output.startsWith("SKIP"), output);
        assertEquals(0, probe.exit, output);
        assertTrue(output.contains("RLIMIT_MEMLOCK is 262144 bytes soft"), output);
        assertTrue(output.contains("refused reallocate: lockPages: the kernel refused"), output);
        assertTrue(output.contains("PROBE OK"), output);
    }

    @Test
    void wipeOnFreeZeroesEveryFreedChunkBeforeFreeReturns() {
        // Dedicated mappings are read after their free only because the heap keeps them mapped.
        for (ElasticHeap heap : new ElasticHeap[] {ElasticHeap.builder().wipeOnFree(true).keptBytes(8 << 20).build(),
            ElasticHeap.builder().wipeOnFree(true).threadCache(false).keptBytes(8 << 20).build()}) {
            try (heap) {
                for (long size : new long[] {40, 5000, 1 << 20}) {
                    long a = heap.allocate(size);
                    long usable = heap.usableSize(a);
                    RawMemory.fill(a, usable, (byte) 0xA5);
                    heap.free(a);
                    assertTrue(size < (1 << 20) || heap.stats().keptBytes() > 0, "the freed mapping is kept, so readable");
                    for (long i = 0; i < usable; i += 8) {
                        assertEquals(0, RawMemory.getLong(a + i), size + " bytes: not wiped at +" + i);
                    }
                }
                long b = heap.allocate(200);
                RawMemory.fill(b, 200, (byte) 0x5A);
                long moved = heap.reallocate(b, 100_000);
                assertTrue(moved != b);
                // The old home may have gone back to its reservation (then the kernel dropped it); else it reads zero.
                if (ProcessMemory.mappingOf(b).orElseThrow().perms().startsWith("rw")) {
                    assertEquals(0, RawMemory.getLong(b), "a moving reallocate wipes the old home");
                }
                heap.free(moved);
            }
        }
    }

    @Test
    void guardPagesSurroundEveryMappingAndCountNowhere() {
        try (ElasticHeap heap = ElasticHeap.builder().guardPages(true).build();
             ElasticHeap plain = ElasticHeap.builder().build()) {
            long small = heap.allocate(100);
            long large = heap.allocate(1 << 20);
            long aligned = heap.allocate(300_000, 1 << 16);
            for (long a : new long[] {small, large, aligned}) {
                MapsEntry mapping = ProcessMemory.mappingOf(a).orElseThrow();
                MapsEntry before = ProcessMemory.mappingOf(mapping.start() - 1).orElseThrow();
                assertTrue(before.perms().startsWith("---"), "the page before 0x" + Long.toHexString(a) + " is a guard: " + before);
            }
            MapsEntry largeMapping = ProcessMemory.mappingOf(large).orElseThrow();
            assertEquals(large, largeMapping.start());
            assertTrue(ProcessMemory.mappingOf(largeMapping.end()).orElseThrow().perms().startsWith("---"), "and after it");
            assertEquals(0, aligned % (1 << 16));
            RawMemory.fill(aligned, 300_000, (byte) 1);
            assertEquals(heap.stats().bytesMapped() - heap.stats().dedicatedBytes(), heap.stats().arenaBytes(),
                    "guards are in no count");
            heap.free(aligned);
            heap.free(large);
            heap.free(small);
            heap.verify();
            plain.allocate(100);
        }
    }

    @Test
    void writingPastAGuardedRegionKillsTheProcessWithSigsegvThere() throws Exception {
        Path dir = Files.createTempDirectory("guard-probe");
        Path errorFile = dir.resolve("hs_err.log");
        String output = ChildJvm.run(List.of(), dir, GuardProbe.class, "-XX:-CreateCoredumpOnCrash", "-XX:ErrorFile=" + errorFile).output;
        assertFalse(output.contains("NO FAULT"), output);
        assertTrue(output.contains("SIGSEGV"), "the JVM reports the signal:\n" + output);
        String address = output.lines().filter(l -> l.startsWith("ADDRESS ")).findFirst().orElseThrow().substring("ADDRESS ".length());
        String report = Files.readString(errorFile, StandardCharsets.ISO_8859_1);
        Matcher siAddr = Pattern.compile("si_addr[:=] ?0x([0-9a-f]+)").matcher(report);
        assertTrue(siAddr.find(), "the crash report names the faulting address:\n" + report.lines().limit(20).collect(Collectors.joining("\n")));
        assertEquals(Long.parseUnsignedLong(address.substring(2), 16), Long.parseUnsignedLong(siAddr.group(1), 16),
                "the fault is at the byte past the region");
    }

    @Test
    void statsReportLockedHugeAndGuardBytes() {
        try (ElasticHeap locked = ElasticHeap.builder().lockPages(true).build();
             ElasticHeap guarded = ElasticHeap.builder().guardPages(true).build();
             ElasticHeap huge = ElasticHeap.builder().hugePages(HugePages.TRANSPARENT).build();
             ElasticHeap plain = ElasticHeap.builder().build()) {
            for (ElasticHeap heap : new ElasticHeap[] {locked, guarded, huge, plain}) {
                heap.allocate(100);
                heap.allocate(4 * HUGE);
            }
            assertEquals(locked.stats().bytesMapped(), locked.stats().lockedBytes());
            HeapStats g = guarded.stats();
            assertEquals((g.regions() + g.dedicatedMappings()) * 2 * PAGE, g.guardBytes());
            assertTrue(huge.stats().hugePageBytes() >= 4 * HUGE, "the dedicated mapping: " + huge.stats().hugePageBytes());
            assertTrue(huge.stats().hugePageBytes() < huge.stats().bytesMapped(), "not the small region");
            HeapStats p = plain.stats();
            assertEquals(0, p.lockedBytes() + p.hugePageBytes() + p.guardBytes());
            java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
            guarded.printStats(new java.io.PrintStream(text, true, StandardCharsets.UTF_8));
            assertTrue(text.toString(StandardCharsets.UTF_8).contains("guard bytes      = " + String.format("%12d", g.guardBytes())), text.toString());
        }
    }

    @Test
    void thousandsOfSecretsTakeFewMappingsLockedWipedAndOutOfDumps() {
        int before = ProcessMemory.mappingCount();
        long lockedBefore = ProcessMemory.status().get("VmLck");
        try (ElasticHeap secrets = ElasticHeap.secrets().build()) {
            long[] keys = new long[5000];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = secrets.allocate(32);
                RawMemory.putLong(keys[i], i + 1);
            }
            assertTrue(ProcessMemory.mappingCount() - before < 40, (ProcessMemory.mappingCount() - before) + " mappings for 5000 secrets");
            assertTrue(ProcessMemory.status().get("VmLck") - lockedBefore >= 5000 * 32, "locked");
            assertTrue(smaps(keys[0]).hasFlag("dd") && smaps(keys[0]).hasFlag("lo"), smaps(keys[0]).flags().toString());
            secrets.free(keys[7]);
            assertEquals(0, RawMemory.getLong(keys[7]), "wiped");
            assertTrue(secrets.stats().guardBytes() > 0);
            for (int i = 0; i < keys.length; i++) {
                if (i != 7) {
                    secrets.free(keys[i]);
                }
            }
        }
    }

    @Test
    void aLockedHeapsTrimKeepsZeroedRequestsZero() {
        try (ElasticHeap heap = ElasticHeap.builder().lockPages(true).threadCache(false).build()) {
            long before = heap.allocate(4096);
            long middle = heap.allocate(3 * 4096);
            long after = heap.allocate(4096);
            RawMemory.fill(middle, 3 * 4096, (byte) 0xAB);
            heap.free(middle);
            heap.trim();
            long z = heap.allocateZeroed(3 * 4096);
            assertEquals(middle, z, "first fit hands the trimmed pages out again");
            for (long i = 0; i < 3 * 4096; i += 8) {
                assertEquals(0, RawMemory.getLong(z + i), "+" + i);
            }
            assertTrue(smaps(z).hasFlag("lo"), "still locked");
            heap.free(before);
            heap.free(after);
            heap.free(z);
        }
    }

    @Test
    void aTransparentMappingGrownByReallocateIsAlignedAndAdvised() {
        try (ElasticHeap heap = ElasticHeap.builder().hugePages(HugePages.TRANSPARENT).build()) {
            long grown = heap.reallocate(heap.allocate(1 << 20), 4 * HUGE);
            RawMemory.fill(grown, 4 * HUGE, (byte) 1);
            assertEquals(0, grown % HUGE);
            assertTrue(smaps(grown).hasFlag("hg"), smaps(grown).flags().toString());
            assertTrue(smaps(grown).bytes("AnonHugePages") > 0);
            heap.free(grown);
        }
    }

    @Test
    void overAnotherSourceAGrownMappingKeepsItsLockAndDumpFlags() {
        PageSource other = new ForeignSource();
        long lockedBefore = ProcessMemory.status().get("VmLck");
        try (ElasticHeap heap = ElasticHeap.builder().pageSource(other).lockPages(true).dontDump(true).threadCache(false).build()) {
            long grown = heap.reallocate(heap.allocate(200_000), 2_000_000);
            assertTrue(smaps(grown).hasFlag("lo") && smaps(grown).hasFlag("dd"), smaps(grown).flags().toString());
            assertEquals(heap.stats().lockedBytes(), ProcessMemory.status().get("VmLck") - lockedBefore);
            heap.free(grown);
        }
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
    void explicitHugePagesWithAFallbackServeFromTransparentOnesWhereNoneAreReserved() throws Exception {
        long reserved = Long.parseLong(Files.readString(Paths.get("/proc/sys/vm/nr_hugepages"), StandardCharsets.US_ASCII).trim());
        assumeTrue(reserved == 0, "huge pages are reserved here: no fallback happens");
        try (ElasticHeap heap = ElasticHeap.builder().hugePages(HugePages.EXPLICIT).hugePageFallback(true).build()) {
            long a = heap.allocate(100);
            long big = heap.allocate(5 * HUGE);
            RawMemory.fill(big, 5 * HUGE, (byte) 1);
            RawMemory.putLong(a, 1);
            assertEquals(HUGE, heap.stats().bytesMapped() / heap.stats().pagesMapped(), "the heap's page is still the huge page");
            assertTrue(smaps(big).hasFlag("hg") && !smaps(big).hasFlag("ht"), "transparent, not hugetlb: " + smaps(big).flags());
            assertTrue(smaps(big).bytes("AnonHugePages") > 0);
            heap.free(a);
            heap.free(big);
            heap.verify();
        }
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
        PageSource other = new ForeignSource();
        assertThrows(IllegalArgumentException.class, () -> ElasticHeap.builder().pageSource(other).hugePages(HugePages.EXPLICIT).build());
    }

    /** A page source of the caller's own, over mmap: the options must still apply, or be refused. */
    private static final class ForeignSource implements PageSource {
        private final PageSource mmap = PageSource.mmap();

        @Override
        public long pageSize() {
            return mmap.pageSize();
        }

        @Override
        public long map(long bytes) {
            return mmap.map(bytes);
        }

        @Override
        public void unmap(long address, long bytes) {
            mmap.unmap(address, bytes);
        }

        @Override
        public void discard(long address, long bytes) {
            mmap.discard(address, bytes);
        }
    }
}
