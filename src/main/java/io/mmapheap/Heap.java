package io.mmapheap;

import java.util.Arrays;
import java.util.List;

/**
 * The allocator core behind the public heaps ({@code ElasticHeap}, {@code PageAllocator}): one lock, the argument
 * checks and every public call, over collaborators of one concept each.
 *
 * <pre>
 *   Heap ── Regions          the regions: chunk maps (ChunkMap) filed by size band and thread group
 *        ├─ Growth         what happens when no region has room: ElasticGrowth or FixedMapping
 *        ├─ LargeMappings  chunks with a mapping of their own, and freed ones kept for reuse
 *        ├─ ThreadCaches   the caches of freed chunks (ThreadCache): private ones and shared lanes
 *        ├─ Diagnostics    perturb fill, check level, leak sites
 *        └─ BlockScope     the life of the heap's MemoryBlocks (and of their views)
 *   ChunkStates            the states of a chunk and the only code that changes a chunk's mark
 * </pre>
 *
 * <p>Every public method holds the heap's lock (the monitor of this object), except the fast paths
 * of {@link #allocate(long)} and {@link #free} when thread caches are on: a request of at most
 * {@code cacheLimit} bytes is rounded up to its {@link SizeClasses} class and served from the cache
 * the calling thread uses if that holds a chunk of the class; a free of a class-length chunk claims
 * the chunk and pushes it into that cache ({@link ChunkStates}). Neither takes the lock, creates an
 * object or makes a system call; the lock is taken when a bin is empty (a refill from the regions) or
 * full (half of it goes back). When no free run fits, the heap grows while the caches together hold
 * at most 1/{@value #CACHE_SHARE} of the bytes its regions map; above that share, or when it may not
 * grow, cached chunks go back to the regions first, so a request fails only if no free run of its
 * own length (in a region of any size band) and none of the chunks in the calling thread's cache, the caches of ended
 * threads and the caches no thread is using fits: the private caches of other live threads stay
 * theirs. Frees alone keep the caches within a ceiling of 2/{@value #CACHE_FREE_SHARE} of
 * the mapped bytes (or {@value #CACHE_FLOOR_BYTES} bytes if more; with a limit, never more than a
 * quarter of it) and a quarter of that, however many
 * threads free at once: a push past the headroom its cache was given asks the heap, which sends the
 * cache's bins back when the caches are above the ceiling ({@link #keepShare}). The two bounds
 * differ on purpose: chunks that wait in caches while the heap grows are what a tight heap cannot
 * afford, while a program that frees and reallocates its working set in steady state keeps what
 * fits of it cached, off the lock.
 */
final class Heap implements MemoryBlock.Owner {

    /** The largest request thread caches serve, bytes. */
    static final long MAX_CACHED_BYTES = 131072;
    /**
     * The thread caches may hold up to 1/this of the bytes the regions map when the heap would grow:
     * a heap with no free run for a request grows while they hold less, and sends cached chunks back
     * first once they hold more.
     */
    static final int CACHE_SHARE = 16;
    /**
     * Frees alone may take the caches up to 2/this of the bytes the regions map (or
     * {@link #CACHE_FLOOR_BYTES}), after which they go back down to 1/this ({@link #keepShare}).
     */
    static final int CACHE_FREE_SHARE = 4;
    /** The most bytes a miss takes for its bin beside the chunk it serves ({@link #refillCount}). */
    static final long REFILL_EXTRA_BYTES = 64 * 1024;
    /**
     * The caches may hold this much, whatever the heap's size, before frees make them give back
     * ({@link #keepShare}); in a heap with a limit, no more than a quarter of the limit.
     */
    static final long CACHE_FLOOR_BYTES = 1L << 20;
    /**
     * The thread group ({@link Regions#bandFor}) whose regions serve first the requests that do not
     * come through a thread cache (longer than the caches serve, aligned, reallocated): groups keep
     * apart the chunks that threads cache, mark and hand out again, which these are not.
     */
    private static final int UNCACHED_GROUP = 0;

    /** What a heap is made of, each part named. */
    static final class Shape {
        /** The public class's simple name: {@code ElasticHeap} or {@code PageAllocator}. */
        final String kind;
        /** The name the allocator was built with ({@link AllocatorBuilder#name}), or null. */
        final String name;
        /** The largest request served, bytes. */
        final long maxRequest;
        /** Whether the heap has one region only (a {@link FixedMapping}). */
        final boolean singleRegion;
        /** No region is shorter than this many pages (but perhaps the last). */
        final long minRegionPages;
        /** The largest request the thread caches may serve, bytes (capped at {@link #MAX_CACHED_BYTES}). */
        final long largestCached;
        /** Bytes of freed dedicated mappings kept mapped for reuse (0: unmap on free). */
        final long keptBytes;
        /** The classes of the public calls in front of this heap, whose frames a leak report leaves out. */
        final List<String> facadeClasses;

        Shape(String kind, String name, long maxRequest, boolean singleRegion, long minRegionPages, long largestCached,
              long keptBytes, List<String> facadeClasses) {
            this.kind = kind;
            this.name = name;
            this.facadeClasses = facadeClasses;
            this.maxRequest = maxRequest;
            this.singleRegion = singleRegion;
            this.minRegionPages = minRegionPages;
            this.largestCached = largestCached;
            this.keptBytes = keptBytes;
        }

        /**
         * @return the heap's label in messages, log records and events: its kind, and its name in
         *         quotes if it has one ({@code ElasticHeap "orders"})
         */
        String label() {
            return name == null ? kind : kind + " \"" + name + "\"";
        }
    }

    /** Makes a heap's growth policy from the parts the heap made. */
    interface GrowthFactory {
        Growth make(Regions regions, LargeMappings large, int granuleShift, HeapEvents events);
    }

