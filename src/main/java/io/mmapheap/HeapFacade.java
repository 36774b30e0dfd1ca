package io.mmapheap;

/**
 * What {@link ElasticHeap} and {@link PageAllocator} share: every {@link Allocator} call goes to the
 * {@link Heap} behind them. Forwarding only: no method here is meant to be overridden.
 */
abstract class HeapFacade implements Allocator {

    /** The allocator core, which every call goes to. */
    final Heap core;
    /** The MXBean of a named allocator, set once by its builder; null without a name. */
    volatile AllocatorBean bean;

    HeapFacade(Heap core) {
        this.core = core;
    }

    /** @return the classes whose frames a leak report leaves out: this one and {@code facade} */
    static java.util.List<String> frames(Class<? extends HeapFacade> facade) {
        return java.util.List.of(HeapFacade.class.getName(), facade.getName());
    }

    /**
     * Gives the allocator's granule.
     *
     * @return the granule in bytes: the allocation unit and alignment
     */
    public final long granule() {
        return core.granule();
    }

    /**
     * Tells whether freed chunks go to thread caches.
     *
     * @return whether thread caches are on
     */
    public final boolean threadCaching() {
        return core.threadCaching();
    }

    @Override
    public final long allocate(long size) {
        return core.allocate(size);
    }

    @Override
    public final long allocateZeroed(long size) {
        return core.allocateZeroed(size);
    }

    @Override
    public final long allocate(long size, long alignment) {
        return core.allocate(size, alignment);
    }

    @Override
    public final long reallocate(long address, long newSize) {
        return core.reallocate(address, newSize);
    }

    @Override
    public final MemoryBlock allocateBlock(long size) {
        return core.allocateBlock(size);
    }

    @Override
    public final void free(long address) {
        core.free(address);
    }

    @Override
    public final long usableSize(long address) {
        return core.usableSize(address);
    }

    @Override
    public final long trim() {
        return core.trim();
    }

    @Override
    public final void verify() {
        core.verify();
    }

    @Override
    public final HeapStats stats() {
        return core.stats();
    }

    @Override
    public final String pageMap(int maxPages) {
        return core.pageMap(maxPages);
    }

    /**
     * Unmaps every region and dedicated mapping, and unregisters the MXBean of a named allocator. Idempotent.
     *
     * @throws io.mmapheap.os.NativeMemoryException if a munmap fails (the allocator is closed anyway)
     */
    @Override
    public final void close() {
        try {
            core.close();
        } finally {
            AllocatorBean registered = bean;
            // A close that a view in I/O stopped leaves the allocator open: it stays registered.
            if (registered != null && core.isClosed()) {
                registered.unregister();
            }
        }
    }
}
