package io.mmapheap;

/**
 * An open-addressing hash map from {@code long} keys to non-negative {@code long} values, with no
 * boxing and no allocation except when it grows. Used for page number to region and for the start
 * addresses of dedicated mappings. Linear probing with backward-shift deletion, load factor at most 1/2.
 */
final class AddressMap {

    /** Returned by {@link #get} for an absent key. */
    static final long ABSENT = -1;
    private static final long EMPTY = Long.MIN_VALUE;
    private static final int INITIAL_CAPACITY = 16;
    /** Fibonacci hashing multiplier: 2^64 / golden ratio, odd. */
    private static final long MIX = 0x9E37_79B9_7F4A_7C15L;

    private long[] keys;
    private long[] values;
    private int shift;
    private int size;

    AddressMap() {
        allocate(INITIAL_CAPACITY);
    }

    int size() {
        return size;
    }

    /** @return the value stored for {@code key}, or {@link #ABSENT} (always for {@code Long.MIN_VALUE}, the empty slot's mark) */
    long get(long key) {
        if (key == EMPTY) {
            return ABSENT;
        }
        int mask = keys.length - 1;
        for (int i = slot(key); ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == key) {
                return values[i];
            }
            if (k == EMPTY) {
                return ABSENT;
            }
        }
    }

    /**
     * Stores {@code value} for {@code key}.
     *
     * @param key   any value but {@code Long.MIN_VALUE}
     * @param value &gt;= 0
     */
    void put(long key, long value) {
        if (key == EMPTY) {
            throw new IllegalArgumentException("key Long.MIN_VALUE marks an empty slot");
        }
        if (2 * (size + 1) > keys.length) {
            rehash(keys.length * 2);
        }
        int mask = keys.length - 1;
        for (int i = slot(key); ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == key) {
                values[i] = value;
                return;
            }
            if (k == EMPTY) {
                keys[i] = key;
                values[i] = value;
                size++;
                return;
            }
        }
    }

    /** Removes {@code key}; @return its value, or {@link #ABSENT} */
    long remove(long key) {
        if (key == EMPTY) {
            return ABSENT;
        }
        int mask = keys.length - 1;
        int i = slot(key);
        while (keys[i] != key) {
            if (keys[i] == EMPTY) {
                return ABSENT;
            }
            i = (i + 1) & mask;
        }
        long removed = values[i];
        // Backward-shift: move later members of the probe run into the hole so lookups still find them.
        int hole = i;
        for (int j = (i + 1) & mask; keys[j] != EMPTY; j = (j + 1) & mask) {
            int home = slot(keys[j]);
            boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
            if (movable) {
                keys[hole] = keys[j];
                values[hole] = values[j];
                hole = j;
            }
        }
        keys[hole] = EMPTY;
        size--;
        return removed;
    }

    /** Receives the entries of the map. */
    interface Visitor {
        void visit(long key, long value);
    }

    /** Calls {@code visitor} for every entry; order unspecified. */
    void forEach(Visitor visitor) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != EMPTY) {
                visitor.visit(keys[i], values[i]);
            }
        }
    }

    long metadataBytes() {
        return 2L * keys.length * Long.BYTES;
    }

    private int slot(long key) {
        return (int) ((key * MIX) >>> shift);
    }

    private void allocate(int capacity) {
        keys = new long[capacity];
        values = new long[capacity];
        java.util.Arrays.fill(keys, EMPTY);
        shift = Long.SIZE - Integer.numberOfTrailingZeros(capacity);
    }

    private void rehash(int capacity) {
        long[] oldKeys = keys;
        long[] oldValues = values;
        allocate(capacity);
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                put(oldKeys[i], oldValues[i]);
            }
        }
    }
}
