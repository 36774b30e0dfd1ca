package io.mmapheap.bench;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;

import io.mmapheap.ElasticHeap;
import io.mmapheap.PageAllocator;
import io.mmapheap.RawMemory;
import io.mmapheap.internal.Libc;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

/**
 * One off-heap allocator under benchmark. Handles are what {@link #free} takes back: an address
 * for the raw allocators, a slot number for those that hand out objects. Slots are per instance,
 * so a multi-threaded benchmark gives each thread its own instance over a shared allocator.
 */
abstract class Subject {

    /** Subject names, as the benchmarks' {@code subject} parameter spells them. */
    static final String MMAPHEAP = "mmapheap";
    static final String MMAPHEAP_PAGE = "mmapheap-page";
    static final String MMAPHEAP_STRIPED = "mmapheap-striped";
    /** An {@link ElasticHeap} without thread caches: every call takes its lock. */
    static final String MMAPHEAP_UNCACHED = "mmapheap-uncached";
    static final String GLIBC = "glibc";
    static final String DIRECT = "directbuffer";
    static final String NETTY = "netty";
    static final String FFM = "ffm";
    /** mmapheap's checked handles: {@link io.mmapheap.MemoryBlock}s, allocated, written and closed. */
    static final String MMAPHEAP_BLOCK = "mmapheap-block";
    /**
     * On JDK 22 and newer: mmapheap and glibc with memory reached through Unsafe (the path of JDK 17
     * to 21) instead of FFM, chosen in the trial's own fork before anything touched memory.
     */
    static final String MMAPHEAP_UNSAFE = "mmapheap-unsafe";
    static final String GLIBC_UNSAFE = "glibc-unsafe";

    /** @return a handle to at least {@code size} bytes */
    abstract long allocate(int size);

    /** Writes one long at the start of the block. */
    abstract void write(long handle, long value);

    abstract void free(long handle);

    /** Releases what the subject holds at the end of a trial. */
    void close() {
    }

    /** A subject over a shared allocator; {@code shared} is from {@link #shared}. */
    static Subject of(String name, Object shared, int slots) {
        switch (name) {
            case MMAPHEAP:
            case MMAPHEAP_PAGE:
            case MMAPHEAP_STRIPED:
            case MMAPHEAP_UNCACHED:
            case MMAPHEAP_UNSAFE:
                return new Heap((io.mmapheap.Allocator) shared);
            case MMAPHEAP_BLOCK:
                return new Block((io.mmapheap.Allocator) shared, slots);
            case GLIBC:
            case GLIBC_UNSAFE:
                return new Glibc();
            case DIRECT:
                return new Direct(slots);
            case NETTY:
                return new Netty(slots);
            case FFM:
                return new Ffm(slots);
            default:
                throw new IllegalArgumentException("unknown subject " + name);
        }
    }

    /** @return the allocator shared by all threads of a trial, or null for subjects without one */
    static Object shared(String name, long maxLiveBytes) {
        switch (name) {
            case MMAPHEAP:
            case MMAPHEAP_BLOCK:
                return ElasticHeap.builder().build();
            case MMAPHEAP_UNSAFE:
                useUnsafePath();
                return ElasticHeap.builder().build();
            case GLIBC_UNSAFE:
                useUnsafePath();
                return null;
            case MMAPHEAP_STRIPED:
                return io.mmapheap.StripedHeap.of(2, ElasticHeap.builder());
            case MMAPHEAP_UNCACHED:
                return ElasticHeap.builder().threadCache(false).build();
            case MMAPHEAP_PAGE:
                long pages = Math.max(16, 2 * maxLiveBytes / 4096);
                return PageAllocator.builder().pages(pages).granule(16).build();
            default:
                return null;
        }
    }

    /** @return whether this JDK has a path other than Unsafe to compare it with */
    static boolean pathsDiffer() {
        return Runtime.version().feature() >= 22;
    }

    /** Makes this fork reach memory through Unsafe; the first thing a trial of an *-unsafe subject does. */
    private static void useUnsafePath() {
        System.setProperty(RawMemory.ACCESS_PROPERTY, "unsafe");
        if (!RawMemory.path().equals("unsafe")) {
            throw new IllegalStateException("memory access was chosen before the subject could ask for Unsafe");
        }
    }

    static void closeShared(Object shared) {
        if (shared instanceof io.mmapheap.Allocator) {
            ((io.mmapheap.Allocator) shared).close();
        }
    }

    /** mmapheap: raw addresses. */
    static final class Heap extends Subject {
        private final io.mmapheap.Allocator heap;

        Heap(io.mmapheap.Allocator heap) {
            this.heap = heap;
        }

        @Override
        long allocate(int size) {
            return heap.allocate(size);
        }

        @Override
        void write(long handle, long value) {
            RawMemory.putLong(handle, value);
        }

        @Override
        void free(long handle) {
            heap.free(handle);
        }
    }

