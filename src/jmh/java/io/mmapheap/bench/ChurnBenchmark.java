package io.mmapheap.bench;

import java.util.SplittableRandom;
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
import org.openjdk.jmh.annotations.Threads;

/**
 * Workloads 2 and 3, {@code churn}: each thread keeps {@value #LIVE} live blocks; each operation
 * frees a random one and allocates a random size in [8, 4096] in its place. The sequence is seeded
 * and identical for every subject. {@code churn2} runs two threads on one shared allocator
 * ({@code mmapheap-striped} is a {@link io.mmapheap.StripedHeap} of two arenas); {@code touch} is the
 * memory traffic of churn alone.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ChurnBenchmark {

    static final int LIVE = 1024;
    private static final int SEQUENCE = 1 << 16;
    private static final int MIN_SIZE = 8;
    private static final int MAX_SIZE = 4096;

    /** The allocator all threads share. */
    @State(Scope.Benchmark)
    public static class Shared {
        @Param({Subject.MMAPHEAP, Subject.MMAPHEAP_PAGE, Subject.MMAPHEAP_STRIPED, Subject.GLIBC, Subject.DIRECT, Subject.NETTY, Subject.FFM})
        public String subject;

        Object allocator;

        @Setup(Level.Trial)
        public void open() {
            allocator = Subject.shared(subject, 2L * LIVE * MAX_SIZE * 2);
        }

        @TearDown(Level.Trial)
        public void close() {
            Subject.closeShared(allocator);
        }
    }

    /** One thread's live blocks and its seeded operation sequence. */
    @State(Scope.Thread)
    public static class Worker {
        Subject allocator;
        final long[] live = new long[LIVE];
        final int[] victims = new int[SEQUENCE];
        final int[] sizes = new int[SEQUENCE];
        int next;

        @Setup(Level.Trial)
        public void open(Shared shared) {
            allocator = Subject.of(shared.subject, shared.allocator, LIVE + 1);
            SplittableRandom random = new SplittableRandom(SEQUENCE);
            for (int i = 0; i < SEQUENCE; i++) {
                victims[i] = random.nextInt(LIVE);
                sizes[i] = MIN_SIZE + random.nextInt(MAX_SIZE - MIN_SIZE + 1);
            }
            for (int i = 0; i < LIVE; i++) {
                live[i] = allocator.allocate(sizes[i]);
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            for (long h : live) {
                allocator.free(h);
            }
            allocator.close();
        }
    }

    private static long step(Worker w) {
        int i = w.next++ & (SEQUENCE - 1);
        int victim = w.victims[i];
        w.allocator.free(w.live[victim]);
        long h = w.allocator.allocate(w.sizes[i]);
        w.allocator.write(h, i);
        w.live[victim] = h;
        return h;
    }

    @Benchmark
    public long churn(Worker w) {
        return step(w);
    }

    /**
     * The floor under {@code churn}: the same sequence, but only the write, into the block the
     * victim index names; no allocation or free. What churn costs above this is the allocator's.
     */
    @Benchmark
    public long touch(Worker w) {
        int i = w.next++ & (SEQUENCE - 1);
        long h = w.live[w.victims[i]];
        w.allocator.write(h, i);
        return h;
    }

    @Benchmark
    @Threads(2)
    public long churn2(Worker w) {
        return step(w);
    }
}
