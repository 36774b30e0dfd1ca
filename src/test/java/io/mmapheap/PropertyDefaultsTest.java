package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The system properties are read once at startup, so each setting gets a JVM of its own. */
class PropertyDefaultsTest {

    private static String probe(String... properties) throws Exception {
        List<String> command = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+IgnoreUnrecognizedVMOptions", "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"));
        command.addAll(List.of(properties));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), PropertyDefaultsProbe.class.getName()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void perturbCheckLevelLeakTrackingAndBoundsComeFromSystemProperties() throws Exception {
        String out = probe("-Dmmapheap.perturb=0xA5", "-Dmmapheap.check=1", "-Dmmapheap.leakTracking=1",
                "-Dmmapheap.checkBounds=false");
        assertTrue(out.contains("new byte 5a"), out);
        assertTrue(out.contains("freed byte a5"), out);
        assertTrue(out.contains("not allocated"), "check level 1 reports: " + out);
        assertTrue(out.contains("double free returned"), out);
        assertTrue(out.contains("read past the block"), "bounds checks off: " + out);
        assertTrue(out.contains("allocation sites of 2 sampled chunks (1 in 1)"), out);
        assertTrue(out.contains("PropertyDefaultsProbe.main"), out);
    }

    @Test
    void withoutPropertiesTheDefaultsThrowAndCheckBounds() throws Exception {
        String out = probe();
        assertTrue(out.contains("thread caching true"), out);
        assertTrue(out.contains("new byte 0"), out);
        assertTrue(out.contains("IllegalArgumentException") && out.contains("not allocated"), out);
        assertEquals(-1, out.indexOf("double free returned"), out);
    }

    @Test
    void thePropertyTurnsThreadCachesOffForHeapsNotToldOtherwise() throws Exception {
        String out = probe("-Dmmapheap.threadCache=false");
        assertTrue(out.contains("thread caching false"), out);
    }

    @Test
    void anUnreadablePropertyIsReportedAndIgnored() throws Exception {
        String out = probe("-Dmmapheap.perturb=lots", "-Dmmapheap.check=7", "-Dmmapheap.threadCache=maybe");
        assertTrue(out.contains("ignoring -Dmmapheap.perturb=lots"), out);
        assertTrue(out.contains("ignoring -Dmmapheap.check=7"), out);
        assertTrue(out.contains("ignoring -Dmmapheap.threadCache=maybe") && out.contains("thread caching true"), out);
    }
}
