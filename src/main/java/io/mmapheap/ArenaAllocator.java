package io.mmapheap;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.mmapheap.os.NativeMemoryException;

/**
 * What both allocators share on top of an {@link Arena}: argument checks, the malloc family
 * (zeroed, aligned, realloc), dedicated mappings for large requests, trim, the debugging aids and
 * statistics. Subclasses decide what happens when the arena has no room ({@link #noRoom}) and
 * which requests get a mapping of their own ({@link #isLarge}).
 *
 * <p>Every public method holds the allocator's lock (one lock per allocator), except the fast paths of
 * {@link #allocate(long)} and {@link #free} when thread caches are on: a request of at most
 * {@code cacheLimit} bytes is rounded up to its {@link SizeClasses} class and served from the calling
 * thread's {@link ThreadCache} if that holds a chunk of the class; a free of a class-length chunk goes
 * into the calling thread's cache. Neither takes the lock, creates an object or makes a system call;
 * the lock is taken when a bin is empty (allocate from the arena) or full (half of it goes back to
 * the arena). When no free run fits, the heap grows while the thread caches together hold at most
 * 1/{@value #CACHE_SHARE} of the bytes its regions map; above that share, or when it may not grow,
 * the calling thread's cache and those of ended threads go back to the arena first, so a request
 * fails only if no free run and none of those chunks fits.
 */
abstract class ArenaAllocator implements Allocator {

    /** The largest request thread caches serve, bytes. */
    static final long MAX_CACHED_BYTES = 32768;
    /**
     * The thread caches may hold up to 1/this of the bytes the regions map: a heap with no free run
     * for a request grows while they hold less, and sends cached chunks back first once they hold
     * more. On churn (1024 live blocks of 8..4096 bytes) this share took 0.84x the time of sending
     * chunks back before every growth ({@code ./build.sh compare}), for 9% more bytes mapped at the
     * peak ({@code ./build.sh bench}, the footprint lines). A share of 1/4 mapped twice that for
     * little more speed; 1/16 kept most of the cost.
     */
    static final int CACHE_SHARE = 8;
    /**
     * The thread stripe ({@link Arena#bandFor}) whose regions serve first the requests that do not
     * come through a thread cache (longer than the caches serve, aligned, reallocated): stripes keep
     * apart the chunks that threads cache, mark and hand out again, which these are not.
     */
    private static final int UNCACHED_STRIPE = 0;

    final PageSource source;
    final long pageSize;
    final int granuleShift;
    final Arena arena;
    private final String name;
    private final long maxRequest;
    private final int perturb;
    private final CheckLevel check;
    private final long trimThreshold;
    private final boolean strictClose;
    private final boolean reportLeaks;
    private final int leakSample;
    /** Chunks of at most this many bytes go through the thread caches; 0 when caches are off. */
    private final long cacheLimit;
    private final SizeClasses classes;
    /** The thread caches, private and shared ({@link ThreadCaches}), or null when caches are off. */
    private final ThreadCaches caches;
    /** Addresses taken out of a bin, freed under the lock; also receives a refill's chunks. */
    private final long[] flushBuffer;
    private final AddressMap dedicated = new AddressMap();
    /** Live checked views by address; empty unless {@link #allocateBlock} is used. */
    private final Map<Long, MemoryBlock> blocks = new HashMap<>();
    /** blocks.size(), readable without the lock: raw frees take the lock while any block is live. */
    private volatile int blockCount;
    /** Allocation sites of sampled live chunks; empty unless leak tracking is on. */
    private final Map<Long, Throwable> sites = new HashMap<>();
    private long allocations;
    private long dedicatedBytes;
    private final KeptMappings kept;
    private long freedSinceTrim;
    private long peakInUse;
    private long peakMapped;
    private volatile boolean closed;

    /**
     * @param largestCached the largest request the thread caches may serve, bytes (used when the
     *                      builder turns caches on; capped at {@link #MAX_CACHED_BYTES})
     * @param keptBytes     bytes of freed dedicated mappings to keep mapped for reuse (0: unmap on free)
     */
    ArenaAllocator(String name, AllocatorBuilder<?> b, long maxRequest, boolean singleRegion, long minRegionPages,
                   long largestCached, long keptBytes) {
        this.name = name;
        this.source = b.source;
        this.pageSize = source.pageSize();
        this.granuleShift = Sizes.granuleShift(b.granule, pageSize);
        this.maxRequest = maxRequest;
        this.perturb = b.perturb;
        this.check = b.check;
        this.trimThreshold = b.trimThreshold;
        this.strictClose = b.strictClose;
        this.reportLeaks = b.reportLeaks;
        this.leakSample = b.leakSample;
        this.kept = new KeptMappings(keptBytes);
        this.flushBuffer = new long[b.threadCacheChunks];
        long limit = Math.min(Math.min(largestCached, MAX_CACHED_BYTES), maxRequest) & -(1L << granuleShift);
        // Caching would hide frees from leak sampling and automatic trim, so those turn it off.
        boolean cached = b.threadCache && leakSample == 0 && trimThreshold == 0 && limit > 0;
        // Placement is exact first fit only without caches; with them, size bands get regions of their own.
        this.arena = new Arena(granuleShift, pageSize, singleRegion, minRegionPages, cached && !singleRegion);
        if (cached) {
            this.cacheLimit = limit;
            this.classes = new SizeClasses((int) (limit >>> granuleShift));
            this.caches = new ThreadCaches(classes, b.threadCacheChunks, arena.blockShift(), arena.stripes());
        } else {
            this.cacheLimit = 0;
            this.classes = null;
            this.caches = null;
        }
    }

    /** @return the thread caches that exist now (private ones and lanes), 0 when caches are off */
    synchronized int threadCacheCount() {
        return caches == null ? 0 : caches.count();
    }

