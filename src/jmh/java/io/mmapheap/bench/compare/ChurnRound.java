package io.mmapheap.bench.compare;

import io.mmapheap.Allocator;
import io.mmapheap.ElasticHeap;
import io.mmapheap.RawMemory;
import io.mmapheap.StripedHeap;
import io.mmapheap.bench.ChurnSequence;

/**
 * The {@code churn} workload for {@link Compare}: per thread 1024 live blocks, each step frees a
 * random one and allocates 8..4096 bytes (seeded). One thread on a default heap, or two on a
 * {@link StripedHeap} of two arenas.
 */
public final class ChurnRound implements AutoCloseable {

    private static final int STEPS = 2_000_000;

    private final Allocator heap;
    private final long[][] live;
    private final ChurnSequence sequence = new ChurnSequence();

    /** @param args the number of threads: 1 (default heap) or more (a striped heap of that many arenas) */
    public ChurnRound(String[] args) throws InterruptedException {
        int threads = Integer.parseInt(args[0]);
        heap = threads == 1 ? ElasticHeap.builder().build() : StripedHeap.of(threads, ElasticHeap.builder());
        live = new long[threads][ChurnSequence.LIVE];
        for (long[] blocks : live) {
            for (int i = 0; i < ChurnSequence.LIVE; i++) {
                blocks[i] = heap.allocate(sequence.sizes[i]);
            }
        }
        run();
    }

    private void steps(long[] blocks) {
        for (int k = 0; k < STEPS; k++) {
            int i = k & (ChurnSequence.LENGTH - 1);
            int victim = sequence.victims[i];
            heap.free(blocks[victim]);
            long h = heap.allocate(sequence.sizes[i]);
            RawMemory.putLong(h, i);
            blocks[victim] = h;
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
