package io.mmapheap;

import org.apache.commons.lang3.Validate;


/**
 * A first-fit allocator over one contiguous mapping of N pages, mapped when it is built: Part A of
 * the labs generalized (Part A is one 4 KiB page with an 8-byte granule). Chunks may span pages.
 *
 * <p>Placement is exact first fit: a request gets the lowest address where enough free granules
 * follow each other. Free space is split (the remainder stays free) and freed chunks coalesce with
 * free neighbours at once. All metadata lives in Java arrays ({@link ChunkMap}), so all N pages are
 * allocatable. There are no dedicated mappings: every request is served from the one mapping.
 * Methods are {@code synchronized}: one lock per allocator.
 *
 * <pre>
 *   try (PageAllocator heap = PageAllocator.builder().pages(1).granule(8).build()) {
 *       long a = heap.allocate(512);
 *       RawMemory.putLong(a, 42);
 *       heap.free(a);
 *   }
 * </pre>
 */
public final class PageAllocator extends HeapFacade {

    /** Default number of pages: one, as in the lab. */
    public static final long DEFAULT_PAGES = 1;
    /** Default granule in bytes: the lab's MINALLOC. */
    public static final int DEFAULT_GRANULE = 8;

    private final long base;
    private final long capacity;

    private PageAllocator(Builder b, long capacity) {
        super(new Heap(new Heap.Shape("PageAllocator", b.name, capacity, true, capacity / b.resolvedSource.pageSize(),
                capacity, 0, frames(PageAllocator.class)), b,
                (regions, large, granuleShift, events) -> new FixedMapping(regions, b.resolvedSource, events, granuleShift, capacity)));
        this.capacity = capacity;
        this.base = core.regions.base(0);
    }

    /**
     * Starts the configuration of a page allocator.
     *
     * @return a builder with the defaults: 1 page, 8-byte granule, memory from mmap
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Gives where the allocator's one mapping starts.
     *
     * @return the start address of the mapping
     */
    public long base() {
        core.ensureOpen();
        return base;
    }

    /**
     * Gives the size of the allocator's one mapping.
     *
     * @return the mapping's length in bytes; also the largest request that can ever succeed
     */
    public long capacity() {
        return capacity;
    }

    /** Configures a {@link PageAllocator}; every setter is optional. */
    public static final class Builder extends AllocatorBuilder<Builder> {
        private long pages = DEFAULT_PAGES;

        private Builder() {
            super(DEFAULT_GRANULE, false);
        }

        /**
         * Sets the size of the allocator's one mapping.
         *
         * @param pages pages in the one mapping, &gt; 0 (default 1)
         * @return this builder
         */
        public Builder pages(long pages) {
            this.pages = pages;
            return this;
        }

        /**
         * Maps the pages and builds the allocator, and registers its MXBean if it has a {@link #name}.
         *
         * @return a new allocator, its pages mapped
         * @throws IllegalArgumentException for an invalid setting
         * @throws HeapExhaustedException   if the mapping fails
         * @throws IllegalStateException    if another open allocator has the name; nothing is mapped then
         */
        public PageAllocator build() {
            long pageSize = resolveSource().pageSize();
            int shift = Sizes.granuleShift(granule, pageSize);
            long maxPages = (((long) Integer.MAX_VALUE) << shift) / pageSize;
            Validate.isTrue(pages > 0, "pages must be > 0, was %d", pages);
            Validate.isTrue(pages <= maxPages, "pages must be at most %d at granule %d (2^31-1 granules), was %d",
                    maxPages, granule, pages);
            checkNameFree();
            PageAllocator allocator = new PageAllocator(this, pages * pageSize);
            allocator.bean = register(allocator, "PageAllocator");
            return allocator;
        }
    }
}
