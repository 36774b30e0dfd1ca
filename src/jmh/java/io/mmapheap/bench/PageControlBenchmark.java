package io.mmapheap.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import io.mmapheap.ElasticHeap;
import io.mmapheap.HugePages;
import io.mmapheap.RawMemory;

/**
 * What the page-control options cost and give: {@code pair} and {@code churn} on heaps with each
 * option (ratios to {@code plain} in the same run), first touch of a fresh 256 MiB chunk with and
 * without {@code prefault}, and random reads over 1 GiB with and without transparent huge pages.
 * Run: {@code ./build.sh bench --jmh PageControlBenchmark}.
 */
@Fork(value = 1, jvmArgsAppend = {"-XX:+IgnoreUnrecognizedVMOptions", "--enable-native-access=ALL-UNNAMED",
    "--sun-misc-unsafe-memory-access=allow"})
public class PageControlBenchmark {

    /** A heap with one option on, churned like {@link ChurnBenchmark}. */
    @State(Scope.Thread)
    public static class Options {
        @Param({"plain", "lockPages", "wipeOnFree", "guardPages", "secrets"})
        public String option;

        ElasticHeap heap;
        final long[] live = new long[ChurnSequence.LIVE];
        final ChurnSequence sequence = new ChurnSequence();
        int next;

        @Setup(Level.Trial)
        public void open() {
            ElasticHeap.Builder b;
            switch (option) {
                case "lockPages":
                    b = ElasticHeap.builder().lockPages(true);
                    break;
                case "wipeOnFree":
                    b = ElasticHeap.builder().wipeOnFree(true);
                    break;
                case "guardPages":
                    b = ElasticHeap.builder().guardPages(true);
                    break;
                case "secrets":
                    b = ElasticHeap.secrets();
                    break;
                default:
                    b = ElasticHeap.builder();
            }
            heap = b.build();
            for (int i = 0; i < live.length; i++) {
                live[i] = heap.allocate(sequence.sizes[i]);
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            for (long a : live) {
                heap.free(a);
            }
            heap.close();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @Warmup(iterations = 2, time = 1)
    @Measurement(iterations = 3, time = 1)
    public long pair(Options o) {
        long a = o.heap.allocate(64);
        RawMemory.putLong(a, a);
        o.heap.free(a);
        return a;
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @Warmup(iterations = 2, time = 1)
    @Measurement(iterations = 3, time = 1)
    public long churn(Options o) {
        int i = o.next++ & (ChurnSequence.LENGTH - 1);
        int victim = o.sequence.victims[i];
        o.heap.free(o.live[victim]);
        long h = o.heap.allocate(o.sequence.sizes[i]);
        RawMemory.putLong(h, i);
        o.live[victim] = h;
        return h;
    }

    /** Allocating and writing a byte per page of a fresh 256 MiB chunk, with and without prefault. */
    @State(Scope.Thread)
    public static class Touch {
        static final long BYTES = 256L << 20;

        @Param({"false", "true"})
        public boolean prefault;
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 2)
    @Measurement(iterations = 5)
    public long firstTouch(Touch t) {
        try (ElasticHeap heap = ElasticHeap.builder().prefault(t.prefault).build()) {
            long a = heap.allocate(Touch.BYTES);
            for (long p = 0; p < Touch.BYTES; p += 4096) {
                RawMemory.putByte(a + p, (byte) 1);
            }
            return a;
        }
    }

    /** Random 8-byte reads over 1 GiB, touched in full before, each address depending on the read before. */
    @State(Scope.Thread)
    public static class Reads {
        static final long BYTES = 1L << 30;
        static final int READS = 1 << 20;

        @Param({"NONE", "TRANSPARENT"})
        public HugePages huge;

        ElasticHeap heap;
        long base;
        long seed = 0x9E3779B97F4A7C15L;

        @Setup(Level.Trial)
        public void open() {
            heap = ElasticHeap.builder().hugePages(huge).build();
            base = heap.allocate(BYTES);
            RawMemory.fill(base, BYTES, (byte) 1);
        }

        @TearDown(Level.Trial)
        public void close() {
            heap.close();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @Warmup(iterations = 2, time = 1)
    @Measurement(iterations = 3, time = 1)
    @OperationsPerInvocation(Reads.READS)
    public long randomReads(Reads r) {
        long x = r.seed;
        long sum = 0;
        long mask = Reads.BYTES - 8;
        for (int i = 0; i < Reads.READS; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            // Each address depends on the read before it: the loads wait on each other, so a TLB
            // miss's page walk shows instead of overlapping the next loads.
            long v = RawMemory.getLong(r.base + (x & mask & ~7L));
            sum += v;
            x += v & 1;
        }
        r.seed = x;
        return sum;
    }
}
