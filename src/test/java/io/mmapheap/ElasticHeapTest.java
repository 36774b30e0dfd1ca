package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.params.ParameterizedTest;
import java.util.List;
import java.util.ArrayList;

import io.mmapheap.os.ProcessMemory;
import io.mmapheap.os.VirtualMemory;

/** Part B and its generalization: pages mapped on demand, chunks never crossing a mapping. */
class ElasticHeapTest {

    private static final long PAGE = 4096;

    private static ElasticHeap lab() {
        return ElasticHeap.builder().threadCache(false).granule(256).maxPages(4).growthPages(1).largeThreshold(PAGE).build();
    }

    private static Set<Long> pagesOf(long[] chunks, long size) {
        Set<Long> pages = new TreeSet<>();
        for (long c : chunks) {
            pages.add(c & ~(PAGE - 1));
            assertEquals(c & ~(PAGE - 1), (c + size - 1) & ~(PAGE - 1), "chunk crosses a page");
        }
        return pages;
    }

    @Test
    void buildingMapsNothing() {
        try (ElasticHeap heap = lab()) {
            assertEquals(0, heap.stats().pagesMapped());
            assertTrue(heap.pageMap(4).contains("no pages mapped"));
        }
    }

    @Test
    void thePartBSequenceUsesFourPagesAndReusesExactlyThem() {
        try (ElasticHeap heap = lab()) {
            long[] big = new long[4];
            for (int i = 0; i < 4; i++) {
                long vszBefore = ProcessMemory.vsz();
                big[i] = heap.allocate(PAGE);
                assertTrue(ProcessMemory.vsz() - vszBefore >= PAGE, "each new page adds to VSZ");
                assertEquals(i + 1, heap.stats().pagesMapped(), "one mmap per page, only when needed");
                RawMemory.fill(big[i], PAGE, (byte) 'a');
            }
            Set<Long> pages = pagesOf(big, PAGE);
            assertEquals(4, pages.size());
            assertThrows(HeapExhaustedException.class, () -> heap.allocate(256), "maxPages reached");
            for (long c : big) {
                heap.free(c);
            }

            long[] small = new long[64];
            for (int i = 0; i < small.length; i++) {
                small[i] = heap.allocate(256);
                RawMemory.fill(small[i], 256, (byte) 'b');
            }
            assertEquals(pages, pagesOf(small, 256), "64 x 256 reuse the same pages");
            assertEquals(4, heap.stats().pagesMapped());
            for (long c : small) {
                heap.free(c);
            }
            for (int i = 0; i < 4; i++) {
                big[i] = heap.allocate(PAGE);
            }
            assertEquals(pages, pagesOf(big, PAGE), "4 x 4096 after 64 x 256 merge back into whole pages");
            assertEquals(4, heap.stats().pagesMapped());
            heap.verify();
        }
    }

