package io.mmapheap;

import java.util.Arrays;

/**
 * The first-fit core shared by the allocators: a list of mapped regions in the order they were
 * added, each with its own {@link ChunkMap}, and a {@link RegionIndex} over their longest free runs.
 *
 * <pre>
 *   region r:  bases[r] .. bases[r] + lengths[r]   carved by maps[r] in granules of 2^granuleShift bytes
 *
 *   allocate(n):  r = first region with a free run &gt;= n      (RegionIndex, O(log regions))
 *                 g = lowest such run in r                    (ChunkMap, O(log granules))
 *                 mark [g, g+n) used, refresh r in the index
 *   locate(a):    region of address a (a range check for one region; else the region
 *                 table, slice of address space -&gt; region), then the chunk-start bit of its granule
 * </pre>
 * A chunk never crosses a region boundary, since regions need not be contiguous.
 * Not thread-safe: the allocators serialize calls. The hot paths create no objects.
 */
final class Regions {

    private static final int INITIAL_REGIONS = 4;
    /**
     * Size bands of segregated regions: chunks up to SMALL_BYTES, and longer.
     * A region's band is 0 if it was made before segregation starts (it serves every request), else
     * 1 + group * SIZE_BANDS + size band.
     */
    private static final int SIZE_BANDS = 2;
    /**
     * Thread groups of segregated regions: each thread cache belongs to one, and its refills and the
     * regions grown for them come from its group's regions first, so that threads sharing one heap
     * do not mark, unmark and change chunks in the same words and regions (which kept the two cores
     * passing those cache lines back and forth: see {@link #firstFitRegion}).
     */
    static final int GROUPS = 4;
    static final long SMALL_BYTES = 64;
    static final int SEGREGATION_START_PAGES = 64;
    /** Chunks of one region that {@link #freeAll} frees with one pass up the run tree. */
    private static final int BATCH = 32;

    private final int granuleShift;
    private final long granule;
    private final int pageShift;
    /** log2(granules per page). */
    private final int pageGranuleShift;
    private final boolean singleRegion;
    /** Bytes committed before the size bands get regions of their own. */
    private final long segregationStart;
    /** One index per band; a region's longest run is filed only in its own band's index. */
    private final RegionIndex[] indexes;
    private final RegionTable table;
    /** log2 of the region table's slice of address space. */
    private final int sliceShift;

    private ChunkMap[] maps = new ChunkMap[INITIAL_REGIONS];
    private long[] bases = new long[INITIAL_REGIONS];
    private long[] lengths = new long[INITIAL_REGIONS];
    /** The band of each region. */
    private byte[] bands = new byte[INITIAL_REGIONS];
    /** Per region, when a free last left it empty ({@link System#nanoTime}). */
    private long[] emptySince = new long[INITIAL_REGIONS];
    /** Frees that left a region empty, since the regions were made ({@link #emptiedCount}). */
    private long emptied;
    private int count;
    /** Scratch of {@link #freeAll}: the offsets of one region's chunks, and the run-tree leaves they touch. */
    private final int[] batchOffsets = new int[BATCH];
    private final int[] batchLeaves = new int[2 * BATCH];

    /** The region last allocated from or located: most frees hit it, sparing a table probe. */
    private int recent;
    private long bytesMapped;
    private long bytesReserved;
    private long usedGranules;
    /** Regions not committed up to their reserved length, in mapping order. */
    private int[] growable = new int[INITIAL_REGIONS];
    private int growableCount;