    /** The heap's label ({@link Shape#label}), for messages. */
    private final String label;
    /** The classes whose frames a leak report leaves out: the allocator's own. */
    private final List<String> ownFrames;
    private final PageSource source;
    private final long pageSize;
    final int granuleShift;
    final Regions regions;
    private final Growth growth;
    private final LargeMappings large;
    private final Diagnostics diag;
    /** The JFR events and DEBUG records of the slow paths. */
    private final HeapEvents events;
    /** Open until close: the life of this heap's {@link MemoryBlock}s. */
    private final BlockScope blockScope = new BlockScope();
    private final long maxRequest;
    private final long trimThreshold;
    /** Chunks of at most this many bytes go through the thread caches; 0 when caches are off. */
    private final long cacheLimit;
    /** {@link #CACHE_FLOOR_BYTES}, or a quarter of the heap's limit if less, in granules. */
    private final long cacheFloorGranules;
    /** The most frees alone let the caches hold: a quarter of the heap's limit, in granules; none without one. */
    private final long cacheCapGranules;
    private final SizeClasses classes;
    /** The thread caches, private and shared ({@link ThreadCaches}), or null when caches are off. */
    private final ThreadCaches caches;
    /**
     * Addresses taken out of a bin, freed under the lock; also receives a refill's chunks. A bin's
     * first length, until a grown bin is flushed: a heap costs no more Java heap for bins that never grew.
     */
    private long[] flushBuffer;
    /** {@link #flush}, made once: the lock path passes it on without making an object each time. */
    private final java.util.function.Consumer<ThreadCache> flusher = this::flush;
    private long freedSinceTrim;
    /**
     * Growth steps of empty regions that stay committed when the rest go back to their
     * reservations ({@link Growth#releaseEmpty}), and so the bytes freed into the regions between
     * two looks for such regions: a heap that frees what it held shrinks without a call to trim.
     */
    static final int KEPT_EMPTY_STEPS = 1;
    /**
     * How long a region stays empty before it goes back: a heap that empties and fills again in
     * phases shorter than this (a request, a batch) does not decommit and fault its pages in each time.
     */
    static final long EMPTY_DECAY_NANOS = 1_000_000_000L;
    /** The longest a refill goes without a look for regions to give back ({@link #lookNowAndThen}). */
    static final long LOOK_PERIOD_NANOS = EMPTY_DECAY_NANOS / 4;
    private long lastLook;
    /** Allocations under the lock without a thread cache, between two reads of the clock; a power of two. */
    static final int LOOKS_EVERY = 64;
    /**
     * Misses of the thread caches between two reads of the clock ({@link #lookNowAndThen}); a power
     * of two. A read costs as much as a cached pair, and a program whose misses alternate with
     * cached frees of other classes takes the lock on most allocations.
     */
    static final int MISSES_PER_LOOK = 16;
    private long misses;
    /**
     * {@link Regions#emptiedCount} when a look last found no empty region waiting to go back: until
     * a free empties another, misses read the clock only once in {@link #MISSES_PER_LOOK}; after
     * one does, every miss looks until it has gone back.
     */
    private long emptiedSeen;
    private int uncachedAllocations;
    private final long keptEmptyBytes;
    private long freedSinceRelease;
    private long peakInUse;
    private long peakMapped;
    private volatile boolean closed;

    Heap(Shape shape, AllocatorBuilder<?> b, GrowthFactory growthFactory) {
        this.label = shape.label();
        this.events = new HeapEvents(label);
        this.ownFrames = new java.util.ArrayList<>(shape.facadeClasses);
        this.ownFrames.add(Heap.class.getName());
        this.source = b.resolvedSource;
        this.pageSize = source.pageSize();
        this.granuleShift = Sizes.granuleShift(b.granule, pageSize);
        this.maxRequest = shape.maxRequest;
        this.trimThreshold = b.trimThreshold;
        this.diag = new Diagnostics(label, b.perturb, b.wipeOnFree, b.check, b.strictClose, b.reportLeaks, b.leakSample);
        this.large = new LargeMappings(source, shape.keptBytes, events);
        long limit = Math.min(Math.min(shape.largestCached, MAX_CACHED_BYTES), maxRequest) & -(1L << granuleShift);
        // Caching would hide frees from leak sampling and automatic trim, so those turn it off.
        boolean cached = b.threadCache && b.leakSample == 0 && trimThreshold == 0 && limit > 0;
        // Placement is exact first fit only without caches; with them, size bands get regions of their own.
        this.regions = new Regions(granuleShift, pageSize, shape.singleRegion, shape.minRegionPages, cached && !shape.singleRegion);
        this.growth = growthFactory.make(regions, large, granuleShift, events);
        long heapLimit = growth.limitBytes();
        this.flushBuffer = new long[b.threadCacheChunks];
        if (cached) {
            this.cacheLimit = limit;
            this.classes = new SizeClasses((int) (limit >>> granuleShift));
            // Under a page limit, bins keep their length: chunks a quiet thread holds are pages others may lack.
            this.caches = new ThreadCaches(classes, b.threadCacheChunks, b.growBins && heapLimit == 0, granuleShift,
                    regions.sliceShift(), regions.groups());
        } else {
            this.cacheLimit = 0;
            this.classes = null;
            this.caches = null;
        }
        this.keptEmptyBytes = KEPT_EMPTY_STEPS * shape.minRegionPages * pageSize;
        this.cacheFloorGranules = (heapLimit == 0 ? CACHE_FLOOR_BYTES : Math.min(CACHE_FLOOR_BYTES, heapLimit / 4)) >>> granuleShift;
        this.cacheCapGranules = heapLimit == 0 ? Long.MAX_VALUE : (heapLimit / 4) >>> granuleShift;
        notePeaks();
    }

    /** @return the granule in bytes */
    long granule() {
        return 1L << granuleShift;
    }

    /** @return whether thread caches are on */
    boolean threadCaching() {
        return caches != null;
    }

    /** @return the thread caches that exist now (private ones and lanes), 0 when caches are off */
    synchronized int threadCacheCount() {
        return caches == null ? 0 : caches.count();
    }

    /** @return the Java heap bytes the thread caches take now ({@link ThreadCaches#footprintBytes}), 0 when caches are off */
    synchronized long threadCacheFootprint() {
        return caches == null ? 0 : caches.footprintBytes();
    }

    /** @return the number of size classes the thread caches have bins for, 0 when caches are off */
    int sizeClassCount() {
        return classes == null ? 0 : classes.count();
    }

    /** @return the most thread caches this heap can hold ({@link ThreadCaches#bound}), 0 when caches are off */
    int threadCacheBound() {
        return caches == null ? 0 : caches.bound();
    }

    // ---------------------------------------------------------------- allocate

    long allocate(long size) {
        return allocateSmallOrLocked(size, false);
    }

    long allocateZeroed(long size) {
        return allocateSmallOrLocked(size, true);
    }

