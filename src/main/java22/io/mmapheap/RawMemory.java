package io.mmapheap;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

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

    /** Whether this process asked for the Unsafe path; constant, so the JIT keeps one branch. */
    private static final boolean UNSAFE = "unsafe".equalsIgnoreCase(System.getProperty(ACCESS_PROPERTY));
    /** The whole address space as one segment: its bounds checks fold away. */
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    /** Aligned views for the volatile and atomic accesses: coordinates (segment, offset). */
    private static final VarHandle ATOMIC_INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle ATOMIC_LONG = ValueLayout.JAVA_LONG.varHandle();

    private RawMemory() {
    }

    /**
     * Tells how this process reaches memory.
     *
     * @return {@code "unsafe"} or {@code "ffm"}
     */
    public static String path() {
        return UNSAFE ? "unsafe" : "ffm";
    }

    /**
     * Reads the byte at {@code address}.
     *
     * @param address where the byte lies
     * @return the byte read
     */
    public static byte getByte(long address) {
        if (UNSAFE) {
            return UnsafeAccess.getByte(address);
        }
        return ALL.get(JAVA_BYTE, address);
    }

    /**
     * Stores {@code value} at {@code address}.
     *
     * @param address where the byte goes
     * @param value   the value to store
     */
    public static void putByte(long address, byte value) {
        if (UNSAFE) {
            UnsafeAccess.putByte(address, value);
            return;
        }
        ALL.set(JAVA_BYTE, address, value);
    }

    /**
     * Reads the 16-bit value at {@code address} in the native byte order.
     *
     * @param address where the value lies, at any alignment
     * @return the 16-bit value read
     */
    public static short getShort(long address) {
        if (UNSAFE) {
            return UnsafeAccess.getShort(address);
        }
        return ALL.get(SHORT, address);
    }

    /**
     * Stores {@code value} at {@code address} in the native byte order.
     *
     * @param address where the value lies, at any alignment
     * @param value   the value to store
     */
    public static void putShort(long address, short value) {
        if (UNSAFE) {
            UnsafeAccess.putShort(address, value);
            return;
        }
        ALL.set(SHORT, address, value);
    }

    /**
     * Reads the 32-bit value at {@code address} in the native byte order.
     *
     * @param address where the value lies, at any alignment
     * @return the 32-bit value read
     */
    public static int getInt(long address) {
        if (UNSAFE) {
            return UnsafeAccess.getInt(address);
        }
        return ALL.get(INT, address);
    }

    /**
     * Stores {@code value} at {@code address} in the native byte order.
     *
     * @param address where the value lies, at any alignment
     * @param value   the value to store
     */
    public static void putInt(long address, int value) {
        if (UNSAFE) {
            UnsafeAccess.putInt(address, value);
            return;
        }
        ALL.set(INT, address, value);
    }

    /**
     * Reads the 64-bit value at {@code address} in the native byte order.
     *
     * @param address where the value lies, at any alignment
     * @return the 64-bit value read
     */
    public static long getLong(long address) {
        if (UNSAFE) {
            return UnsafeAccess.getLong(address);
        }
        return ALL.get(LONG, address);
    }

    /**
     * Stores {@code value} at {@code address} in the native byte order.
     *
     * @param address where the value lies, at any alignment
     * @param value   the value to store
     */
    public static void putLong(long address, long value) {
        if (UNSAFE) {
            UnsafeAccess.putLong(address, value);
            return;
        }
        ALL.set(LONG, address, value);
    }

    /**
     * Reads the float at {@code address} in the native byte order.
     *
     * @param address where the value lies, at any alignment
     * @return the float read
     */
    public static float getFloat(long address) {
        if (UNSAFE) {
            return UnsafeAccess.getFloat(address);
        }
        return ALL.get(FLOAT, address);
    }

    /**
     * Stores {@code value} at {@code address} in the native byte order.
     *
     * @param address where the value lies, at any alignment
     * @param value   the value to store
     */
    public static void putFloat(long address, float value) {
        if (UNSAFE) {
            UnsafeAccess.putFloat(address, value);
            return;
        }
        ALL.set(FLOAT, address, value);
    }

    /**
     * Reads the double at {@code address} in the native byte order.
     *
     * @param address where the value lies, at any alignment
     * @return the double read
     */
    public static double getDouble(long address) {
        if (UNSAFE) {
            return UnsafeAccess.getDouble(address);
        }
        return ALL.get(DOUBLE, address);
    }

    /**
     * Stores {@code value} at {@code address} in the native byte order.
     *
     * @param address where the value lies, at any alignment
     * @param value   the value to store
     */
    public static void putDouble(long address, double value) {
        if (UNSAFE) {
            UnsafeAccess.putDouble(address, value);
            return;
        }
        ALL.set(DOUBLE, address, value);
    }

    /**
     * Reads the 32-bit value at {@code address} with volatile semantics.
     *
     * @param address where the value lies, a multiple of 4
     * @return the 32-bit value read
     */
    public static int getIntVolatile(long address) {
        if (UNSAFE) {
            return UnsafeAccess.getIntVolatile(address);
        }
        return (int) ATOMIC_INT.getVolatile(ALL, address);
    }

    /**
     * Stores {@code value} at {@code address} with volatile semantics.
     *
     * @param address where the value lies, a multiple of 4
     * @param value   the value to store
     */
    public static void putIntVolatile(long address, int value) {
        if (UNSAFE) {
            UnsafeAccess.putIntVolatile(address, value);
            return;
        }
        ATOMIC_INT.setVolatile(ALL, address, value);
    }

    /**
     * Stores {@code value} at {@code address} with release semantics (an ordered store).
     *
     * @param address where the value lies, a multiple of 4
     * @param value   the value to store
     */
    public static void putIntRelease(long address, int value) {
        if (UNSAFE) {
            UnsafeAccess.putIntRelease(address, value);
            return;
        }
        ATOMIC_INT.setRelease(ALL, address, value);
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
        if (UNSAFE) {
            return UnsafeAccess.compareAndSetInt(address, expected, value);
        }
        return ATOMIC_INT.compareAndSet(ALL, address, expected, value);
    }

    /**
     * Adds {@code delta} to the 32-bit value at {@code address}, atomically.
     *
     * @param address where the value lies, a multiple of 4
     * @param delta   the amount to add
     * @return the value before the change
     */
    public static int getAndAddInt(long address, int delta) {
        if (UNSAFE) {
            return UnsafeAccess.getAndAddInt(address, delta);
        }
        return (int) ATOMIC_INT.getAndAdd(ALL, address, delta);
    }

    /**
     * Sets the 32-bit value at {@code address} to {@code value}, atomically.
     *
     * @param address where the value lies, a multiple of 4
     * @param value   the value to store
     * @return the value before the change
     */
    public static int getAndSetInt(long address, int value) {
        if (UNSAFE) {
            return UnsafeAccess.getAndSetInt(address, value);
        }
        return (int) ATOMIC_INT.getAndSet(ALL, address, value);
    }

    /**
     * Reads the 64-bit value at {@code address} with volatile semantics.
     *
     * @param address where the value lies, a multiple of 8
     * @return the 64-bit value read
     */
    public static long getLongVolatile(long address) {
        if (UNSAFE) {
            return UnsafeAccess.getLongVolatile(address);
        }
        return (long) ATOMIC_LONG.getVolatile(ALL, address);
    }

    /**
     * Stores {@code value} at {@code address} with volatile semantics.
     *
     * @param address where the value lies, a multiple of 8
     * @param value   the value to store
     */
    public static void putLongVolatile(long address, long value) {
        if (UNSAFE) {
            UnsafeAccess.putLongVolatile(address, value);
            return;
        }
        ATOMIC_LONG.setVolatile(ALL, address, value);
    }

    /**
     * Stores {@code value} at {@code address} with release semantics (an ordered store).
     *
     * @param address where the value lies, a multiple of 8
     * @param value   the value to store
     */
    public static void putLongRelease(long address, long value) {
        if (UNSAFE) {
            UnsafeAccess.putLongRelease(address, value);
            return;
        }
        ATOMIC_LONG.setRelease(ALL, address, value);
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
        if (UNSAFE) {
            return UnsafeAccess.compareAndSetLong(address, expected, value);
        }
        return ATOMIC_LONG.compareAndSet(ALL, address, expected, value);
    }

    /**
     * Adds {@code delta} to the 64-bit value at {@code address}, atomically.
     *
     * @param address where the value lies, a multiple of 8
     * @param delta   the amount to add
     * @return the value before the change
     */
    public static long getAndAddLong(long address, long delta) {
        if (UNSAFE) {
            return UnsafeAccess.getAndAddLong(address, delta);
        }
        return (long) ATOMIC_LONG.getAndAdd(ALL, address, delta);
    }

    /**
     * Sets the 64-bit value at {@code address} to {@code value}, atomically.
     *
     * @param address where the value lies, a multiple of 8
     * @param value   the value to store
     * @return the value before the change
     */
    public static long getAndSetLong(long address, long value) {
        if (UNSAFE) {
            return UnsafeAccess.getAndSetLong(address, value);
        }
        return (long) ATOMIC_LONG.getAndSet(ALL, address, value);
    }

    /**
     * Copies {@code bytes} bytes from {@code from} to {@code to}; the ranges may overlap (memmove).
     *
     * @param from  the address of the first byte to copy
     * @param to    the address it goes to
     * @param bytes how many bytes to copy, &gt;= 0
     */
    public static void copy(long from, long to, long bytes) {
        if (UNSAFE) {
            UnsafeAccess.copy(from, to, bytes);
            return;
        }
        MemorySegment.copy(ALL, from, ALL, to, bytes);
    }

    /**
     * Sets {@code bytes} bytes starting at {@code address} to {@code value} (memset).
     *
     * @param address the address of the first byte to set
     * @param bytes   how many bytes to set, &gt;= 0
     * @param value   the byte to store
     */
    public static void fill(long address, long bytes, byte value) {
        if (UNSAFE) {
            UnsafeAccess.fill(address, bytes, value);
            return;
        }
        ALL.asSlice(address, bytes).fill(value);
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
        if (UNSAFE) {
            UnsafeAccess.copyToArray(address, dst, dstOffset, length);
            return;
        }
        MemorySegment.copy(ALL, JAVA_BYTE, address, dst, dstOffset, length);
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
        if (UNSAFE) {
            UnsafeAccess.copyFromArray(src, srcOffset, address, length);
            return;
        }
        MemorySegment.copy(src, srcOffset, ALL, JAVA_BYTE, address, length);
    }
}
