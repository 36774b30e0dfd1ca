package io.mmapheap.compat;

import io.mmapheap.CheckLevel;
import io.mmapheap.ElasticHeap;

/**
 * The lab's {@code ealloc.h} in Java: an expandable heap that maps one 4 KiB page at a time, only
 * when no mapped page has room, at most 4 pages, with a 256-byte unit; backed by an
 * {@link ElasticHeap}. C conventions: {@code 0} plays NULL; misuse gets NULL, never an exception.
 * Thread-safe.
 */
public final class EAlloc {

    /** The page size, bytes; also the largest request. */
    public static final int PAGESIZE = 4096;
    /** The allocation unit: sizes must be multiples of it. */
    public static final int MINALLOC = 256;
    /** The most pages the heap maps. */
    public static final int MAX_PAGES = 4;

    private static ElasticHeap heap;

    private EAlloc() {
    }

    /** Sets up the bookkeeping; maps no page. Calling it again starts over with an empty heap. */
    public static synchronized void initAlloc() {
        if (heap != null) {
            heap.close();
        }
        heap = ElasticHeap.builder().granule(MINALLOC).maxPages(MAX_PAGES).growthPages(1).threadCache(false)
                .largeThreshold(PAGESIZE).reportLeaks(false)
                .checkLevel(CheckLevel.IGNORE).build();
    }

    /**
     * Allocates from the heap (ealloc.h {@code alloc}).
     *
     * @param size bytes, a positive multiple of {@link #MINALLOC}, at most {@link #PAGESIZE}
     * @return the address of a size-byte buffer, or 0 (NULL) if not initialized, the size is invalid,
     *         or no page has room and 4 pages are already mapped
     */
    public static synchronized long alloc(int size) {
        return CSemantics.alloc(heap, size, MINALLOC, PAGESIZE);
    }

    /**
     * Frees the chunk at {@code ptr}; anything else is ignored and the heap is left intact.
     *
     * @param ptr an address {@link #alloc} returned, or anything else (ignored)
     */
    public static synchronized void dealloc(long ptr) {
        CSemantics.dealloc(heap, ptr);
    }

    /** Clears the manager's state and returns its pages to the system. */
    public static synchronized void cleanup() {
        if (heap != null) {
            heap.close();
            heap = null;
        }
    }

    /**
     * Gives the heap behind the facade.
     *
     * @return the heap behind the facade, for pictures and statistics; null when not initialized
     */
    public static synchronized ElasticHeap allocator() {
        return heap;
    }
}
