package io.mmapheap;

/**
 * What an allocator does with an invalid free or reallocate (a foreign, interior or already freed
 * address), in the spirit of glibc's {@code MALLOC_CHECK_}. At every level the heap stays intact:
 * the invalid call changes nothing.
 */
public enum CheckLevel {
    /** 0: ignore the call silently, like C's anything-goes (reallocate returns 0). */
    IGNORE,
    /** 1: log the diagnosis at WARNING on {@code io.mmapheap.checks} and carry on (reallocate returns 0). */
    REPORT,
    /** 2: throw {@link IllegalArgumentException} with the diagnosis; the default. */
    THROW;

    /**
     * Gives the level of a {@code MALLOC_CHECK_}-style number.
     *
     * @param level 0, 1 or 2
     * @return the level with that number
     * @throws IllegalArgumentException for any other number
     */
    public static CheckLevel of(int level) {
        if (level < 0 || level >= values().length) {
            throw new IllegalArgumentException("check level must be 0, 1 or 2, was " + level);
        }
        return values()[level];
    }
}
