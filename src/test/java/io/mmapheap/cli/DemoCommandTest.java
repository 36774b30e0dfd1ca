package io.mmapheap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

class DemoCommandTest {

    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);

    private String output() {
        return buffer.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theDemoShowsAllFourStepsAndSucceeds() {
        int exit = new DemoCommand(new ByteArrayInputStream(new byte[0])).run(List.of(), out);
        assertEquals(0, exit, output());
        String text = output();
        for (String step : List.of("1 baseline", "2 mapped", "3 written", "4 unmapped", "demand paging", "zero-fill")) {
            assertTrue(text.contains(step), step + " missing from\n" + text);
        }
        assertTrue(text.contains("every step showed what it should"), text);
    }

    @Test
    void thePageControlFlagsShowTheKernelsEvidence() {
        int exit = new DemoCommand(new ByteArrayInputStream(new byte[0]))
                .run(List.of("--huge", "--prefault", "--lock", "--secret"), out);
        assertEquals(0, exit, output());
        String text = output();
        for (String evidence : List.of("AnonHugePages", "minor faults of the writes", "VmLck", "new mappings for 1,000 secrets",
                "a freed secret reads 0x0")) {
            assertTrue(text.contains(evidence), evidence + " missing from\n" + text);
        }
    }

    @Test
    void pauseWaitsForEnterAndPrintsTheCommandsToRun() {
        byte[] fourEnters = "\n\n\n\n".getBytes(StandardCharsets.UTF_8);
        int exit = new DemoCommand(new ByteArrayInputStream(fourEnters)).run(List.of("--pause", "--pages", "3"), out);
        assertEquals(0, exit, output());
        assertTrue(output().contains("ps -o pid,vsz,rss,cmd -p " + ProcessHandle.current().pid()), output());
        assertTrue(output().contains("3 anonymous private pages (12 kB)"), output());
    }

    @Test
    void everyCommandAnswersHelp() {
        for (String command : List.of("demo", "trace", "test-alloc", "test-ealloc")) {
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            PrintStream to = new PrintStream(text, true, StandardCharsets.UTF_8);
            assertEquals(0, new Main().run(List.of(command, "--help"), to, to), command);
            assertTrue(text.toString(StandardCharsets.UTF_8).startsWith("usage: mmapheap " + command + ": "), text.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void badArgumentsAreUsageErrors() {
        Main main = new Main();
        assertEquals(Main.EXIT_USAGE, main.run(List.of("demo", "--pages", "0"), out, out));
        assertEquals(Main.EXIT_USAGE, main.run(List.of("demo", "--pages", "x"), out, out));
        assertEquals(Main.EXIT_USAGE, main.run(List.of("demo", "--frobnicate"), out, out));
        assertEquals(Main.EXIT_USAGE, main.run(List.of("no-such-command"), out, out));
        assertTrue(output().contains("unknown command 'no-such-command'"), output());
    }

    @Test
    void aUsageErrorSaysWhatWasWrongThenTheUsage() {
        for (List<String> args : List.of(List.of("demo", "--frobnicate"), List.of("test-alloc", "extra"),
                List.of("test-ealloc", "--map", "more"), List.of("trace", "--runs"), List.of("demo", "surplus"))) {
            ByteArrayOutputStream stdout = new ByteArrayOutputStream();
            ByteArrayOutputStream stderr = new ByteArrayOutputStream();
            int exit = new Main().run(args, new PrintStream(stdout, true, StandardCharsets.UTF_8),
                    new PrintStream(stderr, true, StandardCharsets.UTF_8));
            assertEquals(Main.EXIT_USAGE, exit, args.toString());
            assertEquals("", stdout.toString(StandardCharsets.UTF_8), args + " ran anyway");
            String[] lines = stderr.toString(StandardCharsets.UTF_8).split("\\R");
            assertEquals(2, lines.length, args + ": " + Arrays.toString(lines));
            assertTrue(lines[0].startsWith("mmapheap " + args.get(0) + ": "), lines[0]);
            assertTrue(lines[1].startsWith("usage: mmapheap " + args.get(0) + ": "), lines[1]);
        }
    }
}
