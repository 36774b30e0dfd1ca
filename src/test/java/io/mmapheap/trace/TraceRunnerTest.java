package io.mmapheap.trace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.mmapheap.ElasticHeap;
import io.mmapheap.internal.Libc;

class TraceRunnerTest {

    /**
     * The shipped traces (CS:APP's, and recordings of real programs in real/) live beside the
     * project, not in it; where they are absent the test is skipped.
     */
    private static List<Path> shippedTraces() throws IOException {
        Path dir = Paths.get(System.getProperty("mmapheap.traces", "../shared/traces"));
        Assumptions.assumeTrue(Files.isDirectory(dir), "no trace folder at " + dir);
        List<Path> traces = new java.util.ArrayList<>();
        for (Path folder : List.of(dir, dir.resolve("real"))) {
            if (Files.isDirectory(folder)) {
                try (Stream<Path> files = Files.list(folder)) {
                    files.filter(p -> p.toString().endsWith(".rep")).sorted().forEach(traces::add);
                }
            }
        }
        return traces;
    }

    @Test
    void everyShippedTraceIsValidOnMmapheapAndLibc() throws Exception {
        List<Path> traces = shippedTraces();
        assertTrue(traces.size() >= 13, "traces found: " + traces);
        assertTrue(traces.stream().anyMatch(p -> p.getParent().endsWith("real")) || !Files.isDirectory(
                Paths.get(System.getProperty("mmapheap.traces", "../shared/traces"), "real")), "the real/ traces are replayed too");
        for (Path file : traces) {
            Trace trace = Trace.read(file);
            TraceRunner.Result mine = TraceRunner.run(trace, () -> new HeapTarget(ElasticHeap.builder().build()), ElasticHeap.DEFAULT_GRANULE, 1, 0);
            assertTrue(mine.valid(), file + ": " + mine.problem());
            assertTrue(mine.utilization() > 0 && mine.utilization() <= 1, file + " util " + mine.utilization());
            assertTrue(mine.seconds() > 0);
            TraceRunner.Result libc = TraceRunner.run(trace, LibcTarget::new, 16, 1, 0);
            assertTrue(libc.valid(), file + ": " + libc.problem());
            assertEquals(-1, libc.utilization());
        }
    }

    @Test
    void cConventionsOfRecordingsReplayOnBothSubjects() throws Exception {
        Trace trace = Trace.parse("c.rep", List.of("0", "3", "0", "1",
                "f -1", "a 0 0", "r 1 100", "r 1 300", "a 2 0", "r 0 0", "f -1", "r 2 50", "f 1"));
        for (boolean libc : new boolean[] {false, true}) {
            TraceRunner.Result result = TraceRunner.run(trace,
                    libc ? LibcTarget::new : () -> new HeapTarget(ElasticHeap.builder().build()), ElasticHeap.DEFAULT_GRANULE, 1, 0);
            assertTrue(result.valid(), (libc ? "libc: " : "mmapheap: ") + result.problem());
            assertEquals(9, result.ops());
        }
    }

    /** Warm-up replays every trace on a fresh target of its own for at least the operations asked, and leaves each empty. */
    @Test
    void warmUpReplaysEveryTraceOnAFreshTargetForTheOperationsAsked() throws Exception {
        Trace small = Trace.parse("small.rep", List.of("1", "2", "3", "1", "a 0 64", "a 1 100", "f 0"));
        Trace other = Trace.parse("other.rep", List.of("1", "1", "2", "1", "a 0 8", "f 0"));
        List<long[]> counts = new java.util.ArrayList<>();
        TraceRunner.warmUp(List.of(small, other), () -> {
            long[] count = new long[1];
            counts.add(count);
            HeapTarget heap = new HeapTarget(ElasticHeap.builder().build());
            return new TraceTarget() {
                public long allocate(long size) {
                    count[0]++;
                    return heap.allocate(size);
                }

                public long reallocate(long address, long size) {
                    count[0]++;
                    return heap.reallocate(address, size);
                }

                public void free(long address) {
                    count[0]++;
                    heap.free(address);
                }

                public boolean owns(long address, long size) {
                    return heap.owns(address, size);
                }

                public long peakBytesMapped() {
                    return heap.peakBytesMapped();
                }

                public void close() {
                    assertEquals(0, heap.heap().stats().liveChunks(), "every replay ends empty");
                    heap.close();
                }
            };
        }, 10);
        assertEquals(2, counts.size(), "one fresh target per trace");
        // small: 3 operations and the block it leaves live, 4 replays for 10 operations; other: 2 operations, 5 replays.
        assertEquals(4 * 4, counts.get(0)[0]);
        assertEquals(5 * 2, counts.get(1)[0]);
        assertThrows(IllegalArgumentException.class, () -> TraceRunner.warmUp(List.of(small), LibcTarget::new, -1));
    }

