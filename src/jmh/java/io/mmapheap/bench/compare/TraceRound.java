package io.mmapheap.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import io.mmapheap.ElasticHeap;
import io.mmapheap.trace.HeapTarget;
import io.mmapheap.trace.Trace;
import io.mmapheap.trace.TraceFormatException;
import io.mmapheap.trace.TraceRunner;

/**
 * The shipped traces for {@link Compare}: each replayed on a default heap of its own that persists
 * across rounds, as in the trace driver's timed runs; the blocks a trace leaves live are freed after
 * each replay.
 */
public final class TraceRound implements AutoCloseable {

    private static final int REPLAYS = 20;

    private final List<Trace> traces = new ArrayList<>();
    private final List<HeapTarget> targets = new ArrayList<>();
    private final List<boolean[]> leftLive = new ArrayList<>();

    /** @param args optionally, a part of the file names to keep; traces from {@code mmapheap.traces} or ../shared/traces */
    public TraceRound(String[] args) throws IOException, TraceFormatException {
        Path folder = Paths.get(System.getProperty("mmapheap.traces", "../shared/traces"));
        try (Stream<Path> files = Files.list(folder)) {
            for (Path p : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".rep")
                    && (args.length == 0 || p.toString().contains(args[0]))).sorted()::iterator) {
                Trace trace = Trace.read(p);
                traces.add(trace);
                targets.add(new HeapTarget(ElasticHeap.builder().build()));
                leftLive.add(trace.liveAtEnd());
            }
        }
        run();
    }

    /** @return ns per trace operation over one round */
    public double run() {
        long ops = 0;
        long start = System.nanoTime();
        for (int replay = 0; replay < REPLAYS; replay++) {
            for (int i = 0; i < traces.size(); i++) {
                long[] address = TraceRunner.replay(traces.get(i), targets.get(i));
                boolean[] live = leftLive.get(i);
                for (int id = 0; id < address.length; id++) {
                    if (live[id]) {
                        targets.get(i).free(address[id]);
                    }
                }
                ops += traces.get(i).size();
            }
        }
        return (System.nanoTime() - start) / (double) ops;
    }

    @Override
    public void close() {
        targets.forEach(HeapTarget::close);
    }
}
