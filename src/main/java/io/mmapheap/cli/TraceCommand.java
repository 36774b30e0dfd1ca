package io.mmapheap.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.mmapheap.ElasticHeap;
import io.mmapheap.RawMemory;
import io.mmapheap.trace.HeapTarget;
import io.mmapheap.trace.LibcTarget;
import io.mmapheap.trace.Trace;
import io.mmapheap.trace.TraceFormatException;
import io.mmapheap.trace.TracePlot;
import io.mmapheap.trace.TraceProfile;
import io.mmapheap.trace.TraceRunner;
import io.mmapheap.trace.TraceTarget;

/**
 * {@code mmapheap trace [FILES...]}: replays allocation traces through mmapheap and, in the same
 * run, glibc malloc, and prints validity, utilization and throughput per trace, as the CS:APP
 * malloc-lab driver does. With no files it runs every {@code *.rep} in the trace folder and in its
 * {@code real/} folder (recordings of real programs): {@code --traces DIR}, else the system
 * property {@value #TRACES_PROPERTY}, else {@code ../shared/traces} next to the project the jar was
 * built in, else relative to the working directory. Exit code 0 when every trace was valid on
 * mmapheap.
 */
final class TraceCommand implements Command {

    /** System property naming the default trace folder. */
    static final String TRACES_PROPERTY = "mmapheap.traces";
    private static final String DEFAULT_TRACES = "../shared/traces";
    /** The folder of recordings of real programs inside the trace folder. */
    private static final String REAL_TRACES = "real";
    private static final int DEFAULT_RUNS = 5;
    private static final int MAX_RUNS = 1000;
    private static final long LIBC_ALIGNMENT = 16;
    private static final double PERCENT = 100.0;

    @Override
    public String name() {
        return "trace";
    }

    @Override
    public String summary() {
        return "replay allocation traces on mmapheap and glibc malloc [FILES] [--traces DIR] [--runs N] "
                + "[--granule B] [--growth-pages N] [--large-threshold B] [--stats] [--breakdown] [--plot DIR]";
    }

