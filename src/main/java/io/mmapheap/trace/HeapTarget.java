package io.mmapheap.trace;

import io.mmapheap.Allocator;

/** An mmapheap {@link Allocator} as a trace target. */
public final class HeapTarget implements TraceTarget {

    private final Allocator heap;

    /**
     * Makes a target of an mmapheap allocator.
     *
     * @param heap the allocator to replay traces on; closed with the target
     */
    public HeapTarget(Allocator heap) {
        this.heap = heap;
    }

    @Override
    public long allocate(long size) {
        return heap.allocate(size);
    }

    @Override
    public long reallocate(long address, long size) {
        return heap.reallocate(address, size);
    }

    @Override
    public void free(long address) {
        heap.free(address);
    }

    @Override
    public boolean owns(long address, long size) {
        try {
            return heap.usableSize(address) >= size;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Override
    public long peakBytesMapped() {
        return heap.stats().peakBytesMapped();
    }

    /**
     * Gives the allocator behind the target.
     *
     * @return the allocator behind the target
     */
    public Allocator heap() {
        return heap;
    }

    @Override
    public void close() {
        heap.close();
    }
}