    /** @return the most thread caches this heap can hold ({@link ThreadCaches#bound}), 0 when caches are off */
    int threadCacheBound() {
        return caches == null ? 0 : caches.bound();
    }

    /** @return whether thread caches are on */
    public boolean threadCaching() {
        return caches != null;
    }

    /**
     * Commits more of region r, if it has reserved pages past its end, so that the live chunk at
     * {@code address} can grow in place to n granules; the allocator's page limit and the system may say no.
     *
     * @return whether the granules after the chunk now reach n; false, changing nothing, if not
     */
    boolean commitForGrowth(int r, long address, int n) {
        return false;
    }

    /**
     * After {@code reallocate} moved a chunk out of region r to grow it: the allocator may give
     * back the free pages this left at the region's end.
     */
    void movedOut(int r) {
    }


    /** @return whether a request gets a dedicated mapping instead of a place in the regions */
    abstract boolean isLarge(long size);

    /**
     * Called when no region has room for n granules at the alignment.
     *
     * @param stripe the thread stripe whose regions the request prefers ({@link Arena#bandFor})
     * @return the chunk's address, allocated in a region mapped for it or a dedicated mapping
     * @throws HeapExhaustedException if the request cannot be served
     */
    abstract long noRoom(long size, int n, long alignment, boolean zero, int stripe);

    /** @return the granule in bytes */
    public long granule() {
        return 1L << granuleShift;
    }

    @Override
    public long allocate(long size) {
        return allocateSmallOrLocked(size, false);
    }

    @Override
    public long allocateZeroed(long size) {
        return allocateSmallOrLocked(size, true);
    }

    /** The thread cache for requests it serves, else the arena under the lock. */
    private long allocateSmallOrLocked(long size, boolean zero) {
        if (size > 0 && size <= cacheLimit && !closed) {
            ThreadCache cache = cache();
            if (cache != null) {
                try {
                    int c = classes.classOf(Sizes.granulesFor(size, granuleShift));
                    long address = cache.pop(c);
                    if (address == 0) {
                        return allocateClass(cache, c, zero);
                    }
                    if (zero || perturb != 0) {
                        fillOpen(address, (long) classes.granules(c) << granuleShift, zero ? 0 : (byte) ~perturb);
                    }
                    return address;
                } finally {
                    if (cache.isLane()) {
                        cache.letGo();
                    }
                }
            }
        }
        synchronized (this) {
            ensureOpen();
            return allocateChunk(size, 1, zero, UNCACHED_STRIPE, null);
        }
    }

    /**
     * A miss of the thread cache: a chunk of exactly class c's length from the arena, and with it,
     * if the free run it comes from holds them, up to {@link ThreadCache#refillCount} more of the
     * class for the bin, taken in one step of the lock and one tree update. A run of misses of one
     * class (a burst of allocations) then takes the lock once per refill, not once per chunk; the
     * chunks are where as many first-fit allocations would have put them, and a refill never
     * grows the heap. With no free run that fits, the front of a longer cached chunk serves the
     * miss ({@link #splitCached}), or two cached halves side by side joined ({@link #joinCached});
     * failing both, the heap grows or the cache's bins go back first, as {@link #growOrReclaim} decides.
     */
    private synchronized long allocateClass(ThreadCache cache, int c, boolean zero) {
        ensureOpen();
        caches.sweepNowAndThen(this::flush);
        int n = classes.granules(c);
        int got = arena.allocateRun(n, cache.refillCount(c), zero, flushBuffer, cache.stripe);
        if (got == 0) {
            long split = splitCached(cache, c, zero);
            if (split == 0) {
                split = joinCached(cache, c, zero);
            }
            if (split != 0) {
                return split;
            }
        }
        while (got == 0 && cachesOverShare() && reclaimSome(cache)) {
            got = arena.allocateRun(n, cache.refillCount(c), zero, flushBuffer, cache.stripe);
        }
        if (got == 0) {
            return allocateChunk((long) n << granuleShift, 1, zero, cache.stripe, cache);
        }
        long address = flushBuffer[0];
        if (got > 1) {
            int r = arena.regionOf(address);
            ChunkMap map = arena.map(r);
            int first = arena.offsetIn(r, address);
            // Highest first, so that the bin hands the rest out in address order.
            for (int i = got - 1; i > 0; i--) {
                cache.push(c, flushBuffer[i], map, first + i * n);
            }
        }
        if (perturb != 0 && !zero) {
            RawMemory.fill(address, (long) n << granuleShift, (byte) ~perturb);
        }
        peakInUse = Math.max(peakInUse, bytesInUse());
        return address;
    }

    /**
     * A miss that finds no free run: before any chunk goes back to the arena, the front of the
     * smallest longer chunk in the calling thread's cache serves it, if the rest is a class's length
     * and its bin has room. The rest waits in that bin as a chunk of its own: only a chunk start is
     * set, so the run tree and the region index stay as they are. Under the lock.
     *
     * @return the chunk, or 0 if the cache holds no such longer chunk
     */
    private long splitCached(ThreadCache cache, int c, boolean zero) {
        int d = cache.smallestCachedClassAbove(c);
        if (d < 0) {
            return 0;
        }
        int n = classes.granules(c);
        int e = classes.exactClass(classes.granules(d) - n);
        if (e < 0 || cache.isFull(e)) {
            return 0;
        }
        long address = cache.pop(d);
        int r = arena.regionOf(address);
        ChunkMap map = arena.map(r);
        int rest = arena.offsetIn(r, address) + n;
        // The rest comes into being CACHED: marked before its start is set (ChunkStates).
        ChunkStates.markIntoBeing(map, rest, 1, 1);
        map.split(rest - n, n);
        cache.push(e, address + ((long) n << granuleShift), map, rest);
        fillHandedOut(address, n, zero);
        return address;
    }