    /**
     * @param granuleShift log2 of the granule in bytes
     * @param pageSize     the system page size
     * @param singleRegion true if at most one region will ever be added (no region table needed)
     * @param minRegionPages no region will be shorter than this many pages (but perhaps the last)
     * @param segregated   whether requests of different size bands and thread groups go to regions
     *                     of their own (see {@link #bandFor}); else every request is an exact first fit
     *                     over all regions
     */
    Regions(int granuleShift, long pageSize, boolean singleRegion, long minRegionPages, boolean segregated) {
        this.granuleShift = granuleShift;
        this.granule = 1L << granuleShift;
        this.pageShift = Long.numberOfTrailingZeros(pageSize);
        this.pageGranuleShift = pageShift - granuleShift;
        this.singleRegion = singleRegion;
        this.segregationStart = (long) SEGREGATION_START_PAGES << pageShift;
        this.sliceShift = pageShift + (63 - Long.numberOfLeadingZeros(Math.max(1, minRegionPages)));
        this.table = new RegionTable(sliceShift, pageShift);
        this.indexes = new RegionIndex[segregated ? 1 + GROUPS * SIZE_BANDS : 1];
        for (int b = 0; b < indexes.length; b++) {
            indexes[b] = new RegionIndex();
        }
    }

    /** @return the number of thread groups: {@value #GROUPS} in segregated regions, else 1 */
    int groups() {
        return indexes.length == 1 ? 1 : GROUPS;
    }

    /**
     * The band of a request of n granules from a thread of {@code group}. In segregated regions chunks of at
     * most {@value #SMALL_BYTES} bytes and longer ones get regions of their own, so that when the long
     * chunks are freed their granules make runs as long as they were, instead of holes between live
     * small chunks; and each group gets regions of its own within a size band.
     *
     * @param group in [0, {@link #groups()})
     * @return the band, in [1, {@value #GROUPS} * {@value #SIZE_BANDS}]; 0 where regions are not segregated
     */
    int bandFor(int n, int group) {
        if (indexes.length == 1) {
            return 0;
        }
        long bytes = (long) n << granuleShift;
        int size = bytes <= SMALL_BYTES ? 0 : 1;
        return 1 + group * SIZE_BANDS + size;
    }

    /**
     * The band of a region that grows or is made for a request of n granules from {@code group}. A
     * region per band costs a partly used page or more in each band, which pays only once the heap
     * is larger than a few growth steps: until {@value #SEGREGATION_START_PAGES} pages (256 KiB of 4 KiB
     * pages) are committed, regions are made in band 0, which serves every band before the band's own
     * regions do.
     */
    int growthBand(int n, int group) {
        return bytesMapped < segregationStart ? 0 : bandFor(n, group);
    }

    /** @return whether a region of band b may serve a request of band want (the same size band, any group) */
    private static boolean sameSize(int b, int want) {
        return b == 0 || (b - 1) % SIZE_BANDS == (want - 1) % SIZE_BANDS;
    }

    private RegionIndex indexOf(int r) {
        return indexes[bands[r]];
    }

    long granule() {
        return granule;
    }

    int regionCount() {
        return count;
    }

    long bytesMapped() {
        return bytesMapped;
    }

    long bytesInUse() {
        return usedGranules << granuleShift;
    }

    /** @return log2 of the slice of address space under which the region table files regions */
    int sliceShift() {
        return sliceShift;
    }

    /** @return region r's chunk map */
    ChunkMap map(int r) {
        return maps[r];
    }

    /** @return region r's first address */
    long base(int r) {
        return bases[r];
    }

    /** @return region r's length in bytes: its whole address range, reserved and committed */
    long length(int r) {
        return lengths[r];
    }

    /** @return {chunks, granules} of the live chunks that sit in thread caches */
    long[] cachedChunks() {
        long[] sum = new long[2];
        for (int r = 0; r < count; r++) {
            long[] held = maps[r].cachedChunks();
            sum[0] += held[0];
            sum[1] += held[1];
        }
        return sum;
    }

    /** @return the marked chunks (cached, or claimed by a free in flight) over all regions */
    long markedChunks() {
        long sum = 0;
        for (int r = 0; r < count; r++) {
            sum += maps[r].markedChunks();
        }
        return sum;
    }

    /** @return the longest free run over all regions, in granules */
    int longestFree() {
        int max = 0;
        for (RegionIndex index : indexes) {
            max = Math.max(max, count == 0 ? 0 : index.max());
        }
        return max;
    }

    /**
     * Adds a mapped region after all existing ones, committed in full.
     *
     * @param base  page-aligned start
     * @param bytes a multiple of the page size and of the granule; bytes / granule &lt;= Integer.MAX_VALUE
     * @return the region's number
     */
    int addRegion(long base, long bytes) {
        return addRegion(0, base, bytes, bytes);
    }