    @Test
    void aNewPageIsMappedOnlyWhenNoMappedPageHasRoom() {
        try (ElasticHeap heap = lab()) {
            long a = heap.allocate(1024);
            assertEquals(1, heap.stats().pagesMapped());
            long b = heap.allocate(3072);
            assertEquals(1, heap.stats().pagesMapped(), "3072 still fits in the first page");
            assertEquals(a + 1024, b);
            long c = heap.allocate(256);
            assertEquals(2, heap.stats().pagesMapped());
            heap.free(a);
            assertEquals(a, heap.allocate(512), "first fit: the first page again");
            assertNotEquals(a & ~(PAGE - 1), c & ~(PAGE - 1));
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void atItsLimitAHeapThatHoldsNothingGivesBackItsEmptyPagesBeforeItRefuses(boolean threadCache) {
        try (ElasticHeap heap = ElasticHeap.builder().maxPages(64).threadCache(threadCache).build()) {
            List<Long> chunks = allocateUntilRefused(heap, 50_000);
            for (long c : chunks) {
                heap.free(c);
            }
            long big = heap.allocate(100_000);
            assertTrue(heap.stats().pagesMapped() <= 64);
            heap.verify();
            heap.free(big);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void atItsLimitAHeapGivesBackTheFreePagesOfAnotherSizesRegionsBeforeItRefuses(boolean threadCache) {
        try (ElasticHeap heap = ElasticHeap.builder().maxPages(32).threadCache(threadCache).build()) {
            List<Long> small = allocateUntilRefused(heap, 16);
            for (long c : small) {
                heap.free(c);
            }
            long a = heap.allocate(20_000);
            assertTrue(heap.stats().pagesMapped() <= 32);
            heap.verify();
            heap.free(a);
        }
    }

    @Test
    void atItsLimitAHeapSendsCachedChunksBackBeforeItGivesBackEmptyRegionsForALargeRequest() {
        try (ElasticHeap heap = ElasticHeap.builder().maxPages(300).build()) {
            List<Long> chunks = allocateUntilRefused(heap, 1000);
            // All but every stride-th chunk first, then those: the cache ends with one of every region.
            int stride = chunks.size() / 64;
            for (int i = 0; i < chunks.size(); i++) {
                if (i % stride != 0) {
                    heap.free(chunks.get(i));
                }
            }
            for (int i = 0; i < chunks.size(); i += stride) {
                heap.free(chunks.get(i));
            }
            assertEquals(0, heap.stats().liveChunks());
            long big = heap.allocate(600_000);
            assertTrue(heap.stats().pagesMapped() <= 300);
            heap.verify();
            heap.free(big);
        }
    }

    @Test
    void aRefusalStandsWhenNothingCouldBeGivenBack() {
        try (ElasticHeap heap = ElasticHeap.builder().maxPages(16).threadCache(false).build()) {
            long a = heap.allocate(60_000);
            HeapStats before = heap.stats();
            assertThrows(HeapExhaustedException.class, () -> heap.allocate(8_000));
            assertEquals(before, heap.stats(), "nothing held nothing: nothing changed");
            heap.free(a);
        }
    }

    @Test
    void anInteriorAddressOfADedicatedChunkIsNamedSoAndChangesNothing() {
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            long a = heap.allocate(1 << 20);
            HeapStats before = heap.stats();
            for (long bad : new long[] {a + 16, a + PAGE, a + (1 << 20) - 16}) {
                IllegalArgumentException free = assertThrows(IllegalArgumentException.class, () -> heap.free(bad));
                assertTrue(free.getMessage().contains("interior address: inside the dedicated chunk at 0x" + Long.toHexString(a)),
                        free.getMessage());
                IllegalArgumentException usable = assertThrows(IllegalArgumentException.class, () -> heap.usableSize(bad));
                assertTrue(usable.getMessage().startsWith("usableSize(0x" + Long.toHexString(bad) + "): interior address"),
                        usable.getMessage());
                assertThrows(IllegalArgumentException.class, () -> heap.reallocate(bad, 64));
            }
            assertEquals(before, heap.stats());
            heap.free(a);
            heap.verify();
        }
    }

    @Test
    void aFreedLargeMappingIsKeptForTheNextRequestOfItsSize() {
        long mib = 1 << 20;
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            long a = heap.allocate(mib);
            RawMemory.fill(a, mib, (byte) 9);
            heap.free(a);
            HeapStats s = heap.stats();
            assertEquals(0, s.dedicatedMappings());
            assertEquals(mib, s.keptBytes());
            assertEquals(mib, s.bytesMapped(), "kept mappings stay mapped");
            assertEquals(mib, s.releasableBytes(), "trim would release it");
            assertEquals(0, s.arenaBytes());
            assertTrue(ProcessMemory.mappingOf(a).isPresent());
            heap.verify();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> heap.free(a));
            assertTrue(e.getMessage().contains("freed already"), e.getMessage());
            IllegalArgumentException inside = assertThrows(IllegalArgumentException.class, () -> heap.free(a + PAGE));
            assertTrue(inside.getMessage().contains("not allocated: inside a freed dedicated chunk"), inside.getMessage());
            IllegalArgumentException usable = assertThrows(IllegalArgumentException.class, () -> heap.usableSize(a));
            assertTrue(usable.getMessage().contains("usableSize(0x" + Long.toHexString(a) + "): not allocated: freed already"), usable.getMessage());
            assertThrows(IllegalArgumentException.class, () -> heap.reallocate(a, 100));
            assertEquals(mib, heap.stats().keptBytes(), "a double free changes nothing");

            long b = heap.allocateZeroed(mib - 100);
            assertEquals(a, b, "the same-size request reuses the kept mapping");
            assertEquals(0, heap.stats().keptBytes());
            assertEquals(mib, heap.usableSize(b));
            for (long i = 0; i < mib; i += Long.BYTES) {
                assertEquals(0, RawMemory.getLong(b + i), "a zeroed request gets zeros from a reused mapping");
            }
            heap.free(b);
            long small = heap.allocate(ElasticHeap.DEFAULT_LARGE_THRESHOLD * 2);
            assertNotEquals(a, small, "a mapping more than twice the request is not reused");
            heap.free(small);
            heap.verify();
            long kept = heap.stats().keptBytes();
            assertEquals(mib + ElasticHeap.DEFAULT_LARGE_THRESHOLD * 2, kept);
            assertTrue(heap.trim() >= kept);
            assertEquals(0, heap.stats().keptBytes());
            assertEquals(0, heap.stats().bytesMapped());
            assertTrue(ProcessMemory.mappingOf(a).map(m -> m.start() > a || m.end() <= a).orElse(true), "unmapped by trim");
        }
    }

    @Test
    void aChunkThatGrowsOutOfTheRegionsByReallocationTakesAKeptMappingThatHoldsIt() {
        long mib = 1 << 20;
        long threshold = ElasticHeap.DEFAULT_LARGE_THRESHOLD;
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            long kept = heap.allocate(mib);
            heap.free(kept);
            long a = heap.allocate(threshold);
            RawMemory.fill(a, threshold, (byte) 5);
            long mapped = heap.stats().bytesMapped();
            long moved = heap.reallocate(a, threshold + 1);
            assertEquals(kept, moved, "four times the new size, and taken all the same");
            assertEquals(0, heap.stats().keptBytes());
            assertEquals(mib, heap.usableSize(moved));
            assertTrue(heap.stats().bytesMapped() <= mapped, "no memory mapped for the move");
            for (long i = 0; i < threshold; i++) {
                assertEquals(5, RawMemory.getByte(moved + i), "contents moved");
            }
            assertEquals(moved, heap.reallocate(moved, mib), "it grows into the rest in place");
            heap.verify();
            heap.free(moved);
            assertEquals(mib, heap.stats().keptBytes(), "kept again when freed");
            long fresh = heap.allocate(threshold + 1);
            assertNotEquals(kept, fresh, "a plain request still takes only a mapping up to twice its size");
            heap.free(fresh);
            heap.verify();
        }
    }

