package io.mmapheap.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.mmapheap.RawMemory;
import io.mmapheap.os.ProcessMemory;

/** The lab's test_ealloc.c, each check an assertion; VSZ is checked as the lab's hints say. */
class EAllocTest {

    private static final int PAGE = 4096;

    @BeforeEach
    void init() {
        EAlloc.initAlloc();
    }

    @AfterEach
    void cleanup() {
        EAlloc.cleanup();
    }

    private static Set<Long> allocFillVerifyFree(int count, int size, char c, boolean expectGrowth) {
        long[] chunks = new long[count];
        Set<Long> pages = new TreeSet<>();
        for (int i = 0; i < count; i++) {
            long vsz = ProcessMemory.vsz();
            chunks[i] = EAlloc.alloc(size);
            assertNotEquals(0, chunks[i]);
            if (expectGrowth) {
                assertTrue(ProcessMemory.vsz() - vsz >= PAGE, "VSZ should increase by 4KB");
            }
            RawMemory.fill(chunks[i], size, (byte) c);
            pages.add(chunks[i] & ~(PAGE - 1L));
        }
        for (long chunk : chunks) {
            for (int i = 0; i < size; i++) {
                assertEquals((byte) c, RawMemory.getByte(chunk + i));
            }
        }
        for (long chunk : chunks) {
            EAlloc.dealloc(chunk);
        }
        assertEquals(4, EAlloc.allocator().stats().pagesMapped(), "pages mapped stay at 4");
        return pages;
    }

    @Test
    void theLabsTestProgramPasses() {
        assertEquals(0, EAlloc.allocator().stats().pagesMapped(), "init maps nothing");
        Set<Long> expansion = allocFillVerifyFree(4, PAGE, 'a', true);
        assertEquals(4, expansion.size(), "test 1: 4 distinct pages");
        assertEquals(expansion, allocFillVerifyFree(64, 256, 'b', false), "test 2: splitting reuses them");
        assertEquals(expansion, allocFillVerifyFree(4, PAGE, 'c', false), "test 3: merging reuses them");
    }

    @Test
    void invalidSizesAreNull() {
        for (int size : new int[] {0, -256, 1, 255, 257, 4352, 8192}) {
            assertEquals(0, EAlloc.alloc(size), "size " + size);
        }
        assertEquals(0, EAlloc.allocator().stats().pagesMapped());
    }

    @Test
    void neverMoreThanFourPages() {
        for (int i = 0; i < 4; i++) {
            assertNotEquals(0, EAlloc.alloc(PAGE));
        }
        assertEquals(0, EAlloc.alloc(256));
        assertEquals(4, EAlloc.allocator().stats().pagesMapped());
    }

    @Test
    void invalidDeallocsAreIgnored() {
        long p = EAlloc.alloc(512);
        EAlloc.dealloc(p + 256);
        EAlloc.dealloc(0);
        EAlloc.dealloc(77);
        EAlloc.allocator().verify();
        assertEquals(1, EAlloc.allocator().stats().liveChunks());
    }
}
