package io.mmapheap.internal;

/**
 * glibc's {@code malloc}, {@code realloc} and {@code free} as Java programs reach them: the baseline
 * the trace driver and the benchmarks compare with. Not part of the API (the module does not export
 * this package). On JDK 17 to 21 this is {@code Unsafe.allocateMemory} and friends; the jar's
 * version for JDK 22 and newer calls glibc through the FFM linker instead.
 */
public final class Libc {

    private Libc() {
    }

    /**
     * @return the address of {@code bytes} bytes from glibc's malloc
     * @throws OutOfMemoryError if malloc returns NULL
     */
    public static long malloc(long bytes) {
        return UnsafeAccess.malloc(bytes);
    }

    /**
     * @return the address of the block {@code address} moved or resized to {@code bytes} bytes by realloc
     * @throws OutOfMemoryError if realloc returns NULL
     */
    public static long realloc(long address, long bytes) {
        return UnsafeAccess.realloc(address, bytes);
    }

    /** Returns {@code address} (a block of {@link #malloc} or {@link #realloc}, or 0) to glibc. */
    public static void free(long address) {
        UnsafeAccess.free(address);
    }
}