    /**
     * A miss that finds no free run and no longer cached chunk to split: two chunks of half class
     * c's length that lie side by side in one bin of the calling thread's cache become one chunk,
     * which serves the miss. Only the second chunk's start is cleared, so the run tree and the
     * region index stay as they are, where sending the bin back and allocating again would update
     * both twice (coalescing-bal frees two 4 KiB blocks side by side and asks for 8 KiB, over and
     * over, in a heap its caches hold whole). Under the lock.
     *
     * @return the chunk, or 0 if the cache holds no such pair
     */
    private long joinCached(ThreadCache cache, int c, boolean zero) {
        int n = classes.granules(c);
        int d = (n & 1) == 0 ? classes.exactClass(n >>> 1) : -1;
        if (d < 0 || cache.size(d) < 2) {
            return 0;
        }
        int half = n >>> 1;
        long address = cache.takeAdjacentPair(d, (long) half << granuleShift);
        if (address == 0) {
            return 0;
        }
        int r = arena.regionOf(address);
        ChunkMap map = arena.map(r);
        int offset = arena.offsetIn(r, address);
        // The upper chunk ends (its start first, then its mark); the joined one is handed out.
        map.join(offset, half);
        ChunkStates.release(map, offset + half);
        ChunkStates.release(map, offset);
        fillHandedOut(address, n, zero);
        return address;
    }

    /** Zeroes or perturbs a chunk of n granules that a split or a join hands out, as the caller and the builder ask; under the lock. */
    private void fillHandedOut(long address, int n, boolean zero) {
        if (zero || perturb != 0) {
            RawMemory.fill(address, (long) n << granuleShift, zero ? 0 : (byte) ~perturb);
        }
    }

    /**
     * @return the cache the calling thread uses now: its private cache, or a lane it now holds
     *         (let go after the operation), or null if neither is to be had (every lane taken: the
     *         lock path serves it). See {@link ThreadCaches}.
     */
    private ThreadCache cache() {
        Thread me = Thread.currentThread();
        ThreadCache own = caches.own(me);
        if (own != null) {
            return own;
        }
        if (caches.sharesLanes(me)) {
            return caches.lanesMade() ? caches.holdLane(me) : makeLanesAndHold(me);
        }
        return installOrHold(me);
    }

    private synchronized ThreadCache makeLanesAndHold(Thread me) {
        if (closed) {
            return null;
        }
        caches.makeLanes();
        return caches.holdLane(me);
    }

    /** A platform thread's first cached call: its private cache, or a lane if its slot is taken. */
    private synchronized ThreadCache installOrHold(Thread me) {
        if (closed) {
            return null;
        }
        ThreadCache own = caches.install(me, this::flush);
        if (own != null) {
            return own;
        }
        caches.makeLanes();
        return caches.holdLane(me);
    }

    /**
     * @return the thread stripe ({@link Arena#bandFor}) whose regions the calling thread's cache refills
     *         from first, its cache made if it has none; 0 when caches are off
     */
    int callingThreadStripe() {
        if (caches == null) {
            return 0;
        }
        ThreadCache cache = cache();
        if (cache == null) {
            return UNCACHED_STRIPE;
        }
        if (cache.isLane()) {
            cache.letGo();
        }
        return cache.stripe;
    }

    /**
     * Before the heap grows: returns the largest cached chunks of the cache the calling thread uses
     * (one bin, the largest class that holds any) to the arena, or once that is empty, the caches of
     * ended threads, or else the idle lanes; under the lock. The caller retries after each step, so
     * caches are emptied only as far as needed to make room.
     *
     * @param mine the cache the calling thread holds, or null to use its private cache, if any
     * @return whether any chunk was freed
     */
    private boolean reclaimSome(ThreadCache mine) {
        if (caches == null) {
            return false;
        }
        ThreadCache cache = mine != null ? mine : caches.own(Thread.currentThread());
        int c = cache == null ? -1 : cache.largestCachedClass();
        if (c >= 0) {
            flushBin(cache, c, cache.size(c));
            return true;
        }
        if (caches.sweepEnded(this::flush)) {
            return true;
        }
        long[] freed = {0};
        caches.forEachIdleLane(Thread.currentThread(), lane -> freed[0] += flush(lane));
        return freed[0] > 0;
    }

    /**
     * Returns every cache no other thread is using to the arena: the caller's, those of ended
     * threads and the idle lanes; under the lock.
     */
    private void reclaimCaches() {
        if (caches != null) {
            caches.sweepEnded(this::flush);
            caches.forEachQuiet(Thread.currentThread(), null, this::flush);
        }
    }

    /** Frees every chunk of a cache that no running thread uses concurrently; under the lock. @return chunks freed */
    private long flush(ThreadCache cache) {
        long freed = 0;
        for (int c = 0; c < cache.bins(); c++) {
            int k = cache.size(c);
            if (k > 0) {
                flushBin(cache, c, k);
                freed += k;
            }
        }
        return freed;
    }

    private void flushBin(ThreadCache cache, int c, int k) {
        cache.takeOldest(c, k, flushBuffer);
        // In address order, the chunks of one region are freed with one pass up its run tree.
        Arrays.sort(flushBuffer, 0, k);
        arena.freeAll(flushBuffer, k, classes.granules(c));
    }

    /**
     * Before a cached free into a full bin c: its older half goes back to the arena. The caller
     * holds its claim on the chunk it frees meanwhile.
     */
    private synchronized void makeRoom(ThreadCache cache, int c) {
        ensureOpen();
        caches.sweepNowAndThen(this::flush);
        flushBin(cache, c, (cache.size(c) + 1) / 2);
    }

