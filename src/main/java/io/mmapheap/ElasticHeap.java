package io.mmapheap;

import org.apache.commons.lang3.Validate;

import io.mmapheap.os.NativeMemoryException;
import io.mmapheap.os.ProcessMemory;

/**
 * A first-fit heap that maps memory only on demand: Part B of the labs generalized (Part B is
 * granule 256, at most 4 pages, one page per growth step).
 *
 * <h2>Placement</h2>
 * Memory comes in growth steps ("regions"): each reserves {@code growthPages} pages of address space
 * ({@code PROT_NONE}: no memory, no commit charge) and commits (makes readable and writable) only the
 * pages requests need, in the order regions were made. A request of n granules goes to the lowest
 * fitting offset of the first region, in that order, with a free run of n granules. Only when no
 * region has one does the heap commit more: the pages the first region whose free end plus
 * reserved rest fits the request lacks, or else a new step, of which it commits what the request
 * needs (in either case up to 1/{@value #COMMIT_FRACTION} of what is committed already, if more). So a new page is committed only when no committed page has room, small heaps stay small,
 * and the pages of a step are contiguous: chunks freed side by side serve a request as long as both.
 * Successive steps need not be adjacent, so a chunk never crosses a region boundary. A request
 * larger than a step (and not above {@code largeThreshold}) gets a region of its own pages plus half
 * as many reserved, so that a chunk that keeps growing by {@code reallocate} grows in place (it
 * commits the pages after it) and moves O(log) times; when it moves, the free pages it leaves at its
 * region's end go back to the reservation. Requests above {@code largeThreshold}, and aligned
 * requests above the page size that no region can place, get a dedicated mapping of whole pages,
 * like glibc's {@code M_MMAP_THRESHOLD}; when freed, such a mapping is kept for the next large
 * request of its size (up to {@link Builder#keptBytes}, 32 MiB by default) or unmapped. Other freed
 * memory stays committed for reuse; {@link #trim()} releases whole free pages and the kept mappings.
 * {@link HeapStats#bytesMapped()} counts committed pages, {@link HeapStats#reservedBytes()} the rest.
 *
 * <h2>Thread caches</h2>
 * By default each thread keeps a small cache of the chunks it freed, by size class, and serves its
 * requests of up to 32 KiB from it without the lock (see {@link AllocatorBuilder#threadCache}): those
 * requests round up to their class, and a cached chunk goes to the next request of its class rather
 * than to the exact first fit. With caches on, placement is also segregated by size once the heap
 * has committed a few pages: chunks of at most 64 bytes, of at most 256 bytes and longer ones get
 * regions of their own (each still first fit), so that freeing the chunks of one size leaves runs
 * as long as they were rather than holes between chunks of another. {@code threadCache(false)}
 * gives the exact first-fit heap described above for every request.
 *
 * <h2>Defaults</h2>
 * granule {@value #DEFAULT_GRANULE} bytes, growth step {@value #DEFAULT_GROWTH_PAGES} pages,
 * large threshold {@value #DEFAULT_LARGE_THRESHOLD} bytes (glibc's default mmap threshold), no page
 * limit, no automatic trim, thread caches on. One lock per heap, which the cached fast path does not take.
 */
public final class ElasticHeap extends ArenaAllocator {

    /** Default allocation unit and alignment, bytes. */
    public static final int DEFAULT_GRANULE = 16;
    /** Default pages per growth step: address space reserved at a time, committed as needed. */
    public static final int DEFAULT_GROWTH_PAGES = 16;
    /** Default size above which a request gets its own mapping, bytes. */
    public static final long DEFAULT_LARGE_THRESHOLD = 128 * 1024;
    /** Default bytes of freed dedicated mappings kept for reuse: 32 MiB, glibc's largest dynamic mmap threshold. */
    public static final long DEFAULT_KEPT_BYTES = 32L << 20;
    /** With no page limit, the largest request served: 2^46 bytes (64 TiB), a quarter of the user address space. */
    public static final long UNLIMITED_MAX_REQUEST = 1L << 46;

    /** A commit may take up to 1/this of the bytes committed so far, beyond what the request needs. */
    static final long COMMIT_FRACTION = 32;
    /** Mappings within this many of vm.max_map_count count as "at the limit". */
    private static final int MAP_COUNT_MARGIN = 16;

    private final long maxPages;
    private final int growthPages;
    private final long largeThreshold;

    private ElasticHeap(Builder b, long maxRequest) {
        super("ElasticHeap", b, maxRequest, false, b.growthPages, b.largeThreshold, b.maxPages == 0 ? b.keptBytes : 0);
        this.maxPages = b.maxPages;
        this.growthPages = b.growthPages;
        this.largeThreshold = b.largeThreshold;
    }

    /** @return a builder with the documented defaults */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    boolean isLarge(long size) {
        return size > largeThreshold;
    }

