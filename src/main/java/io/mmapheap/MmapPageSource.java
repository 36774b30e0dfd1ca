package io.mmapheap;

import io.mmapheap.os.VirtualMemory;

/**
 * Anonymous private read-write mappings from {@code mmap}, returned with {@code munmap};
 * reservations are {@code PROT_NONE} mappings that {@code mprotect} opens.
 */
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
    public long reserve(long bytes) {
        return VirtualMemory.map(0, bytes, VirtualMemory.PROT_NONE, VirtualMemory.MAP_PRIVATE | VirtualMemory.MAP_ANONYMOUS);
    }

    @Override
    public void commit(long address, long bytes) {
        VirtualMemory.protect(address, bytes, VirtualMemory.PROT_READ | VirtualMemory.PROT_WRITE);
    }

    @Override
    public void decommit(long address, long bytes) {
        // PROT_NONE alone would keep the pages' contents resident: drop them first.
        VirtualMemory.advise(address, bytes, VirtualMemory.MADV_DONTNEED);
        VirtualMemory.protect(address, bytes, VirtualMemory.PROT_NONE);
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
