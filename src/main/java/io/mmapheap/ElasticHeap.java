package io.mmapheap;

import org.apache.commons.lang3.Validate;

import io.mmapheap.os.NativeMemoryException;

/**
 * A first-fit heap that maps memory only on demand: Part B of the labs generalized (Part B is
 * granule 256, at most 4 pages, one page per growth step).
 *
 * <h2>Placement</h2>
 * Memory comes in growth steps ("regions") of {@code growthPages} pages, mapped one at a time and
 * kept in the order they were mapped. A request of n granules goes to the lowest fitting offset of
 * the first region, in mapping order, with a free run of n granules; a new region is mapped only
 * when no region has one. Successive mappings need not be adjacent, so a chunk never crosses a
 * region boundary. A request larger than a growth step (and not above {@code largeThreshold})
 * gets a region of as many whole pages as it needs. Requests above {@code largeThreshold} get a
 * dedicated mapping of whole pages, unmapped when freed, like glibc's {@code M_MMAP_THRESHOLD}.
 * Freed memory stays mapped for reuse.
 *
 * <h2>Defaults</h2>
 * granule {@value #DEFAULT_GRANULE} bytes, growth step {@value #DEFAULT_GROWTH_PAGES} pages,
 * large threshold {@value #DEFAULT_LARGE_THRESHOLD} bytes (glibc's default mmap threshold), no page
 * limit. Methods are {@code synchronized}: one lock per heap.
 */
public final class ElasticHeap implements Allocator {

    /** Default allocation unit and alignment, bytes. */
    public static final int DEFAULT_GRANULE = 16;
    /** Default pages per growth step. */
    public static final int DEFAULT_GROWTH_PAGES = 16;
    /** Default size above which a request gets its own mapping, bytes. */
    public static final long DEFAULT_LARGE_THRESHOLD = 128 * 1024;
    /** With no page limit, the largest request served: 2^46 bytes (64 TiB), a quarter of the user address space. */
    public static final long UNLIMITED_MAX_REQUEST = 1L << 46;

    private final PageSource source;
    private final long pageSize;
    private final int granuleShift;
    private final long maxPages;
    private final int growthPages;
    private final long largeThreshold;
    private final long maxRequest;
    private final Arena arena;
    private final AddressMap dedicated = new AddressMap();
    private long dedicatedBytes;
    private long peakInUse;
    private long peakMapped;
    private boolean closed;

    private ElasticHeap(Builder b) {
        this.source = b.source;
        this.pageSize = source.pageSize();
        this.granuleShift = Sizes.granuleShift(b.granule, pageSize);
        Validate.isTrue(b.maxPages >= 0, "maxPages must be >= 0 (0 = no limit), was %d", b.maxPages);
        Validate.isTrue(b.growthPages > 0, "growthPages must be > 0, was %d", b.growthPages);
        Validate.isTrue(b.largeThreshold > 0, "largeThreshold must be > 0, was %d", b.largeThreshold);
        long granuleLimit = ((long) Integer.MAX_VALUE) << granuleShift;
        Validate.isTrue((long) b.growthPages * pageSize <= granuleLimit && b.largeThreshold <= granuleLimit,
                "growthPages * pageSize and largeThreshold must be at most 2^31-1 granules (%d bytes)", granuleLimit);
        this.maxPages = b.maxPages;
        this.growthPages = b.growthPages;
        this.largeThreshold = b.largeThreshold;
        this.maxRequest = maxPages == 0 ? UNLIMITED_MAX_REQUEST : maxPages * pageSize;
        this.arena = new Arena(granuleShift, pageSize, false);
    }

