package io.mmapheap;

import java.util.Arrays;

/**
 * The longest free run of every region, in an implicit max-tree, so that the first region (in the
 * order regions were added) with room for n granules is found in O(log regions).
 *
 * <pre>
 *   tree[1]            max over all regions
 *   tree[k]            max(tree[2k], tree[2k+1])
 *   tree[capacity + r] longest free run of region r (0 for slots not yet used)
 * </pre>
 * The capacity doubles when full; that rebuild costs O(regions) and happens only when the heap
 * maps a new region, never on the allocate/free path.
 */
final class RegionIndex {

    private static final int INITIAL_CAPACITY = 4;

    private int capacity = INITIAL_CAPACITY;
    private int[] tree = new int[2 * INITIAL_CAPACITY];

    /** Sets region {@code region}'s longest free run; grows the index for a new region. */
    void set(int region, int longestFree) {
        if (region >= capacity) {
            grow(region);
        }
        int k = region + capacity;
        if (tree[k] == longestFree) {
            return;
        }
        tree[k] = longestFree;
        for (k >>>= 1; k >= 1; k >>>= 1) {
            int max = Math.max(tree[2 * k], tree[2 * k + 1]);
            if (tree[k] == max) {
                break;
            }
            tree[k] = max;
        }
    }

    /** @return the value last set for {@code region}, 0 if none was */
    int get(int region) {
        return region < capacity ? tree[region + capacity] : 0;
    }

    /** @return the largest value over all regions */
    int max() {
        return tree[1];
    }

    /** @return the lowest region whose longest free run is &gt;= n, or -1 */
    int findFirst(int n) {
        if (tree[1] < n) {
            return -1;
        }
        int k = 1;
        while (k < capacity) {
            k = tree[2 * k] >= n ? 2 * k : 2 * k + 1;
        }
        return k - capacity;
    }

    long metadataBytes() {
        return (long) tree.length * Integer.BYTES;
    }

    private void grow(int region) {
        int newCapacity = capacity;
        while (newCapacity <= region) {
            newCapacity <<= 1;
        }
        int[] bigger = new int[2 * newCapacity];
        System.arraycopy(tree, capacity, bigger, newCapacity, capacity);
        for (int k = newCapacity - 1; k >= 1; k--) {
            bigger[k] = Math.max(bigger[2 * k], bigger[2 * k + 1]);
        }
        capacity = newCapacity;
        tree = bigger;
    }

    /** Recomputes every inner node and compares; used by the heaps' verify(). */
    void verify() {
        int[] copy = Arrays.copyOf(tree, tree.length);
        for (int k = capacity - 1; k >= 1; k--) {
            copy[k] = Math.max(copy[2 * k], copy[2 * k + 1]);
            if (copy[k] != tree[k]) {
                throw new IllegalStateException("region index node " + k + " holds " + tree[k] + " but its children give " + copy[k]);
            }
        }
    }
}
