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

    /**
     * Tells how this process reaches memory.
     *
     * @return {@code "unsafe"} or {@code "ffm"}
     */
    public static String path() {
        return "unsafe";
    }

    /**
     * Reads the byte at {@code address}.
     *
     * @param address where the byte lies
     * @return the byte read
     */
    public static byte getByte(long address) {
        return UnsafeAccess.getByte(address);
    }

    /**
     * Stores {@code value} at {@code address}.
     *
     * @param address where the byte goes
     * @param value   the value to store
     */
    public static void putByte(long address, byte value) {
        UnsafeAccess.putByte(address, value);
    }

    /**
     * Reads the 16-bit value at {@code address} in the native byte order.
     *
     * @param address where the value lies, at any alignment
     * @return the 16-bit value read
     */
    public static short getShort(long address) {
        return UnsafeAccess.getShort(address);
    }

    /**
     * Stores {@code value} at {@code address} in the native byte order.
     *
     * @param address where the value lies, at any alignment
     * @param value   the value to store
     */
    public static void putShort(long address, short value) {
        UnsafeAccess.putShort(address, value);
    }

    /**
     * Reads the 32-bit value at {@code address} in the native byte order.
     *
     * @param address where the value lies, at any alignment
     * @return the 32-bit value read
     */
    public static int getInt(long address) {
        return UnsafeAccess.getInt(address);
    }

    /**
     * Stores {@code value} at {@code address} in the native byte order.
     *
     * @param address where the value lies, at any alignment
     * @param value   the value to store
     */
    public static void putInt(long address, int value) {
        UnsafeAccess.putInt(address, value);
    }

    /**
     * Reads the 64-bit value at {@code address} in the native byte order.
     *
     * @param address where the value lies, at any alignment
     * @return the 64-bit value read
     */
    public static long getLong(long address) {
        return UnsafeAccess.getLong(address);
    }

    /**
     * Stores {@code value} at {@code address} in the native byte order.
     *
     * @param address where the value lies, at any alignment
     * @param value   the value to store
     */
    public static void putLong(long address, long value) {
        UnsafeAccess.putLong(address, value);
    }

    /**
     * Reads the float at {@code address} in the native byte order.
     *
     * @param address where the value lies, at any alignment
     * @return the float read
     */
    public static float getFloat(long address) {
        return UnsafeAccess.getFloat(address);
    }

    /**
     * Stores {@code value} at {@code address} in the native byte order.
     *
     * @param address where the value lies, at any alignment
     * @param value   the value to store
     */
    public static void putFloat(long address, float value) {
        UnsafeAccess.putFloat(address, value);
    }

    /**
     * Reads the double at {@code address} in the native byte order.
     *
     * @param address where the value lies, at any alignment
     * @return the double read
     */
    public static double getDouble(long address) {
        return UnsafeAccess.getDouble(address);
    }

    /**
     * Stores {@code value} at {@code address} in the native byte order.
     *
     * @param address where the value lies, at any alignment
     * @param value   the value to store
     */
    public static void putDouble(long address, double value) {
        UnsafeAccess.putDouble(address, value);
    }

    /**
     * Reads the 32-bit value at {@code address} with volatile semantics.
     *
     * @param address where the value lies, a multiple of 4
     * @return the 32-bit value read
     */
    public static int getIntVolatile(long address) {
        return UnsafeAccess.getIntVolatile(address);
    }

    /**
     * Stores {@code value} at {@code address} with volatile semantics.
     *
     * @param address where the value lies, a multiple of 4
     * @param value   the value to store
     */
    public static void putIntVolatile(long address, int value) {
        UnsafeAccess.putIntVolatile(address, value);
    }

    /**
     * Stores {@code value} at {@code address} with release semantics (an ordered store).
     *
     * @param address where the value lies, a multiple of 4
     * @param value   the value to store
     */
    public static void putIntRelease(long address, int value) {
        UnsafeAccess.putIntRelease(address, value);
    }

    /**
     * Sets the 32-bit value at {@code address} to {@code value} if it is {@code expected}, atomically.
     *
     * @param address  where the value lies, a multiple of 4
     * @param expected the value the memory must hold for the store to happen
     * @param value    the value to store if the current one is {@code expected}
     * @return whether the value was {@code expected} and is now {@code value}
     */
    public static boolean compareAndSetInt(long address, int expected, int value) {
        return UnsafeAccess.compareAndSetInt(address, expected, value);
    }

    /**
     * Adds {@code delta} to the 32-bit value at {@code address}, atomically.
     *
     * @param address where the value lies, a multiple of 4
     * @param delta   the amount to add
     * @return the value before the change
     */
    public static int getAndAddInt(long address, int delta) {
        return UnsafeAccess.getAndAddInt(address, delta);
    }

    /**
     * Sets the 32-bit value at {@code address} to {@code value}, atomically.
     *
     * @param address where the value lies, a multiple of 4
     * @param value   the value to store
     * @return the value before the change
     */
    public static int getAndSetInt(long address, int value) {
        return UnsafeAccess.getAndSetInt(address, value);
    }

    /**
     * Reads the 64-bit value at {@code address} with volatile semantics.
     *
     * @param address where the value lies, a multiple of 8
     * @return the 64-bit value read
     */
    public static long getLongVolatile(long address) {
        return UnsafeAccess.getLongVolatile(address);
    }

    /**
     * Stores {@code value} at {@code address} with volatile semantics.
     *
     * @param address where the value lies, a multiple of 8
     * @param value   the value to store
     */
    public static void putLongVolatile(long address, long value) {
        UnsafeAccess.putLongVolatile(address, value);
    }

    /**
     * Stores {@code value} at {@code address} with release semantics (an ordered store).
     *
     * @param address where the value lies, a multiple of 8
     * @param value   the value to store
     */
    public static void putLongRelease(long address, long value) {
        UnsafeAccess.putLongRelease(address, value);
    }

    /**
     * Sets the 64-bit value at {@code address} to {@code value} if it is {@code expected}, atomically.
     *
     * @param address  where the value lies, a multiple of 8
     * @param expected the value the memory must hold for the store to happen
     * @param value    the value to store if the current one is {@code expected}
     * @return whether the value was {@code expected} and is now {@code value}
     */
    public static boolean compareAndSetLong(long address, long expected, long value) {
        return UnsafeAccess.compareAndSetLong(address, expected, value);
    }

    /**
     * Adds {@code delta} to the 64-bit value at {@code address}, atomically.
     *
     * @param address where the value lies, a multiple of 8
     * @param delta   the amount to add
     * @return the value before the change
     */
    public static long getAndAddLong(long address, long delta) {
        return UnsafeAccess.getAndAddLong(address, delta);
    }

    /**
     * Sets the 64-bit value at {@code address} to {@code value}, atomically.
     *
     * @param address where the value lies, a multiple of 8
     * @param value   the value to store
     * @return the value before the change
     */
    public static long getAndSetLong(long address, long value) {
        return UnsafeAccess.getAndSetLong(address, value);
    }

    /**
     * Copies {@code bytes} bytes from {@code from} to {@code to}; the ranges may overlap (memmove).
     *
     * @param from  the address of the first byte to copy
     * @param to    the address it goes to
     * @param bytes how many bytes to copy, &gt;= 0
     */
    public static void copy(long from, long to, long bytes) {
        UnsafeAccess.copy(from, to, bytes);
    }

    /**
     * Sets {@code bytes} bytes starting at {@code address} to {@code value} (memset).
     *
     * @param address the address of the first byte to set
     * @param bytes   how many bytes to set, &gt;= 0
     * @param value   the byte to store
     */
    public static void fill(long address, long bytes, byte value) {
        UnsafeAccess.fill(address, bytes, value);
    }

    /**
     * Copies {@code length} bytes at {@code address} into {@code dst[dstOffset ...]}.
     *
     * @param address   the address of the first byte to copy
     * @param dst       the array to copy into
     * @param dstOffset where the bytes go in {@code dst}
     * @param length    how many bytes to copy
     */
    public static void copyToArray(long address, byte[] dst, int dstOffset, int length) {
        UnsafeAccess.copyToArray(address, dst, dstOffset, length);
    }

    /**
     * Copies {@code src[srcOffset ...]} ({@code length} bytes) to {@code address}.
     *
     * @param src       the array to copy from
     * @param srcOffset where the bytes start in {@code src}
     * @param address   the address they go to
     * @param length    how many bytes to copy
     */
    public static void copyFromArray(byte[] src, int srcOffset, long address, int length) {
        UnsafeAccess.copyFromArray(src, srcOffset, address, length);
    }
}
