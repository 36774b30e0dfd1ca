package io.mmapheap;

/**
 * The lifetime of an allocator's {@link MemoryBlock}s: open until the allocator closes, which it
 * does before it unmaps anything, so that every block (and on JDK 22 and newer every view of one)
 * is dead by the time its memory is gone.
 */
final class BlockScope {

    private volatile boolean open = true;

    /** @return whether the allocator is still open */
    boolean isOpen() {
        return open;
    }

    /** Kills every block of the allocator; called by its close, before it unmaps. */
    void close() {
        open = false;
    }
}
