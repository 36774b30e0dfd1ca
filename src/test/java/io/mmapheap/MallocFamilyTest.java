package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.mmapheap.os.ProcessMemory;
import io.mmapheap.os.VirtualMemory;

/** calloc, posix_memalign, realloc, trim, perturb and the check levels, on both allocators. */
class MallocFamilyTest {

    private static final long PAGE = 4096;

    private static ElasticHeap elastic() {
        return ElasticHeap.builder().build();
    }

    @Test
    void allocateZeroedReturnsZerosEvenOnReusedMemory() {
        try (ElasticHeap heap = elastic()) {
            long dirty = heap.allocate(1000);
            RawMemory.fill(dirty, 1000, (byte) 0xee);
            heap.free(dirty);
            long zeroed = heap.allocateZeroed(1000);
            assertEquals(dirty, zeroed, "first fit reuses the dirty chunk");
            for (long i = 0; i < 1000; i++) {
                assertEquals(0, RawMemory.getByte(zeroed + i), "byte " + i);
            }
        }
    }

    @Test
    void allocateZeroedLeavesFreshPagesUntouched() {
        try (ElasticHeap heap = ElasticHeap.builder().growthPages(64).build()) {
            long first = heap.allocate(16);
            long big = heap.allocateZeroed(40 * PAGE);
            // Only the first page was ever handed out: clearing must not have faulted the others in.
            int resident = VirtualMemory.residentPages(big & ~(PAGE - 1), 40 * PAGE);
            assertTrue(resident <= 1, resident + " pages resident after allocateZeroed on fresh memory");
            assertEquals(0, RawMemory.getLong(big + 39 * PAGE));
            heap.free(first);
        }
    }

    @Test
    void everyPowerOfTwoAlignmentFromEightTo64KiBIsHonoured() {
        for (Allocator heap : List.<Allocator>of(elastic(), PageAllocator.builder().pages(256).build())) {
            try (heap) {
                List<Long> chunks = new ArrayList<>();
                chunks.add(heap.allocate(24));
                for (long alignment = 8; alignment <= 64 * 1024; alignment <<= 1) {
                    long a = heap.allocate(100, alignment);
                    assertEquals(0, a % alignment, "alignment " + alignment + " in " + heap.getClass().getSimpleName());
                    assertTrue(heap.usableSize(a) >= 100);
                    RawMemory.fill(a, 100, (byte) 3);
                    chunks.add(a);
                    heap.verify();
                }
                for (long c : chunks) {
                    heap.free(c);
                }
                heap.verify();
            }
        }
    }

    @Test
    void alignmentsAboveThePageAndForLargeRequestsAreServed() {
        try (ElasticHeap heap = elastic()) {
            long a = heap.allocate(PAGE, 1 << 20);
            assertEquals(0, a % (1 << 20));
            long b = heap.allocate(1 << 20, 1 << 21);
            assertEquals(0, b % (1 << 21));
            RawMemory.fill(b, 1 << 20, (byte) 1);
            heap.verify();
            heap.free(a);
            heap.free(b);
            assertEquals(0, heap.stats().dedicatedMappings());
        }
    }

    @Test
    void nonPowerOfTwoAlignmentsAreRejected() {
        try (ElasticHeap heap = elastic()) {
            for (long alignment : new long[] {0, -8, 3, 24, 4095}) {
                assertThrows(IllegalArgumentException.class, () -> heap.allocate(64, alignment), "alignment " + alignment);
            }
            assertEquals(0, heap.stats().liveChunks());
        }
    }