    /** Creates a region's marks under the lock, so that its chunks can be claimed and cached. */
    private synchronized void enableCaching(ChunkMap map) {
        ensureOpen();
        map.enableCaching();
    }

    @Override
    public synchronized long allocate(long size, long alignment) {
        ensureOpen();
        if (alignment <= 0 || Long.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two, was " + alignment);
        }
        return allocateChunk(size, alignment, false, UNCACHED_STRIPE, null);
    }

    /**
     * @param stripe the thread stripe whose regions the chunk prefers ({@link Arena#bandFor}): the
     *               calling thread's for a thread cache's miss, {@link #UNCACHED_STRIPE} for the rest
     * @param cache  the cache the calling thread holds, or null: the one a growth reclaims from first
     */
    private long allocateChunk(long size, long alignment, boolean zero, int stripe, ThreadCache cache) {
        Sizes.check(size, maxRequest);
        long address;
        int n = 0;
        if (isLarge(size)) {
            address = mapDedicated(size, alignment, zero);
        } else {
            n = Sizes.granulesFor(size, granuleShift);
            address = arena.allocate(n, alignment, zero, stripe);
            if (address == 0) {
                address = growOrReclaim(size, n, alignment, zero, stripe, cache);
            }
        }
        if (perturb != 0 && !zero) {
            RawMemory.fill(address, n == 0 ? dedicated.get(address) : (long) n << granuleShift, (byte) ~perturb);
        }
        peakInUse = Math.max(peakInUse, bytesInUse());
        if (leakSample > 0 && ++allocations % leakSample == 0) {
            sites.put(address, new Throwable("chunk 0x" + Long.toHexString(address) + " (" + size + " bytes) allocated"));
        }
        return address;
    }

    /**
     * No free run holds n granules at the alignment: the heap grows ({@link #noRoom}) while the thread
     * caches hold at most their share of the mapped bytes ({@link #CACHE_SHARE}). Above it, or if
     * growth is refused, cached chunks go back to the arena first, as far as needed. Under the lock.
     *
     * @throws HeapExhaustedException if neither growth nor the cached chunks serve the request
     */
    private long growOrReclaim(long size, int n, long alignment, boolean zero, int stripe, ThreadCache cache) {
        HeapExhaustedException refused = null;
        if (grows() && !cachesOverShare()) {
            try {
                return noRoom(size, n, alignment, zero, stripe);
            } catch (HeapExhaustedException e) {
                // The limit or the system said no: what the caches hold is the last resort, and
                // if that does not serve, the refusal stands (the system is not asked twice).
                refused = e;
            }
        }
        while (reclaimSome(cache)) {
            long address = arena.allocate(n, alignment, zero, stripe);
            if (address != 0) {
                return address;
            }
        }
        if (refused != null) {
            throw refused;
        }
        return noRoom(size, n, alignment, zero, stripe);
    }

    /** @return whether {@link #noRoom} may map memory; false if it can only refuse */
    boolean grows() {
        return true;
    }

    /**
     * @return whether the thread caches together hold more than 1/{@link #CACHE_SHARE} of the bytes
     *         the regions map. Other threads' bin counts are read without their owners' ordering:
     *         the sum is an estimate, which is all a growth policy needs. Under the lock.
     */
    private boolean cachesOverShare() {
        if (caches == null) {
            return false;
        }
        return caches.granulesHeld() << granuleShift > arena.bytesMapped() / CACHE_SHARE;
    }

    @Override
    public synchronized MemoryBlock allocateBlock(long size) {
        ensureOpen();
        long address = allocateChunk(size, 1, false, UNCACHED_STRIPE, null);
        MemoryBlock block = new MemoryBlock(this, address, size);
        blocks.put(address, block);
        blockCount = blocks.size();
        return block;
    }

    synchronized void freeBlock(MemoryBlock block) {
        if (!block.isLive()) {
            throw new IllegalStateException("memory block 0x" + Long.toHexString(block.rawAddress())
                    + " was freed already or its allocator was closed");
        }
        freeChunk(block.rawAddress());
    }

    synchronized void freeBlockIfLive(MemoryBlock block) {
        if (block.isLive()) {
            freeChunk(block.rawAddress());
        }
    }

    /** The chunk at address stops being what a block or a leak record describes. */
    private void forget(long address) {
        if (!blocks.isEmpty()) {
            MemoryBlock block = blocks.remove(address);
            if (block != null) {
                block.kill();
                blockCount = blocks.size();
            }
        }
        if (!sites.isEmpty()) {
            sites.remove(address);
        }
    }

    /**
     * Reuses a kept mapping of the size and alignment, or maps a dedicated, zero-filled mapping of
     * whole pages at the alignment after {@link #reservePages} agreed.
     *
     * @param zero whether a reused mapping must be zeroed (a fresh one reads as zero already)
     */
    final long mapDedicated(long size, long alignment, boolean zero) {
        long bytes = Sizes.roundUp(size, pageSize);
        int k = kept.find(bytes, Math.max(alignment, pageSize));
        if (k >= 0) {
            long address = kept.address(k);
            long length = kept.length(k);
            kept.remove(k);
            if (zero) {
                RawMemory.fill(address, length, (byte) 0);
            }
            dedicated.put(address, length);
            dedicatedBytes += length;
            return address;
        }
        long slack = alignment > pageSize ? alignment - pageSize : 0;
        reservePages(bytes / pageSize, size);
        long mapped;
        try {
            mapped = source.map(bytes + slack);
        } catch (NativeMemoryException e) {
            throw new HeapExhaustedException("allocate(" + size + "): cannot map a dedicated " + bytes + "-byte mapping", e);
        }
        long address = mapped;
        if (slack > 0) {
            // Over-map by alignment - page, then return the misaligned head and the unused tail.
            address = Sizes.roundUp(mapped, alignment);
            if (address > mapped) {
                source.unmap(mapped, address - mapped);
            }
            if (mapped + bytes + slack > address + bytes) {
                source.unmap(address + bytes, mapped + bytes + slack - address - bytes);
            }
        }
        dedicated.put(address, bytes);
        dedicatedBytes += bytes;
        peakMapped = Math.max(peakMapped, bytesMapped());
        return address;
    }

