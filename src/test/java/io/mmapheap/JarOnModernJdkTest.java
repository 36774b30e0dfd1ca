package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The packaged jars on JDK 22 and newer, as their users run them: the library ({@code mmapheap.jar})
 * with its one dependency on a consumer's class path, the command line's executable jar
 * ({@code mmapheap.cliJar}). Active in the suite's run against the jar ({@code ./build.sh test} with
 * a JDK 22+, Unsafe memory access denied), which sets both system properties; skipped elsewhere.
 * Child JVMs are the JDK running the tests.
 */
class JarOnModernJdkTest {

    private static final String JAR = System.getProperty("mmapheap.jar");
    private static final String CLI_JAR = System.getProperty("mmapheap.cliJar");
    private static final String JAVA = Paths.get(System.getProperty("java.home"), "bin", "java").toString();

    private static void assumeJarOnModernJdk() {
        assumeTrue(JAR != null && CLI_JAR != null, "runs against the packaged jars only (mmapheap.jar, mmapheap.cliJar unset)");
        assumeTrue(Runtime.version().feature() >= 22, "the jar's FFM classes need JDK 22 or newer");
    }

    @Test
    void theSuiteReachesMemoryThroughFfm() {
        assumeJarOnModernJdk();
        assertEquals("ffm", RawMemory.path());
    }

    @Test
    void theCommandsPrintNoWarningWithoutAnyFlag() throws Exception {
        assumeJarOnModernJdk();
        List<List<String>> commands = new ArrayList<>(List.of(List.of("demo"), List.of("test-alloc"), List.of("test-ealloc")));
        Path trace = Paths.get(System.getProperty("mmapheap.traces", "../shared/traces"), "short1-bal.rep");
        if (Files.isRegularFile(trace)) {
            commands.add(List.of("trace", trace.toString()));
        }
        for (List<String> command : commands) {
            List<String> line = new ArrayList<>(List.of(JAVA, "-jar", CLI_JAR));
            line.addAll(command);
            Result result = run(line);
            assertEquals(0, result.exit, command + " failed: " + result.err);
            assertTrue(!result.err.contains("WARNING"), command + " printed a warning:\n" + result.err);
        }
    }

    @Test
    void aConsumerOnTheClassPathNeedsOnlyNativeAccess() throws Exception {
        assumeJarOnModernJdk();
        String classPath = String.join(java.io.File.pathSeparator, JAR, locationOf(ConsumerProbe.class),
                locationOf(org.apache.commons.lang3.Validate.class));
        Result result = run(List.of(JAVA, "--enable-native-access=ALL-UNNAMED", "-cp", classPath, ConsumerProbe.class.getName()));
        assertEquals(0, result.exit, result.err);
        assertTrue(!result.err.contains("WARNING"), "the consumer printed a warning:\n" + result.err);
        assertTrue(result.out.contains("memory access ffm"), result.out);
    }

    private static String locationOf(Class<?> type) throws java.net.URISyntaxException {
        return Paths.get(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private static final class Result {
        final int exit;
        final String out;
        final String err;

        Result(int exit, String out, String err) {
            this.exit = exit;
            this.out = out;
            this.err = err;
        }
    }

    private static Result run(List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("mmapheap-child", ".out");
        Path err = Files.createTempFile("mmapheap-child", ".err");
        try {
            Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(command + " did not finish in 120 s");
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
