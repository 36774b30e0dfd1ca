package io.mmapheap;

import io.mmapheap.os.NativeMemoryException;
import io.mmapheap.os.ProcessMemory;
import io.mmapheap.os.VirtualMemory;

/**
 * An {@link ElasticHeap}'s growth: regions reserved a growth step at a time and committed as
 * requests need them, large requests in mappings of their own, all within an optional page limit.
 *
 * <p>A growth step ("region") reserves {@code growthPages} pages of address space with
 * {@code PROT_NONE} and commits only the pages requests need, in the order regions were made. When no
 * region has a free run for a request, the heap commits more: the pages the first region whose free
 * end plus reserved rest fits the request lacks, or else a new step, of which it commits what the
 * request needs (in either case up to 1/{@value #COMMIT_FRACTION} of what is committed already, if
 * more). A request longer than a step gets a region of its own pages plus half as many reserved, so
 * that a chunk that keeps growing by {@code reallocate} commits the pages after it. A chunk that a
 * reallocation moves past half a step takes a mapping of its own ({@link #movesToMapping}); the free
 * pages a moved chunk left at its region's end go back to the reservation once they make a step.
 */
final class ElasticGrowth implements Growth {

    /** A commit may take up to 1/this of the bytes committed so far, beyond what the request needs. */
    static final long COMMIT_FRACTION = 32;
    /** Mappings within this many of vm.max_map_count count as "at the limit". */
    private static final int MAP_COUNT_MARGIN = 16;

    private final Regions regions;
    private final LargeMappings large;
    private final PageSource source;
    private final HeapEvents events;
    private final long pageSize;
    private final int granuleShift;
    /** Limit on all pages mapped at once, regions and dedicated mappings; 0 = none. */
    private final long maxPages;
    private final int growthPages;
    private final long largeThreshold;

    ElasticGrowth(Regions regions, LargeMappings large, PageSource source, HeapEvents events, int granuleShift, long maxPages,
                  int growthPages, long largeThreshold) {
        this.regions = regions;
        this.large = large;
        this.source = source;
        this.events = events;
        this.pageSize = source.pageSize();
        this.granuleShift = granuleShift;
        this.maxPages = maxPages;
        this.growthPages = growthPages;
        this.largeThreshold = largeThreshold;
    }

    private long pagesMapped() {
        return (regions.bytesMapped() + large.dedicatedBytes() + large.keptBytes()) / pageSize;
    }

    @Override
    public boolean isLarge(long size) {
        return size > largeThreshold;
    }

    @Override
    public long limitBytes() {
        return maxPages * pageSize;
    }

    /**
     * Past half a step a chunk no longer shares a region with another of its length, and a chunk
     * that grows by reallocation tends to grow again: it takes a mapping of its own, which grows by
     * remapping (its pages move, none is copied or faulted in again), as glibc grows a chunk past
     * its mmap threshold with {@code mremap}.
     */
    @Override
    public boolean movesToMapping(long size) {
        return isLarge(size) || size > (long) growthPages * pageSize / 2;
    }

    /** At {@code maxPages} the heap cannot grow; below it, whether it may is {@link #noRoom}'s to say. */
    @Override
    public boolean grows() {
        return maxPages == 0 || pagesMapped() < maxPages;
    }

    @Override
    public long mapLarge(long size, long alignment, boolean zero) {
        long address = large.reuse(size, alignment, zero);
        if (address == 0) {
            reservePages(Sizes.roundUp(size, pageSize) / pageSize, size);
            address = large.map(size, alignment);
        }
        return address;
    }

    @Override
    public boolean commitForGrowth(int r, long address, int n) {
        long bytes = regions.bytesToCommitForGrowth(r, address, n);
        if (bytes < 0 || (maxPages != 0 && bytes / pageSize > maxPages - pagesMapped())) {
            return false;
        }
        try {
            commitTail(r, bytes);
        } catch (NativeMemoryException refused) {
            // The chunk moves instead, and that allocation reports what the system says.
            return false;
        }
        events.grew(bytes, 0, false, pagesMapped() * pageSize);
        return true;
    }

    /**
     * A chunk that outgrew its place has moved on, and will not come back: the free pages it left
     * at its region's end go back to the reservation once they make a growth step or more, so that
     * the heap does not hold the old and the new home of every chunk that grows. A shorter tail
     * stays committed: the next requests fill it without a fault, where giving it back would cost
     * a system call now and a fault per page later (glibc likewise trims its heap's top only past
     * {@code M_TRIM_THRESHOLD}); an empty region's pages go at the next look ({@link #releaseEmpty}).
     */
    @Override
    public long movedOut(int r) {
        long bytes = regions.decommittable(r);
        if (bytes < (long) growthPages * pageSize) {
            return 0;
        }
        try {
            source.decommit(regions.committedEnd(r) - bytes, bytes);
        } catch (NativeMemoryException refused) {
            // The pages stay committed and free: nothing is lost but the memory.
            return 0;
        }
        regions.decommit(r, bytes);
        return bytes;
    }

    /**
     * An empty region gives back every page and keeps its reservation, so growth commits it again
     * before it maps new steps. A region counts as empty since the free that emptied it
     * ({@link Regions#emptySince}).
     */
    @Override
    public long emptyBytes() {
        long bytes = 0;
        for (int r = 0; r < regions.regionCount(); r++) {
            if (regions.isEmpty(r)) {
                bytes += regions.decommittable(r);
            }
        }
        return bytes;
    }