    /**
     * Adds a region after all existing ones: {@code reserved} bytes of address space from
     * {@code base}, of which the first {@code committed} are readable and writable; the rest waits
     * for {@link #commit}.
     *
     * @param band      the band whose requests the region serves ({@link #growthBand})
     * @param reserved  a multiple of the page size; reserved / granule &lt;= Integer.MAX_VALUE
     * @param committed a multiple of the page size in (0, reserved]
     * @return the region's number
     */
    int addRegion(int band, long base, long reserved, long committed) {
        if (singleRegion && count == 1) {
            throw new IllegalStateException("these regions hold a single region");
        }
        if (count == maps.length) {
            int capacity = count * 2;
            maps = Arrays.copyOf(maps, capacity);
            bases = Arrays.copyOf(bases, capacity);
            lengths = Arrays.copyOf(lengths, capacity);
            bands = Arrays.copyOf(bands, capacity);
            emptySince = Arrays.copyOf(emptySince, capacity);
        }
        int r = count++;
        bands[r] = (byte) band;
        maps[r] = new ChunkMap(Math.toIntExact(reserved >>> granuleShift), Math.toIntExact(committed >>> granuleShift),
                pageGranuleShift);
        bases[r] = base;
        lengths[r] = reserved;
        bytesMapped += committed;
        bytesReserved += reserved - committed;
        if (committed < reserved) {
            if (growableCount == growable.length) {
                growable = Arrays.copyOf(growable, Math.max(INITIAL_REGIONS, 2 * growableCount));
            }
            growable[growableCount++] = r;
        }
        indexOf(r).set(r, maps[r].longestFree());
        if (!singleRegion) {
            table.add(r, base, reserved, bases, lengths, count);
        }
        return r;
    }

    /**
     * @param n         granules wanted
     * @param alignment bytes, a power of two up to the page size
     * @param group    the calling thread's group, in [0, {@link #groups()})
     * @return the first region of n's band in the group, in mapping order, that has room for n
     *         granules at the alignment in the free run at its end once more of it is committed, or -1
     */
    int growableFor(int n, long alignment, int group) {
        int band = growthBand(n, group);
        for (int i = 0; i < growableCount; i++) {
            int r = growable[i];
            if (bands[r] == band && alignedTailEnd(r, n, alignment) <= bases[r] + lengths[r]) {
                return r;
            }
        }
        return -1;
    }

    /**
     * @return the bytes region r must commit past its end to fit n granules at the alignment in the
     *         free run at its end ({@link #growableFor} said it can); &gt; 0, since no free run fits now
     */
    long bytesToCommit(int r, int n, long alignment) {
        return Sizes.roundUp(alignedTailEnd(r, n, alignment) - committedEnd(r), 1L << pageShift);
    }

    /** @return the end of n granules placed at the alignment from the start of region r's free end */
    private long alignedTailEnd(int r, int n, long alignment) {
        long runStart = committedEnd(r) - ((long) maps[r].trailingFree() << granuleShift);
        return Sizes.roundUp(runStart, Math.max(alignment, granule)) + ((long) n << granuleShift);
    }

    /**
     * @return the bytes region r must commit past its end for the live chunk at {@code address}
     *         (located before) to grow in place to n granules, or -1 if it cannot: a live chunk
     *         lies between it and the end, or the region's reservation is too short
     */
    long bytesToCommitForGrowth(int r, long address, int n) {
        ChunkMap map = maps[r];
        int offset = offsetIn(r, address);
        int end = offset + map.chunkLength(offset);
        long newEnd = (long) offset + n;
        if (end != map.granules() - map.trailingFree() || newEnd <= map.granules() || newEnd > map.capacity()) {
            return -1;
        }
        return Sizes.roundUp((newEnd - map.granules()) << granuleShift, 1L << pageShift);
    }

    /** @return the first address of region r past its committed end */
    long committedEnd(int r) {
        return bases[r] + ((long) maps[r].granules() << granuleShift);
    }

