package io.mmapheap;

import org.apache.commons.lang3.Validate;

/**
 * Settings every allocator shares: granule, page source, name and the debugging aids.
 *
 * @param <B> the concrete builder, returned by every setter
 */
public abstract class AllocatorBuilder<B extends AllocatorBuilder<B>> {

    int granule;
    /** The name {@link #name} gave, or null. */
    String name;
    PageSource source = PageSource.mmap();
    int perturb = DebugDefaults.PERTURB;
    CheckLevel check = DebugDefaults.CHECK;
    long trimThreshold;
    boolean strictClose;
    boolean reportLeaks = true;
    int leakSample = DebugDefaults.LEAK_SAMPLE;
    boolean threadCache;
    int threadCacheChunks = ThreadCache.DEFAULT_CAPACITY;
    /** Whether the bins of short classes may grow past {@link #threadCacheChunks}: only while it is not set. */
    boolean growBins = true;
    /** The source this build maps from: {@link #pages()}, resolved once at the start of {@code build()}. */
    PageSource resolvedSource;
    HugePages hugePages = HugePages.NONE;
    boolean hugePageFallback;
    boolean prefault;
    boolean lockPages;
    boolean dontDump;
    boolean wipeOnFree;
    boolean guardPages;

    AllocatorBuilder(int defaultGranule, boolean defaultThreadCache) {
        this.granule = defaultGranule;
        this.threadCache = DebugDefaults.THREAD_CACHE != null ? DebugDefaults.THREAD_CACHE : defaultThreadCache;
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /**
     * Sets the allocation unit: every chunk's size is a multiple of it, and every chunk's address too.
     *
     * @param granule allocation unit and alignment in bytes: a power of two in [8, page size]
     * @return this builder
     */
    public B granule(int granule) {
        this.granule = granule;
        return self();
    }

    /**
     * Names the allocator. Its {@link AllocatorMXBean} is then registered in the platform
     * MBeanServer, under {@code io.mmapheap:type=Allocator,name="<name>"}
     * ({@link AllocatorMXBean#OBJECT_NAME_PREFIX}), from {@code build()} until {@code close()}, and its log
     * records, JFR events and messages call it {@code ElasticHeap "<name>"} (or {@code PageAllocator},
     * {@code StripedHeap}). A name belongs to one open allocator at a time: {@code build()} throws
     * {@link IllegalStateException} while another allocator of that name is open, having mapped
     * nothing. A named allocator stays reachable from the MBeanServer until it is closed. Default:
     * no name, no MXBean.
     *
     * @param name the name, not blank; any characters (the object name quotes it)
     * @return this builder
     * @throws NullPointerException     if name is null
     * @throws IllegalArgumentException if name is blank
     */
    public B name(String name) {
        this.name = Validate.notBlank(name, "name must not be blank");
        return self();
    }

    /**
     * Sets where the heap's pages come from: the seam to the operating system, which tests replace
     * to inject failures.
     *
     * @param source where pages come from (default {@link PageSource#mmap()})
     * @return this builder
     */
    public B pageSource(PageSource source) {
        this.source = Validate.notNull(source, "source");
        return self();
    }

    /**
     * Fills freed and new memory with a pattern (glibc's {@code M_PERTURB}).
     *
     * @param perturb 1..255: freed memory is filled with this byte and new (non-zeroed) chunks with
     *                its complement, exposing use of freed or uninitialized memory; 0 = off.
     *                Default: system property {@code mmapheap.perturb}, else 0.
     * @return this builder
     * @throws IllegalArgumentException outside [0, 255]
     */
    public B perturb(int perturb) {
        this.perturb = DebugDefaults.checkPerturb(perturb);
        return self();
    }

    /**
     * Sets what an invalid free or reallocate does (glibc's {@code MALLOC_CHECK_}).
     *
     * @param check what to do with invalid frees. Default: system property {@code mmapheap.check}, else THROW.
     * @return this builder
     */
    public B checkLevel(CheckLevel check) {
        this.check = Validate.notNull(check, "check");
        return self();
    }

    /**
     * Sets the automatic trim (glibc's {@code M_TRIM_THRESHOLD}).
     *
     * @param bytes automatic trim (M_TRIM_THRESHOLD): once this many bytes have been freed since the
     *              last trim and at least this many bytes of whole free pages are releasable, they are
     *              released as by {@code trim()}. Each check scans the heap's pages, so it happens at
     *              most once per {@code bytes} freed. 0 = off (the default).
     * @return this builder
     * @throws IllegalArgumentException if negative
     */
    public B trimThreshold(long bytes) {
        Validate.isTrue(bytes >= 0, "trimThreshold must be >= 0 (0 = off), was %d", bytes);
        this.trimThreshold = bytes;
        return self();
    }

    /**
     * Sets whether closing with live chunks throws.
     *
     * @param strict what {@code close()} does when chunks are still live: false (the default) logs the
     *               report at WARNING on {@code io.mmapheap.leaks}; true throws {@link IllegalStateException}
     *               with the report (after unmapping everything all the same)
     * @return this builder
     */
    public B strictClose(boolean strict) {
        this.strictClose = strict;
        return self();
    }

    /**
     * Records where sampled chunks were allocated, for the leak report at close.
     *
     * @param sampleEvery record the allocation site (a stack trace) of every {@code sampleEvery}-th
     *                    chunk, printed by the leak report at close; 0 = off. Costs a stack trace per
     *                    sampled allocation. Default: system property {@code mmapheap.leakTracking}, else 0.
     * @return this builder
     * @throws IllegalArgumentException if negative
     */
    public B leakTracking(int sampleEvery) {
        Validate.isTrue(sampleEvery >= 0, "leakTracking sample must be >= 0 (0 = off), was %d", sampleEvery);
        this.leakSample = sampleEvery;
        return self();
    }

    /**
     * Turns the per-thread caches of freed chunks on or off.
     *
     * @param on whether each thread keeps a small cache of chunks it freed, by size class, and serves
     *           its requests from it without taking the allocator's lock (glibc's tcache). Requests up
     *           to 128 KiB are then rounded up to their class (at most 1/8 more); placement is exact
     *           first fit only for requests the cache cannot serve (a cached chunk goes to the next
     *           request of its class), and freed chunks coalesce when they leave the cache. Leak
     *           tracking and automatic trim turn it off. Default: system property {@code mmapheap.threadCache}
     *           ({@code true}/{@code false}) if set, else on for {@link ElasticHeap} and off for
     *           {@link PageAllocator}; the lab facades always turn it off.
     * @return this builder
     */
    public B threadCache(boolean on) {
        this.threadCache = on;
        return self();
    }

    /**
     * Sets the length of a thread cache's bins (glibc's {@code tcache_count}). Unset, a bin holds
     * 128 chunks, and the bin of a class shorter than 256 bytes grows, when it fills, up to 32 KiB of
     * chunks (1,024 at most; not in a heap with {@code maxPages}): a burst of frees of small chunks
     * then stays cached.
     *
     * @param chunks how many chunks each size class's bin of a thread cache holds at most, in
     *               [1, 1024], none growing past it; when a bin is full, its older half goes back to the heap. Longer bins
     *               take the lock less often under bursts of frees and allocations of one size; what
     *               all caches of a heap hold is bounded apart from the bins' length (a share of the
     *               heap's mapped bytes, {@link HeapStats#cachedBytes()} shows it). A heap
     *               has at most 64 private caches (one per live platform thread) and 2 x processors
     *               shared lanes, whatever the number of threads; what they hold goes back when the
     *               heap would otherwise grow while the caches hold more than 1/16 of its mapped
     *               bytes, at {@code trim()}, and once a private cache's thread has ended (at the
     *               heap's next {@code stats()}, {@code trim()}, growth, new cache, or now and then
     *               on its lock path). No effect without {@link #threadCache}.
     * @return this builder
     * @throws IllegalArgumentException outside [1, 1024]
     */
    public B threadCacheChunks(int chunks) {
        Validate.inclusiveBetween(1, ThreadCache.MAX_CAPACITY, chunks, "threadCacheChunks must be in [1, %d], was %d",
                ThreadCache.MAX_CAPACITY, chunks);
        this.threadCacheChunks = chunks;
        this.growBins = false;
        return self();
    }

    /**
     * Sets whether closing with live chunks reports them.
     *
     * @param report whether {@code close()} reports chunks still live (default true). Off for code
     *               that frees by closing, as C's {@code cleanup()} does; {@code strictClose} wins.
     * @return this builder
     */
    public B reportLeaks(boolean report) {
        this.reportLeaks = report;
        return self();
    }

    /**
     * Chooses the page size the heap maps.
     *
     * @param huge which pages the heap maps (default {@link HugePages#NONE}). {@code TRANSPARENT}:
     *             mappings of at least a huge page (2 MiB; an {@code ElasticHeap}'s growth steps from
     *             {@code growthPages(512)} up, and dedicated mappings) are aligned and advised for
     *             transparent huge pages. {@code EXPLICIT}: every mapping comes from the kernel's
     *             reserve of huge pages and the heap's page is the huge page (a {@code PageAllocator}'s
     *             {@code pages(n)} counts huge pages); refused at the first mapping when none are
     *             reserved. Needs the default page source.
     * @return this builder
     */
    public B hugePages(HugePages huge) {
        this.hugePages = Validate.notNull(huge, "huge");
        return self();
    }

    /**
     * Lets explicit huge pages fall back to transparent ones.
     *
     * @param on with {@code hugePages(EXPLICIT)}: whether a mapping the kernel refuses for want of
     *           reserved huge pages is made of ordinary memory instead, huge-page aligned and advised
     *           for transparent huge pages, so that the heap works (with the same 2 MiB page) where
     *           {@code /proc/sys/vm/nr_hugepages} is 0 (default false: the refusal is thrown)
     * @return this builder
     */
    public B hugePageFallback(boolean on) {
        this.hugePageFallback = on;
        return self();
    }

    /**
     * Makes the heap fault its pages in when it commits them.
     *
     * @param on whether pages are faulted in when the heap commits them ({@code MADV_POPULATE_WRITE},
     *           or a write to each page on kernels before 5.14), so that no first touch takes a page
     *           fault (default false)
     * @return this builder
     */
    public B prefault(boolean on) {
        this.prefault = on;
        return self();
    }

    /**
     * Locks the heap's committed pages in RAM.
     *
     * @param on whether committed pages are locked in RAM ({@code mlock}: never swapped out), and
     *           unlocked when they go back (default false). A commit the kernel refuses
     *           ({@code RLIMIT_MEMLOCK}) is a {@link HeapExhaustedException} that names the limit,
     *           with the heap unchanged. {@code trim()} leaves locked pages alone.
     * @return this builder
     */
    public B lockPages(boolean on) {
        this.lockPages = on;
        return self();
    }

    /**
     * Keeps the heap's memory out of core dumps.
     *
     * @param on whether the heap's mappings are left out of core dumps ({@code MADV_DONTDUMP}; default false)
     * @return this builder
     */
    public B dontDump(boolean on) {
        this.dontDump = on;
        return self();
    }

    /**
     * Zeroes freed memory before {@code free} returns.
     *
     * @param on whether a freed chunk's bytes are zeroed before {@code free} (or a {@code reallocate}
     *           that moves it) returns, in the regions and in dedicated mappings alike (default false)
     * @return this builder
     */
    public B wipeOnFree(boolean on) {
        this.wipeOnFree = on;
        return self();
    }

    /**
     * Surrounds every mapping with inaccessible pages.
     *
     * @param on whether every mapping (growth step, dedicated mapping, a page allocator's one) has
     *           a {@code PROT_NONE} page before and after it, not counted in {@code bytesMapped}: a
     *           read or write that runs off the end of a mapping faults at once (SIGSEGV) instead of
     *           landing in another mapping (default false). Not with {@code EXPLICIT} huge pages,
     *           whose guard would be a huge page.
     * @return this builder
     */
    public B guardPages(boolean on) {
        this.guardPages = on;
        return self();
    }

    /**
     * Before an allocator is built: a name that is taken is refused before anything is mapped.
     *
     * @throws IllegalStateException if this builder has a name and an open allocator has it
     */
    void checkNameFree() {
        if (name != null) {
            AllocatorBean.checkFree(name);
        }
    }

    /**
     * After an allocator is built: registers its MXBean, if this builder has a name.
     *
     * @param type the allocator's class, simple name
     * @return the registered MXBean, or null without a name
     * @throws IllegalStateException if the name was taken since {@link #checkNameFree}; the allocator is closed
     */
    AllocatorBean register(Allocator allocator, String type) {
        return name == null ? null : AllocatorBean.register(name, type, allocator);
    }

    /**
     * @return the source a heap maps from: the one given, wrapped to apply the page control asked for
     * @throws IllegalArgumentException if {@code EXPLICIT} huge pages were asked of another source than mmap
     */
    PageSource resolveSource() {
        resolvedSource = pages();
        return resolvedSource;
    }

    private PageSource pages() {
        if (hugePages == HugePages.EXPLICIT && guardPages) {
            throw new IllegalArgumentException("guardPages with hugePages(EXPLICIT): each guard would take a whole huge page"
                    + " from the kernel's reserve; use TRANSPARENT huge pages with guard pages");
        }
        if (hugePages == HugePages.NONE && !prefault && !lockPages && !dontDump && !guardPages) {
            return source;
        }
        if (hugePages == HugePages.EXPLICIT && source != PageSource.mmap()) {
            throw new IllegalArgumentException("hugePages(EXPLICIT) maps with MAP_HUGETLB itself: it needs the default page source");
        }
        if (guardPages && source != PageSource.mmap()) {
            throw new IllegalArgumentException("guardPages reserves PROT_NONE pages around each mapping: it needs the default page source");
        }
        return new ControlledPageSource(source, hugePages, hugePageFallback, prefault, lockPages, dontDump, guardPages);
    }
}
