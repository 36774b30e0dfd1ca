package io.mmapheap;

import org.apache.commons.lang3.Validate;

import io.mmapheap.os.ProcessMemory;

/**
 * A first-fit heap that maps memory only on demand: Part B of the labs generalized (Part B is
 * granule 256, at most 4 pages, one page per growth step).
 *
 * <h2>Placement</h2>
 * Memory comes in growth steps ("regions"): each reserves {@code growthPages} pages of address space
 * ({@code PROT_NONE}: no memory, no commit charge) and commits (makes readable and writable) only the
 * pages requests need, in the order regions were made. A request of n granules goes to the lowest
 * fitting offset of the first region, in that order, with a free run of n granules. Only when no
 * region has one does the heap commit more: the pages the first region whose free end plus
 * reserved rest fits the request lacks, or else a new step, of which it commits what the request
 * needs (in either case up to 1/{@value ElasticGrowth#COMMIT_FRACTION} of what is committed already, if more). So a new page is committed only when no committed page has room, small heaps stay small,
 * and the pages of a step are contiguous: chunks freed side by side serve a request as long as both.
 * Successive steps need not be adjacent, so a chunk never crosses a region boundary. A request
 * larger than a step (and not above {@code largeThreshold}) gets a region of its own pages plus half
 * as many reserved, so that it grows in place by {@code reallocate} (it commits the pages after it).
 * A reallocation that must move a chunk past half a step moves it into a mapping of its own, which
 * later growth remaps (the pages move; nothing is copied or faulted in again). The free pages a
 * moved chunk leaves at its region's end go back to the reservation when they make a growth step
 * or more; a shorter tail stays committed for the requests that follow, as glibc trims the top of
 * its heap only past {@code M_TRIM_THRESHOLD}. Requests above {@code largeThreshold}, and aligned
 * requests above the page size that no region can place, get a dedicated mapping of whole pages,
 * like glibc's {@code M_MMAP_THRESHOLD}; when freed, such a mapping is kept for the next large
 * request of its size (up to {@link Builder#keptBytes}, 32 MiB by default) or unmapped. Other freed
 * memory stays committed for reuse; {@link #trim()} releases whole free pages and the kept mappings.
 * {@link HeapStats#bytesMapped()} counts committed pages, {@link HeapStats#reservedBytes()} the rest.
 *
 * <h2>Thread caches</h2>
 * By default each thread keeps a small cache of the chunks it freed, by size class, and serves its
 * requests of up to 128 KiB (or {@code largeThreshold}, if lower) from it without the lock (see {@link AllocatorBuilder#threadCache}): those
 * requests round up to their class, and a cached chunk goes to the next request of its class rather
 * than to the exact first fit. With caches on, placement is also segregated by size once the heap
 * has committed 64 pages: chunks of at most 64 bytes and longer ones get regions of their own (each
 * still first fit), so that freeing the long chunks leaves runs as long as they were rather than
 * holes between small ones. {@code threadCache(false)}
 * gives the exact first-fit heap described above for every request.
 *
 * <h2>Defaults</h2>
 * granule {@value #DEFAULT_GRANULE} bytes, growth step {@value #DEFAULT_GROWTH_PAGES} pages,
 * large threshold {@value #DEFAULT_LARGE_THRESHOLD} bytes (glibc's default mmap threshold), no page
 * limit, no automatic trim, thread caches on. One lock per heap, which the cached fast path does not take.
 */
public final class ElasticHeap extends HeapFacade {

    /**
     * Default allocation unit and alignment, bytes: 8, the alignment of every Java primitive, as
     * {@code Unsafe.allocateMemory} promises; {@code allocate(size, 16)} or {@code granule(16)} gives
     * C's {@code max_align_t}. So a 24- or 40-byte request takes 24 or 40 bytes, not 32 or 48.
     */
    public static final int DEFAULT_GRANULE = 8;
    /** Default pages per growth step: address space reserved at a time, committed as needed. */
    public static final int DEFAULT_GROWTH_PAGES = 16;
    /** Default size above which a request gets its own mapping, bytes. */
    public static final long DEFAULT_LARGE_THRESHOLD = 128 * 1024;
    /** Default bytes of freed dedicated mappings kept for reuse: 32 MiB, glibc's largest dynamic mmap threshold. */
    public static final long DEFAULT_KEPT_BYTES = 32L << 20;
    /** With no page limit, the largest request served: 2^46 bytes (64 TiB), a quarter of the user address space. */
    public static final long UNLIMITED_MAX_REQUEST = 1L << 46;

    private ElasticHeap(Builder b, String name, long maxRequest) {
        super(new Heap(new Heap.Shape("ElasticHeap", name, maxRequest, false, b.growthPages, b.largeThreshold,
                b.maxPages == 0 ? b.keptBytes : 0, frames(ElasticHeap.class)), b,
                (regions, large, granuleShift, events) -> new ElasticGrowth(regions, large, b.resolvedSource, events,
                        granuleShift, b.maxPages, b.growthPages, b.largeThreshold)));
    }