    /** glibc malloc/free as {@link Libc#malloc} reaches them: Unsafe, or FFM downcalls on JDK 22+. */
    static final class Glibc extends Subject {
        @Override
        long allocate(int size) {
            return Libc.malloc(size);
        }

        @Override
        void write(long handle, long value) {
            RawMemory.putLong(handle, value);
        }

        @Override
        void free(long handle) {
            Libc.free(handle);
        }
    }

    /** Subjects that hand out objects keep them in slots; the handle is the slot. */
    abstract static class Slotted<T> extends Subject {
        final Object[] slots;
        private int next;

        Slotted(int slots) {
            this.slots = new Object[slots];
        }

        final long store(T value) {
            for (int i = 0, s = next; i < slots.length; i++, s++) {
                if (s == slots.length) {
                    s = 0;
                }
                if (slots[s] == null) {
                    slots[s] = value;
                    next = s + 1;
                    return s;
                }
            }
            throw new IllegalStateException("no free slot");
        }

        @SuppressWarnings("unchecked")
        final T take(long handle) {
            T value = (T) slots[(int) handle];
            slots[(int) handle] = null;
            return value;
        }

        /** Takes every value still stored and hands it to {@code release}. */
        final void releaseAll(java.util.function.Consumer<T> release) {
            for (int i = 0; i < slots.length; i++) {
                if (slots[i] != null) {
                    release.accept(take(i));
                }
            }
        }

        @SuppressWarnings("unchecked")
        final T peek(long handle) {
            return (T) slots[(int) handle];
        }
    }

    /** mmapheap's checked handles: a block per allocation, written through it and closed. */
    static final class Block extends Slotted<io.mmapheap.MemoryBlock> {
        private final io.mmapheap.Allocator heap;

        Block(io.mmapheap.Allocator heap, int slots) {
            super(slots);
            this.heap = heap;
        }

        @Override
        long allocate(int size) {
            return store(heap.allocateBlock(size));
        }

        @Override
        void write(long handle, long value) {
            peek(handle).putLong(0, value);
        }

        @Override
        void free(long handle) {
            take(handle).close();
        }

        @Override
        void close() {
            releaseAll(io.mmapheap.MemoryBlock::close);
        }
    }

    /** {@code ByteBuffer.allocateDirect}: freed by dropping the reference (the GC's cleaner frees it later). */
    static final class Direct extends Slotted<ByteBuffer> {
        Direct(int slots) {
            super(slots);
        }

        @Override
        long allocate(int size) {
            return store(ByteBuffer.allocateDirect(size));
        }

        @Override
        void write(long handle, long value) {
            peek(handle).putLong(0, value);
        }

        @Override
        void free(long handle) {
            take(handle);
        }
    }

    /** Netty's pooled direct buffers, released explicitly. */
    static final class Netty extends Slotted<ByteBuf> {
        Netty(int slots) {
            super(slots);
        }

        @Override
        long allocate(int size) {
            return store(PooledByteBufAllocator.DEFAULT.directBuffer(size, size));
        }

        @Override
        void write(long handle, long value) {
            peek(handle).setLong(0, value);
        }

        @Override
        void free(long handle) {
            take(handle).release();
        }

        @Override
        void close() {
            releaseAll(ByteBuf::release);
        }
    }

    /**
     * FFM (JDK 22+): one confined arena per allocation, closed on free. Reached through method
     * handles because the code compiles for Java 17.
     */
    static final class Ffm extends Slotted<AutoCloseable> {
        private static final MethodHandle OF_CONFINED;
        private static final MethodHandle ALLOCATE;
        private static final MethodHandle ADDRESS;

        static {
            MethodHandle ofConfined = null;
            MethodHandle allocate = null;
            MethodHandle address = null;
            try {
                Class<?> arena = Class.forName("java.lang.foreign.Arena");
                Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
                MethodHandles.Lookup lookup = MethodHandles.publicLookup();
                ofConfined = lookup.findStatic(arena, "ofConfined", MethodType.methodType(arena));
                allocate = lookup.findVirtual(arena, "allocate", MethodType.methodType(segment, long.class));
                address = lookup.findVirtual(segment, "address", MethodType.methodType(long.class));
            } catch (ReflectiveOperationException e) {
                // Before JDK 22: the subject is unavailable and the benchmark skips it.
            }
            OF_CONFINED = ofConfined;
            ALLOCATE = allocate;
            ADDRESS = address;
        }

        private final long[] addresses;

        Ffm(int slots) {
            super(slots);
            addresses = new long[slots];
        }

        static boolean available() {
            return OF_CONFINED != null;
        }

        @Override
        long allocate(int size) {
            try {
                AutoCloseable arena = (AutoCloseable) OF_CONFINED.invoke();
                Object segment = ALLOCATE.invoke(arena, (long) size);
                long slot = store(arena);
                addresses[(int) slot] = (long) ADDRESS.invoke(segment);
                return slot;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        @Override
        void write(long handle, long value) {
            RawMemory.putLong(addresses[(int) handle], value);
        }

        @Override
        void free(long handle) {
            try {
                take(handle).close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
