package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** A real ENOMEM from the kernel, in a JVM of its own whose address space is capped. */
class AddressSpaceLimitTest {

    @Test
    void runningOutOfAddressSpaceIsAReportedExhaustionThatLosesNothing() throws Exception {
        Assumptions.assumeTrue(onPath("prlimit"), "prlimit (util-linux) lowers the probe's RLIMIT_AS");
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Process probe = new ProcessBuilder(List.of(java, "-Xmx32m", "-Xms32m", "-XX:+IgnoreUnrecognizedVMOptions",
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-cp", System.getProperty("java.class.path"), AddressSpaceProbe.class.getName()))
                .redirectErrorStream(true).start();
        boolean finished = probe.waitFor(120, TimeUnit.SECONDS);
        String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!finished) {
            probe.destroyForcibly();
        }
        assertTrue(finished, "the probe hung:\n" + output);
        assertEquals(0, probe.exitValue(), output);
        assertTrue(output.contains("ENOMEM (Cannot allocate memory)"), output);
        assertTrue(output.contains("PROBE OK"), output);
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (java.nio.file.Files.isExecutable(Paths.get(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
