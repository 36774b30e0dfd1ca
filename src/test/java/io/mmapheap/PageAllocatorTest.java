package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.mmapheap.os.NativeMemoryException;
import io.mmapheap.os.ProcessMemory;
import io.mmapheap.os.VirtualMemory;

/** Part A: one 4 KiB page, 8-byte granule, all of it allocatable. */
class PageAllocatorTest {

    private final PageAllocator heap = PageAllocator.builder().build();

    @AfterEach
    void close() {
        heap.close();
    }

    @Test
    void theDefaultsAreTheLabsOnePageAndEightByteGranule() {
        assertEquals(4096, heap.capacity());
        assertEquals(8, heap.granule());
        assertEquals(1, heap.stats().pagesMapped());
        assertTrue(ProcessMemory.mappingOf(heap.base()).isPresent(), "the page is mapped at build");
    }

    @Test
    void allocatesTheWholePageWhenEmpty() {
        long a = heap.allocate(4096);
        assertEquals(heap.base(), a);
        RawMemory.fill(a, 4096, (byte) 1);
        assertEquals(0, heap.stats().bytesFree());
        assertThrows(HeapExhaustedException.class, () -> heap.allocate(8));
        heap.free(a);
        assertEquals(a, heap.allocate(4096));
    }

    @Test
    void fiveHundredTwelveEightByteChunksFillThePageAndTheNextFails() {
        long[] chunks = new long[512];
        for (int i = 0; i < chunks.length; i++) {
            chunks[i] = heap.allocate(8);
            assertEquals(heap.base() + 8L * i, chunks[i], "first fit packs from the lowest address");
            RawMemory.putLong(chunks[i], i);
        }
        HeapExhaustedException e = assertThrows(HeapExhaustedException.class, () -> heap.allocate(8));
        assertTrue(e.getMessage().contains("no free run"), e.getMessage());
        heap.verify();

        // Free every other chunk: 256 free granules, none adjacent, so no 16-byte run exists.
        for (int i = 0; i < chunks.length; i += 2) {
            heap.free(chunks[i]);
        }
        assertEquals(2048, heap.stats().bytesFree());
        assertEquals(8, heap.stats().largestFreeRun());
        assertEquals(256, heap.stats().freeChunks());
        assertThrows(HeapExhaustedException.class, () -> heap.allocate(16));
        heap.verify();
        for (int i = 1; i < chunks.length; i += 2) {
            assertEquals(i, RawMemory.getLong(chunks[i]));
            heap.free(chunks[i]);
        }
        assertEquals(1, heap.stats().freeChunks());
        assertEquals(heap.base(), heap.allocate(4096));
    }

    @Test
    void aRequestAboveTheCapacityIsAnArgumentErrorNotExhaustion() {
        assertThrows(IllegalArgumentException.class, () -> heap.allocate(4097));
    }

    @Test
    void chunksMaySpanPagesOfAMultiPageRegion() {
        try (PageAllocator big = PageAllocator.builder().pages(4).granule(16).build()) {
            long a = big.allocate(4000);
            long b = big.allocate(8192);
            assertEquals(a + 4000, b, "4000 is a multiple of 16, so b follows at once and spans pages 0 to 2");
            assertEquals(8192, big.usableSize(b));
            big.verify();
        }
    }

    @Test
    void badBuilderSettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> PageAllocator.builder().pages(0).build());
        assertThrows(IllegalArgumentException.class, () -> PageAllocator.builder().granule(12).build());
        assertThrows(IllegalArgumentException.class, () -> PageAllocator.builder().granule(4).build());
        assertThrows(IllegalArgumentException.class, () -> PageAllocator.builder().granule(8192).build());
        assertThrows(IllegalArgumentException.class, () -> PageAllocator.builder().pages(1L << 40).build());
    }

    @Test
    void aFailedMappingIsHeapExhaustionWithTheErrno() {
        PageSource refusing = new FailingPageSource(0);
        HeapExhaustedException e = assertThrows(HeapExhaustedException.class,
                () -> PageAllocator.builder().pageSource(refusing).build());
        assertEquals(VirtualMemory.ENOMEM, e.errno());
        assertTrue(e.getCause() instanceof NativeMemoryException);
    }

    @Test
    void closeUnmapsThePage() {
        PageAllocator other = PageAllocator.builder().build();
        long base = other.base();
        other.close();
        assertTrue(ProcessMemory.mappingOf(base).map(m -> m.start() != base || m.size() != 4096).orElse(true));
    }
}
