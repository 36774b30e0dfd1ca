package io.mmapheap.trace;

/** An allocator under test by the trace driver. Addresses are raw; 0 never denotes a block. */
public interface TraceTarget extends AutoCloseable {

    /**
     * Allocates a block (malloc).
     *
     * @param size bytes, &gt; 0
     * @return the address of at least {@code size} bytes
     */
    long allocate(long size);

    /**
     * Resizes a block (realloc).
     *
     * @param address a live block's address
     * @param size    the size wanted in bytes, &gt; 0
     * @return the block's new address; contents up to min(old, new) survive
     */
    long reallocate(long address, long size);

    /**
     * Frees a block (free).
     *
     * @param address a live block's address
     */
    void free(long address);

    /**
     * Tells whether a block is where the driver believes it is.
     *
     * @param address a block's address
     * @param size    the block's size in bytes
     * @return whether {@code address} starts a block of at least {@code size} bytes in memory this
     *         allocator owns; true where the allocator cannot tell
     */
    boolean owns(long address, long size);

    /**
     * Gives the allocator's peak footprint.
     *
     * @return the most bytes the allocator had mapped from the system at once, or -1 if unknown
     */
    long peakBytesMapped();

    /** Releases everything the target holds. */
    @Override
    void close();
}
