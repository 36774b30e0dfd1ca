package io.mmapheap.bench.compare;

import io.mmapheap.ElasticHeap;
import io.mmapheap.RawMemory;

/** The {@code pair} workload for {@link Compare}: allocate, write a long, free, on a default heap. */
public final class PairRound implements AutoCloseable {

    private static final int SMALL_PAIRS = 5_000_000;
    private static final int LARGE_PAIRS = 300_000;
    private static final int LARGE = 8192;

    private final ElasticHeap heap = ElasticHeap.builder().build();
    private final int size;

    /** @param args the request size in bytes */
    public PairRound(String[] args) {
        size = Integer.parseInt(args[0]);
        run();
    }

    /** @return ns per pair over one round */
    public double run() {
        int pairs = size > LARGE ? LARGE_PAIRS : SMALL_PAIRS;
        long start = System.nanoTime();
        long sum = 0;
        for (int i = 0; i < pairs; i++) {
            long p = heap.allocate(size);
            RawMemory.putLong(p, i);
            sum += RawMemory.getLong(p);
            heap.free(p);
        }
        double ns = (System.nanoTime() - start) / (double) pairs;
        return sum == -1 ? -ns : ns;
    }

    @Override
    public void close() {
        heap.close();
    }
}