    /** The thread cache for requests it serves, else the regions under the lock. */
    private long allocateSmallOrLocked(long size, boolean zero) {
        if (size > 0 && size <= cacheLimit && !closed) {
            ThreadCache cache = cache();
            if (cache != null) {
                try {
                    int c = classes.classOf(Sizes.granulesFor(size, granuleShift));
                    long address = cache.pop(c);
                    if (address == 0) {
                        return allocateClass(cache, size, c, zero);
                    }
                    if (zero || diag.perturb != 0) {
                        fillOpen(address, (long) classes.granules(c) << granuleShift, zero);
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
            lookNowAndThenUncached();
            return allocateChunk(size, 1, zero, UNCACHED_GROUP, null);
        }
    }

    /**
     * A miss of the thread cache: a chunk of exactly class c's length from the regions, and with it,
     * if the free run it comes from holds them, up to {@link #refillCount} more of the
     * class for the bin, taken in one step of the lock and one tree update. A run of misses of one
     * class (a burst of allocations) then takes the lock once per refill, not once per chunk; the
     * chunks are where as many first-fit allocations would have put them, and a refill never
     * grows the heap. With no free run that fits, the front of a longer cached chunk serves the
     * miss ({@link #splitCached}), or two cached halves side by side joined ({@link #joinCached});
     * failing both, the heap grows or the cache's bins go back first, as {@link #growOrReclaim} decides.
     */
    private synchronized long allocateClass(ThreadCache cache, long size, int c, boolean zero) {
        ensureOpen();
        caches.sweepNowAndThen(flusher);
        if (regions.emptiedCount() != emptiedSeen || (++misses & (MISSES_PER_LOOK - 1)) == 0) {
            lookNowAndThen();
        }
        int n = classes.granules(c);
        int got = regions.allocateRun(n, refillCount(cache, c, n), zero, flushBuffer, cache.group);
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
            got = regions.allocateRun(n, refillCount(cache, c, n), zero, flushBuffer, cache.group);
        }
        if (got == 0) {
            return allocateChunk(size, n, 1, zero, cache.group, cache);
        }
        long address = flushBuffer[0];
        if (got > 1) {
            int r = regions.regionOf(address);
            ChunkMap map = regions.map(r);
            int first = regions.offsetIn(r, address);
            // Highest first, so that the bin hands the rest out in address order.
            for (int i = got - 1; i > 0; i--) {
                cache.push(c, flushBuffer[i], map, first + i * n);
            }
        }
        if (!zero) {
            diag.handedOut(address, (long) n << granuleShift, false);
        }
        peakInUse = Math.max(peakInUse, bytesInUse());
        return address;
    }

    /**
     * @return how many chunks of class c (n granules) a miss may take at once: the one asked for,
     *         and as many more as {@link ThreadCache#refillCount} allows, but no more than
     *         {@link #REFILL_EXTRA_BYTES} of them, so that a miss of a long class does not take a
     *         large part of the heap into one cache
     */
    private int refillCount(ThreadCache cache, int c, int n) {
        long extraGranules = REFILL_EXTRA_BYTES >>> granuleShift;
        return (int) Math.min(cache.refillCount(c), 1 + extraGranules / n);
    }

    /**
     * A miss that finds no free run: before any chunk goes back to the regions, the front of the
     * smallest longer chunk in the calling thread's cache serves it, if the rest is a class's length
     * and its bin has room. The rest waits in that bin as a chunk of its own: only a chunk start is
     * set, so the run tree and the region index stay as they are. Under the lock; the longer chunk
     * keeps its mark while it is split (CACHED to CACHED + CACHED, {@link ChunkStates}), and the
     * front is handed out after.
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
        long address = cache.takeLast(d);
        int r = regions.regionOf(address);
        ChunkMap map = regions.map(r);
        int offset = regions.offsetIn(r, address);
        int rest = offset + n;
        // The rest comes into being CACHED: marked before its start is set.
        ChunkStates.markIntoBeing(map, rest, 1, 1);
        map.split(offset, n);
        cache.push(e, address + ((long) n << granuleShift), map, rest);
        ChunkStates.release(map, offset);
        diag.handedOut(address, (long) n << granuleShift, zero);
        return address;
    }

    /**
     * A miss that finds no free run and no longer cached chunk to split: two chunks of half class
     * c's length that lie side by side in one bin of the calling thread's cache become one chunk,
     * which serves the miss. Only the second chunk's start is cleared, so the run tree and the
     * region index stay as they are, where sending the bin back and allocating again would update
     * both twice. Under the lock.
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
        int r = regions.regionOf(address);
        ChunkMap map = regions.map(r);
        int offset = regions.offsetIn(r, address);
        // The upper chunk ends (its start first, then its mark); the joined one is handed out.
        map.join(offset, half);
        ChunkStates.release(map, offset + half);
        ChunkStates.release(map, offset);
        diag.handedOut(address, (long) n << granuleShift, zero);
        return address;
    }

    synchronized long allocate(long size, long alignment) {
        ensureOpen();
        try {
            Sizes.checkAlignment(alignment, maxRequest);
        } catch (IllegalArgumentException refusal) {
            throw events.refused(size, alignment, refusal);
        }
        lookNowAndThenUncached();
        return allocateChunk(size, alignment, false, UNCACHED_GROUP, null);
    }

    /**
     * @param group the thread group whose regions the chunk prefers ({@link Regions#bandFor}): the
     *               calling thread's for a thread cache's miss, {@link #UNCACHED_GROUP} for the rest
     * @param cache  the cache the calling thread holds, or null: the one a growth reclaims from first
     * @throws IllegalArgumentException for an invalid size, and HeapExhaustedException without room,
     *                                  each a refusal {@link HeapEvents#refused} tells of
     */
    private long allocateChunk(long size, long alignment, boolean zero, int group, ThreadCache cache) {
        return allocateChunk(size, 0, alignment, zero, group, cache);
    }

    /**
     * @param size          the bytes asked for, as refusals and leak reports name them
     * @param classGranules the length of the size class a thread cache rounded {@code size} up to,
     *                      or 0 for as many granules as {@code size} needs
     */
    private long allocateChunk(long size, int classGranules, long alignment, boolean zero, int group, ThreadCache cache) {
        try {
            return placeChunk(size, classGranules, alignment, zero, group, cache);
        } catch (HeapExhaustedException | IllegalArgumentException refusal) {
            throw events.refused(size, alignment, refusal);
        }
    }

    private long placeChunk(long size, int classGranules, long alignment, boolean zero, int group, ThreadCache cache) {
        Sizes.check(size, maxRequest);
        if (growth.isLarge(size)) {
            return handOutDedicated(mapLargeOrRelease(size, alignment, zero), size, zero);
        }
        int n = classGranules != 0 ? classGranules : Sizes.granulesFor(size, granuleShift);
        long address = regions.allocate(n, alignment, zero, group);
        if (address != 0) {
            return handOut(address, (long) n << granuleShift, size, zero);
        }
        address = growOrReclaim(size, n, alignment, zero, group, cache);
        // The last resort may have placed the request's own length rather than its class's; an
        // alignment past a page is served by a mapping of its own, at least n granules long.
        int r = regions.regionOf(address);
        return handOut(address, r < 0 ? (long) n << granuleShift : regions.chunkBytes(r, address), size, zero);
    }

    /** {@link #handOut} of a new dedicated chunk. */
    private long handOutDedicated(long address, long size, boolean zero) {
        notePeaks();
        return handOut(address, large.lengthOf(address), size, zero);
    }

    /** The bookkeeping of a chunk of {@code bytes} placed for a request of {@code size}. @return address */
    private long handOut(long address, long bytes, long size, boolean zero) {
        if (!zero) {
            diag.handedOut(address, bytes, false);
        }
        peakInUse = Math.max(peakInUse, bytesInUse());
        diag.allocated(address, size);
        return address;
    }

    /**
     * No free run holds n granules at the alignment: the heap grows ({@link Growth#noRoom}) while the
     * thread caches hold at most their share of the mapped bytes ({@link #CACHE_SHARE}). Above it, or
     * if growth is refused, cached chunks go back to the regions first, as far as needed. A refused
     * request then takes a free run in a region of any size band, then the chunks of the caches no
     * other thread is using go back, and the pages of empty regions if they cover what it lacks
     * ({@link #releaseBeforeRefusal}). Under the lock.
     *
     * @throws HeapExhaustedException if neither growth nor the cached chunks serve the request
     */
    private long growOrReclaim(long size, int n, long alignment, boolean zero, int group, ThreadCache cache) {
        HeapExhaustedException refused = null;
        if (growth.grows() && !cachesOverShare()) {
            try {
                return grow(size, n, alignment, zero, group);
            } catch (HeapExhaustedException e) {
                // The limit or the system said no: what the caches hold is the next resort.
                refused = e;
            }
        }
        while (reclaimSome(cache)) {
            long address = regions.allocate(n, alignment, zero, group);
            if (address != 0) {
                return address;
            }
        }
        if (refused == null) {
            try {
                return grow(size, n, alignment, zero, group);
            } catch (HeapExhaustedException e) {
                refused = e;
            }
        }
        // The last resorts: a free run in a region of another size band (bands keep sizes apart while
        // the heap may grow, not when it may not), then the chunks of caches no other thread is using
        // and the pages of regions that hold nothing, which count against the limit too.
        long address = allocateInAnyBand(size, n, alignment, zero);
        if (address != 0) {
            return address;
        }
        boolean released = releaseBeforeRefusal(refused);
        address = allocateInAnyBand(size, n, alignment, zero);
        if (address != 0) {
            return address;
        }
        if (released) {
            return grow(size, n, alignment, zero, group);
        }
        throw refused;
    }

    /**
     * The first fit in a region of any band for n granules, or else for the granules {@code size}
     * itself needs, when n is its size class's longer length: a chunk of the exact length is not
     * cached when freed, but a request that fits is not refused.
     */
    private long allocateInAnyBand(long size, int n, long alignment, boolean zero) {
        long address = regions.allocateInAnyBand(n, alignment, zero);
        int exact = Sizes.granulesFor(size, granuleShift);
        if (address == 0 && exact < n) {
            address = regions.allocateInAnyBand(exact, alignment, zero);
        }
        return address;
    }

    /** {@link Growth#mapLarge}, asked once more after {@link #releaseBeforeRefusal} if the limit refuses. */
    private long mapLargeOrRelease(long size, long alignment, boolean zero) {
        try {
            return growth.mapLarge(size, alignment, zero);
        } catch (HeapExhaustedException refused) {
            if (!releaseBeforeRefusal(refused)) {
                throw refused;
            }
            return growth.mapLarge(size, alignment, zero);
        }
    }

    /**
     * Before a refusal by the page limit stands: the caches no other thread is using send their
     * chunks back (as {@code trim()} does), and then the regions that hold no chunk (the growth
     * step kept for the next growth, and those not yet empty for long), which count against the
     * limit while they serve nothing, give their pages back, if that covers what the request
     * lacks. Otherwise the refusal stands. Under the lock.
     *
     * @return whether pages went back, so that the request may be tried once more
     */
    private boolean releaseBeforeRefusal(HeapExhaustedException refused) {
        long shortfall = refused.shortfallPages;
        if (shortfall == 0) {
            return false;
        }
        if (caches != null) {
            caches.sweepEnded(flusher);
            caches.forEachQuiet(Thread.currentThread(), flusher, all -> { });
        }
        if (growth.emptyBytes() / pageSize < shortfall) {
            return false;
        }
        events.released(HeapEvents.BEFORE_REFUSAL, growth.releaseEmpty(0, 0));
        return true;
    }

    private long grow(long size, int n, long alignment, boolean zero, int group) {
        long address = growth.noRoom(size, n, alignment, zero, group);
        notePeaks();
        return address;
    }

    /** @return the caches' share of the bytes the regions map ({@link #CACHE_SHARE} or {@link #CACHE_FREE_SHARE}), in granules */
    private long shareGranules(int share) {
        return (regions.bytesMapped() / share) >>> granuleShift;
    }

    /**
     * @return whether the thread caches together hold more than 1/{@link #CACHE_SHARE} of the bytes
     *         the regions map. Other threads' bin counts are read without their owners' ordering:
     *         the sum is an estimate, which is all a growth policy needs. Under the lock.
     */
    private boolean cachesOverShare() {
        return caches != null && caches.granulesHeld() > shareGranules(CACHE_SHARE);
    }

    /** A block over a chunk from the same paths as {@link #allocate(long)}: no lock when the cache serves it. */
    MemoryBlock allocateBlock(long size) {
        if (!blockScope.isOpen()) {
            // A close that a view in I/O stopped: blocks are dead until the close is done again.
            throw new IllegalStateException(label + " is closing: its blocks are dead until close() is called again");
        }
        return new MemoryBlock(this, blockScope, allocate(size), size);
    }

    @Override
    public void freeBlockChunk(long address) {
        free(address);
    }

    // ---------------------------------------------------------------- the thread caches

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
        ThreadCache own = caches.install(me, flusher);
        if (own != null) {
            return own;
        }
        caches.makeLanes();
        return caches.holdLane(me);
    }

    /**
     * @return the thread group ({@link Regions#bandFor}) whose regions the calling thread's cache refills
     *         from first, its cache made if it has none; 0 when caches are off
     */
    int callingThreadGroup() {
        if (caches == null) {
            return 0;
        }
        ThreadCache cache = cache();
        if (cache == null) {
            return UNCACHED_GROUP;
        }
        if (cache.isLane()) {
            cache.letGo();
        }
        return cache.group;
    }

    /**
     * Before the heap grows: returns the largest cached chunks of the cache the calling thread uses
     * (one bin, the largest class that holds any) to the regions, or once that is empty, the caches of
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
        if (caches.sweepEnded(flusher)) {
            return true;
        }
        long[] freed = {0};
        caches.forEachIdleLane(Thread.currentThread(), lane -> freed[0] += flush(lane));
        return freed[0] > 0;
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

    /** CACHED to FREE: the k oldest chunks of bin c go back to the regions; under the lock. */
    private void flushBin(ThreadCache cache, int c, int k) {
        if (k > flushBuffer.length) {
            // A grown bin's half: the buffer grows with it, once.
            flushBuffer = new long[caches.largestBin()];
        }
        cache.takeOldest(c, k, flushBuffer);
        // In address order, the chunks of one region are freed with one pass up its run tree.
        Arrays.sort(flushBuffer, 0, k);
        regions.freeAll(flushBuffer, k, classes.granules(c));
        freedIntoRegions((long) k * classes.granules(c) << granuleShift);
    }

    /**
     * On a refill (or now and then on an allocation without a cache, {@link #lookNowAndThenUncached}),
     * under the lock, at most every {@link #LOOK_PERIOD_NANOS}: the caches of ended
     * threads go back to the regions, then the regions empty for {@link #EMPTY_DECAY_NANOS} (beyond
     * the kept ones) to their reservations. So a heap that went quiet after freeing what it held
     * shrinks at its next allocations, even when they free nothing into the regions. Never called
     * from a flush, which this one may run.
     */
    private void lookNowAndThen() {
        long now = System.nanoTime();
        if (now - lastLook < LOOK_PERIOD_NANOS) {
            return;
        }
        if (caches != null) {
            caches.sweepEnded(flusher);
        }
        releaseLongEmpty(now);
    }

    /**
     * {@link #lookNowAndThen} for allocations that take the lock without a thread cache (caches off,
     * or a request no cache serves): the clock is read once in {@value #LOOKS_EVERY} of them.
     */
    private void lookNowAndThenUncached() {
        if ((++uncachedAllocations & (LOOKS_EVERY - 1)) == 0) {
            lookNowAndThen();
        }
    }

    /** The regions empty for {@link #EMPTY_DECAY_NANOS}, beyond the kept ones, go back to their reservations. */
    private void releaseLongEmpty(long now) {
        lastLook = now;
        freedSinceRelease = 0;
        long emptied = regions.emptiedCount();
        long released = growth.releaseEmpty(keptEmptyBytes, EMPTY_DECAY_NANOS);
        if (released > 0) {
            events.released(HeapEvents.EMPTY_REGIONS, released);
        }
        if (growth.emptyBytes() <= keptEmptyBytes) {
            emptiedSeen = emptied;
        }
    }

    /**
     * Counts bytes freed into the regions; once {@link #keptEmptyBytes} of them were freed since the
     * last look and {@link #LOOK_PERIOD_NANOS} went by, the empty regions beyond the first
     * {@link #KEPT_EMPTY_STEPS} growth steps of them that have been empty for
     * {@link #EMPTY_DECAY_NANOS} go back to their reservations. Under the lock.
     */
    private void freedIntoRegions(long bytes) {
        freedSinceRelease += bytes;
        if (freedSinceRelease >= keptEmptyBytes) {
            long now = System.nanoTime();
            if (now - lastLook >= LOOK_PERIOD_NANOS) {
                releaseLongEmpty(now);
            } else {
                freedSinceRelease = 0;
            }
        }
    }

    /**
     * Before a cached free into a full bin c: its older half goes back to the regions. The caller
     * holds its claim on the chunk it frees meanwhile.
     */
    private synchronized void makeRoom(ThreadCache cache, int c) {
        ensureOpen();
        caches.sweepNowAndThen(flusher);
        if (!cache.grow(c)) {
            flushBin(cache, c, (cache.size(c) + 1) / 2);
        }
    }

    /**
     * After a push took the cache past the limit the heap last gave it. Frees may take the caches
     * together up to a ceiling: twice their share ({@link #CACHE_FREE_SHARE}), or
     * {@link #CACHE_FLOOR_BYTES}, whichever is more, and in a heap with a limit no more than a quarter
     * of it. Above it, this cache's bins give back their older halves, largest class first, until the
     * caches are within that share (or half the ceiling, if less) or this one is empty. Then the cache may grow by what the other caches
     * have not been given of the ceiling (what each holds, or its limit if more), and at least by a
     * quarter of the ceiling split among all caches, so that none takes the lock on every free. The
     * caches together thus stay within the ceiling and a quarter of it, plus a chunk each, whatever
     * the number of threads freeing at once (other caches' counts are read racily: the bound holds
     * up to their last few pushes).
     */
    private synchronized void keepShare(ThreadCache cache) {
        if (closed) {
            // The chunk went into a cache that close() empties.
            return;
        }
        long share = shareGranules(CACHE_FREE_SHARE);
        long ceiling = Math.min(Math.max(2 * share, cacheFloorGranules), cacheCapGranules);
        long total = caches.granulesHeld();
        if (total > ceiling) {
            long target = Math.min(share, ceiling / 2);
            while (total > target) {
                int c = cache.largestCachedClass();
                if (c < 0) {
                    break;
                }
                int k = (cache.size(c) + 1) / 2;
                total -= (long) k * classes.granules(c);
                flushBin(cache, c, k);
            }
        }
        long unclaimed = ceiling - caches.granulesReserved(cache) - cache.granulesHeld();
        long slice = ceiling / (4L * Math.max(1, caches.count()));
        cache.limit(cache.granulesHeld() + Math.max(unclaimed, slice));
    }

    /** Creates a region's marks under the lock, so that its chunks can be claimed and cached. */
    private synchronized void enableCaching(ChunkMap map) {
        ensureOpen();
        map.enableCaching();
    }

    /**
     * Fills a cached chunk under the lock, so that a close() racing the fast path cannot unmap the
     * memory in the middle of the write: the caller gets IllegalStateException, never a fault.
     */
    private synchronized void fillOpen(long address, long bytes, boolean zero) {
        ensureOpen();
        diag.handedOut(address, bytes, zero);
    }

    /** Teaches the cache the region holding address. @return its index in the cache's copy, or -1 if no region holds it */
    private synchronized int learnRegion(ThreadCache cache, long address) {
        if (closed) {
            return -1;
        }
        int r = regions.regionOf(address);
        if (r < 0) {
            return -1;
        }
        return cache.learn(address, regions.base(r), regions.base(r) + regions.length(r), regions.map(r));
    }

    // ---------------------------------------------------------------- free

    void free(long address) {
        if (freeCached(address)) {
            return;
        }
        synchronized (this) {
            ensureOpen();
            freeChunk(address);
        }
    }

    /**
     * Frees {@code address} into the cache the calling thread uses, without the lock, if this heap
     * holds it as a live chunk of a class length.
     *
     * @return false, having changed nothing, if a free under the lock must handle it
     */
    boolean freeCached(long address) {
        if (cacheLimit == 0 || address == 0 || closed) {
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
        int c;
        long v;
        // The class is read before the claim, so that the reads and the claim's atomic overlap; the
        // read holds if the map's version did not change from before it to after the claim.
        if (address == cache.lastAddress() && cache.lastVersion() >= 0
                && cache.lastMap().stableVersion() == cache.lastVersion()) {
            // The chunk the last pop handed out, and nothing under the lock changed its map since:
            // its class, as it was at the version the pop read (checked again after the claim).
            map = cache.lastMap();
            offset = cache.lastOffset();
            c = cache.lastClass();
            v = cache.lastVersion();
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
            v = map.stableVersion();
            c = classes.exactClass(map.racyChunkLength(offset, classes.largest()));
            if (c < 0 && v >= 0 && map.unchangedSince(v)) {
                // No live chunk of a class starts there: the lock path says what it is, unclaimed.
                return false;
            }
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
            v = -1;
        }
        // The chunk is ours now (or the mark is a stray, which a stable read tells).
        if (v < 0 || !map.unchangedSince(v)) {
            c = classOfClaimed(map, offset);
        }
        if (c < 0) {
            ChunkStates.release(map, offset);
            return false;
        }
        if (cache.isFull(c)) {
            makeRoom(cache, c);
        }
        if (diag.fillsFreed()) {
            fillFreedOpen(address, (long) classes.granules(c) << granuleShift);
        }
        cache.push(c, address, map, offset);
        if (cache.overLimit()) {
            keepShare(cache);
        }
        return true;
    }

    private synchronized void fillFreedOpen(long address, long bytes) {
        ensureOpen();
        diag.freed(address, bytes);
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

    private void freeChunk(long address) {
        if (address == 0) {
            return;
        }
        int r = regions.regionOf(address);
        if (r < 0) {
            long bytes = large.lengthOf(address);
            if (bytes != AddressMap.ABSENT) {
                if (diag.wipe) {
                    diag.freed(address, bytes);
                }
                large.release(address, bytes);
                diag.forget(address);
                return;
            }
        }
        try {
            r = locateInRegions(r, address, "free");
        } catch (IllegalArgumentException e) {
            diag.invalid(e);
            return;
        }
        // A cached free racing this one (a double free) claims the chunk with its mark: claim it too.
        if (!regions.claim(r, address)) {
            diag.invalid(takenByAnother("free", address));
            return;
        }
        freeClaimed(r, address);
    }

    /** CLAIMED to FREE: frees a region's chunk that the caller claimed ({@link Regions#claim}); under the lock. */
    private void freeClaimed(int r, long address) {
        diag.forget(address);
        if (diag.fillsFreed()) {
            diag.freed(address, regions.chunkBytes(r, address));
        }
        long freed = regions.free(r, address);
        freedIntoRegions(freed);
        if (trimThreshold > 0) {
            freedSinceTrim += freed;
            if (freedSinceTrim >= trimThreshold) {
                freedSinceTrim = 0;
                if (regions.releasableBytes() >= trimThreshold) {
                    events.released(HeapEvents.TRIM_THRESHOLD, regions.trim(source));
                }
            }
        }
    }

    private static IllegalArgumentException takenByAnother(String operation, long address) {
        return new IllegalArgumentException(operation + "(0x" + Long.toHexString(address)
                + "): not allocated: freed at the same time by another thread (double free)");
    }

    /**
     * @return whether {@code address} lies in memory this heap mapped (a region or the start of a
     *         dedicated mapping), live chunk or not
     */
    synchronized boolean holds(long address) {
        ensureOpen();
        return regions.regionOf(address) >= 0 || large.lengthOf(address) != AddressMap.ABSENT;
    }

    /**
     * Frees {@code address} if this heap holds it ({@link #holds}), as {@link #free} would.
     *
     * @return false, doing nothing, if the address is not in this heap's memory
     */
    synchronized boolean freeIfHeld(long address) {
        ensureOpen();
        if (regions.regionOf(address) < 0 && large.lengthOf(address) == AddressMap.ABSENT) {
            return false;
        }
        freeChunk(address);
        return true;
    }

    // ---------------------------------------------------------------- reallocate

    synchronized long reallocate(long address, long newSize) {
        ensureOpen();
        if (address == 0) {
            return allocateChunk(newSize, 1, false, UNCACHED_GROUP, null);
        }
        if (newSize == 0) {
            freeChunk(address);
            return 0;
        }
        try {
            Sizes.check(newSize, maxRequest);
        } catch (IllegalArgumentException refusal) {
            throw events.refused(newSize, 1, refusal);
        }
        long oldBytes = large.lengthOf(address);
        if (oldBytes != AddressMap.ABSENT) {
            return reallocateLarge(address, oldBytes, newSize);
        }
        int r;
        try {
            r = locateInRegions(regions.regionOf(address), address, "reallocate");
        } catch (IllegalArgumentException e) {
            return diag.invalid(e);
        }
        // The old chunk is claimed before anything else happens (ChunkStates): a free racing this
        // call either came first, and this one changes nothing, or finds the chunk claimed.
        if (!regions.claim(r, address)) {
            return diag.invalid(takenByAnother("reallocate", address));
        }
        boolean claimed = true;
        try {
            oldBytes = regions.chunkBytes(r, address);
            if (!growth.isLarge(newSize) && resizeInPlace(r, address, oldBytes, newSize)) {
                peakInUse = Math.max(peakInUse, bytesInUse());
                return address;
            }
            boolean toMapping = growth.movesToMapping(newSize);
            long moved = toMapping ? growIntoKept(newSize) : 0;
            if (moved == 0) {
                moved = toMapping ? mapDedicatedOrPlace(newSize) : allocateChunk(newSize, 1, false, UNCACHED_GROUP, null);
            }
            RawMemory.copy(address, moved, Math.min(oldBytes, newSize));
            diag.moved(address, moved);
            claimed = false;
            freeClaimed(r, address);
            long released = growth.movedOut(r);
            if (released > 0) {
                events.released(HeapEvents.MOVED_OUT, released);
            }
            return moved;
        } finally {
            if (claimed) {
                regions.release(r, address);
            }
        }
    }

    /**
     * A dedicated mapping for a chunk that a reallocation moves ({@link Growth#movesToMapping}),
     * whatever its (checked) size; if the limit or the system refuses the mapping, a place in the
     * regions, as any request of the size would get.
     */
    private long mapDedicatedOrPlace(long size) {
        try {
            return handOutDedicated(growth.mapLarge(size, 1, false), size, false);
        } catch (HeapExhaustedException refusal) {
            return allocateChunk(size, 1, false, UNCACHED_GROUP, null);
        }
    }

    /**
     * {@link #reallocate} of a dedicated mapping's chunk; under the lock. It stays in its mapping
     * (remapped to grow) while {@link Growth#movesToMapping} holds for the new size, else moves
     * into the regions.
     */
    private long reallocateLarge(long address, long oldBytes, long newSize) {
        // A chunk that stays in its mapping is remapped; one that goes below it moves into the regions.
        if (growth.movesToMapping(newSize)) {
            if (newSize <= oldBytes) {
                return shrinkMapping(address, oldBytes, newSize);
            }
            long moved;
            try {
                growth.reservePages((Sizes.roundUp(newSize, pageSize) - oldBytes) / pageSize, newSize);
                moved = large.remap(address, oldBytes, newSize);
            } catch (HeapExhaustedException refusal) {
                throw events.refused(newSize, 1, refusal);
            }
            diag.moved(address, moved);
            long newBytes = large.lengthOf(moved);
            diag.handedOut(moved + oldBytes, newBytes - oldBytes, false);
            peakInUse = Math.max(peakInUse, bytesInUse());
            notePeaks();
            return moved;
        }
        long moved = allocateChunk(newSize, 1, false, UNCACHED_GROUP, null);
        RawMemory.copy(address, moved, Math.min(oldBytes, newSize));
        diag.moved(address, moved);
        if (diag.wipe) {
            diag.freed(address, oldBytes);
        }
        large.release(address, oldBytes);
        return moved;
    }

    /**
     * A dedicated chunk reallocated within its mapping: one shrunk below the size last asked of it
     * gives back the pages past its new size once they make a growth step or more (as a moved
     * chunk's region tail does), remapped in place; fewer stay, for the chunk to grow into again
     * without a system call. One that grows into pages it has (a kept mapping it took, longer than
     * it asked) keeps them.
     *
     * @return the chunk's address: the same with the mmap page source, perhaps another with a
     *         source that remaps by copying ({@link PageSource#remap})
     */
    private long shrinkMapping(long address, long oldBytes, long newSize) {
        long newBytes = Sizes.roundUp(newSize, pageSize);
        long asked = large.requestedOf(address);
        large.noteRequest(address, newSize);
        if (newSize >= asked || oldBytes - newBytes < keptEmptyBytes) {
            return address;
        }
        long moved;
        try {
            moved = large.remap(address, oldBytes, newSize);
        } catch (HeapExhaustedException refusal) {
            // The system would not shrink it: the chunk keeps its pages, which is no loss of data.
            return address;
        }
        diag.moved(address, moved);
        events.released(HeapEvents.SHRUNK, oldBytes - newBytes);
        return moved;
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
        long address = large.reuseAtLeast(newSize);
        if (address != 0) {
            diag.handedOut(address, large.lengthOf(address), false);
            peakInUse = Math.max(peakInUse, bytesInUse());
        }
        return address;
    }

    private boolean resizeInPlace(int r, long address, long oldBytes, long newSize) {
        int newN = Sizes.granulesFor(newSize, granuleShift);
        long newBytes = (long) newN << granuleShift;
        if (newBytes < oldBytes) {
            diag.freed(address + newBytes, oldBytes - newBytes);
        }
        int oldN = (int) (oldBytes >>> granuleShift);
        if (!regions.resizeInPlace(r, address, oldN, newN)) {
            if (!growth.commitForGrowth(r, address, newN) || !regions.resizeInPlace(r, address, oldN, newN)) {
                return false;
            }
            notePeaks();
        }
        if (newBytes > oldBytes) {
            diag.handedOut(address + oldBytes, newBytes - oldBytes, false);
        }
        return true;
    }

    // ---------------------------------------------------------------- queries, trim, verify, close

    synchronized long usableSize(long address) {
        ensureOpen();
        long bytes = large.lengthOf(address);
        if (bytes != AddressMap.ABSENT) {
            return bytes;
        }
        return regions.chunkBytes(locateInRegions(regions.regionOf(address), address, "usableSize"), address);
    }

    /**
     * {@link Regions#locateIn}, with what the dedicated mappings say of an address no region holds.
     *
     * @param r {@link Regions#regionOf} the address, -1 if none
     * @throws IllegalArgumentException if address is not the start of a live chunk of the regions
     */
    private int locateInRegions(int r, long address, String operation) {
        if (r < 0) {
            String explained = large.explain(address);
            if (explained != null) {
                throw new IllegalArgumentException(operation + "(0x" + Long.toHexString(address) + "): " + explained);
            }
        }
        return regions.locateIn(r, address, operation);
    }

    synchronized long trim() {
        ensureOpen();
        if (caches != null) {
            caches.sweepEnded(flusher);
            caches.forEachQuiet(Thread.currentThread(), flusher, all -> { });
        }
        freedSinceTrim = 0;
        freedSinceRelease = 0;
        long released = large.unmapKept() + growth.releaseEmpty(keptEmptyBytes, 0) + regions.trim(source);
        return events.released(HeapEvents.TRIM_CALL, released);
    }

    synchronized void verify() {
        ensureOpen();
        regions.verify();
        verifyCaches();
        large.verify(address -> regions.regionOf(address) >= 0);
        growth.verify();
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
        caches.sweepEnded(flusher);
        long[][] seen = {new long[64]};
        int[] entries = {0};
        caches.forEachQuiet(Thread.currentThread(), cache -> cache.forEachEntry((c, address, map, offset) -> {
            int r = regions.regionOf(address);
            if (r < 0 || regions.map(r) != map || regions.offsetIn(r, address) != offset) {
                throw new IllegalStateException("cache entry 0x" + Long.toHexString(address) + " names another region or offset");
            }
            if (!map.isChunkStart(offset) || !ChunkStates.isMarked(map, offset)) {
                throw new IllegalStateException("cache entry 0x" + Long.toHexString(address) + " is not a marked chunk start");
            }
            if (map.chunkLength(offset) != classes.granules(c)) {
                throw new IllegalStateException("cache entry 0x" + Long.toHexString(address) + " in the bin of "
                        + classes.granules(c) + " granules is " + map.chunkLength(offset) + " granules long");
            }
            if (entries[0] == seen[0].length) {
                seen[0] = Arrays.copyOf(seen[0], 2 * entries[0]);
            }
            seen[0][entries[0]++] = address;
        }), all -> {
            Arrays.sort(seen[0], 0, entries[0]);
            for (int i = 1; i < entries[0]; i++) {
                if (seen[0][i] == seen[0][i - 1]) {
                    throw new IllegalStateException("chunk 0x" + Long.toHexString(seen[0][i]) + " is in two cache entries");
                }
            }
            // Counted while every lane is still held: no other thread can pop or push meanwhile.
            long marked = regions.markedChunks();
            if (all && marked != entries[0]) {
                throw new IllegalStateException(marked + " chunks are marked cached but the caches hold " + entries[0]);
            }
        });
    }

    synchronized HeapStats stats() {
        ensureOpen();
        if (caches != null) {
            caches.sweepEnded(flusher);
        }
        long[] cached = regions.cachedChunks();
        long cachedBytes = cached[1] << granuleShift;
        long mapped = bytesMapped();
        return new HeapStatsBuilder()
                .pagesMapped(mapped / pageSize)
                .bytesMapped(mapped)
                .bytesInUse(bytesInUse() - cachedBytes)
                .bytesFree(regions.bytesMapped() - regions.bytesInUse())
                .freeChunks(regions.freeRuns())
                .largestFreeRun((long) regions.longestFree() << granuleShift)
                .liveChunks(regions.liveChunks() - cached[0] + large.count())
                .regions(regions.regionCount())
                .dedicatedMappings(large.count())
                .dedicatedBytes(large.dedicatedBytes())
                .releasableBytes(regions.releasableBytes() + large.keptBytes())
                .peakBytesInUse(peakInUse)
                .peakBytesMapped(Math.max(peakMapped, mapped))
                .metadataBytes(regions.metadataBytes() + large.metadataBytes())
                .cachedBytes(cachedBytes)
                .keptBytes(large.keptBytes())
                .reservedBytes(regions.bytesReserved())
                .lockedBytes(source instanceof ControlledPageSource && ((ControlledPageSource) source).locks() ? mapped : 0)
                .hugePageBytes(hugePageBytes())
                .guardBytes(source instanceof ControlledPageSource ? ((ControlledPageSource) source).guardBytes() : 0)
                .build();
    }

    /** @return the bytes mapped in mappings huge pages may back ({@link HeapStats#hugePageBytes}); under the lock */
    private long hugePageBytes() {
        if (!(source instanceof ControlledPageSource)) {
            return 0;
        }
        ControlledPageSource pages = (ControlledPageSource) source;
        long bytes = large.hugePageBytes(pages::hugePageBytes);
        for (int r = 0; r < regions.regionCount(); r++) {
            bytes += pages.hugePageBytes(regions.length(r)) > 0 ? regions.committedEnd(r) - regions.base(r) : 0;
        }
        return bytes;
    }

    synchronized String pageMap(int maxPages) {
        ensureOpen();
        StringBuilder out = new StringBuilder();
        int drawn = regions.draw(out, maxPages);
        long regionPages = regions.bytesMapped() / pageSize;
        String newline = System.lineSeparator();
        if (drawn < regionPages) {
            out.append("... ").append(regionPages - drawn).append(" more pages").append(newline);
        }
        if (regionPages == 0) {
            out.append("(no pages mapped)").append(newline);
        }
        if (large.count() > 0) {
            out.append(large.count()).append(" dedicated mappings, ").append(large.dedicatedBytes()).append(" bytes").append(newline);
        }
        if (large.keptCount() > 0) {
            out.append(large.keptCount()).append(" freed mappings kept for reuse, ").append(large.keptBytes()).append(" bytes")
                    .append(newline);
        }
        return out.toString();
    }

    /**
     * Unmaps every region and dedicated mapping. Idempotent.
     *
     * @throws io.mmapheap.os.NativeMemoryException if a munmap fails (the heap is closed anyway)
     */
    synchronized void close() {
        if (closed) {
            return;
        }
        // Blocks and their views die first; a view in I/O (JDK 22+) makes this throw with nothing unmapped.
        blockScope.close();
        closed = true;
        String leaks = "";
        if (diag.wantsLeakReport()) {
            long[] cached = regions.cachedChunks();
            leaks = diag.leakReport(regions.liveChunks() - cached[0] + large.count(),
                    bytesInUse() - (cached[1] << granuleShift), ownFrames);
        }
        // Every cache goes with the heap: no thread keeps a closed heap's caches or maps reachable.
        if (caches != null) {
            caches.forgetAll();
        }
        RuntimeException failure = regions.unmapAll(source);
        RuntimeException largeFailure = large.unmapAll();
        if (failure == null) {
            failure = largeFailure;
        }
        if (failure != null) {
            throw failure;
        }
        diag.closedWith(leaks);
    }

    /** Records the bytes mapped in the peak; after anything that may have mapped more. */
    private void notePeaks() {
        peakMapped = Math.max(peakMapped, bytesMapped());
    }

    long pagesMapped() {
        return bytesMapped() / pageSize;
    }

    private long bytesMapped() {
        return regions.bytesMapped() + large.dedicatedBytes() + large.keptBytes();
    }

    private long bytesInUse() {
        return regions.bytesInUse() + large.dedicatedBytes();
    }

    /** @return whether the heap is closed: {@link #close} got past its blocks, whether or not every munmap then succeeded */
    boolean isClosed() {
        return closed;
    }

    void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(label + " is closed");
        }
    }
}
