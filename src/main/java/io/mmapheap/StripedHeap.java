package io.mmapheap;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.commons.lang3.Validate;

/**
 * Several independent {@link ElasticHeap}s ("arenas") behind one {@link Allocator}, for programs
 * where several threads allocate at once. Threads are given arenas in turn, on their first call
 * (the first thread arena 0, the next arena 1, ..., wrapping around), so that up to {@code arenas}
 * threads each work on metadata and a lock of their own whatever their thread ids; any thread may
 * free any chunk (the arena that holds the address is found by asking the caller's arena first,
 * then the others).
 *
 * <p>Why arenas and not a cheaper lock: with one heap shared by two threads, each operation moves
 * the heap's metadata between the cores' caches whatever the lock; with an arena each, a thread's
 * metadata stays with its core. Exact first fit holds within each arena, not across them. Each
 * arena maps its own pages, so a page limit set on the builder applies per arena. Statistics add
 * the arenas' figures; the peaks are sums of per-arena peaks, an upper bound.
 */
public final class StripedHeap implements Allocator {

    /** Slots of the table of threads' arenas; a power of two. */
    private static final int HOME_SLOTS = 64;

    private final ElasticHeap[] arenas;
    /** The MXBean of a named heap; null without a name. */
    private volatile AllocatorBean bean;
    private final AtomicInteger nextHome = new AtomicInteger();
    private final ThreadLocal<Home> homes = ThreadLocal.withInitial(this::newHome);
    /**
     * The threads' arenas filed by thread id, read and written without a lock, so that the cached
     * path makes no ThreadLocal lookup. A slot holding another thread's entry (ids that collide)
     * sends the caller to the ThreadLocal, which then takes the slot over.
     */
    private final Home[] homesById = new Home[HOME_SLOTS];

    /** A thread and the arena it was given; immutable, so a racy read of a slot sees a whole one. */
    private static final class Home {
        final Thread owner;
        final int arena;

        Home(Thread owner, int arena) {
            this.owner = owner;
            this.arena = arena;
        }
    }

    private StripedHeap(ElasticHeap[] arenas) {
        this.arenas = arenas;
    }

    /**
     * Builds a striped heap: {@code arenas} heaps of the same settings, a thread's calls going to the
     * arena it was given at its first call. With a {@link AllocatorBuilder#name name} on the builder,
     * the striped heap's MXBean is registered under it (its attributes add the arenas' figures, as
     * {@link #stats()} does), and the arenas' log records and events call arena i
     * {@code ElasticHeap "<name>[i]"}; the arenas have no MXBean of their own.
     *
     * @param arenas  how many independent heaps, &gt;= 1 (the number of allocating threads is a good choice)
     * @param builder the settings of every arena
     * @return a new striped heap
     * @throws IllegalArgumentException if arenas &lt; 1 or the builder's settings are invalid
     * @throws IllegalStateException    if another open allocator has the builder's name
     */
    public static StripedHeap of(int arenas, ElasticHeap.Builder builder) {
        Validate.isTrue(arenas >= 1, "arenas must be >= 1, was %d", arenas);
        Validate.notNull(builder, "builder");
        builder.checkNameFree();
        String name = builder.name;
        ElasticHeap[] heaps = new ElasticHeap[arenas];
        for (int i = 0; i < arenas; i++) {
            heaps[i] = builder.buildUnregistered(name == null ? null : name + "[" + i + "]");
        }
        StripedHeap striped = new StripedHeap(heaps);
        striped.bean = builder.register(striped, "StripedHeap");
        return striped;
    }

    /**
     * Gives the number of arenas.
     *
     * @return the number of arenas
     */
    public int arenas() {
        return arenas.length;
    }

    @SuppressWarnings("deprecation") // Thread.getId: threadId() is JDK 19+, the baseline is 17
    private int home() {
        Thread me = Thread.currentThread();
        int slot = (int) me.getId() & (HOME_SLOTS - 1);
        Home filed = homesById[slot];
        if (filed == null || filed.owner != me) {
            filed = homes.get();
            homesById[slot] = filed;
        }
        return filed.arena;
    }

    private Home newHome() {
        return new Home(Thread.currentThread(), Math.floorMod(nextHome.getAndIncrement(), arenas.length));
    }

    private ElasticHeap mine() {
        return arenas[home()];
    }

    @Override
    public long allocate(long size) {
        return mine().allocate(size);
    }

    @Override
    public long allocateZeroed(long size) {
        return mine().allocateZeroed(size);
    }

    @Override
    public long allocate(long size, long alignment) {
        return mine().allocate(size, alignment);
    }

    @Override
    public MemoryBlock allocateBlock(long size) {
        return mine().allocateBlock(size);
    }

    /** Reallocates in the arena that holds the chunk; see {@link Allocator#reallocate}. */
    @Override
    public long reallocate(long address, long newSize) {
        if (address == 0) {
            return allocate(newSize);
        }
        return owner(address, "reallocate").reallocate(address, newSize);
    }

    @Override
    public void free(long address) {
        if (address == 0) {
            mine().core.ensureOpen();
            return;
        }
        int home = home();
        // Most chunks are freed by the thread that allocated them: its arena's thread cache takes them.
        if (arenas[home].core.freeCached(address)) {
            return;
        }
        for (int i = 0; i < arenas.length; i++) {
            if (arenas[(home + i) % arenas.length].core.freeIfHeld(address)) {
                return;
            }
        }
        // No arena holds it: let the caller's arena diagnose it (and apply its check level).
        arenas[home].free(address);
    }

    @Override
    public long usableSize(long address) {
        return owner(address, "usableSize").usableSize(address);
    }

    /** @return the arena holding the address; else the caller's, which then reports it as foreign */
    private ElasticHeap owner(long address, String operation) {
        int home = home();
        for (int i = 0; i < arenas.length; i++) {
            ElasticHeap arena = arenas[(home + i) % arenas.length];
            if (arena.core.holds(address)) {
                return arena;
            }
        }
        return arenas[home];
    }

    @Override
    public long trim() {
        long released = 0;
        for (ElasticHeap arena : arenas) {
            released += arena.trim();
        }
        return released;
    }

    @Override
    public void verify() {
        for (int i = 0; i < arenas.length; i++) {
            try {
                arenas[i].verify();
            } catch (IllegalStateException e) {
                throw new IllegalStateException("arena " + i + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public HeapStats stats() {
        HeapStatsBuilder sum = new HeapStatsBuilder();
        for (ElasticHeap arena : arenas) {
            sum.add(arena.stats());
        }
        return sum.build();
    }

    @Override
    public String pageMap(int maxPages) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < arenas.length; i++) {
            out.append("arena ").append(i).append(':').append(System.lineSeparator()).append(arenas[i].pageMap(maxPages));
        }
        return out.toString();
    }

    /**
     * Closes every arena, then unregisters the MXBean of a named heap once every arena is closed; the
     * first failure is thrown after all were closed.
     */
    @Override
    public void close() {
        List<RuntimeException> failures = new ArrayList<>();
        boolean allClosed = true;
        for (ElasticHeap arena : arenas) {
            try {
                arena.close();
            } catch (RuntimeException e) {
                failures.add(e);
            }
            allClosed &= arena.core.isClosed();
        }
        AllocatorBean registered = bean;
        if (registered != null && allClosed) {
            registered.unregister();
        }
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
    }
}
