package io.mmapheap;

import java.util.Locale;

import org.apache.commons.lang3.Validate;

/** The one place where sizes and granules from users are checked and converted, and sizes written for people. */
final class Sizes {

    /** The smallest granule: every chunk can hold a pointer-sized value, aligned. */
    static final int MIN_GRANULE = 8;
    private static final String[] BINARY_UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    private static final int KIB_SHIFT = 10;
    /** The least value that one decimal rounds to 1024. */
    private static final double ROUNDS_UP_TO_NEXT_UNIT = 1023.95;

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

    /**
     * @throws IllegalArgumentException if alignment is not a power of two, or is above maxBytes
     *                                  (serving it would take a mapping longer than any request)
     */
    static void checkAlignment(long alignment, long maxBytes) {
        if (alignment <= 0 || Long.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two, was " + alignment);
        }
        if (alignment > maxBytes) {
            throw new IllegalArgumentException("alignment " + alignment
                    + " is above the largest request this allocator can serve, " + maxBytes + " bytes");
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

    /**
     * @param bytes a count of bytes, &gt;= 0
     * @return it in binary units with one decimal ({@code "4.0 MiB"}), or in bytes below 1 KiB ({@code "512 B"})
     */
    static String human(long bytes) {
        if (bytes < (1L << KIB_SHIFT)) {
            return bytes + " B";
        }
        int unit = (Long.SIZE - 1 - Long.numberOfLeadingZeros(bytes)) / KIB_SHIFT;
        double value = bytes / (double) (1L << (unit * KIB_SHIFT));
        if (value >= ROUNDS_UP_TO_NEXT_UNIT && unit + 1 < BINARY_UNITS.length) {
            // 1023.96 KiB would print as 1024.0 KiB: it is 1.0 MiB.
            unit++;
            value /= 1 << KIB_SHIFT;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, BINARY_UNITS[unit]);
    }
}
