package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.mmapheap.internal.Libc;

/** What every {@link Allocator} promises; subclasses supply the allocator. */
abstract class AllocatorContractTest {

    protected Allocator heap;

    /** @return a fresh allocator with room for at least 64 KiB in chunks of up to 4 KiB */
    protected abstract Allocator create();

    /** @return the allocator's granule */
    protected abstract long granule();

    /** @return whether the allocator keeps thread caches: sizes round up to a class, frees coalesce later */
    protected boolean threadCached() {
        return false;
    }

    /** @return the usable bytes the allocator gives a request of {@code size} bytes (up to 4 KiB) */
    private long expectedUsable(long size) {
        if (!threadCached()) {
            return Sizes.roundUp(size, granule());
        }
        int shift = Long.numberOfTrailingZeros(granule());
        SizeClasses classes = new SizeClasses((int) (Heap.MAX_CACHED_BYTES >>> shift));
        return (long) classes.granules(classes.classOf(Sizes.granulesFor(size, shift))) << shift;
    }

    /** Returns chunks that thread caches hold back after frees to the free runs. */
    private void settle(Allocator allocator) {
        if (threadCached()) {
            allocator.trim();
        }
    }

    @BeforeEach
    void build() {
        heap = create();
    }

    @AfterEach
    void close() {
        heap.close();
    }

    @Test
    void allocatedChunksAreAlignedLargeEnoughAndDisjoint() {
        List<long[]> chunks = new ArrayList<>();
        for (long size = 1; size <= 4096; size = size * 3 + 1) {
            long a = heap.allocate(size);
            assertEquals(0, a % granule(), "aligned to the granule");
            long usable = heap.usableSize(a);
            assertEquals(expectedUsable(size), usable, "usable bytes for " + size);
            assertTrue(usable >= size);
            for (long[] c : chunks) {
                assertTrue(a + usable <= c[0] || c[0] + c[1] <= a, "overlap");
            }
            RawMemory.fill(a, usable, (byte) chunks.size());
            chunks.add(new long[] {a, usable});
            heap.verify();
        }
        for (int i = 0; i < chunks.size(); i++) {
            long[] c = chunks.get(i);
            for (long b = 0; b < c[1]; b++) {
                assertEquals((byte) i, RawMemory.getByte(c[0] + b));
            }
            heap.free(c[0]);
            heap.verify();
        }
        assertEquals(0, heap.stats().liveChunks());
        assertEquals(0, heap.stats().bytesInUse());
    }

    @Test
    void aFreedChunkIsReusedAtTheSameAddress() {
        long a = heap.allocate(100);
        long b = heap.allocate(100);
        heap.free(a);
        assertEquals(a, heap.allocate(100));
        assertNotEquals(a, b);
    }

    @Test
    void freedNeighboursCoalesceIntoOneRun() {
        long a = heap.allocate(1024);
        long b = heap.allocate(1024);
        long c = heap.allocate(1024);
        heap.free(a);
        heap.free(b);
        settle(heap);
        assertEquals(a, heap.allocate(2048), "a and b merged");
        heap.free(c);
        heap.verify();
    }

    @Test
    void freeOfNullDoesNothing() {
        HeapStats before = heap.stats();
        heap.free(0);
        assertEquals(before, heap.stats());
    }

    @Test
    void invalidSizesAreRejectedAndLeaveTheHeapUnchanged() {
        heap.allocate(64);
        HeapStats before = heap.stats();
        for (long size : new long[] {0, -1, -4096, Long.MIN_VALUE, Long.MAX_VALUE}) {
            assertThrows(IllegalArgumentException.class, () -> heap.allocate(size), "size " + size);
        }
        unchanged(before);
    }

    @Test
    void freeOfAForeignAddressSaysForeignAndChangesNothing() {
        long a = heap.allocate(64);
        HeapStats before = heap.stats();
        long foreign = Libc.malloc(64);
        try {
            rejected(() -> heap.free(foreign), "foreign");
            rejected(() -> heap.usableSize(foreign), "foreign");
        } finally {
            Libc.free(foreign);
        }
        unchanged(before);
        heap.free(a);
    }

    @Test
    void freeOfAnInteriorAddressSaysInteriorAndChangesNothing() {
        long a = heap.allocate(4 * granule());
        HeapStats before = heap.stats();
        for (long offset : new long[] {1, 7, granule(), 2 * granule() + 3, 4 * granule() - 1}) {
            rejected(() -> heap.free(a + offset), "interior");
        }
        rejected(() -> heap.usableSize(a + granule()), "interior");
        unchanged(before);
    }

    @Test
    void doubleFreeSaysNotAllocatedAndChangesNothing() {
        long keep = heap.allocate(64);
        long a = heap.allocate(64);
        heap.free(a);
        HeapStats before = heap.stats();
        rejected(() -> heap.free(a), "not allocated");
        rejected(() -> heap.usableSize(a), "not allocated");
        unchanged(before);
        heap.free(keep);
    }

    @Test
    void everyCallAfterCloseThrowsIllegalState() {
        long a = heap.allocate(64);
        heap.close();
        heap.close();
        assertThrows(IllegalStateException.class, () -> heap.allocate(64));
        assertThrows(IllegalStateException.class, () -> heap.free(a));
        assertThrows(IllegalStateException.class, () -> heap.free(0));
        assertThrows(IllegalStateException.class, () -> heap.usableSize(a));
        assertThrows(IllegalStateException.class, () -> heap.verify());
        assertThrows(IllegalStateException.class, () -> heap.stats());
        assertThrows(IllegalStateException.class, () -> heap.pageMap(1));
    }

    @Test
    void statsAddUp() {
        long a = heap.allocate(100);
        long b = heap.allocate(3000);
        HeapStats s = heap.stats();
        assertEquals(2, s.liveChunks());
        assertEquals(heap.usableSize(a) + heap.usableSize(b), s.bytesInUse());
        assertEquals(s.bytesMapped(), s.bytesInUse() + s.bytesFree());
        assertEquals(s.bytesMapped(), s.pagesMapped() * 4096);
        assertTrue(s.largestFreeRun() <= s.bytesFree());
        assertTrue(s.metadataBytes() > 0);
        assertEquals(s.bytesInUse(), s.peakBytesInUse());
        heap.free(a);
        heap.free(b);
        assertEquals(s.peakBytesInUse(), heap.stats().peakBytesInUse(), "peak stays");
        assertEquals(0.0, heap.stats().fragmentation());
    }

    @Test
    void thePageMapShowsChunkStartsBodiesAndFreeGranules() {
        long a = heap.allocate(3 * granule());
        String picture = heap.pageMap(1);
        assertTrue(picture.contains("#==."), picture);
        heap.free(a);
        assertTrue(heap.pageMap(1).contains("...."));
    }

    private void rejected(org.junit.jupiter.api.function.Executable call, String word) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(word), e.getMessage());
    }

    private void unchanged(HeapStats before) {
        heap.verify();
        assertEquals(before, heap.stats());
    }
}