    @Test
    void keptMappingsStayWithinTheirLimitOldestFirst() {
        long mib = 1 << 20;
        try (ElasticHeap heap = ElasticHeap.builder().keptBytes(2 * mib).build()) {
            long[] big = {heap.allocate(mib), heap.allocate(mib), heap.allocate(mib)};
            for (long b : big) {
                heap.free(b);
            }
            assertEquals(2 * mib, heap.stats().keptBytes());
            assertEquals(2 * mib, heap.stats().bytesMapped());
            assertTrue(ProcessMemory.mappingOf(big[0]).map(m -> m.start() > big[0] || m.end() <= big[0]).orElse(true),
                    "the oldest made way");
            assertEquals(big[2], heap.allocate(mib), "the most recent of the smallest fits is reused");
            heap.verify();
        }
        try (ElasticHeap limited = ElasticHeap.builder().maxPages(1024).build()) {
            limited.free(limited.allocate(mib));
            assertEquals(0, limited.stats().keptBytes(), "a heap with a page limit keeps nothing");
            assertEquals(0, limited.stats().bytesMapped());
        }
    }

    @Test
    void requestsAboveTheThresholdGetTheirOwnMappingUnmappedOnFree() {
        try (ElasticHeap heap = ElasticHeap.builder().keptBytes(0).build()) {
            long size = ElasticHeap.DEFAULT_LARGE_THRESHOLD + 1;
            long a = heap.allocate(size);
            HeapStats s = heap.stats();
            assertEquals(1, s.dedicatedMappings());
            assertEquals(0, s.regions());
            assertEquals(Sizes.roundUp(size, PAGE), heap.usableSize(a));
            assertTrue(ProcessMemory.mappingOf(a).isPresent());
            RawMemory.fill(a, size, (byte) 7);
            heap.verify();
            heap.free(a);
            assertEquals(0, heap.stats().dedicatedMappings());
            assertEquals(0, heap.stats().bytesMapped());
            assertTrue(ProcessMemory.mappingOf(a).map(m -> m.start() != a).orElse(true), "unmapped");
            assertThrows(IllegalArgumentException.class, () -> heap.free(a));
        }
    }

