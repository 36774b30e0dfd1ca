package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HeapStatsTest {

    private static final long KIB = 1024;
    private static final long MIB = 1024 * KIB;

    @Test
    void toStringGivesTheImportantFiguresFirstInBinaryUnits() {
        HeapStats s = new HeapStatsBuilder().pagesMapped(1024).bytesMapped(4 * MIB).regions(2).peakBytesMapped(8 * MIB)
                .bytesInUse(1_258_291).peakBytesInUse(2 * MIB).liveChunks(12).bytesFree(2_936_013).freeChunks(3)
                .largestFreeRun(MIB).dedicatedMappings(1).dedicatedBytes(MIB).releasableBytes(512 * KIB)
                .metadataBytes(4198).reservedBytes(60 * MIB).build();
        assertEquals("mapped 4.0 MiB (1024 pages, 2 regions, peak 8.0 MiB), in use 1.2 MiB (30%, peak 2.0 MiB) in 12 chunks,"
                + " free 2.8 MiB in 3 runs (largest 1.0 MiB), dedicated 1.0 MiB in 1 mappings, releasable 512.0 KiB,"
                + " metadata 4.1 KiB, reserved 60.0 MiB", s.toString());
    }

    @Test
    void toStringNamesTheOptionalFiguresOnlyWhenTheyAreNotZero() {
        HeapStats none = new HeapStatsBuilder().build();
        assertEquals("mapped 0 B (0 pages, 0 regions, peak 0 B), in use 0 B (0%, peak 0 B) in 0 chunks, free 0 B in 0 runs"
                + " (largest 0 B), dedicated 0 B in 0 mappings, releasable 0 B, metadata 0 B", none.toString());
        HeapStats all = new HeapStatsBuilder().cachedBytes(64 * KIB).keptBytes(2 * MIB).reservedBytes(3 * MIB)
                .lockedBytes(4 * MIB).hugePageBytes(5 * MIB).guardBytes(8 * KIB).build();
        assertTrue(all.toString().endsWith(", cached 64.0 KiB, kept 2.0 MiB, reserved 3.0 MiB, locked 4.0 MiB,"
                + " huge pages 5.0 MiB, guard 8.0 KiB"), all.toString());
    }

    @Test
    void aLiveHeapsToStringShowsItsFigures() {
        try (ElasticHeap heap = ElasticHeap.builder().threadCache(false).build()) {
            long small = heap.allocate(1000);
            long large = heap.allocate(1 << 20);
            String text = heap.stats().toString();
            assertTrue(text.contains(" in 2 chunks,"), text);
            assertTrue(text.contains("dedicated 1.0 MiB in 1 mappings"), text);
            heap.free(small);
            heap.free(large);
        }
    }

    @Test
    void humanSizesAreBytesBelowAKibibyteThenOneDecimalOfTheLargestUnit() {
        assertEquals("0 B", Sizes.human(0));
        assertEquals("1023 B", Sizes.human(1023));
        assertEquals("1.0 KiB", Sizes.human(1024));
        assertEquals("1.5 KiB", Sizes.human(1536));
        assertEquals("1023.9 KiB", Sizes.human(MIB - 103));
        assertEquals("1.0 MiB", Sizes.human(MIB - 1), "1023.999 KiB rounds to the next unit");
        assertEquals("3.0 GiB", Sizes.human(3 * 1024 * MIB));
        assertEquals("8.0 EiB", Sizes.human(Long.MAX_VALUE));
    }
}