    @Override
    public long releaseEmpty(long keepBytes, long emptyForNanos) {
        long now = System.nanoTime();
        long kept = 0;
        long released = 0;
        for (int r = 0; r < regions.regionCount(); r++) {
            if (!regions.isEmpty(r)) {
                continue;
            }
            if (kept < keepBytes) {
                kept += regions.committedEnd(r) - regions.base(r);
                continue;
            }
            long bytes = regions.decommittable(r);
            if (bytes == 0 || now - regions.emptySince(r) < emptyForNanos) {
                continue;
            }
            try {
                source.decommit(regions.committedEnd(r) - bytes, bytes);
            } catch (NativeMemoryException refused) {
                // The pages stay committed and free: nothing is lost but the memory.
                return released;
            }
            regions.decommit(r, bytes);
            released += bytes;
        }
        return released;
    }

    /**
     * No region has room: commit more of a region whose reserved tail would fit the request, else
     * reserve a new region of a growth step (or as many pages as the request needs, and half again)
     * and commit what the request needs of it; either commit may run ahead ({@link #commitPages}).
     */
    @Override
    public long noRoom(long size, int n, long alignment, boolean zero, int group) {
        if (alignment > pageSize) {
            // A fresh region is only page aligned: a larger alignment is served by a mapping cut to it.
            return mapLarge(size, alignment, zero);
        }
        int r = regions.growableFor(n, alignment, group);
        if (r >= 0) {
            long needed = regions.bytesToCommit(r, n, alignment) / pageSize;
            reservePages(needed, size);
            long bytes = commitPages(needed, regions.uncommitted(r) / pageSize) * pageSize;
            try {
                commitTail(r, bytes);
            } catch (NativeMemoryException e) {
                throw new HeapExhaustedException("allocate(" + size + "): cannot commit " + bytes / pageSize
                        + " more pages" + mapCountHint(e), e);
            }
            events.grew(bytes, 0, false, pagesMapped() * pageSize);
        } else {
            long needed = Sizes.roundUp((long) n << granuleShift, pageSize) / pageSize;
            // A request longer than a step gets half as much again reserved: room to grow in place
            // by reallocate before it moves into a mapping of its own. Reserving costs no memory.
            long pages = needed > growthPages ? needed + needed / 2 : growthPages;
            reservePages(needed, size);
            long committed = commitPages(needed, pages);
            long base = pages == committed ? map(pages, size) : reserve(pages, committed, size);
            r = regions.addRegion(regions.growthBand(n, group), base, pages * pageSize, committed * pageSize);
            events.grew(committed * pageSize, (pages - committed) * pageSize, true, pagesMapped() * pageSize);
        }
        // Region r is the only one with room now, whatever band the new bytes put the request in.
        return regions.allocateIn(r, n, alignment, zero);
    }

    /**
     * Makes {@code bytes} more of region r past its committed end readable and writable.
     *
     * @throws NativeMemoryException if the system refuses; nothing changed then
     */
    private void commitTail(int r, long bytes) {
        source.commit(regions.committedEnd(r), bytes);
        regions.commit(r, bytes);
    }

    /**
     * How many pages to commit when a request needs {@code needed} and the region has
     * {@code available} reserved: the needed ones, or up to 1/{@value #COMMIT_FRACTION} of what the
     * heap has committed, so that a growing heap makes O(log) commits while it is small and one per
     * step once it is large, holding at most that fraction more than it needs.
     */
    private long commitPages(long needed, long available) {
        long ample = Sizes.roundUp(regions.bytesMapped() / COMMIT_FRACTION, pageSize) / pageSize;
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
        } catch (RuntimeException e) {
            // A page source's own refusal (a lock over RLIMIT_MEMLOCK): nothing stays mapped either.
            source.unmap(base, pages * pageSize);
            throw e;
        }
        return base;
    }

    /**
     * ENOMEM from mmap also means "too many mappings": say so when this process is near
     * vm.max_map_count, so the fix (larger growth steps) is obvious.
     */
    private String mapCountHint(NativeMemoryException e) {
        if (e.errno() != VirtualMemory.ENOMEM) {
            return "";
        }
        try {
            long limit = ProcessMemory.maxMapCount();
            int held = ProcessMemory.mappingCount();
            if (held + MAP_COUNT_MARGIN >= limit) {
                return " (the process holds " + held + " mappings and vm.max_map_count is " + limit
                        + "; this heap made " + regions.regionCount() + " of them: use larger growthPages)";
            }
        } catch (RuntimeException unreadable) {
            // Without /proc the plain errno has to do.
        }
        return "";
    }

    @Override
    public void reservePages(long pages, long size) {
        if (maxPages != 0 && pages > maxPages - pagesMapped()) {
            throw new HeapExhaustedException("allocate(" + size + "): mapping " + pages + " more pages would pass maxPages="
                    + maxPages + " (" + pagesMapped() + " mapped) and no region has room", pages - (maxPages - pagesMapped()));
        }
    }

    @Override
    public void verify() {
        if (maxPages != 0 && pagesMapped() > maxPages) {
            throw new IllegalStateException(pagesMapped() + " pages mapped, above maxPages=" + maxPages);
        }
    }
}
