package io.mmapheap.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.mmapheap.ElasticHeap;
import io.mmapheap.RawMemory;

class TraceRunnerTest {

    private static List<Path> shippedTraces() throws IOException {
        Path dir = Paths.get(System.getProperty("mmapheap.traces", "../shared/traces"));
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".rep")).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void everyShippedTraceIsValidOnMmapheapAndLibc() throws Exception {
        List<Path> traces = shippedTraces();
        assertTrue(traces.size() >= 13, "traces found: " + traces);
        for (Path file : traces) {
            Trace trace = Trace.read(file);
            TraceRunner.Result mine = TraceRunner.run(trace, () -> new HeapTarget(ElasticHeap.builder().build()), 16, 1);
            assertTrue(mine.valid(), file + ": " + mine.problem());
            assertTrue(mine.utilization() > 0 && mine.utilization() <= 1, file + " util " + mine.utilization());
            assertTrue(mine.seconds() > 0);
            TraceRunner.Result libc = TraceRunner.run(trace, LibcTarget::new, 16, 1);
            assertTrue(libc.valid(), file + ": " + libc.problem());
            assertEquals(-1, libc.utilization());
        }
    }

    /** An allocator that hands out the same block twice must be caught. */
    @Test
    void anAllocatorThatDoubleBooksIsInvalid() throws Exception {
        Trace trace = Trace.parse("double.rep", List.of("1", "2", "4", "1", "a 0 64", "a 1 64", "f 0", "f 1"));
        long block = RawMemory.mallocBaseline(64);
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
            TraceRunner.Result r = TraceRunner.run(trace, () -> doubleBooking, 16, 1);
            assertFalse(r.valid());
            assertTrue(r.problem().contains("overlaps a live block"), r.problem());
        } finally {
            RawMemory.freeBaseline(block);
        }
    }
}
