package io.mmapheap.bench.compare;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Times two builds of mmapheap against each other in one JVM: each jar gets a class loader of its
 * own with the same workload classes, and the two run in alternating rounds (the order flips each
 * round), so that the machine's drift, which on a shared VM can be 2× within minutes, falls on both
 * alike. Prints, per workload, the median ns/op of each build and the median and quartiles of the
 * per-round ratio (second / first).
 * Usage: {@code Compare BASE_JAR NEW_JAR ROUNDS CLASSES_DIR [REGEXP]}: with REGEXP, only the
 * workloads whose label it finds.
 */
public final class Compare {

    /** A workload: the name of its class here, and its arguments. */
    private record Workload(String type, String... args) {
        String label() {
            return type + (args.length == 0 ? "" : " " + String.join(" ", args));
        }
    }

    private static final List<Workload> WORKLOADS = List.of(
            new Workload("PairRound", "64"),
            new Workload("PairRound", "1024"),
            new Workload("PairRound", "65536"),
            new Workload("ChurnRound", "1"),
            new Workload("ChurnRound", "2"),
            new Workload("FillRound", "1000"),
            new Workload("TraceRound"),
            new Workload("TraceRound", "binary"),
            new Workload("TraceRound", "random"),
            new Workload("TraceRound", "coalescing-bal"),
            new Workload("TraceRound", "realloc-bal"));

    private Compare() {
    }

    public static void main(String[] args) throws Exception {
        URL workloads = Paths.get(args[3]).toUri().toURL();
        int rounds = Integer.parseInt(args[2]);
        System.out.printf("%-20s | %12s | %12s | %s%n", "workload", "base ns/op", "new ns/op", "new/base per round: median (q1 - q3)");
        Pattern only = Pattern.compile(args.length > 4 ? args[4] : "");
        for (Workload w : WORKLOADS) {
            if (!only.matcher(w.label()).find()) {
                continue;
            }
            Object[] subjects = new Object[2];
            Method[] run = new Method[2];
            for (int i = 0; i < 2; i++) {
                URLClassLoader loader = new URLClassLoader(new URL[] {Path.of(args[i]).toUri().toURL(), workloads},
                        ClassLoader.getPlatformClassLoader());
                Class<?> type = loader.loadClass(Compare.class.getPackageName() + "." + w.type());
                subjects[i] = type.getConstructor(String[].class).newInstance((Object) w.args());
                run[i] = type.getMethod("run");
            }
            double[][] times = new double[2][rounds];
            double[] ratios = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < 2; k++) {
                    int i = r % 2 == 0 ? k : 1 - k;
                    times[i][r] = (double) run[i].invoke(subjects[i]);
                }
                ratios[r] = times[1][r] / times[0][r];
            }
            for (double[] t : times) {
                Arrays.sort(t);
            }
            Arrays.sort(ratios);
            System.out.printf("%-20s | %12.1f | %12.1f | %.3f (%.3f - %.3f)%n", w.label(), times[0][rounds / 2],
                    times[1][rounds / 2], ratios[rounds / 2], ratios[rounds / 4], ratios[3 * rounds / 4]);
            for (Object s : subjects) {
                ((AutoCloseable) s).close();
            }
        }
    }
}
