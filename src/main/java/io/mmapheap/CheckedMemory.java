package io.mmapheap;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * The checked accessors of a {@link MemoryBlock}: every access checks that the block is live (not
 * freed, its allocator not closed) and, unless bounds checks are off, that the range lies inside
 * it, then goes to {@link RawMemory}. A dead block throws {@link IllegalStateException} and touches no
 * memory; a range outside it throws {@link IndexOutOfBoundsException}; a volatile or atomic access
 * off its value's natural alignment throws {@link IllegalArgumentException}.
 *
 * <p>Liveness: a block and the slices cut from it share one state, held by the block (its
 * {@code root}), and the allocator's {@link BlockScope}, open until the allocator closes. The state
 * is LIVE, or LIVE with VIEWS once the block made a view (JDK 22+), until the one free that
 * succeeds makes it FREED; every change is a compare-and-set, so of two racing frees exactly one
 * succeeds:
 * <pre>
 *   LIVE --free (CAS)--------------------------------------------&gt; FREED
 *   LIVE --first view (CAS, block's lock)--&gt; LIVE|VIEWS --free (CAS, block's lock, views closed)--&gt; FREED|VIEWS
 * </pre>
 * A free that finds VIEWS takes the block's lock, so no view is being made meanwhile, and closes the
 * views before the state changes: if a view is in use (an I/O operation holds it), the free
 * throws and the block stays LIVE.
 */
abstract class CheckedMemory {

    /** System property that switches bounds checks off when {@code false}. */
    static final String CHECK_BOUNDS_PROPERTY = "mmapheap.checkBounds";
    static final boolean CHECK_BOUNDS = !"false".equalsIgnoreCase(System.getProperty(CHECK_BOUNDS_PROPERTY));
    private static final boolean NATIVE_BIG_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN;