    @Test
    void aRequestLargerThanAGrowthStepGetsARegionOfItsSize() {
        try (ElasticHeap heap = ElasticHeap.builder().growthPages(1).build()) {
            long a = heap.allocate(3 * PAGE);
            assertEquals(3, heap.stats().pagesMapped());
            assertEquals(1, heap.stats().regions());
            assertEquals(3 * PAGE, heap.usableSize(a));
        }
    }

    @Test
    void aGrowthStepIsReservedAndCommittedOnlyAsFarAsRequestsNeed() {
        try (ElasticHeap heap = ElasticHeap.builder().threadCache(false).growthPages(8).build()) {
            long a = heap.allocate(16);
            assertEquals(1, heap.stats().pagesMapped());
            assertEquals(7 * PAGE, heap.stats().reservedBytes());
            assertEquals(PAGE - 16, heap.stats().bytesFree());
            long base = a & ~(PAGE - 1);
            assertEquals("rw-p", ProcessMemory.mappingOf(base).orElseThrow().perms());
            assertEquals("---p", ProcessMemory.mappingOf(base + PAGE).orElseThrow().perms(), "the rest is reserved only");

            // 4080 bytes are free at the end of the committed page: two more pages make 8 KiB there.
            long b = heap.allocate(2 * PAGE);
            assertEquals(a + 16, b, "the chunk runs on from the free end into the new pages");
            assertEquals(3, heap.stats().pagesMapped());
            assertEquals(5 * PAGE, heap.stats().reservedBytes());
            assertEquals(1, heap.stats().regions());
            assertEquals("rw-p", ProcessMemory.mappingOf(base + 2 * PAGE).orElseThrow().perms());
            RawMemory.fill(b, 2 * PAGE, (byte) 5);
            heap.verify();

            // A request the reserved rest cannot fit reserves a new step.
            heap.allocate(6 * PAGE);
            assertEquals(2, heap.stats().regions());
            assertEquals(9, heap.stats().pagesMapped());
            heap.free(b);
            heap.free(a);
            assertEquals(base, heap.allocate(3 * PAGE), "freed pages of the first region are reused first");
            heap.verify();
        }
    }

    @Test
    void aLargerHeapCommitsAFractionOfItselfAheadOfNeed() {
        try (ElasticHeap heap = ElasticHeap.builder().threadCache(false).growthPages(256).build()) {
            heap.allocate(30 * PAGE);
            heap.allocate(30 * PAGE);
            assertEquals(60, heap.stats().pagesMapped(), "a small heap commits what requests need");
            long a = heap.allocate(16);
            long ahead = (60 + ElasticGrowth.COMMIT_FRACTION - 1) / ElasticGrowth.COMMIT_FRACTION;
            assertEquals(60 + ahead, heap.stats().pagesMapped(), "then 1/" + ElasticGrowth.COMMIT_FRACTION + " of what it holds");
            heap.allocate(PAGE);
            assertEquals(60 + ahead, heap.stats().pagesMapped(), "the page ahead served it");
            assertEquals(1, heap.stats().regions());
            assertEquals(a + 16, heap.allocate(16) - PAGE, "first fit after the page-long chunk");
            heap.verify();
        }
    }

