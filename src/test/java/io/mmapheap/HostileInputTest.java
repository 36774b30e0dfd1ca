package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import io.mmapheap.internal.Libc;

/** Odd and hostile input: a clear error every time, and the heap exactly as it was. */
class HostileInputTest {

    private static void rejectedUnchanged(Allocator heap, Class<? extends Throwable> type, Executable call) {
        HeapStats before = heap.stats();
        assertThrows(type, call);
        heap.verify();
        assertEquals(before, heap.stats());
    }

    @Test
    void absurdSizesAreArgumentErrors() {
        for (Allocator heap : List.<Allocator>of(ElasticHeap.builder().maxPages(1024).build(),
                PageAllocator.builder().pages(4).build(), ElasticHeap.builder().build())) {
            try (heap) {
                long keep = heap.allocate(100);
                for (long size : new long[] {0, -1, Long.MIN_VALUE, Long.MAX_VALUE, Long.MAX_VALUE - 4095}) {
                    rejectedUnchanged(heap, IllegalArgumentException.class, () -> heap.allocate(size));
                    rejectedUnchanged(heap, IllegalArgumentException.class, () -> heap.allocateZeroed(size));
                    rejectedUnchanged(heap, IllegalArgumentException.class, () -> heap.allocate(size, 64));
                    rejectedUnchanged(heap, IllegalArgumentException.class, () -> heap.allocateBlock(size));
                    if (size != 0) {
                        rejectedUnchanged(heap, IllegalArgumentException.class, () -> heap.reallocate(keep, size));
                    }
                }
                heap.free(keep);
            }
        }
    }

    @Test
    void justAboveTheLargestServiceableSizeIsAnArgumentErrorAndAtItExhaustionAtMost() {
        try (ElasticHeap heap = ElasticHeap.builder().maxPages(8).build()) {
            rejectedUnchanged(heap, IllegalArgumentException.class, () -> heap.allocate(8 * 4096 + 1));
            heap.free(heap.allocate(8 * 4096));
        }
        try (PageAllocator heap = PageAllocator.builder().pages(2).build()) {
            rejectedUnchanged(heap, IllegalArgumentException.class, () -> heap.allocate(2 * 4096 + 1));
            long keep = heap.allocate(8);
            rejectedUnchanged(heap, HeapExhaustedException.class, () -> heap.allocate(2 * 4096));
            heap.free(keep);
        }
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            rejectedUnchanged(heap, IllegalArgumentException.class, () -> heap.allocate(ElasticHeap.UNLIMITED_MAX_REQUEST + 1));
        }
    }

    @Test
    void alignmentsThatAreNotPowersOfTwoAreRejected() {
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            for (long alignment : new long[] {0, -1, -64, 3, 6, 48, 4097, Long.MAX_VALUE, Long.MIN_VALUE}) {
                rejectedUnchanged(heap, IllegalArgumentException.class, () -> heap.allocate(64, alignment));
            }
        }
    }

    @Test
    void everyAddressInsideAChunkButItsStartIsRejectedByFreeAndReallocate() {
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            long a = heap.allocate(256);
            for (long offset = 1; offset < 256; offset++) {
                long inside = a + offset;
                rejectedUnchanged(heap, IllegalArgumentException.class, () -> heap.free(inside));
                rejectedUnchanged(heap, IllegalArgumentException.class, () -> heap.reallocate(inside, 8));
                rejectedUnchanged(heap, IllegalArgumentException.class, () -> heap.usableSize(inside));
            }
            heap.free(a);
        }
    }

    @Test
    void foreignAndFreedAddressesAreRejectedByReallocate() {
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            long a = heap.allocate(64);
            long b = heap.allocate(64);
            heap.free(a);
            long foreign = Libc.malloc(64);
            try {
                for (long address : new long[] {a, foreign, 8, -4096, Long.MAX_VALUE, b + 4096 * 1024}) {
                    rejectedUnchanged(heap, IllegalArgumentException.class, () -> heap.reallocate(address, 128));
                    rejectedUnchanged(heap, IllegalArgumentException.class, () -> heap.free(address));
                }
            } finally {
                Libc.free(foreign);
            }
            heap.free(b);
        }
    }

    /**
     * The raw API's documented limit: once freed memory has gone to a new owner, the same address
     * is a live chunk again, and a stale second free cannot be told from the owner's own free.
     * MemoryBlock closes that gap: a block's second free throws and leaves the new owner alone.
     */
    @Test
    void aStaleDoubleFreeAfterReuseIsIndistinguishableInTheRawApiButNotThroughBlocks() {
        try (ElasticHeap heap = ElasticHeap.builder().threadCache(false).build()) {
            long a = heap.allocate(64);
            heap.free(a);
            rejectedUnchanged(heap, IllegalArgumentException.class, () -> heap.free(a));
            MemoryBlock first = heap.allocateBlock(64);
            assertEquals(a, first.address());
            first.free();
            MemoryBlock owner = heap.allocateBlock(64);
            assertEquals(a, owner.address(), "first fit hands the memory to a new owner");
            owner.putLong(0, 42);
            rejectedUnchanged(heap, IllegalStateException.class, first::free);
            assertTrue(owner.isLive());
            assertEquals(42, owner.getLong(0));
            owner.free();
        }
    }
}