    /** @return bytes of region r reserved past its committed end */
    long uncommitted(int r) {
        return lengths[r] - ((long) maps[r].granules() << granuleShift);
    }

    /**
     * Region r's next {@code bytes} past its committed end were made readable and writable: they
     * become free granules at its end.
     */
    void commit(int r, long bytes) {
        ChunkMap map = maps[r];
        map.commit(Math.toIntExact(map.granules() + (bytes >>> granuleShift)));
        bytesMapped += bytes;
        bytesReserved -= bytes;
        if (map.granules() == map.capacity()) {
            int i = 0;
            while (growable[i] != r) {
                i++;
            }
            System.arraycopy(growable, i + 1, growable, i, --growableCount - i);
        }
        indexOf(r).set(r, map.longestFree());
    }

    /**
     * @return the whole pages of free granules at region r's committed end that {@link #decommit}
     *         could give back, in bytes: all of an empty region's
     */
    long decommittable(int r) {
        ChunkMap map = maps[r];
        long pageBytes = 1L << pageShift;
        long end = (long) map.granules() << granuleShift;
        long keep = Sizes.roundUp(end - ((long) map.trailingFree() << granuleShift), pageBytes);
        return end - keep;
    }

    /** @return whether region r holds no chunk (none live, none cached) */
    boolean isEmpty(int r) {
        return maps[r].usedGranules() == 0;
    }

    /** @return when region r last became empty ({@link System#nanoTime}); meaningful while {@link #isEmpty} */
    long emptySince(int r) {
        return emptySince[r];
    }

    /** Notes the time if the free that just ran emptied region r. */
    private void noteIfEmptied(int r) {
        if (maps[r].usedGranules() == 0) {
            emptySince[r] = System.nanoTime();
            emptied++;
        }
    }

    /** @return how many times a free has left a region empty: a change tells that one may be waiting to go back */
    long emptiedCount() {
        return emptied;
    }

    /** Region r's last {@code bytes} (free, whole pages) were returned to its reservation. */
    void decommit(int r, long bytes) {
        ChunkMap map = maps[r];
        boolean wasFull = map.granules() == map.capacity();
        map.decommit(Math.toIntExact(map.granules() - (bytes >>> granuleShift)));
        bytesMapped -= bytes;
        bytesReserved += bytes;
        if (wasFull) {
            // Keep the growable regions in mapping order, which is the order growth tries them in.
            if (growableCount == growable.length) {
                growable = Arrays.copyOf(growable, Math.max(INITIAL_REGIONS, 2 * growableCount));
            }
            int i = growableCount;
            while (i > 0 && growable[i - 1] > r) {
                growable[i] = growable[i - 1];
                i--;
            }
            growable[i] = r;
            growableCount++;
        }
        indexOf(r).set(r, map.longestFree());
    }

    /** @return bytes of address space the regions reserve past their committed ends */
    long bytesReserved() {
        return bytesReserved;
    }

    /**
     * Exact first fit: the lowest fitting offset, among those whose address is a multiple of
     * {@code alignment}, in the first region that has room (in segregated regions, the first of band
     * 0, else of the request's band, else of its size band in another group: {@link #firstFitRegion}).
     * Up to the granule every offset is aligned and the run tree answers in O(log granules); a larger
     * alignment scans the free runs of the regions of the size band with room, in mapping order,
     * O(regions + words scanned).
     *
     * @param n         granules, &gt; 0
     * @param alignment bytes, a power of two
     * @param zero      whether the chunk must read as zero (only pages handed out before are cleared)
     * @param group    the calling thread's group, in [0, {@link #groups()})
     * @return the chunk's address, or 0 if no region has room
     */
    long allocate(int n, long alignment, boolean zero, int group) {
        if (alignment <= granule) {
            int r = firstFitRegion(n, group);
            return r < 0 ? 0 : place(r, maps[r].findFirst(n), n, 1, zero);
        }
        int band = bandFor(n, group);
        for (int r = 0; r < count; r++) {
            if (sameSize(bands[r], band) && indexOf(r).get(r) >= n) {
                long address = allocateIn(r, n, alignment, zero);
                if (address != 0) {
                    return address;
                }
            }
        }
        return 0;
    }