    @Test
    void anAddressInTheReservedPartOfARegionIsNotAllocated() {
        for (boolean cached : new boolean[] {true, false}) {
            try (ElasticHeap heap = ElasticHeap.builder().threadCache(cached).growthPages(8).build()) {
                long a = heap.allocate(16);
                long reserved = (a & ~(PAGE - 1)) + 3 * PAGE;
                HeapStats before = heap.stats();
                for (long bad : new long[] {reserved, reserved + 16, (a & ~(PAGE - 1)) + PAGE}) {
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> heap.free(bad));
                    assertTrue(e.getMessage().contains("not allocated: in a region's reserved pages"), e.getMessage());
                    assertThrows(IllegalArgumentException.class, () -> heap.usableSize(bad));
                    assertThrows(IllegalArgumentException.class, () -> heap.reallocate(bad, 32));
                }
                assertEquals(before, heap.stats());
                heap.verify();
                heap.free(a);
            }
        }
    }

    @Test
    void commitsStopAtMaxPages() {
        try (ElasticHeap heap = ElasticHeap.builder().growthPages(8).maxPages(10).build()) {
            heap.allocate(8 * PAGE);
            heap.allocate(PAGE);
            heap.allocate(PAGE);
            assertEquals(10, heap.stats().pagesMapped());
            HeapStats before = heap.stats();
            HeapExhaustedException e = assertThrows(HeapExhaustedException.class, () -> heap.allocate(2 * PAGE));
            assertTrue(e.getMessage().contains("maxPages=10"), e.getMessage());
            assertEquals(before, heap.stats());
            assertThrows(IllegalArgumentException.class, () -> heap.allocate(10 * PAGE + 1), "never servable");
            heap.verify();
        }
    }

    @Test
    void anMmapFailureIsExhaustionWithTheErrnoAndTheHeapStaysUsable() {
        FailingPageSource source = new FailingPageSource(1);
        try (ElasticHeap heap = ElasticHeap.builder().growthPages(1).pageSource(source).build()) {
            long a = heap.allocate(PAGE);
            RawMemory.putLong(a, 99);
            HeapStats before = heap.stats();
            HeapExhaustedException e = assertThrows(HeapExhaustedException.class, () -> heap.allocate(PAGE));
            assertEquals(VirtualMemory.ENOMEM, e.errno());
            assertEquals(before, heap.stats());
            heap.verify();
            assertEquals(99, RawMemory.getLong(a));
            heap.free(a);
            assertEquals(a, heap.allocate(PAGE));
        }
        assertEquals(1, source.unmaps, "the one region was unmapped at close");
    }

    @Test
    void withThreadCachesSizeBandsGetRegionsOfTheirOwnOnceTheHeapHasAFewGrowthSteps() {
        for (boolean cached : new boolean[] {true, false}) {
            try (ElasticHeap heap = ElasticHeap.builder().threadCache(cached).build()) {
                long step = ElasticHeap.DEFAULT_GROWTH_PAGES * PAGE;
                for (long mapped = 0; mapped < Regions.SEGREGATION_START_PAGES * PAGE; mapped += step) {
                    heap.allocate(step);
                }
                long[] small = new long[50];
                long[] large = new long[50];
                for (int i = 0; i < small.length; i++) {
                    small[i] = heap.allocate(64);
                    large[i] = heap.allocate(448);
                }
                for (int i = 1; i < small.length; i++) {
                    if (cached) {
                        assertEquals(small[i - 1] + 64, small[i], "64-byte chunks side by side");
                        assertEquals(large[i - 1] + 448, large[i], "448-byte chunks side by side");
                    } else {
                        assertEquals(large[i - 1] + 448, small[i], "exact first fit interleaves them");
                    }
                }
                heap.verify();
            }
        }
    }

    @Test
    void aRefusedCommitIsExhaustionAndChangesNothing() {
        FailingPageSource source = new FailingPageSource(-1, 1);
        try (ElasticHeap heap = ElasticHeap.builder().growthPages(8).pageSource(source).build()) {
            long a = heap.allocate(16);
            HeapStats before = heap.stats();
            HeapExhaustedException e = assertThrows(HeapExhaustedException.class, () -> heap.allocate(2 * PAGE));
            assertEquals(VirtualMemory.ENOMEM, e.errno());
            assertEquals(before, heap.stats());
            heap.verify();
            assertEquals(a + 16, heap.allocate(2 * PAGE), "the next commit goes through");
        }
        assertEquals(1, source.unmaps, "the one region, reservation and all, was unmapped at close");
    }

    @Test
    void aRefusedFirstCommitReturnsTheReservation() {
        FailingPageSource source = new FailingPageSource(-1, 0);
        try (ElasticHeap heap = ElasticHeap.builder().growthPages(8).pageSource(source).build()) {
            HeapStats before = heap.stats();
            assertThrows(HeapExhaustedException.class, () -> heap.allocate(16));
            assertEquals(1, source.unmaps, "the reservation was returned");
            assertEquals(before, heap.stats());
            heap.allocate(16);
            assertEquals(1, heap.stats().pagesMapped());
        }
    }

    @Test
    void badBuilderSettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> ElasticHeap.builder().granule(24).build());
        assertThrows(IllegalArgumentException.class, () -> ElasticHeap.builder().growthPages(0).build());
        assertThrows(IllegalArgumentException.class, () -> ElasticHeap.builder().maxPages(-1).build());
        assertThrows(IllegalArgumentException.class, () -> ElasticHeap.builder().largeThreshold(0).build());
        assertThrows(IllegalArgumentException.class, () -> ElasticHeap.builder().granule(8).growthPages(1 << 30).build());
    }

    @Test
    void regionsMappedAtManyPlacesAreFoundAgainOnFree() {
        try (ElasticHeap heap = ElasticHeap.builder().growthPages(1).granule(4096).build()) {
            long[] chunks = new long[300];
            for (int i = 0; i < chunks.length; i++) {
                chunks[i] = heap.allocate(PAGE);
            }
            assertEquals(300, heap.stats().regions());
            heap.verify();
            for (int i = chunks.length - 1; i >= 0; i--) {
                heap.free(chunks[i]);
            }
            heap.verify();
            assertEquals(chunks[0], heap.allocate(PAGE), "the first region mapped is searched first");
        }
    }

    @Test
    void aRequestTheLimitRefusesTakesAFreeRunInARegionOfAnotherSizeBand() {
        // Small chunks fill regions of their size band; freeing all but one in 200 leaves those
        // regions nearly free. Longer requests, in their own band, must take that room before the
        // limit refuses them.
        try (ElasticHeap heap = ElasticHeap.builder().maxPages(1024).build()) {
            List<Long> small = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                small.add(heap.allocate(64));
            }
            for (int i = 0; i < small.size(); i++) {
                if (i % 200 != 0) {
                    heap.free(small.get(i));
                }
            }
            List<Long> longer = allocateUntilRefused(heap, 1000);
            HeapStats refused = heap.stats();
            assertTrue(refused.largestFreeRun() < 1024, "refused with a free run of " + refused.largestFreeRun()
                    + " bytes (" + refused.bytesFree() + " free)");
            for (long c : longer) {
                heap.free(c);
            }
            for (int i = 0; i < small.size(); i += 200) {
                heap.free(small.get(i));
            }
            heap.verify();
        }
    }

    @Test
    void aRequestTheLimitWouldRefuseAtItsClassLengthTakesARunThatFitsItsOwnLength() {
        // 4,000 bytes round up to the 4,096 of their class; at the limit, a free run of 4,016 bytes
        // (251 chunks of 16 bytes freed side by side) must serve them all the same.
        try (ElasticHeap heap = ElasticHeap.builder().maxPages(64).build()) {
            List<Long> small = allocateUntilRefused(heap, 16);
            int from = small.size() / 2;
            for (int i = from; i < from + 251; i++) {
                heap.free(small.get(i));
            }
            heap.trim();
            assertEquals(4016, heap.stats().largestFreeRun(), "one free run of 251 chunks");
            long a = heap.allocate(4000);
            assertEquals(small.get(from), a, "the run that fits the request");
            assertTrue(heap.usableSize(a) >= 4000);
            RawMemory.fill(a, 4000, (byte) 7);
            heap.verify();
            heap.free(a);
            heap.verify();
            for (int i = 0; i < small.size(); i++) {
                if (i < from || i >= from + 251) {
                    heap.free(small.get(i));
                }
            }
            heap.verify();
        }
    }

    @Test
    void aRefusalNamesTheSizeAskedForNotItsSizeClass() {
        // 20,000 bytes: the thread cache's class rounds it up to 20,480, which the refusal must not name.
        try (ElasticHeap heap = ElasticHeap.builder().growthPages(1).maxPages(6).build()) {
            long held = heap.allocate(2 * PAGE);
            HeapExhaustedException e = assertThrows(HeapExhaustedException.class, () -> heap.allocate(20_000));
            assertTrue(e.getMessage().contains("allocate(20000)"), e.getMessage());
            assertFalse(e.getMessage().contains("20480"), e.getMessage());
            heap.free(held);
            heap.verify();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {8, 16})
    void metadataStaysUnderThreePercentOfMappedBytesPerSixteenByteGranulePlusAByteAGranuleWhileThreadCachesMarkChunks(int granule) {
        // 16 MiB of 64-byte chunks, then every other one freed through the thread cache: every
        // region then carries its marks (a byte per granule) as well as its bitmaps and run tree,
        // which take twice the share of the bytes at a granule of 8 as at 16.
        double marks = 1.0 / granule;
        double maps = 0.03 * 16 / granule;
        try (ElasticHeap heap = ElasticHeap.builder().granule(granule).build()) {
            long[] chunks = new long[(16 << 20) / 64];
            for (int i = 0; i < chunks.length; i++) {
                chunks[i] = heap.allocate(64);
            }
            HeapStats filled = heap.stats();
            // The misses took chunks for the bins as well, so each region has its marks already.
            assertTrue(filled.metadataOverhead() > marks, "the marks are counted: " + filled.metadataBytes());
            assertTrue(filled.metadataOverhead() <= maps + marks, "metadata " + filled.metadataBytes() + " bytes for " + filled.bytesMapped() + " mapped");
            for (int i = 0; i < chunks.length; i += 2) {
                heap.free(chunks[i]);
            }
            HeapStats s = heap.stats();
            assertTrue(s.metadataOverhead() <= maps + marks, "metadata " + s.metadataBytes() + " bytes for " + s.bytesMapped() + " mapped");
            for (int i = 1; i < chunks.length; i += 2) {
                heap.free(chunks[i]);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {8, 16})
    void withoutThreadCachesNoRegionHasMarksAndMetadataStaysUnderThreePercentPerSixteenByteGranule(int granule) {
        try (ElasticHeap heap = ElasticHeap.builder().granule(granule).threadCache(false).build()) {
            long[] chunks = new long[(16 << 20) / 64];
            for (int i = 0; i < chunks.length; i++) {
                chunks[i] = heap.allocate(64);
            }
            for (int i = 0; i < chunks.length; i += 2) {
                heap.free(chunks[i]);
            }
            HeapStats s = heap.stats();
            assertTrue(s.metadataOverhead() <= 0.03 * 16 / granule, "metadata " + s.metadataBytes() + " bytes for " + s.bytesMapped() + " mapped");
            for (int i = 1; i < chunks.length; i += 2) {
                heap.free(chunks[i]);
            }
        }
    }

    /** Allocates {@code size} bytes until the heap refuses with {@link HeapExhaustedException}. @return the chunks it gave */
    private static List<Long> allocateUntilRefused(ElasticHeap heap, long size) {
        List<Long> chunks = new ArrayList<>();
        assertThrows(HeapExhaustedException.class, () -> {
            while (true) {
                chunks.add(heap.allocate(size));
            }
        });
        return chunks;
    }
}
