package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class StripedHeapTest {

    @Test
    void aChunkAllocatedOnOneThreadCanBeReallocatedAndFreedOnAnother() throws InterruptedException {
        try (StripedHeap heap = StripedHeap.of(4, ElasticHeap.builder())) {
            AtomicLong made = new AtomicLong();
            Thread producer = new Thread(() -> {
                long a = heap.allocate(100);
                RawMemory.putLong(a, 77);
                made.set(a);
            });
            producer.start();
            producer.join();
            long a = made.get();
            assertEquals(104, heap.usableSize(a));
            long b = heap.reallocate(a, 5000);
            assertEquals(77, RawMemory.getLong(b));
            heap.free(b);
            assertEquals(0, heap.stats().liveChunks());
            assertThrows(IllegalArgumentException.class, () -> heap.free(b));
            heap.verify();
        }
    }

    @Test
    void itsStatsSumThePageControlFiguresOfItsArenasToo() throws InterruptedException {
        try (StripedHeap heap = StripedHeap.of(2, ElasticHeap.builder().guardPages(true))) {
            Thread[] threads = new Thread[2];
            long[] chunks = new long[2];
            for (int i = 0; i < threads.length; i++) {
                int k = i;
                threads[i] = new Thread(() -> chunks[k] = heap.allocate(100));
                threads[i].start();
            }
            for (Thread t : threads) {
                t.join();
            }
            HeapStats sum = heap.stats();
            long guardsOfOneArena = 2 * io.mmapheap.os.VirtualMemory.pageSize();
            assertEquals(2, sum.regions(), "each thread's arena mapped a region");
            assertEquals(sum.regions() * guardsOfOneArena, sum.guardBytes(), "a guard page each side of every region");
            for (long c : chunks) {
                heap.free(c);
            }
        }
    }

    @Test
    void threadsAreGivenTheArenasInTurnWhateverTheirIds() throws InterruptedException {
        int arenas = 4;
        try (StripedHeap heap = StripedHeap.of(arenas, ElasticHeap.builder())) {
            // Each arena maps a region of its own at its first allocation: one region per thread
            // means no two of these threads were given the same arena, though all their ids are
            // equal modulo the arenas.
            for (int t = 0; t < arenas; t++) {
                Thread thread = threadWithIdDivisibleBy(arenas, () -> heap.allocate(16));
                thread.start();
                thread.join();
                assertEquals(t + 1, heap.stats().regions(), "regions after " + (t + 1) + " threads");
            }
            // The next thread wraps around to an arena that has a region already.
            Thread fifth = new Thread(() -> heap.allocate(16));
            fifth.start();
            fifth.join();
            HeapStats s = heap.stats();
            assertEquals(arenas, s.regions());
            assertEquals(arenas + 1, s.liveChunks());
        }
    }

    @SuppressWarnings("deprecation") // Thread.getId: threadId() is JDK 19+, the baseline is 17
    private static Thread threadWithIdDivisibleBy(int divisor, Runnable work) {
        Thread thread = new Thread(work);
        while (thread.getId() % divisor != 0) {
            thread = new Thread(work);
        }
        return thread;
    }

    @Test
    void manyThreadsSharingIt() throws InterruptedException {
        ConcurrencyStressTest.stress(4, 10_000, StripedHeap.of(4, ElasticHeap.builder().growthPages(4)));
    }

    @Test
    void chunksHandedFromProducerToConsumerThreadsKeepTheirContents() throws InterruptedException {
        try (StripedHeap heap = StripedHeap.of(2, ElasticHeap.builder())) {
            java.util.concurrent.BlockingQueue<long[]> queue = new java.util.concurrent.ArrayBlockingQueue<>(64);
            java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
            int perProducer = 20_000;
            Thread[] threads = new Thread[4];
            for (int t = 0; t < 2; t++) {
                long seed = t;
                threads[t] = new Thread(() -> {
                    java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
                    try {
                        for (int i = 0; i < perProducer; i++) {
                            long size = 2 * Long.BYTES + random.nextInt(2000);
                            long a = heap.allocate(size);
                            long stamp = seed << 40 | i;
                            RawMemory.putLong(a, stamp);
                            RawMemory.putLong(a + size - 8, stamp);
                            if (!queue.offer(new long[] {a, size, stamp}, 30, java.util.concurrent.TimeUnit.SECONDS)) {
                                throw new AssertionError("no consumer took chunk " + i);
                            }
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
                threads[t + 2] = new Thread(() -> {
                    try {
                        for (int i = 0; i < perProducer; i++) {
                            long[] c = queue.poll(30, java.util.concurrent.TimeUnit.SECONDS);
                            if (c == null) {
                                throw new AssertionError("no chunk arrived after " + i);
                            }
                            if (RawMemory.getLong(c[0]) != c[2] || RawMemory.getLong(c[0] + c[1] - 8) != c[2]) {
                                throw new AssertionError("chunk 0x" + Long.toHexString(c[0]) + " overwritten");
                            }
                            heap.free(c[0]);
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
            }
            for (Thread t : threads) {
                t.start();
            }
            for (Thread t : threads) {
                t.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            heap.verify();
            assertEquals(0, heap.stats().liveChunks());
        }
    }

    @Test
    void atLeastOneArenaIsRequired() {
        assertThrows(IllegalArgumentException.class, () -> StripedHeap.of(0, ElasticHeap.builder()));
    }
}