    /**
     * Starts the configuration of an elastic heap.
     *
     * @return a builder with the documented defaults
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder preset for secrets (keys, passwords): {@code lockPages} (never swapped out),
     * {@code dontDump} (never in a core dump), {@code wipeOnFree} (zeroed before free returns) and
     * {@code guardPages} on, thread caches off (a freed secret is wiped before anything else can
     * see it). Secrets share growth steps, so thousands of them take a few mappings, each with its
     * two guard pages, not one mapping each; a step is locked as it is committed, and a commit past
     * {@code RLIMIT_MEMLOCK} is a {@link HeapExhaustedException} that names the limit. Every
     * setter may still change the preset.
     *
     * @return a builder with the secrets preset
     */
    public static Builder secrets() {
        return new Builder().lockPages(true).dontDump(true).wipeOnFree(true).guardPages(true).threadCache(false);
    }

    /** Configures an {@link ElasticHeap}; every setter is optional. */
    public static final class Builder extends AllocatorBuilder<Builder> {
        private long maxPages;
        private int growthPages = DEFAULT_GROWTH_PAGES;
        private long largeThreshold = DEFAULT_LARGE_THRESHOLD;
        private long keptBytes = DEFAULT_KEPT_BYTES;

        private Builder() {
            super(DEFAULT_GRANULE, true);
        }

        /**
         * Limits the memory the heap maps.
         *
         * @param maxPages limit on all pages the heap maps at once, regions and dedicated mappings (0 = none, the default)
         * @return this builder
         */
        public Builder maxPages(long maxPages) {
            this.maxPages = maxPages;
            return this;
        }

        /**
         * Sets the length of a growth step (glibc's {@code M_TOP_PAD}).
         *
         * @param growthPages pages of address space a region reserves when the heap grows, committed as
         *                    requests need them (default 16; 1 = the lab's one page at a time)
         * @return this builder
         */
        public Builder growthPages(int growthPages) {
            this.growthPages = growthPages;
            return this;
        }

        /**
         * Sets the size above which a request gets a mapping of its own (glibc's {@code M_MMAP_THRESHOLD}).
         *
         * @param largeThreshold requests above this many bytes get their own mapping (default 128 KiB)
         * @return this builder
         */
        public Builder largeThreshold(long largeThreshold) {
            this.largeThreshold = largeThreshold;
            return this;
        }

        /**
         * Keeps freed dedicated mappings for reuse by the next large requests.
         *
         * @param keptBytes bytes of freed dedicated mappings the heap keeps mapped for the next large
         *                  request (at most 8 mappings; a request reuses one of its size up to twice
         *                  its size). {@code trim()} and {@code close()} unmap them. Default
         *                  {@link #DEFAULT_KEPT_BYTES}; 0 unmaps a dedicated mapping when its chunk is
         *                  freed. A heap with {@code maxPages} keeps none, so kept pages never stand
         *                  in the way of its limit.
         * @return this builder
         */
        public Builder keptBytes(long keptBytes) {
            this.keptBytes = keptBytes;
            return this;
        }

        /**
         * Builds the heap, and registers its MXBean if it has a {@link #name}. Maps nothing.
         *
         * @return a new heap
         * @throws IllegalArgumentException for an invalid setting
         * @throws IllegalStateException    if another open allocator has the name
         */
        public ElasticHeap build() {
            checkNameFree();
            ElasticHeap heap = buildUnregistered(name);
            heap.bean = register(heap, "ElasticHeap");
            return heap;
        }

        /**
         * Builds a heap with no MXBean.
         *
         * @param heapName the name in its messages, log records and events, or null
         */
        ElasticHeap buildUnregistered(String heapName) {
            long pageSize = resolveSource().pageSize();
            int shift = Sizes.granuleShift(granule, pageSize);
            Validate.isTrue(maxPages >= 0, "maxPages must be >= 0 (0 = no limit), was %d", maxPages);
            Validate.isTrue(growthPages > 0, "growthPages must be > 0, was %d", growthPages);
            Validate.isTrue(largeThreshold > 0, "largeThreshold must be > 0, was %d", largeThreshold);
            Validate.isTrue(keptBytes >= 0, "keptBytes must be >= 0 (0 = unmap on free), was %d", keptBytes);
            long granuleLimit = ((long) Integer.MAX_VALUE) << shift;
            Validate.isTrue((long) growthPages * pageSize <= granuleLimit && largeThreshold <= granuleLimit,
                    "growthPages * pageSize and largeThreshold must be at most 2^31-1 granules (%d bytes)", granuleLimit);
            if (maxPages > 0) {
                long regions = (maxPages + growthPages - 1) / growthPages;
                long limit = ProcessMemory.maxMapCount();
                Validate.isTrue(regions < limit, "maxPages=%d in growth steps of %d pages may need %d mappings, more than "
                        + "the kernel allows a process (vm.max_map_count=%d): raise growthPages", maxPages, growthPages,
                        regions, limit);
            }
            return new ElasticHeap(this, heapName, maxPages == 0 ? UNLIMITED_MAX_REQUEST : maxPages * pageSize);
        }
    }
}