    @Test
    void anAlignmentAboveTheLargestRequestIsRejectedAsBadInputAndChangesNothing() {
        try (ElasticHeap heap = elastic()) {
            long a = heap.allocate(64);
            HeapStats before = heap.stats();
            for (long alignment : new long[] {ElasticHeap.UNLIMITED_MAX_REQUEST << 1, 1L << 62}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> heap.allocate(1, alignment));
                assertTrue(e.getMessage().contains("alignment " + alignment + " is above the largest request"), e.getMessage());
            }
            assertEquals(before, heap.stats());
            heap.free(a);
            heap.verify();
        }
    }

    @Test
    void reallocateShrinksInPlaceAndTheTailCoalesces() {
        try (PageAllocator heap = PageAllocator.builder().pages(1).build()) {
            long a = heap.allocate(1024);
            RawMemory.fill(a, 1024, (byte) 'q');
            assertEquals(a, heap.reallocate(a, 100));
            assertEquals(104, heap.usableSize(a));
            assertEquals(1, heap.stats().freeChunks(), "the freed tail joined the free rest of the page");
            assertEquals(PAGE - 104, heap.stats().largestFreeRun());
            assertEquals('q', RawMemory.getByte(a + 99));
            heap.verify();
        }
    }

    @Test
    void reallocateGrowsInPlaceWhenTheNextRunIsFreeAndMovesOtherwise() {
        try (PageAllocator heap = PageAllocator.builder().pages(1).build()) {
            long a = heap.allocate(512);
            long b = heap.allocate(512);
            RawMemory.fill(a, 512, (byte) 'a');
            heap.free(b);
            assertEquals(a, heap.reallocate(a, 1024), "grown into the free run after it");
            long c = heap.allocate(512);
            assertEquals(a + 1024, c);
            long moved = heap.reallocate(a, 2048);
            assertNotEquals(a, moved, "c blocks growth in place");
            assertEquals(c + 512, moved);
            for (int i = 0; i < 512; i++) {
                assertEquals('a', RawMemory.getByte(moved + i), "contents preserved at " + i);
            }
            assertThrows(IllegalArgumentException.class, () -> heap.usableSize(a), "the old chunk was freed");
            heap.verify();
        }
    }

    @Test
    void reallocateOfNullAllocatesAndToZeroFrees() {
        try (ElasticHeap heap = elastic()) {
            long a = heap.reallocate(0, 64);
            assertEquals(64, heap.usableSize(a));
            assertEquals(0, heap.reallocate(a, 0));
            assertEquals(0, heap.stats().liveChunks());
            assertThrows(IllegalArgumentException.class, () -> heap.reallocate(a, 10), "a is freed");
            long b = heap.allocate(64);
            assertThrows(IllegalArgumentException.class, () -> heap.reallocate(b, -1));
        }
    }

    @Test
    void reallocateMovesBetweenRegionsAndDedicatedMappingsKeepingContents() {
        try (ElasticHeap heap = elastic()) {
            long a = heap.allocate(1000);
            for (int i = 0; i < 1000; i++) {
                RawMemory.putByte(a + i, (byte) i);
            }
            long big = heap.reallocate(a, 1 << 20);
            assertEquals(1, heap.stats().dedicatedMappings());
            for (int i = 0; i < 1000; i++) {
                assertEquals((byte) i, RawMemory.getByte(big + i));
            }
            assertEquals(big, heap.reallocate(big, (1 << 20) - 100), "shrinking a dedicated mapping a little stays");
            long back = heap.reallocate(big, 500);
            assertEquals(0, heap.stats().dedicatedMappings());
            for (int i = 0; i < 500; i++) {
                assertEquals((byte) i, RawMemory.getByte(back + i));
            }
            heap.verify();
        }
    }

    @Test
    void growingADedicatedMappingMovesItsPagesAndKeepsTheContents() {
        for (PageSource source : List.of(PageSource.mmap(), new FailingPageSource(-1))) {
            try (ElasticHeap heap = ElasticHeap.builder().pageSource(source).build()) {
                long a = heap.allocate(200_000);
                for (long i = 0; i < 200_000; i += 4096) {
                    RawMemory.putLong(a + i, i);
                }
                long b = heap.reallocate(a, 3_000_000);
                assertEquals(Sizes.roundUp(3_000_000, PAGE), heap.usableSize(b));
                for (long i = 0; i < 200_000; i += 4096) {
                    assertEquals(i, RawMemory.getLong(b + i), "offset " + i);
                }
                RawMemory.putLong(b + 2_999_992, 1);
                assertEquals(1, heap.stats().dedicatedMappings());
                heap.verify();
                heap.free(b);
            }
        }
    }

    @Test
    void aFailedRemapLeavesTheDedicatedChunkIntact() {
        FailingPageSource source = new FailingPageSource(1);
        try (ElasticHeap heap = ElasticHeap.builder().pageSource(source).build()) {
            long a = heap.allocate(200_000);
            RawMemory.putLong(a, 42);
            HeapStats before = heap.stats();
            HeapExhaustedException e = assertThrows(HeapExhaustedException.class, () -> heap.reallocate(a, 400_000));
            assertEquals(VirtualMemory.ENOMEM, e.errno());
            assertEquals(before, heap.stats());
            assertEquals(42, RawMemory.getLong(a));
            heap.free(a);
        }
    }

    @Test
    void aChunkLongerThanAStepGrowsInPlaceIntoTheHalfStepReservedAfterIt() {
        try (ElasticHeap heap = ElasticHeap.builder().growthPages(4).build()) {
            long a = heap.allocate(8 * PAGE);
            assertEquals(0, heap.stats().dedicatedMappings());
            long mapped = heap.stats().pagesMapped();
            assertEquals(a, heap.reallocate(a, 11 * PAGE), "half again as much is reserved: the growth fits in place");
            assertEquals(mapped + 3, heap.stats().pagesMapped(), "committing only the pages it needs");
            assertEquals(0, heap.stats().dedicatedMappings());
            heap.verify();
        }
    }

    @Test
    void aChunkThatAReallocationMovesPastHalfAStepTakesAMappingThatLaterGrowthRemaps() {
        try (ElasticHeap heap = ElasticHeap.builder().growthPages(4).build()) {
            long a = heap.allocate(8000);
            RawMemory.fill(a, 8000, (byte) 7);
            long blocker = heap.allocate(16);
            long b = heap.reallocate(a, 40_000);
            assertNotEquals(a, b, "a live chunk after it: the chunk moves");
            assertEquals(1, heap.stats().dedicatedMappings(), "into a mapping of its own");
            assertEquals(40_960, heap.usableSize(b), "whole pages");
            assertEquals(7, RawMemory.getByte(b + 7999), "contents moved");
            long c = heap.reallocate(b, 100_000);
            assertEquals(1, heap.stats().dedicatedMappings(), "remapped, still one mapping");
            assertEquals(102_400, heap.stats().dedicatedBytes());
            assertEquals(7, RawMemory.getByte(c + 7999), "contents kept by the remap");
            heap.verify();
            long d = heap.reallocate(c, 4000);
            assertEquals(0, heap.stats().dedicatedMappings(), "at half a step or less it moves back into the regions");
            assertEquals(102_400, heap.stats().keptBytes(), "its mapping kept for the next large request");
            assertEquals(7, RawMemory.getByte(d + 3999), "contents moved back");
            heap.free(d);
            heap.free(blocker);
            heap.verify();
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aMoveThatTheLimitRefusesAMappingForTakesAPlaceInTheRegions(boolean threadCache) {
        try (ElasticHeap heap = ElasticHeap.builder().maxPages(16).threadCache(threadCache).build()) {
            long a = heap.allocate(20_000);
            long pin = heap.allocate(16);
            heap.free(heap.allocate(30_000));
            RawMemory.fill(a, 20_000, (byte) 7);
            long b = heap.reallocate(a, 33_000);
            assertNotEquals(a, b);
            assertEquals(0, heap.stats().dedicatedMappings(), "no room under the limit for a mapping: a place in the regions");
            assertEquals(7, RawMemory.getByte(b + 19_999), "contents moved");
            heap.verify();
            heap.free(b);
            heap.free(pin);
        }
    }

    @Test
    void aDedicatedChunkShrunkByAStepOrMoreGivesThosePagesBackInPlace() {
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            long a = heap.allocate(4L << 20);
            RawMemory.fill(a, 40_000, (byte) 5);
            assertEquals(a, heap.reallocate(a, (4L << 20) - 8 * PAGE), "a shrink of less than a step keeps the mapping");
            assertEquals(4L << 20, heap.usableSize(a));
            assertEquals(a, heap.reallocate(a, 40_000), "shrunk in place");
            assertEquals(40_960, heap.usableSize(a));
            assertEquals(40_960, heap.stats().dedicatedBytes());
            assertEquals(40_960 / PAGE, heap.stats().pagesMapped(), "the rest went back");
            assertEquals(5, RawMemory.getByte(a + 39_999), "contents kept");
            heap.verify();
            heap.free(a);
        }
    }

    @Test
    void aChunkThatGrowsIntoALongerKeptMappingKeepsItsPagesAsItGrows() {
        // Exact first fit, so that the second chunk lies right after the first.
        try (ElasticHeap heap = ElasticHeap.builder().threadCache(false).build()) {
            heap.free(heap.allocate(1 << 20));
            assertEquals(1 << 20, heap.stats().keptBytes());
            long a = heap.allocate(20_000);
            long pin = heap.allocate(20_000);
            assertEquals(a + heap.usableSize(a), pin, "a live chunk right after it: it cannot grow in place");
            long b = heap.reallocate(a, 40_000);
            assertEquals(1 << 20, heap.usableSize(b), "the kept mapping took it, however much longer");
            for (long size = 41_000; size < 200_000; size += 1_000) {
                assertEquals(b, heap.reallocate(b, size));
                assertEquals(1 << 20, heap.usableSize(b), "growing into its own pages gives none back");
            }
            assertEquals(b, heap.reallocate(b, 50_000));
            assertEquals(13 * PAGE, heap.usableSize(b), "a shrink below what it asked gives back all but its 13 pages");
            heap.verify();
            heap.free(b);
            heap.free(pin);
        }
    }

    @Test
    void aChunkThatMovesOutGivesBackAStepOrMoreOfPagesItLeftAtItsRegionsEnd() {
        try (ElasticHeap heap = ElasticHeap.builder().growthPages(4).build()) {
            long keep = heap.allocate(100);
            long a = heap.allocate(10 * PAGE);
            RawMemory.fill(a, 10 * PAGE, (byte) 4);
            long mappedBefore = heap.stats().pagesMapped();
            long b = heap.reallocate(a, 20 * PAGE);
            assertNotEquals(a, b, "past the 5 pages reserved after it: the chunk moves");
            assertEquals(4, RawMemory.getByte(b + 10 * PAGE - 1), "contents moved");
            HeapStats s = heap.stats();
            assertEquals(mappedBefore - 10, s.pagesMapped() - s.dedicatedBytes() / PAGE, "the 10 pages left behind were given back");
            assertEquals("---p", ProcessMemory.mappingOf(a + 9 * PAGE).orElseThrow().perms(), "decommitted");
            heap.verify();
            assertEquals(104, heap.usableSize(keep), "the chunk that stayed is untouched");
            long again = heap.allocate(10 * PAGE);
            assertEquals(a, again, "the region's reservation is committed again for the next request");
            assertEquals(0, RawMemory.getLong(again + 9 * PAGE), "recommitted pages read as zero");
            heap.verify();
        }
    }

    @Test
    void aTailShorterThanAStepThatAMovedChunkLeavesStaysCommittedForTheNextRequests() {
        try (ElasticHeap heap = ElasticHeap.builder().growthPages(16).build()) {
            long keep = heap.allocate(100);
            long a = heap.allocate(5 * PAGE);
            assertEquals(a, heap.reallocate(a, 15 * PAGE), "grown in place to its region's end");
            RawMemory.fill(a, 15 * PAGE, (byte) 3);
            long mappedBefore = heap.stats().pagesMapped();
            long b = heap.reallocate(a, 17 * PAGE);
            assertNotEquals(a, b, "past its region's end: the chunk moves");
            assertEquals(3, RawMemory.getByte(b + 15 * PAGE - 1), "contents moved");
            HeapStats s = heap.stats();
            assertEquals(mappedBefore, s.pagesMapped() - s.dedicatedBytes() / PAGE, "the 15 pages it left stay committed");
            assertEquals("rw-p", ProcessMemory.mappingOf(a + 10 * PAGE).orElseThrow().perms());
            long c = heap.allocate(5 * PAGE);
            assertEquals(a, c, "the next request takes them without growing");
            assertEquals(mappedBefore, heap.stats().pagesMapped() - heap.stats().dedicatedBytes() / PAGE);
            heap.free(c);
            heap.free(b);
            heap.free(keep);
            heap.verify();
        }
    }

    @Test
    void aFailedMoveLeavesTheChunkIntact() {
        try (PageAllocator heap = PageAllocator.builder().pages(1).build()) {
            long a = heap.allocate(2048);
            heap.allocate(1024);
            RawMemory.putLong(a, 77);
            HeapStats before = heap.stats();
            assertThrows(HeapExhaustedException.class, () -> heap.reallocate(a, 3072));
            assertEquals(before, heap.stats());
            assertEquals(77, RawMemory.getLong(a));
        }
    }

    @Test
    void trimMakesWholeFreePagesNonResidentAndTheyStillWork() {
        try (ElasticHeap heap = ElasticHeap.builder().growthPages(32).build()) {
            long keep = heap.allocate(16);
            long big = heap.allocate(24 * PAGE);
            RawMemory.fill(big, 24 * PAGE, (byte) 9);
            long region = keep & ~(PAGE - 1);
            long rssBefore = ProcessMemory.smapsOf(region).orElseThrow().rss();
            assertTrue(rssBefore >= 25 * PAGE, "rss " + rssBefore);
            heap.free(big);
            // The chunk waits in the thread cache, which trim() empties first.
            HeapStats freed = heap.stats();
            assertTrue(freed.releasableBytes() + freed.cachedBytes() >= 23 * PAGE, "releasable " + freed.releasableBytes()
                    + ", cached " + freed.cachedBytes());

            long released = heap.trim();

            assertTrue(released >= 23 * PAGE, "released " + released);
            assertEquals(0, heap.stats().releasableBytes());
            assertEquals(0, heap.stats().cachedBytes());
            long rssAfter = ProcessMemory.smapsOf(region).orElseThrow().rss();
            assertTrue(rssAfter <= rssBefore - 23 * PAGE, "rss " + rssBefore + " -> " + rssAfter);
            assertTrue(VirtualMemory.residentPages(big & ~(PAGE - 1), 24 * PAGE) <= 1);

            long again = heap.allocate(24 * PAGE);
            assertEquals(big, again);
            assertEquals(0, RawMemory.getLong(again + 10 * PAGE), "discarded pages read as zero");
            RawMemory.fill(again, 24 * PAGE, (byte) 1);
            heap.verify();
            assertEquals(16, heap.usableSize(keep));
        }
    }

    @Test
    void theTrimThresholdReleasesFreePagesWithoutAnExplicitTrim() {
        try (ElasticHeap heap = ElasticHeap.builder().growthPages(32).trimThreshold(8 * PAGE).build()) {
            long keep = heap.allocate(16);
            long big = heap.allocate(20 * PAGE);
            RawMemory.fill(big, 20 * PAGE, (byte) 9);
            heap.free(big);
            assertEquals(0, heap.stats().releasableBytes(), "released on free");
            assertTrue(VirtualMemory.residentPages(big & ~(PAGE - 1), 20 * PAGE) <= 1);
            heap.free(keep);
        }
    }

    @Test
    void perturbFillsFreedMemoryWithTheByteAndNewMemoryWithItsComplement() {
        try (ElasticHeap heap = ElasticHeap.builder().perturb(0xA5).build()) {
            long a = heap.allocate(64);
            long b = heap.allocate(64);
            for (int i = 0; i < 64; i++) {
                assertEquals((byte) 0x5A, RawMemory.getByte(a + i));
            }
            heap.free(a);
            for (int i = 0; i < 64; i++) {
                assertEquals((byte) 0xA5, RawMemory.getByte(a + i), "freed memory at " + i);
            }
            long z = heap.allocateZeroed(64);
            assertEquals(0, RawMemory.getLong(z));
            heap.free(b);
            heap.free(z);
        }
    }

    @Test
    void checkLevelsIgnoreReportOrThrowAndNeverDamageTheHeap() {
        try (LogCapture checks = LogCapture.of("io.mmapheap.checks")) {
            for (CheckLevel level : CheckLevel.values()) {
                try (ElasticHeap heap = ElasticHeap.builder().checkLevel(level).build()) {
                    long a = heap.allocate(64);
                    heap.free(a);
                    HeapStats before = heap.stats();
                    checks.clear();
                    if (level == CheckLevel.THROW) {
                        assertThrows(IllegalArgumentException.class, () -> heap.free(a));
                        assertThrows(IllegalArgumentException.class, () -> heap.reallocate(a, 10));
                    } else {
                        heap.free(a);
                        assertEquals(0, heap.reallocate(a, 10));
                    }
                    List<String> warnings = checks.messagesAt(java.util.logging.Level.WARNING);
                    if (level == CheckLevel.REPORT) {
                        assertEquals(2, warnings.size(), "the free and the reallocate: " + warnings);
                        for (String warning : warnings) {
                            assertTrue(warning.startsWith("mmapheap ElasticHeap: ") && warning.contains("not allocated"), warning);
                        }
                    } else {
                        assertEquals(List.of(), checks.records(), level + " logs nothing");
                    }
                    heap.verify();
                    assertEquals(before, heap.stats());
                }
            }
        }
        assertEquals(CheckLevel.REPORT, CheckLevel.of(1));
        assertThrows(IllegalArgumentException.class, () -> CheckLevel.of(3));
    }

    @Test
    void statsCarryMallinfoFieldsAndPrintAsAReport() {
        try (ElasticHeap heap = elastic()) {
            long a = heap.allocate(100);
            long big = heap.allocate(1 << 20);
            HeapStats s = heap.stats();
            assertEquals(1, s.dedicatedMappings());
            assertEquals(1 << 20, s.dedicatedBytes());
            assertEquals(PAGE, s.arenaBytes(), "one page of the first growth step committed");
            assertEquals((ElasticHeap.DEFAULT_GROWTH_PAGES - 1) * PAGE, s.reservedBytes());
            assertEquals(s.arenaBytes() - 104, s.bytesFree());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            heap.printStats(new PrintStream(out, true, StandardCharsets.UTF_8));
            String report = out.toString(StandardCharsets.UTF_8);
            assertTrue(report.contains("system bytes") && report.contains("mmap regions") && report.contains("releasable")
                    && report.contains("reserved bytes"), report);
            heap.free(a);
            heap.free(big);
        }
    }

    @Test
    void perturbOutsideAByteIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> ElasticHeap.builder().perturb(256));
        assertThrows(IllegalArgumentException.class, () -> ElasticHeap.builder().perturb(-1));
        assertThrows(IllegalArgumentException.class, () -> ElasticHeap.builder().trimThreshold(-1));
    }
}