    /**
     * Agrees to {@code pages} more pages being mapped, or refuses.
     *
     * @throws HeapExhaustedException if the allocator's page limit would be passed
     */
    void reservePages(long pages, long size) {
    }

    /** Records a new region's mapping in the peak. */
    final void regionMapped() {
        peakMapped = Math.max(peakMapped, bytesMapped());
    }

    @Override
    public synchronized long reallocate(long address, long newSize) {
        ensureOpen();
        if (address == 0) {
            return allocateChunk(newSize, 1, false, UNCACHED_STRIPE, null);
        }
        if (newSize == 0) {
            freeChunk(address);
            return 0;
        }
        Sizes.check(newSize, maxRequest);
        long oldBytes = dedicated.get(address);
        if (oldBytes != AddressMap.ABSENT) {
            return reallocateDedicated(address, oldBytes, newSize);
        }
        int r;
        try {
            r = arena.locate(address, "reallocate");
        } catch (IllegalArgumentException e) {
            return invalid(e);
        }
        // The old chunk is claimed before anything else happens (ChunkStates): a free racing this
        // call either came first, and this one changes nothing, or finds the chunk claimed.
        if (!arena.claim(r, address)) {
            return invalid(takenByAnother("reallocate", address));
        }
        boolean claimed = true;
        try {
            oldBytes = arena.chunkBytes(r, address);
            if (!isLarge(newSize) && resizeInPlace(r, address, oldBytes, newSize)) {
                peakInUse = Math.max(peakInUse, bytesInUse());
                killBlock(address);
                return address;
            }
            long moved = isLarge(newSize) ? growIntoKept(newSize) : 0;
            if (moved == 0) {
                moved = allocateChunk(newSize, 1, false, UNCACHED_STRIPE, null);
            }
            Throwable site = sites.isEmpty() ? null : sites.remove(address);
            RawMemory.copy(address, moved, Math.min(oldBytes, newSize));
            claimed = false;
            freeClaimed(r, address);
            movedOut(r);
            if (site != null) {
                sites.put(moved, site);
            }
            return moved;
        } finally {
            if (claimed) {
                arena.release(r, address);
            }
        }
    }

    /** {@link #reallocate} of a dedicated mapping's chunk; under the lock. */
    private long reallocateDedicated(long address, long oldBytes, long newSize) {
        if (isLarge(newSize)) {
            killBlock(address);
            return newSize <= oldBytes ? address : remapDedicated(address, oldBytes, newSize);
        }
        long moved = allocateChunk(newSize, 1, false, UNCACHED_STRIPE, null);
        Throwable site = sites.isEmpty() ? null : sites.remove(address);
        RawMemory.copy(address, moved, Math.min(oldBytes, newSize));
        releaseDedicated(address, oldBytes);
        if (site != null) {
            sites.put(moved, site);
        }
        return moved;
    }

    private static IllegalArgumentException takenByAnother(String operation, long address) {
        return new IllegalArgumentException(operation + "(0x" + Long.toHexString(address)
                + "): not allocated: freed at the same time by another thread (double free)");
    }

    /**
     * A chunk that grows out of the regions by reallocation takes the smallest kept mapping that
     * holds the new size, however much longer: its pages are mapped already, and the block will
     * likely grow into them without another system call, as glibc's heap lets a block that
     * outgrew its mmap threshold once grow in place.
     *
     * @return the mapping's address, now a dedicated chunk, or 0 if no kept mapping holds newSize
     */
    private long growIntoKept(long newSize) {
        int k = kept.findAtLeast(Sizes.roundUp(newSize, pageSize));
        if (k < 0) {
            return 0;
        }
        long address = kept.address(k);
        long length = kept.length(k);
        kept.remove(k);
        dedicated.put(address, length);
        dedicatedBytes += length;
        if (perturb != 0) {
            RawMemory.fill(address, length, (byte) ~perturb);
        }
        peakInUse = Math.max(peakInUse, bytesInUse());
        return address;
    }

    /** Grows a dedicated mapping by moving its pages (mremap): no copy, no page faults. */
    private long remapDedicated(long address, long oldBytes, long newSize) {
        long newBytes = Sizes.roundUp(newSize, pageSize);
        reservePages((newBytes - oldBytes) / pageSize, newSize);
        long moved;
        try {
            moved = source.remap(address, oldBytes, newBytes);
        } catch (NativeMemoryException e) {
            throw new HeapExhaustedException("reallocate(0x" + Long.toHexString(address) + ", " + newSize
                    + "): cannot grow the dedicated mapping", e);
        }
        dedicated.remove(address);
        dedicated.put(moved, newBytes);
        dedicatedBytes += newBytes - oldBytes;
        if (!sites.isEmpty()) {
            Throwable site = sites.remove(address);
            if (site != null) {
                sites.put(moved, site);
            }
        }
        if (perturb != 0) {
            RawMemory.fill(moved + oldBytes, newBytes - oldBytes, (byte) ~perturb);
        }
        peakInUse = Math.max(peakInUse, bytesInUse());
        peakMapped = Math.max(peakMapped, bytesMapped());
        return moved;
    }

    /** A block whose chunk is resized through the raw API no longer describes it. */
    private void killBlock(long address) {
        if (!blocks.isEmpty()) {
            MemoryBlock block = blocks.remove(address);
            if (block != null) {
                block.kill();
                blockCount = blocks.size();
            }
        }
    }

