package io.mmapheap;

/**
 * One thread's cache of freed chunks for one allocator: a stack ("bin") per {@link SizeClasses}
 * class, of chunks whose length is exactly the class's. Only the owning thread pushes and pops;
 * the allocator flushes a cache under its lock, from the owning thread or once that thread has died.
 *
 * <p>Each entry keeps the chunk's address together with the {@link ChunkMap} and offset that mark it
 * cached, so handing it out again needs no region lookup. For frees, the cache keeps its own copy of
 * the regions it has met, found without the lock: {@value #REGION_SLOTS} slots by block of memory
 * (the region table's block, a growth step), two regions per slot, since a block meets at most two
 * regions when no region is shorter than a block.
 */
final class ThreadCache {

    /**
     * Chunks a bin holds by default, whatever its class (see {@link AllocatorBuilder#threadCacheChunks}).
     * Measured against bins of 32 with {@code ./build.sh compare-traces} (the best of 6 separate runs
     * each): the shipped traces took 0.89x the time (random-bal 0.49x, cp-decl-bal 0.76x, amptjp-bal
     * 0.81x: thousands of 2-32 KiB blocks of a few sizes, freed and asked for again, which bins of
     * 32 sent through the lock in halves), churn 0.94-0.98x ({@code ./build.sh compare}, 20 rounds),
     * the traces' average utilization 90.5% (from 90.9%). Bins of 256 were no faster as a whole
     * (5 of 11 traces slower than with 128). A bound in bytes on each cache, checked on every push,
     * took {@code pair} 1.1-1.4x the time and was not kept: the share rule of {@link ArenaAllocator}
     * already sends a thread's cached chunks back before its heap grows.
     */
    static final int DEFAULT_CAPACITY = 128;

    /** The most chunks {@link AllocatorBuilder#threadCacheChunks} allows a bin. */
    static final int MAX_CAPACITY = 1024;

    /** Slots of the region copy; a power of two. */
    static final int REGION_SLOTS = 512;
    private static final int WAYS = 2;

    /** The owning thread; a cache is only ever used by it, or flushed once it has ended. */
    final Thread owner;
    /**
     * The thread stripe whose regions this cache's refills come from first ({@link Arena#bandFor});
     * set once, under the allocator's lock, as the cache is registered.
     */
    int stripe;
    /** Chunks a bin holds at most. */
    private final int capacity;
    private final int[] count;
    /** No bin above this class holds a chunk: where a search for the largest cached class starts. */
    private int top = -1;
    private final long[] addresses;
    private final ChunkMap[] maps;
    private final int[] offsets;

    private final int blockShift;
    /** Region k of the copy: [regionBase[k], regionEnd[k]) carved by regionMap[k]; empty when base == end. */
    private final long[] regionBase = new long[REGION_SLOTS * WAYS];
    private final long[] regionEnd = new long[REGION_SLOTS * WAYS];
    private final ChunkMap[] regionMap = new ChunkMap[REGION_SLOTS * WAYS];

    /**
     * The chunk the last pop handed out, its class, map and offset, and its map's version then
     * (-1 if a change was in progress): while the version stays the same, nothing under the lock
     * has changed the map, so the chunk is still live with its class length and a free of it needs
     * no lookup. 0 when there is none.
     */
    private long lastAddress;
    private int lastClass;
    private ChunkMap lastMap;
    private int lastOffset;
    private long lastVersion;

    /** The map and offset of the lower chunk {@link #takeAdjacentPair} took last. */
    private ChunkMap takenMap;
    private int takenOffset;

    /**
     * @param capacity   chunks a bin holds at most, in [1, {@link #MAX_CAPACITY}]
     * @param blockShift log2 of the block of memory the regions are filed under
     */
    ThreadCache(Thread owner, SizeClasses classes, int capacity, int blockShift) {
        this.capacity = capacity;
        this.blockShift = blockShift;
        this.owner = owner;
        int bins = classes.count();
        this.count = new int[bins];
        // Bin c occupies slots [c * capacity, (c + 1) * capacity) of the entry arrays.
        int slots = bins * capacity;
        this.addresses = new long[slots];
        this.maps = new ChunkMap[slots];
        this.offsets = new int[slots];
    }

    /** @return the copy's index of the region holding address, or -1 if the copy does not know it */
    int regionOf(long address) {
        int k = (int) ((address >>> blockShift) & (REGION_SLOTS - 1)) * WAYS;
        if (Long.compareUnsigned(address - regionBase[k], regionEnd[k] - regionBase[k]) < 0) {
            return k;
        }
        k++;
        if (Long.compareUnsigned(address - regionBase[k], regionEnd[k] - regionBase[k]) < 0) {
            return k;
        }
        return -1;
    }

    long regionBase(int k) {
        return regionBase[k];
    }

    ChunkMap regionMap(int k) {
        return regionMap[k];
    }

    /**
     * Files a region found under the lock for {@code address}, the older of its slot's two making way.
     *
     * @return its index in the copy
     */
    int learn(long address, long base, long end, ChunkMap map) {
        int k = (int) ((address >>> blockShift) & (REGION_SLOTS - 1)) * WAYS;
        regionBase[k + 1] = regionBase[k];
        regionEnd[k + 1] = regionEnd[k];
        regionMap[k + 1] = regionMap[k];
        regionBase[k] = base;
        regionEnd[k] = end;
        regionMap[k] = map;
        return k;
    }

    /** @return whether the owning thread has ended, so another thread may flush this cache */
    boolean ownerDead() {
        return !owner.isAlive();
    }