    /**
     * The first fit for n granules at the alignment in any region, whatever its band, in mapping
     * order: the last resort before a refusal. O(regions).
     *
     * @return the chunk's address, or 0 if no region has room
     */
    long allocateInAnyBand(int n, long alignment, boolean zero) {
        for (int r = 0; r < count; r++) {
            if (indexOf(r).get(r) >= n) {
                long address = allocateIn(r, n, alignment, zero);
                if (address != 0) {
                    return address;
                }
            }
        }
        return 0;
    }

    /**
     * Up to {@code max} chunks of n granules for a thread cache's bin: the first fit for n, and
     * behind it as many more of n as the free run there holds. These are the places that many
     * first-fit allocations of n, one after another, would take; the run tree is updated once.
     *
     * @param n    granules, &gt; 0
     * @param max  chunks wanted, &gt;= 1
     * @param zero whether the first chunk must read as zero (the others are not cleared)
     * @param out  receives the chunks' addresses, lowest first; at least max long
     * @param group the calling thread's group, in [0, {@link #groups()})
     * @return the chunks placed, or 0 if no region has room for one; the first is LIVE, the others
     *         CACHED ({@link ChunkStates}), marked before they came into being, for the caller's bin
     */
    int allocateRun(int n, int max, boolean zero, long[] out, int group) {
        int r = firstFitRegion(n, group);
        if (r < 0) {
            return 0;
        }
        ChunkMap map = maps[r];
        int offset = map.findFirst(n);
        int k = max == 1 ? 1 : map.freeRunFrom(offset, n * max) / n;
        if (k > 1) {
            map.enableCaching();
            ChunkStates.markIntoBeing(map, offset + n, n, k - 1);
        }
        long address = place(r, offset, n, k, zero);
        long step = (long) n << granuleShift;
        for (int i = 0; i < k; i++) {
            out[i] = address + i * step;
        }
        return k;
    }

    /**
     * {@link #allocate} in region r alone: the lowest fitting offset there.
     *
     * @return the chunk's address, or 0 if region r has no room
     */
    long allocateIn(int r, int n, long alignment, boolean zero) {
        if (alignment <= granule) {
            int offset = maps[r].findFirst(n);
            return offset < 0 ? 0 : place(r, offset, n, 1, zero);
        }
        // Offsets g with base + g * granule ≡ 0 (mod alignment) are those ≡ phase (mod align).
        long misalignment = Math.floorMod(-bases[r], alignment);
        if (misalignment >= lengths[r]) {
            return 0;
        }
        int align = (int) Math.min(alignment >>> granuleShift, Integer.MAX_VALUE);
        int phase = (int) (misalignment >>> granuleShift);
        int offset = maps[r].findFirstAligned(n, align, phase);
        return offset < 0 ? 0 : place(r, offset, n, 1, zero);
    }

    /**
     * @return the first region, in the order first fit searches them, with a free run of n granules,
     *         or -1 if none has one. The order: the regions that serve every size, then those of n's
     *         band in the caller's group, then those of n's size band in the other groups (so that
     *         a group grows only when no region of its size band has room): threads sharing one
     *         heap then mark and change chunks in regions of their own, not in the same words.
     */
    private int firstFitRegion(int n, int group) {
        int r = indexes[0].findFirst(n);
        int band = bandFor(n, group);
        if (r >= 0 || band == 0) {
            return r;
        }
        r = indexes[band].findFirst(n);
        for (int other = 1; r < 0 && other < GROUPS; other++) {
            r = indexes[bandFor(n, (group + other) % GROUPS)].findFirst(n);
        }
        return r;
    }

    /**
     * Allocates k chunks of n granules side by side from {@code offset} in region r, which the
     * caller found free; only the first is cleared when zero asks for it.
     *
     * @return the first chunk's address
     */
    private long place(int r, int offset, int n, int k, boolean zero) {
        recent = r;
        ChunkMap map = maps[r];
        long address = bases[r] + ((long) offset << granuleShift);
        if (zero) {
            zeroTouchedPages(map, address, offset, n);
        }
        map.allocateChunks(offset, n, k);
        indexOf(r).set(r, map.longestFree());
        usedGranules += (long) n * k;
        return address;
    }

