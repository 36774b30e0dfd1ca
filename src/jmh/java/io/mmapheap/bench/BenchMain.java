package io.mmapheap.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import io.mmapheap.ElasticHeap;
import io.mmapheap.HeapStats;
import io.mmapheap.trace.HeapTarget;
import io.mmapheap.trace.LibcTarget;
import io.mmapheap.trace.Trace;
import io.mmapheap.trace.TraceFormatException;
import io.mmapheap.trace.TraceRunner;
import io.mmapheap.trace.TraceTarget;

/**
 * Runs every benchmark and prints, per workload, ns/op with JMH's error and the ratio to the
 * glibc subject measured in the same run; then the trace driver's totals, the metadata overhead and
 * the memory churn leaves mapped.
 * Usage: {@code BenchMain [--full] [REGEXP]}, or {@code BenchMain --jmh JMH-ARGS...} for JMH's own runner.
 */
public final class BenchMain {

    private static final String JVM_FLAGS =
            "-XX:+IgnoreUnrecognizedVMOptions --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow";
    private static final int TRACE_RUNS = 10;
    private static final long METADATA_PROBE_BYTES = 64L << 20;
    private static final int METADATA_PROBE_CHUNK = 64;
    private static final int FOOTPRINT_STEPS = 2_000_000;
    private static final int CLOSED_HEAPS = 1000;

    private BenchMain() {
    }

