package io.mmapheap;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * A cache of freed chunks for one allocator: a stack ("bin") per {@link SizeClasses} class, of
 * chunks whose length is exactly the class's, each CACHED ({@link ChunkStates}). One thread at a
 * time uses a cache: a <em>private</em> cache belongs to one platform thread ({@link #owner}) for its
 * life, a <em>lane</em> to whichever thread holds it ({@link #tryHold}, {@link #letGo}), one
 * operation at a time (see {@link ThreadCaches}). The allocator flushes a cache under its lock,
 * from the thread using it, or once its owner has ended, or while it holds the lane.
 *
 * <p>Each entry keeps the chunk's address together with the {@link ChunkMap} and offset that mark it
 * cached, so handing it out again needs no region lookup. For frees, the cache keeps its own copy of
 * the regions it has met, found without the lock: {@value #REGION_SLOTS} slots by slice of address space
 * (the region table's slice, a growth step), two regions per slot, since a slice meets at most two
 * regions when no region is shorter than a slice.
 */
final class ThreadCache {

    /**
     * Chunks a bin holds by default (see {@link AllocatorBuilder#threadCacheChunks}); the bins of
     * short classes may grow past it ({@link #binLimits}). The bytes all caches hold are bounded by
     * the share rule of {@link Heap}, not per bin.
     */
    static final int DEFAULT_CAPACITY = 128;
    /**
     * With the default capacity, a bin that fills may grow until its chunks make this many bytes (at
     * most {@link #MAX_CAPACITY} chunks): a burst of frees of one short class then stays cached, as
     * jemalloc and tcmalloc size their bins by bytes, not by count.
     */
    static final long GROWN_BIN_BYTES = 32 * 1024;
    /** The newest entries of a bin {@link #takeAdjacentPair} compares, pairwise. */
    static final int PAIR_WINDOW = 128;

    /** The most chunks {@link AllocatorBuilder#threadCacheChunks} allows a bin. */
    static final int MAX_CAPACITY = 1024;

    /** Slots of the region copy; a power of two. */
    static final int REGION_SLOTS = 512;
    private static final int WAYS = 2;

    private static final VarHandle HOLDER;

    static {
        try {
            HOLDER = MethodHandles.lookup().findVarHandle(ThreadCache.class, "holder", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The platform thread a private cache belongs to for its life; null for a lane. */
    final Thread owner;
    /** The thread using a lane now, null when none; set by {@link #tryHold}, cleared by {@link #letGo}. */
    @SuppressWarnings("unused")
    private volatile Thread holder;
    /** The thread group whose regions this cache's refills come from first ({@link Regions#bandFor}). */
    final int group;
    /** Chunks a bin holds until it grows; refills take up to half of it. */
    private final int capacity;
    private final int[] count;
    /** Chunks bin c holds now before it is full: {@link #capacity}, or more once it grew. */
    private final int[] slots;
    /** Chunks bin c may grow to ({@link #binLimits}); shared by every cache of a heap, never written. */
    private final int[] limits;
    /** Granules of each class's chunks ({@link SizeClasses#granules}). */
    private final int[] classGranules;
    /** Granules of the chunks in all bins. */
    private long held;
    /**
     * Granules the bins may hold before a push asks the heap to check its share
     * ({@link #overLimit}); set under the heap's lock by {@link #limit}.
     */
    private long heldLimit;
    /** No bin above this class holds a chunk: where a search for the largest cached class starts. */
    private int top = -1;
    /**
     * Bin c's entries: {@code addresses[c][i]}, {@code maps[c][i]}, {@code offsets[c][i]} for i below
     * {@code count[c]}, oldest first. A bin's arrays are made at its first push, so a cache costs
     * memory only for the classes its threads free.
     */
    private final long[][] addresses;
    private final ChunkMap[][] maps;
    private final int[][] offsets;

    private final int sliceShift;
    /** Region k of the copy: [regionBase[k], regionEnd[k]) carved by regionMap[k]; empty when base == end. */
    private final long[] regionBase = new long[REGION_SLOTS * WAYS];
    private final long[] regionEnd = new long[REGION_SLOTS * WAYS];
    private final ChunkMap[] regionMap = new ChunkMap[REGION_SLOTS * WAYS];

    /**
     * The chunk the last pop handed out, its class, map and offset, and its map's version read
     * before the pop released the mark (-1 if a change was in progress): while the version stays the
     * same, nothing under the lock has changed the map since the chunk was CACHED, so it is still a
     * chunk of its class length, and a free of it needs no lookup (it checks the version once it has
     * claimed the chunk). 0 when there is none.
     */
    private long lastAddress;
    private int lastClass;
    private ChunkMap lastMap;
    private int lastOffset;
    private long lastVersion;

    /**
     * @param owner      the platform thread of a private cache, or null for a lane
     * @param group     the thread group its refills prefer ({@link Regions#bandFor})
     * @param capacity   chunks a bin holds, in [1, {@link #MAX_CAPACITY}]
     * @param limits     the chunks each class's bin may grow to ({@link #binLimits}), read only
     * @param sliceShift log2 of the slice of address space the regions are filed under
     */
    ThreadCache(Thread owner, int group, SizeClasses classes, int capacity, int[] limits, int sliceShift) {
        this.capacity = capacity;
        this.sliceShift = sliceShift;
        this.owner = owner;
        this.group = group;
        int bins = classes.count();
        this.count = new int[bins];
        this.slots = new int[bins];
        this.limits = limits;
        this.classGranules = new int[bins];
        for (int c = 0; c < bins; c++) {
            classGranules[c] = classes.granules(c);
            slots[c] = capacity;
        }
        this.addresses = new long[bins][];
        this.maps = new ChunkMap[bins][];
        this.offsets = new int[bins][];
    }

    /** @return the copy's index of the region holding address, or -1 if the copy does not know it */
    int regionOf(long address) {
        int k = (int) ((address >>> sliceShift) & (REGION_SLOTS - 1)) * WAYS;
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
        int k = (int) ((address >>> sliceShift) & (REGION_SLOTS - 1)) * WAYS;
        regionBase[k + 1] = regionBase[k];
        regionEnd[k + 1] = regionEnd[k];
        regionMap[k + 1] = regionMap[k];
        regionBase[k] = base;
        regionEnd[k] = end;
        regionMap[k] = map;
        return k;
    }

    /** @return whether this is a private cache whose owner has ended, so another thread may flush it */
    boolean ownerDead() {
        return owner != null && !owner.isAlive();
    }

    /** @return whether this cache is a lane, used by one holder at a time */
    boolean isLane() {
        return owner == null;
    }

    /**
     * Takes a lane for thread t, for one operation or a flush; the holder's use happens after the
     * last holder's ({@link #letGo} releases, this acquires).
     *
     * @return whether t holds the lane now; false if another thread does
     */
    boolean tryHold(Thread t) {
        return HOLDER.compareAndSet(this, (Thread) null, t);
    }

    /** Lets go of a lane taken with {@link #tryHold}. */
    void letGo() {
        HOLDER.setRelease(this, (Thread) null);
    }

    /**
     * @param growBins     whether bins may grow past {@code capacity} at all
     * @param granuleShift log2 of the granule, to weigh a class's chunks in bytes
     * @return the chunks each class's bin may grow to: {@code capacity}, or, if bins grow, as many
     *         as make {@link #GROWN_BIN_BYTES}, up to {@link #MAX_CAPACITY}
     */
    static int[] binLimits(SizeClasses classes, int capacity, boolean growBins, int granuleShift) {
        int[] limits = new int[classes.count()];
        for (int c = 0; c < limits.length; c++) {
            long bytes = (long) classes.granules(c) << granuleShift;
            limits[c] = growBins ? (int) Math.max(capacity, Math.min(MAX_CAPACITY, GROWN_BIN_BYTES / bytes)) : capacity;
        }
        return limits;
    }

    /** @return whether bin c is full */
    boolean isFull(int c) {
        return count[c] == slots[c];
    }

    /**
     * Makes room in a full bin c by growing it, doubling its slots up to its limit; under the heap's
     * lock, by the thread using this cache.
     *
     * @return false if the bin is at its limit: its chunks must go back instead
     */
    boolean grow(int c) {
        int now = slots[c];
        if (now >= limits[c]) {
            return false;
        }
        int grown = Math.min(limits[c], 2 * now);
        if (addresses[c] != null) {
            addresses[c] = Arrays.copyOf(addresses[c], grown);
            maps[c] = Arrays.copyOf(maps[c], grown);
            offsets[c] = Arrays.copyOf(offsets[c], grown);
        }
        slots[c] = grown;
        return true;
    }

    /**
     * @return how many chunks of class c a miss may take from the regions at once: the one asked
     *         for, and up to half the bin's first length more (no more than it has room for)
     */
    int refillCount(int c) {
        return 1 + Math.min(capacity / 2, slots[c] - count[c]);
    }

    /** @return the chunks in bin c */
    int size(int c) {
        return count[c];
    }

    /** @return the granules in all bins */
    long granulesHeld() {
        return held;
    }

    /** @return whether the bins hold more than the heap last allowed: the heap checks its share ({@link #limit}) */
    boolean overLimit() {
        return held > heldLimit;
    }

    /** Lets the bins hold up to {@code granules} before {@link #overLimit}; under the heap's lock. */
    void limit(long granules) {
        heldLimit = granules;
    }

    /** @return the granules the bins may hold before they next ask the heap */
    long granulesLimit() {
        return heldLimit;
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
        long[] a = addresses[c];
        if (a == null) {
            a = makeBin(c);
        }
        int slot = count[c]++;
        held += classGranules[c];
        a[slot] = address;
        ChunkMap[] m = maps[c];
        // A slot mostly meets the same region again: skipping the equal store spares the GC's
        // write barrier, a reference store's dearest part.
        if (m[slot] != map) {
            m[slot] = map;
        }
        offsets[c][slot] = offset;
    }

    private long[] makeBin(int c) {
        maps[c] = new ChunkMap[slots[c]];
        offsets[c] = new int[slots[c]];
        addresses[c] = new long[slots[c]];
        return addresses[c];
    }

    /**
     * Pops the most recently pushed chunk of bin c and hands it out: CACHED to LIVE ({@link ChunkStates#release}).
     *
     * @return its address, or 0 if the bin is empty
     */
    long pop(int c) {
        int n = count[c];
        if (n == 0) {
            return 0;
        }
        int slot = n - 1;
        count[c] = slot;
        held -= classGranules[c];
        // The map reference stays in the slot: regions live as long as the allocator, and not
        // clearing it spares a GC write barrier on every pop.
        ChunkMap map = maps[c][slot];
        int offset = offsets[c][slot];
        long address = addresses[c][slot];
        // The version is read while the chunk is still CACHED: a change of the map after the release
        // (a racing free of this address, under the lock) moves the map past it.
        lastVersion = map.stableVersion();
        ChunkStates.release(map, offset);
        lastAddress = address;
        lastClass = c;
        if (lastMap != map) {
            lastMap = map;
        }
        lastOffset = offset;
        return address;
    }

    /**
     * Takes the most recently pushed chunk of bin c out, its mark kept: the caller (under the lock)
     * changes it and ends or releases the mark ({@link ChunkStates}).
     *
     * @return its address, or 0 if the bin is empty
     */
    long takeLast(int c) {
        int n = count[c];
        if (n == 0) {
            return 0;
        }
        count[c] = n - 1;
        held -= classGranules[c];
        return addresses[c][n - 1];
    }

    /** @return the version of {@link #lastMap} when the last pop read it, -1 if a change was in progress */
    long lastVersion() {
        return lastVersion;
    }

    /** @return the chunk the last pop handed out, 0 if none */
    long lastAddress() {
        return lastAddress;
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
     * every pair of the bin's newest {@link #PAIR_WINDOW} entries: at most that squared
     * comparisons, under the lock on a miss.
     *
     * @return the lower chunk's address; 0, changing nothing, if the bin holds no such pair
     */
    long takeAdjacentPair(int c, long length) {
        int k = count[c];
        long[] a = addresses[c];
        ChunkMap[] m = maps[c];
        int from = Math.max(0, k - PAIR_WINDOW);
        for (int i = from; i < k; i++) {
            long next = a[i] + length;
            for (int j = from; j < k; j++) {
                if (a[j] == next && m[j] == m[i]) {
                    long address = a[i];
                    // The higher slot first, so that the lower one's index still holds.
                    removeSlot(c, k, Math.max(i, j));
                    removeSlot(c, k - 1, Math.min(i, j));
                    count[c] = k - 2;
                    held -= 2L * classGranules[c];
                    return address;
                }
            }
        }
        return 0;
    }

    /** Closes the gap at {@code slot} of bin c, whose entries end before {@code end}. */
    private void removeSlot(int c, int end, int slot) {
        int rest = end - slot - 1;
        System.arraycopy(addresses[c], slot + 1, addresses[c], slot, rest);
        System.arraycopy(maps[c], slot + 1, maps[c], slot, rest);
        System.arraycopy(offsets[c], slot + 1, offsets[c], slot, rest);
    }

    /**
     * Calls {@code check} with every entry: its class, address, map and offset; for {@code verify}.
     */
    void forEachEntry(EntryCheck check) {
        for (int c = 0; c < count.length; c++) {
            for (int i = 0; i < count[c]; i++) {
                check.entry(c, addresses[c][i], maps[c][i], offsets[c][i]);
            }
        }
    }

    /** What {@link #forEachEntry} calls for each entry. */
    interface EntryCheck {
        void entry(int c, long address, ChunkMap map, int offset);
    }

    /**
     * Removes the {@code k} oldest chunks of bin c into {@code out} (addresses), for the caller to
     * flush under the lock. Their marks stay until that flush, so no other free can claim them first.
     */
    void takeOldest(int c, int k, long[] out) {
        System.arraycopy(addresses[c], 0, out, 0, k);
        int rest = count[c] - k;
        System.arraycopy(addresses[c], k, addresses[c], 0, rest);
        System.arraycopy(maps[c], k, maps[c], 0, rest);
        System.arraycopy(offsets[c], k, offsets[c], 0, rest);
        count[c] = rest;
        held -= (long) k * classGranules[c];
    }

    /** @return the Java heap bytes of this cache's bins and region copy, roughly (16 bytes per entry slot made) */
    long footprintBytes() {
        long bytes = (long) REGION_SLOTS * WAYS * (2 * Long.BYTES + Integer.BYTES);
        for (long[] bin : addresses) {
            if (bin != null) {
                bytes += (long) bin.length * (Long.BYTES + 2 * Integer.BYTES);
            }
        }
        return bytes;
    }
}
