package io.mmapheap;

import io.mmapheap.os.VirtualMemory;

/** Anonymous private read-write mappings from {@code mmap}, returned with {@code munmap}. */
final class MmapPageSource implements PageSource {

    static final MmapPageSource INSTANCE = new MmapPageSource();

    private MmapPageSource() {
    }

    @Override
    public long pageSize() {
        return VirtualMemory.pageSize();
    }

    @Override
    public long map(long bytes) {
        return VirtualMemory.mapAnonymous(bytes);
    }

    @Override
    public void unmap(long address, long bytes) {
        VirtualMemory.unmap(address, bytes);
    }

    @Override
    public long remap(long address, long oldBytes, long newBytes) {
        return VirtualMemory.remap(address, oldBytes, newBytes, VirtualMemory.MREMAP_MAYMOVE);
    }

    @Override
    public void discard(long address, long bytes) {
        VirtualMemory.advise(address, bytes, VirtualMemory.MADV_DONTNEED);
    }
}
