package io.mmapheap.compat;

import io.mmapheap.Allocator;
import io.mmapheap.HeapExhaustedException;

/** The C conventions both lab facades share: NULL (0) instead of exceptions. */
final class CSemantics {

    private CSemantics() {
    }

    /**
     * @return a chunk of {@code size} bytes, or 0 (NULL) when there is no heap, size is not a
     *         positive multiple of {@code unit} up to {@code max}, or there is no room
     */
    static long alloc(Allocator heap, int size, int unit, int max) {
        if (heap == null || size <= 0 || size % unit != 0 || size > max) {
            return 0;
        }
        try {
            return heap.allocate(size);
        } catch (HeapExhaustedException e) {
            return 0;
        }
    }

    /**
     * Frees {@code ptr} if there is a heap. Invalid pointers are the heap's business: the facades
     * build it with {@code CheckLevel.IGNORE}, so they change nothing and raise nothing.
     */
    static void dealloc(Allocator heap, long ptr) {
        if (heap != null) {
            heap.free(ptr);
        }
    }
}
