package io.mmapheap.compat;

import io.mmapheap.CheckLevel;
import io.mmapheap.HeapExhaustedException;
import io.mmapheap.PageAllocator;

/**
 * The lab's {@code alloc.h} in Java: a memory manager over one 4 KiB page with an 8-byte unit,
 * backed by a {@link PageAllocator}. C conventions: {@code 0} plays NULL, status codes are ints,
 * and misuse is answered with NULL or a non-zero code, never an exception. Thread-safe.
 *
 * <pre>
 *   Alloc.initAlloc();
 *   long p = Alloc.alloc(512);     // 0 on failure
 *   Alloc.dealloc(p);
 *   Alloc.cleanup();
 * </pre>
 */
public final class Alloc {

    /** The page size, bytes. */
    public static final int PAGESIZE = 4096;
    /** The allocation unit: sizes must be multiples of it. */
    public static final int MINALLOC = 8;

    /** {@link #initAlloc()}/{@link #cleanup()} result: the call did its work. */
    public static final int OK = 0;
    /** {@link #initAlloc()} result: already initialized; {@link #cleanup()}: not initialized. */
    public static final int ERR_STATE = 1;

    private static PageAllocator heap;

    private Alloc() {
    }

    /**
     * Maps one page and sets up the manager's own bookkeeping.
     *
     * @return 0 on success; {@link #ERR_STATE} if already initialized; the mmap errno if mapping failed
     */
    public static synchronized int initAlloc() {
        if (heap != null) {
            return ERR_STATE;
        }
        try {
            heap = PageAllocator.builder().pages(1).granule(MINALLOC).reportLeaks(false)
                    .checkLevel(CheckLevel.IGNORE).build();
            return OK;
        } catch (HeapExhaustedException e) {
            return e.errno() != 0 ? e.errno() : ERR_STATE;
        }
    }

    /**
     * Tears the manager down and returns the page to the system.
     *
     * @return 0 on success; {@link #ERR_STATE} if not initialized; the munmap errno if unmapping failed
     */
    public static synchronized int cleanup() {
        if (heap == null) {
            return ERR_STATE;
        }
        PageAllocator closing = heap;
        heap = null;
        try {
            closing.close();
            return OK;
        } catch (io.mmapheap.os.NativeMemoryException e) {
            return e.errno();
        }
    }

    /**
     * Allocates from the page (alloc.h {@code alloc}).
     *
     * @param size bytes, a positive multiple of {@link #MINALLOC}
     * @return the address of a size-byte buffer in the page, or 0 (NULL) if not initialized, size is
     *         not a positive multiple of 8, or no free run is large enough
     */
    public static synchronized long alloc(int size) {
        return CSemantics.alloc(heap, size, MINALLOC, PAGESIZE);
    }

    /**
     * Frees the whole chunk an earlier {@link #alloc} returned at {@code ptr}. Like C, anything
     * else (NULL, a foreign, interior or already freed pointer) is ignored, and the page is left intact.
     *
     * @param ptr an address {@link #alloc} returned, or anything else (ignored)
     */
    public static synchronized void dealloc(long ptr) {
        CSemantics.dealloc(heap, ptr);
    }

    /**
     * Gives the allocator behind the facade.
     *
     * @return the allocator behind the facade, for pictures and statistics; null when not initialized
     */
    public static synchronized PageAllocator allocator() {
        return heap;
    }
}
