package io.mmapheap;

import java.lang.reflect.Field;

import sun.misc.Unsafe;

/**
 * {@link RawMemory} through {@code sun.misc.Unsafe}, the only class that touches it. JDK 17 to 21
 * always take this path; JDK 22 and newer only when {@link RawMemory#ACCESS_PROPERTY} asks for it,
 * since their {@code RawMemory} goes through the Foreign Function &amp; Memory API. Each method
 * has the contract of the RawMemory method of the same name.
 */
final class UnsafeAccess {

    private static final Unsafe UNSAFE = findUnsafe();

    private UnsafeAccess() {
    }

    static byte getByte(long address) {
        return UNSAFE.getByte(address);
    }

    static void putByte(long address, byte value) {
        UNSAFE.putByte(address, value);
    }

    static short getShort(long address) {
        return UNSAFE.getShort(address);
    }

    static void putShort(long address, short value) {
        UNSAFE.putShort(address, value);
    }

    static int getInt(long address) {
        return UNSAFE.getInt(address);
    }

    static void putInt(long address, int value) {
        UNSAFE.putInt(address, value);
    }

    static long getLong(long address) {
        return UNSAFE.getLong(address);
    }

    static void putLong(long address, long value) {
        UNSAFE.putLong(address, value);
    }

    static float getFloat(long address) {
        return UNSAFE.getFloat(address);
    }

    static void putFloat(long address, float value) {
        UNSAFE.putFloat(address, value);
    }

    static double getDouble(long address) {
        return UNSAFE.getDouble(address);
    }

    static void putDouble(long address, double value) {
        UNSAFE.putDouble(address, value);
    }

    static int getIntVolatile(long address) {
        return UNSAFE.getIntVolatile(null, address);
    }

    static void putIntVolatile(long address, int value) {
        UNSAFE.putIntVolatile(null, address, value);
    }

    static void putIntRelease(long address, int value) {
        UNSAFE.putOrderedInt(null, address, value);
    }

    static boolean compareAndSetInt(long address, int expected, int value) {
        return UNSAFE.compareAndSwapInt(null, address, expected, value);
    }

    static int getAndAddInt(long address, int delta) {
        return UNSAFE.getAndAddInt(null, address, delta);
    }

    static int getAndSetInt(long address, int value) {
        return UNSAFE.getAndSetInt(null, address, value);
    }

    static long getLongVolatile(long address) {
        return UNSAFE.getLongVolatile(null, address);
    }

    static void putLongVolatile(long address, long value) {
        UNSAFE.putLongVolatile(null, address, value);
    }

    static void putLongRelease(long address, long value) {
        UNSAFE.putOrderedLong(null, address, value);
    }

    static boolean compareAndSetLong(long address, long expected, long value) {
        return UNSAFE.compareAndSwapLong(null, address, expected, value);
    }

    static long getAndAddLong(long address, long delta) {
        return UNSAFE.getAndAddLong(null, address, delta);
    }

    static long getAndSetLong(long address, long value) {
        return UNSAFE.getAndSetLong(null, address, value);
    }

    static void copy(long from, long to, long bytes) {
        UNSAFE.copyMemory(from, to, bytes);
    }

    static void fill(long address, long bytes, byte value) {
        UNSAFE.setMemory(address, bytes, value);
    }

    static void copyToArray(long address, byte[] dst, int dstOffset, int length) {
        UNSAFE.copyMemory(null, address, dst, (long) Unsafe.ARRAY_BYTE_BASE_OFFSET + dstOffset, length);
    }

    static void copyFromArray(byte[] src, int srcOffset, long address, int length) {
        UNSAFE.copyMemory(src, (long) Unsafe.ARRAY_BYTE_BASE_OFFSET + srcOffset, null, address, length);
    }

    static long malloc(long bytes) {
        return UNSAFE.allocateMemory(bytes);
    }

    static long realloc(long address, long bytes) {
        return UNSAFE.reallocateMemory(address, bytes);
    }

    static void free(long address) {
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
