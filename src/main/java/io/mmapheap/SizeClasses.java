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
    /** Classes per doubling above {@link #EXACT}. */
    static final int PER_DOUBLING = 8;

    /** classOf[n]: the smallest class of at least n granules, for n in [1, largest]. */
    private final byte[] classOf;
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
        this.classOf = new byte[largest + 1];
        int c = 0;
        for (int g = 1; g <= largest; g++) {
            if (g > granules[c]) {
                c++;
            }
            classOf[g] = (byte) c;
        }
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
        return classOf[n];
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
        int c = classOf[n];
        return granules[c] == n ? c : -1;
    }
}
