package io.mmapheap.bench;

import java.util.SplittableRandom;

/**
 * The operations of the {@code churn} workload, the same for every subject and run: a thread keeps
 * {@value #LIVE} live blocks, and step i frees block {@code victims[i]} and allocates
 * {@code sizes[i]} bytes in its place ({@value #MIN_SIZE} to {@value #MAX_SIZE}, uniform, seeded).
 * The first {@value #LIVE} sizes also fill the blocks before the first step. Steps past
 * {@value #LENGTH} wrap around.
 */
public final class ChurnSequence {

    /** Live blocks per thread. */
    public static final int LIVE = 1024;
    /** Steps before the sequence repeats; a power of two. */
    public static final int LENGTH = 1 << 16;
    /** The smallest and largest request, bytes. */
    public static final int MIN_SIZE = 8;
    public static final int MAX_SIZE = 4096;

    /** victims[i]: the index of the live block step i frees. */
    public final int[] victims = new int[LENGTH];
    /** sizes[i]: the bytes step i allocates. */
    public final int[] sizes = new int[LENGTH];

    public ChurnSequence() {
        SplittableRandom random = new SplittableRandom(LENGTH);
        for (int i = 0; i < LENGTH; i++) {
            victims[i] = random.nextInt(LIVE);
            sizes[i] = MIN_SIZE + random.nextInt(MAX_SIZE - MIN_SIZE + 1);
        }
    }
}
