package io.mmapheap.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.mmapheap.RawMemory;

/** The lab's test_alloc.c, each C check an assertion, plus the facade's C conventions. */
class AllocTest {

    @BeforeEach
    void init() {
        assertEquals(0, Alloc.initAlloc());
    }

    @AfterEach
    void cleanup() {
        Alloc.cleanup();
    }

    private static long filled(int size, char c) {
        long p = Alloc.alloc(size);
        assertNotEquals(0, p, "alloc(" + size + ")");
        RawMemory.fill(p, size - 1, (byte) c);
        RawMemory.putByte(p + size - 1, (byte) 0);
        return p;
    }

    private static boolean holds(long p, int size, char c) {
        for (int i = 0; i < size - 1; i++) {
            if (RawMemory.getByte(p + i) != c) {
                return false;
            }
        }
        return RawMemory.getByte(p + size - 1) == 0;
    }

    @Test
    void theLabsTestProgramPasses() {
        long str = Alloc.alloc(512);
        long str2 = Alloc.alloc(512);
        assertNotEquals(0, str);
        assertNotEquals(0, str2);
        byte[] hello = "Hello, world!\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        RawMemory.copyFromArray(hello, 0, str, hello.length);
        byte[] back = new byte[hello.length];
        RawMemory.copyToArray(str, back, 0, back.length);
        assertEquals(new String(hello, java.nio.charset.StandardCharsets.US_ASCII),
                new String(back, java.nio.charset.StandardCharsets.US_ASCII), "Hello, world! test");
        Alloc.dealloc(str);
        Alloc.dealloc(str2);

        long a = filled(1024, 'a');
        long b = filled(1024, 'b');
        long c = filled(1024, 'c');
        long d = filled(1024, 'd');
        assertTrue(holds(a, 1024, 'a') && holds(b, 1024, 'b') && holds(c, 1024, 'c') && holds(d, 1024, 'd'), "test 1");

        Alloc.dealloc(c);
        long x = filled(1024, 'x');
        assertEquals(c, x, "test 2: the freed chunk is reused");
        assertTrue(holds(x, 1024, 'x'), "test 2");

        Alloc.dealloc(b);
        long y = filled(512, 'y');
        long z = filled(512, 'z');
        assertEquals(b, y, "test 3: split");
        assertEquals(b + 512, z, "test 3: the remainder serves the second request");
        assertTrue(holds(y, 512, 'y') && holds(z, 512, 'z') && holds(a, 1024, 'a'), "test 3");

        Alloc.dealloc(y);
        Alloc.dealloc(z);
        long m = filled(1024, 'm');
        assertEquals(b, m, "test 4: the two 512s merged");

        Alloc.dealloc(a);
        Alloc.dealloc(m);
        long n = filled(2048, 'n');
        assertEquals(a, n, "test 5: two 1 KiB chunks merged");
        assertTrue(holds(n, 2048, 'n') && holds(x, 1024, 'x') && holds(d, 1024, 'd'), "test 5");
    }

    @Test
    void allocReturnsNullForSizesThatAreNotPositiveMultiplesOfEight() {
        for (int size : new int[] {0, -8, 1, 7, 9, 4095, 4104, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
            assertEquals(0, Alloc.alloc(size), "size " + size);
        }
        assertEquals(0, Alloc.allocator().stats().liveChunks());
    }

    @Test
    void theWholePageIsAvailableAndThenNothingMore() {
        long p = Alloc.alloc(4096);
        assertNotEquals(0, p);
        assertEquals(0, Alloc.alloc(8));
        Alloc.dealloc(p);
        assertEquals(p, Alloc.alloc(8));
    }

    @Test
    void invalidDeallocsAreIgnoredAndThePageStaysIntact() {
        long p = Alloc.alloc(64);
        Alloc.dealloc(p + 8);
        Alloc.dealloc(12345);
        Alloc.dealloc(0);
        assertEquals(1, Alloc.allocator().stats().liveChunks());
        Alloc.dealloc(p);
        Alloc.dealloc(p);
        Alloc.allocator().verify();
        assertEquals(0, Alloc.allocator().stats().liveChunks());
    }

    @Test
    void initTwiceAndCleanupTwiceReportTheWrongState() {
        assertEquals(Alloc.ERR_STATE, Alloc.initAlloc());
        assertEquals(0, Alloc.cleanup());
        assertEquals(Alloc.ERR_STATE, Alloc.cleanup());
        assertEquals(0, Alloc.alloc(8), "alloc before init is NULL");
        assertEquals(0, Alloc.initAlloc());
    }
}
