package io.mmapheap;

import io.mmapheap.os.NativeMemoryException;

/**
 * A {@link PageAllocator}'s memory: one mapping of N pages, made when the allocator is built and
 * never grown. Every request is served from it; one that finds no free run is refused.
 */
final class FixedMapping implements Growth {

    private final Regions regions;
    private final int granuleShift;
    private final long base;
    private final long capacity;

    /**
     * Maps the pages and makes them the one region of the regions: a growth, which {@code events} tells of.
     *
     * @throws HeapExhaustedException if the mapping fails
     */
    FixedMapping(Regions regions, PageSource source, HeapEvents events, int granuleShift, long capacity) {
        this.regions = regions;
        this.granuleShift = granuleShift;
        this.capacity = capacity;
        try {
            this.base = source.map(capacity);
        } catch (NativeMemoryException e) {
            throw new HeapExhaustedException("cannot map " + capacity / source.pageSize() + " pages for a PageAllocator", e);
        }
        regions.addRegion(base, capacity);
        events.grew(capacity, 0, true, capacity);
    }

    /** @return the start address of the mapping */
    long base() {
        return base;
    }

    @Override
    public boolean isLarge(long size) {
        return false;
    }

    @Override
    public boolean movesToMapping(long size) {
        return false;
    }

    @Override
    public long limitBytes() {
        return capacity;
    }

    /** The one mapping is all there is. */
    @Override
    public boolean grows() {
        return false;
    }

    @Override
    public long noRoom(long size, int n, long alignment, boolean zero, int group) {
        throw new HeapExhaustedException("allocate(" + size + (alignment > (1L << granuleShift) ? ", alignment " + alignment : "")
                + "): no free run of " + ((long) n << granuleShift) + " bytes; the longest is "
                + ((long) regions.longestFree() << granuleShift) + " of " + (capacity - regions.bytesInUse()) + " free bytes");
    }

    @Override
    public long mapLarge(long size, long alignment, boolean zero) {
        throw new IllegalStateException("a PageAllocator has no large requests");
    }

    @Override
    public boolean commitForGrowth(int r, long address, int n) {
        return false;
    }

    @Override
    public long movedOut(int r) {
        return 0;
    }

    /** The one mapping is the heap: nothing goes back before close. */
    @Override
    public long emptyBytes() {
        return 0;
    }

    @Override
    public long releaseEmpty(long keepBytes, long emptyForNanos) {
        return 0;
    }

    @Override
    public void reservePages(long pages, long size) {
        throw new HeapExhaustedException("allocate(" + size + "): a PageAllocator maps no pages after its one mapping");
    }

    @Override
    public void verify() {
    }
}
