package io.mmapheap;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import io.mmapheap.os.VirtualMemory;

/**
 * A checked view of one chunk, for code that should not hold raw addresses. Every access checks
 * that the block is still live (not freed, its allocator not closed) and, unless bounds checks are
 * switched off, that the range lies inside the block. A dead block throws
 * {@link IllegalStateException} and touches no memory; an out-of-range access throws
 * {@link IndexOutOfBoundsException}.
 *
 * <p>Liveness is recorded by the allocator, not guessed: freeing the block (through it, or through
 * the allocator's raw {@code free}/{@code reallocate} of its address) or closing the allocator marks
 * it dead, so a second {@link #free()} can never free memory that has since gone to a new owner.
 *
 * <p>Bounds checks are on unless the system property {@value #CHECK_BOUNDS_PROPERTY} is
 * {@code false} (read once, for measured hot loops). Multi-byte values use the native byte order.
 * A block may be read and written from several threads; freeing it or closing its allocator while
 * another thread is still accessing it is a race the checks cannot close (the access may already
 * be past its check).
 */
public final class MemoryBlock implements AutoCloseable {

    /** System property that switches bounds checks off when {@code false}. */
    public static final String CHECK_BOUNDS_PROPERTY = "mmapheap.checkBounds";
    private static final boolean CHECK_BOUNDS = !"false".equalsIgnoreCase(System.getProperty(CHECK_BOUNDS_PROPERTY));

    /** What a block's allocator does for it. */
    interface Owner {
        /** Frees the block's chunk. @throws IllegalStateException if the block is dead */
        void freeBlock(MemoryBlock block);

        /** Frees the block's chunk if the block is still live. */
        void freeBlockIfLive(MemoryBlock block);
    }

    private final Owner owner;
    private final long address;
    private final long size;
    private volatile boolean live = true;

    MemoryBlock(Owner owner, long address, long size) {
        this.owner = owner;
        this.address = address;
        this.size = size;
    }

    /** @return whether bounds checks are on for this process */
    public static boolean boundsChecked() {
        return CHECK_BOUNDS;
    }

    /** @return the block's size in bytes, as requested */
    public long size() {
        return size;
    }

    /** @return whether the block can still be accessed */
    public boolean isLive() {
        return live;
    }

    /**
     * @return the raw address of the block's first byte
     * @throws IllegalStateException if the block is dead
     */
    public long address() {
        check(0, 0);
        return address;
    }

    /** @throws IllegalStateException if dead; IndexOutOfBoundsException if outside the block */
    public byte getByte(long offset) {
        check(offset, Byte.BYTES);
        return RawMemory.getByte(address + offset);
    }

    /** @throws IllegalStateException if dead; IndexOutOfBoundsException if outside the block */
    public void putByte(long offset, byte value) {
        check(offset, Byte.BYTES);
        RawMemory.putByte(address + offset, value);
    }

    /** @throws IllegalStateException if dead; IndexOutOfBoundsException if outside the block */
    public short getShort(long offset) {
        check(offset, Short.BYTES);
        return RawMemory.getShort(address + offset);
    }

    /** @throws IllegalStateException if dead; IndexOutOfBoundsException if outside the block */
    public void putShort(long offset, short value) {
        check(offset, Short.BYTES);
        RawMemory.putShort(address + offset, value);
    }

    /** @throws IllegalStateException if dead; IndexOutOfBoundsException if outside the block */
    public int getInt(long offset) {
        check(offset, Integer.BYTES);
        return RawMemory.getInt(address + offset);
    }

    /** @throws IllegalStateException if dead; IndexOutOfBoundsException if outside the block */
    public void putInt(long offset, int value) {
        check(offset, Integer.BYTES);
        RawMemory.putInt(address + offset, value);
    }

    /** @throws IllegalStateException if dead; IndexOutOfBoundsException if outside the block */
    public long getLong(long offset) {
        check(offset, Long.BYTES);
        return RawMemory.getLong(address + offset);
    }

