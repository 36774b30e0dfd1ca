package io.mmapheap;

import io.mmapheap.os.NativeMemoryException;
import io.mmapheap.os.VirtualMemory;

/** Maps real pages until the {@code failAt}-th call (0-based), which fails with ENOMEM; counts calls. */
final class FailingPageSource implements PageSource {

    private final int failAt;
    int maps;
    int unmaps;

    FailingPageSource(int failAt) {
        this.failAt = failAt;
    }

    @Override
    public long pageSize() {
        return VirtualMemory.pageSize();
    }

    @Override
    public long map(long bytes) {
        if (maps++ == failAt) {
            throw new NativeMemoryException("mmap(length=" + bytes + ")", VirtualMemory.ENOMEM,
                    VirtualMemory.strerror(VirtualMemory.ENOMEM));
        }
        return PageSource.mmap().map(bytes);
    }

    @Override
    public void unmap(long address, long bytes) {
        unmaps++;
        PageSource.mmap().unmap(address, bytes);
    }

    @Override
    public void discard(long address, long bytes) {
        PageSource.mmap().discard(address, bytes);
    }
}