    /** @return a builder with the documented defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the granule in bytes */
    public long granule() {
        return 1L << granuleShift;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if size &lt;= 0, or above maxPages pages (or 2^46 bytes with no limit)
     * @throws HeapExhaustedException   if the page limit is reached or mmap fails (errno() tells which)
     */
    @Override
    public synchronized long allocate(long size) {
        ensureOpen();
        Sizes.check(size, maxRequest);
        if (size > largeThreshold) {
            return allocateDedicated(size);
        }
        int n = (int) ((size + (1L << granuleShift) - 1) >>> granuleShift);
        long address = arena.allocate(n);
        if (address == 0) {
            grow(size, n);
            address = arena.allocate(n);
        }
        peakInUse = Math.max(peakInUse, bytesInUse());
        return address;
    }

    private void grow(long size, int n) {
        long needed = Sizes.roundUp((long) n << granuleShift, pageSize) / pageSize;
        long pages = Math.max(growthPages, needed);
        if (maxPages != 0) {
            long room = maxPages - pagesMapped();
            if (needed > room) {
                throw new HeapExhaustedException("allocate(" + size + "): no region has a free run of "
                        + ((long) n << granuleShift) + " bytes and mapping " + needed + " more pages would pass maxPages="
                        + maxPages + " (" + pagesMapped() + " mapped)");
            }
            pages = Math.min(pages, room);
        }
        long base;
        try {
            base = source.map(pages * pageSize);
        } catch (NativeMemoryException e) {
            throw new HeapExhaustedException("allocate(" + size + "): cannot map " + pages + " more pages", e);
        }
        arena.addRegion(base, pages * pageSize);
        peakMapped = Math.max(peakMapped, bytesMapped());
    }

    private long allocateDedicated(long size) {
        long bytes = Sizes.roundUp(size, pageSize);
        if (maxPages != 0 && bytes / pageSize > maxPages - pagesMapped()) {
            throw new HeapExhaustedException("allocate(" + size + "): a dedicated mapping of " + bytes / pageSize
                    + " pages would pass maxPages=" + maxPages + " (" + pagesMapped() + " mapped)");
        }
        long address;
        try {
            address = source.map(bytes);
        } catch (NativeMemoryException e) {
            throw new HeapExhaustedException("allocate(" + size + "): cannot map a dedicated " + bytes + "-byte mapping", e);
        }
        dedicated.put(address, bytes);
        dedicatedBytes += bytes;
        peakInUse = Math.max(peakInUse, bytesInUse());
        peakMapped = Math.max(peakMapped, bytesMapped());
        return address;
    }

    /**
     * {@inheritDoc}
     *
     * @throws io.mmapheap.os.NativeMemoryException if munmap of a dedicated mapping fails; the chunk stays live
     */
    @Override
    public synchronized void free(long address) {
        ensureOpen();
        if (address == 0) {
            return;
        }
        long bytes = dedicated.get(address);
        if (bytes != AddressMap.ABSENT) {
            source.unmap(address, bytes);
            dedicated.remove(address);
            dedicatedBytes -= bytes;
            return;
        }
        arena.free(arena.locate(address, "free"), address);
    }

    @Override
    public synchronized long usableSize(long address) {
        ensureOpen();
        long bytes = dedicated.get(address);
        if (bytes != AddressMap.ABSENT) {
            return bytes;
        }
        return arena.chunkBytes(arena.locate(address, "usableSize"), address);
    }

    @Override
    public synchronized void verify() {
        ensureOpen();
        arena.verify();
        long[] sum = new long[1];
        dedicated.forEach((address, bytes) -> {
            if (arena.regionOf(address) >= 0 || (address & (pageSize - 1)) != 0 || bytes % pageSize != 0) {
                throw new IllegalStateException("dedicated mapping 0x" + Long.toHexString(address) + " of " + bytes
                        + " bytes is misaligned or overlaps a region");
            }
            sum[0] += bytes;
        });
        if (sum[0] != dedicatedBytes) {
            throw new IllegalStateException("dedicated mappings hold " + sum[0] + " bytes; the counter says " + dedicatedBytes);
        }
        if (maxPages != 0 && pagesMapped() > maxPages) {
            throw new IllegalStateException(pagesMapped() + " pages mapped, above maxPages=" + maxPages);
        }
    }

    @Override
    public synchronized HeapStats stats() {
        ensureOpen();
        return new HeapStats(pagesMapped(), bytesMapped(), bytesInUse(), arena.bytesMapped() - arena.bytesInUse(),
                arena.freeRuns(), (long) arena.longestFree() << granuleShift, arena.liveChunks() + dedicated.size(),
                arena.regionCount(), dedicated.size(), dedicatedBytes, peakInUse, peakMapped,
                arena.metadataBytes() + dedicated.metadataBytes());
    }

    @Override
    public synchronized String pageMap(int maxPagesToDraw) {
        ensureOpen();
        StringBuilder out = new StringBuilder();
        int drawn = arena.draw(out, maxPagesToDraw);
        long regionPages = arena.bytesMapped() / pageSize;
        if (drawn < regionPages) {
            out.append("... ").append(regionPages - drawn).append(" more pages").append(System.lineSeparator());
        }
        if (regionPages == 0) {
            out.append("(no pages mapped)").append(System.lineSeparator());
        }
        if (dedicated.size() > 0) {
            out.append(dedicated.size()).append(" dedicated mappings, ").append(dedicatedBytes).append(" bytes")
                    .append(System.lineSeparator());
        }
        return out.toString();
    }

    /**
     * Unmaps every region and dedicated mapping. Idempotent.
     *
     * @throws io.mmapheap.os.NativeMemoryException if a munmap fails (the heap is closed anyway)
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException[] failure = {arena.unmapAll(source)};
        dedicated.forEach((address, bytes) -> {
            try {
                source.unmap(address, bytes);
            } catch (RuntimeException e) {
                if (failure[0] == null) {
                    failure[0] = e;
                }
            }
        });
        if (failure[0] != null) {
            throw failure[0];
        }
    }

    private long pagesMapped() {
        return bytesMapped() / pageSize;
    }

    private long bytesMapped() {
        return arena.bytesMapped() + dedicatedBytes;
    }

    private long bytesInUse() {
        return arena.bytesInUse() + dedicatedBytes;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("ElasticHeap is closed");
        }
    }

    /** Configures an {@link ElasticHeap}; every setter is optional. */
    public static final class Builder {
        private int granule = DEFAULT_GRANULE;
        private long maxPages;
        private int growthPages = DEFAULT_GROWTH_PAGES;
        private long largeThreshold = DEFAULT_LARGE_THRESHOLD;
        private PageSource source = PageSource.mmap();

        private Builder() {
        }

        /** @param granule allocation unit and alignment: a power of two in [8, page size] (default 16) */
        public Builder granule(int granule) {
            this.granule = granule;
            return this;
        }

        /** @param maxPages limit on all pages the heap maps at once, regions and dedicated mappings (0 = none, the default) */
        public Builder maxPages(long maxPages) {
            this.maxPages = maxPages;
            return this;
        }

        /** @param growthPages pages per mapping when the heap grows (default 16; 1 = the lab's one page at a time) */
        public Builder growthPages(int growthPages) {
            this.growthPages = growthPages;
            return this;
        }

        /** @param largeThreshold requests above this many bytes get their own mapping (default 128 KiB) */
        public Builder largeThreshold(long largeThreshold) {
            this.largeThreshold = largeThreshold;
            return this;
        }

        /** @param source where pages come from (default {@link PageSource#mmap()}) */
        public Builder pageSource(PageSource source) {
            this.source = Validate.notNull(source, "source");
            return this;
        }

        /**
         * Builds the heap. Maps nothing.
         *
         * @throws IllegalArgumentException for an invalid setting
         */
        public ElasticHeap build() {
            return new ElasticHeap(this);
        }
    }
}
