package io.mmapheap.trace;

import io.mmapheap.RawMemory;

/**
 * glibc malloc, realloc and free as Java programs reach them ({@link RawMemory#mallocBaseline}:
 * {@code Unsafe.allocateMemory} and friends on JDK 17 to 21, a downcall on 22 and newer): the baseline. How much memory glibc mapped is not observable from here, so its
 * utilization is reported as unknown.
 */
public final class LibcTarget implements TraceTarget {

    /** Makes a target over the C library's allocator; it holds no state of its own. */
    public LibcTarget() {
    }

    @Override
    public long allocate(long size) {
        return RawMemory.mallocBaseline(size);
    }

    @Override
    public long reallocate(long address, long size) {
        return RawMemory.reallocBaseline(address, size);
    }

    @Override
    public void free(long address) {
        RawMemory.freeBaseline(address);
    }

    @Override
    public boolean owns(long address, long size) {
        return true;
    }

    @Override
    public long peakBytesMapped() {
        return -1;
    }

    @Override
    public void close() {
        // Every trace frees all it allocates; nothing is held.
    }
}
