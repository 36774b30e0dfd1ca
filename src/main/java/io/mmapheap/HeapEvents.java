package io.mmapheap;

import java.lang.System.Logger.Level;

/**
 * What a heap tells the world as it works, beyond its return values: a JFR event
 * ({@link GrowthEvent}, {@link DedicatedMappingEvent}, {@link TrimEvent}, {@link RefusedEvent})
 * and a DEBUG record on {@value Logs#HEAP_NAME} for each growth, dedicated mapping, release of pages
 * and refused request.
 *
 * <p>Called only on the slow paths, under the heap's lock (a {@code PageAllocator}'s one mapping:
 * while the heap is built): where the heap makes or undoes a mapping or commit, and where a request
 * throws. The allocate and free fast paths (the thread caches) never come here. A disabled event
 * costs the check of {@link jdk.jfr.Event#shouldCommit()}, and a disabled logger a call of
 * {@link System.Logger#isLoggable}; neither builds a string.
 */
final class HeapEvents {

    /** {@link TrimEvent#cause} of {@code trim()}. */
    static final String TRIM_CALL = "trim()";
    /** {@link TrimEvent#cause} of the automatic trim ({@code trimThreshold}). */
    static final String TRIM_THRESHOLD = "trimThreshold";
    /** {@link TrimEvent#cause} of regions that stayed empty going back to their reservations. */
    static final String EMPTY_REGIONS = "empty regions";
    /** {@link TrimEvent#cause} of the free pages a chunk moved by {@code reallocate} left at its region's end. */
    static final String MOVED_OUT = "reallocate moved a chunk out";
    /** {@link TrimEvent#cause} of the pages past a dedicated chunk's new size when a reallocate shrinks it. */
    static final String SHRUNK = "reallocate shrank a dedicated chunk";
    /** {@link TrimEvent#cause} of the pages given back so that a request the limit or the system refused may be served after all. */
    static final String BEFORE_REFUSAL = "before a refusal";

    /** The heap's label ({@link Heap.Shape#label}). */
    private final String heap;

    HeapEvents(String heap) {
        this.heap = heap;
    }

    /**
     * The regions grew.
     *
     * @param committed   bytes made readable and writable
     * @param reserved    bytes of a new region's address space reserved beyond those; 0 for more of an existing region
     * @param newRegion   whether a region was mapped
     * @param bytesMapped the heap's bytes mapped now
     */
    void grew(long committed, long reserved, boolean newRegion, long bytesMapped) {
        GrowthEvent event = new GrowthEvent();
        if (event.shouldCommit()) {
            event.heap = heap;
            event.committed = committed;
            event.reserved = reserved;
            event.newRegion = newRegion;
            event.bytesMapped = bytesMapped;
            event.commit();
        }
        if (Logs.HEAP.isLoggable(Level.DEBUG)) {
            Logs.HEAP.log(Level.DEBUG, "mmapheap " + heap + ": "
                    + (newRegion ? "mapped a region, " + Sizes.human(committed) + " committed and "
                            + Sizes.human(reserved) + " reserved" : "committed " + Sizes.human(committed) + " more of a region")
                    + "; " + Sizes.human(bytesMapped) + " mapped");
        }
    }

    /**
     * A dedicated mapping was made, or one grew by mremap.
     *
     * @param requested bytes the request asked for
     * @param mapped    the mapping's length
     * @param remapped  whether an existing dedicated chunk grew
     */
    void mappedDedicated(long requested, long mapped, boolean remapped) {
        DedicatedMappingEvent event = new DedicatedMappingEvent();
        if (event.shouldCommit()) {
            event.heap = heap;
            event.requested = requested;
            event.mapped = mapped;
            event.remapped = remapped;
            event.commit();
        }
        if (Logs.HEAP.isLoggable(Level.DEBUG)) {
            Logs.HEAP.log(Level.DEBUG, "mmapheap " + heap + ": "
                    + (remapped ? "remapped a dedicated chunk to " : "mapped a dedicated ") + Sizes.human(mapped)
                    + " for a request of " + requested + " bytes");
        }
    }

    /**
     * Pages went back to the system.
     *
     * @param cause    {@link #TRIM_CALL}, {@link #TRIM_THRESHOLD} or {@link #EMPTY_REGIONS}
     * @param released bytes released
     * @return {@code released}
     */
    long released(String cause, long released) {
        TrimEvent event = new TrimEvent();
        if (event.shouldCommit()) {
            event.heap = heap;
            event.released = released;
            event.cause = cause;
            event.commit();
        }
        if (Logs.HEAP.isLoggable(Level.DEBUG)) {
            Logs.HEAP.log(Level.DEBUG, "mmapheap " + heap + ": " + cause + " released " + Sizes.human(released));
        }
        return released;
    }

    /**
     * An allocation request is about to throw {@code refusal}.
     *
     * @param size      bytes requested
     * @param alignment alignment requested, 1 for none
     * @param refusal   a {@link HeapExhaustedException} or an {@link IllegalArgumentException}
     * @return {@code refusal}, for the caller to throw
     */
    <E extends RuntimeException> E refused(long size, long alignment, E refusal) {
        RefusedEvent event = new RefusedEvent();
        if (event.shouldCommit()) {
            event.heap = heap;
            event.requested = size;
            event.alignment = alignment;
            event.exhausted = refusal instanceof HeapExhaustedException;
            event.message = refusal.getMessage();
            event.commit();
        }
        if (Logs.HEAP.isLoggable(Level.DEBUG)) {
            Logs.HEAP.log(Level.DEBUG, "mmapheap " + heap + ": refused a request of " + size + " bytes: " + refusal.getMessage());
        }
        return refusal;
    }
}
