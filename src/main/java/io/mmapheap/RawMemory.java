package io.mmapheap;

import java.lang.reflect.Field;

import sun.misc.Unsafe;

/**
 * Unchecked access to raw memory, like C pointers: no bounds, no liveness, no alignment checks.
 * A wrong address crashes the JVM. This is the only class that touches {@code sun.misc.Unsafe};
 * code that should not hold raw addresses uses the allocators' checked API instead.
 *
 * <p>All multi-byte values use the platform's native byte order. Any alignment is accepted
 * (x86-64 permits unaligned access).
 */
public final class RawMemory {

    private static final Unsafe UNSAFE = findUnsafe();

    private RawMemory() {
    }

    /** @return the byte at {@code address} */
    public static byte getByte(long address) {
        return UNSAFE.getByte(address);
    }

    /** Stores {@code value} at {@code address}. */
    public static void putByte(long address, byte value) {
        UNSAFE.putByte(address, value);
    }

    /** @return the 16-bit value at {@code address} */
    public static short getShort(long address) {
        return UNSAFE.getShort(address);
    }

    /** Stores {@code value} at {@code address}. */
    public static void putShort(long address, short value) {
        UNSAFE.putShort(address, value);
    }

    /** @return the 32-bit value at {@code address} */
    public static int getInt(long address) {
        return UNSAFE.getInt(address);
    }

    /** Stores {@code value} at {@code address}. */
    public static void putInt(long address, int value) {
        UNSAFE.putInt(address, value);
    }

    /** @return the 64-bit value at {@code address} */
    public static long getLong(long address) {
        return UNSAFE.getLong(address);
    }

    /** Stores {@code value} at {@code address}. */
    public static void putLong(long address, long value) {
        UNSAFE.putLong(address, value);
    }

    /** @return the float at {@code address} */
    public static float getFloat(long address) {
        return UNSAFE.getFloat(address);
    }

    /** Stores {@code value} at {@code address}. */
    public static void putFloat(long address, float value) {
        UNSAFE.putFloat(address, value);
    }

    /** @return the double at {@code address} */
    public static double getDouble(long address) {
        return UNSAFE.getDouble(address);
    }

    /** Stores {@code value} at {@code address}. */
    public static void putDouble(long address, double value) {
        UNSAFE.putDouble(address, value);
    }

    /** Copies {@code bytes} bytes from {@code from} to {@code to}; the ranges may overlap (memmove). */
    public static void copy(long from, long to, long bytes) {
        UNSAFE.copyMemory(from, to, bytes);
    }

    /** Sets {@code bytes} bytes starting at {@code address} to {@code value} (memset). */
    public static void fill(long address, long bytes, byte value) {
        UNSAFE.setMemory(address, bytes, value);
    }

    /** Copies {@code length} bytes at {@code address} into {@code dst[dstOffset ...]}. */
    public static void copyToArray(long address, byte[] dst, int dstOffset, int length) {
        UNSAFE.copyMemory(null, address, dst, (long) Unsafe.ARRAY_BYTE_BASE_OFFSET + dstOffset, length);
    }

    /** Copies {@code src[srcOffset ...]} ({@code length} bytes) to {@code address}. */
    public static void copyFromArray(byte[] src, int srcOffset, long address, int length) {
        UNSAFE.copyMemory(src, (long) Unsafe.ARRAY_BYTE_BASE_OFFSET + srcOffset, null, address, length);
    }

    /**
     * glibc {@code malloc} through the JDK, the baseline allocator Java programs use today.
     *
     * @return the address of {@code bytes} bytes, or throws OutOfMemoryError
     */
    public static long mallocBaseline(long bytes) {
        return UNSAFE.allocateMemory(bytes);
    }

    /** glibc {@code realloc} through the JDK. */
    public static long reallocBaseline(long address, long bytes) {
        return UNSAFE.reallocateMemory(address, bytes);
    }

    /** glibc {@code free} through the JDK. */
    public static void freeBaseline(long address) {
        UNSAFE.freeMemory(address);
    }

    private static Unsafe findUnsafe() {
        try {
            Field field = Unsafe.class.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            return (Unsafe) field.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
