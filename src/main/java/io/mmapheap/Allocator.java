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
     * Allocates a chunk of at least {@code size} bytes that reads as zero (calloc). Only memory
     * handed out before is cleared: pages fresh from the system are zero already.
     *
     * @param size bytes, &gt; 0
     * @return the chunk's start address, aligned to the granule
     * @throws IllegalArgumentException if size &lt;= 0 or above what this allocator can ever serve
     * @throws HeapExhaustedException   if there is no room now
     * @throws IllegalStateException    if the allocator is closed
     */
    long allocateZeroed(long size);

    /**
     * Allocates a chunk of at least {@code size} bytes at an address that is a multiple of
     * {@code alignment} (posix_memalign / aligned_alloc). Any power of two is accepted: up to the
     * granule it changes nothing; page-sized and larger alignments are served too.
     *
     * @param size      bytes, &gt; 0
     * @param alignment bytes, a power of two
     * @return the chunk's start address, a multiple of {@code alignment} and of the granule
     * @throws IllegalArgumentException if size &lt;= 0, too large, or alignment is not a power of two
     * @throws HeapExhaustedException   if there is no room now
     * @throws IllegalStateException    if the allocator is closed
     */
    long allocate(long size, long alignment);

    /**
     * Resizes a chunk (realloc). Shrinking happens in place, the tail becoming free; growing
     * happens in place when the granules after the chunk are free, otherwise a new chunk is
     * allocated, min(old, new) bytes are copied and the old chunk is freed.
     * {@code reallocate(0, n)} is {@code allocate(n)}; {@code reallocate(p, 0)} frees p and returns 0.
     *
     * @param address the start of a live chunk of this allocator, or 0
     * @param newSize bytes, &gt;= 0
     * @return the chunk's address, which may differ from {@code address}; 0 after a free, or for an
     *         invalid address under a {@link CheckLevel} that does not throw
     * @throws IllegalArgumentException if newSize &lt; 0 or too large, or (at {@link CheckLevel#THROW})
     *                                  address is not the start of a live chunk
     * @throws HeapExhaustedException   if the chunk must move and there is no room; it is left unchanged
     * @throws IllegalStateException    if the allocator is closed
     */
    long reallocate(long address, long newSize);

    /**
     * Releases every whole page that holds no live chunk (malloc_trim): the pages stay mapped but
     * stop counting toward RSS and read as zero when next handed out.
     *
     * @return bytes released
     * @throws IllegalStateException if the allocator is closed
     */
    long trim();

    /**
     * Allocates a chunk of {@code size} bytes behind a checked view: bounds-checked access, and any
     * use after it is freed (or the allocator closed) throws instead of touching memory.
     *
     * @param size bytes, &gt; 0
     * @return the block, live until its {@link MemoryBlock#free()} or this allocator's close
     * @throws IllegalArgumentException if size &lt;= 0 or above what this allocator can ever serve
     * @throws HeapExhaustedException   if there is no room now
     * @throws IllegalStateException    if the allocator is closed
     */
    MemoryBlock allocateBlock(long size);

    /**
     * Frees the whole chunk that starts at {@code address}. {@code free(0)} does nothing, like {@code free(NULL)}.
     *
     * @param address the start of a live chunk of this allocator, or 0
     * @throws IllegalArgumentException if address is not the start of a live chunk of this allocator
     *                                  (foreign, interior or already freed) and the {@link CheckLevel}
     *                                  is THROW; the message says which. At every level the allocator
     *                                  is left exactly as it was
     * @throws IllegalStateException    if the allocator is closed
     */
    void free(long address);

    /**
     * Tells how many bytes the chunk at {@code address} holds (malloc_usable_size).
     *
     * @param address the start of a live chunk of this allocator
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
     * Reads the allocator's counters (mallinfo2).
     *
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

    /**
     * Prints {@link #stats()} as a malloc_stats-like report.
     *
     * @param out where the report goes
     * @throws IllegalStateException if the allocator is closed
     */
    default void printStats(java.io.PrintStream out) {
        stats().print(out);
    }

    /**
     * Unmaps all memory; idempotent. Any address handed out becomes invalid and every
     * {@link MemoryBlock} dead. Chunks still live are reported: logged at WARNING on
     * {@code io.mmapheap.leaks} by default, or as an {@link IllegalStateException} when the allocator
     * was built with {@code strictClose(true)}; with leak tracking on, the report shows where sampled
     * chunks were allocated. A named allocator's MXBean is unregistered.
     *
     * <p>On JDK 22 and newer, a view of a block that an I/O operation is using at that moment (a
     * channel reading into it) cannot be closed: then every block is dead, nothing is unmapped, the
     * allocator stays open for the raw calls (not for {@code allocateBlock}), and this throws
     * {@link IllegalStateException}; call close again once the operation ended.
     */
    @Override
    void close();
}
