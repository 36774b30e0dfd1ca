package io.mmapheap;

import org.apache.commons.lang3.Validate;

import io.mmapheap.os.NativeMemoryException;

/**
 * A first-fit allocator over one contiguous mapping of N pages, mapped when it is built: Part A of
 * the labs generalized (Part A is one 4 KiB page with an 8-byte granule). Chunks may span pages.
 *
 * <p>Placement is exact first fit: a request gets the lowest address where enough free granules
 * follow each other. Free space is split (the remainder stays free) and freed chunks coalesce with
 * free neighbours at once. All metadata lives in Java arrays ({@link ChunkMap}), so all N pages are
 * allocatable. Methods are {@code synchronized}: one lock per allocator.
 *
 * <pre>
 *   try (PageAllocator heap = PageAllocator.builder().pages(1).granule(8).build()) {
 *       long a = heap.allocate(512);
 *       RawMemory.putLong(a, 42);
 *       heap.free(a);
 *   }
 * </pre>
 */
public final class PageAllocator implements Allocator {

    /** Default number of pages: one, as in the lab. */
    public static final long DEFAULT_PAGES = 1;
    /** Default granule in bytes: the lab's MINALLOC. */
    public static final int DEFAULT_GRANULE = 8;

    private final PageSource source;
    private final Arena arena;
    private final long base;
    private final long capacity;
    private long peakInUse;
    private boolean closed;

    private PageAllocator(Builder b) {
        this.source = b.source;
        long pageSize = source.pageSize();
        int shift = Sizes.granuleShift(b.granule, pageSize);
        Validate.isTrue(b.pages > 0, "pages must be > 0, was %d", b.pages);
        Validate.isTrue(b.pages <= (((long) Integer.MAX_VALUE) << shift) / pageSize,
                "pages must be at most %d at granule %d (2^31-1 granules), was %d",
                (((long) Integer.MAX_VALUE) << shift) / pageSize, b.granule, b.pages);
        this.capacity = b.pages * pageSize;
        this.arena = new Arena(shift, pageSize, true);
        try {
            this.base = source.map(capacity);
        } catch (NativeMemoryException e) {
            throw new HeapExhaustedException("cannot map " + b.pages + " pages for a PageAllocator", e);
        }
        arena.addRegion(base, capacity);
    }

    /** @return a builder with the defaults: 1 page, 8-byte granule, memory from mmap */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the start address of the mapping */
    public synchronized long base() {
        ensureOpen();
        return base;
    }

    /** @return the mapping's length in bytes; also the largest request that can ever succeed */
    public long capacity() {
        return capacity;
    }

    /** @return the granule in bytes */
    public long granule() {
        return arena.granule();
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if size &lt;= 0 or size &gt; {@link #capacity()}
     * @throws HeapExhaustedException   if no free run is long enough now
     */
    @Override
    public synchronized long allocate(long size) {
        ensureOpen();
        int n = Sizes.granules(size, capacity, Long.numberOfTrailingZeros(arena.granule()));
        long address = arena.allocate(n);
        if (address == 0) {
            throw new HeapExhaustedException("allocate(" + size + "): no free run of " + ((long) n * arena.granule())
                    + " bytes; the longest is " + (arena.longestFree() * arena.granule()) + " of "
                    + (capacity - arena.bytesInUse()) + " free bytes");
        }
        peakInUse = Math.max(peakInUse, arena.bytesInUse());
        return address;
    }

    @Override
    public synchronized void free(long address) {
        ensureOpen();
        if (address == 0) {
            return;
        }
        arena.free(arena.locate(address, "free"), address);
    }

    @Override
    public synchronized long usableSize(long address) {
        ensureOpen();
        return arena.chunkBytes(arena.locate(address, "usableSize"), address);
    }

    @Override
    public synchronized void verify() {
        ensureOpen();
        arena.verify();
    }

    @Override
    public synchronized HeapStats stats() {
        ensureOpen();
        long inUse = arena.bytesInUse();
        return new HeapStats(capacity / source.pageSize(), capacity, inUse, capacity - inUse, arena.freeRuns(),
                arena.longestFree() * arena.granule(), arena.liveChunks(), 1, 0, 0, peakInUse, capacity,
                arena.metadataBytes());
    }

    @Override
    public synchronized String pageMap(int maxPages) {
        ensureOpen();
        StringBuilder out = new StringBuilder();
        int drawn = arena.draw(out, maxPages);
        long pages = capacity / source.pageSize();
        if (drawn < pages) {
            out.append("... ").append(pages - drawn).append(" more pages").append(System.lineSeparator());
        }
        return out.toString();
    }

    /**
     * Unmaps the pages. Idempotent.
     *
     * @throws io.mmapheap.os.NativeMemoryException if munmap fails (the allocator is closed anyway)
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = arena.unmapAll(source);
        if (failure != null) {
            throw failure;
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("PageAllocator is closed");
        }
    }

    /** Configures a {@link PageAllocator}; every setter is optional. */
    public static final class Builder {
        private long pages = DEFAULT_PAGES;
        private int granule = DEFAULT_GRANULE;
        private PageSource source = PageSource.mmap();

        private Builder() {
        }

        /** @param pages pages in the one mapping, &gt; 0 (default 1) */
        public Builder pages(long pages) {
            this.pages = pages;
            return this;
        }

        /** @param granule allocation unit and alignment in bytes: a power of two in [8, page size] (default 8) */
        public Builder granule(int granule) {
            this.granule = granule;
            return this;
        }

        /** @param source where pages come from (default {@link PageSource#mmap()}) */
        public Builder pageSource(PageSource source) {
            this.source = Validate.notNull(source, "source");
            return this;
        }

        /**
         * Maps the pages and builds the allocator.
         *
         * @throws IllegalArgumentException for an invalid setting
         * @throws HeapExhaustedException   if the mapping fails
         */
        public PageAllocator build() {
            return new PageAllocator(this);
        }
    }
}
