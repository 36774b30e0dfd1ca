package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The README's example: its one fenced {@code java} block is the region of {@link #example()}
 * between the markers, and that code runs here and prints what its comments say.
 */
class ReadmeExampleTest {

    private static final Path BASEDIR = Path.of(System.getProperty("basedir", "."));
    private static final Path README = BASEDIR.resolve("README.md");
    private static final Path SOURCE = BASEDIR.resolve("src/test/java/io/mmapheap/ReadmeExampleTest.java");
    private static final String BEGIN = "// README-BEGIN";
    private static final String END = "// README-END";
    private static final Pattern JAVA_BLOCK = Pattern.compile("(?m)^```java\\n(.*?)^```$", Pattern.DOTALL);
    /** A println whose line ends in the comment that says what it prints: {@code ...println(x); // 49}. */
    private static final Pattern PRINTED = Pattern.compile("println\\(.*\\);\\s*// (.*)$");

    static void example() {
        // README-BEGIN
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            // Checked: every access checks its bounds and that the block is still live.
            try (MemoryBlock block = heap.allocateBlock(64)) {
                block.putLong(0, 42);
                block.putInt(8, 7, ByteOrder.BIG_ENDIAN);
                System.out.println(block.getLong(0) + block.getInt(8, ByteOrder.BIG_ENDIAN)); // 49
            } // freed here: any later access throws IllegalStateException

            // Raw: a C pointer, as fast and as unchecked.
            long p = heap.allocate(100);
            RawMemory.putLong(p, 1234);
            p = heap.reallocate(p, 10_000);                 // the contents move with it
            System.out.println(RawMemory.getLong(p));       // 1234
            heap.free(p);
            System.out.println(heap.stats().bytesInUse());  // 0
        }
        // README-END
    }

    @Test
    void theReadmeShowsExactlyTheExampleThisTestRuns() throws IOException {
        Matcher m = JAVA_BLOCK.matcher(Files.readString(README, StandardCharsets.UTF_8));
        List<String> blocks = new ArrayList<>();
        while (m.find()) {
            blocks.add(m.group(1));
        }
        assertEquals(1, blocks.size(), "README.md should hold one fenced java block, the example");
        assertEquals(markedRegion(), blocks.get(0));
    }

    @Test
    void theExamplePrintsWhatItsCommentsSay() throws IOException {
        List<String> promised = new ArrayList<>();
        for (String line : markedRegion().split("\n")) {
            Matcher m = PRINTED.matcher(line);
            if (m.find()) {
                promised.add(m.group(1).trim());
            }
        }
        assertEquals(List.of("49", "1234", "0"), promised);
        assertEquals(promised, printedBy(ReadmeExampleTest::example));
    }

    @Test
    void aBlockClosedAsInTheExampleRefusesEveryLaterAccess() {
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            MemoryBlock block = heap.allocateBlock(64);
            try (block) {
                block.putLong(0, 42);
            }
            assertFalse(block.isLive());
            assertThrows(IllegalStateException.class, () -> block.getLong(0));
        }
    }

    /** The lines between the markers, less the indentation they share, each ending in a newline. */
    private static String markedRegion() throws IOException {
        List<String> lines = Files.readAllLines(SOURCE, StandardCharsets.UTF_8);
        int begin = -1;
        int end = -1;
        for (int i = 0; i < lines.size(); i++) {
            String t = lines.get(i).trim();
            if (t.equals(BEGIN)) {
                begin = i;
            } else if (t.equals(END)) {
                end = i;
            }
        }
        assertTrue(begin >= 0 && end > begin, SOURCE + " should mark the example with " + BEGIN + " and " + END);
        List<String> region = lines.subList(begin + 1, end);
        int indent = Integer.MAX_VALUE;
        for (String line : region) {
            if (!line.isBlank()) {
                indent = Math.min(indent, line.length() - line.stripLeading().length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String line : region) {
            out.append(line.isBlank() ? "" : line.substring(indent)).append('\n');
        }
        return out.toString();
    }

    private static List<String> printedBy(Runnable code) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        try (PrintStream capture = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            code.run();
        } finally {
            System.setOut(saved);
        }
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }
}
