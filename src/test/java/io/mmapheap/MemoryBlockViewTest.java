package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/**
 * Views of a block on JDK 22 and newer, where the jar's versioned {@link MemoryBlock} makes them
 * memory segments that die with the block. The tests compile for Java 17, so they reach
 * {@code asSegment()} and {@code MemorySegment} by reflection; where the class has no
 * {@code asSegment} (JDK 17 to 21, or classes run from a folder, which is not multi-release) they
 * are skipped, and {@link MemoryBlockTest} covers what holds everywhere.
 */
class MemoryBlockViewTest {

    private static final Method AS_SEGMENT = findAsSegment();
    /** Blocks of this size get a mapping of their own, which their free unmaps. */
    private static final long LARGE = 1 << 20;

    private static Method findAsSegment() {
        try {
            return MemoryBlock.class.getMethod("asSegment");
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    private static void assumeSegmentViews() {
        assumeTrue(AS_SEGMENT != null, "MemoryBlock has no asSegment here: views are raw before JDK 22 (and outside the jar)");
    }

    private static ElasticHeap heap() {
        return ElasticHeap.builder().largeThreshold(64 * 1024).reportLeaks(false).build();
    }

    @Test
    void theSegmentCoversExactlyTheBlockOrSlice() throws Exception {
        assumeSegmentViews();
        try (ElasticHeap heap = heap(); MemoryBlock b = heap.allocateBlock(100)) {
            Object segment = AS_SEGMENT.invoke(b);
            assertEquals(100L, call(segment, "byteSize"));
            assertEquals(b.address(), call(segment, "address"));
            Object slice = AS_SEGMENT.invoke(b.slice(10, 20));
            assertEquals(20L, call(slice, "byteSize"));
            assertEquals(b.address() + 10, call(slice, "address"));
            ByteBuffer buffer = (ByteBuffer) call(slice, "asByteBuffer");
            buffer.order(ByteOrder.nativeOrder()).putInt(0, 0x5a5a5a5a);
            assertEquals(0x5a5a5a5a, b.getInt(10));
        }
    }

    @Test
    void everyViewThrowsOnceTheBlockIsFreed() throws Exception {
        assumeSegmentViews();
        try (ElasticHeap heap = heap()) {
            for (long size : new long[] {64, LARGE}) {
                MemoryBlock b = heap.allocateBlock(size);
                ByteBuffer buffer = b.asByteBuffer(ByteOrder.nativeOrder());
                ByteBuffer sliceBuffer = b.slice(8, 8).asByteBuffer(ByteOrder.nativeOrder());
                Object segment = AS_SEGMENT.invoke(b);
                buffer.putLong(0, 1);
                b.free();
                assertThrows(IllegalStateException.class, () -> buffer.putLong(0, 2));
                assertThrows(IllegalStateException.class, () -> buffer.get(0));
                assertThrows(IllegalStateException.class, () -> sliceBuffer.putLong(0, 2));
                assertThrowsInside(IllegalStateException.class, () -> call(segment, "fill", (byte) 1));
                assertThrowsInside(IllegalStateException.class, () -> AS_SEGMENT.invoke(b));
            }
            heap.verify();
        }
    }

    @Test
    void everyViewThrowsOnceTheAllocatorIsClosed() throws Exception {
        assumeSegmentViews();
        ElasticHeap heap = heap();
        MemoryBlock small = heap.allocateBlock(64);
        MemoryBlock large = heap.allocateBlock(LARGE);
        ByteBuffer smallBuffer = small.asByteBuffer(ByteOrder.nativeOrder());
        ByteBuffer largeBuffer = large.slice(LARGE / 2, 64).asByteBuffer(ByteOrder.nativeOrder());
        Object segment = AS_SEGMENT.invoke(large);
        heap.close();
        assertThrows(IllegalStateException.class, () -> smallBuffer.putLong(0, 1));
        assertThrows(IllegalStateException.class, () -> largeBuffer.getLong(0));
        assertThrowsInside(IllegalStateException.class, () -> call(segment, "fill", (byte) 1));
    }

    /**
     * The case a liveness check cannot close: a thread writing through a view while another frees
     * the block, whose mapping is then unmapped. The shared arena's close waits out the access in
     * progress, so the writer gets IllegalStateException, never a fault.
     */
    @Test
    void aViewRacingTheFreeOfItsBlockThrowsAndNeverFaults() throws Exception {
        assumeSegmentViews();
        try (ElasticHeap heap = heap()) {
            for (int round = 0; round < 20; round++) {
                MemoryBlock b = heap.allocateBlock(LARGE);
                ByteBuffer buffer = b.asByteBuffer(ByteOrder.nativeOrder());
                AtomicReference<Throwable> ended = new AtomicReference<>();
                CountDownLatch writing = new CountDownLatch(1);
                Thread writer = new Thread(() -> {
                    try {
                        for (long i = 0;; i++) {
                            buffer.putLong((int) (i * 8 % (LARGE - 8)), i);
                            if (i == 1000) {
                                writing.countDown();
                            }
                        }
                    } catch (Throwable t) {
                        ended.set(t);
                        writing.countDown();
                    }
                });
                writer.start();
                writing.await();
                if (round % 2 == 0) {
                    b.free();
                } else {
                    b.close();
                }
                writer.join();
                assertInstanceOf(IllegalStateException.class, ended.get());
            }
            assertEquals(0, heap.stats().liveChunks());
        }
    }

    /** A thread blocked in a pipe read into a view: the view is in use until something is written. */
    private static final class BlockedRead implements AutoCloseable {
        private final java.nio.channels.Pipe pipe = java.nio.channels.Pipe.open();
        private final Thread reader;
        final AtomicReference<Object> outcome = new AtomicReference<>();

        BlockedRead(ByteBuffer view) throws Exception {
            CountDownLatch started = new CountDownLatch(1);
            reader = new Thread(() -> {
                try {
                    started.countDown();
                    outcome.set(pipe.source().read(view));
                } catch (Throwable t) {
                    outcome.set(t);
                }
            });
            reader.start();
            started.await();
            // Inside the channel's read (which holds the view's session), then blocked in the kernel.
            while (Arrays.stream(reader.getStackTrace()).noneMatch(f -> f.getClassName().contains("IOUtil"))) {
                Thread.sleep(5);
            }
            Thread.sleep(100);
        }

        /** Lets the read finish with three bytes. */
        @Override
        public void close() throws Exception {
            pipe.sink().write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            reader.join();
            pipe.sink().close();
            pipe.source().close();
        }
    }

    @Test
    void aFreeWhileAViewIsInIoThrowsAndTheBlockStaysLive() throws Exception {
        assumeSegmentViews();
        try (ElasticHeap heap = heap()) {
            MemoryBlock b = heap.allocateBlock(LARGE);
            ByteBuffer view = b.asByteBuffer(ByteOrder.nativeOrder());
            try (BlockedRead read = new BlockedRead(view)) {
                IllegalStateException e = assertThrows(IllegalStateException.class, b::free);
                assertTrue(e.getMessage().contains("in use by an I/O operation"), e.getMessage());
                assertTrue(b.isLive(), "the free changed nothing");
                assertThrows(IllegalStateException.class, b::close);
                assertEquals(1, heap.stats().liveChunks());
            }
            assertEquals(3, view.position(), "the read landed in the block");
            b.free();
            assertThrows(IllegalStateException.class, () -> view.get(0));
            assertEquals(0, heap.stats().liveChunks());
            heap.verify();
        }
    }

    @Test
    void aCloseWhileAViewIsInIoThrowsUnmapsNothingAndCanBeDoneAgain() throws Exception {
        assumeSegmentViews();
        ElasticHeap heap = heap();
        MemoryBlock busy = heap.allocateBlock(LARGE);
        MemoryBlock other = heap.allocateBlock(LARGE);
        ByteBuffer otherView = other.asByteBuffer(ByteOrder.nativeOrder());
        ByteBuffer busyView = busy.asByteBuffer(ByteOrder.nativeOrder());
        try (BlockedRead read = new BlockedRead(busyView)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, heap::close);
            assertTrue(e.getMessage().contains("in use by an I/O operation"), e.getMessage());
            assertTrue(!busy.isLive() && !other.isLive(), "every block is dead");
            assertThrows(IllegalStateException.class, () -> otherView.put(0, (byte) 1), "views not in use are closed");
            long raw = heap.allocate(64);
            RawMemory.putLong(raw, 1);
            heap.free(raw);
            long live = heap.stats().liveChunks();
            assertThrows(IllegalStateException.class, () -> heap.allocateBlock(64), "no new block is born dead");
            assertEquals(live, heap.stats().liveChunks(), "and none leaks");
        }
        assertEquals(3, busyView.position(), "the read still landed in mapped memory");
        heap.close();
        assertThrows(IllegalStateException.class, () -> busyView.get(0));
        assertThrows(IllegalStateException.class, () -> heap.allocate(64));
    }

    private static Object call(Object target, String method, Object... args) throws Exception {
        Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
        Class<?>[] types = new Class<?>[args.length];
        for (int i = 0; i < args.length; i++) {
            types[i] = args[i] instanceof Byte ? byte.class : args[i].getClass();
        }
        return segment.getMethod(method, types).invoke(target, args);
    }

    private interface Call {
        void run() throws Exception;
    }

    /** Like assertThrows, through the reflective call's InvocationTargetException. */
    private static void assertThrowsInside(Class<? extends Throwable> type, Call call) {
        InvocationTargetException e = assertThrows(InvocationTargetException.class, call::run);
        assertInstanceOf(type, e.getCause());
    }
}
