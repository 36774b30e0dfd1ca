package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.junit.jupiter.api.Test;

import io.mmapheap.os.ProcessMemory;

class LeakReportTest {

    /** @return what the leak logger recorded while {@code action} ran */
    private static List<LogRecord> leaksLoggedBy(Runnable action) {
        try (LogCapture leaks = LogCapture.of("io.mmapheap.leaks")) {
            action.run();
            return leaks.records();
        }
    }

    private static String onlyWarning(List<LogRecord> records) {
        assertEquals(1, records.size(), "one record: " + records);
        LogRecord report = records.get(0);
        assertEquals(Level.WARNING, report.getLevel());
        assertEquals("io.mmapheap.leaks", report.getLoggerName());
        return report.getMessage();
    }

    @Test
    void closeWithLiveChunksLogsCountAndBytesAsAWarning() {
        ElasticHeap heap = ElasticHeap.builder().build();
        heap.allocate(100);
        heap.allocate(1 << 20);
        String report = onlyWarning(leaksLoggedBy(heap::close));
        assertTrue(report.startsWith("mmapheap ElasticHeap: closed with 2 live chunks (" + (104 + (1 << 20))
                + " bytes) never freed"), report);
    }

    @Test
    void theReportNamesANamedHeap() {
        ElasticHeap heap = ElasticHeap.builder().name("LeakReportTest.named").build();
        heap.allocate(64);
        String report = onlyWarning(leaksLoggedBy(heap::close));
        assertTrue(report.startsWith("mmapheap ElasticHeap \"LeakReportTest.named\": closed with 1 live chunks (64 bytes)"),
                report);
    }

    @Test
    void aCleanCloseLogsNothing() {
        ElasticHeap heap = ElasticHeap.builder().strictClose(true).build();
        heap.free(heap.allocate(10));
        assertEquals(List.of(), leaksLoggedBy(heap::close));
    }

    @Test
    void withoutLeakReportsACloseWithLiveChunksLogsNothing() {
        ElasticHeap heap = ElasticHeap.builder().reportLeaks(false).build();
        heap.allocate(10);
        assertEquals(List.of(), leaksLoggedBy(heap::close));
    }

    @Test
    void strictCloseThrowsAfterUnmappingEverythingAndLogsNothing() {
        ElasticHeap heap = ElasticHeap.builder().strictClose(true).build();
        long a = heap.allocate(64);
        List<LogRecord> logged = leaksLoggedBy(() -> {
            IllegalStateException e = assertThrows(IllegalStateException.class, heap::close);
            assertTrue(e.getMessage().contains("1 live chunks (64 bytes)"), e.getMessage());
        });
        assertEquals(List.of(), logged, "the exception is the report");
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
        String report = onlyWarning(leaksLoggedBy(heap::close));
        assertTrue(report.contains("allocation sites of 2 sampled chunks (1 in 2)"), report);
        assertTrue(report.contains("allocateAndForget"), report);
    }

    private static void allocateAndForget(Allocator heap) {
        heap.allocate(48);
    }
}