    private boolean resizeInPlace(int r, long address, long oldBytes, long newSize) {
        int newN = Sizes.granulesFor(newSize, granuleShift);
        long newBytes = (long) newN << granuleShift;
        if (newBytes < oldBytes && perturb != 0) {
            RawMemory.fill(address + newBytes, oldBytes - newBytes, (byte) perturb);
        }
        int oldN = (int) (oldBytes >>> granuleShift);
        if (!arena.resizeInPlace(r, address, oldN, newN)
                && !(commitForGrowth(r, address, newN) && arena.resizeInPlace(r, address, oldN, newN))) {
            return false;
        }
        if (newBytes > oldBytes && perturb != 0) {
            RawMemory.fill(address + oldBytes, newBytes - oldBytes, (byte) ~perturb);
        }
        return true;
    }

    @Override
    public void free(long address) {
        if (freeCached(address)) {
            return;
        }
        synchronized (this) {
            ensureOpen();
            freeChunk(address);
        }
    }

    /**
     * Frees {@code address} into the cache the calling thread uses, without the lock, if this
     * allocator holds it as a live chunk of a class length.
     *
     * @return false, having changed nothing, if a free under the lock must handle it
     */
    final boolean freeCached(long address) {
        if (cacheLimit == 0 || address == 0 || blockCount != 0 || closed) {
            return false;
        }
        ThreadCache cache = cache();
        if (cache == null) {
            return false;
        }
        try {
            return cacheFree(cache, address);
        } finally {
            if (cache.isLane()) {
                cache.letGo();
            }
        }
    }

    /**
     * The fast path of free, LIVE to CLAIMED to CACHED ({@link ChunkStates}): claims the chunk's
     * mark, reads its class, and pushes it into the cache.
     *
     * @return false, having changed nothing, if the lock path must handle the address (another
     *         region, not a live chunk start, a length no class has, or a mark set already: a
     *         second free, which the lock path reports)
     */
    private boolean cacheFree(ThreadCache cache, long address) {
        ChunkMap map;
        int offset;
        if (address == cache.lastAddress()) {
            map = cache.lastMap();
            offset = cache.lastOffset();
        } else {
            int k = cache.regionOf(address);
            if (k < 0 && (k = learnRegion(cache, address)) < 0) {
                return false;
            }
            long delta = address - cache.regionBase(k);
            if ((delta & ((1L << granuleShift) - 1)) != 0) {
                return false;
            }
            map = cache.regionMap(k);
            offset = (int) (delta >>> granuleShift);
        }
        if (!ChunkStates.claim(map, offset)) {
            // A region's first cached free creates its marks, if a live chunk of a class starts there.
            if (map.cachingEnabled() || classOfClaimed(map, offset) < 0) {
                return false;
            }
            enableCaching(map);
            if (!ChunkStates.claim(map, offset)) {
                return false;
            }
        }
        // The chunk is ours now (or the mark is a stray, which the read below tells).
        int c = cache.isLastPopped(address) ? cache.lastClass() : classOfClaimed(map, offset);
        if (c < 0) {
            ChunkStates.release(map, offset);
            return false;
        }
        if (cache.isFull(c)) {
            makeRoom(cache, c);
        }
        if (perturb != 0) {
            fillOpen(address, (long) classes.granules(c) << granuleShift, (byte) perturb);
        }
        cache.push(c, address, map, offset);
        return true;
    }

    /**
     * The class of the chunk at {@code offset}, which the caller claimed, read without the lock:
     * a stable read of the map (retried while the lock holder changes it; the claim keeps this chunk
     * itself as it is). Without a claim, the answer may be out of date by the time it returns.
     *
     * @return its class, or -1 if no live chunk starts there (a stray mark) or no class has its length
     */
    private int classOfClaimed(ChunkMap map, int offset) {
        for (;;) {
            long v = map.stableVersion();
            if (v < 0) {
                Thread.onSpinWait();
                continue;
            }
            int n = map.racyChunkLength(offset, classes.largest());
            if (map.unchangedSince(v)) {
                return n < 0 ? -1 : classes.exactClass(n);
            }
        }
    }

    /**
     * Fills a cached chunk under the lock, so that a close() racing the fast path cannot unmap the
     * memory in the middle of the write: the caller gets IllegalStateException, never a fault.
     */
    private synchronized void fillOpen(long address, long bytes, byte value) {
        ensureOpen();
        RawMemory.fill(address, bytes, value);
    }

    /** Teaches the cache the region holding address. @return its index in the cache's copy, or -1 if no region holds it */
    private synchronized int learnRegion(ThreadCache cache, long address) {
        if (closed) {
            return -1;
        }
        int r = arena.regionOf(address);
        if (r < 0) {
            return -1;
        }
        return cache.learn(address, arena.base(r), arena.base(r) + arena.length(r), arena.map(r));
    }

    private void freeChunk(long address) {
        if (address == 0) {
            return;
        }
        int r = arena.regionOf(address);
        if (r < 0) {
            long bytes = dedicated.get(address);
            if (bytes != AddressMap.ABSENT) {
                releaseDedicated(address, bytes);
                return;
            }
            if (kept.indexOf(address) >= 0) {
                invalid(new IllegalArgumentException("free(0x" + Long.toHexString(address)
                        + "): not allocated: freed already (its mapping is kept for the next large request)"));
                return;
            }
        }
        try {
            r = arena.locateIn(r, address, "free");
        } catch (IllegalArgumentException e) {
            invalid(e);
            return;
        }
        freeRegionChunk(r, address);
    }

    private void freeRegionChunk(int r, long address) {
        // A cached free racing this one (a double free) claims the chunk with its mark: claim it too.
        if (!arena.claim(r, address)) {
            invalid(takenByAnother("free", address));
            return;
        }
        freeClaimed(r, address);
    }

