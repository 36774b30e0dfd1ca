package io.mmapheap.internal;

import java.lang.reflect.Field;

import sun.misc.Unsafe;

/**
 * Raw memory through {@code sun.misc.Unsafe}, the only class that touches it; not part of the API
 * (the module does not export this package). {@code io.mmapheap.RawMemory} takes this path on JDK 17
 * to 21, and on JDK 22 and newer only when its {@code ACCESS_PROPERTY} asks for it. Each accessor
 * has the contract of the {@code RawMemory} method of the same name; {@link #malloc}, {@link #realloc}
 * and {@link #free} are glibc's, as {@code Unsafe.allocateMemory} and friends reach them.
 */
public final class UnsafeAccess {

    private static final Unsafe UNSAFE = findUnsafe();

    private UnsafeAccess() {
    }

    public static byte getByte(long address) {
        return UNSAFE.getByte(address);
    }

    public static void putByte(long address, byte value) {
        UNSAFE.putByte(address, value);
    }

    public static short getShort(long address) {
        return UNSAFE.getShort(address);
    }

    public static void putShort(long address, short value) {
        UNSAFE.putShort(address, value);
    }

    public static int getInt(long address) {
        return UNSAFE.getInt(address);
    }

    public static void putInt(long address, int value) {
        UNSAFE.putInt(address, value);
    }

    public static long getLong(long address) {
        return UNSAFE.getLong(address);
    }

    public static void putLong(long address, long value) {
        UNSAFE.putLong(address, value);
    }

    public static float getFloat(long address) {
        return UNSAFE.getFloat(address);
    }

    public static void putFloat(long address, float value) {
        UNSAFE.putFloat(address, value);
    }

    public static double getDouble(long address) {
        return UNSAFE.getDouble(address);
    }

    public static void putDouble(long address, double value) {
        UNSAFE.putDouble(address, value);
    }

    public static int getIntVolatile(long address) {
        return UNSAFE.getIntVolatile(null, address);
    }

    public static void putIntVolatile(long address, int value) {
        UNSAFE.putIntVolatile(null, address, value);
    }

    public static void putIntRelease(long address, int value) {
        UNSAFE.putOrderedInt(null, address, value);
    }

    public static boolean compareAndSetInt(long address, int expected, int value) {
        return UNSAFE.compareAndSwapInt(null, address, expected, value);
    }

    public static int getAndAddInt(long address, int delta) {
        return UNSAFE.getAndAddInt(null, address, delta);
    }

    public static int getAndSetInt(long address, int value) {
        return UNSAFE.getAndSetInt(null, address, value);
    }

    public static long getLongVolatile(long address) {
        return UNSAFE.getLongVolatile(null, address);
    }

    public static void putLongVolatile(long address, long value) {
        UNSAFE.putLongVolatile(null, address, value);
    }

    public static void putLongRelease(long address, long value) {
        UNSAFE.putOrderedLong(null, address, value);
    }

    public static boolean compareAndSetLong(long address, long expected, long value) {
        return UNSAFE.compareAndSwapLong(null, address, expected, value);
    }

    public static long getAndAddLong(long address, long delta) {
        return UNSAFE.getAndAddLong(null, address, delta);
    }

    public static long getAndSetLong(long address, long value) {
        return UNSAFE.getAndSetLong(null, address, value);
    }

    public static void copy(long from, long to, long bytes) {
        UNSAFE.copyMemory(from, to, bytes);
    }

    public static void fill(long address, long bytes, byte value) {
        UNSAFE.setMemory(address, bytes, value);
    }

    public static void copyToArray(long address, byte[] dst, int dstOffset, int length) {
        UNSAFE.copyMemory(null, address, dst, (long) Unsafe.ARRAY_BYTE_BASE_OFFSET + dstOffset, length);
    }

    public static void copyFromArray(byte[] src, int srcOffset, long address, int length) {
        UNSAFE.copyMemory(src, (long) Unsafe.ARRAY_BYTE_BASE_OFFSET + srcOffset, null, address, length);
    }

    public static long malloc(long bytes) {
        return UNSAFE.allocateMemory(bytes);
    }

    public static long realloc(long address, long bytes) {
        return UNSAFE.reallocateMemory(address, bytes);
    }

    public static void free(long address) {
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
