package io.mmapheap;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The chunk map of one contiguous region: which granules are in use, where chunks start, and an
 * index that finds the lowest free run of a given length in O(log granules). It holds offsets in
 * granules, never addresses, and nothing of it lives inside the region.
 *
 * <h2>Layout</h2>
 * <pre>
 *   granule g of the region  -&gt;  word g / 64, bit g % 64 (bit 0 = lowest address)
 *
 *   used[w]    1 = granule belongs to a live chunk (or is padding past the region's end)
 *   starts[w]  1 = a live chunk starts at this granule
 *   stops[i]   bit j = 1: word 64i+j of the bitmaps holds a chunk start or a free granule,
 *              so a chunk's length is found in one read per 64 words, not one per word
 *
 *   chunk at s:  starts(s) = 1, used(s .. e-1) = 1, and e is the first granule after s
 *                that is free, starts another chunk, or is the region's end
 *
 *   blocks of 8 words (512 granules): block b = words 8b .. 8b+7
 *   run tree over the blocks, an implicit binary tree in arrays indexed 1 .. 2 * blocks - 1:
 *
 *                         node 1  (whole region)
 *                  node 2                node 3
 *              node 4   node 5      node 6   node 7
 *             [b0] [b1] [b2] [b3]  [b4] [b5] [b6] [b7]   leaves: nodes blocks .. 2 * blocks - 1
 *
 *   every node k stores, over the granules below it:
 *     prefix[k]  free granules at its low end
 *     suffix[k]  free granules at its high end
 *     longest[k] the longest free run inside it
 * </pre>
 * A leaf is computed from its block's 8 words, an inner node from its two children. An update
 * stops climbing at the first level where no node changed.
 * Memory: 2 bits per granule, 1 bit per 64 granules, plus 24 bytes per 512 granules, of the region's reserved length (the
 * tree over blocks, not words, is what keeps a thread-cached region within 3% at granule 16). A
 * region may be committed (readable and writable) only up to a point, past which its granules are
 * padding until {@link #commit} moves the end up.
 *
 * <h2>Finding the first fit for n granules</h2>
 * <ol>
 *   <li>If {@code longest[root] < n}, the region has no room.</li>
 *   <li>At node k: if the left child's longest run is &gt;= n, descend left (lower addresses win);</li>
 *   <li>else if the left child's suffix plus the right child's prefix is &gt;= n, the run that
 *       straddles the middle starts at {@code middle - suffix(left)}: done;</li>
 *   <li>else descend right.</li>
 *   <li>At a leaf, the block's words are scanned in address order for the first n free granules.</li>
 * </ol>
 * Free runs are maximal by construction (free space is just clear bits), so splitting and
 * coalescing are implicit: allocating a prefix of a run leaves the rest free, and freeing a chunk
 * next to free granules makes one longer run.
 *
 * <h2>Readers without the lock</h2>
 * Every change is made under the allocator's lock, between two steps of {@code version} (odd while
 * a change is in progress), so a thread without the lock can read a live chunk's length and check
 * that no change overlapped its reads ({@link #racyChunkLength}), as a seqlock reader does.
 * {@code marks[g]} (created on first use, a byte per granule) holds the mark, M, of the chunk that
 * starts at g: set while a thread cache holds the chunk or a thread has claimed it. Marks are changed only by the chunk-state machine ({@code ChunkStates}), whose header
 * draws the states a chunk goes through and who may change which bit.
 */
final class ChunkMap {

    /** Granules per bitmap word. */
    static final int WORD_BITS = Long.SIZE;
    private static final int WORD_SHIFT = 6;
    /** log2 of the words in a block, a leaf of the run tree. */
    private static final int BLOCK_SHIFT = 3;
    private static final int BLOCK_WORDS = 1 << BLOCK_SHIFT;
    private static final int BLOCK_GRANULE_SHIFT = WORD_SHIFT + BLOCK_SHIFT;
    private static final long ALL = -1L;

    private static final VarHandle VERSION;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            VERSION = lookup.findVarHandle(ChunkMap.class, "version", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Granules the arrays cover: the region's reserved length. */
    private final int capacity;
    /** The region's committed length (readable and writable) in granules; grows by {@link #commit}. */
    private int granules;
    /** Bitmap words that cover {@code granules}. */
    private int words;
    /** Leaves of the run tree: blocks of {@value #BLOCK_WORDS} words, a power of two. */
    private final int blocks;
    private final long[] used;
    private final long[] starts;
    /** Bit w = 1 iff {@code starts[w] | ~used[w]} is not 0; kept by every change of the two. */
    private final long[] stops;
    private final int[] prefix;
    private final int[] suffix;
    private final int[] longest;
    /** log2(granules per page). */
    private final int pageGranuleShift;
    /** Bit p = 1: page p was handed out (written, perhaps) since it was mapped or last discarded. */
    private final long[] touched;

    private int usedGranules;
    private int liveChunks;
    private int freeRuns;
    /** Even when the bitmaps are consistent; read and written through {@link #VERSION}. */
    @SuppressWarnings("unused")
    private long version;
    /** Bit g = 1: the chunk starting at g is cached or claimed ({@code ChunkStates}); null until caching is enabled. */
    private volatile byte[] marks;

    /**
     * A map of a region committed in full.
     *
     * @param granules  the region's length in granules, &gt; 0, a whole number of pages
     * @param pageGranuleShift log2 of granules per page
     */
    ChunkMap(int granules, int pageGranuleShift) {
        this(granules, granules, pageGranuleShift);
    }

    /**
     * A map of a region of which only the first {@code granules} are committed so far; the rest
     * counts as padding past the end until {@link #commit} moves the end up.
     *
     * @param capacity  the region's reserved length in granules, &gt; 0, a whole number of pages
     * @param granules  its committed length, in (0, capacity], a whole number of pages
     * @param pageGranuleShift log2 of granules per page
     */
    ChunkMap(int capacity, int granules, int pageGranuleShift) {
        int pageMask = (1 << pageGranuleShift) - 1;
        if (capacity <= 0 || (capacity & pageMask) != 0) {
            throw new IllegalArgumentException("capacity must be a positive number of whole pages, was " + capacity);
        }
        if (granules <= 0 || granules > capacity || (granules & pageMask) != 0) {
            throw new IllegalArgumentException("granules must be a positive number of whole pages up to the capacity "
                    + capacity + ", was " + granules);
        }
        this.capacity = capacity;
        this.granules = granules;
        this.pageGranuleShift = pageGranuleShift;
        this.touched = new long[((capacity >>> pageGranuleShift) + WORD_BITS - 1) >>> WORD_SHIFT];
        this.words = wordsFor(granules);
        int capacityBlocks = (wordsFor(capacity) + BLOCK_WORDS - 1) >>> BLOCK_SHIFT;
        this.blocks = Integer.highestOneBit(capacityBlocks) == capacityBlocks ? capacityBlocks : Integer.highestOneBit(capacityBlocks) << 1;
        int wordCount = blocks << BLOCK_SHIFT;
        this.used = new long[wordCount];
        this.starts = new long[wordCount];
        this.stops = new long[wordsFor(wordCount)];
        this.prefix = new int[2 * blocks];
        this.suffix = new int[2 * blocks];
        this.longest = new int[2 * blocks];
        // Padding past the region's end counts as used, so no run ever reaches into it.
        int tail = granules & (WORD_BITS - 1);
        if (tail != 0) {
            used[words - 1] = ALL << tail;
        }
        for (int w = words; w < wordCount; w++) {
            used[w] = ALL;
        }
        for (int w = 0; w < wordCount; w++) {
            restop(w);
        }
        for (int k = 2 * blocks - 1; k >= 1; k--) {
            pull(k);
        }
        freeRuns = 1;
    }

    private static int wordsFor(int granules) {
        return (granules + WORD_BITS - 1) >>> WORD_SHIFT;
    }

    /**
     * Moves the region's end up to {@code newGranules}: the granules in between were committed
     * (made readable and writable) by the caller and become free, joining a free run that ends at
     * the old end.
     *
     * @param newGranules in (granules(), capacity()], a whole number of pages
     */
    void commit(int newGranules) {
        if (newGranules <= granules || newGranules > capacity || (newGranules & ((1 << pageGranuleShift) - 1)) != 0) {
            throw new IllegalArgumentException("cannot commit up to granule " + newGranules + " of a region of "
                    + granules + " committed and " + capacity + " reserved");
        }
        boolean joins = granules > 0 && isFree(granules - 1);
        moveEnd(newGranules);
        freeRuns += joins ? 0 : 1;
    }

    /**
     * Moves the region's end down to {@code newGranules}: the free granules past it go back to the
     * reservation (the caller decommits their pages) and count as padding again.
     *
     * @param newGranules in [0, granules()), a whole number of pages, with every granule from it to
     *                    the end free; 0 leaves a map with no granule, all of it reserved
     */
    void decommit(int newGranules) {
        if (newGranules < 0 || newGranules >= granules || (newGranules & ((1 << pageGranuleShift) - 1)) != 0
                || !isFreeRange(newGranules, granules - newGranules)) {
            throw new IllegalArgumentException("cannot decommit from granule " + newGranules + " of a region of "
                    + granules + " committed granules, " + trailingFree() + " of them free at the end");
        }
        int oldEnd = granules;
        boolean wholeRun = newGranules == 0 || !isFree(newGranules - 1);
        moveEnd(newGranules);
        // Decommitted pages read as zero when committed again.
        clearBits(touched, newGranules >>> pageGranuleShift, oldEnd >>> pageGranuleShift);
        freeRuns -= wholeRun ? 1 : 0;
    }

    /** Moves the end to {@code newGranules}: the granules between the two ends become free (up) or padding (down). */
    private void moveEnd(int newGranules) {
        int oldEnd = granules;
        boolean up = newGranules > oldEnd;
        int from = Math.min(oldEnd, newGranules);
        int to = Math.max(oldEnd, newGranules);
        long v = beginChange();
        if (up) {
            clearBits(used, from, to);
        } else {
            setBits(used, from, to);
        }
        for (int w = from >>> WORD_SHIFT; w <= (to - 1) >>> WORD_SHIFT; w++) {
            restop(w);
        }
        granules = newGranules;
        words = wordsFor(newGranules);
        endChange(v);
        updateTree(from, to - 1, !up);
    }

    /** @return the granules the region may grow to with {@link #commit} */
    int capacity() {
        return capacity;
    }

    /** @return the free granules that end at the region's (committed) end */
    int trailingFree() {
        if (granules == 0) {
            return 0;
        }
        int run = 0;
        int w = (granules - 1) >>> WORD_SHIFT;
        // Bits of word w below the end, moved to the top so that leading zeros count free granules.
        int valid = granules - (w << WORD_SHIFT);
        for (; w >= 0; w--, valid = WORD_BITS) {
            long x = used[w] << (WORD_BITS - valid);
            if (x != 0) {
                return run + Long.numberOfLeadingZeros(x);
            }
            run += valid;
        }
        return run;
    }

    /** @return the region's committed length in granules */
    int granules() {
        return granules;
    }

    int usedGranules() {
        return usedGranules;
    }

    int liveChunks() {
        return liveChunks;
    }

    int freeRuns() {
        return freeRuns;
    }

    /** @return the longest free run, in granules */
    int longestFree() {
        return longest[1];
    }

    /** @return bytes of Java heap this map occupies (arrays only) */
    long metadataBytes() {
        long markBytes = marks != null ? marks.length : 0;
        return (2L * used.length + stops.length) * Long.BYTES + 3L * prefix.length * Integer.BYTES + (long) touched.length * Long.BYTES + markBytes;
    }

    /** @return the region's committed length in pages */
    int pages() {
        return granules >>> pageGranuleShift;
    }

    /** @return whether page {@code page} may hold data: handed out since it was mapped or discarded */
    boolean isTouched(int page) {
        return (touched[page >>> WORD_SHIFT] & (1L << page)) != 0;
    }

    /** Records that page {@code page} reads as zero again (fresh from the system). */
    void markClean(int page) {
        touched[page >>> WORD_SHIFT] &= ~(1L << page);
    }

    /** @return whether page {@code page} holds no live granule */
    boolean isPageFree(int page) {
        return isFreeRange(page << pageGranuleShift, 1 << pageGranuleShift);
    }

    /** @return the page that holds granule {@code offset} */
    int pageOf(int offset) {
        return offset >>> pageGranuleShift;
    }

    /** @return the first granule of page {@code page} */
    int firstGranuleOf(int page) {
        return page << pageGranuleShift;
    }

    private void markTouched(int offset, int n) {
        int first = offset >>> pageGranuleShift;
        int last = (offset + n - 1) >>> pageGranuleShift;
        if (first == last) {
            touched[first >>> WORD_SHIFT] |= 1L << first;
        } else {
            setBits(touched, first, last + 1);
        }
    }

    /**
     * Exact first fit under an alignment: the lowest offset g with n free granules from g on and
     * {@code g % align == phase}. Scans the free runs in address order; O(words).
     *
     * @param align granules, a power of two
     * @param phase in [0, align): the offsets whose address is aligned
     * @return the offset, or -1
     */
    int findFirstAligned(int n, int align, int phase) {
        if (longestFree() < n) {
            return -1;
        }
        int g = 0;
        while (g < granules) {
            int start = nextFree(g);
            if (start >= granules) {
                return -1;
            }
            int end = nextUsed(start);
            int aligned = start + ((phase - start) & (align - 1));
            if (aligned + n <= end) {
                return aligned;
            }
            g = end;
        }
        return -1;
    }

    private int nextFree(int from) {
        int w = from >>> WORD_SHIFT;
        long bits = ~used[w] & (ALL << from);
        while (bits == 0) {
            if (++w >= words) {
                return granules;
            }
            bits = ~used[w];
        }
        return (w << WORD_SHIFT) + Long.numberOfTrailingZeros(bits);
    }

    /** Padding past the end is used, so this always stops by {@code granules}. */
    private int nextUsed(int from) {
        int w = from >>> WORD_SHIFT;
        long bits = used[w] & (ALL << from);
        while (bits == 0) {
            if (++w >= words) {
                return granules;
            }
            bits = used[w];
        }
        return Math.min(granules, (w << WORD_SHIFT) + Long.numberOfTrailingZeros(bits));
    }

    /**
     * Finds the lowest offset where {@code n} free granules start.
     *
     * @param n granules, &gt; 0
     * @return the offset in granules, or -1 if no free run is that long
     */
    int findFirst(int n) {
        if (longestFree() < n) {
            return -1;
        }
        int k = 1;
        int base = 0;
        int span = blocks << BLOCK_GRANULE_SHIFT;
        while (k < blocks) {
            int left = k << 1;
            int half = span >>> 1;
            if (longest[left] >= n) {
                k = left;
            } else {
                int leftSuffix = suffix[left];
                if (leftSuffix + prefix[left + 1] >= n) {
                    return base + half - leftSuffix;
                }
                k = left + 1;
                base += half;
            }
            span = half;
        }
        return firstRunInBlock(k - blocks, n);
    }

    /**
     * @return the lowest offset in block b where n free granules start; the caller knows the block
     *         holds such a run
     */
    private int firstRunInBlock(int b, int n) {
        int first = b << BLOCK_SHIFT;
        // run: free granules that end where word w starts, carried across words.
        int run = 0;
        for (int w = first; w < first + BLOCK_WORDS; w++) {
            long u = used[w];
            if (u == 0) {
                run += WORD_BITS;
                if (run >= n) {
                    return ((w + 1) << WORD_SHIFT) - run;
                }
                continue;
            }
            if (run + Long.numberOfTrailingZeros(u) >= n) {
                return (w << WORD_SHIFT) - run;
            }
            if (n <= WORD_BITS && innerRun(u, n - 1) >= n) {
                return (w << WORD_SHIFT) + firstRunInWord(~u, n);
            }
            run = Long.numberOfLeadingZeros(u);
        }
        throw new AssertionError("block " + b + " holds no run of " + n + " free granules");
    }

    /**
     * Marks {@code n} free granules at {@code offset} as one live chunk.
     * The caller guarantees the granules are free and inside the region.
     */
    void allocate(int offset, int n) {
        allocateChunks(offset, n, 1);
    }

    /**
     * Marks {@code k} chunks of {@code n} granules each, back to back from {@code offset}, as live:
     * the state k allocations of n at offset, offset + n, ... leave, with one tree update.
     * The caller guarantees the k * n granules are free and inside the region.
     */
    void allocateChunks(int offset, int n, int k) {
        int end = offset + n * k;
        assert isFreeRange(offset, end - offset) : "allocate over used granules at " + offset;
        boolean before = offset > 0 && isFree(offset - 1);
        boolean after = end < granules && isFree(end);
        long v = beginChange();
        setBits(used, offset, end);
        int lastWord = (end - 1) >>> WORD_SHIFT;
        // Every word from the first on now holds only used granules, but those that hold a start.
        clearBits(stops, offset >>> WORD_SHIFT, lastWord + 1);
        for (int g = offset; g < end; g += n) {
            starts[g >>> WORD_SHIFT] |= 1L << g;
            markStop(g);
        }
        restop(lastWord);
        endChange(v);
        markTouched(offset, end - offset);
        updateTree(offset, end - 1, true);
        usedGranules += end - offset;
        liveChunks += k;
        freeRuns += (before && after ? 1 : 0) - (before || after ? 0 : 1);
    }

    /**
     * @return the free granules from {@code offset} on, up to the next used granule or the
     *         region's end, counted up to {@code max}: a free run's length, where offset is free
     */
    int freeRunFrom(int offset, int max) {
        int w = offset >>> WORD_SHIFT;
        long bits = used[w] & (ALL << offset);
        int limit = Math.min(granules, offset + max);
        while (bits == 0) {
            if ((++w << WORD_SHIFT) >= limit) {
                return limit - offset;
            }
            bits = used[w];
        }
        return Math.min(limit, (w << WORD_SHIFT) + Long.numberOfTrailingZeros(bits)) - offset;
    }

    /**
     * Frees the live chunk that starts at {@code offset}.
     *
     * @return the chunk's length in granules
     */
    int free(int offset) {
        assert isChunkStart(offset) : "no chunk starts at " + offset;
        int n = chunkLength(offset);
        boolean before = offset > 0 && isFree(offset - 1);
        boolean after = offset + n < granules && isFree(offset + n);
        long v = beginChange();
        clearBits(used, offset, offset + n);
        starts[offset >>> WORD_SHIFT] &= ~(1L << offset);
        markStops(offset, offset + n);
        endChange(v);
        updateTree(offset, offset + n - 1, false);
        usedGranules -= n;
        liveChunks--;
        freeRuns += 1 - (before ? 1 : 0) - (after ? 1 : 0);
        return n;
    }

    /**
     * Frees the live chunks that start at {@code offsets[from .. to)}, in ascending order: the state
     * as many calls of {@link #free} leave, with one pass up the run tree for all of them, sharing
     * the nodes they have in common. Their marks are the caller's ({@code ChunkStates.endMarks}).
     *
     * @param length the chunks' common length in granules, which the caller knows (a bin's class),
     *               or 0 to read each chunk's
     * @param leaves scratch for the tree's leaves the chunks touch, at least 2 long; when they are
     *               more, the tree is brought up to date each time it fills
     * @return the granules freed
     */
    int freeChunks(int[] offsets, int from, int to, int length, int[] leaves) {
        int freed = 0;
        int count = 0;
        long v = beginChange();
        int i = from;
        while (i < to) {
            int offset = offsets[i];
            int end = offset;
            // Chunks that follow one another (a refill's, freed in the order they were handed out)
            // are freed as one range: one pass over its words, one free run.
            do {
                assert isChunkStart(end) : "no chunk starts at " + end;
                assert length == 0 || length == chunkLength(end) : "chunk at " + end + " is not " + length + " granules";
                // Only the chunk starts are set in the range: clearing each costs less than the range's words.
                starts[end >>> WORD_SHIFT] &= ~(1L << end);
                end += length > 0 ? length : chunkLength(end);
                i++;
            } while (i < to && offsets[i] == end);
            boolean before = offset > 0 && isFree(offset - 1);
            boolean after = end < granules && isFree(end);
            clearBits(used, offset, end);
            markStops(offset, end);
            freeRuns += 1 - (before ? 1 : 0) - (after ? 1 : 0);
            freed += end - offset;
            int lo = (offset >>> BLOCK_GRANULE_SHIFT) + blocks;
            int hi = ((end - 1) >>> BLOCK_GRANULE_SHIFT) + blocks;
            if (count > 0 && lo <= leaves[count - 1]) {
                lo = leaves[count - 1] + 1;
            }
            if (count + hi - lo + 1 > leaves.length) {
                updateNodes(leaves, count);
                count = 0;
            }
            if (hi - lo + 1 > leaves.length) {
                updateTree(offset, end - 1, false);
                continue;
            }
            for (int k = lo; k <= hi; k++) {
                leaves[count++] = k;
            }
        }
        endChange(v);
        updateNodes(leaves, count);
        usedGranules -= freed;
        liveChunks -= to - from;
        return freed;
    }

    /**
     * Splits the live chunk at {@code offset}, longer than {@code n} granules, into a live chunk of
     * n and a live chunk of the rest after it. No granule changes between used and free, so the
     * run tree stays as it is.
     */
    void split(int offset, int n) {
        assert isChunkStart(offset) && chunkLength(offset) > n : "no chunk longer than " + n + " at " + offset;
        int at = offset + n;
        long v = beginChange();
        starts[at >>> WORD_SHIFT] |= 1L << at;
        markStop(at);
        endChange(v);
        liveChunks++;
    }

    /**
     * Joins the live chunk at {@code offset}, {@code n} granules long, and the live chunk that starts
     * right after it into one: the undoing of {@link #split}. No granule changes between used and
     * free, so the run tree stays as it is. Marks are the caller's ({@code ChunkStates}).
     */
    void join(int offset, int n) {
        int at = offset + n;
        assert isChunkStart(offset) && chunkLength(offset) == n && isChunkStart(at) : "no two chunks at " + offset + " and " + at;
        long v = beginChange();
        starts[at >>> WORD_SHIFT] &= ~(1L << at);
        restop(at >>> WORD_SHIFT);
        endChange(v);
        liveChunks--;
    }

    /**
     * Shrinks the live chunk at {@code offset} from {@code oldN} to {@code newN} granules in place;
     * the tail becomes free and joins a free run after it.
     */
    void shrink(int offset, int oldN, int newN) {
        assert newN > 0 && newN < oldN;
        int end = offset + oldN;
        boolean after = end < granules && isFree(end);
        long v = beginChange();
        clearBits(used, offset + newN, end);
        markStops(offset + newN, end);
        endChange(v);
        updateTree(offset + newN, end - 1, false);
        usedGranules -= oldN - newN;
        freeRuns += after ? 0 : 1;
    }

    /**
     * Grows the live chunk at {@code offset} from {@code oldN} to {@code newN} granules in place.
     *
     * @return false, changing nothing, if the granules after the chunk are not free or not in the region
     */
    boolean extend(int offset, int oldN, int newN) {
        int end = offset + oldN;
        if (!isFreeRange(end, newN - oldN)) {
            return false;
        }
        int newEnd = offset + newN;
        boolean runLeft = newEnd < granules && isFree(newEnd);
        long v = beginChange();
        setBits(used, end, newEnd);
        int firstWord = end >>> WORD_SHIFT;
        int lastWord = (newEnd - 1) >>> WORD_SHIFT;
        if (lastWord > firstWord + 1) {
            clearBits(stops, firstWord + 1, lastWord);
        }
        restop(firstWord);
        restop(lastWord);
        endChange(v);
        markTouched(end, newN - oldN);
        updateTree(end, newEnd - 1, true);
        usedGranules += newN - oldN;
        freeRuns -= runLeft ? 0 : 1;
        return true;
    }

    /** Opens a change of the bitmaps: @return the version to pass to {@link #endChange} */
    private long beginChange() {
        long v = (long) VERSION.get(this);
        VERSION.setOpaque(this, v + 1);
        // Readers must not see the bitmap writes that follow before they see the odd version.
        VarHandle.storeStoreFence();
        return v;
    }

    private void endChange(long v) {
        VERSION.setRelease(this, v + 2);
    }

    /**
     * Starts a read without the lock.
     *
     * @return the version to check with {@link #unchangedSince}, or -1 while a change is in progress.
     *         64 bits, so that equal versions mean no change however long apart they were read.
     */
    long stableVersion() {
        long v = (long) VERSION.getAcquire(this);
        return (v & 1) == 0 ? v : -1;
    }

    /** @return whether no change was made since {@link #stableVersion} returned v, so reads in between saw one state */
    boolean unchangedSince(long v) {
        VarHandle.loadLoadFence();
        return (long) VERSION.getOpaque(this) == v;
    }

    /**
     * The length of the live chunk at {@code offset}, read without the lock between
     * {@link #stableVersion} and {@link #unchangedSince}; meaningless unless the latter says yes.
     * Reads each word of both bitmaps once, and stops looking past {@code max} granules.
     *
     * @param max the longest length the caller cares about, granules
     * @return the chunk's length in granules, or -1 if no live chunk starts at offset or it is
     *         longer than max
     */
    int racyChunkLength(int offset, int max) {
        int w = offset >>> WORD_SHIFT;
        long s = starts[w];
        long u = used[w];
        if ((s & u & (1L << offset)) == 0) {
            return -1;
        }
        // Granules after offset that end the chunk: another chunk's start or a free granule.
        long stop = (s | ~u) & (-2L << offset);
        if (stop == 0) {
            // Past the word of offset, only words up to the one max granules on matter.
            int last = Math.min((offset + max) >>> WORD_SHIFT, words - 1);
            w = w < last ? nextStopWord(w + 1, last) : last + 1;
            if (w > last) {
                int toEnd = granules - offset;
                return last == words - 1 && toEnd <= max ? toEnd : -1;
            }
            stop = starts[w] | ~used[w];
            if (stop == 0) {
                // A summary bit read in the middle of a change: the caller's version check fails.
                return -1;
            }
        }
        int n = (w << WORD_SHIFT) + Long.numberOfTrailingZeros(stop) - offset;
        return n <= max ? n : -1;
    }

    /** Creates the marks ({@code ChunkStates}); under the lock, before any thread may claim a chunk. */
    void enableCaching() {
        if (marks == null) {
            marks = new byte[used.length * WORD_BITS];
        }
    }

    /** @return whether {@link #enableCaching} has run */
    boolean cachingEnabled() {
        return marks != null;
    }

    /** @return the marks, a byte per granule, read and written through {@code ChunkStates} only; null until enabled */
    byte[] marks() {
        return marks;
    }

    /** @return the marked chunks in this map: cached, or claimed by a free in flight */
    int markedChunks() {
        int chunks = 0;
        if (marks != null) {
            for (int w = 0; w < words; w++) {
                chunks += Long.bitCount(ChunkStates.marksWord(this, w) & starts[w]);
            }
        }
        return chunks;
    }

    /** @return {chunks, granules} of the marked chunks in this map: cached, or claimed by a free in flight */
    long[] cachedChunks() {
        long chunks = 0;
        long granulesHeld = 0;
        if (marks != null) {
            for (int w = 0; w < words; w++) {
                // Only marks on chunk starts: a stray (ChunkStates) on another granule is no chunk.
                long x = ChunkStates.marksWord(this, w) & starts[w];
                while (x != 0) {
                    int g = granuleOf(w, x);
                    x &= x - 1;
                    chunks++;
                    granulesHeld += chunkLength(g);
                }
            }
        }
        return new long[] {chunks, granulesHeld};
    }

    /** @return whether [offset, offset + n) is entirely free and inside the region */
    boolean isFreeRange(int offset, int n) {
        if (offset < 0 || n <= 0 || offset + n > granules) {
            return false;
        }
        return nextUsed(offset) >= offset + n;
    }

    /** @return the chunk starts of bitmap word w */
    long startsWord(int w) {
        return starts[w];
    }

    /** @return the bitmap words that cover the committed granules */
    int words() {
        return words;
    }

    /** @return whether a live chunk starts at {@code offset} */
    boolean isChunkStart(int offset) {
        return (starts[offset >>> WORD_SHIFT] & (1L << offset)) != 0;
    }

    /** @return whether granule {@code offset} is free */
    boolean isFree(int offset) {
        return (used[offset >>> WORD_SHIFT] & (1L << offset)) == 0;
    }

    /** @return the start of the live chunk that contains used granule {@code offset} */
    int chunkStartOf(int offset) {
        int g = offset;
        while (!isChunkStart(g)) {
            g--;
        }
        return g;
    }

    /**
     * @return the length in granules of the live chunk starting at {@code offset}: up to the next
     *         chunk start, the next free granule, or the region's end, whichever comes first
     */
    int chunkLength(int offset) {
        int g = offset + 1;
        int w = g >>> WORD_SHIFT;
        if (g >= granules) {
            return granules - offset;
        }
        long stop = (starts[w] | ~used[w]) & (ALL << g);
        if (stop == 0) {
            w = w + 1 < words ? nextStopWord(w + 1, words - 1) : words;
            if (w >= words) {
                return granules - offset;
            }
            stop = starts[w] | ~used[w];
        }
        int end = (w << WORD_SHIFT) + Long.numberOfTrailingZeros(stop);
        return Math.min(end, granules) - offset;
    }

    /**
     * @return the first word in [from, last] that holds a chunk start or a free granule, by the
     *         summary bits, or last + 1 if none does
     */
    private int nextStopWord(int from, int last) {
        int i = from >>> WORD_SHIFT;
        int lastIndex = last >>> WORD_SHIFT;
        long marks = stops[i] & (ALL << from);
        while (marks == 0) {
            if (++i > lastIndex) {
                return last + 1;
            }
            marks = stops[i];
        }
        return Math.min(last + 1, (i << WORD_SHIFT) + Long.numberOfTrailingZeros(marks));
    }

    /** Sets the summary bit of the word that holds granule g, which now starts a chunk or is free. */
    private void markStop(int g) {
        stops[g >>> (2 * WORD_SHIFT)] |= 1L << (g >>> WORD_SHIFT);
    }

    /** Sets the summary bits of the words that hold granules [from, to), which just became free; from &lt; to. */
    private void markStops(int from, int to) {
        setBits(stops, from >>> WORD_SHIFT, ((to - 1) >>> WORD_SHIFT) + 1);
    }

    /** Sets word w's summary bit from the bitmaps. */
    private void restop(int w) {
        long bit = 1L << w;
        if ((starts[w] | ~used[w]) != 0) {
            stops[w >>> WORD_SHIFT] |= bit;
        } else {
            stops[w >>> WORD_SHIFT] &= ~bit;
        }
    }

    /**
     * Walks the whole map.
     *
     * @throws IllegalStateException naming the first broken invariant
     */
    void verify(String where) {
        int tail = granules & (WORD_BITS - 1);
        if (tail != 0 && (used[words - 1] | ~(ALL << tail)) != ALL) {
            throw broken(where, "padding past granule " + granules + " is not marked used");
        }
        int countedUsed = 0;
        int countedChunks = 0;
        int countedRuns = 0;
        // Word at a time: bit g of (x << 1 | carry) is bit g-1 of the bitmap, so "x & ~previous"
        // marks the first granule of each run of ones in x.
        long usedCarry = 0;
        long freeCarry = 0;
        for (int w = 0; w < words; w++) {
            long valid = w == words - 1 && tail != 0 ? ~(ALL << tail) : ALL;
            long u = used[w] & valid;
            long f = ~used[w] & valid;
            long st = starts[w];
            if ((st & ~u) != 0) {
                throw broken(where, "granule " + granuleOf(w, st & ~u) + " is free (or padding) but marked as a chunk start");
            }
            long runStarts = u & ~(u << 1 | usedCarry);
            if ((runStarts & ~st) != 0) {
                throw broken(where, "used granule " + granuleOf(w, runStarts & ~st) + " belongs to no chunk (no start before it)");
            }
            countedUsed += Long.bitCount(u);
            countedChunks += Long.bitCount(st);
            countedRuns += Long.bitCount(f & ~(f << 1 | freeCarry));
            usedCarry = u >>> (WORD_BITS - 1);
            freeCarry = f >>> (WORD_BITS - 1);
        }
        for (int page = 0; page < pages(); page++) {
            if (!isTouched(page) && !isPageFree(page)) {
                throw broken(where, "page " + page + " holds live granules but is marked clean");
            }
        }
        for (int w = words; w < used.length; w++) {
            if (used[w] != ALL || starts[w] != 0) {
                throw broken(where, "padding word " + w + " is not fully used");
            }
        }
        for (int w = 0; w < used.length; w++) {
            boolean holdsStop = (starts[w] | ~used[w]) != 0;
            if (holdsStop != ((stops[w >>> WORD_SHIFT] & (1L << w)) != 0)) {
                throw broken(where, "word " + w + (holdsStop ? " holds" : " holds no") + " chunk start or free granule, but its summary bit says otherwise");
            }
        }
        if (countedUsed != usedGranules || countedChunks != liveChunks || countedRuns != freeRuns) {
            throw broken(where, "counters say used=" + usedGranules + " chunks=" + liveChunks + " runs=" + freeRuns
                    + " but the bitmap has used=" + countedUsed + " chunks=" + countedChunks + " runs=" + countedRuns);
        }
        for (int k = 2 * blocks - 1; k >= 1; k--) {
            int p = prefix[k];
            int s = suffix[k];
            int l = longest[k];
            pull(k);
            if (p != prefix[k] || s != suffix[k] || l != longest[k]) {
                throw broken(where, "run tree node " + k + " holds (" + p + "," + s + "," + l + ") but its children give ("
                        + prefix[k] + "," + suffix[k] + "," + longest[k] + ")");
            }
        }
    }

    private static int granuleOf(int word, long bits) {
        return (word << WORD_SHIFT) + Long.numberOfTrailingZeros(bits);
    }

    /** Renders granule {@code g} for a page picture: '#' chunk start, '=' rest of a chunk, '.' free. */
    char glyph(int g) {
        return isChunkStart(g) ? '#' : isFree(g) ? '.' : '=';
    }

    private static IllegalStateException broken(String where, String what) {
        return new IllegalStateException(where + ": " + what);
    }

    /**
     * Brings the run tree up to date after every granule in the range became used ({@code nowUsed})
     * or free. A node that lies wholly inside the range is all used or all free, so it is stored
     * outright; only the nodes at the range's two ends are computed from their children, which
     * keeps a long chunk's update to a store per node.
     */
    private void updateTree(int firstGranule, int lastGranule, boolean nowUsed) {
        // The leaves first, then one level up at a time; once no node of a level changed, no
        // ancestor can.
        int levelStart = blocks;
        int span = 1 << BLOCK_GRANULE_SHIFT;
        int lo = (firstGranule >>> BLOCK_GRANULE_SHIFT) + blocks;
        int hi = (lastGranule >>> BLOCK_GRANULE_SHIFT) + blocks;
        boolean changed = false;
        for (int k = lo; k <= hi; k++) {
            changed |= covered(k - levelStart, span, firstGranule, lastGranule)
                    ? storeUniform(k, span, nowUsed) : pullFromBlock(k);
        }
        while (changed && lo > 1) {
            int childSpan = span;
            span <<= 1;
            levelStart >>>= 1;
            lo >>>= 1;
            hi >>>= 1;
            changed = false;
            for (int k = lo; k <= hi; k++) {
                changed |= covered(k - levelStart, span, firstGranule, lastGranule)
                        ? storeUniform(k, span, nowUsed) : pullFromNodes(k, childSpan);
            }
        }
    }

    /**
     * Brings the run tree up to date after the bitmap words under the given leaves changed:
     * recomputes those leaves, then, level by level, the parents of the nodes that changed.
     *
     * @param nodes the leaves (node indices), ascending and distinct; overwritten
     */
    private void updateNodes(int[] nodes, int count) {
        int changed = 0;
        for (int i = 0; i < count; i++) {
            if (pullFromBlock(nodes[i])) {
                nodes[changed++] = nodes[i];
            }
        }
        int childSpan = 1 << BLOCK_GRANULE_SHIFT;
        while (changed > 0 && nodes[0] > 1) {
            int level = changed;
            changed = 0;
            int last = 0;
            for (int i = 0; i < level; i++) {
                int parent = nodes[i] >>> 1;
                if (parent != last) {
                    last = parent;
                    if (pullFromNodes(parent, childSpan)) {
                        nodes[changed++] = parent;
                    }
                }
            }
            childSpan <<= 1;
        }
    }

    /** @return whether the i-th node of a level, span granules wide, lies inside [first, last] */
    private static boolean covered(int i, int span, int first, int last) {
        int from = i * span;
        return from >= first && from + span - 1 <= last;
    }

    /** Stores node k as all used or all free over its span granules. @return whether it changed */
    private boolean storeUniform(int k, int span, boolean allUsed) {
        int run = allUsed ? 0 : span;
        return store(k, run, run, run);
    }

    /** Recomputes leaf k from the words of its block. @return whether it changed */
    private boolean pullFromBlock(int k) {
        int first = (k - blocks) << BLOCK_SHIFT;
        int last = first + BLOCK_WORDS - 1;
        int p = 0;
        int w = first;
        while (w <= last && used[w] == 0) {
            p += WORD_BITS;
            w++;
        }
        if (w > last) {
            return store(k, p, p, p);
        }
        p += Long.numberOfTrailingZeros(used[w]);
        int s = 0;
        int x = last;
        while (used[x] == 0) {
            s += WORD_BITS;
            x--;
        }
        s += Long.numberOfLeadingZeros(used[x]);
        // From the first to the last word that holds a used granule: runs inside a word, and runs
        // that cross from one word's high end into the following words.
        int best = Math.max(innerRun(used[w], Math.max(p, s)), Math.max(p, s));
        int run = Long.numberOfLeadingZeros(used[w]);
        for (int i = w + 1; i <= x; i++) {
            long u = used[i];
            if (u == 0) {
                run += WORD_BITS;
                continue;
            }
            best = Math.max(best, run + Long.numberOfTrailingZeros(u));
            best = Math.max(best, innerRun(u, best));
            run = Long.numberOfLeadingZeros(u);
        }
        return store(k, p, s, best);
    }

    /**
     * @return the longest free run of a word if it may be longer than {@code best}, else 0: a word
     *         with no more free granules than that cannot hold a longer run, which spares the search
     *         for most words (mostly used or mostly free)
     */
    private static int innerRun(long usedBits, int best) {
        return WORD_BITS - Long.bitCount(usedBits) > best ? longestRun(~usedBits) : 0;
    }

    /** Recomputes inner node k whose children are nodes of childSpan granules. @return whether it changed */
    private boolean pullFromNodes(int k, int childSpan) {
        int left = k << 1;
        int right = left + 1;
        int lp = prefix[left];
        int ls = suffix[left];
        int rp = prefix[right];
        int rs = suffix[right];
        return store(k, lp == childSpan ? childSpan + rp : lp, rs == childSpan ? childSpan + ls : rs,
                Math.max(Math.max(longest[left], longest[right]), ls + rp));
    }

    private boolean store(int k, int p, int s, int l) {
        if (prefix[k] == p && suffix[k] == s && longest[k] == l) {
            return false;
        }
        prefix[k] = p;
        suffix[k] = s;
        longest[k] = l;
        return true;
    }

    /** Recomputes node k from its block (a leaf) or its children, whatever its level. */
    private void pull(int k) {
        if (k >= blocks) {
            pullFromBlock(k);
        } else {
            int depthBelow = Integer.numberOfLeadingZeros(k) - Integer.numberOfLeadingZeros(blocks);
            pullFromNodes(k, 1 << (BLOCK_GRANULE_SHIFT + depthBelow - 1));
        }
    }

    /**
     * @return the longest run of consecutive 1 bits in {@code bits}. Walks the runs, two
     *         trailing-zero counts each: the words of a chunk map hold few runs, so this takes fewer
     *         steps than doubling and halving a run length with shifts (up to 12, each a branch).
     */
    static int longestRun(long bits) {
        int longest = 0;
        long rest = bits;
        while (rest != 0) {
            int start = Long.numberOfTrailingZeros(rest);
            int length = Long.numberOfTrailingZeros(~(rest >>> start));
            longest = Math.max(longest, length);
            int end = start + length;
            rest = end >= WORD_BITS ? 0 : rest & (ALL << end);
        }
        return longest;
    }

    /** @return the lowest bit position where {@code n} consecutive 1 bits start; the caller knows one exists */
    static int firstRunInWord(long bits, int n) {
        long starts = bits;
        int covered = 1;
        // Invariant: bit i of starts is set iff bits i .. i+covered-1 are all set.
        while (covered < n) {
            int shift = Math.min(covered, n - covered);
            starts &= starts >>> shift;
            covered += shift;
        }
        return Long.numberOfTrailingZeros(starts);
    }

    private static void setBits(long[] bits, int from, int to) {
        int fw = from >>> WORD_SHIFT;
        int lw = (to - 1) >>> WORD_SHIFT;
        long firstMask = ALL << from;
        long lastMask = ALL >>> -to;
        if (fw == lw) {
            bits[fw] |= firstMask & lastMask;
            return;
        }
        bits[fw] |= firstMask;
        for (int w = fw + 1; w < lw; w++) {
            bits[w] = ALL;
        }
        bits[lw] |= lastMask;
    }

    private static void clearBits(long[] bits, int from, int to) {
        int fw = from >>> WORD_SHIFT;
        int lw = (to - 1) >>> WORD_SHIFT;
        long firstMask = ALL << from;
        long lastMask = ALL >>> -to;
        if (fw == lw) {
            bits[fw] &= ~(firstMask & lastMask);
            return;
        }
        bits[fw] &= ~firstMask;
        for (int w = fw + 1; w < lw; w++) {
            bits[w] = 0;
        }
        bits[lw] &= ~lastMask;
    }
}