    /** At {@code maxPages} the heap cannot grow; below it, whether it may is {@link #noRoom}'s to say. */
    @Override
    boolean grows() {
        return maxPages == 0 || pagesMapped() < maxPages;
    }

    @Override
    boolean commitForGrowth(int r, long address, int n) {
        long bytes = arena.bytesToCommitForGrowth(r, address, n);
        if (bytes < 0 || (maxPages != 0 && bytes / pageSize > maxPages - pagesMapped())) {
            return false;
        }
        try {
            commitTail(r, bytes);
        } catch (NativeMemoryException refused) {
            // The chunk moves instead, and that allocation reports what the system says.
            return false;
        }
        regionMapped();
        return true;
    }

    /**
     * A chunk that outgrew its place has moved on, and will not come back: the free pages it left
     * at its region's end go back to the reservation, so that the heap does not hold the old and
     * the new home of every chunk that grows.
     */
    @Override
    void movedOut(int r) {
        long bytes = arena.decommittable(r);
        if (bytes == 0) {
            return;
        }
        try {
            source.decommit(arena.committedEnd(r) - bytes, bytes);
        } catch (NativeMemoryException refused) {
            // The pages stay committed and free: nothing is lost but the memory.
            return;
        }
        arena.decommit(r, bytes);
    }

    /**
     * No region has room: commit more of a region whose reserved tail would fit the request, else
     * reserve a new region of a growth step (or as many pages as the request needs, and half again)
     * and commit what the request needs of it; either commit may run ahead ({@link #commitPages}).
     * Committing little keeps small heaps small; reserving a whole step keeps the memory of one step
     * contiguous, so chunks freed side by side can serve a request as long as both.
     */
    @Override
    long noRoom(long size, int n, long alignment, boolean zero, int stripe) {
        if (alignment > pageSize) {
            // A fresh region is only page aligned: a larger alignment is served by a mapping cut to it.
            return mapDedicated(size, alignment, zero);
        }
        int r = arena.growableFor(n, alignment, stripe);
        if (r >= 0) {
            long needed = arena.bytesToCommit(r, n, alignment) / pageSize;
            reservePages(needed, size);
            long bytes = commitPages(needed, arena.uncommitted(r) / pageSize) * pageSize;
            try {
                commitTail(r, bytes);
            } catch (NativeMemoryException e) {
                throw new HeapExhaustedException("allocate(" + size + "): cannot commit " + bytes / pageSize
                        + " more pages" + mapCountHint(e), e);
            }
        } else {
            long needed = Sizes.roundUp((long) n << granuleShift, pageSize) / pageSize;
            // A request longer than a step gets half as much again reserved: room to grow in place
            // by reallocate, so a chunk that keeps growing moves O(log) times. Reserving costs no memory.
            long pages = needed > growthPages ? needed + needed / 2 : growthPages;
            reservePages(needed, size);
            long committed = commitPages(needed, pages);
            long base = pages == committed ? map(pages, size) : reserve(pages, committed, size);
            r = arena.addRegion(arena.growthBand(n, stripe), base, pages * pageSize, committed * pageSize);
        }
        regionMapped();
        // Region r is the only one with room now, whatever band the new bytes put the request in.
        return arena.allocateIn(r, n, alignment, zero);
    }

    /**
     * Makes {@code bytes} more of region r past its committed end readable and writable.
     *
     * @throws NativeMemoryException if the system refuses; nothing changed then
     */
    private void commitTail(int r, long bytes) {
        source.commit(arena.committedEnd(r), bytes);
        arena.commit(r, bytes);
    }

    /**
     * How many pages to commit when a request needs {@code needed} and the region has
     * {@code available} reserved: the needed ones, or up to 1/{@value #COMMIT_FRACTION} of what the
     * heap has committed, so that a growing heap makes O(log) commits while it is small and one per
     * step once it is large, holding at most that fraction more than it needs.
     */
    private long commitPages(long needed, long available) {
        long ample = Sizes.roundUp(arena.bytesMapped() / COMMIT_FRACTION, pageSize) / pageSize;
        long pages = Math.max(needed, Math.min(available, ample));
        return maxPages == 0 ? pages : Math.max(needed, Math.min(pages, maxPages - pagesMapped()));
    }

    private long map(long pages, long size) {
        try {
            return source.map(pages * pageSize);
        } catch (NativeMemoryException e) {
            throw new HeapExhaustedException("allocate(" + size + "): cannot map " + pages + " more pages"
                    + mapCountHint(e), e);
        }
    }

    /** Reserves {@code pages} and commits the first {@code committed} of them, or leaves nothing mapped. */
    private long reserve(long pages, long committed, long size) {
        long base;
        try {
            base = source.reserve(pages * pageSize);
        } catch (NativeMemoryException e) {
            throw new HeapExhaustedException("allocate(" + size + "): cannot reserve " + pages + " more pages"
                    + mapCountHint(e), e);
        }
        try {
            source.commit(base, committed * pageSize);
        } catch (NativeMemoryException e) {
            source.unmap(base, pages * pageSize);
            throw new HeapExhaustedException("allocate(" + size + "): cannot commit " + committed + " more pages"
                    + mapCountHint(e), e);
        }
        return base;
    }

