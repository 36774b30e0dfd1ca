package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.ref.WeakReference;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** What thread caches hold must not outlive their heap or their thread, nor grow with the number of threads. */
class CacheLifetimeTest {

    @Test
    void aClosedHeapsMapsAreNotKeptReachableByThePoolThreadsThatUsedIt() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<WeakReference<ChunkMap>> maps = new ArrayList<>();
        // The program keeps its closed heaps: they must not keep their caches' and regions' metadata.
        List<ElasticHeap> closed = new ArrayList<>();
        try {
            for (int h = 0; h < 50; h++) {
                ElasticHeap heap = ElasticHeap.builder().build();
                List<Future<?>> uses = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    uses.add(pool.submit(() -> {
                        long[] held = new long[64];
                        for (int i = 0; i < held.length; i++) {
                            held[i] = heap.allocate(16 + 16 * (i % 8));
                        }
                        for (long a : held) {
                            heap.free(a);
                        }
                    }));
                }
                for (Future<?> use : uses) {
                    use.get();
                }
                maps.add(new WeakReference<>(heap.core.regions.map(0)));
                heap.close();
                closed.add(heap);
            }
        } finally {
            pool.shutdown();
        }
        // The pool's threads are alive and idle: nothing of theirs may keep a closed heap's maps.
        awaitCollected(maps);
        assertEquals(50, closed.size());
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    }

    @Test
    void aHeapDroppedWithoutCloseIsNotKeptReachableByTheThreadsThatUsedIt() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<WeakReference<ElasticHeap>> heaps = new ArrayList<>();
        try {
            for (int h = 0; h < 10; h++) {
                ElasticHeap heap = ElasticHeap.builder().build();
                pool.submit(() -> heap.free(heap.allocate(64))).get();
                heaps.add(new WeakReference<>(heap));
            }
        } finally {
            pool.shutdown();
        }
        awaitCollected(heaps);
    }

    @Test
    void anEndedThreadsCacheGoesBackToTheHeap() throws Exception {
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            Thread worker = new Thread(() -> {
                long[] held = new long[2000];
                for (int i = 0; i < held.length; i++) {
                    held[i] = heap.allocate(64 + 64 * (i % 4));
                }
                for (long a : held) {
                    heap.free(a);
                }
                assertTrue(heap.stats().cachedBytes() > 0, "the worker's frees went into its cache");
            });
            worker.start();
            worker.join();
            HeapStats stats = heap.stats();
            assertEquals(0, stats.cachedBytes(), "the ended worker's cache went back: " + stats);
            assertEquals(0, stats.bytesInUse());
            assertEquals(0, heap.core.threadCacheCount(), "and its cache is gone");
            heap.verify();
        }
    }

    @Test
    void platformThreadsBeyondTheSlotsShareTheLanes() throws Exception {
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            int threads = ThreadCaches.SLOTS + 40;
            java.util.concurrent.CyclicBarrier all = new java.util.concurrent.CyclicBarrier(threads);
            List<Thread> started = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread thread = new Thread(() -> {
                    try {
                        heap.free(heap.allocate(32));
                        // Every thread is alive at once: ids that share a slot must share lanes.
                        all.await();
                        heap.free(heap.allocate(48));
                        all.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                thread.start();
                started.add(thread);
            }
            for (Thread thread : started) {
                thread.join();
            }
            assertTrue(heap.core.threadCacheCount() <= heap.core.threadCacheBound(),
                    heap.core.threadCacheCount() + " caches for " + threads + " threads");
            assertEquals(0, heap.stats().bytesInUse());
            heap.verify();
        }
    }

    @Test
    void virtualThreadsShareABoundedSetOfCaches() throws Exception {
        Method startVirtual = startVirtualThread();
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                int size = 16 << (i % 6);
                threads.add((Thread) startVirtual.invoke(null, (Runnable) () -> heap.free(heap.allocate(size))));
            }
            for (Thread t : threads) {
                t.join();
            }
            int lanes = Integer.highestOneBit(4 * Runtime.getRuntime().availableProcessors() - 1);
            assertTrue(heap.core.threadCacheCount() <= lanes + 1,
                    heap.core.threadCacheCount() + " caches after 20,000 virtual threads; lanes: " + lanes);
            // At most a bin per class in each cache (bins are made at their first push: six classes were
            // freed, and splits of cached chunks add the classes of their rests), whatever the thread count.
            long perCache = ThreadCache.REGION_SLOTS * 2L * 20 + (long) heap.core.sizeClassCount() * ThreadCache.DEFAULT_CAPACITY * 16;
            assertTrue(heap.core.threadCacheFootprint() <= (lanes + 1) * perCache,
                    heap.core.threadCacheFootprint() + " bytes of caches after 20,000 virtual threads");
            assertEquals(0, heap.stats().bytesInUse());
            heap.verify();
        }
    }

    /** verify() counts the marks while it holds every lane it checked: virtual threads in between change nothing it counts. */
    @Test
    void verifyHoldsTheLanesWhileVirtualThreadsChurnThroughThem() throws Exception {
        Method startVirtual = startVirtualThread();
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                int seed = i;
                threads.add((Thread) startVirtual.invoke(null, (Runnable) () -> {
                    java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
                    long[] held = new long[16];
                    while (!stop.get()) {
                        int k = random.nextInt(held.length);
                        if (random.nextInt(64) == 0) {
                            Thread.yield();
                        }
                        if (held[k] != 0) {
                            heap.free(held[k]);
                            held[k] = 0;
                        } else {
                            held[k] = heap.allocate(16 + random.nextInt(200));
                        }
                    }
                    for (long a : held) {
                        if (a != 0) {
                            heap.free(a);
                        }
                    }
                }));
            }
            try {
                long end = System.nanoTime() + 2_000_000_000L;
                while (System.nanoTime() < end) {
                    heap.verify();
                }
            } finally {
                stop.set(true);
                for (Thread t : threads) {
                    t.join();
                }
            }
            heap.verify();
            assertEquals(0, heap.stats().bytesInUse());
        }
    }

    /** @return {@code Thread.startVirtualThread}; the test is skipped on a JDK without virtual threads */
    private static Method startVirtualThread() {
        try {
            return Thread.class.getMethod("startVirtualThread", Runnable.class);
        } catch (NoSuchMethodException e) {
            assumeTrue(false, "virtual threads need JDK 21+");
            throw new AssertionError(e);
        }
    }

    private static <T> void awaitCollected(List<WeakReference<T>> refs) throws InterruptedException {
        for (int round = 0; round < 50; round++) {
            System.gc();
            if (refs.stream().allMatch(r -> r.get() == null)) {
                return;
            }
            Thread.sleep(20);
        }
        for (WeakReference<T> r : refs) {
            assertNull(r.get(), "still reachable after 50 collections");
        }
    }
}
