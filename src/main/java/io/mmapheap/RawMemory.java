package io.mmapheap;

import io.mmapheap.internal.UnsafeAccess;

/**
 * Unchecked access to raw memory, like C pointers: no bounds, no liveness checks. A wrong address
 * crashes the JVM. Every access to memory the allocators hand out goes through this class; code
 * that should not hold raw addresses uses {@link MemoryBlock} instead.
 *
 * <p>Plain accesses take any alignment and use the platform's native byte order. The volatile,
 * release and atomic ones need the value's natural alignment (a multiple of its size).
 *
 * <p>How memory is reached depends on the JDK: the jar is multi-release. JDK 17 to 21 use
 * {@code sun.misc.Unsafe}; JDK 22 and newer use the Foreign Function &amp; Memory API (one segment
 * spanning the address space, made once, with unaligned layouts), so that no {@code Unsafe}
 * memory-access method is ever called there, unless the system property
 * {@value #ACCESS_PROPERTY} is {@code unsafe} (for comparing the two paths). {@link #path()} says
 * which one this process took.
 */
public final class RawMemory {

    /** System property: {@code unsafe} makes JDK 22 and newer access memory through Unsafe too. */
    public static final String ACCESS_PROPERTY = "mmapheap.memoryAccess";

    private RawMemory() {
    }

    /** @return {@code "unsafe"} or {@code "ffm"}: how this process reaches memory */
    public static String path() {
        return "unsafe";
    }

    /** @return the byte at {@code address} */
    public static byte getByte(long address) {
        return UnsafeAccess.getByte(address);
    }

    /** Stores {@code value} at {@code address}. */
    public static void putByte(long address, byte value) {
        UnsafeAccess.putByte(address, value);
    }

    /** @return the 16-bit value at {@code address} */
    public static short getShort(long address) {
        return UnsafeAccess.getShort(address);
    }

    /** Stores {@code value} at {@code address}. */
    public static void putShort(long address, short value) {
        UnsafeAccess.putShort(address, value);
    }

    /** @return the 32-bit value at {@code address} */
    public static int getInt(long address) {
        return UnsafeAccess.getInt(address);
    }

    /** Stores {@code value} at {@code address}. */
    public static void putInt(long address, int value) {
        UnsafeAccess.putInt(address, value);
    }

    /** @return the 64-bit value at {@code address} */
    public static long getLong(long address) {
        return UnsafeAccess.getLong(address);
    }

    /** Stores {@code value} at {@code address}. */
    public static void putLong(long address, long value) {
        UnsafeAccess.putLong(address, value);
    }

    /** @return the float at {@code address} */
    public static float getFloat(long address) {
        return UnsafeAccess.getFloat(address);
    }

    /** Stores {@code value} at {@code address}. */
    public static void putFloat(long address, float value) {
        UnsafeAccess.putFloat(address, value);
    }

    /** @return the double at {@code address} */
    public static double getDouble(long address) {
        return UnsafeAccess.getDouble(address);
    }

    /** Stores {@code value} at {@code address}. */
    public static void putDouble(long address, double value) {
        UnsafeAccess.putDouble(address, value);
    }

    /** @return the 32-bit value at {@code address} (a multiple of 4), read with volatile semantics */
    public static int getIntVolatile(long address) {
        return UnsafeAccess.getIntVolatile(address);
    }

    /** Stores {@code value} at {@code address} (a multiple of 4) with volatile semantics. */
    public static void putIntVolatile(long address, int value) {
        UnsafeAccess.putIntVolatile(address, value);
    }

    /** Stores {@code value} at {@code address} (a multiple of 4) with release semantics (an ordered store). */
    public static void putIntRelease(long address, int value) {
        UnsafeAccess.putIntRelease(address, value);
    }

    /** @return whether the 32-bit value at {@code address} (a multiple of 4) was {@code expected} and is now {@code value}, atomically */
    public static boolean compareAndSetInt(long address, int expected, int value) {
        return UnsafeAccess.compareAndSetInt(address, expected, value);
    }

    /** @return the 32-bit value at {@code address} (a multiple of 4) before {@code delta} was added to it, atomically */
    public static int getAndAddInt(long address, int delta) {
        return UnsafeAccess.getAndAddInt(address, delta);
    }

    /** @return the 32-bit value at {@code address} (a multiple of 4) before it was set to {@code value}, atomically */
    public static int getAndSetInt(long address, int value) {
        return UnsafeAccess.getAndSetInt(address, value);
    }

    /** @return the 64-bit value at {@code address} (a multiple of 8), read with volatile semantics */
    public static long getLongVolatile(long address) {
        return UnsafeAccess.getLongVolatile(address);
    }

    /** Stores {@code value} at {@code address} (a multiple of 8) with volatile semantics. */
    public static void putLongVolatile(long address, long value) {
        UnsafeAccess.putLongVolatile(address, value);
    }

    /** Stores {@code value} at {@code address} (a multiple of 8) with release semantics (an ordered store). */
    public static void putLongRelease(long address, long value) {
        UnsafeAccess.putLongRelease(address, value);
    }

    /** @return whether the 64-bit value at {@code address} (a multiple of 8) was {@code expected} and is now {@code value}, atomically */
    public static boolean compareAndSetLong(long address, long expected, long value) {
        return UnsafeAccess.compareAndSetLong(address, expected, value);
    }

    /** @return the 64-bit value at {@code address} (a multiple of 8) before {@code delta} was added to it, atomically */
    public static long getAndAddLong(long address, long delta) {
        return UnsafeAccess.getAndAddLong(address, delta);
    }

    /** @return the 64-bit value at {@code address} (a multiple of 8) before it was set to {@code value}, atomically */
    public static long getAndSetLong(long address, long value) {
        return UnsafeAccess.getAndSetLong(address, value);
    }

    /** Copies {@code bytes} bytes from {@code from} to {@code to}; the ranges may overlap (memmove). */
    public static void copy(long from, long to, long bytes) {
        UnsafeAccess.copy(from, to, bytes);
    }

    /** Sets {@code bytes} bytes starting at {@code address} to {@code value} (memset). */
    public static void fill(long address, long bytes, byte value) {
        UnsafeAccess.fill(address, bytes, value);
    }

    /** Copies {@code length} bytes at {@code address} into {@code dst[dstOffset ...]}. */
    public static void copyToArray(long address, byte[] dst, int dstOffset, int length) {
        UnsafeAccess.copyToArray(address, dst, dstOffset, length);
    }

    /** Copies {@code src[srcOffset ...]} ({@code length} bytes) to {@code address}. */
    public static void copyFromArray(byte[] src, int srcOffset, long address, int length) {
        UnsafeAccess.copyFromArray(src, srcOffset, address, length);
    }
}
