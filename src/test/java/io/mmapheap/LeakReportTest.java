package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.mmapheap.os.ProcessMemory;

class LeakReportTest {

    private static String stderrOf(Runnable action) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void closeWithLiveChunksReportsCountAndBytesOnStderr() {
        ElasticHeap heap = ElasticHeap.builder().build();
        heap.allocate(100);
        heap.allocate(1 << 20);
        String report = stderrOf(heap::close);
        assertTrue(report.contains("closed with 2 live chunks (" + (112 + (1 << 20)) + " bytes) never freed"), report);
    }

    @Test
    void aCleanCloseSaysNothing() {
        ElasticHeap heap = ElasticHeap.builder().strictClose(true).build();
        heap.free(heap.allocate(10));
        assertEquals("", stderrOf(heap::close));
    }

    @Test
    void strictCloseThrowsAfterUnmappingEverything() {
        ElasticHeap heap = ElasticHeap.builder().strictClose(true).build();
        long a = heap.allocate(64);
        IllegalStateException e = assertThrows(IllegalStateException.class, heap::close);
        assertTrue(e.getMessage().contains("1 live chunks (64 bytes)"), e.getMessage());
        assertTrue(ProcessMemory.mappingOf(a).map(m -> m.size() != ElasticHeap.DEFAULT_GROWTH_PAGES * 4096L).orElse(true),
                "the region was unmapped anyway");
        assertThrows(IllegalStateException.class, () -> heap.allocate(1), "closed");
    }

    @Test
    void leakTrackingShowsWhereSampledChunksWereAllocated() {
        ElasticHeap heap = ElasticHeap.builder().leakTracking(2).build();
        for (int i = 0; i < 4; i++) {
            allocateAndForget(heap);
        }
        heap.free(heap.allocate(8));
        String report = stderrOf(heap::close);
        assertTrue(report.contains("allocation sites of 2 sampled chunks (1 in 2)"), report);
        assertTrue(report.contains("allocateAndForget"), report);
    }

    private static void allocateAndForget(Allocator heap) {
        heap.allocate(48);
    }
}
