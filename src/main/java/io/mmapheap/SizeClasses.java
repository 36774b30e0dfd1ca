package io.mmapheap;

import java.util.Arrays;

/**
 * The chunk lengths a thread cache keeps, in granules: every length up to {@value #EXACT}, then
 * {@value #PER_DOUBLING} evenly spaced lengths per doubling (at most 1/{@value #PER_DOUBLING} of
 * a request is rounding), up to a largest length. A request that the cache may serve is rounded up
 * to its class, so a freed chunk of a class length serves any later request of that class.
 *
 * <pre>
 *   granules:  1 2 ... 16 | 18 20 ... 32 | 36 40 ... 64 | 72 80 ... 128 | ...
 * </pre>
 */
final class SizeClasses {

    /** Lengths up to this are classes of their own. */
    static final int EXACT = 16;
    private static final int EXACT_SHIFT = Integer.numberOfTrailingZeros(EXACT);
    /** Classes per doubling above {@link #EXACT}. */
    static final int PER_DOUBLING = 8;
    private static final int PER_DOUBLING_SHIFT = Integer.numberOfTrailingZeros(PER_DOUBLING);

    /**
     * {@link #computeClassOf} for every length a thread cache of the smallest granule serves
     * ({@link Heap#MAX_CACHED_BYTES} / {@link Sizes#MIN_GRANULE}), shared by all heaps.
     */
    private static final byte[] CLASS_OF = new byte[(int) (Heap.MAX_CACHED_BYTES / Sizes.MIN_GRANULE) + 1];

    static {
        for (int n = 1; n < CLASS_OF.length; n++) {
            CLASS_OF[n] = (byte) computeClassOf(n);
        }
    }

    private final int[] granules;
    private final int largest;

    /** @param largest the longest class, in granules, &gt;= 1 */
    SizeClasses(int largest) {
        int[] lengths = new int[Byte.MAX_VALUE];
        int count = 0;
        int n = 1;
        while (n <= largest) {
            lengths[count++] = n;
            n += n < EXACT ? 1 : Integer.highestOneBit(n) / PER_DOUBLING;
        }
        if (lengths[count - 1] != largest) {
            lengths[count++] = largest;
        }
        this.granules = Arrays.copyOf(lengths, count);
        this.largest = granules[count - 1];
    }

    /** @return the number of classes */
    int count() {
        return granules.length;
    }

    /** @return the longest class, granules */
    int largest() {
        return largest;
    }

    /** @param n granules in [1, {@link #largest()}] @return the class that serves n */
    int classOf(int n) {
        return n < CLASS_OF.length ? CLASS_OF[n] : computeClassOf(n);
    }

    /**
     * {@link #classOf} by arithmetic. A class's index does not depend on the largest length (one off
     * the grid takes the grid's next place), so one table serves every instance.
     */
    private static int computeClassOf(int n) {
        if (n <= EXACT) {
            return n - 1;
        }
        // n in (2^d, 2^(d+1)], d >= log2(EXACT): the k-th of that doubling's PER_DOUBLING lengths,
        // k = ceil((n - 2^d) / step). A largest length off the grid takes the grid's next place.
        int d = 31 - Integer.numberOfLeadingZeros(n - 1);
        int stepShift = d - PER_DOUBLING_SHIFT;
        int k = (n - (1 << d) + (1 << stepShift) - 1) >>> stepShift;
        return EXACT - 1 + ((d - EXACT_SHIFT) << PER_DOUBLING_SHIFT) + k;
    }

    /** @return the length of class c, granules */
    int granules(int c) {
        return granules[c];
    }

    /** @return the class whose length is exactly n granules, or -1 (n in [1, largest] or not) */
    int exactClass(int n) {
        if (n < 1 || n > largest) {
            return -1;
        }
        int c = classOf(n);
        return granules[c] == n ? c : -1;
    }
}