    @Override
    public int run(List<String> args, PrintStream out) {
        Arguments a = new Arguments(args, Set.of("--stats", "--breakdown"),
                Set.of("--traces", "--runs", "--granule", "--growth-pages", "--large-threshold", "--plot"));
        int runs = (int) a.longValue("--runs", DEFAULT_RUNS, 1, MAX_RUNS);
        int granule = (int) a.longValue("--granule", ElasticHeap.DEFAULT_GRANULE, 8, 4096);
        int growthPages = (int) a.longValue("--growth-pages", ElasticHeap.DEFAULT_GROWTH_PAGES, 1, 1 << 20);
        long largeThreshold = a.longValue("--large-threshold", ElasticHeap.DEFAULT_LARGE_THRESHOLD, 1, 1L << 30);
        boolean stats = a.flag("--stats");
        boolean breakdown = a.flag("--breakdown");
        Path plots = a.value("--plot", null) == null ? null : Paths.get(a.value("--plot", null));
        if (plots != null) {
            try {
                Files.createDirectories(plots);
            } catch (IOException e) {
                throw new UsageException("cannot make the plot folder " + plots + ": " + e.getMessage());
            }
        }
        List<Path> files = traceFiles(a);
        if (files.isEmpty()) {
            out.println("trace: no trace files found");
            return 1;
        }
        Supplier<ElasticHeap> heaps = () -> ElasticHeap.builder().granule(granule).growthPages(growthPages)
                .largeThreshold(largeThreshold).build();
        try {
            heaps.get().close();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }

        out.printf("mmapheap: ElasticHeap granule %d, growthPages %d, largeThreshold %d; libc: glibc malloc via %s.%n",
                granule, growthPages, largeThreshold, RawMemory.path().equals("ffm") ? "FFM downcalls" : "Unsafe");
        out.printf("util = peak payload / peak bytes mapped on a fresh heap (unknown for libc); secs = one replay in the best of %d%n"
                + "runs of >= %,d ops each, after %,d ops of warm-up (and a sweep of %,d over all traces before the first);%n"
                + "each subject keeps one heap across its runs, as a process does.%n",
                runs, TraceRunner.TIMED_OPS, TraceRunner.WARMUP_OPS, TraceRunner.SWEEP_OPS);
        out.printf("%-20s | %5s %6s %7s %9s %8s | %5s %7s %9s %8s | %6s%n",
                "trace", "valid", "util", "ops", "secs", "Kops", "valid", "ops", "secs", "Kops", "ratio");
        List<TraceRunner.Result> mine = new ArrayList<>();
        List<TraceRunner.Result> theirs = new ArrayList<>();
        int errors = 0;
        List<Trace> traces = new ArrayList<>();
        List<Path> folders = new ArrayList<>();
        for (Path file : files) {
            try {
                traces.add(Trace.read(file));
                folders.add(file.toAbsolutePath().getParent());
            } catch (TraceFormatException e) {
                out.println("trace: error at " + e.getMessage() + " (skipped)");
                errors++;
            } catch (IOException e) {
                out.println("trace: cannot read " + file + ": " + e.getMessage() + " (skipped)");
                errors++;
            }
        }
        Supplier<TraceTarget> heapTargets = () -> new HeapTarget(heaps.get());
        TraceRunner.warmUp(traces, heapTargets);
        TraceRunner.warmUp(traces, LibcTarget::new);
        for (Trace trace : traces) {
            TraceRunner.Result m = TraceRunner.run(trace, heapTargets, granule, runs);
            TraceRunner.Result l = TraceRunner.run(trace, LibcTarget::new, LIBC_ALIGNMENT, runs);
            mine.add(m);
            theirs.add(l);
            out.printf("%-20s | %5s %6s %7d %9.6f %8.0f | %5s %7d %9.6f %8.0f | %6s%n", trace.name(),
                    yes(m), percent(m.utilization()), m.ops(), m.seconds(), m.kops(),
                    yes(l), l.ops(), l.seconds(), l.kops(), ratio(m, l));
            if (!m.valid()) {
                out.println("  mmapheap invalid: " + m.problem());
            }
            if (!l.valid()) {
                out.println("  libc invalid: " + l.problem());
            }
            if ((breakdown || plots != null) && m.valid()) {
                TraceProfile profile = TraceProfile.of(trace, heaps::get);
                if (breakdown) {
                    printBreakdown(out, profile);
                }
                if (plots != null) {
                    Path svg = plots.resolve(trace.name().replaceFirst("\\.rep$", "") + ".svg");
                    try {
                        TracePlot.write(profile, svg);
                    } catch (IOException e) {
                        out.println("  cannot write " + svg + ": " + e.getMessage());
                        errors++;
                    }
                }
            }
            if (stats) {
                try (HeapTarget t = new HeapTarget(heaps.get())) {
                    TraceRunner.replay(trace, t);
                    out.println("  stats at the end of a replay on mmapheap:");
                    t.heap().printStats(out);
                }
            }
        }
        List<Path> distinct = folders.stream().distinct().collect(java.util.stream.Collectors.toList());
        if (distinct.size() > 1) {
            for (Path folder : distinct) {
                List<TraceRunner.Result> m = new ArrayList<>();
                List<TraceRunner.Result> l = new ArrayList<>();
                for (int i = 0; i < folders.size(); i++) {
                    if (folders.get(i).equals(folder)) {
                        m.add(mine.get(i));
                        l.add(theirs.get(i));
                    }
                }
                printTotal(out, "Total " + folder.getFileName(), m, l);
            }
        }
        if (!mine.isEmpty()) {
            printTotal(out, "Total", mine, theirs);
        }
        out.println("ratio = mmapheap Kops / libc Kops (above 1: mmapheap is faster).");
        boolean allValid = errors == 0 && mine.stream().allMatch(TraceRunner.Result::valid);
        return allValid ? 0 : 1;
    }

