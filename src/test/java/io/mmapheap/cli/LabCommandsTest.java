package io.mmapheap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

class LabCommandsTest {

    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);

    @Test
    void testAllocPrintsEveryLabLineAsPassed() {
        assertEquals(0, new Main().run(List.of("test-alloc", "--map"), out, out));
        String text = buffer.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("Hello, world! test passed"), text);
        for (int test = 1; test <= 5; test++) {
            assertTrue(text.contains("Test " + test + " passed: "), "test " + test + "\n" + text);
        }
        assertTrue(text.contains("#==="), "the page map is drawn");
        assertTrue(!text.contains("failed"), text);
    }

    @Test
    void testEallocPrintsTheVszHintsAndCompletes() {
        assertEquals(0, new Main().run(List.of("test-ealloc", "--stats"), out, out));
        assertTrue(buffer.toString(StandardCharsets.UTF_8).contains("releasable bytes"));
        String text = buffer.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("(should increase by 4KB)"), text);
        assertTrue(text.contains("(should not change)"), text);
        for (int test = 1; test <= 3; test++) {
            assertTrue(text.contains("Test " + test + " passed: contents verified"), text);
        }
        assertTrue(text.endsWith("All tests complete" + System.lineSeparator()), text);
    }
}
