package io.mmapheap.bench.compare;

import io.mmapheap.ElasticHeap;
import io.mmapheap.RawMemory;

/** Growth for {@link Compare}: a fresh default heap filled with 64 MiB of equal chunks, then closed. */
public final class FillRound implements AutoCloseable {

    private static final long BYTES = 64L << 20;

    private final int size;

    /** @param args the chunk size in bytes */
    public FillRound(String[] args) {
        size = Integer.parseInt(args[0]);
        run();
    }

    /** @return ns per allocation, the heap's mapping, commits and first touches included */
    public double run() {
        long chunks = BYTES / size;
        long start = System.nanoTime();
        try (ElasticHeap heap = ElasticHeap.builder().reportLeaks(false).build()) {
            for (long i = 0; i < chunks; i++) {
                RawMemory.putLong(heap.allocate(size), i);
            }
        }
        return (System.nanoTime() - start) / (double) chunks;
    }

    @Override
    public void close() {
    }
}