    private static void printTotal(PrintStream out, String label, List<TraceRunner.Result> mine, List<TraceRunner.Result> theirs) {
        double util = mine.stream().filter(r -> r.utilization() >= 0).mapToDouble(TraceRunner.Result::utilization)
                .average().orElse(-1);
        int ops = mine.stream().mapToInt(TraceRunner.Result::ops).sum();
        double secs = mine.stream().mapToDouble(TraceRunner.Result::seconds).sum();
        double libcSecs = theirs.stream().mapToDouble(TraceRunner.Result::seconds).sum();
        out.printf("%-20s | %5s %6s %7d %9.6f %8.0f | %5s %7d %9.6f %8.0f | %6s%n", label,
                "", percent(util), ops, secs, ops / secs / 1000, "", ops, libcSecs, ops / libcSecs / 1000,
                String.format("%.2f", libcSecs / secs));
    }

    /** One line: where the bytes mapped at the payload's peak go, as shares of the peak bytes mapped. */
    private static void printBreakdown(PrintStream out, TraceProfile profile) {
        TraceProfile.Breakdown b = profile.peak();
        double whole = profile.peakMapped();
        out.printf("  at the payload peak (op %,d), of %,d bytes mapped at most: payload %s, rounding %s, cached %s, kept %s,"
                + " free pages %s, free fragments %s, mapped at other times %s%n", b.op(), profile.peakMapped(),
                share(b.payload(), whole), share(b.rounding(), whole), share(b.cached(), whole), share(b.kept(), whole),
                share(b.freePages(), whole), share(b.freeFragments(), whole), share(profile.peakMapped() - b.mapped(), whole));
    }

    private static String share(long bytes, double whole) {
        return String.format("%.1f%%", whole <= 0 ? 0 : bytes * PERCENT / whole);
    }

    private static String yes(TraceRunner.Result r) {
        return r.valid() ? "yes" : "no";
    }

    private static String percent(double fraction) {
        return fraction < 0 ? "-" : String.format("%.1f%%", fraction * PERCENT);
    }

    private static String ratio(TraceRunner.Result mine, TraceRunner.Result libc) {
        return mine.seconds() == 0 || libc.seconds() == 0 ? "-" : String.format("%.2f", libc.seconds() / mine.seconds());
    }

    private static List<Path> traceFiles(Arguments a) {
        List<Path> files = new ArrayList<>();
        for (String name : a.operands()) {
            files.add(Paths.get(name));
        }
        if (!files.isEmpty()) {
            return files;
        }
        Path dir = a.value("--traces", null) != null ? Paths.get(a.value("--traces", null)) : defaultTraceDir();
        if (!Files.isDirectory(dir)) {
            throw new UsageException("no trace folder at " + dir + "; name files or use --traces DIR");
        }
        for (Path folder : List.of(dir, dir.resolve(REAL_TRACES))) {
            if (!Files.isDirectory(folder)) {
                continue;
            }
            try (Stream<Path> list = Files.list(folder)) {
                list.filter(p -> p.toString().endsWith(".rep")).sorted().forEach(files::add);
            } catch (IOException e) {
                throw new UsageException("cannot list " + folder + ": " + e.getMessage());
            }
        }
        return files;
    }

    /** The property, else ../shared/traces beside the project this code was built in, else beside the working directory. */
    static Path defaultTraceDir() {
        String property = System.getProperty(TRACES_PROPERTY);
        if (property != null) {
            return Paths.get(property);
        }
        try {
            // target/classes or target/mmapheap-*.jar: the project is two levels up.
            Path code = Paths.get(TraceCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path project = code.getParent() == null ? null : code.getParent().getParent();
            if (project != null && Files.isDirectory(project.resolve(DEFAULT_TRACES))) {
                return project.resolve(DEFAULT_TRACES).normalize();
            }
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            // No usable code location: fall back to the working directory.
        }
        return Paths.get(DEFAULT_TRACES);
    }
}
