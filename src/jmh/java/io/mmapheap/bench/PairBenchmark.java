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
 * Workload 1, {@code pair}: allocate, write one long, free; one size per trial. {@code mmapheap-block}
 * does it through a checked handle; on JDK 22 and newer the {@code -unsafe} subjects do it with
 * memory reached through Unsafe instead of FFM.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PairBenchmark {

    @Param({Subject.MMAPHEAP, Subject.MMAPHEAP_BLOCK, Subject.GLIBC, Subject.DIRECT, Subject.NETTY, Subject.FFM,
            Subject.MMAPHEAP_UNSAFE, Subject.GLIBC_UNSAFE})
    public String subject;

    @Param({"8", "64", "256", "1024", "4096", "65536", "1048576"})
    public int size;

    private Object shared;
    private Subject allocator;

    @Setup(Level.Trial)
    public void open() {
        shared = Subject.shared(subject, 4L * size);
        allocator = Subject.of(subject, shared, 4);
    }

    @TearDown(Level.Trial)
    public void close() {
        allocator.close();
        Subject.closeShared(shared);
    }

    @Benchmark
    public long pair() {
        long h = allocator.allocate(size);
        allocator.write(h, size);
        allocator.free(h);
        return h;
    }
}
