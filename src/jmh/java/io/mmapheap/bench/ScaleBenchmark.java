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

/**
 * Workload 4, {@code scale}: allocate + free on a heap that already holds {@code live} chunks of
 * 64 bytes, fragmented (every other chunk of twice as many freed, so the heap is full of 64-byte
 * holes). {@code fitsHole} asks for 64 bytes (the first hole serves it); {@code skipsHoles} asks
 * for 128, which no hole holds, so first fit must get past all of them. The cost should not grow
 * with {@code live}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ScaleBenchmark {

    private static final int SMALL = 64;

    @Param({Subject.MMAPHEAP, Subject.GLIBC})
    public String subject;

    @Param({"1", "1000", "100000", "1000000"})
    public int live;

    private Object shared;
    private Subject allocator;
    private long[] kept;

    @Setup(Level.Trial)
    public void fill() {
        shared = Subject.shared(subject, 2L * live * SMALL);
        allocator = Subject.of(subject, shared, 1);
        long[] all = new long[2 * live];
        for (int i = 0; i < all.length; i++) {
            all[i] = allocator.allocate(SMALL);
        }
        kept = new long[live];
        for (int i = 0; i < all.length; i++) {
            if (i % 2 == 0) {
                allocator.free(all[i]);
            } else {
                kept[i / 2] = all[i];
            }
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        for (long h : kept) {
            allocator.free(h);
        }
        Subject.closeShared(shared);
    }

    @Benchmark
    public long fitsHole() {
        long h = allocator.allocate(SMALL);
        allocator.free(h);
        return h;
    }

    @Benchmark
    public long skipsHoles() {
        long h = allocator.allocate(2 * SMALL);
        allocator.free(h);
        return h;
    }
}
