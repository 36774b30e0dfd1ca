package io.mmapheap;

/**
 * A memory allocator over pages mapped from the operating system. Addresses are raw virtual
 * addresses usable with {@link RawMemory}; sizes are in bytes. All bookkeeping lives outside the
 * memory handed out, so every byte of every mapped page can be allocated.
 *
 * <p>Implementations are safe for use by many threads. After {@link #close()} every method but
 * {@code close()} throws {@link IllegalStateException}.
 */
public interface Allocator extends AutoCloseable {

    /**
     * Allocates a chunk of at least {@code size} bytes, rounded up to the allocator's granule.
     *
     * @param size bytes, &gt; 0
     * @return the chunk's start address, aligned to the granule
     * @throws IllegalArgumentException if size &lt;= 0 or above what this allocator can ever serve
     * @throws HeapExhaustedException   if there is no room now (memory full, page limit, or mmap refused)
     * @throws IllegalStateException    if the allocator is closed
     */
    long allocate(long size);

    /**
     * Frees the whole chunk that starts at {@code address}. {@code free(0)} does nothing, like {@code free(NULL)}.
     *
     * @throws IllegalArgumentException if address is not the start of a live chunk of this allocator
     *                                  (foreign, interior or already freed); the message says which,
     *                                  and the allocator is left exactly as it was
     * @throws IllegalStateException    if the allocator is closed
     */
    void free(long address);

    /**
     * @return the bytes usable in the live chunk that starts at {@code address} (&gt;= the size requested)
     * @throws IllegalArgumentException if address is not the start of a live chunk of this allocator
     * @throws IllegalStateException    if the allocator is closed
     */
    long usableSize(long address);

    /**
     * Walks all metadata and checks every invariant (no overlap, free runs maximal, indexes and
     * counters consistent). Expensive: for tests and debugging.
     *
     * @throws IllegalStateException naming the first broken invariant, or if the allocator is closed
     */
    void verify();

    /**
     * @return a snapshot of the allocator's counters
     * @throws IllegalStateException if the allocator is closed
     */
    HeapStats stats();

    /**
     * Draws the mapped pages, one row of characters per 64 granules: {@code #} a chunk's first
     * granule, {@code =} the rest of a chunk, {@code .} a free granule.
     *
     * @param maxPages draw at most this many pages (a line at the end counts the rest)
     * @return the picture, one or more lines per page
     * @throws IllegalStateException if the allocator is closed
     */
    String pageMap(int maxPages);

    /** Unmaps all memory; idempotent. Any address handed out becomes invalid. */
    @Override
    void close();
}
