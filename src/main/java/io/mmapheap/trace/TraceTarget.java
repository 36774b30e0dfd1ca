package io.mmapheap.trace;

/** An allocator under test by the trace driver. Addresses are raw; 0 never denotes a block. */
public interface TraceTarget extends AutoCloseable {

    /** @return the address of at least {@code size} bytes */
    long allocate(long size);

    /** @return the block's new address; contents up to min(old, new) survive */
    long reallocate(long address, long size);

    void free(long address);

    /**
     * @return whether {@code address} starts a block of at least {@code size} bytes in memory this
     *         allocator owns; true where the allocator cannot tell
     */
    boolean owns(long address, long size);

    /** @return the most bytes the allocator had mapped from the system at once, or -1 if unknown */
    long peakBytesMapped();

    /** Releases everything the target holds. */
    @Override
    void close();
}
