package io.mmapheap.cli;

import io.mmapheap.Allocator;
import io.mmapheap.RawMemory;
import io.mmapheap.compat.EAlloc;
import io.mmapheap.os.ProcessMemory;

/**
 * {@code mmapheap test-ealloc [--map] [--stats]}: the lab's test_ealloc program through the {@link EAlloc}
 * facade. It prints the process VSZ (field 23 of /proc/PID/stat) with the lab's hints, checks every
 * byte written, and also checks what the VSZ hints stand for: the number of pages the heap mapped.
 * Exit code 0 only when every check passed.
 */
final class TestEallocCommand extends LabReplay {

    private static final int KIB = 1024;
    private static final int PAGE = EAlloc.PAGESIZE;
    private static final int SMALL = EAlloc.MINALLOC;
    private static final int BIG_CHUNKS = 4;
    private static final int SMALL_CHUNKS = BIG_CHUNKS * PAGE / SMALL;

    @Override
    public String name() {
        return "test-ealloc";
    }

    @Override
    public String summary() {
        return "replay the lab's test_ealloc program on the elastic heap [--map] [--stats]";
    }

    @Override
    int replay() {
        EAlloc.initAlloc();
        try {
            vsz("Initial VSZ", "");
            testChunks(1, "heap expansion", BIG_CHUNKS, PAGE, 'a', true);
            testChunks(2, "splitting", SMALL_CHUNKS, SMALL, 'b', false);
            testChunks(3, "merging", BIG_CHUNKS, PAGE, 'c', false);
            printStats();
        } finally {
            EAlloc.cleanup();
        }
        out.println("All tests complete");
        return failures == 0 ? 0 : 1;
    }

    private void testChunks(int test, String name, int count, int size, char fill, boolean expands) {
        out.println();
        out.printf("Test %d: %s (%d x alloc(%d), fill '%c')%n", test, name, count, size, fill);
        long[] chunks = new long[count];
        long before = ProcessMemory.vsz();
        for (int i = 0; i < count; i++) {
            chunks[i] = EAlloc.alloc(size);
            if (chunks[i] == 0) {
                fail("alloc(" + size + ") #" + (i + 1) + " returned NULL");
                continue;
            }
            RawMemory.fill(chunks[i], size, (byte) fill);
            if (expands) {
                vsz("After alloc #" + (i + 1), "should increase by 4KB");
            }
        }
        if (!expands) {
            vsz("After " + count + " allocs", "should not change");
        }
        check(pagesMapped() == BIG_CHUNKS, "the heap should hold " + BIG_CHUNKS + " pages, holds " + pagesMapped());
        picture("test " + test + ", all chunks allocated");
        boolean intact = true;
        for (long chunk : chunks) {
            intact &= CString.allBytes(chunk, size, fill);
        }
        check(intact, "every byte of every chunk should read '" + fill + "'");
        out.println(intact ? "Test " + test + " passed: contents verified" : "Test " + test + " failed: contents corrupted");
        for (long chunk : chunks) {
            EAlloc.dealloc(chunk);
        }
        vsz("After dealloc", "should not change");
        check(EAlloc.allocator().stats().liveChunks() == 0, "no chunk should be live after dealloc");
        out.printf("(VSZ moved by %+d KB in this test)%n", (ProcessMemory.vsz() - before) / KIB);
    }

    private long pagesMapped() {
        return EAlloc.allocator().stats().pagesMapped();
    }

    private void vsz(String label, String hint) {
        out.printf("%s: VSZ = %d KB%s%n", label, ProcessMemory.vsz() / KIB, hint.isEmpty() ? "" : " (" + hint + ")");
    }

    private void check(boolean condition, String what) {
        if (!condition) {
            fail(what);
        }
    }

    private void fail(String what) {
        out.println("CHECK FAILED: " + what);
        failures++;
    }

    @Override
    Allocator allocator() {
        return EAlloc.allocator();
    }

    @Override
    int pagesToDraw() {
        return BIG_CHUNKS;
    }
}
