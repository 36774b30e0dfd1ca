package io.mmapheap;

import io.mmapheap.os.NativeMemoryException;
import io.mmapheap.os.VirtualMemory;

/**
 * Maps real pages until the {@code failAt}-th call of map or reserve (0-based), and commits until the
 * {@code failCommitAt}-th commit, which fail with ENOMEM; counts calls.
 */
final class FailingPageSource implements PageSource {

    private final int failAt;
    private final int failCommitAt;
    int maps;
    int commits;
    int unmaps;

    FailingPageSource(int failAt) {
        this(failAt, -1);
    }

    FailingPageSource(int failAt, int failCommitAt) {
        this.failAt = failAt;
        this.failCommitAt = failCommitAt;
    }

    private static NativeMemoryException enomem(String call) {
        return new NativeMemoryException(call, VirtualMemory.ENOMEM, VirtualMemory.strerror(VirtualMemory.ENOMEM));
    }

    @Override
    public long pageSize() {
        return VirtualMemory.pageSize();
    }

    @Override
    public long map(long bytes) {
        if (maps++ == failAt) {
            throw enomem("mmap(length=" + bytes + ")");
        }
        return PageSource.mmap().map(bytes);
    }

    @Override
    public long reserve(long bytes) {
        if (maps++ == failAt) {
            throw enomem("mmap(length=" + bytes + ", PROT_NONE)");
        }
        return PageSource.mmap().reserve(bytes);
    }

    @Override
    public void commit(long address, long bytes) {
        if (commits++ == failCommitAt) {
            throw enomem("mprotect(length=" + bytes + ")");
        }
        PageSource.mmap().commit(address, bytes);
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