    /** Clears the part of [offset, offset + n) that lies in pages handed out before; fresh pages are zero already. */
    private void zeroTouchedPages(ChunkMap map, long address, int offset, int n) {
        int end = offset + n;
        for (int page = map.pageOf(offset), last = map.pageOf(end - 1); page <= last; page++) {
            if (map.isTouched(page)) {
                int from = Math.max(offset, map.firstGranuleOf(page));
                int to = Math.min(end, map.firstGranuleOf(page + 1));
                RawMemory.fill(address + ((long) (from - offset) << granuleShift), (long) (to - from) << granuleShift, (byte) 0);
            }
        }
    }

    /**
     * Resizes the live chunk at {@code address} (located before) in place.
     *
     * @param oldN its length in granules, which the caller read before
     * @param newN granules wanted
     * @return false, changing nothing, if it must grow and the granules after it are not free
     */
    boolean resizeInPlace(int r, long address, int oldN, int newN) {
        ChunkMap map = maps[r];
        int offset = offsetIn(r, address);
        assert oldN == map.chunkLength(offset) : "chunk at " + offset + " is not " + oldN + " granules";
        if (newN < oldN) {
            map.shrink(offset, oldN, newN);
        } else if (newN > oldN && !map.extend(offset, oldN, newN)) {
            return false;
        }
        indexOf(r).set(r, map.longestFree());
        usedGranules += newN - oldN;
        return true;
    }

    /**
     * Gives every page that holds no live chunk and was handed out before back to {@code source}
     * ({@link PageSource#discard}): it stays mapped and reads as zero afterwards.
     *
     * @return bytes released
     */
    long trim(PageSource source) {
        long released = 0;
        long pageBytes = 1L << pageShift;
        for (int r = 0; r < count; r++) {
            ChunkMap map = maps[r];
            int page = 0;
            while (page < map.pages()) {
                if (!map.isTouched(page) || !map.isPageFree(page)) {
                    page++;
                    continue;
                }
                int first = page;
                while (page < map.pages() && map.isTouched(page) && map.isPageFree(page)) {
                    page++;
                }
                source.discard(bases[r] + first * pageBytes, (page - first) * pageBytes);
                for (int p = first; p < page; p++) {
                    map.markClean(p);
                }
                released += (page - first) * pageBytes;
            }
        }
        return released;
    }

    /** @return bytes {@link #trim} would release now */
    long releasableBytes() {
        long pages = 0;
        for (int r = 0; r < count; r++) {
            ChunkMap map = maps[r];
            for (int page = 0; page < map.pages(); page++) {
                if (map.isTouched(page) && map.isPageFree(page)) {
                    pages++;
                }
            }
        }
        return pages << pageShift;
    }

    /**
     * @return the region containing {@code address}, or -1 if no region does
     */
    int regionOf(long address) {
        int r = recent;
        if (r < count && Long.compareUnsigned(address - bases[r], lengths[r]) < 0) {
            return r;
        }
        if (singleRegion) {
            return -1;
        }
        r = table.find(address, bases, lengths);
        if (r >= 0) {
            recent = r;
        }
        return r;
    }

    /**
     * Finds the region of a chunk start, or explains why {@code address} is not one.
     *
     * @param operation the caller's name, for the message ("free", "usableSize", ...)
     * @return the region whose live chunk starts at {@code address}
     * @throws IllegalArgumentException if address is not in any region ("foreign"), not granule
     *                                  aligned or inside a chunk ("interior"), free ("not allocated"),
     *                                  or freed into a thread cache ("freed already")
     */
    int locate(long address, String operation) {
        return locateIn(regionOf(address), address, operation);
    }

