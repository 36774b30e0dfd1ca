package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;

import io.mmapheap.os.VirtualMemory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The thread caches of {@link ElasticHeap}'s default mode. */
class ThreadCacheTest {

    private static final long PAGE = 4096;
    private static final long GRANULE = ElasticHeap.DEFAULT_GRANULE;

    @Test
    void defaultsCacheAndTheSwitchTurnsItOff() {
        try (ElasticHeap cached = ElasticHeap.builder().build();
             ElasticHeap exact = ElasticHeap.builder().threadCache(false).build();
             ElasticHeap sampled = ElasticHeap.builder().leakTracking(4).build();
             PageAllocator page = PageAllocator.builder().pages(1).build()) {
            assertTrue(cached.threadCaching());
            assertFalse(exact.threadCaching());
            assertFalse(sampled.threadCaching(), "leak sampling must see every free");
            assertFalse(page.threadCaching(), "the lab allocator keeps exact first fit");
        }
    }

    @Test
    void aFreedChunkServesTheSameThreadsNextRequestOfItsClass() {
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            long keep = heap.allocate(64);
            long a = heap.allocate(100);
            // The misses brought more chunks of their classes into the bins: back to the regions with them.
            heap.trim();
            heap.free(a);
            HeapStats s = heap.stats();
            assertEquals(104, s.cachedBytes(), "100 bytes round to 13 granules of 8");
            assertEquals(1, s.liveChunks());
            assertEquals(64, s.bytesInUse());
            assertEquals(s.bytesMapped(), s.bytesInUse() + s.bytesFree() + s.cachedBytes());
            assertEquals(a, heap.allocate(97), "same class, same chunk");
            assertEquals(0, heap.stats().cachedBytes());
            heap.free(a);
            heap.free(keep);
            heap.verify();
        }
    }

    @Test
    void requestsAreRoundedUpToTheirClassByAtMostAnEighth() {
        // A large threshold above the caches' limit, so that the request just above it is a region's.
        try (ElasticHeap heap = ElasticHeap.builder().largeThreshold(2 * Heap.MAX_CACHED_BYTES).build()) {
            for (long size = 1; size <= Heap.MAX_CACHED_BYTES; size++) {
                long a = heap.allocate(size);
                long usable = heap.usableSize(a);
                long granules = Sizes.roundUp(size, GRANULE);
                assertTrue(usable >= granules && usable - granules <= granules / SizeClasses.PER_DOUBLING,
                        "usable " + usable + " for " + size);
                heap.free(a);
            }
            long above = heap.allocate(Heap.MAX_CACHED_BYTES + 1);
            assertEquals(Heap.MAX_CACHED_BYTES + GRANULE, heap.usableSize(above), "above the caches: granules");
            heap.free(above);
            heap.verify();
        }
    }

    @Test
    void aSecondFreeOfACachedChunkIsRejectedAndChangesNothing() {
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            long a = heap.allocate(256);
            heap.free(a);
            HeapStats before = heap.stats();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> heap.free(a));
            assertTrue(e.getMessage().contains("not allocated") && e.getMessage().contains("thread cache"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> heap.usableSize(a));
            assertThrows(IllegalArgumentException.class, () -> heap.reallocate(a, 512));
            heap.verify();
            assertEquals(before, heap.stats());
            long b = heap.allocate(256);
            assertEquals(a, b);
            assertNotEquals(b, heap.allocate(256), "handed out once only");
        }
    }

    @Test
    void aSecondFreeFromAnotherThreadIsRejectedToo() throws Exception {
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            long a = heap.allocate(48);
            heap.free(a);
            IllegalArgumentException[] seen = new IllegalArgumentException[1];
            Thread other = new Thread(() -> {
                try {
                    heap.free(a);
                } catch (IllegalArgumentException e) {
                    seen[0] = e;
                }
            });
            other.start();
            other.join();
            assertTrue(seen[0] != null && seen[0].getMessage().contains("not allocated"), String.valueOf(seen[0]));
            heap.verify();
        }
    }

    @Test
    void aChunkResizedUnderTheLockAfterItsPopIsFreedAtItsNewLength() {
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            long keep = heap.allocate(64);
            long a = popped(heap, 256);
            assertEquals(a, heap.reallocate(a, 32), "shrunk in place");
            long cached = heap.stats().cachedBytes();
            heap.free(a);
            assertEquals(cached + 32, heap.stats().cachedBytes(), "cached at its length now, not its class at the pop");
            heap.verify();
            assertEquals(a, heap.allocate(32));
            heap.free(a);
            heap.free(keep);
            heap.verify();
        }
    }

    @Test
    void aPoppedChunkFreedByAnotherThreadCannotBeFreedAgainByThePopper() throws Exception {
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            long a = popped(heap, 48);
            Thread other = new Thread(() -> heap.free(a));
            other.start();
            other.join();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> heap.free(a));
            assertTrue(e.getMessage().contains("not allocated"), e.getMessage());
            heap.verify();
        }
    }

    @Test
    void aPoppedChunkHandedToAnotherThreadAndBackIsFreedOnce() throws Exception {
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            long a = popped(heap, 48);
            long[] back = new long[1];
            Thread other = new Thread(() -> {
                heap.free(a);
                back[0] = heap.allocate(48);
            });
            other.start();
            other.join();
            assertEquals(a, back[0], "the other thread's cache served its next request with it");
            heap.free(back[0]);
            assertEquals(48, heap.stats().cachedBytes());
            assertThrows(IllegalArgumentException.class, () -> heap.free(a));
            heap.verify();
        }
    }

    /** Two threads free the same chunk at the same moment, many times: exactly one free succeeds each time. */
    @Test
    void ofTwoRacingFreesOfOneChunkExactlyOneSucceeds() throws Exception {
        int rounds = 2000;
        try (ElasticHeap heap = ElasticHeap.builder().checkLevel(CheckLevel.THROW).build()) {
            long[] chunk = new long[1];
            AtomicInteger successes = new AtomicInteger();
            AtomicInteger rejections = new AtomicInteger();
            CyclicBarrier ready = new CyclicBarrier(3);
            CyclicBarrier done = new CyclicBarrier(3);
            Runnable racer = () -> {
                try {
                    for (int i = 0; i < rounds; i++) {
                        ready.await();
                        try {
                            heap.free(chunk[0]);
                            successes.incrementAndGet();
                        } catch (IllegalArgumentException e) {
                            rejections.incrementAndGet();
                        }
                        done.await();
                    }
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            };
            Thread t1 = new Thread(racer);
            Thread t2 = new Thread(racer);
            t1.start();
            t2.start();
            SplittableRandom random = new SplittableRandom(7);
            for (int i = 0; i < rounds; i++) {
                chunk[0] = heap.allocate(8 + random.nextInt(2000));
                ready.await();
                done.await();
                assertEquals(i + 1, successes.get(), "round " + i);
                assertEquals(i + 1, rejections.get(), "round " + i);
            }
            t1.join();
            t2.join();
            heap.verify();
            heap.trim();
            assertEquals(0, heap.stats().cachedBytes());
            assertEquals(0, heap.stats().liveChunks());
            assertDisjoint(heap, 3000);
        }
    }

    @Test
    void beforeTheHeapGrowsTheCallersCacheGoesBackAndCoalesces() {
        try (ElasticHeap heap = ElasticHeap.builder().growthPages(1).maxPages(1).build()) {
            List<Long> chunks = new ArrayList<>();
            for (int i = 0; i < PAGE / 256; i++) {
                chunks.add(heap.allocate(256));
            }
            for (long c : chunks) {
                heap.free(c);
            }
            // A quarter of the one-page limit may wait in the cache; the rest went back as it was freed.
            long cached = heap.stats().cachedBytes();
            assertTrue(cached > 0 && cached <= PAGE / 4 + 256, "cached " + cached);
            long whole = heap.allocate(PAGE);
            assertEquals(chunks.get(0), whole, "the cached chunks merged into the page");
            assertEquals(1, heap.stats().pagesMapped());
            assertEquals(0, heap.stats().cachedBytes());
            heap.free(whole);
            heap.verify();
        }
    }

    /** Pages of a heap that grows a page at a time: enough that the caches' share holds a few 256-byte chunks. */
    private static final int SHARE_TEST_PAGES = 8;
    /** The 256-byte chunks that the caches' share of {@link #SHARE_TEST_PAGES} pages holds. */
    private static final int CHUNKS_IN_SHARE = (int) (SHARE_TEST_PAGES * PAGE / Heap.CACHE_SHARE / 256);

    /**
     * A heap of {@link #SHARE_TEST_PAGES} pages filled with 256-byte chunks, of which the first
     * {@code freed} (all in the first page) are then freed into the cache.
     */
    private static List<Long> pagesWithTheFirstChunksCached(ElasticHeap heap, int freed) {
        assertTrue(freed >= 1 && freed < PAGE / 256, "the chunks to free lie in the first page");
        List<Long> chunks = new ArrayList<>();
        for (int i = 0; i < SHARE_TEST_PAGES * PAGE / 256; i++) {
            chunks.add(heap.allocate(256));
        }
        assertEquals(SHARE_TEST_PAGES, heap.stats().pagesMapped());
        assertEquals(0, heap.stats().cachedBytes());
        for (int i = 0; i < freed; i++) {
            heap.free(chunks.get(i));
        }
        assertEquals(freed * 256L, heap.stats().cachedBytes());
        return chunks;
    }

    /**
     * @return a request that k cached 256-byte chunks side by side hold when merged, but that none of
     *         them, a split of one, or a join of two halves serves: a class of its own, 128 bytes short
     */
    private static long unservedByAnyOneCachedChunk(int k) {
        return k * 256L - 128;
    }

    @Test
    void whileTheCachesHoldTheirShareOfTheHeapOrLessAMissGrowsItAndTheCacheKeepsItsChunks() {
        int share = CHUNKS_IN_SHARE;
        try (ElasticHeap heap = ElasticHeap.builder().growthPages(1).build()) {
            List<Long> chunks = pagesWithTheFirstChunksCached(heap, share);
            long a = heap.allocate(unservedByAnyOneCachedChunk(share));
            assertEquals(SHARE_TEST_PAGES + 1, heap.stats().pagesMapped(), "a page was mapped for the request");
            assertNotEquals(chunks.get(0), a);
            assertEquals(share * 256L, heap.stats().cachedBytes(), "the cached chunks stayed in the cache");
            heap.verify();
        }
    }

    @Test
    void aboveTheirShareTheCachesGoBackBeforeTheHeapGrows() {
        int overShare = CHUNKS_IN_SHARE + 1;
        try (ElasticHeap heap = ElasticHeap.builder().growthPages(1).build()) {
            List<Long> chunks = pagesWithTheFirstChunksCached(heap, overShare);
            assertEquals(chunks.get(0), heap.allocate(overShare * 256L), "the cached chunks merged and served it");
            assertEquals(SHARE_TEST_PAGES, heap.stats().pagesMapped());
            assertEquals(0, heap.stats().cachedBytes());
            heap.verify();
        }
    }

    @Test
    void whenTheSystemRefusesToMapMoreTheCachedChunksServeTheRequest() {
        int share = CHUNKS_IN_SHARE;
        FailingPageSource source = new FailingPageSource(SHARE_TEST_PAGES);
        try (ElasticHeap heap = ElasticHeap.builder().growthPages(1).pageSource(source).build()) {
            List<Long> chunks = pagesWithTheFirstChunksCached(heap, share);
            assertEquals(chunks.get(0), heap.allocate(unservedByAnyOneCachedChunk(share)), "the refused growth fell back on the cache");
            assertEquals(SHARE_TEST_PAGES + 1, source.maps, "the system was asked once");
            assertEquals(SHARE_TEST_PAGES, heap.stats().pagesMapped());
            heap.verify();
        }
    }

    @Test
    void whenTheSystemRefusesAndTheCachedChunksDoNotServeEitherTheRefusalStands() {
        FailingPageSource source = new FailingPageSource(SHARE_TEST_PAGES);
        try (ElasticHeap heap = ElasticHeap.builder().growthPages(1).pageSource(source).build()) {
            List<Long> chunks = pagesWithTheFirstChunksCached(heap, 1);
            HeapExhaustedException e = assertThrows(HeapExhaustedException.class, () -> heap.allocate(512));
            assertEquals(VirtualMemory.ENOMEM, e.errno());
            assertEquals(SHARE_TEST_PAGES + 1, source.maps, "the system was asked once");
            assertEquals(0, heap.stats().cachedBytes(), "the cached chunk went back to the regions on the way");
            assertEquals(SHARE_TEST_PAGES, heap.stats().pagesMapped());
            assertEquals(chunks.get(0), heap.allocate(256), "and serves the next request that fits it");
            heap.verify();
        }
    }

    /** Seven live page-long chunks in a heap of growth steps of one page: seven pages, no free run. */
    private static void fillSevenPages(ElasticHeap heap) {
        for (int i = 0; i < 7; i++) {
            heap.allocate(PAGE);
        }
        assertEquals(7, heap.stats().pagesMapped());
    }

    @Test
    void aMissWithNoFreeRunJoinsTwoCachedHalvesSideBySideInsteadOfGrowing() {
        try (ElasticHeap heap = ElasticHeap.builder().growthPages(1).build()) {
            // Then a page of two halves: the halves are the cache's share of the eight pages and no more.
            fillSevenPages(heap);
            long x = heap.allocate(PAGE / 2);
            long y = heap.allocate(PAGE / 2);
            assertEquals(x + PAGE / 2, y);
            assertEquals(8, heap.stats().pagesMapped());
            heap.free(y);
            heap.free(x);
            long liveBefore = heap.stats().liveChunks();
            assertEquals(x, heap.allocate(PAGE), "the two halves became one chunk");
            HeapStats s = heap.stats();
            assertEquals(8, s.pagesMapped(), "nothing was mapped");
            assertEquals(0, s.cachedBytes());
            assertEquals(liveBefore + 1, s.liveChunks());
            assertEquals(PAGE, heap.usableSize(x));
            heap.verify();
            heap.free(x);
            assertEquals(PAGE, heap.stats().cachedBytes(), "it goes back to the cache as one chunk");
            heap.verify();
        }
    }

    @Test
    void cachedHalvesThatAreNotSideBySideAreNotJoined() {
        try (ElasticHeap heap = ElasticHeap.builder().growthPages(1).build()) {
            fillSevenPages(heap);
            long x = heap.allocate(PAGE / 4);
            long between = heap.allocate(PAGE / 2);
            long y = heap.allocate(PAGE / 4);
            assertEquals(List.of(x + PAGE / 4, x + 3 * PAGE / 4), List.of(between, y));
            heap.free(x);
            heap.free(y);
            long a = heap.allocate(PAGE / 2);
            assertEquals(9, heap.stats().pagesMapped(), "a page was mapped: the quarters are apart");
            assertNotEquals(x, a);
            assertNotEquals(y, a);
            // Within the caches' share of the 8 pages the quarters wait in the cache; above it they
            // went back to the regions before the heap grew. Either way they stay apart: each
            // serves a quarter again, neither a half.
            boolean overShare = PAGE / 2 > 8 * PAGE / Heap.CACHE_SHARE;
            assertEquals(overShare ? 0 : PAGE / 2, heap.stats().cachedBytes());
            heap.verify();
            assertEquals(Set.of(x, y), Set.of(heap.allocate(PAGE / 4), heap.allocate(PAGE / 4)));
        }
    }

    @Test
    void aMissBringsTheFollowingChunksOfItsClassIntoTheBinInAddressOrder() {
        // A bin of 32: half of it fits in the page the first chunk came from.
        int capacity = 32;
        try (ElasticHeap heap = ElasticHeap.builder().threadCacheChunks(capacity).build()) {
            long first = heap.allocate(64);
            assertEquals(0, heap.stats().cachedBytes(), "a miss that maps memory takes one chunk");
            long a = heap.allocate(64);
            assertEquals(first + 64, a);
            int more = capacity / 2;
            assertEquals(more * 64L, heap.stats().cachedBytes(), "half a bin came with the miss");
            assertEquals(2, heap.stats().liveChunks());
            heap.verify();
            for (int i = 1; i <= more; i++) {
                assertEquals(a + i * 64L, heap.allocate(64), "where first fit puts chunk " + i);
            }
            assertEquals(0, heap.stats().cachedBytes());
            assertEquals(a + (more + 1) * 64L, heap.allocate(64), "the next miss goes on from there");
            heap.verify();
        }
    }

    @Test
    void aMissTakesNoMoreThanTheFreeRunHoldsAndNeverGrowsTheHeap() {
        try (ElasticHeap heap = ElasticHeap.builder().growthPages(1).build()) {
            long big = heap.allocate(PAGE - 3 * 64, GRANULE);
            assertEquals(1, heap.stats().pagesMapped());
            long a = heap.allocate(64);
            assertEquals(big + PAGE - 3 * 64, a);
            assertEquals(2 * 64, heap.stats().cachedBytes(), "the two chunks left in the page, no more");
            assertEquals(1, heap.stats().pagesMapped());
            heap.verify();
        }
    }

    @Test
    void aMissWithNoFreeRunTakesTheFrontOfTheSmallestLongerCachedChunk() {
        try (ElasticHeap heap = ElasticHeap.builder().growthPages(1).build()) {
            long x = heap.allocate(PAGE / 4);
            long y = heap.allocate(PAGE / 4);
            long z = heap.allocate(PAGE / 2);
            assertEquals(List.of(x + PAGE / 4, x + PAGE / 2), List.of(y, z), "the page holds x, y and z");
            heap.free(y);
            heap.free(z);
            long liveBefore = heap.stats().liveChunks();
            long a = heap.allocate(PAGE / 8);
            assertEquals(y, a, "the front of the quarter page, not of the half page that sending bins back would free");
            HeapStats s = heap.stats();
            assertEquals(PAGE / 8 + PAGE / 2, s.cachedBytes(), "the back of y waits in the eighth-page bin, z in its own");
            assertEquals(liveBefore + 1, s.liveChunks());
            assertEquals(1, s.pagesMapped(), "nothing was mapped");
            heap.verify();
            assertEquals(y + PAGE / 8, heap.allocate(PAGE / 8), "the back of y serves the next request of its class");
            heap.free(x);
            heap.verify();
        }
    }

    @Test
    void aMissSendsOtherBinsBackBeforeItGrowsTheHeap() {
        try (ElasticHeap heap = ElasticHeap.builder().growthPages(1).build()) {
            long half = heap.allocate(PAGE / 2);
            long other = heap.allocate(PAGE / 2);
            heap.free(other);
            assertEquals(PAGE / 2, heap.stats().cachedBytes());
            // 64 bytes from a half page would leave 1984, no class's length: the half page goes back instead.
            long a = heap.allocate(64);
            assertEquals(other, a, "the cached half page went back to the regions and served the miss");
            assertEquals(1, heap.stats().pagesMapped());
            heap.free(a);
            heap.free(half);
            heap.verify();
        }
    }

    @Test
    void theLargestCachedClassFollowsPushesPopsAndFlushes() {
        SizeClasses classes = new SizeClasses(64);
        ThreadCache cache = new ThreadCache(Thread.currentThread(), 0, classes, ThreadCache.DEFAULT_CAPACITY,
                ThreadCache.binLimits(classes, ThreadCache.DEFAULT_CAPACITY, false, 4), 20);
        ChunkMap map = new ChunkMap(4096, 8);
        map.enableCaching();
        assertEquals(-1, cache.largestCachedClass());
        cache.push(3, 0x1000, map, 0);
        cache.push(10, 0x2000, map, 16);
        assertEquals(10, cache.largestCachedClass());
        ChunkStates.claim(map, 16);
        cache.pop(10);
        assertEquals(3, cache.largestCachedClass(), "bin 10 is empty again");
        cache.push(7, 0x3000, map, 32);
        assertEquals(7, cache.largestCachedClass());
        cache.takeOldest(7, 1, new long[1]);
        assertEquals(3, cache.largestCachedClass(), "bin 7 was flushed");
        ChunkStates.claim(map, 0);
        cache.pop(3);
        assertEquals(-1, cache.largestCachedClass());
    }

    @Test
    void aFullBinOfALongClassSendsItsOlderHalfBack() {
        // 256 bytes: 128 chunks make the 32 KiB a bin may grow to, so it never grows.
        fillABinAndOneMore(ElasticHeap.builder().build(), 256, ThreadCache.DEFAULT_CAPACITY);
    }

    @ParameterizedTest
    @ValueSource(longs = {16, 64, 128})
    void theBinOfAShortClassGrowsTo32KiBOfChunksBeforeItSendsItsOlderHalfBack(long bytes) {
        int limit = (int) Math.min(ThreadCache.MAX_CAPACITY, ThreadCache.GROWN_BIN_BYTES / bytes);
        assertTrue(limit > ThreadCache.DEFAULT_CAPACITY);
        fillABinAndOneMore(ElasticHeap.builder().build(), bytes, limit);
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 16, 256})
    void threadCacheChunksSetsHowManyChunksABinHolds(int capacity) {
        fillABinAndOneMore(ElasticHeap.builder().threadCacheChunks(capacity).build(), GRANULE, capacity);
    }

    @Test
    void aBinSetByThreadCacheChunksDoesNotGrow() {
        fillABinAndOneMore(ElasticHeap.builder().threadCacheChunks(ThreadCache.DEFAULT_CAPACITY).build(), GRANULE,
                ThreadCache.DEFAULT_CAPACITY);
    }

    @Test
    void underAPageLimitNoBinGrows() {
        fillABinAndOneMore(ElasticHeap.builder().maxPages(4096).build(), GRANULE, ThreadCache.DEFAULT_CAPACITY);
    }

    @Test
    void threadCacheChunksOutsideOneTo1024IsRefused() {
        assertThrows(IllegalArgumentException.class, () -> ElasticHeap.builder().threadCacheChunks(0));
        assertThrows(IllegalArgumentException.class, () -> ElasticHeap.builder().threadCacheChunks(ThreadCache.MAX_CAPACITY + 1));
        ElasticHeap.builder().threadCacheChunks(ThreadCache.MAX_CAPACITY).build().close();
    }

    /**
     * Frees {@code capacity} chunks of {@code bytes}, all of which the bin keeps, then one more: that
     * free finds the bin full and sends half of it back.
     */
    private static void fillABinAndOneMore(ElasticHeap built, long bytes, int capacity) {
        try (ElasticHeap heap = built) {
            List<Long> chunks = new ArrayList<>();
            for (int i = 0; i <= capacity; i++) {
                chunks.add(heap.allocate(bytes));
            }
            heap.trim();
            assertEquals(0, heap.stats().cachedBytes());
            for (int i = 0; i < capacity; i++) {
                heap.free(chunks.get(i));
            }
            assertEquals(capacity * bytes, heap.stats().cachedBytes(), "the bin holds every chunk freed");
            heap.free(chunks.get(capacity));
            assertEquals((capacity - capacity / 2 + 1) * bytes, heap.stats().cachedBytes());
            heap.verify();
        }
    }

    @Test
    void aThreadThatOnlyFreesKeepsTheCachesWithinTheirCeiling() throws Exception {
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            // Chunks of many classes, fewer of each than a bin holds, allocated here and freed on a
            // thread that allocates nothing: no bin fills, and no miss checks the share.
            long[] chunks = new long[6400];
            for (int i = 0; i < chunks.length; i++) {
                chunks[i] = heap.allocate(16 + (i % 64) * 128);
            }
            long[] worst = {Long.MIN_VALUE, 0};
            Thread freer = new Thread(() -> {
                for (int i = 0; i < chunks.length; i++) {
                    heap.free(chunks[i]);
                    if (i % 97 == 0) {
                        HeapStats s = heap.stats();
                        worst[0] = Math.max(worst[0], s.cachedBytes() - bound(s));
                        worst[1] = Math.max(worst[1], s.bytesMapped());
                    }
                }
            });
            freer.start();
            freer.join();
            // A push may pass the share by the chunk it adds before the heap looks.
            long largestChunk = 16 + 63 * 128 + 1024;
            assertTrue(worst[0] <= largestChunk, "the caches held " + worst[0] + " bytes more than their ceiling, at "
                    + worst[1] + " mapped");
            assertTrue(worst[1] > 8 * Heap.CACHE_FLOOR_BYTES, "the share, not the floor, was the bound: " + worst[1] + " mapped");
            assertEquals(0, heap.stats().liveChunks());
            heap.verify();
        }
    }

    /** What frees alone may have the caches hold: the ceiling (twice the share, or the floor) and a quarter of it. */
    private static long bound(HeapStats s) {
        long ceiling = Math.max(2 * s.bytesMapped() / Heap.CACHE_FREE_SHARE, Heap.CACHE_FLOOR_BYTES);
        return ceiling + ceiling / 4;
    }

    @Test
    void threadsFreeingAtOnceKeepTheCachesWithinTheirCeilingToo() throws Exception {
        int threads = 8;
        int each = 28;
        long size = 32 * 1024;
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            long[][] chunks = new long[threads][each];
            for (long[] mine : chunks) {
                for (int i = 0; i < each; i++) {
                    mine[i] = heap.allocate(size);
                }
            }
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
            java.util.concurrent.CountDownLatch freed = new java.util.concurrent.CountDownLatch(threads);
            java.util.concurrent.CountDownLatch measured = new java.util.concurrent.CountDownLatch(1);
            List<Thread> freers = new ArrayList<>();
            for (long[] mine : chunks) {
                Thread t = new Thread(() -> {
                    try {
                        start.await();
                        for (long c : mine) {
                            heap.free(c);
                        }
                        freed.countDown();
                        // Alive until measured, so that no sweep takes back its cache meanwhile.
                        measured.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                t.start();
                freers.add(t);
            }
            freed.await();
            HeapStats s = heap.stats();
            measured.countDown();
            for (Thread t : freers) {
                t.join();
            }
            assertEquals(0, s.liveChunks());
            assertTrue(s.cachedBytes() <= bound(s) + threads * size, s.cachedBytes() + " bytes cached by " + threads
                    + " threads that only freed, more than " + bound(s) + " and a chunk each (" + s.bytesMapped() + " mapped)");
            heap.verify();
        }
    }

    @Test
    void inALimitedHeapTheCachesOfALiveThreadHoldAtMostAQuarterOfTheLimit() throws Exception {
        long limitBytes = 64 * PAGE;
        try (ElasticHeap heap = ElasticHeap.builder().maxPages(64).build()) {
            CountDownLatch freed = new CountDownLatch(1);
            CountDownLatch end = new CountDownLatch(1);
            Thread worker = new Thread(() -> {
                long a = heap.allocate(100 * 1024);
                long b = heap.allocate(100 * 1024);
                heap.free(a);
                heap.free(b);
                freed.countDown();
                awaitQuietly(end);
            });
            worker.start();
            freed.await();
            try {
                long cached = heap.stats().cachedBytes();
                assertTrue(cached <= limitBytes / 4 + limitBytes / 16 + 104 * 1024, "a live thread's cache holds " + cached);
                long c = heap.allocate(60 * 1024);
                heap.free(c);
            } finally {
                end.countDown();
                worker.join();
            }
            heap.verify();
        }
    }

    @Test
    void aMissOfALongClassTakesFewMoreForItsBin() {
        try (ElasticHeap heap = ElasticHeap.builder().growthPages(4096).build()) {
            long warm = heap.allocate(16 * 1024 * 1024 - 65536);
            heap.free(warm);
            heap.trim();
            long extra = 0;
            for (long size = 33 * 1024; size <= 128 * 1024; size += 4096) {
                long before = heap.stats().cachedBytes();
                long a = heap.allocate(size);
                extra = Math.max(extra, heap.stats().cachedBytes() - before);
                heap.free(a);
                heap.trim();
            }
            assertTrue(extra <= Heap.REFILL_EXTRA_BYTES, "a miss took " + extra + " bytes more into its bin");
            heap.verify();
        }
    }

    @Test
    void chunksCachedByAnEndedThreadAreTakenBackByTrim() throws Exception {
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            long[] chunks = new long[20];
            for (int i = 0; i < chunks.length; i++) {
                chunks[i] = heap.allocate(64 * (i + 1));
            }
            long cachedBefore = heap.stats().cachedBytes();
            CountDownLatch freed = new CountDownLatch(1);
            CountDownLatch end = new CountDownLatch(1);
            Thread freer = new Thread(() -> {
                for (long c : chunks) {
                    heap.free(c);
                }
                freed.countDown();
                awaitQuietly(end);
            });
            freer.start();
            freed.await();
            assertTrue(heap.stats().cachedBytes() > cachedBefore, "the other thread cached them");
            assertEquals(0, heap.stats().liveChunks());
            end.countDown();
            freer.join();
            heap.trim();
            assertEquals(0, heap.stats().cachedBytes());
            assertEquals(1, heap.stats().freeChunks(), "all of it one free run again");
            heap.verify();
        }
    }

    @Test
    void cachedChunksAreZeroedOrPerturbedLikeAnyOther() {
        try (ElasticHeap heap = ElasticHeap.builder().perturb(0xA5).build()) {
            long a = heap.allocate(200);
            assertEquals((byte) 0x5A, RawMemory.getByte(a + 199));
            heap.free(a);
            assertEquals((byte) 0xA5, RawMemory.getByte(a + 100), "freed memory shows the pattern");
            long z = heap.allocateZeroed(200);
            assertEquals(a, z, "the cached chunk");
            for (long i = 0; i < heap.usableSize(z); i++) {
                assertEquals(0, RawMemory.getByte(z + i));
            }
            heap.free(z);
        }
    }

    @Test
    void closeForgetsCachedChunksAndReportsOnlyLiveOnes() {
        ElasticHeap heap = ElasticHeap.builder().strictClose(true).build();
        heap.free(heap.allocate(64));
        heap.close();
        assertThrows(IllegalStateException.class, () -> heap.allocate(64));
    }

    /** Allocates chunks of random cached sizes, fills each with its own byte and checks none was overwritten. */
    /** @return a chunk of {@code size} bytes that the calling thread's cache handed out */
    private static long popped(ElasticHeap heap, long size) {
        long a = heap.allocate(size);
        heap.free(a);
        assertEquals(a, heap.allocate(size), "popped from the cache");
        return a;
    }

    private static void assertDisjoint(ElasticHeap heap, int count) {
        SplittableRandom random = new SplittableRandom(count);
        long[] chunks = new long[count];
        long[] sizes = new long[count];
        for (int i = 0; i < count; i++) {
            sizes[i] = 1 + random.nextInt((int) Heap.MAX_CACHED_BYTES);
            chunks[i] = heap.allocate(sizes[i]);
            RawMemory.fill(chunks[i], sizes[i], (byte) i);
        }
        for (int i = 0; i < count; i++) {
            for (long b = 0; b < sizes[i]; b += 61) {
                assertEquals((byte) i, RawMemory.getByte(chunks[i] + b), "chunk " + i);
            }
            heap.free(chunks[i]);
        }
        heap.verify();
    }

    @Test
    void threadsRunningAtOnceGetGroupsOfTheirOwnAndAFollowerTakesAnEndedThreadsGroup() throws Exception {
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            int threads = Regions.GROUPS + 1;
            int[] groups = new int[threads];
            CyclicBarrier allHaveCaches = new CyclicBarrier(threads);
            List<Thread> running = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int me = t;
                Thread thread = new Thread(() -> {
                    groups[me] = heap.core.callingThreadGroup();
                    try {
                        // No thread ends before all have their caches.
                        allHaveCaches.await();
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
                running.add(thread);
                thread.start();
            }
            for (Thread thread : running) {
                thread.join();
            }
            int[] holders = new int[Regions.GROUPS];
            for (int s : groups) {
                holders[s]++;
            }
            for (int s = 0; s < Regions.GROUPS; s++) {
                assertTrue(holders[s] >= 1 && holders[s] <= 2, "group " + s + " held by " + holders[s] + " threads");
            }

            int[] follower = new int[1];
            Thread first = new Thread(() -> heap.core.callingThreadGroup());
            first.start();
            first.join();
            Thread next = new Thread(() -> follower[0] = heap.core.callingThreadGroup());
            next.start();
            next.join();
            assertEquals(0, follower[0], "every earlier thread ended: the follower takes the lowest group");
            assertEquals(0, heap.core.callingThreadGroup());
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
