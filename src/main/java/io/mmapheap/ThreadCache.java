package io.mmapheap;

/**
 * One thread's cache of freed chunks for one allocator: a stack ("bin") per {@link SizeClasses}
 * class, of chunks whose length is exactly the class's. Only the owning thread pushes and pops;
 * the allocator flushes a cache under its lock, from the owning thread or once that thread has died.
 *
 * <p>Each entry keeps the chunk's address together with the {@link ChunkMap} and offset that mark it
 * cached, so handing it out again needs no region lookup. The cache also remembers the region the
 * thread last freed into, which most frees hit.
 */
final class ThreadCache {

    /** Bytes of chunks a bin may hold, which sets its capacity... */
    static final long BIN_BYTES = 32 * 1024;
    /** ...between these counts. */
    static final int MIN_CAPACITY = 4;
    static final int MAX_CAPACITY = 32;

    /** The owning thread; a cache is only ever used by it, or flushed once it has ended. */
    final Thread owner;
    private final int[] capacity;
    private final int[] count;
    private final long[] addresses;
    private final ChunkMap[] maps;
    private final int[] offsets;

    /** The region of the last cached free: [recentBase, recentEnd), or empty. */
    long recentBase;
    long recentEnd;
    ChunkMap recentMap;

    ThreadCache(Thread owner, SizeClasses classes, int granuleShift) {
        this.owner = owner;
        int bins = classes.count();
        this.capacity = new int[bins];
        this.count = new int[bins];
        for (int c = 0; c < bins; c++) {
            long bytes = (long) classes.granules(c) << granuleShift;
            capacity[c] = (int) Math.max(MIN_CAPACITY, Math.min(MAX_CAPACITY, BIN_BYTES / bytes));
        }
        this.addresses = new long[bins * MAX_CAPACITY];
        this.maps = new ChunkMap[bins * MAX_CAPACITY];
        this.offsets = new int[bins * MAX_CAPACITY];
    }

    /** @return whether the owning thread has ended, so another thread may flush this cache */
    boolean ownerDead() {
        return !owner.isAlive();
    }

    /** @return whether bin c is full */
    boolean isFull(int c) {
        return count[c] == capacity[c];
    }

    /** @return the chunks in bin c */
    int size(int c) {
        return count[c];
    }

    /** @return the number of bins */
    int bins() {
        return count.length;
    }

    /** Pushes a chunk the caller marked cached in {@code map}; bin c is not full. */
    void push(int c, long address, ChunkMap map, int offset) {
        int slot = c * MAX_CAPACITY + count[c]++;
        addresses[slot] = address;
        maps[slot] = map;
        offsets[slot] = offset;
    }

    /**
     * Pops the most recently pushed chunk of bin c and clears its cached mark.
     *
     * @return its address, or 0 if the bin is empty
     */
    long pop(int c) {
        int n = count[c];
        if (n == 0) {
            return 0;
        }
        int slot = c * MAX_CAPACITY + n - 1;
        count[c] = n - 1;
        // The map reference stays in the slot: regions live as long as the allocator, and not
        // clearing it spares a GC write barrier on every pop.
        maps[slot].unmarkCached(offsets[slot]);
        return addresses[slot];
    }

    /**
     * Removes the {@code k} oldest chunks of bin c into {@code out} (addresses), for the caller to
     * free under the lock. Their marks stay until that free, so no other free can claim them first.
     */
    void takeOldest(int c, int k, long[] out) {
        int base = c * MAX_CAPACITY;
        System.arraycopy(addresses, base, out, 0, k);
        int rest = count[c] - k;
        System.arraycopy(addresses, base + k, addresses, base, rest);
        System.arraycopy(maps, base + k, maps, base, rest);
        System.arraycopy(offsets, base + k, offsets, base, rest);
        count[c] = rest;
    }
}
