package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.mmapheap.os.NativeMemoryException;
import io.mmapheap.os.VirtualMemory;

/** Faults injected through the {@link PageSource} seam: the heap reports them and loses nothing. */
class FaultInjectionTest {

    private static final long PAGE = 4096;

    /** Real pages; mmap fails on the listed calls, munmap fails while {@code failUnmap} is set. */
    static final class FaultySource implements PageSource {
        final List<Integer> failMaps = new ArrayList<>();
        boolean failUnmap;
        int maps;
        int faultsInjected;

        @Override
        public long pageSize() {
            return PAGE;
        }

        @Override
        public long map(long bytes) {
            if (failMaps.contains(maps++)) {
                faultsInjected++;
                throw new NativeMemoryException("mmap(length=" + bytes + ")", VirtualMemory.ENOMEM, "Cannot allocate memory");
            }
            return PageSource.mmap().map(bytes);
        }

        @Override
        public void unmap(long address, long bytes) {
            if (failUnmap) {
                faultsInjected++;
                throw new NativeMemoryException("munmap(length=" + bytes + ")", VirtualMemory.EINVAL, "Invalid argument");
            }
            PageSource.mmap().unmap(address, bytes);
        }

        @Override
        public void discard(long address, long bytes) {
            PageSource.mmap().discard(address, bytes);
        }
    }

    @Test
    void everyKthMmapFailingLeavesTheHeapIntactAndUsable() {
        for (int k = 0; k < 6; k++) {
            FaultySource source = new FaultySource();
            source.failMaps.add(k);
            try (ElasticHeap heap = ElasticHeap.builder().growthPages(1).pageSource(source).build()) {
                List<Long> chunks = new ArrayList<>();
                int failures = 0;
                for (int i = 0; i < 8; i++) {
                    HeapStats before = heap.stats();
                    try {
                        long a = heap.allocate(PAGE);
                        RawMemory.putLong(a, a);
                        chunks.add(a);
                    } catch (HeapExhaustedException e) {
                        failures++;
                        assertEquals(VirtualMemory.ENOMEM, e.errno());
                        assertTrue(e.getMessage().contains("Cannot allocate memory"), e.getMessage());
                        assertEquals(before, heap.stats(), "a failed growth changes nothing");
                    }
                    heap.verify();
                }
                assertEquals(1, failures, "k=" + k);
                assertEquals(7, chunks.size());
                for (long a : chunks) {
                    assertEquals(a, RawMemory.getLong(a), "contents kept");
                    heap.free(a);
                }
                assertEquals(1, source.faultsInjected);
            }
        }
    }

    @Test
    void aFailedMmapForADedicatedMappingIsReported() {
        FaultySource source = new FaultySource();
        source.failMaps.add(0);
        try (ElasticHeap heap = ElasticHeap.builder().pageSource(source).build()) {
            HeapExhaustedException e = assertThrows(HeapExhaustedException.class, () -> heap.allocate(1 << 20));
            assertEquals(VirtualMemory.ENOMEM, e.errno());
            assertEquals(0, heap.stats().pagesMapped());
            heap.free(heap.allocate(1 << 20));
        }
    }

    @Test
    void aFailedMunmapIsThrownAndTheChunkStaysLive() {
        FaultySource source = new FaultySource();
        ElasticHeap heap = ElasticHeap.builder().pageSource(source).keptBytes(0).build();
        long big = heap.allocate(1 << 20);
        RawMemory.putLong(big, 5);
        source.failUnmap = true;
        NativeMemoryException e = assertThrows(NativeMemoryException.class, () -> heap.free(big));
        assertEquals(VirtualMemory.EINVAL, e.errno());
        assertEquals(1, heap.stats().dedicatedMappings(), "still live");
        assertEquals(1 << 20, heap.usableSize(big));
        assertEquals(5, RawMemory.getLong(big));
        heap.verify();

        long small = heap.allocate(16);
        NativeMemoryException atClose = assertThrows(NativeMemoryException.class, heap::close);
        assertTrue(atClose.getMessage().contains("munmap"), atClose.getMessage());
        assertThrows(IllegalStateException.class, () -> heap.allocate(1), "closed all the same");
        source.failUnmap = false;
        PageSource.mmap().unmap(big, 1 << 20);
        PageSource.mmap().unmap(small, ElasticHeap.DEFAULT_GROWTH_PAGES * PAGE);
        assertEquals(3, source.faultsInjected);
    }

    @Test
    void aHeapThatWouldNeedMoreMappingsThanTheKernelAllowsSaysSoAtBuild() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ElasticHeap.builder().growthPages(1).maxPages(1L << 30).build());
        assertTrue(e.getMessage().contains("vm.max_map_count"), e.getMessage());
        ElasticHeap.builder().growthPages(1 << 16).maxPages(1L << 30).build().close();
    }
}
