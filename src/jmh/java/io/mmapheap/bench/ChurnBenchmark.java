package io.mmapheap.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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
 * Workloads 2 and 3, {@code churn}: each thread keeps {@value ChurnSequence#LIVE} live blocks; each
 * operation frees a random one and allocates a random size in [8, 4096] in its place
 * ({@link ChurnSequence}: seeded, identical for every subject). {@code churn2} runs two threads on one shared allocator
 * ({@code mmapheap-striped} is a {@link io.mmapheap.StripedHeap} of two arenas); {@code touch} is the
 * memory traffic of churn alone.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ChurnBenchmark {

    static final int LIVE = ChurnSequence.LIVE;

    /**
     * The allocator all threads share. JMH may tear this state down on one thread before another
     * thread has torn down its {@link Worker}, which still frees its blocks into the allocator: the
     * trial and each worker hold the allocator, and the last of them to let go closes it.
     */
    @State(Scope.Benchmark)
    public static class Shared {
        @Param({Subject.MMAPHEAP, Subject.MMAPHEAP_PAGE, Subject.MMAPHEAP_STRIPED, Subject.GLIBC, Subject.DIRECT, Subject.NETTY, Subject.FFM})
        public String subject;

        Object allocator;
        private final AtomicInteger holders = new AtomicInteger();

        @Setup(Level.Trial)
        public void open() {
            allocator = Subject.shared(subject, 2L * LIVE * ChurnSequence.MAX_SIZE * 2);
            holders.set(1);
        }

        @TearDown(Level.Trial)
        public void close() {
            release();
        }

        void hold() {
            holders.incrementAndGet();
        }

        void release() {
            if (holders.decrementAndGet() == 0) {
                Subject.closeShared(allocator);
            }
        }
    }

    /** One thread's live blocks and its seeded operation sequence. */
    @State(Scope.Thread)
    public static class Worker {
        Subject allocator;
        private Shared shared;
        final long[] live = new long[LIVE];
        final ChurnSequence sequence = new ChurnSequence();
        int next;

        @Setup(Level.Trial)
        public void open(Shared shared) {
            shared.hold();
            this.shared = shared;
            allocator = Subject.of(shared.subject, shared.allocator, LIVE + 1);
            for (int i = 0; i < LIVE; i++) {
                live[i] = allocator.allocate(sequence.sizes[i]);
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            for (long h : live) {
                allocator.free(h);
            }
            allocator.close();
            shared.release();
        }
    }

    private static long step(Worker w) {
        int i = w.next++ & (ChurnSequence.LENGTH - 1);
        int victim = w.sequence.victims[i];
        w.allocator.free(w.live[victim]);
        long h = w.allocator.allocate(w.sequence.sizes[i]);
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
        int i = w.next++ & (ChurnSequence.LENGTH - 1);
        long h = w.live[w.sequence.victims[i]];
        w.allocator.write(h, i);
        return h;
    }

    @Benchmark
    @Threads(2)
    public long churn2(Worker w) {
        return step(w);
    }
}
