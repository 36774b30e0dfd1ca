package io.mmapheap.trace;

import io.mmapheap.internal.Libc;

/**
 * glibc malloc, realloc and free as Java programs reach them ({@code Unsafe.allocateMemory} and
 * friends on JDK 17 to 21, a downcall through the FFM linker on 22 and newer): the baseline. How much
 * memory glibc mapped is not observable from here, so its utilization is reported as unknown.
 */
public final class LibcTarget implements TraceTarget {

    /** Makes a target over the C library's allocator; it holds no state of its own. */
    public LibcTarget() {
    }

    @Override
    public long allocate(long size) {
        return Libc.malloc(size);
    }

    @Override
    public long reallocate(long address, long size) {
        return Libc.realloc(address, size);
    }

    @Override
    public void free(long address) {
        Libc.free(address);
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
