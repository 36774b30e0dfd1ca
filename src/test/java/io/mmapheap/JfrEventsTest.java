package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import jdk.jfr.Recording;
import jdk.jfr.ValueDescriptor;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/** The JFR events of the slow paths, recorded, dumped and read back as a user's recording would be. */
class JfrEventsTest {

    private static final long PAGE = 4096;
    private static final String GROWTH = "io.mmapheap.Growth";
    private static final String DEDICATED = "io.mmapheap.DedicatedMapping";
    private static final String TRIM = "io.mmapheap.Trim";
    private static final String REFUSED = "io.mmapheap.Refused";

    /** Runs {@code work} under a recording of the four events and returns what the recording holds. */
    private static List<RecordedEvent> recorded(Runnable work) throws Exception {
        Path file = Files.createTempFile("mmapheap-events", ".jfr");
        try (Recording recording = new Recording()) {
            for (String event : List.of(GROWTH, DEDICATED, TRIM, REFUSED)) {
                recording.enable(event);
            }
            recording.start();
            work.run();
            recording.stop();
            recording.dump(file);
            return RecordingFile.readAllEvents(file);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static List<RecordedEvent> of(List<RecordedEvent> events, String type, String heap) {
        return events.stream().filter(e -> e.getEventType().getName().equals(type) && heap.equals(e.getString("heap")))
                .collect(Collectors.toList());
    }

    @Test
    void growthADedicatedMappingATrimAndRefusalsAreRecordedWithTheirSizes() throws Exception {
        String heap = "ElasticHeap \"JfrEventsTest\"";
        long[] trimmed = new long[1];
        List<RecordedEvent> events = recorded(() -> {
            try (ElasticHeap h = ElasticHeap.builder().name("JfrEventsTest").threadCache(false).maxPages(80).build()) {
                long first = h.allocate(1000);
                long large = h.allocate(200_000);
                long[] pages = new long[8];
                for (int i = 0; i < pages.length; i++) {
                    pages[i] = h.allocate(4000);
                }
                for (long p : pages) {
                    h.free(p);
                }
                // 37 pages more, beside the large chunk's 49 and the region's, would pass the limit.
                assertThrows(HeapExhaustedException.class, () -> h.allocate(150_000));
                assertThrows(IllegalArgumentException.class, () -> h.allocate(-1));
                assertThrows(IllegalArgumentException.class, () -> h.allocate(8, 3));
                h.free(large);
                trimmed[0] = h.trim();
                h.free(first);
            }
        });

        List<RecordedEvent> growth = of(events, GROWTH, heap);
        RecordedEvent region = growth.get(0);
        assertTrue(region.getBoolean("newRegion"), region.toString());
        assertEquals(ElasticHeap.DEFAULT_GROWTH_PAGES * PAGE, region.getLong("committed") + region.getLong("reserved"),
                "a growth step reserved, part of it committed: " + region);
        assertEquals(PAGE, region.getLong("committed"), "the first request needs one page: " + region);
        assertEquals(PAGE, region.getLong("bytesMapped"));
        List<RecordedEvent> commits = growth.stream().filter(e -> !e.getBoolean("newRegion")).collect(Collectors.toList());
        assertFalse(commits.isEmpty(), "the 4000-byte chunks committed more of the region: " + growth);
        for (RecordedEvent commit : commits) {
            assertEquals(0, commit.getLong("reserved"));
            assertTrue(commit.getLong("committed") > 0 && commit.getLong("committed") % PAGE == 0, commit.toString());
        }
        assertEquals(1, growth.stream().filter(e -> e.getBoolean("newRegion")).count(), "one region: " + growth);

        List<RecordedEvent> dedicated = of(events, DEDICATED, heap);
        assertEquals(1, dedicated.size(), dedicated.toString());
        assertEquals(200_000, dedicated.get(0).getLong("requested"));
        assertEquals(49 * PAGE, dedicated.get(0).getLong("mapped"), "200,000 bytes rounded up to pages");
        assertFalse(dedicated.get(0).getBoolean("remapped"));

        List<RecordedEvent> trims = of(events, TRIM, heap);
        assertEquals(1, trims.size(), trims.toString());
        assertEquals("trim()", trims.get(0).getString("cause"));
        assertTrue(trimmed[0] >= 7 * PAGE, "the freed pages went back: " + trimmed[0]);
        assertEquals(trimmed[0], trims.get(0).getLong("released"));

        List<RecordedEvent> refused = of(events, REFUSED, heap);
        assertEquals(3, refused.size(), refused.toString());
        RecordedEvent exhausted = refused.get(0);
        assertTrue(exhausted.getBoolean("exhausted"));
        assertEquals(150_000, exhausted.getLong("requested"));
        assertEquals(1, exhausted.getLong("alignment"));
        assertTrue(exhausted.getString("message").startsWith("allocate(150000): mapping 37 more pages would pass maxPages=80"),
                exhausted.getString("message"));
        assertTrue(exhausted.getStackTrace().getFrames().stream().map(RecordedFrame::getMethod)
                .anyMatch(m -> m.getName().startsWith("lambda$growthADedicatedMapping")), "the caller is in the stack trace");
        assertFalse(refused.get(1).getBoolean("exhausted"));
        assertEquals(-1, refused.get(1).getLong("requested"));
        assertTrue(refused.get(1).getString("message").contains("size must be > 0"), refused.get(1).getString("message"));
        assertFalse(refused.get(2).getBoolean("exhausted"));
        assertEquals(3, refused.get(2).getLong("alignment"));
        assertTrue(refused.get(2).getString("message").contains("power of two"));
    }

    @Test
    void theFreePagesAMovingReallocateLeavesBehindAreATrim() throws Exception {
        String heap = "ElasticHeap \"JfrEventsTest.moved\"";
        long[] mapped = new long[2];
        List<RecordedEvent> events = recorded(() -> {
            try (ElasticHeap h = ElasticHeap.builder().name("JfrEventsTest.moved").threadCache(false).build()) {
                // A chunk longer than a growth step has a region of its own; past the large
                // threshold it moves into a mapping of its own, and its region's pages go back.
                long grown = h.allocate(100_000);
                mapped[0] = h.stats().bytesMapped();
                long moved = h.reallocate(grown, 300_000);
                mapped[1] = h.stats().bytesMapped();
                h.free(moved);
            }
        });
        List<RecordedEvent> trims = of(events, TRIM, heap);
        assertEquals(1, trims.size(), trims.toString());
        assertEquals(HeapEvents.MOVED_OUT, trims.get(0).getString("cause"));
        long released = trims.get(0).getLong("released");
        assertTrue(released >= 100_000 - PAGE, "the region's pages went back: " + released);
        long dedicated = of(events, DEDICATED, heap).get(0).getLong("mapped");
        assertEquals(mapped[0] - released + dedicated, mapped[1], "what the events say adds up to what stats() says");
    }

    @Test
    void everyEventIsInTheMmapheapCategoryAndItsByteFieldsAreDataAmounts() throws Exception {
        List<RecordedEvent> events = recorded(() -> {
            try (ElasticHeap h = ElasticHeap.builder().name("JfrEventsTest.units").build()) {
                h.free(h.allocate(1 << 20));
                h.trim();
                h.free(h.allocate(10));
                assertThrows(IllegalArgumentException.class, () -> h.allocate(0));
            }
        });
        String heap = "ElasticHeap \"JfrEventsTest.units\"";
        for (String type : List.of(GROWTH, DEDICATED, TRIM, REFUSED)) {
            List<RecordedEvent> ofType = of(events, type, heap);
            assertFalse(ofType.isEmpty(), type);
            RecordedEvent event = ofType.get(0);
            assertEquals(List.of("mmapheap"), event.getEventType().getCategoryNames(), type);
            for (ValueDescriptor field : event.getEventType().getFields()) {
                boolean bytes = List.of("committed", "reserved", "bytesMapped", "requested", "mapped", "released", "alignment")
                        .contains(field.getName());
                assertEquals(bytes, "jdk.jfr.DataAmount".equals(field.getContentType()), type + "." + field.getName());
                if (bytes) {
                    assertEquals("BYTES", field.getAnnotation(jdk.jfr.DataAmount.class).value(), type + "." + field.getName());
                }
            }
        }
    }

    @Test
    void aPageAllocatorsOneMappingIsAGrowthAndRequestsThatFitEmitNothing() throws Exception {
        List<RecordedEvent> events = recorded(() -> {
            try (PageAllocator pages = PageAllocator.builder().name("JfrEventsTest.pages").pages(8).build()) {
                for (int i = 0; i < 10_000; i++) {
                    pages.free(pages.allocate(64));
                }
            }
            try (ElasticHeap cached = ElasticHeap.builder().name("JfrEventsTest.cached").build()) {
                cached.free(cached.allocate(64));
                for (int i = 0; i < 10_000; i++) {
                    cached.free(cached.allocate(64));
                }
            }
        });
        List<RecordedEvent> growth = of(events, GROWTH, "PageAllocator \"JfrEventsTest.pages\"");
        assertEquals(1, growth.size(), growth.toString());
        assertTrue(growth.get(0).getBoolean("newRegion"));
        assertEquals(8 * PAGE, growth.get(0).getLong("committed"));
        assertEquals(8 * PAGE, growth.get(0).getLong("bytesMapped"));
        List<RecordedEvent> cached = events.stream()
                .filter(e -> "ElasticHeap \"JfrEventsTest.cached\"".equals(e.getString("heap")))
                .collect(Collectors.toList());
        assertEquals(1, cached.size(), "one growth, then 10,000 allocations and frees that emit nothing: " + cached);
        assertEquals(GROWTH, cached.get(0).getEventType().getName());
    }
}
