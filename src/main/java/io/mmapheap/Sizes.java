package io.mmapheap;

import org.apache.commons.lang3.Validate;

/** The one place where sizes and granules from users are checked and converted. */
final class Sizes {

    /** The smallest granule: every chunk can hold a pointer-sized value, aligned. */
    static final int MIN_GRANULE = 8;

    private Sizes() {
    }

    /**
     * @return log2(granule)
     * @throws IllegalArgumentException if granule is not a power of two in [8, maxGranule]
     */
    static int granuleShift(int granule, long maxGranule) {
        Validate.isTrue(granule >= MIN_GRANULE && granule <= maxGranule && Integer.bitCount(granule) == 1,
                "granule must be a power of two in [%d, %d], was %d", MIN_GRANULE, maxGranule, granule);
        return Integer.numberOfTrailingZeros(granule);
    }

    /**
     * @param size         bytes, already checked to be in (0, 2^31-1 granules]
     * @param granuleShift log2 of the granule
     * @return size rounded up to whole granules, in granules
     */
    static int granulesFor(long size, int granuleShift) {
        return (int) ((size + (1L << granuleShift) - 1) >>> granuleShift);
    }

    /**
     * @throws IllegalArgumentException if size &lt;= 0 or size &gt; maxBytes
     */
    static void check(long size, long maxBytes) {
        if (size <= 0 || size > maxBytes) {
            throw badSize(size, maxBytes);
        }
    }

    private static IllegalArgumentException badSize(long size, long maxBytes) {
        return new IllegalArgumentException(size <= 0
                ? "size must be > 0, was " + size
                : "size " + size + " is above the largest request this allocator can serve, " + maxBytes + " bytes");
    }

    /** @return bytes rounded up to a multiple of {@code unit} (a power of two) */
    static long roundUp(long bytes, long unit) {
        return (bytes + unit - 1) & -unit;
    }
}