    /** @throws IllegalStateException if dead; IndexOutOfBoundsException if outside the block */
    public void putLong(long offset, long value) {
        check(offset, Long.BYTES);
        RawMemory.putLong(address + offset, value);
    }

    /** @throws IllegalStateException if dead; IndexOutOfBoundsException if outside the block */
    public float getFloat(long offset) {
        check(offset, Float.BYTES);
        return RawMemory.getFloat(address + offset);
    }

    /** @throws IllegalStateException if dead; IndexOutOfBoundsException if outside the block */
    public void putFloat(long offset, float value) {
        check(offset, Float.BYTES);
        RawMemory.putFloat(address + offset, value);
    }

    /** @throws IllegalStateException if dead; IndexOutOfBoundsException if outside the block */
    public double getDouble(long offset) {
        check(offset, Double.BYTES);
        return RawMemory.getDouble(address + offset);
    }

    /** @throws IllegalStateException if dead; IndexOutOfBoundsException if outside the block */
    public void putDouble(long offset, double value) {
        check(offset, Double.BYTES);
        RawMemory.putDouble(address + offset, value);
    }

    /**
     * Copies {@code length} bytes from the block at {@code offset} into {@code dst[dstOffset ...]}.
     *
     * @throws IllegalStateException     if dead
     * @throws IndexOutOfBoundsException if either range is outside its array or block
     */
    public void get(long offset, byte[] dst, int dstOffset, int length) {
        java.util.Objects.checkFromIndexSize(dstOffset, length, dst.length);
        check(offset, length);
        RawMemory.copyToArray(address + offset, dst, dstOffset, length);
    }

    /**
     * Copies {@code src[srcOffset ...]} ({@code length} bytes) into the block at {@code offset}.
     *
     * @throws IllegalStateException     if dead
     * @throws IndexOutOfBoundsException if either range is outside its array or block
     */
    public void put(long offset, byte[] src, int srcOffset, int length) {
        java.util.Objects.checkFromIndexSize(srcOffset, length, src.length);
        check(offset, length);
        RawMemory.copyFromArray(src, srcOffset, address + offset, length);
    }

    /** Sets {@code length} bytes from {@code offset} to {@code value}. */
    public void fill(long offset, long length, byte value) {
        check(offset, length);
        RawMemory.fill(address + offset, length, value);
    }

    /**
     * A direct {@link ByteBuffer} over exactly this block (JNI {@code NewDirectByteBuffer}), in
     * {@code order}. The buffer is not checked: it must not be used after the block is freed.
     *
     * @throws IllegalStateException    if dead
     * @throws IllegalArgumentException if the block is larger than a buffer can be (2^31-1 bytes)
     */
    public ByteBuffer asByteBuffer(ByteOrder order) {
        check(0, 0);
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a ByteBuffer holds at most " + Integer.MAX_VALUE + " bytes; the block has " + size);
        }
        return VirtualMemory.directBuffer(address, (int) size).order(order);
    }

    /**
     * Frees the block.
     *
     * @throws IllegalStateException if it was freed before or its allocator is closed
     */
    public void free() {
        owner.freeBlock(this);
    }

    /** Frees the block if it is still live; does nothing otherwise. */
    @Override
    public void close() {
        if (live) {
            owner.freeBlockIfLive(this);
        }
    }

    long rawAddress() {
        return address;
    }

    void kill() {
        live = false;
    }

    private void check(long offset, long length) {
        if (!live) {
            throw new IllegalStateException("memory block 0x" + Long.toHexString(address) + " (" + size
                    + " bytes) was freed or its allocator was closed");
        }
        if (CHECK_BOUNDS && (offset < 0 || length < 0 || length > size - offset)) {
            throw new IndexOutOfBoundsException("offset=" + offset + " length=" + length + " size=" + size);
        }
    }
}