    @Test
    void aGeneratedTraceWithReallocsIsValidAndMeasured() throws Exception {
        java.util.SplittableRandom random = new java.util.SplittableRandom(17);
        int ids = 400;
        List<String> ops = new java.util.ArrayList<>();
        boolean[] live = new boolean[ids];
        for (int step = 0; step < 4000; step++) {
            int id = random.nextInt(ids);
            if (!live[id]) {
                ops.add("a " + id + " " + (1 + random.nextInt(random.nextBoolean() ? 64 : 20000)));
            } else if (random.nextBoolean()) {
                ops.add("r " + id + " " + (1 + random.nextInt(30000)));
            } else {
                ops.add("f " + id);
            }
            live[id] = !ops.get(ops.size() - 1).startsWith("f");
        }
        for (int id = 0; id < ids; id++) {
            if (live[id]) {
                ops.add("f " + id);
            }
        }
        List<String> lines = new java.util.ArrayList<>(List.of("0", Integer.toString(ids), Integer.toString(ops.size()), "1"));
        lines.addAll(ops);
        Trace trace = Trace.parse("generated.rep", lines);
        TraceRunner.Result r = TraceRunner.run(trace, () -> new HeapTarget(ElasticHeap.builder().growthPages(4).build()), ElasticHeap.DEFAULT_GRANULE, 1, 0);
        assertTrue(r.valid(), r.problem());
        assertTrue(r.utilization() > 0.1 && r.utilization() <= 1, "util " + r.utilization());
        assertEquals(trace.size(), r.ops());
    }

    /**
     * The timed runs share one target, as glibc's heap is shared by every run, and blocks a trace
     * leaves live are freed after each replay, so the target ends empty.
     */
    @Test
    void timedRunsShareOneTargetAndFreeWhatTheTraceLeavesLive() throws Exception {
        Trace trace = Trace.parse("leaves.rep", List.of("1", "3", "4", "1", "a 0 64", "a 1 100", "f 0", "a 2 32"));
        assertArrayEquals(new boolean[] {false, true, true}, trace.liveAtEnd());
        List<ElasticHeap> heaps = new java.util.ArrayList<>();
        // strictClose: closing a heap with a live chunk throws, so run() fails if a replay leaks.
        TraceRunner.Result r = TraceRunner.run(trace, () -> {
            ElasticHeap heap = ElasticHeap.builder().strictClose(true).build();
            heaps.add(heap);
            return new HeapTarget(heap);
        }, ElasticHeap.DEFAULT_GRANULE, 3, 1000);
        assertTrue(r.valid(), r.problem());
        assertEquals(2, heaps.size(), "one target validates, one more serves every timed run");
        assertTrue(r.seconds() > 0);
    }

    @Test
    void runsAndWarmUpAreChecked() throws Exception {
        Trace trace = Trace.parse("one.rep", List.of("1", "1", "2", "1", "a 0 8", "f 0"));
        assertThrows(IllegalArgumentException.class, () -> TraceRunner.run(trace, LibcTarget::new, 16, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> TraceRunner.run(trace, LibcTarget::new, 16, 1, -1));
    }

    /** An allocator that hands out the same block twice must be caught. */
    @Test
    void anAllocatorThatDoubleBooksIsInvalid() throws Exception {
        Trace trace = Trace.parse("double.rep", List.of("1", "2", "4", "1", "a 0 64", "a 1 64", "f 0", "f 1"));
        long block = Libc.malloc(64);
        try {
            TraceTarget doubleBooking = new TraceTarget() {
                @Override
                public long allocate(long size) {
                    return block;
                }

                @Override
                public long reallocate(long address, long size) {
                    return block;
                }

                @Override
                public void free(long address) {
                }

                @Override
                public boolean owns(long address, long size) {
                    return true;
                }

                @Override
                public long peakBytesMapped() {
                    return -1;
                }

                @Override
                public void close() {
                    // The block is the test's; nothing to release.
                }
            };
            TraceRunner.Result r = TraceRunner.run(trace, () -> doubleBooking, 16, 1, 0);
            assertFalse(r.valid());
            assertTrue(r.problem().contains("overlaps a live block"), r.problem());
        } finally {
            Libc.free(block);
        }
    }
}