    /** @return whether bin c is full */
    boolean isFull(int c) {
        return count[c] == capacity;
    }

    /**
     * @return how many chunks of class c a miss may take from the arena at once: the one asked
     *         for, and up to half a bin more for the bin (no more than it has room for)
     */
    int refillCount(int c) {
        return 1 + Math.min(capacity / 2, capacity - count[c]);
    }

    /** @return the chunks in bin c */
    int size(int c) {
        return count[c];
    }

    /** @return the granules in all bins, their lengths given by {@code classes} (the ones the cache was made for) */
    long granulesHeld(SizeClasses classes) {
        long sum = 0;
        for (int c = 0; c <= top; c++) {
            sum += (long) count[c] * classes.granules(c);
        }
        return sum;
    }

    /** @return the number of bins */
    int bins() {
        return count.length;
    }

    /**
     * @return the largest class whose bin holds a chunk, or -1 if the cache is empty; lowers the
     *         bound it starts from past the empty bins it meets, so that a later search skips them
     */
    int largestCachedClass() {
        while (top >= 0 && count[top] == 0) {
            top--;
        }
        return top;
    }

    /** @return the smallest class above c whose bin holds a chunk, or -1 */
    int smallestCachedClassAbove(int c) {
        int last = largestCachedClass();
        for (int d = c + 1; d <= last; d++) {
            if (count[d] > 0) {
                return d;
            }
        }
        return -1;
    }

    /** Pushes a chunk the caller marked cached in {@code map}; bin c is not full. */
    void push(int c, long address, ChunkMap map, int offset) {
        if (c > top) {
            top = c;
        }
        int slot = c * capacity + count[c]++;
        addresses[slot] = address;
        // A slot mostly meets the same region again: skipping the equal store spares the GC's
        // write barrier, a reference store's dearest part.
        if (maps[slot] != map) {
            maps[slot] = map;
        }
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
        int slot = c * capacity + n - 1;
        count[c] = n - 1;
        // The map reference stays in the slot: regions live as long as the allocator, and not
        // clearing it spares a GC write barrier on every pop.
        ChunkMap map = maps[slot];
        int offset = offsets[slot];
        long address = addresses[slot];
        map.unmarkCached(offset);
        lastAddress = address;
        lastClass = c;
        if (lastMap != map) {
            lastMap = map;
        }
        lastOffset = offset;
        lastVersion = map.stableVersion();
        return address;
    }

    /**
     * @return whether {@code address} is the chunk the last pop handed out and its map has not
     *         changed since, so that {@link #lastClass}, {@link #lastMap} and {@link #lastOffset}
     *         describe it; forgets the chunk either way when it is that address
     */
    boolean isLastPopped(long address) {
        if (address != lastAddress) {
            return false;
        }
        lastAddress = 0;
        return lastVersion >= 0 && lastMap.stableVersion() == lastVersion;
    }

    /** @return the version of {@link #lastMap} when the last pop read it */
    long lastVersion() {
        return lastVersion;
    }

    int lastClass() {
        return lastClass;
    }

    ChunkMap lastMap() {
        return lastMap;
    }

    int lastOffset() {
        return lastOffset;
    }

    /**
     * Takes out of bin c two chunks that lie side by side in one region, the second starting
     * {@code length} bytes after the first, for the caller to join; their marks stay. Looks at
     * every pair of the bin: at most {@code capacity^2} comparisons, under the lock on a miss.
     *
     * @return the lower chunk's address, its map and offset then in {@link #takenMap} and
     *         {@link #takenOffset}; 0, changing nothing, if the bin holds no such pair
     */
    long takeAdjacentPair(int c, long length) {
        int base = c * capacity;
        int k = count[c];
        for (int i = base; i < base + k; i++) {
            long next = addresses[i] + length;
            for (int j = base; j < base + k; j++) {
                if (addresses[j] == next && maps[j] == maps[i]) {
                    long address = addresses[i];
                    takenMap = maps[i];
                    takenOffset = offsets[i];
                    // The higher slot first, so that the lower one's index still holds.
                    removeSlot(base + k, Math.max(i, j));
                    removeSlot(base + k - 1, Math.min(i, j));
                    count[c] = k - 2;
                    return address;
                }
            }
        }
        return 0;
    }

    /** Closes the gap at {@code slot} of a bin whose entries end before {@code end}. */
    private void removeSlot(int end, int slot) {
        int rest = end - slot - 1;
        System.arraycopy(addresses, slot + 1, addresses, slot, rest);
        System.arraycopy(maps, slot + 1, maps, slot, rest);
        System.arraycopy(offsets, slot + 1, offsets, slot, rest);
    }

    /** @return the map of the lower chunk the last {@link #takeAdjacentPair} took */
    ChunkMap takenMap() {
        return takenMap;
    }

    /** @return the offset of the lower chunk the last {@link #takeAdjacentPair} took */
    int takenOffset() {
        return takenOffset;
    }

    /**
     * Removes the {@code k} oldest chunks of bin c into {@code out} (addresses), for the caller to
     * free under the lock. Their marks stay until that free, so no other free can claim them first.
     */
    void takeOldest(int c, int k, long[] out) {
        int base = c * capacity;
        System.arraycopy(addresses, base, out, 0, k);
        int rest = count[c] - k;
        System.arraycopy(addresses, base + k, addresses, base, rest);
        System.arraycopy(maps, base + k, maps, base, rest);
        System.arraycopy(offsets, base + k, offsets, base, rest);
        count[c] = rest;
    }
}