    public static void main(String[] args) throws RunnerException, IOException {
        if (args.length > 0 && args[0].equals("--jmh")) {
            // JMH's own command line, for benchmarks outside the ratio table (PageControlBenchmark).
            org.openjdk.jmh.Main.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        boolean full = args.length > 0 && args[0].equals("--full");
        String filter = args.length > (full ? 1 : 0) ? args[full ? 1 : 0] : "io.mmapheap.bench.*Benchmark";
        List<String> subjects = new ArrayList<>(List.of(Subject.MMAPHEAP, Subject.MMAPHEAP_PAGE, Subject.MMAPHEAP_STRIPED, Subject.GLIBC,
                Subject.DIRECT, Subject.NETTY));
        if (Subject.Ffm.available()) {
            subjects.add(Subject.FFM);
        }
        subjects.add(Subject.MMAPHEAP_UNCACHED);
        subjects.add(Subject.MMAPHEAP_BLOCK);
        if (Subject.pathsDiffer()) {
            subjects.add(Subject.MMAPHEAP_UNSAFE);
            subjects.add(Subject.GLIBC_UNSAFE);
        }
        Pattern pattern = Pattern.compile(filter);
        Collection<RunResult> results = new ArrayList<>();
        for (Class<?> bench : List.of(PairBenchmark.class, ChurnBenchmark.class, ScaleBenchmark.class,
                VirtualThreadBenchmark.class)) {
            if (!pattern.matcher(bench.getName()).find() || bench == VirtualThreadBenchmark.class && !VirtualThreadBenchmark.available()) {
                continue;
            }
            // The subjects each benchmark declares, narrowed to those this JDK has.
            List<String> declared = subjects.stream().filter(s -> declares(bench, s)).collect(Collectors.toList());
            ChainedOptionsBuilder options = new OptionsBuilder().include(Pattern.quote(bench.getName()) + "\\.")
                    .param("subject", declared.toArray(new String[0]))
                    .jvmArgsAppend(JVM_FLAGS.split(" "))
                    .forks(full ? 2 : 1)
                    .warmupIterations(full ? 5 : 2).warmupTime(TimeValue.seconds(full ? 2 : 1))
                    .measurementIterations(full ? 5 : 3).measurementTime(TimeValue.seconds(full ? 2 : 1));
            results.addAll(new Runner(options.build()).run());
        }
        printTable(results, subjects);
        printTraces();
        printMetadata();
        printChurnFootprint();
        printClosedHeapsRetained();
    }

    /** @return whether the benchmark's {@code subject} parameter lists {@code subject} */
    private static boolean declares(Class<?> bench, String subject) {
        Class<?> holder = bench == ChurnBenchmark.class ? ChurnBenchmark.Shared.class : bench;
        try {
            return List.of(holder.getField("subject").getAnnotation(Param.class).value()).contains(subject);
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException(bench + " has no subject parameter", e);
        }
    }

    private static void printTable(Collection<RunResult> results, List<String> subjects) {
        Map<String, Map<String, RunResult>> rows = new LinkedHashMap<>();
        for (RunResult r : results) {
            String method = r.getParams().getBenchmark().replaceFirst(".*\\.", "");
            StringBuilder key = new StringBuilder(method);
            for (String p : r.getParams().getParamsKeys()) {
                if (!p.equals("subject")) {
                    key.append(' ').append(p).append('=').append(r.getParams().getParam(p));
                }
            }
            rows.computeIfAbsent(key.toString(), k -> new LinkedHashMap<>()).put(r.getParams().getParam("subject"), r);
        }
        System.out.println();
        System.out.println("ns/op (JMH error), and in brackets the ratio to glibc in this run (below 1: faster than glibc)");
        StringBuilder header = new StringBuilder(String.format("%-28s", "workload"));
        for (String s : subjects) {
            header.append(String.format(" | %-24s", s));
        }
        System.out.println(header);
        for (Map.Entry<String, Map<String, RunResult>> row : rows.entrySet()) {
            RunResult glibc = row.getValue().get(Subject.GLIBC);
            StringBuilder line = new StringBuilder(String.format("%-28s", row.getKey()));
            for (String s : subjects) {
                RunResult r = row.getValue().get(s);
                if (r == null) {
                    line.append(String.format(" | %-24s", "-"));
                    continue;
                }
                double score = r.getPrimaryResult().getScore();
                String ratio = glibc == null ? "" : String.format(" [%.2f]", score / glibc.getPrimaryResult().getScore());
                line.append(String.format(" | %-24s", String.format("%.1f ±%.1f%s", score, r.getPrimaryResult().getScoreError(), ratio)));
            }
            System.out.println(line);
        }
    }

    private static void printTraces() throws IOException {
        Path dir = Paths.get(System.getProperty("mmapheap.traces", "../shared/traces"));
        if (!Files.isDirectory(dir)) {
            System.out.println("traces: no folder at " + dir);
            return;
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.toString().endsWith(".rep")).sorted().collect(Collectors.toList());
        }
        List<Trace> traces = new ArrayList<>();
        for (Path file : files) {
            try {
                traces.add(Trace.read(file));
            } catch (TraceFormatException e) {
                System.out.println("traces: " + e.getMessage());
            }
        }
        Supplier<TraceTarget> heaps = () -> new HeapTarget(ElasticHeap.builder().build());
        TraceRunner.warmUp(traces, heaps);
        TraceRunner.warmUp(traces, LibcTarget::new);
        int ops = 0;
        double mine = 0;
        double libc = 0;
        double util = 0;
        for (Trace t : traces) {
            TraceRunner.Result m = TraceRunner.run(t, heaps, ElasticHeap.DEFAULT_GRANULE, TRACE_RUNS);
            TraceRunner.Result l = TraceRunner.run(t, LibcTarget::new, 16, TRACE_RUNS);
            for (TraceRunner.Result r : List.of(m, l)) {
                if (!r.valid()) {
                    System.out.println("traces: " + t.name() + " invalid: " + r.problem());
                }
            }
            ops += m.ops();
            mine += m.seconds();
            libc += l.seconds();
            util += m.utilization();
        }
        System.out.printf("%ntraces (%d files, %d ops): mmapheap %.0f Kops/s, libc %.0f Kops/s, ratio %.2f "
                        + "(above 1: mmapheap faster); mmapheap average utilization %.1f%%%n",
                files.size(), ops, ops / mine / 1000, ops / libc / 1000, libc / mine, util / files.size() * 100);
    }

