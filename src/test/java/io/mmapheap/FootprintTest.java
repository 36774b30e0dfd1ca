package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import io.mmapheap.os.VirtualMemory;

/** A heap that frees what it held gives the memory back without a call to trim. */
class FootprintTest {

    private static final long PAGE = VirtualMemory.pageSize();

    /** Allocates about {@code bytes} in mixed sizes on a worker thread, then frees it all; the thread ends. */
    private static long[] workload(ElasticHeap heap, long bytes, long seed) throws InterruptedException {
        long[] peak = new long[2];
        Thread worker = new Thread(() -> {
            SplittableRandom random = new SplittableRandom(seed);
            long[] chunks = new long[(int) (bytes / 64)];
            long total = 0;
            int n = 0;
            while (total < bytes && n < chunks.length) {
                long size = 16 + random.nextInt(random.nextInt(10) == 0 ? 8000 : 300);
                chunks[n++] = heap.allocate(size);
                total += size;
            }
            HeapStats atPeak = heap.stats();
            peak[0] = atPeak.bytesMapped();
            peak[1] = atPeak.regions();
            // In a seeded random order.
            for (int i = n - 1; i >= 0; i--) {
                int k = random.nextInt(i + 1);
                heap.free(chunks[k]);
                chunks[k] = chunks[i];
            }
        });
        worker.start();
        worker.join();
        return peak;
    }

    /** Bytes that {@link #activity} allocates and frees. */
    private static final long ACTIVITY = 300 * 1000;

    /** Frees more than a look's worth of bytes into the regions, as any later activity does. */
    private static void activity(ElasticHeap heap) {
        long[] chunks = new long[(int) (ACTIVITY / 1000)];
        for (int i = 0; i < chunks.length; i++) {
            chunks[i] = heap.allocate(1000);
        }
        for (long chunk : chunks) {
            heap.free(chunk);
        }
    }