    /** CLAIMED to FREE: frees a region's chunk that the caller claimed ({@link Arena#claim}); under the lock. */
    private void freeClaimed(int r, long address) {
        forget(address);
        if (perturb != 0) {
            RawMemory.fill(address, arena.chunkBytes(r, address), (byte) perturb);
        }
        long freed = arena.free(r, address);
        if (trimThreshold > 0) {
            freedSinceTrim += freed;
            if (freedSinceTrim >= trimThreshold) {
                freedSinceTrim = 0;
                if (arena.releasableBytes() >= trimThreshold) {
                    arena.trim(source);
                }
            }
        }
    }

    /**
     * Frees a dedicated mapping's chunk: keeps the mapping for reuse when it fits the limit (the
     * oldest kept ones are unmapped to make way), else unmaps it. If a munmap fails the chunk stays
     * live and the failure is thrown.
     */
    private void releaseDedicated(long address, long bytes) {
        if (!kept.accepts(bytes)) {
            unmapDedicated(address, bytes);
            return;
        }
        while (kept.full(bytes)) {
            unmapOldestKept();
        }
        forget(address);
        dedicated.remove(address);
        dedicatedBytes -= bytes;
        kept.add(address, bytes);
    }

    /** Unmaps every kept mapping. @return the bytes released */
    private long unmapKept() {
        long released = 0;
        while (kept.count() > 0) {
            released += unmapOldestKept();
        }
        return released;
    }

    /** Unmaps the oldest kept mapping (it stays kept if munmap fails). @return its bytes */
    private long unmapOldestKept() {
        long bytes = kept.length(0);
        source.unmap(kept.address(0), bytes);
        kept.remove(0);
        return bytes;
    }

    /** Unmaps a dedicated mapping; if munmap fails the chunk stays live and the failure is thrown. */
    private void unmapDedicated(long address, long bytes) {
        source.unmap(address, bytes);
        forget(address);
        dedicated.remove(address);
        dedicatedBytes -= bytes;
    }

    /** Applies the check level to an invalid address; @return 0 (NULL) when it does not throw */
    private long invalid(IllegalArgumentException e) {
        switch (check) {
            case THROW:
                throw e;
            case REPORT:
                System.err.println("mmapheap " + name + ": " + e.getMessage());
                return 0;
            default:
                return 0;
        }
    }

    /**
     * @return whether {@code address} lies in memory this allocator mapped (a region or the start of
     *         a dedicated mapping), live chunk or not
     */
    synchronized boolean holds(long address) {
        ensureOpen();
        return arena.regionOf(address) >= 0 || dedicated.get(address) != AddressMap.ABSENT;
    }

    /**
     * Frees {@code address} if this allocator holds it ({@link #holds}), as {@link #free} would.
     *
     * @return false, doing nothing, if the address is not in this allocator's memory
     */
    synchronized boolean freeIfHeld(long address) {
        ensureOpen();
        if (arena.regionOf(address) < 0 && dedicated.get(address) == AddressMap.ABSENT) {
            return false;
        }
        freeChunk(address);
        return true;
    }

    @Override
    public synchronized long usableSize(long address) {
        ensureOpen();
        long bytes = dedicated.get(address);
        if (bytes != AddressMap.ABSENT) {
            return bytes;
        }
        return arena.chunkBytes(arena.locate(address, "usableSize"), address);
    }

    @Override
    public synchronized long trim() {
        ensureOpen();
        reclaimCaches();
        freedSinceTrim = 0;
        return unmapKept() + arena.trim(source);
    }

    @Override
    public synchronized void verify() {
        ensureOpen();
        arena.verify();
        verifyCaches();
        long[] sum = new long[1];
        dedicated.forEach((address, bytes) -> {
            if (arena.regionOf(address) >= 0 || (address & (pageSize - 1)) != 0 || bytes % pageSize != 0) {
                throw new IllegalStateException("dedicated mapping 0x" + Long.toHexString(address) + " of " + bytes
                        + " bytes is misaligned or overlaps a region");
            }
            sum[0] += bytes;
        });
        if (sum[0] != dedicatedBytes) {
            throw new IllegalStateException("dedicated mappings hold " + sum[0] + " bytes; the counter says " + dedicatedBytes);
        }
        long keptSum = 0;
        for (int i = 0; i < kept.count(); i++) {
            long a = kept.address(i);
            if (arena.regionOf(a) >= 0 || dedicated.get(a) != AddressMap.ABSENT || (a & (pageSize - 1)) != 0
                    || kept.length(i) % pageSize != 0) {
                throw new IllegalStateException("kept mapping 0x" + Long.toHexString(a) + " of " + kept.length(i)
                        + " bytes is misaligned or also live");
            }
            keptSum += kept.length(i);
        }
        if (keptSum != kept.bytes()) {
            throw new IllegalStateException("kept mappings hold " + keptSum + " bytes; the counter says " + kept.bytes());
        }
    }

