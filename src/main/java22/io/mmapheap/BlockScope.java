package io.mmapheap;

import java.lang.foreign.Arena;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;

/**
 * The lifetime of an allocator's {@link MemoryBlock}s: open until the allocator closes, which it
 * does before it unmaps anything, so that every block, and every view of one, is dead by the time
 * its memory is gone. It also holds the arenas of the live blocks that made views (JDK 22 and
 * newer): closing the scope closes them, so a view outliving its allocator throws instead of faulting.
 * Lock order: a block's lock, then this one.
 */
final class BlockScope {

    private volatile boolean open = true;
    /** The arenas of live blocks' views; guarded by this. */
    private final Set<Arena> arenas = new HashSet<>();

    /** @return whether the allocator is still open */
    boolean isOpen() {
        return open;
    }

    /** @return whether the arena was filed; false, filing nothing, if the scope is closed */
    synchronized boolean register(Arena arena) {
        if (!open) {
            return false;
        }
        arenas.add(arena);
        return true;
    }

    /**
     * Closes a block's arena, unless the scope's close did already.
     *
     * @throws IllegalStateException if a view is in use by an I/O operation; the arena stays open and filed
     */
    synchronized void close(Arena arena) {
        if (arenas.contains(arena)) {
            arena.close();
            arenas.remove(arena);
        }
    }

    /**
     * Kills every block of the allocator and closes their views; called by its close, before it
     * unmaps. Views in use by an I/O operation cannot be closed: those stay filed, and the call
     * throws, so that the allocator unmaps nothing yet; a later call closes what is left.
     *
     * @throws IllegalStateException if a view is in use by an I/O operation
     */
    synchronized void close() {
        open = false;
        IllegalStateException inUse = null;
        int busy = 0;
        for (Iterator<Arena> it = arenas.iterator(); it.hasNext();) {
            Arena arena = it.next();
            try {
                arena.close();
                it.remove();
            } catch (IllegalStateException e) {
                busy++;
                inUse = e;
            }
        }
        if (inUse != null) {
            throw new IllegalStateException(busy + " view(s) of this allocator's blocks are in use by an I/O operation:"
                    + " the allocator unmapped nothing and stays open; close it again once they are done", inUse);
        }
    }
}