    @Test
    void regionsEmptyForASecondGoBackToTheirReservationsOnTheirOwn() throws Exception {
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            long[] peak = workload(heap, 24L << 20, 1);
            activity(heap);
            HeapStats soon = heap.stats();
            assertTrue(soon.bytesMapped() * 2 > peak[0], "regions empty for less than a second stay committed: "
                    + soon.bytesMapped() + " of " + peak[0]);
            Thread.sleep(Heap.EMPTY_DECAY_NANOS / 1_000_000 + 100);
            activity(heap);
            HeapStats after = heap.stats();
            assertEquals(0, after.bytesInUse());
            assertTrue(after.cachedBytes() <= 1000 * 1008, "only this thread's cache holds chunks: " + after.cachedBytes());
            long step = ElasticHeap.DEFAULT_GROWTH_PAGES * PAGE;
            // What stays: a page of each region (a region's map is never empty), the empty regions
            // kept for the next growth (a region may run a step past them), and the regions the
            // activity used, empty for less than a second, and up to a look's worth of bytes freed
            // after the last look.
            long bound = after.regions() * PAGE + (Heap.KEPT_EMPTY_STEPS + 1) * step + ACTIVITY + 2 * Heap.KEPT_EMPTY_STEPS * step;
            assertTrue(after.bytesMapped() <= bound, after.bytesMapped() + " bytes mapped after freeing all, more than " + bound
                    + " (peak " + peak[0] + ", " + after.regions() + " regions)");
            assertTrue(after.bytesMapped() * 5 < peak[0], "less than a fifth of the peak: " + after.bytesMapped() + " of " + peak[0]);
            assertTrue(after.reservedBytes() > 0, "the pages went back to the reservations, which growth uses again");
            heap.verify();
            // Growth commits the reservations again.
            long again = heap.allocate(4000);
            RawMemory.putLong(again, 1);
            heap.free(again);
            heap.verify();
        }
    }

    /** A few allocations and frees on a thread of their own, which then ends. */
    private static void burst(ElasticHeap heap) throws InterruptedException {
        Thread t = new Thread(() -> {
            long[] chunks = new long[32];
            for (int i = 0; i < chunks.length; i++) {
                chunks[i] = heap.allocate(1000);
            }
            for (long chunk : chunks) {
                heap.free(chunk);
            }
        });
        t.start();
        t.join();
    }

    @Test
    void aHeapThatFreedEverythingReturnsToWithinTwoGrowthStepsOfItsStart() throws Exception {
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            long start = heap.stats().bytesMapped();
            long[] peak = workload(heap, 24L << 20, 4);
            long step = ElasticHeap.DEFAULT_GROWTH_PAGES * PAGE;
            // Later bursts of allocations look for what to give back: the first finds the cache the
            // ended worker left, whose chunks go back to their regions; a second, once those
            // regions have been empty for the decay time, gives back all but the kept ones.
            Thread.sleep(Heap.LOOK_PERIOD_NANOS / 1_000_000 + 50);
            burst(heap);
            HeapStats soon = heap.stats();
            assertTrue(soon.bytesMapped() > start + 2 * step, "regions empty for less than the decay time stay committed: "
                    + soon.bytesMapped());
            Thread.sleep(Heap.EMPTY_DECAY_NANOS / 1_000_000 + 50);
            burst(heap);
            HeapStats after = heap.stats();
            assertEquals(0, after.bytesInUse());
            assertTrue(after.bytesMapped() <= start + 2 * step, after.bytesMapped() + " bytes mapped after freeing all, more than "
                    + "two growth steps past the start, " + start + " (peak " + peak[0] + ", " + after.regions() + " regions, "
                    + after.cachedBytes() + " cached)");
            assertTrue(after.reservedBytes() >= peak[0] - 2 * step, "the pages went back to the reservations: " + after.reservedBytes());
            heap.verify();
            // Growth commits the reservations again.
            long[] again = workload(heap, 4L << 20, 5);
            assertTrue(again[1] == peak[1], "no new region: " + peak[1] + " then " + again[1]);
            heap.verify();
        }
    }

    @Test
    void oneMissAfterTheDecayTimeGivesTheEmptyRegionsBack() throws Exception {
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            long start = heap.stats().bytesMapped();
            workload(heap, 24L << 20, 7);
            heap.stats(); // sends the ended worker's cache back: its regions are empty now
            Thread.sleep(Heap.EMPTY_DECAY_NANOS / 1_000_000 + 100);
            // Pairs of one size: the first misses, every later one is served by the cache. That one
            // miss must look, whatever the count of misses since the last look.
            for (int i = 0; i < 300; i++) {
                heap.free(heap.allocate(1000));
            }
            HeapStats after = heap.stats();
            long step = ElasticHeap.DEFAULT_GROWTH_PAGES * PAGE;
            assertTrue(after.bytesMapped() <= start + 2 * step, after.bytesMapped() + " bytes mapped after freeing all, more than "
                    + "two growth steps past the start, " + start);
            heap.verify();
        }
    }

    @Test
    void aHeapWithoutThreadCachesLooksOnItsAllocationsToo() throws Exception {
        try (ElasticHeap heap = ElasticHeap.builder().threadCache(false).build()) {
            long[] peak = workload(heap, 8L << 20, 6);
            long step = ElasticHeap.DEFAULT_GROWTH_PAGES * PAGE;
            Thread.sleep(Heap.EMPTY_DECAY_NANOS / 1_000_000 + 50);
            assertTrue(heap.stats().bytesMapped() > 2 * step, "nothing went back while the heap was quiet");
            // Allocations alone, freeing nothing into the regions: the clock is read on some of them.
            long[] chunks = new long[Heap.LOOKS_EVERY];
            for (int i = 0; i < chunks.length; i++) {
                chunks[i] = heap.allocate(100);
            }
            HeapStats after = heap.stats();
            assertTrue(after.bytesMapped() <= 2 * step, after.bytesMapped() + " bytes mapped after the quiet second, more than "
                    + "two growth steps (peak " + peak[0] + ")");
            for (long c : chunks) {
                heap.free(c);
            }
            heap.verify();
        }
    }

    @Test
    void aFreeOfAnAddressWhosePagesWentBackSaysItIsNotAllocatedAndChangesNothing() {
        try (ElasticHeap heap = ElasticHeap.builder().threadCache(false).build()) {
            long[] chunks = new long[300];
            for (int i = 0; i < chunks.length; i++) {
                chunks[i] = heap.allocate(1000);
            }
            for (long c : chunks) {
                heap.free(c);
            }
            heap.trim();
            long last = chunks[chunks.length - 1];
            HeapStats before = heap.stats();
            assertTrue(before.reservedBytes() > 0, "the later regions' pages went back");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> heap.free(last));
            assertTrue(e.getMessage().contains("not allocated: in a region's reserved pages"), e.getMessage());
            assertEquals(before, heap.stats());
            heap.verify();
        }
    }

    @Test
    void trimGivesEmptyRegionsBackAtOnce() throws Exception {
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            long[] peak = workload(heap, 8L << 20, 3);
            heap.trim();
            HeapStats after = heap.stats();
            long step = ElasticHeap.DEFAULT_GROWTH_PAGES * PAGE;
            assertTrue(after.bytesMapped() <= after.regions() * PAGE + (Heap.KEPT_EMPTY_STEPS + 1) * step,
                    after.bytesMapped() + " bytes mapped after trim, " + after.regions() + " regions, peak " + peak[0]);
            heap.verify();
        }
    }

    @Test
    void aSecondWorkloadReusesTheReservations() throws Exception {
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            long[] first = workload(heap, 8L << 20, 2);
            heap.trim();
            long[] second = workload(heap, 8L << 20, 2);
            assertTrue(second[1] <= first[1] + 2, "the same workload maps (almost) no new region the second time: "
                    + first[1] + " then " + second[1]);
            assertTrue(second[0] <= first[0] * 21 / 20, "and commits as much at its peak: " + first[0] + " then " + second[0]);
            heap.verify();
        }
    }

    @Test
    void aPageAllocatorKeepsItsOneMapping() throws Exception {
        try (PageAllocator heap = PageAllocator.builder().pages(64).build()) {
            long before = heap.stats().bytesMapped();
            long a = heap.allocate(100_000);
            heap.free(a);
            assertEquals(before, heap.stats().bytesMapped());
        }
    }
}
