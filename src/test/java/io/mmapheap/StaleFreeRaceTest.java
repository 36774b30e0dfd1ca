package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/**
 * Invalid frees (stale, double, interior) racing the lock-free paths: the program that makes them
 * has a bug, but the heap must stay whole: no chunk both free and cached, no two live chunks
 * overlapping, no lock held forever, and {@code verify()} and {@code stats()} not fooled by a free
 * in flight. Each test is bounded in time.
 */
class StaleFreeRaceTest {

    private static final long BUDGET_NANOS = 3_000_000_000L;

    @Test
    void twoFreesOfOneChunkWhileTheCachesSendTheirBinsBackNeverBothSucceed() throws Exception {
        // Chunks of 32 KiB freed by four threads at once, each chunk by two of them: the caches pass
        // their ceiling, so frees flush bins under the lock while the other freer claims.
        int chunks = 96;
        long size = 32 * 1024;
        for (int round = 0; round < 20; round++) {
            try (ElasticHeap heap = ElasticHeap.builder().build()) {
                long[] all = new long[chunks];
                for (int i = 0; i < chunks; i++) {
                    all[i] = heap.allocate(size);
                    RawMemory.putLong(all[i], i);
                }
                AtomicInteger wins = new AtomicInteger();
                AtomicInteger losses = new AtomicInteger();
                AtomicReference<Throwable> other = new AtomicReference<>();
                java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(4);
                List<Thread> freers = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int half = t % 2;
                    boolean reverse = t >= 2;
                    Thread freer = new Thread(() -> {
                        try {
                            start.await();
                            for (int k = 0; k < chunks / 2; k++) {
                                int i = 2 * (reverse ? chunks / 2 - 1 - k : k) + half;
                                try {
                                    heap.free(all[i]);
                                    wins.incrementAndGet();
                                } catch (IllegalArgumentException lost) {
                                    losses.incrementAndGet();
                                }
                            }
                        } catch (Throwable e) {
                            other.set(e);
                        }
                    });
                    freer.start();
                    freers.add(freer);
                }
                for (Thread t : freers) {
                    t.join();
                }
                assertEquals(null, other.get());
                assertEquals(chunks, wins.get(), "each chunk freed exactly once");
                assertEquals(chunks, losses.get(), "and the other free of it refused");
                assertEquals(0, heap.stats().liveChunks());
                heap.verify();
                // Nothing handed out twice: as many distinct chunks as asked for.
                java.util.Set<Long> again = new java.util.HashSet<>();
                for (int i = 0; i < chunks; i++) {
                    assertTrue(again.add(heap.allocate(size)), "a chunk handed out twice");
                }
                heap.verify();
                for (long c : again) {
                    heap.free(c);
                }
            }
        }
    }

    @Test
    void aStaleFreeRacingThePopThatHandedTheChunkOutLeavesNoFreeChunkCached() {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            ElasticHeap heap = ElasticHeap.builder().checkLevel(CheckLevel.IGNORE).build();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int pair = 0; pair < 2; pair++) {
                AtomicLong shared = new AtomicLong();
                // The owner allocates, publishes and frees; the other frees whatever was published
                // last, stale or not, through the lock path (reallocate to 0).
                threads.add(new Thread(() -> {
                    try {
                        for (long n = 1; !stop.get(); n++) {
                            long x = heap.allocate(48);
                            shared.set(x);
                            heap.free(x);
                            if ((n & 1023) == 0) {
                                heap.verify();
                            }
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                        stop.set(true);
                    }
                }));
                threads.add(new Thread(() -> {
                    while (!stop.get()) {
                        long x = shared.get();
                        if (x != 0) {
                            heap.reallocate(x, 0);
                        }
                    }
                }));
            }
            for (Thread t : threads) {
                t.setDaemon(true);
                t.start();
            }
            long end = System.nanoTime() + BUDGET_NANOS;
            while (System.nanoTime() < end && !stop.get()) {
                Thread.sleep(20);
            }
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
            if (failure.get() != null) {
                throw new AssertionError("a stale free racing a pop broke the heap", failure.get());
            }
            heap.verify();
            heap.trim();
            assertEquals(0, heap.stats().bytesInUse(), "every chunk was freed, once or more");
            heap.close();
        });
    }

    @Test
    void aDoubleFreeRacingTheSplitOfACachedChunkNeverLetsTwoChunksOverlap() throws Exception {
        long end = System.nanoTime() + BUDGET_NANOS;
        int splits = 0;
        for (int iteration = 0; iteration < 400 && System.nanoTime() < end; iteration++) {
            try (ElasticHeap heap = ElasticHeap.builder().maxPages(4).checkLevel(CheckLevel.IGNORE).reportLeaks(false).build()) {
                List<Long> live = new ArrayList<>();
                try {
                    while (true) {
                        live.add(heap.allocate(32));
                    }
                } catch (HeapExhaustedException full) {
                    // The heap is full of 32-byte chunks.
                }
                Collections.sort(live);
                long a = 0;
                for (int i = 0; i + 1 < live.size() && a == 0; i++) {
                    if (live.get(i + 1) == live.get(i) + 32 && (live.get(i) & 63) == 0) {
                        a = live.get(i);
                    }
                }
                live.remove(Long.valueOf(a));
                live.remove(Long.valueOf(a + 32));
                heap.free(a + 32);
                heap.free(a);
                // The two cached halves join into a 64-byte chunk, which goes into the bin of 64.
                long joined = heap.allocate(64);
                assertEquals(a, joined, "the cached halves side by side were joined");
                heap.free(joined);
                long cached = a;
                AtomicBoolean stop = new AtomicBoolean();
                AtomicInteger ready = new AtomicInteger();
                List<long[]> got = Collections.synchronizedList(new ArrayList<>());
                Thread[] doubleFreers = new Thread[2];
                for (int u = 0; u < doubleFreers.length; u++) {
                    doubleFreers[u] = new Thread(() -> {
                        ready.incrementAndGet();
                        while (!stop.get()) {
                            heap.free(cached);
                        }
                        try {
                            got.add(new long[] {heap.allocate(64), 64});
                        } catch (HeapExhaustedException full) {
                            // Nothing cached in this thread: nothing to check.
                        }
                    });
                    doubleFreers[u].start();
                }
                while (ready.get() < doubleFreers.length) {
                    Thread.onSpinWait();
                }
                // A miss of 32 bytes with no free run: the front of the cached 64-byte chunk serves it.
                long front = heap.allocate(32);
                if (front == a) {
                    splits++;
                }
                stop.set(true);
                for (Thread t : doubleFreers) {
                    t.join();
                }
                try {
                    got.add(new long[] {heap.allocate(32), 32});
                } catch (HeapExhaustedException full) {
                    // The rest of the split went elsewhere: nothing to check.
                }
                for (long[] g : got) {
                    for (long l : live) {
                        assertTrue(g[0] >= l + 32 || l >= g[0] + g[1], "iteration " + iteration + ": chunk 0x"
                                + Long.toHexString(g[0]) + " (" + g[1] + " bytes) overlaps the live chunk 0x" + Long.toHexString(l));
                    }
                    for (long[] h : got) {
                        assertTrue(g == h || g[0] >= h[0] + h[1] || h[0] >= g[0] + g[1], "iteration " + iteration
                                + ": chunks 0x" + Long.toHexString(g[0]) + " and 0x" + Long.toHexString(h[0]) + " overlap");
                    }
                }
                heap.verify();
            }
        }
        assertTrue(splits > 0, "some iteration split the cached chunk");
    }

    @Test
    void verifyAndStatsAreNotFooledByRacingInvalidFrees() throws Exception {
        try (ElasticHeap heap = ElasticHeap.builder().checkLevel(CheckLevel.IGNORE).build()) {
            long keep = heap.allocate(64);
            long freed = heap.allocate(64);
            heap.free(freed);
            heap.trim();
            AtomicBoolean stop = new AtomicBoolean();
            Thread[] freers = new Thread[3];
            for (int u = 0; u < freers.length; u++) {
                long target = u == 0 ? keep + 16 : freed;
                freers[u] = new Thread(() -> {
                    while (!stop.get()) {
                        heap.free(target);
                    }
                });
                freers[u].start();
            }
            try {
                long end = System.nanoTime() + BUDGET_NANOS / 3;
                for (int i = 0; i < 20_000 && System.nanoTime() < end; i++) {
                    heap.verify();
                    HeapStats s = heap.stats();
                    if (s.cachedBytes() != 0 || s.bytesInUse() != 64) {
                        fail("call " + i + ": the invalid frees in flight showed in the stats: " + s);
                    }
                }
            } finally {
                stop.set(true);
                for (Thread t : freers) {
                    t.join();
                }
            }
            heap.verify();
            heap.free(keep);
            assertEquals(0, heap.stats().bytesInUse());
        }
    }
}
