package io.mmapheap.cli;

import io.mmapheap.Allocator;
import io.mmapheap.compat.Alloc;

/**
 * {@code mmapheap test-alloc [--map] [--stats]}: the lab's test_alloc program, through the {@link Alloc}
 * facade, printing the same lines. Every comparison is really made; exit code 0 only when all pass.
 */
final class TestAllocCommand extends LabReplay {

    private static final int KIB = 1024;
    private static final int HALF_KIB = 512;
    private static final int TWO_KIB = 2048;
    private static final String HELLO = "Hello, world!";

    @Override
    public String name() {
        return "test-alloc";
    }

    @Override
    public String summary() {
        return "replay the lab's test_alloc program on the one-page allocator [--map] [--stats]";
    }

    @Override
    int replay() {
        if (Alloc.initAlloc() != 0) {
            out.println("init_alloc failed");
            return 1;
        }
        try {
            int result = runTests();
            printStats();
            return result;
        } finally {
            Alloc.cleanup();
        }
    }

    private int runTests() {
        long str = Alloc.alloc(HALF_KIB);
        long str2 = Alloc.alloc(HALF_KIB);
        if (str == 0 || str2 == 0) {
            out.println("alloc failed");
            return 1;
        }
        CString.copy(str, HELLO);
        report(CString.equals(str, HELLO), "Hello, world! test passed", "Hello, world! test failed");
        picture("after alloc(512) x 2 and strcpy");
        Alloc.dealloc(str);
        Alloc.dealloc(str2);
        out.println("Elementary tests passed");
        out.println("Starting comprehensive tests (see details in code)");

        long strA = filled(KIB, 'a');
        long strB = filled(KIB, 'b');
        long strC = filled(KIB, 'c');
        long strD = filled(KIB, 'd');
        report(CString.isString(strA, KIB, 'a') && CString.isString(strB, KIB, 'b')
                        && CString.isString(strC, KIB, 'c') && CString.isString(strD, KIB, 'd'),
                "Test 1 passed: allocated 4 chunks of 1KB each",
                "Test 1 failed: A: " + CString.isString(strA, KIB, 'a') + ", B: " + CString.isString(strB, KIB, 'b')
                        + ", C: " + CString.isString(strC, KIB, 'c') + ", D: " + CString.isString(strD, KIB, 'd'));
        picture("test 1: 4 x 1 KiB");

        Alloc.dealloc(strC);
        long strX = filled(KIB, 'x');
        report(CString.isString(strX, KIB, 'x') && CString.isString(strD, KIB, 'd'),
                "Test 2 passed: dealloc and realloc worked",
                "Test 2 failed: X: " + CString.isString(strX, KIB, 'x'));
        picture("test 2: 'c' freed, 1 KiB of 'x' in its place");

        Alloc.dealloc(strB);
        long strY = filled(HALF_KIB, 'y');
        long strZ = filled(HALF_KIB, 'z');
        report(CString.isString(strY, HALF_KIB, 'y') && CString.isString(strZ, HALF_KIB, 'z')
                        && CString.isString(strA, KIB, 'a') && CString.isString(strX, KIB, 'x'),
                "Test 3 passed: dealloc and smaller realloc worked",
                "Test 3 failed: Y: " + CString.isString(strY, HALF_KIB, 'y') + ", Z: " + CString.isString(strZ, HALF_KIB, 'z'));
        picture("test 3: 'b' freed, split into 2 x 512 of 'y' and 'z'");

        Alloc.dealloc(strY);
        Alloc.dealloc(strZ);
        long strM = filled(KIB, 'm');
        report(CString.isString(strM, KIB, 'm'), "Test 4 passed: merge worked",
                "Test 4 failed: M: " + (strM == 0 ? "alloc returned NULL" : CString.isString(strM, KIB, 'm')));
        picture("test 4: the two 512s freed and merged into 1 KiB of 'm'");

        Alloc.dealloc(strA);
        Alloc.dealloc(strM);
        long strN = filled(TWO_KIB, 'n');
        report(CString.isString(strN, TWO_KIB, 'n') && CString.isString(strX, KIB, 'x') && CString.isString(strD, KIB, 'd'),
                "Test 5 passed: merge alloc 2048 worked",
                "Test 5 failed: N: " + (strN == 0 ? "alloc returned NULL" : CString.isString(strN, TWO_KIB, 'n')));
        picture("test 5: two 1 KiB chunks freed and merged into 2 KiB of 'n'");
        return failures == 0 ? 0 : 1;
    }

    /** alloc(size) filled with a string of size-1 copies of c; 0 if alloc failed. */
    private static long filled(int size, char c) {
        long p = Alloc.alloc(size);
        if (p != 0) {
            CString.fillString(p, size, c);
        }
        return p;
    }

    private void report(boolean passed, String pass, String fail) {
        out.println(passed ? pass : fail);
        failures += passed ? 0 : 1;
    }

    @Override
    Allocator allocator() {
        return Alloc.allocator();
    }

    @Override
    int pagesToDraw() {
        return 1;
    }
}