    static final int LIVE = 0;
    static final int FREED = 1;
    static final int VIEWS = 2;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(CheckedMemory.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final long address;
    final long size;
    /** The block whose state this view shares: itself, or the block a slice was cut from. */
    final CheckedMemory root;
    final BlockScope scope;
    /** LIVE, FREED and the VIEWS flag; only the root's is read. */
    private volatile int state;

    CheckedMemory(CheckedMemory root, BlockScope scope, long address, long size) {
        this.root = root == null ? this : root;
        this.scope = scope;
        this.address = address;
        this.size = size;
    }

    /**
     * Gives the size of this memory.
     *
     * @return the size in bytes, as requested
     */
    public long size() {
        return size;
    }

    /**
     * Tells whether this memory can still be accessed.
     *
     * @return whether the memory can still be accessed: not freed, its allocator not closed
     */
    public boolean isLive() {
        return (root.state & FREED) == 0 && scope.isOpen();
    }

    /**
     * Gives the raw address, for code that needs one (a native call, {@link RawMemory}); accesses
     * through it are not checked.
     *
     * @return the raw address of the first byte
     * @throws IllegalStateException if this memory is dead: freed, or its allocator closed
     */
    public long address() {
        check(0, 0);
        return address;
    }

    /** LIVE to FREED, for a block that made no view. @return whether this call made the change */
    final boolean markFreed() {
        return STATE.compareAndSet(this, LIVE, FREED);
    }

    /** LIVE to LIVE|VIEWS, at the first view. @return false if the block was freed */
    final boolean markViews() {
        return STATE.compareAndSet(this, LIVE, LIVE | VIEWS);
    }

    /** LIVE|VIEWS to FREED|VIEWS, once the views are closed. @return whether this call made the change */
    final boolean markFreedWithViews() {
        return STATE.compareAndSet(this, LIVE | VIEWS, FREED | VIEWS);
    }

    /** @return whether the block is live and has made views */
    final boolean liveWithViews() {
        return state == (LIVE | VIEWS);
    }

    // ---------------------------------------------------------------- plain, native byte order

    /**
     * Reads the byte at {@code offset}.
     *
     * @param offset bytes from the start of this memory
     * @return the byte read
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     */
    public byte getByte(long offset) {
        return RawMemory.getByte(at(offset, Byte.BYTES));
    }

    /**
     * Stores {@code value} at {@code offset}.
     *
     * @param offset bytes from the start of this memory
     * @param value  the value to store
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     */
    public void putByte(long offset, byte value) {
        RawMemory.putByte(at(offset, Byte.BYTES), value);
    }

    /**
     * Reads the 16-bit value at {@code offset} in the native byte order.
     *
     * @param offset bytes from the start of this memory
     * @return the 16-bit value read
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     */
    public short getShort(long offset) {
        return RawMemory.getShort(at(offset, Short.BYTES));
    }

    /**
     * Stores {@code value} at {@code offset} in the native byte order.
     *
     * @param offset bytes from the start of this memory
     * @param value  the value to store
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     */
    public void putShort(long offset, short value) {
        RawMemory.putShort(at(offset, Short.BYTES), value);
    }

    /**
     * Reads the 32-bit value at {@code offset} in the native byte order.
     *
     * @param offset bytes from the start of this memory
     * @return the 32-bit value read
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     */
    public int getInt(long offset) {
        return RawMemory.getInt(at(offset, Integer.BYTES));
    }

    /**
     * Stores {@code value} at {@code offset} in the native byte order.
     *
     * @param offset bytes from the start of this memory
     * @param value  the value to store
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     */
    public void putInt(long offset, int value) {
        RawMemory.putInt(at(offset, Integer.BYTES), value);
    }

    /**
     * Reads the 64-bit value at {@code offset} in the native byte order.
     *
     * @param offset bytes from the start of this memory
     * @return the 64-bit value read
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     */
    public long getLong(long offset) {
        return RawMemory.getLong(at(offset, Long.BYTES));
    }

    /**
     * Stores {@code value} at {@code offset} in the native byte order.
     *
     * @param offset bytes from the start of this memory
     * @param value  the value to store
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     */
    public void putLong(long offset, long value) {
        RawMemory.putLong(at(offset, Long.BYTES), value);
    }

    /**
     * Reads the float at {@code offset} in the native byte order.
     *
     * @param offset bytes from the start of this memory
     * @return the float read
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     */
    public float getFloat(long offset) {
        return RawMemory.getFloat(at(offset, Float.BYTES));
    }

    /**
     * Stores {@code value} at {@code offset} in the native byte order.
     *
     * @param offset bytes from the start of this memory
     * @param value  the value to store
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     */
    public void putFloat(long offset, float value) {
        RawMemory.putFloat(at(offset, Float.BYTES), value);
    }

    /**
     * Reads the double at {@code offset} in the native byte order.
     *
     * @param offset bytes from the start of this memory
     * @return the double read
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     */
    public double getDouble(long offset) {
        return RawMemory.getDouble(at(offset, Double.BYTES));
    }

    /**
     * Stores {@code value} at {@code offset} in the native byte order.
     *
     * @param offset bytes from the start of this memory
     * @param value  the value to store
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     */
    public void putDouble(long offset, double value) {
        RawMemory.putDouble(at(offset, Double.BYTES), value);
    }

    // ---------------------------------------------------------------- plain, a given byte order

    /**
     * Reads the 16-bit value at {@code offset} in byte order {@code order}.
     *
     * @param offset bytes from the start of this memory
     * @param order  the byte order of the value in memory
     * @return the 16-bit value read
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     */
    public short getShort(long offset, ByteOrder order) {
        short v = getShort(offset);
        return swaps(order) ? Short.reverseBytes(v) : v;
    }

    /**
     * Stores {@code value} at {@code offset} in byte order {@code order}.
     *
     * @param offset bytes from the start of this memory
     * @param value  the value to store
     * @param order  the byte order of the value in memory
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     */
    public void putShort(long offset, short value, ByteOrder order) {
        putShort(offset, swaps(order) ? Short.reverseBytes(value) : value);
    }

    /**
     * Reads the 32-bit value at {@code offset} in byte order {@code order}.
     *
     * @param offset bytes from the start of this memory
     * @param order  the byte order of the value in memory
     * @return the 32-bit value read
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     */
    public int getInt(long offset, ByteOrder order) {
        int v = getInt(offset);
        return swaps(order) ? Integer.reverseBytes(v) : v;
    }

    /**
     * Stores {@code value} at {@code offset} in byte order {@code order}.
     *
     * @param offset bytes from the start of this memory
     * @param value  the value to store
     * @param order  the byte order of the value in memory
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     */
    public void putInt(long offset, int value, ByteOrder order) {
        putInt(offset, swaps(order) ? Integer.reverseBytes(value) : value);
    }

    /**
     * Reads the 64-bit value at {@code offset} in byte order {@code order}.
     *
     * @param offset bytes from the start of this memory
     * @param order  the byte order of the value in memory
     * @return the 64-bit value read
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     */
    public long getLong(long offset, ByteOrder order) {
        long v = getLong(offset);
        return swaps(order) ? Long.reverseBytes(v) : v;
    }

    /**
     * Stores {@code value} at {@code offset} in byte order {@code order}.
     *
     * @param offset bytes from the start of this memory
     * @param value  the value to store
     * @param order  the byte order of the value in memory
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     */
    public void putLong(long offset, long value, ByteOrder order) {
        putLong(offset, swaps(order) ? Long.reverseBytes(value) : value);
    }

    /**
     * Reads the float at {@code offset} in byte order {@code order}.
     *
     * @param offset bytes from the start of this memory
     * @param order  the byte order of the value in memory
     * @return the float read
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     */
    public float getFloat(long offset, ByteOrder order) {
        return Float.intBitsToFloat(getInt(offset, order));
    }

    /**
     * Stores {@code value} at {@code offset} in byte order {@code order}.
     *
     * @param offset bytes from the start of this memory
     * @param value  the value to store
     * @param order  the byte order of the value in memory
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     */
    public void putFloat(long offset, float value, ByteOrder order) {
        putInt(offset, Float.floatToRawIntBits(value), order);
    }

    /**
     * Reads the double at {@code offset} in byte order {@code order}.
     *
     * @param offset bytes from the start of this memory
     * @param order  the byte order of the value in memory
     * @return the double read
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     */
    public double getDouble(long offset, ByteOrder order) {
        return Double.longBitsToDouble(getLong(offset, order));
    }

    /**
     * Stores {@code value} at {@code offset} in byte order {@code order}.
     *
     * @param offset bytes from the start of this memory
     * @param value  the value to store
     * @param order  the byte order of the value in memory
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     */
    public void putDouble(long offset, double value, ByteOrder order) {
        putLong(offset, Double.doubleToRawLongBits(value), order);
    }

    // ---------------------------------------------------------------- ordered and atomic, aligned

    /**
     * Reads the 32-bit value at {@code offset} with volatile semantics.
     *
     * @param offset bytes from the start of this memory; the address must be a multiple of 4
     * @return the 32-bit value read
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     * @throws IllegalArgumentException  if the value's address is not a multiple of its size
     */
    public int getIntVolatile(long offset) {
        return RawMemory.getIntVolatile(aligned(offset, Integer.BYTES));
    }

    /**
     * Stores {@code value} at {@code offset} with volatile semantics.
     *
     * @param offset bytes from the start of this memory; the address must be a multiple of 4
     * @param value  the value to store
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     * @throws IllegalArgumentException  if the value's address is not a multiple of its size
     */
    public void putIntVolatile(long offset, int value) {
        RawMemory.putIntVolatile(aligned(offset, Integer.BYTES), value);
    }

    /**
     * Stores {@code value} at {@code offset} with release semantics (an ordered store).
     *
     * @param offset bytes from the start of this memory; the address must be a multiple of 4
     * @param value  the value to store
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     * @throws IllegalArgumentException  if the value's address is not a multiple of its size
     */
    public void putIntRelease(long offset, int value) {
        RawMemory.putIntRelease(aligned(offset, Integer.BYTES), value);
    }

    /**
     * Sets the 32-bit value at {@code offset} to {@code value} if it is {@code expected}, atomically.
     *
     * @param offset   bytes from the start of this memory; the address must be a multiple of 4
     * @param expected the value the memory must hold for the store to happen
     * @param value    the value to store if the current one is {@code expected}
     * @return whether the value was {@code expected} and is now {@code value}
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     * @throws IllegalArgumentException  if the value's address is not a multiple of its size
     */
    public boolean compareAndSetInt(long offset, int expected, int value) {
        return RawMemory.compareAndSetInt(aligned(offset, Integer.BYTES), expected, value);
    }

    /**
     * Adds {@code delta} to the 32-bit value at {@code offset}, atomically.
     *
     * @param offset bytes from the start of this memory; the address must be a multiple of 4
     * @param delta  the amount to add
     * @return the value before the change
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     * @throws IllegalArgumentException  if the value's address is not a multiple of its size
     */
    public int getAndAddInt(long offset, int delta) {
        return RawMemory.getAndAddInt(aligned(offset, Integer.BYTES), delta);
    }

    /**
     * Sets the 32-bit value at {@code offset} to {@code value}, atomically.
     *
     * @param offset bytes from the start of this memory; the address must be a multiple of 4
     * @param value  the value to store
     * @return the value before the change
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     * @throws IllegalArgumentException  if the value's address is not a multiple of its size
     */
    public int getAndSetInt(long offset, int value) {
        return RawMemory.getAndSetInt(aligned(offset, Integer.BYTES), value);
    }

    /**
     * Reads the 64-bit value at {@code offset} with volatile semantics.
     *
     * @param offset bytes from the start of this memory; the address must be a multiple of 8
     * @return the 64-bit value read
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     * @throws IllegalArgumentException  if the value's address is not a multiple of its size
     */
    public long getLongVolatile(long offset) {
        return RawMemory.getLongVolatile(aligned(offset, Long.BYTES));
    }

    /**
     * Stores {@code value} at {@code offset} with volatile semantics.
     *
     * @param offset bytes from the start of this memory; the address must be a multiple of 8
     * @param value  the value to store
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     * @throws IllegalArgumentException  if the value's address is not a multiple of its size
     */
    public void putLongVolatile(long offset, long value) {
        RawMemory.putLongVolatile(aligned(offset, Long.BYTES), value);
    }

    /**
     * Stores {@code value} at {@code offset} with release semantics (an ordered store).
     *
     * @param offset bytes from the start of this memory; the address must be a multiple of 8
     * @param value  the value to store
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     * @throws IllegalArgumentException  if the value's address is not a multiple of its size
     */
    public void putLongRelease(long offset, long value) {
        RawMemory.putLongRelease(aligned(offset, Long.BYTES), value);
    }

    /**
     * Sets the 64-bit value at {@code offset} to {@code value} if it is {@code expected}, atomically.
     *
     * @param offset   bytes from the start of this memory; the address must be a multiple of 8
     * @param expected the value the memory must hold for the store to happen
     * @param value    the value to store if the current one is {@code expected}
     * @return whether the value was {@code expected} and is now {@code value}
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     * @throws IllegalArgumentException  if the value's address is not a multiple of its size
     */
    public boolean compareAndSetLong(long offset, long expected, long value) {
        return RawMemory.compareAndSetLong(aligned(offset, Long.BYTES), expected, value);
    }

    /**
     * Adds {@code delta} to the 64-bit value at {@code offset}, atomically.
     *
     * @param offset bytes from the start of this memory; the address must be a multiple of 8
     * @param delta  the amount to add
     * @return the value before the change
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     * @throws IllegalArgumentException  if the value's address is not a multiple of its size
     */
    public long getAndAddLong(long offset, long delta) {
        return RawMemory.getAndAddLong(aligned(offset, Long.BYTES), delta);
    }

    /**
     * Sets the 64-bit value at {@code offset} to {@code value}, atomically.
     *
     * @param offset bytes from the start of this memory; the address must be a multiple of 8
     * @param value  the value to store
     * @return the value before the change
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the value does not lie inside this memory
     * @throws IllegalArgumentException  if the value's address is not a multiple of its size
     */
    public long getAndSetLong(long offset, long value) {
        return RawMemory.getAndSetLong(aligned(offset, Long.BYTES), value);
    }

    // ---------------------------------------------------------------- bulk

    /**
     * Copies {@code length} bytes at {@code offset} into {@code dst[dstOffset ...]}.
     *
     * @param offset    bytes from the start of this memory
     * @param dst       the array to copy into
     * @param dstOffset where the bytes go in {@code dst}
     * @param length    how many bytes to copy
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if either range is outside its array or this memory
     */
    public void get(long offset, byte[] dst, int dstOffset, int length) {
        Objects.checkFromIndexSize(dstOffset, length, dst.length);
        RawMemory.copyToArray(at(offset, length), dst, dstOffset, length);
    }

    /**
     * Copies {@code src[srcOffset ...]} ({@code length} bytes) to {@code offset}.
     *
     * @param offset    bytes from the start of this memory
     * @param src       the array to copy from
     * @param srcOffset where the bytes start in {@code src}
     * @param length    how many bytes to copy
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if either range is outside its array or this memory
     */
    public void put(long offset, byte[] src, int srcOffset, int length) {
        Objects.checkFromIndexSize(srcOffset, length, src.length);
        RawMemory.copyFromArray(src, srcOffset, at(offset, length), length);
    }

    /**
     * Sets {@code length} bytes from {@code offset} to {@code value} (memset).
     *
     * @param offset bytes from the start of this memory
     * @param length how many bytes to set
     * @param value  the byte to store
     * @throws IllegalStateException     if this memory is dead: freed, or its allocator closed
     * @throws IndexOutOfBoundsException if the range is outside this memory
     */
    public void fill(long offset, long length, byte value) {
        RawMemory.fill(at(offset, length), length, value);
    }

    // ---------------------------------------------------------------- checks

    /**
     * The one check of every access: live, and [offset, offset + length) inside.
     *
     * @return the address of the byte at {@code offset}
     */
    final long at(long offset, long length) {
        if ((root.state & FREED) != 0 || !scope.isOpen()) {
            throw dead();
        }
        if (CHECK_BOUNDS && (offset < 0 || length < 0 || length > size - offset)) {
            throw new IndexOutOfBoundsException("offset=" + offset + " length=" + length + " size=" + size);
        }
        return address + offset;
    }

    /** {@link #at}, and the address a multiple of {@code width}, as volatile and atomic accesses need. */
    private long aligned(long offset, int width) {
        long a = at(offset, width);
        if ((a & (width - 1)) != 0) {
            throw new IllegalArgumentException("a " + width + "-byte atomic access needs an address that is a multiple of "
                    + width + ": offset " + offset + " is at 0x" + Long.toHexString(a));
        }
        return a;
    }

    /** Checks liveness only. */
    final void check(long offset, long length) {
        at(offset, length);
    }

    final IllegalStateException dead() {
        return new IllegalStateException("memory block 0x" + Long.toHexString(root.address) + " (" + root.size
                + " bytes) was freed or its allocator was closed");
    }

    private static boolean swaps(ByteOrder order) {
        return (Objects.requireNonNull(order, "order") == ByteOrder.BIG_ENDIAN) != NATIVE_BIG_ENDIAN;
    }
}
