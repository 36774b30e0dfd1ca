package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.junit.jupiter.api.Test;

/** The DEBUG records of io.mmapheap.heap: growth, dedicated mappings, releases and refusals. */
class HeapLogTest {

    @Test
    void growthADedicatedMappingATrimAndARefusalAreDebugRecords() {
        List<LogRecord> records;
        try (LogCapture heapLog = LogCapture.of("io.mmapheap.heap")) {
            try (ElasticHeap heap = ElasticHeap.builder().name("HeapLogTest").threadCache(false).maxPages(80).build()) {
                long small = heap.allocate(1000);
                long large = heap.allocate(200_000);
                long[] chunks = new long[4];
                for (int i = 0; i < chunks.length; i++) {
                    chunks[i] = heap.allocate(4000);
                }
                for (long c : chunks) {
                    heap.free(c);
                }
                assertThrows(HeapExhaustedException.class, () -> heap.allocate(150_000));
                heap.free(large);
                heap.trim();
                heap.free(small);
            }
            records = heapLog.records();
        }
        for (LogRecord r : records) {
            assertEquals(Level.FINE, r.getLevel(), "System.Logger's DEBUG: " + r.getMessage());
            assertEquals("io.mmapheap.heap", r.getLoggerName());
            assertTrue(r.getMessage().startsWith("mmapheap ElasticHeap \"HeapLogTest\": "), r.getMessage());
        }
        List<String> messages = records.stream().map(r -> r.getMessage().substring(r.getMessage().indexOf("\": ") + 3)).toList();
        assertEquals("mapped a region, 4.0 KiB committed and 60.0 KiB reserved; 4.0 KiB mapped", messages.get(0));
        assertEquals("mapped a dedicated 196.0 KiB for a request of 200000 bytes", messages.get(1));
        assertTrue(messages.contains("committed 4.0 KiB more of a region; 204.0 KiB mapped"),
                "two pages and the 196 KiB mapping: " + messages);
        assertTrue(messages.stream().anyMatch(m -> m.matches("trim\\(\\) released [0-9.]+ KiB")), messages.toString());
        assertTrue(messages.stream().anyMatch(m -> m.startsWith("refused a request of 150000 bytes: allocate(150000): mapping 37"
                + " more pages would pass maxPages=80")), messages.toString());
    }

    @Test
    void growthDedicatedMappingsAndTrimsLogNothingAboveDebug() {
        try (LogCapture heapLog = LogCapture.of("io.mmapheap.heap")) {
            java.util.logging.Logger.getLogger("io.mmapheap.heap").setLevel(Level.INFO);
            try (ElasticHeap heap = ElasticHeap.builder().threadCache(false).build()) {
                heap.free(heap.allocate(200_000));
                heap.free(heap.allocate(100));
                heap.trim();
            }
            assertEquals(List.of(), heapLog.records());
        }
    }
}
