package io.mmapheap.bench.compare;

import java.util.SplittableRandom;

import io.mmapheap.Allocator;
import io.mmapheap.ElasticHeap;
import io.mmapheap.RawMemory;
import io.mmapheap.StripedHeap;

/**
 * The {@code churn} workload for {@link Compare}: per thread 1024 live blocks, each step frees a
 * random one and allocates 8..4096 bytes (seeded). One thread on a default heap, or two on a
 * {@link StripedHeap} of two arenas.
 */
public final class ChurnRound implements AutoCloseable {

    private static final int LIVE = 1024;
    private static final int SEQUENCE = 1 << 16;
    private static final int MIN_SIZE = 8;
    private static final int MAX_SIZE = 4096;
    private static final int STEPS = 2_000_000;

    private final Allocator heap;
    private final long[][] live;
    private final int[] victims = new int[SEQUENCE];
    private final int[] sizes = new int[SEQUENCE];

    /** @param args the number of threads: 1 (default heap) or more (a striped heap of that many arenas) */
    public ChurnRound(String[] args) throws InterruptedException {
        int threads = Integer.parseInt(args[0]);
        heap = threads == 1 ? ElasticHeap.builder().build() : StripedHeap.of(threads, ElasticHeap.builder());
        SplittableRandom random = new SplittableRandom(SEQUENCE);
        for (int i = 0; i < SEQUENCE; i++) {
            victims[i] = random.nextInt(LIVE);
            sizes[i] = MIN_SIZE + random.nextInt(MAX_SIZE - MIN_SIZE + 1);
        }
        live = new long[threads][LIVE];
        for (long[] blocks : live) {
            for (int i = 0; i < LIVE; i++) {
                blocks[i] = heap.allocate(sizes[i]);
            }
        }
        run();
    }

    private void steps(long[] blocks) {
        for (int k = 0; k < STEPS; k++) {
            int i = k & (SEQUENCE - 1);
            heap.free(blocks[victims[i]]);
            long h = heap.allocate(sizes[i]);
            RawMemory.putLong(h, i);
            blocks[victims[i]] = h;
        }
    }

    /** @return ns per step of one thread over one round (the threads run at once) */
    public double run() throws InterruptedException {
        long start = System.nanoTime();
        Thread[] threads = new Thread[live.length];
        for (int t = 0; t < threads.length; t++) {
            long[] blocks = live[t];
            threads[t] = new Thread(() -> steps(blocks));
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        return (System.nanoTime() - start) / (double) STEPS;
    }

    @Override
    public void close() {
        for (long[] blocks : live) {
            for (long h : blocks) {
                heap.free(h);
            }
        }
        heap.close();
    }
}
