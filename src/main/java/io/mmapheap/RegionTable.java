package io.mmapheap;

/**
 * Which region holds an address, in O(1), with about one table entry per slice of address space.
 *
 * <pre>
 *   slice b   = address &gt;&gt;&gt; sliceShift        (slices of 2^sliceShift bytes, at least one page)
 *   entry(b)  = (low + 1) | (high + 1) &lt;&lt; 32     (0 = none, in each half)
 *     low     = the region that contains the first byte of b
 *     high    = the region that starts strictly inside b
 * </pre>
 * When no region is shorter than a slice, a slice meets at most two regions: one running into it
 * from below (or starting at its first byte) and one starting inside it, since regions do not
 * overlap. The heap picks the slice as large as its growth step allows. Should a slice ever meet a
 * third region (a region cut short by the page limit), the table rebuilds itself with page-sized
 * slices, where no such conflict can happen.
 */
final class RegionTable {

    private static final long SLOT_MASK = 0xFFFF_FFFFL;
    private static final int HIGH_SHIFT = Integer.SIZE;

    private final int pageShift;
    private int sliceShift;
    private AddressMap entries = new AddressMap();

    /**
     * @param sliceShift log2 of the slice size in bytes, &gt;= pageShift
     * @param pageShift  log2 of the page size
     */
    RegionTable(int sliceShift, int pageShift) {
        this.sliceShift = sliceShift;
        this.pageShift = pageShift;
    }

    /**
     * Records region {@code r} over [base, base + bytes).
     *
     * @param bases   every region's base, including r's, for a rebuild
     * @param lengths every region's length
     * @param count   regions recorded so far, including r
     */
    void add(int r, long base, long bytes, long[] bases, long[] lengths, int count) {
        if (!tryAdd(r, base, bytes)) {
            rebuild(pageShift, bases, lengths, count);
        }
    }

    /** @return the region among {@code bases/lengths} that contains {@code address}, or -1 */
    int find(long address, long[] bases, long[] lengths) {
        long entry = entries.get(address >>> sliceShift);
        if (entry == AddressMap.ABSENT) {
            return -1;
        }
        int low = (int) (entry & SLOT_MASK) - 1;
        if (low >= 0 && Long.compareUnsigned(address - bases[low], lengths[low]) < 0) {
            return low;
        }
        int high = (int) (entry >>> HIGH_SHIFT) - 1;
        if (high >= 0 && Long.compareUnsigned(address - bases[high], lengths[high]) < 0) {
            return high;
        }
        return -1;
    }

    long metadataBytes() {
        return entries.metadataBytes();
    }

    /** @throws IllegalStateException if some byte of a region is not found in it */
    void verify(long[] bases, long[] lengths, int count) {
        long sliceBytes = 1L << sliceShift;
        for (int r = 0; r < count; r++) {
            long end = bases[r] + lengths[r];
            for (long a = bases[r]; a < end; a = (a | (sliceBytes - 1)) + 1) {
                if (find(a, bases, lengths) != r || find(end - 1, bases, lengths) != r) {
                    throw new IllegalStateException("region table does not lead 0x" + Long.toHexString(a) + " to region " + r);
                }
            }
        }
    }

    private boolean tryAdd(int r, long base, long bytes) {
        long first = base >>> sliceShift;
        long last = (base + bytes - 1) >>> sliceShift;
        for (long b = first; b <= last; b++) {
            boolean startsInside = b == first && (base & ((1L << sliceShift) - 1)) != 0;
            long entry = entries.get(b);
            long current = entry == AddressMap.ABSENT ? 0 : entry;
            long slot = startsInside ? current >>> HIGH_SHIFT : current & SLOT_MASK;
            if (slot != 0) {
                return false;
            }
            long value = (long) r + 1;
            entries.put(b, startsInside ? current | value << HIGH_SHIFT : current | value);
        }
        return true;
    }

    private void rebuild(int newShift, long[] bases, long[] lengths, int count) {
        sliceShift = newShift;
        entries = new AddressMap();
        for (int r = 0; r < count; r++) {
            if (!tryAdd(r, bases[r], lengths[r])) {
                throw new IllegalStateException("regions " + r + " and another overlap at 0x" + Long.toHexString(bases[r]));
            }
        }
    }
}