    /** {@link #locate} for a region already looked up with {@link #regionOf} (-1: none). */
    int locateIn(int r, long address, String operation) {
        if (r < 0) {
            throw new IllegalArgumentException(operation + "(0x" + Long.toHexString(address)
                    + "): foreign address, not in any region of this heap");
        }
        long delta = address - bases[r];
        int offset = (int) (delta >>> granuleShift);
        ChunkMap map = maps[r];
        if (offset >= map.granules()) {
            throw new IllegalArgumentException(operation + "(0x" + Long.toHexString(address)
                    + "): not allocated: in a region's reserved pages, which hold no chunk (never committed, or given back "
                    + "once empty): double free, or never allocated");
        }
        if ((delta & (granule - 1)) != 0 || !map.isChunkStart(offset) || ChunkStates.isMarked(map, offset)) {
            throw notAChunkStart(address, operation, r, offset);
        }
        return r;
    }

    private IllegalArgumentException notAChunkStart(long address, String operation, int r, int offset) {
        ChunkMap map = maps[r];
        String prefix = operation + "(0x" + Long.toHexString(address) + "): ";
        if (map.isFree(offset)) {
            return new IllegalArgumentException(prefix + "not allocated: the granule is free (double free, or never allocated)");
        }
        if (address == chunkAddress(r, offset) && map.isChunkStart(offset) && ChunkStates.isMarked(map, offset)) {
            return new IllegalArgumentException(prefix + "not allocated: freed already, the chunk waits in a thread cache or is being freed by another thread (double free, or use after free)");
        }
        int start = map.chunkStartOf(offset);
        return new IllegalArgumentException(prefix + "interior address, " + (address - chunkAddress(r, start))
                + " bytes into the live chunk at 0x" + Long.toHexString(chunkAddress(r, start))
                + " (" + ((long) map.chunkLength(start) << granuleShift) + " bytes)");
    }

    private long chunkAddress(int r, int offset) {
        return bases[r] + ((long) offset << granuleShift);
    }

    int offsetIn(int r, long address) {
        return (int) ((address - bases[r]) >>> granuleShift);
    }

    /** @return usable bytes of the chunk at {@code address} in region {@code r} (located before) */
    long chunkBytes(int r, long address) {
        return (long) maps[r].chunkLength(offsetIn(r, address)) << granuleShift;
    }

    /**
     * LIVE to CLAIMED under the lock ({@link ChunkStates#claimLocked}): the chunk at {@code address}
     * in region {@code r} is the caller's to free or resize until {@link #free} or {@link #release}.
     *
     * @return false if another thread holds its mark (a thread cache, or a free in flight)
     */
    boolean claim(int r, long address) {
        return ChunkStates.claimLocked(maps[r], offsetIn(r, address));
    }

    /** CLAIMED to LIVE: gives back a claim taken with {@link #claim}. */
    void release(int r, long address) {
        ChunkStates.release(maps[r], offsetIn(r, address));
    }

    /**
     * Frees the chunk at {@code address} in region {@code r}, claimed before ({@link #claim}).
     *
     * @return the bytes freed
     */
    long free(int r, long address) {
        ChunkMap map = maps[r];
        int offset = offsetIn(r, address);
        int n = map.free(offset);
        ChunkStates.release(map, offset);
        indexOf(r).set(r, map.longestFree());
        usedGranules -= n;
        noteIfEmptied(r);
        return (long) n << granuleShift;
    }

    /**
     * Flushes cached chunks: frees the chunks at {@code addresses[0 .. count)}, each the start of a
     * CACHED chunk in a region whose entry the caller took out of a cache, in ascending order, and
     * ends their marks: what {@link #free} of each does, with one pass up each region's run tree
     * per group of chunks.
     *
     * @param granules the chunks' common length, or 0 if they differ
     */
    void freeAll(long[] addresses, int count, int granules) {
        int i = 0;
        while (i < count) {
            int r = regionOf(addresses[i]);
            long end = bases[r] + lengths[r];
            int k = 0;
            while (i < count && addresses[i] < end && k < batchOffsets.length) {
                batchOffsets[k++] = offsetIn(r, addresses[i++]);
            }
            ChunkMap map = maps[r];
            usedGranules -= map.freeChunks(batchOffsets, 0, k, granules, batchLeaves);
            ChunkStates.endMarks(map, batchOffsets, 0, k);
            indexOf(r).set(r, map.longestFree());
            noteIfEmptied(r);
        }
    }