    /**
     * ENOMEM from mmap also means "too many mappings": say so when this process is near
     * vm.max_map_count, so the fix (larger growth steps) is obvious.
     */
    private String mapCountHint(NativeMemoryException e) {
        if (e.errno() != io.mmapheap.os.VirtualMemory.ENOMEM) {
            return "";
        }
        try {
            long limit = ProcessMemory.maxMapCount();
            int held = ProcessMemory.mappingCount();
            if (held + MAP_COUNT_MARGIN >= limit) {
                return " (the process holds " + held + " mappings and vm.max_map_count is " + limit
                        + "; this heap made " + arena.regionCount() + " of them: use larger growthPages)";
            }
        } catch (RuntimeException unreadable) {
            // Without /proc the plain errno has to do.
        }
        return "";
    }

    @Override
    void reservePages(long pages, long size) {
        if (maxPages != 0 && pages > maxPages - pagesMapped()) {
            throw new HeapExhaustedException("allocate(" + size + "): mapping " + pages + " more pages would pass maxPages="
                    + maxPages + " (" + pagesMapped() + " mapped) and no region has room");
        }
    }

    @Override
    public synchronized void verify() {
        super.verify();
        if (maxPages != 0 && pagesMapped() > maxPages) {
            throw new IllegalStateException(pagesMapped() + " pages mapped, above maxPages=" + maxPages);
        }
    }

    /** Configures an {@link ElasticHeap}; every setter is optional. */
    public static final class Builder extends AllocatorBuilder<Builder> {
        private long maxPages;
        private int growthPages = DEFAULT_GROWTH_PAGES;
        private long largeThreshold = DEFAULT_LARGE_THRESHOLD;
        private long keptBytes = DEFAULT_KEPT_BYTES;

        private Builder() {
            super(DEFAULT_GRANULE, true);
        }

        /** @param maxPages limit on all pages the heap maps at once, regions and dedicated mappings (0 = none, the default) */
        public Builder maxPages(long maxPages) {
            this.maxPages = maxPages;
            return this;
        }

        /**
         * @param growthPages pages of address space a region reserves when the heap grows, committed as
         *                    requests need them (default 16; 1 = the lab's one page at a time)
         */
        public Builder growthPages(int growthPages) {
            this.growthPages = growthPages;
            return this;
        }

        /** @param largeThreshold requests above this many bytes get their own mapping (default 128 KiB) */
        public Builder largeThreshold(long largeThreshold) {
            this.largeThreshold = largeThreshold;
            return this;
        }

        /**
         * @param keptBytes bytes of freed dedicated mappings the heap keeps mapped for the next large
         *                  request (at most 8 mappings; a request reuses one of its size up to twice
         *                  its size). {@code trim()} and {@code close()} unmap them. Default
         *                  {@link #DEFAULT_KEPT_BYTES}; 0 unmaps a dedicated mapping when its chunk is
         *                  freed. A heap with {@code maxPages} keeps none, so kept pages never stand
         *                  in the way of its limit.
         */
        public Builder keptBytes(long keptBytes) {
            this.keptBytes = keptBytes;
            return this;
        }

        /**
         * Builds the heap. Maps nothing.
         *
         * @throws IllegalArgumentException for an invalid setting
         */
        public ElasticHeap build() {
            long pageSize = source.pageSize();
            int shift = Sizes.granuleShift(granule, pageSize);
            Validate.isTrue(maxPages >= 0, "maxPages must be >= 0 (0 = no limit), was %d", maxPages);
            Validate.isTrue(growthPages > 0, "growthPages must be > 0, was %d", growthPages);
            Validate.isTrue(largeThreshold > 0, "largeThreshold must be > 0, was %d", largeThreshold);
            Validate.isTrue(keptBytes >= 0, "keptBytes must be >= 0 (0 = unmap on free), was %d", keptBytes);
            long granuleLimit = ((long) Integer.MAX_VALUE) << shift;
            Validate.isTrue((long) growthPages * pageSize <= granuleLimit && largeThreshold <= granuleLimit,
                    "growthPages * pageSize and largeThreshold must be at most 2^31-1 granules (%d bytes)", granuleLimit);
            if (maxPages > 0) {
                long regions = (maxPages + growthPages - 1) / growthPages;
                long limit = ProcessMemory.maxMapCount();
                Validate.isTrue(regions < limit, "maxPages=%d in growth steps of %d pages may need %d mappings, more than "
                        + "the kernel allows a process (vm.max_map_count=%d): raise growthPages", maxPages, growthPages,
                        regions, limit);
            }
            return new ElasticHeap(this, maxPages == 0 ? UNLIMITED_MAX_REQUEST : maxPages * pageSize);
        }
    }
}
