package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Many threads on one heap: each allocates, writes its own pattern, checks it and frees, at random
 * and seeded. Overlapping chunks would show up as a broken pattern. Afterwards the heap must verify,
 * its counters must add up, and it must be empty.
 */
class ConcurrencyStressTest {

    private static final int SHORT_OPS = 20_000;
    private static final int LONG_OPS = 1_000_000;

    @ParameterizedTest(name = "{0} threads")
    @ValueSource(ints = {2, 4, 8})
    void threadsSharingAHeapNeverOverlap(int threads) throws InterruptedException {
        stress(threads, SHORT_OPS, ElasticHeap.builder().growthPages(4).build());
        stress(threads, SHORT_OPS / 4, PageAllocator.builder().pages(1024).granule(16).build());
    }

    @Tag("long")
    @ParameterizedTest(name = "{0} threads")
    @ValueSource(ints = {2, 4, 8})
    void threadsSharingAHeapNeverOverlapForAMillionOperationsEach(int threads) throws InterruptedException {
        stress(threads, LONG_OPS, ElasticHeap.builder().build());
    }

    static void stress(int threads, int opsPerThread, Allocator heap) throws InterruptedException {
        try (heap) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long seed = 1000L * threads + t;
                Thread worker = new Thread(() -> {
                    try {
                        start.await();
                        work(heap, seed, opsPerThread);
                    } catch (Throwable e) {
                        failure.compareAndSet(null, new AssertionError("seed " + seed + ": " + e, e));
                    }
                });
                workers.add(worker);
                worker.start();
            }
            start.countDown();
            for (Thread w : workers) {
                w.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            heap.verify();
            HeapStats s = heap.stats();
            assertEquals(0, s.liveChunks());
            assertEquals(0, s.bytesInUse());
            assertEquals(s.bytesMapped() - s.dedicatedBytes() - s.keptBytes(), s.bytesFree() + s.cachedBytes());
            assertTrue(s.peakBytesInUse() > 0);
            // The workers have ended: trim takes their thread caches back.
            heap.trim();
            heap.verify();
            s = heap.stats();
            assertEquals(0, s.cachedBytes());
            assertEquals(s.bytesMapped() - s.dedicatedBytes() - s.keptBytes(), s.bytesFree());
        }
    }

    private static void work(Allocator heap, long seed, int ops) {
        SplittableRandom random = new SplittableRandom(seed);
        List<long[]> mine = new ArrayList<>();
        for (int i = 0; i < ops; i++) {
            if (mine.isEmpty() || mine.size() < 64 && random.nextInt(100) < 55) {
                long size = 1 + random.nextInt(random.nextInt(10) == 0 ? 20_000 : 512);
                long address;
                try {
                    address = switch (random.nextInt(4)) {
                        case 0 -> heap.allocateZeroed(size);
                        case 1 -> heap.allocate(size, 64);
                        default -> heap.allocate(size);
                    };
                } catch (HeapExhaustedException full) {
                    continue;
                }
                long stamp = seed << 32 | i;
                stamp(address, size, stamp);
                mine.add(new long[] {address, size, stamp});
            } else {
                long[] chunk = mine.remove(random.nextInt(mine.size()));
                check(chunk);
                if (random.nextInt(8) == 0) {
                    long size = 1 + random.nextInt(2048);
                    try {
                        long moved = heap.reallocate(chunk[0], size);
                        long kept = Math.min(size, chunk[1]) / Long.BYTES;
                        for (long w = 0; w < kept; w++) {
                            if (RawMemory.getLong(moved + w * Long.BYTES) != chunk[2]) {
                                throw new AssertionError("reallocate lost contents of 0x" + Long.toHexString(chunk[0]));
                            }
                        }
                        stamp(moved, size, chunk[2]);
                        mine.add(new long[] {moved, size, chunk[2]});
                        continue;
                    } catch (HeapExhaustedException full) {
                        // The chunk stays as it was; free it below.
                    }
                }
                heap.free(chunk[0]);
            }
        }
        for (long[] chunk : mine) {
            check(chunk);
            heap.free(chunk[0]);
        }
    }

    private static void stamp(long address, long size, long stamp) {
        for (long w = 0; w < size / Long.BYTES; w++) {
            RawMemory.putLong(address + w * Long.BYTES, stamp);
        }
    }

    private static void check(long[] chunk) {
        for (long w = 0; w < chunk[1] / Long.BYTES; w++) {
            long seen = RawMemory.getLong(chunk[0] + w * Long.BYTES);
            if (seen != chunk[2]) {
                throw new AssertionError("chunk 0x" + Long.toHexString(chunk[0]) + " overwritten at word " + w
                        + ": " + Long.toHexString(seen) + " instead of " + Long.toHexString(chunk[2]));
            }
        }
    }

    @ParameterizedTest(name = "{0} threads")
    @ValueSource(ints = {2, 4})
    void closingUnderAllocatingThreadsGivesThemIllegalStateAndNothingWorse(int threads) throws InterruptedException {
        ElasticHeap heap = ElasticHeap.builder().reportLeaks(false).build();
        AtomicInteger stopped = new AtomicInteger();
        AtomicReference<Throwable> wrong = new AtomicReference<>();
        CountDownLatch running = new CountDownLatch(threads);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                running.countDown();
                try {
                    while (true) {
                        long a = heap.allocate(64);
                        heap.usableSize(a);
                        heap.free(a);
                        heap.stats();
                    }
                } catch (IllegalStateException closed) {
                    stopped.incrementAndGet();
                } catch (Throwable e) {
                    wrong.set(e);
                }
            });
            workers.add(worker);
            worker.start();
        }
        running.await();
        Thread.sleep(50);
        heap.close();
        for (Thread w : workers) {
            w.join();
        }
        assertEquals(null, wrong.get());
        assertEquals(threads, stopped.get());
    }
}
