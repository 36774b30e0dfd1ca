package io.mmapheap.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import io.mmapheap.ElasticHeap;

/**
 * allocate + free on an {@link ElasticHeap} of {@code pages} pages, all of it fragmented into
 * 64-byte holes (every other 64-byte chunk freed) but a free tail. {@code fitsFirstHole} asks for
 * 64 bytes; {@code skipsEveryHole} asks for 128, which only the tail can hold. The cost should not
 * grow with {@code pages}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HeapSizeBenchmark {

    private static final int SMALL = 64;
    private static final int TAIL_CHUNKS = 64;

    @Param({"1", "100000"})
    public int pages;

    private ElasticHeap heap;

    @Setup(Level.Trial)
    public void fill() {
        heap = ElasticHeap.builder().growthPages(1).build();
        int chunks = pages * 4096 / SMALL;
        long[] all = new long[chunks];
        for (int i = 0; i < chunks; i++) {
            all[i] = heap.allocate(SMALL);
        }
        for (int i = 0; i < chunks - TAIL_CHUNKS; i += 2) {
            heap.free(all[i]);
        }
        for (int i = chunks - TAIL_CHUNKS; i < chunks; i++) {
            heap.free(all[i]);
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        heap.close();
    }

    @Benchmark
    public long fitsFirstHole() {
        long a = heap.allocate(SMALL);
        heap.free(a);
        return a;
    }

    @Benchmark
    public long skipsEveryHole() {
        long a = heap.allocate(2 * SMALL);
        heap.free(a);
        return a;
    }
}
