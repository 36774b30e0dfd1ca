package io.mmapheap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * A checked handle on one chunk, for code that should not hold raw addresses: typed accesses in
 * native or a given byte order, volatile, ordered and atomic accesses on ints and longs, bulk
 * copies, slices and a {@link ByteBuffer} view. Every access checks that the block is live and,
 * unless bounds checks are off, that the range lies inside it (see the accessors' contracts).
 *
 * <p>A block owns its chunk from {@code allocateBlock} to its {@link #free()} (or {@link #close()}),
 * and of two racing frees exactly one succeeds; a second free of a dead block throws and touches
 * nothing, so it can never free memory that has since gone to a new owner. The chunk must not be
 * freed or reallocated through the allocator's raw calls: the block does not see that. Closing the
 * allocator kills every block.
 *
 * <p>Blocks take the same thread-cached path as raw calls and cost one object and one
 * compare-and-set more. Bounds checks are on unless the system property
 * {@value #CHECK_BOUNDS_PROPERTY} is {@code false} (read once). A block may be accessed from several
 * threads; freeing it, or closing its allocator, while another thread is still accessing it is a race
 * that the checks cannot close (that access may already be past its check).
 *
 * <p>Views ({@link #asSegment}, {@link #asByteBuffer}) are memory segments of a shared arena that the
 * block makes at its first view and closes when it is freed, and that its allocator's close closes
 * too: an access through a view of a dead block throws {@link IllegalStateException}, even when it
 * races the free or the close. Closing a shared arena waits for every thread to reach a safepoint
 * (tens of microseconds), which only blocks that made a view pay, once, at their free. A view in
 * use by an I/O operation (a channel reading into it) cannot be closed: a free then throws
 * {@code IllegalStateException} and the block stays live.
 * (On JDK 17 to 21 this class has no {@code asSegment}, and {@code asByteBuffer} is a raw view.)
 */
public final class MemoryBlock extends CheckedMemory implements AutoCloseable {

    /** System property that switches bounds checks off when {@code false}. */
    public static final String CHECK_BOUNDS_PROPERTY = CheckedMemory.CHECK_BOUNDS_PROPERTY;

    /** What a block's allocator does for it. */
    interface Owner {
        /** Frees the chunk of a block that was live until this call. */
        void freeBlockChunk(long address);
    }

    /** The allocator; null for a slice, which is freed with its block. */
    private final Owner owner;
    /** The arena of this block's views and the segment of the whole block, made at the first view; guarded by this. */
    private Arena views;
    private MemorySegment segment;

    MemoryBlock(Owner owner, BlockScope scope, long address, long size) {
        super(null, scope, address, size);
        this.owner = owner;
    }

    private MemoryBlock(MemoryBlock root, long address, long size) {
        super(root, root.scope, address, size);
        this.owner = null;
    }

    /**
     * Tells whether accesses check their bounds in this process ({@value #CHECK_BOUNDS_PROPERTY},
     * read once); liveness is checked either way.
     *
     * @return whether bounds checks are on for this process
     */
    public static boolean boundsChecked() {
        return CHECK_BOUNDS;
    }

    /**
     * A view of {@code length} bytes from {@code offset}: the same memory and the same life as this
     * block (it dies when the block is freed), checked against its own bounds. It cannot be freed.
     *
     * @param offset where the slice starts in this block, &gt;= 0
     * @param length the slice's size in bytes, &gt;= 0
     * @return the slice
     * @throws IllegalStateException     if dead
     * @throws IndexOutOfBoundsException if the range is outside this block
     */
    public MemoryBlock slice(long offset, long length) {
        if (offset < 0 || length < 0 || length > size - offset) {
            throw new IndexOutOfBoundsException("slice offset=" + offset + " length=" + length + " size=" + size);
        }
        check(0, 0);
        return new MemoryBlock((MemoryBlock) root, address + offset, length);
    }

    /**
     * A memory segment of exactly this block (or slice), whose accesses throw
     * {@link IllegalStateException} once the block is freed or its allocator closed.
     *
     * @return the segment, {@link #size()} bytes long
     * @throws IllegalStateException if dead
     */
    public MemorySegment asSegment() {
        MemoryBlock block = (MemoryBlock) root;
        MemorySegment whole = block.wholeSegment();
        return block == this ? whole : whole.asSlice(address - block.address, size);
    }

    /**
     * A direct {@link ByteBuffer} over exactly this block (or slice), in {@code order}, made from
     * {@link #asSegment}: it throws {@link IllegalStateException} once the block is dead.
     *
     * @param order the buffer's byte order
     * @return the buffer, position 0 and capacity {@link #size()}
     * @throws IllegalStateException    if dead
     * @throws IllegalArgumentException if the block is larger than a buffer can be (2^31-1 bytes)
     */
    public ByteBuffer asByteBuffer(ByteOrder order) {
        Objects.requireNonNull(order, "order");
        check(0, 0);
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a ByteBuffer holds at most " + Integer.MAX_VALUE + " bytes; the block has " + size);
        }
        return asSegment().asByteBuffer().order(order);
    }

    /**
     * The segment of the whole block, its arena made and filed with the scope at the first call,
     * which also sets the VIEWS flag: from then on a free takes this lock too and closes the arena
     * before the state changes ({@link CheckedMemory}). A fast free that wins the race makes the
     * flag's compare-and-set fail, and the new arena, which no one has used, is closed here.
     */
    private synchronized MemorySegment wholeSegment() {
        check(0, 0);
        if (segment == null) {
            Arena arena = Arena.ofShared();
            if (!scope.register(arena)) {
                arena.close();
                throw dead();
            }
            if (!markViews()) {
                scope.close(arena);
                throw dead();
            }
            views = arena;
            segment = MemorySegment.ofAddress(address).reinterpret(size, arena, null);
        }
        return segment;
    }

    /**
     * The free of a block that made views: closes them, then LIVE|VIEWS to FREED|VIEWS.
     *
     * @return false, changing nothing, if the block is not live with views
     * @throws IllegalStateException if a view is in use by an I/O operation: the block stays live
     */
    private synchronized boolean freeWithViews() {
        if (!liveWithViews()) {
            return false;
        }
        try {
            scope.close(views);
        } catch (IllegalStateException e) {
            throw new IllegalStateException("memory block 0x" + Long.toHexString(address) + " cannot be freed while a view of it"
                    + " is in use by an I/O operation; it stays live: free it once that ends", e);
        }
        return markFreedWithViews();
    }

    /**
     * Frees the block.
     *
     * @throws IllegalStateException         if it was freed before or its allocator is closed
     * @throws UnsupportedOperationException if this is a slice (free the block it was cut from)
     */
    public void free() {
        if (owner == null) {
            throw new UnsupportedOperationException("a slice is freed with the block it was cut from");
        }
        if (!scope.isOpen() || !markFreed() && !freeWithViews()) {
            throw dead();
        }
        owner.freeBlockChunk(address);
    }

    /** Frees the block if it is still live (does nothing otherwise, and nothing for a slice). */
    @Override
    public void close() {
        if (owner != null && scope.isOpen() && (markFreed() || freeWithViews())) {
            owner.freeBlockChunk(address);
        }
    }
}