    /**
     * Fills a heap with small chunks, then frees every other one: the frees go through the thread
     * cache, which gives every region its cached marks, the state of a heap in use.
     */
    private static void printMetadata() {
        for (int granule : new int[] {ElasticHeap.DEFAULT_GRANULE, 16}) {
            try (ElasticHeap heap = ElasticHeap.builder().granule(granule).reportLeaks(false).build()) {
                long[] chunks = new long[(int) (METADATA_PROBE_BYTES / METADATA_PROBE_CHUNK)];
                for (int i = 0; i < chunks.length; i++) {
                    chunks[i] = heap.allocate(METADATA_PROBE_CHUNK);
                }
                printMetadata(granule, "filled", heap.stats());
                for (int i = 0; i < chunks.length; i += 2) {
                    heap.free(chunks[i]);
                }
                printMetadata(granule, "every other chunk freed", heap.stats());
            }
        }
    }

    /**
     * The Java heap that {@value #CLOSED_HEAPS} closed heaps keep reachable while the program still
     * holds them, each used by the threads of a pool of 4 first: what thread caches leave behind.
     */
    private static void printClosedHeapsRetained() {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        List<ElasticHeap> closed = new ArrayList<>();
        long before = usedAfterCollections();
        try {
            for (int h = 0; h < CLOSED_HEAPS; h++) {
                ElasticHeap heap = ElasticHeap.builder().build();
                List<java.util.concurrent.Future<?>> uses = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    uses.add(pool.submit(() -> {
                        long[] held = new long[64];
                        for (int i = 0; i < held.length; i++) {
                            held[i] = heap.allocate(16 + 16 * (i % 8));
                        }
                        for (long a : held) {
                            heap.free(a);
                        }
                    }));
                }
                for (java.util.concurrent.Future<?> use : uses) {
                    use.get();
                }
                heap.close();
                closed.add(heap);
            }
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        } finally {
            pool.shutdown();
        }
        long retained = usedAfterCollections() - before;
        System.out.printf("closed heaps: %d heaps used by 4 pool threads, closed and still referenced keep %.1f MiB of Java heap%n",
                closed.size(), retained / 1048576.0);
    }

    private static long usedAfterCollections() {
        Runtime runtime = Runtime.getRuntime();
        for (int i = 0; i < 5; i++) {
            System.gc();
        }
        return runtime.totalMemory() - runtime.freeMemory();
    }

    /**
     * Runs the churn sequence on one thread on a default heap and on an exact first-fit one (no
     * thread caches), and prints the bytes each maps at its peak: what caching costs in memory.
     */
    private static void printChurnFootprint() {
        ChurnSequence sequence = new ChurnSequence();
        for (boolean cached : new boolean[] {true, false}) {
            try (ElasticHeap heap = ElasticHeap.builder().threadCache(cached).build()) {
                long[] live = new long[ChurnSequence.LIVE];
                for (int i = 0; i < live.length; i++) {
                    live[i] = heap.allocate(sequence.sizes[i]);
                }
                for (int k = 0; k < FOOTPRINT_STEPS; k++) {
                    int i = k & (ChurnSequence.LENGTH - 1);
                    heap.free(live[sequence.victims[i]]);
                    live[sequence.victims[i]] = heap.allocate(sequence.sizes[i]);
                }
                HeapStats s = heap.stats();
                System.out.printf("churn footprint, %s: peak %d bytes mapped, %d in use and %d cached at the end%n",
                        cached ? "default heap (thread caches)" : "exact first fit (threadCache(false))",
                        s.peakBytesMapped(), s.bytesInUse(), s.cachedBytes());
                for (long h : live) {
                    heap.free(h);
                }
            }
        }
    }

    private static void printMetadata(int granule, String state, HeapStats s) {
        System.out.printf("metadata: %d bytes for %d mapped (%.2f%%) at granule %d, %d-byte chunks, %s%n",
                s.metadataBytes(), s.bytesMapped(), s.metadataOverhead() * 100, granule, METADATA_PROBE_CHUNK, state);
    }
}
