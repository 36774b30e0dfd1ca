package io.mmapheap;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The lifetime of an allocator's {@link MemoryBlock}s: open until the allocator closes, which it
 * does before it unmaps anything, so that every block, and every view of one, is dead by the time
 * its memory is gone. It also holds the arenas of the blocks that made views (JDK 22 and newer):
 * closing the scope closes them, so a view outliving its allocator throws instead of faulting.
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
     */
    void close(Arena arena) {
        boolean mine;
        synchronized (this) {
            mine = arenas.remove(arena);
        }
        if (mine) {
            arena.close();
        }
    }

    /** Kills every block of the allocator and closes their views; called by its close, before it unmaps. */
    void close() {
        List<Arena> views;
        synchronized (this) {
            open = false;
            views = new ArrayList<>(arenas);
            arenas.clear();
        }
        for (Arena arena : views) {
            arena.close();
        }
    }
}
