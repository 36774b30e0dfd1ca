package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongUnaryOperator;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Addresses no allocator ever hands out, among them values that collections use as "empty"
 * markers ({@code Long.MIN_VALUE}, {@code -1}): {@code free}, {@code usableSize} and
 * {@code reallocate} of them are argument errors, and the heap stays exactly as it was, down to
 * {@code close()}. The heap holds a small live chunk and, for {@code ElasticHeap}, a dedicated
 * mapping, so that every lookup table holds something.
 */
class SentinelAddressTest {

    /** A bad address, made from the live chunk's address (for the interior one) or constant. */
    private record Bad(String name, LongUnaryOperator fromLiveChunk) {
        @Override
        public String toString() {
            return name;
        }
    }

    private record Heap(String name, Supplier<Allocator> build) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final List<Heap> HEAPS = List.of(
            new Heap("PageAllocator", () -> PageAllocator.builder().pages(4).build()),
            new Heap("ElasticHeap", () -> ElasticHeap.builder().build()),
            new Heap("ElasticHeap without caches", () -> ElasticHeap.builder().threadCache(false).build()),
            new Heap("ElasticHeap with maxPages", () -> ElasticHeap.builder().maxPages(1024).build()));

    private static final List<Bad> BAD = List.of(
            new Bad("Long.MIN_VALUE", a -> Long.MIN_VALUE),
            new Bad("-1", a -> -1),
            new Bad("1", a -> 1),
            new Bad("Long.MAX_VALUE", a -> Long.MAX_VALUE),
            new Bad("Long.MIN_VALUE + 16", a -> Long.MIN_VALUE + 16),
            new Bad("an interior address", a -> a + 16),
            new Bad("a foreign page-aligned address", a -> 0x7f00_dead_0000L));

    static Stream<Arguments> heapsAndAddresses() {
        List<Arguments> all = new ArrayList<>();
        for (Heap heap : HEAPS) {
            for (Bad bad : BAD) {
                all.add(Arguments.of(heap, bad));
            }
        }
        return all.stream();
    }

    private static void rejectedUnchanged(Allocator heap, String call, Executable executable) {
        HeapStats before = heap.stats();
        assertThrows(IllegalArgumentException.class, executable, call + " must be an argument error");
        heap.verify();
        assertEquals(before, heap.stats(), call + " changed the heap");
    }

    /** Builds the heap, holds a chunk (and a dedicated mapping), runs the call, frees all and closes. */
    private static void check(Heap kind, Bad bad, String operation, LongConsumerThrowing call) {
        Allocator heap = kind.build().get();
        long small = heap.allocate(64);
        long large = heap instanceof ElasticHeap ? heap.allocate(256 << 10) : 0;
        long address = bad.fromLiveChunk().applyAsLong(small);
        String name = operation + "(" + bad + " = 0x" + Long.toHexString(address) + ") on " + kind;
        try {
            rejectedUnchanged(heap, name, () -> call.accept(heap, address));
            heap.free(small);
            heap.free(large);
            heap.verify();
            HeapStats after = heap.stats();
            assertEquals(0, after.liveChunks(), "after " + name + " and freeing all, live chunks");
            assertEquals(0, after.bytesInUse(), "after " + name + " and freeing all, bytes in use");
        } catch (Throwable first) {
            // Report the first broken promise, not what close() then makes of the damage.
            try {
                heap.close();
            } catch (RuntimeException alsoBroken) {
                first.addSuppressed(alsoBroken);
            }
            throw first;
        }
        assertDoesNotThrow(heap::close, "close() after " + name);
    }

    @FunctionalInterface
    private interface LongConsumerThrowing {
        void accept(Allocator heap, long address) throws Throwable;
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("heapsAndAddresses")
    void freeOfASentinelOrForeignAddressIsRejectedAndLeavesTheHeapClosable(Heap heap, Bad bad) {
        check(heap, bad, "free", Allocator::free);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("heapsAndAddresses")
    void usableSizeOfASentinelOrForeignAddressIsRejected(Heap heap, Bad bad) {
        check(heap, bad, "usableSize", Allocator::usableSize);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("heapsAndAddresses")
    void reallocateOfASentinelOrForeignAddressIsRejectedAndAllocatesNothing(Heap heap, Bad bad) {
        check(heap, bad, "reallocate", (h, a) -> h.reallocate(a, 32));
    }
}