    /**
     * The cache invariants, under the lock: every entry of every cache no other thread is using
     * holds a marked chunk start of its class's length, no chunk is in two entries, and when every
     * cache could be read (no other thread in the middle of a cached call), every mark belongs to
     * exactly one entry.
     */
    private void verifyCaches() {
        if (caches == null) {
            return;
        }
        caches.sweepEnded(this::flush);
        java.util.Set<Long> seen = new java.util.HashSet<>();
        boolean all = caches.forEachQuiet(Thread.currentThread(), null, cache -> cache.forEachEntry((c, address, map, offset) -> {
            int r = arena.regionOf(address);
            if (r < 0 || arena.map(r) != map || arena.offsetIn(r, address) != offset) {
                throw new IllegalStateException("cache entry 0x" + Long.toHexString(address) + " names another region or offset");
            }
            if (!map.isChunkStart(offset) || !ChunkStates.isMarked(map, offset)) {
                throw new IllegalStateException("cache entry 0x" + Long.toHexString(address) + " is not a marked chunk start");
            }
            if (map.chunkLength(offset) != classes.granules(c)) {
                throw new IllegalStateException("cache entry 0x" + Long.toHexString(address) + " in the bin of "
                        + classes.granules(c) + " granules is " + map.chunkLength(offset) + " granules long");
            }
            if (!seen.add(address)) {
                throw new IllegalStateException("chunk 0x" + Long.toHexString(address) + " is in two cache entries");
            }
        }));
        long marked = arena.cachedChunks()[0];
        if (all && marked != seen.size()) {
            throw new IllegalStateException(marked + " chunks are marked cached but the caches hold " + seen.size());
        }
    }

    @Override
    public synchronized HeapStats stats() {
        ensureOpen();
        if (caches != null) {
            caches.sweepEnded(this::flush);
        }
        long[] cached = arena.cachedChunks();
        long cachedBytes = cached[1] << granuleShift;
        return new HeapStats(bytesMapped() / pageSize, bytesMapped(), bytesInUse() - cachedBytes,
                arena.bytesMapped() - arena.bytesInUse(), arena.freeRuns(), (long) arena.longestFree() << granuleShift,
                arena.liveChunks() - cached[0] + dedicated.size(), arena.regionCount(), dedicated.size(), dedicatedBytes,
                arena.releasableBytes() + kept.bytes(), peakInUse, Math.max(peakMapped, bytesMapped()),
                arena.metadataBytes() + dedicated.metadataBytes(), cachedBytes, kept.bytes(), arena.bytesReserved());
    }

    @Override
    public synchronized String pageMap(int maxPages) {
        ensureOpen();
        StringBuilder out = new StringBuilder();
        int drawn = arena.draw(out, maxPages);
        long regionPages = arena.bytesMapped() / pageSize;
        String newline = System.lineSeparator();
        if (drawn < regionPages) {
            out.append("... ").append(regionPages - drawn).append(" more pages").append(newline);
        }
        if (regionPages == 0) {
            out.append("(no pages mapped)").append(newline);
        }
        if (dedicated.size() > 0) {
            out.append(dedicated.size()).append(" dedicated mappings, ").append(dedicatedBytes).append(" bytes").append(newline);
        }
        if (kept.count() > 0) {
            out.append(kept.count()).append(" freed mappings kept for reuse, ").append(kept.bytes()).append(" bytes").append(newline);
        }
        return out.toString();
    }

    /**
     * Unmaps every region and dedicated mapping. Idempotent.
     *
     * @throws NativeMemoryException if a munmap fails (the allocator is closed anyway)
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        String leaks = strictClose || reportLeaks ? leakReport() : "";
        for (MemoryBlock block : blocks.values()) {
            block.kill();
        }
        blocks.clear();
        blockCount = 0;
        // Every cache goes with the heap: no thread keeps a closed heap's caches or maps reachable.
        if (caches != null) {
            caches.forgetAll();
        }
        RuntimeException[] failure = {arena.unmapAll(source)};
        dedicated.forEach((address, bytes) -> {
            try {
                source.unmap(address, bytes);
            } catch (RuntimeException e) {
                if (failure[0] == null) {
                    failure[0] = e;
                }
            }
        });
        try {
            unmapKept();
        } catch (RuntimeException e) {
            if (failure[0] == null) {
                failure[0] = e;
            }
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        if (!leaks.isEmpty()) {
            if (strictClose) {
                throw new IllegalStateException(leaks);
            }
            if (reportLeaks) {
                System.err.print(leaks);
            }
        }
    }

    /** @return the report of chunks still live, with the sampled allocation sites; empty if none */
    private String leakReport() {
        long[] cached = arena.cachedChunks();
        long live = arena.liveChunks() - cached[0] + dedicated.size();
        if (live == 0) {
            return "";
        }
        String newline = System.lineSeparator();
        StringBuilder report = new StringBuilder("mmapheap ").append(name).append(": closed with ").append(live)
                .append(" live chunks (").append(bytesInUse() - (cached[1] << granuleShift)).append(" bytes) never freed")
                .append(newline);
        if (leakSample > 0) {
            List<Throwable> sampled = new ArrayList<>(sites.values());
            report.append("  allocation sites of ").append(sampled.size()).append(" sampled chunks (1 in ")
                    .append(leakSample).append("):").append(newline);
            for (Throwable site : sampled) {
                report.append("  ").append(site.getMessage()).append(" at").append(newline);
                StackTraceElement[] frames = site.getStackTrace();
                int first = 0;
                // The allocator's own frames come first; the report starts at the caller.
                while (first < frames.length && isAllocatorFrame(frames[first])) {
                    first++;
                }
                for (int f = first; f < frames.length; f++) {
                    report.append("      ").append(frames[f]).append(newline);
                }
            }
        } else {
            report.append("  (enable leak tracking, -D").append(DebugDefaults.LEAK_PROPERTY)
                    .append("=N or leakTracking(N), to see where 1 in N chunks were allocated)").append(newline);
        }
        return report.toString();
    }

    private static boolean isAllocatorFrame(StackTraceElement frame) {
        String c = frame.getClassName();
        return c.equals(ArenaAllocator.class.getName()) || c.equals(ElasticHeap.class.getName())
                || c.equals(PageAllocator.class.getName());
    }

    final long pagesMapped() {
        return bytesMapped() / pageSize;
    }

    final long bytesMapped() {
        return arena.bytesMapped() + dedicatedBytes + kept.bytes();
    }

    final long bytesInUse() {
        return arena.bytesInUse() + dedicatedBytes;
    }

    final void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
    }
}