    long freeRuns() {
        long runs = 0;
        for (int r = 0; r < count; r++) {
            runs += maps[r].freeRuns();
        }
        return runs;
    }

    long liveChunks() {
        long chunks = 0;
        for (int r = 0; r < count; r++) {
            chunks += maps[r].liveChunks();
        }
        return chunks;
    }

    long metadataBytes() {
        long bytes = table.metadataBytes() + 3L * maps.length * Long.BYTES + bands.length
                + (long) (batchOffsets.length + batchLeaves.length) * Integer.BYTES;
        for (RegionIndex index : indexes) {
            bytes += index.metadataBytes();
        }
        for (int r = 0; r < count; r++) {
            bytes += maps[r].metadataBytes();
        }
        return bytes;
    }

    /**
     * Checks every region's map, the index and the counters.
     *
     * @throws IllegalStateException naming the first broken invariant
     */
    void verify() {
        long used = 0;
        long mapped = 0;
        long reserved = 0;
        int partlyCommitted = 0;
        for (int r = 0; r < count; r++) {
            String where = "region " + r + " at 0x" + Long.toHexString(bases[r]);
            maps[r].verify(where);
            ChunkStates.verifyMarks(maps[r], where);
            for (int b = 0; b < indexes.length; b++) {
                int expected = b == bands[r] ? maps[r].longestFree() : 0;
                if (indexes[b].get(r) != expected) {
                    throw new IllegalStateException("region index of band " + b + " holds " + indexes[b].get(r)
                            + " for region " + r + " of band " + bands[r] + " whose longest free run is "
                            + maps[r].longestFree());
                }
            }
            used += maps[r].usedGranules();
            mapped += (long) maps[r].granules() << granuleShift;
            reserved += uncommitted(r);
            partlyCommitted += uncommitted(r) > 0 ? 1 : 0;
        }
        if (reserved != bytesReserved || partlyCommitted != growableCount) {
            throw new IllegalStateException("the regions' counters say " + bytesReserved + " bytes reserved in " + growableCount
                    + " regions; the regions hold " + reserved + " in " + partlyCommitted);
        }
        for (RegionIndex index : indexes) {
            index.verify();
        }
        if (used != usedGranules || mapped != bytesMapped) {
            throw new IllegalStateException("the regions' counters say " + usedGranules + " granules used and "
                    + bytesMapped + " bytes mapped; the regions hold " + used + " and " + mapped);
        }
        if (!singleRegion) {
            table.verify(bases, lengths, count);
        }
    }

    /** Appends the picture of at most {@code maxPages} pages; @return pages drawn */
    int draw(StringBuilder out, int maxPages) {
        int drawn = 0;
        long pageBytes = 1L << pageShift;
        int granulesPerPage = (int) (pageBytes >>> granuleShift);
        for (int r = 0; r < count && drawn < maxPages; r++) {
            ChunkMap map = maps[r];
            for (long p = 0; p < map.pages() && drawn < maxPages; p++, drawn++) {
                out.append(String.format("region %d page %d at 0x%x (%d granules of %d bytes)%n",
                        r, p, bases[r] + p * pageBytes, granulesPerPage, granule));
                int first = (int) (p * granulesPerPage);
                for (int row = first; row < first + granulesPerPage; row += ChunkMap.WORD_BITS) {
                    out.append("  ");
                    for (int g = row; g < Math.min(row + ChunkMap.WORD_BITS, first + granulesPerPage); g++) {
                        out.append(map.glyph(g));
                    }
                    out.append(System.lineSeparator());
                }
            }
        }
        return drawn;
    }

    /** Returns every region to {@code source}; @return the first failure, or null */
    RuntimeException unmapAll(PageSource source) {
        RuntimeException first = null;
        for (int r = 0; r < count; r++) {
            try {
                source.unmap(bases[r], lengths[r]);
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        // The maps describe memory that is gone: a closed heap that stays referenced keeps none of them.
        java.util.Arrays.fill(maps, 0, count, null);
        return first;
    }
}
