package io.mmapheap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceCommandTest {

    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);

    private String text() {
        return buffer.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theDefaultRunReplaysEveryShippedTraceValidly() {
        Assumptions.assumeTrue(Files.isDirectory(TraceCommand.defaultTraceDir()), "the shipped traces live beside the project");
        assertEquals(0, new Main().run(List.of("trace", "--runs", "1"), out, out), text());
        for (String name : List.of("amptjp-bal.rep", "realloc2-bal.rep", "short2-bal.rep", "bash.rep", "boat.rep")) {
            assertTrue(text().contains(name), text());
        }
        assertTrue(text().contains("Total traces") && text().contains("Total real"), "a total per folder: " + text());
        assertTrue(!text().contains("| no "), text());
    }

    @Test
    void aMalformedTraceIsReportedWithFileAndLineAndTheRunContinues(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.rep");
        Files.write(bad, List.of("1", "2", "2", "1", "a 0 64", "f 1"));
        Path good = dir.resolve("good.rep");
        Files.write(good, List.of("1", "1", "2", "1", "a 0 64", "f 0"));
        int exit = new Main().run(List.of("trace", "--runs", "1", "--stats", bad.toString(), good.toString()), out, out);
        assertEquals(1, exit, "an unreadable trace makes the run fail");
        assertTrue(text().contains("bad.rep:6: free of block 1, which is not live"), text());
        assertTrue(text().contains("good.rep"), text());
        assertTrue(text().contains("system bytes"), "--stats prints the report: " + text());
    }

    @Test
    void aRequestNeitherSubjectCanServeMakesItsTraceInvalidAndTheRunGoesOn(@TempDir Path dir) throws IOException {
        Path huge = dir.resolve("huge.rep");
        Files.write(huge, List.of("1", "2", "2", "1", "a 0 99999999999999999", "f 0"));
        Path good = dir.resolve("good.rep");
        Files.write(good, List.of("1", "1", "2", "1", "a 0 64", "f 0"));
        int exit = new Main().run(List.of("trace", "--runs", "1", huge.toString(), good.toString()), out, out);
        assertEquals(1, exit, text());
        assertTrue(text().contains("mmapheap invalid: refused: "), text());
        assertTrue(text().contains("libc invalid: refused: "), text());
        assertTrue(text().lines().anyMatch(l -> l.startsWith("good.rep") && l.contains("yes")), text());
    }

    @Test
    void aGranuleTheHeapRefusesIsAUsageError() {
        assertEquals(Main.EXIT_USAGE, new Main().run(List.of("trace", "--granule", "24"), out, out));
        assertTrue(text().startsWith("mmapheap trace: ") && text().contains("granule"), text());
    }

    @Test
    void breakdownAndPlotDescribeEveryTrace(@TempDir Path dir) throws Exception {
        Path one = dir.resolve("one.rep");
        Files.write(one, List.of("1", "3", "5", "1", "a 0 100", "a 1 3000", "f 0", "a 2 8", "f -1"));
        Path two = dir.resolve("two.rep");
        Files.write(two, List.of("1", "1", "2", "1", "a 0 64", "f 0"));
        Path plots = dir.resolve("plots");
        assertEquals(0, new Main().run(List.of("trace", "--runs", "1", "--breakdown", "--plot", plots.toString(),
                one.toString(), two.toString()), out, out), text());
        assertEquals(2, text().split("at the payload peak", -1).length - 1, text());
        assertTrue(text().contains("payload ") && text().contains("free fragments"), text());
        assertTrue(Files.isRegularFile(plots.resolve("one.svg")), "one SVG per trace");
        assertTrue(Files.isRegularFile(plots.resolve("two.svg")), "one SVG per trace");
    }
}
