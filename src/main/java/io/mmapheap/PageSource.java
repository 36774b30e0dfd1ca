package io.mmapheap;

import io.mmapheap.os.NativeMemoryException;
import io.mmapheap.os.VirtualMemory;

/**
 * Where the allocators get their pages: the seam between allocation policy and the operating
 * system. The default is {@link #mmap()}; tests substitute sources that fail on demand.
 */
public interface PageSource {

    /** @return the page size in bytes, a power of two */
    long pageSize();

    /**
     * Maps fresh, zero-filled, readable and writable memory.
     *
     * @param bytes a positive multiple of {@link #pageSize()}
     * @return the page-aligned start address
     * @throws NativeMemoryException if the system refuses (errno ENOMEM when out of memory)
     */
    long map(long bytes);

    /**
     * Returns memory obtained from {@link #map} to the system.
     *
     * @throws NativeMemoryException if the system refuses
     */
    void unmap(long address, long bytes);

    /**
     * Tells the system the pages' contents are no longer needed: they stop counting toward RSS and
     * read as zero when touched again, while the range stays mapped.
     *
     * @throws NativeMemoryException if the system refuses
     */
    void discard(long address, long bytes);

    /** @return the source that maps anonymous private pages with {@code mmap} */
    static PageSource mmap() {
        return MmapPageSource.INSTANCE;
    }
}
