package io.mmapheap;

import io.mmapheap.os.NativeMemoryException;
import io.mmapheap.os.VirtualMemory;

/**
 * Where the allocators get their pages: the seam between allocation policy and the operating
 * system. The default is {@link #mmap()}; tests substitute sources that fail on demand.
 */
public interface PageSource {

    /**
     * Gives the size of the pages this source maps.
     *
     * @return the page size in bytes, a power of two
     */
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
     * Reserves address space that is not yet readable or writable: it takes no memory and no
     * commit charge until {@link #commit} opens part of it, and {@link #unmap} returns it. The
     * default maps it readable and writable outright, so that a source need only know {@link #map}.
     *
     * @param bytes a positive multiple of {@link #pageSize()}
     * @return the page-aligned start address
     * @throws NativeMemoryException if the system refuses
     */
    default long reserve(long bytes) {
        return map(bytes);
    }

    /**
     * Makes pages of a {@link #reserve}d range readable and writable; they read as zero. The default
     * does nothing, since its reservations are mapped in full.
     *
     * @param address page-aligned, inside a reservation
     * @param bytes   a positive multiple of {@link #pageSize()}
     * @throws NativeMemoryException if the system refuses (ENOMEM when the commit charge is refused);
     *                               the range is then unchanged
     */
    default void commit(long address, long bytes) {
    }

    /**
     * Returns committed pages of a {@link #reserve}d range to reserved-only: their memory goes back
     * to the system, they are no longer readable or writable, and they read as zero once
     * {@link #commit}ted again. The default {@link #discard}s them, since its reservations are
     * mapped in full.
     *
     * @param address page-aligned, inside a reservation
     * @param bytes   a positive multiple of {@link #pageSize()}
     * @throws NativeMemoryException if the system refuses
     */
    default void decommit(long address, long bytes) {
        discard(address, bytes);
    }

    /**
     * Returns memory obtained from {@link #map} or {@link #reserve} to the system.
     *
     * @param address the start address {@code map} or {@code reserve} returned
     * @param bytes   the length it was given
     * @throws NativeMemoryException if the system refuses
     */
    void unmap(long address, long bytes);

    /**
     * Tells the system the pages' contents are no longer needed: they stop counting toward RSS and
     * read as zero when touched again, while the range stays mapped.
     *
     * @param address page-aligned, inside memory from {@link #map} or a committed part of a reservation
     * @param bytes   a positive multiple of {@link #pageSize()}
     * @throws NativeMemoryException if the system refuses
     */
    void discard(long address, long bytes);

    /**
     * Resizes memory obtained from {@link #map}, keeping min(old, new) bytes of its contents; the
     * result may be at a new address. The default maps anew, copies and unmaps the old memory;
     * the mmap source moves the pages themselves with {@code mremap}.
     *
     * @param address  the start address {@code map} returned
     * @param oldBytes the memory's current length, a positive multiple of {@link #pageSize()}
     * @param newBytes the length wanted, a positive multiple of {@link #pageSize()}
     * @return the start address of the resized memory
     * @throws NativeMemoryException if the system refuses; the old memory is then unchanged
     */
    default long remap(long address, long oldBytes, long newBytes) {
        long moved = map(newBytes);
        RawMemory.copy(address, moved, Math.min(oldBytes, newBytes));
        unmap(address, oldBytes);
        return moved;
    }

    /**
     * Gives the default source.
     *
     * @return the source that maps anonymous private pages with {@code mmap}
     */
    static PageSource mmap() {
        return MmapPageSource.INSTANCE;
    }
}
