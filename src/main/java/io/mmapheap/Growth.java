package io.mmapheap;

/**
 * What a heap does when its regions have no room for a request, and which requests never go to
 * the regions: {@link ElasticGrowth} maps regions on demand and gives large requests mappings of
 * their own; {@link FixedMapping} is one mapping made at build, which never grows. Called under
 * the heap's lock.
 */
interface Growth {

    /** @return whether a request of {@code size} bytes gets a dedicated mapping instead of a place in the regions */
    boolean isLarge(long size);

    /**
     * @return whether a chunk that a reallocation grows to {@code size}, and that must move, moves
     *         into a dedicated mapping ({@link #mapLarge}) rather than back into the regions: one
     *         that later grows again is then remapped, neither copied nor faulted in again. True
     *         for every {@link #isLarge} size.
     */
    boolean movesToMapping(long size);

    /** @return the most bytes the heap may ever map (its page limit, or its one mapping), or 0 if unbounded */
    long limitBytes();

    /** @return whether {@link #noRoom} may map memory now; false if it can only refuse */
    boolean grows();

    /**
     * No region has room for n granules at the alignment.
     *
     * @param group the thread group whose regions the request prefers ({@link Regions#bandFor})
     * @return the chunk's address, allocated in a region mapped for it or a dedicated mapping
     * @throws HeapExhaustedException if the request cannot be served
     */
    long noRoom(long size, int n, long alignment, boolean zero, int group);

    /**
     * A dedicated mapping for a large request ({@link #isLarge}): a kept one reused, or a new one.
     *
     * @throws HeapExhaustedException if the page limit or the system refuses
     */
    long mapLarge(long size, long alignment, boolean zero);

    /**
     * Commits more of region r, if it has reserved pages past its end, so that the live chunk at
     * {@code address} can grow in place to n granules; the page limit and the system may say no.
     *
     * @return whether the granules after the chunk now reach n; false, changing nothing, if not
     */
    boolean commitForGrowth(int r, long address, int n);

    /**
     * After a reallocate moved a chunk out of region r: the free pages this left at its end may go back.
     *
     * @return the bytes given back
     */
    long movedOut(int r);

    /**
     * Gives the pages of regions that hold no chunk back to their reservations: all but the first
     * {@code keepBytes} of such regions in mapping order (which first fit fills first), and of
     * those only the ones found empty by an earlier call at least {@code emptyForNanos} before.
     *
     * @return the bytes given back
     */
    long releaseEmpty(long keepBytes, long emptyForNanos);

    /** @return the committed bytes of the regions that hold no chunk: what {@code releaseEmpty(0, 0)} would give back */
    long emptyBytes();

    /**
     * Agrees to {@code pages} more pages being mapped, or refuses.
     *
     * @throws HeapExhaustedException if the heap's page limit would be passed
     */
    void reservePages(long pages, long size);

    /** @throws IllegalStateException if the heap holds more than its policy allows */
    void verify();
}
