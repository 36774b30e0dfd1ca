package io.mmapheap;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The thread caches of one heap, bounded however many threads ever use it.
 *
 * <pre>
 *   slots  [0 .. SLOTS)    private caches: slot (thread id mod SLOTS) holds the cache of one live
 *                          platform thread, which uses it without any atomic operation
 *   lanes  [0 .. lanes)    shared caches, 2 x processors of them (a power of two), made on first
 *                          need: a virtual thread, or a platform thread whose slot another live
 *                          thread holds, takes one for one operation (a compare-and-set) and lets
 *                          it go after; a thread that finds every lane taken goes to the lock
 * </pre>
 * So at most {@value #SLOTS} + lanes caches exist per heap, whatever the number of threads, and
 * virtual threads (many, short-lived) share the lanes: caches are bounded by the carriers, not by
 * the threads. The slots are written under the heap's lock and read without it; a thread finds its
 * own cache by reading its slot and comparing the owner.
 *
 * <p>Reclaiming: a private cache whose owner has ended is flushed and its slot emptied by
 * {@link #sweepEnded}, which the heap calls under its lock when a thread asks for a slot, before
 * {@code stats()}, {@code trim()} and {@code verify()}, when it must grow, and every
 * {@value #SWEEP_PERIOD} calls of its lock path. {@link #forgetAll} at {@code close()} drops every
 * cache: no thread keeps anything of a closed heap reachable (there is no {@code ThreadLocal}).
 */
final class ThreadCaches {

    /** Slots for private caches; a power of two. */
    static final int SLOTS = 64;
    /** Lock-path calls between two sweeps of ended threads' caches; a power of two. */
    static final int SWEEP_PERIOD = 256;

    private static final MethodHandle IS_VIRTUAL = findIsVirtual();

    private final SizeClasses classes;
    private final int capacity;
    /** The chunks each class's bin may grow to, the same for every cache ({@link ThreadCache#binLimits}). */
    private final int[] binLimits;
    /** The longest of {@link #binLimits}, and at least {@link #capacity}: the most chunks one bin holds. */
    private final int largestBin;
    private final int sliceShift;
    private final int groups;
    /** Private caches by thread id mod {@link #SLOTS}; written under the heap's lock. */
    private final ThreadCache[] slots = new ThreadCache[SLOTS];
    /** Shared caches, null until first needed; made under the heap's lock. */
    private volatile ThreadCache[] lanes;
    private final int laneCount;
    private int lockPathCalls;

    /**
     * @param capacity   chunks per bin of each cache
     * @param growBins   whether the bins of short classes may grow past it ({@link ThreadCache#binLimits})
     * @param granuleShift log2 of the granule
     * @param sliceShift log2 of the slice of address space the regions are filed under ({@link ThreadCache})
     * @param groups    thread groups of the regions ({@link Regions#groups})
     */
    ThreadCaches(SizeClasses classes, int capacity, boolean growBins, int granuleShift, int sliceShift, int groups) {
        this.classes = classes;
        this.capacity = capacity;
        this.binLimits = ThreadCache.binLimits(classes, capacity, growBins, granuleShift);
        this.largestBin = Math.max(capacity, Arrays.stream(binLimits).max().orElse(capacity));
        this.sliceShift = sliceShift;
        this.groups = groups;
        int wanted = 2 * Runtime.getRuntime().availableProcessors();
        this.laneCount = Integer.highestOneBit(wanted) == wanted ? wanted : Integer.highestOneBit(wanted) << 1;
    }

    /** @return the most chunks a bin of any cache may hold */
    int largestBin() {
        return largestBin;
    }

    /** @return the most caches this heap can hold: slots and lanes */
    int bound() {
        return SLOTS + laneCount;
    }

    @SuppressWarnings("deprecation") // Thread.getId: threadId() is JDK 19+, the baseline is 17
    private static int slotOf(Thread t) {
        return (int) t.getId() & (SLOTS - 1);
    }

    /**
     * The fast lookup, without the lock.
     *
     * @return the calling thread's private cache, or null if it has none
     */
    ThreadCache own(Thread me) {
        ThreadCache c = slots[slotOf(me)];
        return c != null && c.owner == me ? c : null;
    }

    /**
     * @return whether thread t must not get a private cache: it is virtual, or its slot is held by
     *         another thread's cache (live, or ended but not swept yet)
     */
    boolean sharesLanes(Thread t) {
        ThreadCache c = slots[slotOf(t)];
        return c != null ? c.owner != t : isVirtual(t);
    }

    /**
     * Makes the calling platform thread's private cache, under the heap's lock; the caches of ended
     * threads go to {@code flush} first ({@link #sweepEnded}).
     *
     * @return the cache, or null if the slot is another live thread's
     */
    ThreadCache install(Thread me, Consumer<ThreadCache> flush) {
        int slot = slotOf(me);
        ThreadCache c = slots[slot];
        if (c != null && c.owner == me) {
            return c;
        }
        // Thread starts are rare: the ended threads' caches all go back here, not only this slot's.
        sweepEnded(flush);
        c = slots[slot];
        if (c != null) {
            return null;
        }
        ThreadCache mine = new ThreadCache(me, leastHeldGroup(), classes, capacity, binLimits, sliceShift);
        slots[slot] = mine;
        return mine;
    }

    /**
     * Takes a lane for thread t, without the lock: first the lane of t's id, then the next ones.
     * The caller lets it go ({@link ThreadCache#letGo}) when its operation ends.
     *
     * @return the lane, or null if every lane is taken (or none was made yet: {@link #makeLanes})
     */
    @SuppressWarnings("deprecation") // Thread.getId, as in slotOf
    ThreadCache holdLane(Thread t) {
        ThreadCache[] all = lanes;
        if (all == null) {
            return null;
        }
        int mask = all.length - 1;
        int first = (int) t.getId();
        for (int i = 0; i < all.length; i++) {
            ThreadCache lane = all[(first + i) & mask];
            if (lane.tryHold(t)) {
                return lane;
            }
        }
        return null;
    }

    /** @return whether the lanes exist */
    boolean lanesMade() {
        return lanes != null;
    }

    /** Makes the lanes, under the heap's lock; idempotent. */
    void makeLanes() {
        if (lanes == null) {
            ThreadCache[] all = new ThreadCache[laneCount];
            for (int i = 0; i < all.length; i++) {
                all[i] = new ThreadCache(null, i % groups, classes, capacity, binLimits, sliceShift);
            }
            lanes = all;
        }
    }

    /**
     * Under the heap's lock: flushes and drops the private caches of ended threads.
     *
     * @return whether any cache was dropped
     */
    boolean sweepEnded(Consumer<ThreadCache> flush) {
        boolean any = false;
        for (int s = 0; s < SLOTS; s++) {
            ThreadCache c = slots[s];
            if (c != null && c.ownerDead()) {
                flush.accept(c);
                slots[s] = null;
                any = true;
            }
        }
        return any;
    }

    /** Under the heap's lock: {@link #sweepEnded} every {@value #SWEEP_PERIOD} calls. */
    void sweepNowAndThen(Consumer<ThreadCache> flush) {
        if ((++lockPathCalls & (SWEEP_PERIOD - 1)) == 0) {
            sweepEnded(flush);
        }
    }

    /**
     * Under the heap's lock: calls {@code use} with every lane no other thread holds, holding it
     * meanwhile (a lane the caller itself holds is skipped: it is the caller's to use).
     */
    void forEachIdleLane(Thread me, Consumer<ThreadCache> use) {
        ThreadCache[] all = lanes;
        if (all == null) {
            return;
        }
        for (ThreadCache lane : all) {
            if (lane.tryHold(me)) {
                try {
                    use.accept(lane);
                } finally {
                    lane.letGo();
                }
            }
        }
    }

    /**
     * Under the heap's lock: calls {@code use} with every cache that no other thread can be using:
     * the caller's own, those of ended threads, and the lanes it can hold; then {@code afterAll},
     * told whether that was every cache, while it still holds those lanes (so no other thread
     * changes a lane's chunks until it returns).
     */
    void forEachQuiet(Thread me, Consumer<ThreadCache> use, java.util.function.Consumer<Boolean> afterAll) {
        boolean all = true;
        for (ThreadCache c : slots) {
            if (c != null) {
                if (c.owner == me || c.ownerDead()) {
                    use.accept(c);
                } else {
                    all = false;
                }
            }
        }
        ThreadCache[] shared = lanes;
        // Only the lanes taken here are let go after: one the caller held before is not ours to free.
        boolean[] taken = new boolean[shared == null ? 0 : shared.length];
        try {
            for (int i = 0; i < taken.length; i++) {
                if (shared[i].tryHold(me)) {
                    taken[i] = true;
                    use.accept(shared[i]);
                } else {
                    all = false;
                }
            }
            afterAll.accept(all);
        } finally {
            for (int i = 0; i < taken.length; i++) {
                if (taken[i]) {
                    shared[i].letGo();
                }
            }
        }
    }

    /** @return {@code each} summed over every cache that exists now, private ones and lanes */
    private long sum(java.util.function.ToLongFunction<ThreadCache> each) {
        long sum = 0;
        for (ThreadCache c : slots) {
            if (c != null) {
                sum += each.applyAsLong(c);
            }
        }
        ThreadCache[] shared = lanes;
        if (shared != null) {
            for (ThreadCache lane : shared) {
                sum += each.applyAsLong(lane);
            }
        }
        return sum;
    }

    /** @return the granules all caches hold; other threads' counts read racily: an estimate */
    long granulesHeld() {
        return sum(ThreadCache::granulesHeld);
    }

    /**
     * @return what the caches other than {@code except} may hold before they next ask the heap: for
     *         each, the larger of what it holds and its limit ({@link ThreadCache#limit}); read racily
     */
    long granulesReserved(ThreadCache except) {
        return sum(c -> c == except ? 0 : Math.max(c.granulesHeld(), c.granulesLimit()));
    }

    /** @return the Java heap bytes of every cache's bins and region copy, roughly; other threads' read racily */
    long footprintBytes() {
        return sum(ThreadCache::footprintBytes);
    }

    /** @return the caches that exist now: private ones and lanes */
    int count() {
        return (int) sum(c -> 1);
    }

    /** At {@code close()}, under the heap's lock: forgets every cache. */
    void forgetAll() {
        java.util.Arrays.fill(slots, null);
        lanes = null;
    }

    /**
     * @return the thread group ({@link Regions#bandFor}) that the fewest private caches hold, the
     *         lowest of those: threads running at once get groups of their own while there are
     *         enough, and a thread that follows one that ended takes over its group and regions
     */
    private int leastHeldGroup() {
        int[] holders = new int[groups];
        for (ThreadCache c : slots) {
            if (c != null && !c.ownerDead()) {
                holders[c.group]++;
            }
        }
        int least = 0;
        for (int s = 1; s < holders.length; s++) {
            if (holders[s] < holders[least]) {
                least = s;
            }
        }
        return least;
    }

    /** @return whether t is a virtual thread (JDK 21+; always false before) */
    static boolean isVirtual(Thread t) {
        if (IS_VIRTUAL == null) {
            return false;
        }
        try {
            return (boolean) IS_VIRTUAL.invokeExact(t);
        } catch (Throwable e) {
            throw new IllegalStateException("Thread.isVirtual failed", e);
        }
    }

    private static MethodHandle findIsVirtual() {
        try {
            return MethodHandles.publicLookup().findVirtual(Thread.class, "isVirtual", MethodType.methodType(boolean.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            return null;
        }
    }
}
