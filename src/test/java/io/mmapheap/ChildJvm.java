package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A probe class run in a JVM of its own on the test's class path, for what must not happen in the test's JVM. */
final class ChildJvm {

    private static final long TIMEOUT_SECONDS = 120;

    /** What the child printed (stdout and stderr together) and how it ended. */
    static final class Result {
        final int exit;
        final String output;

        Result(int exit, String output) {
            this.exit = exit;
            this.output = output;
        }
    }

    private ChildJvm() {
    }

    /**
     * Runs {@code main} in a new JVM of this JDK, behind the {@code wrapper} command (e.g. prlimit), in {@code dir}.
     *
     * @param jvmArgs options before the class path
     */
    static Result run(List<String> wrapper, Path dir, Class<?> main, String... jvmArgs) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(wrapper);
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-XX:+IgnoreUnrecognizedVMOptions");
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("--sun-misc-unsafe-memory-access=allow");
        command.addAll(List.of(jvmArgs));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (dir != null) {
            builder.directory(dir.toFile());
        }
        Process probe = builder.start();
        boolean finished = probe.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!finished) {
            probe.destroyForcibly();
        }
        assertTrue(finished, "the probe hung:\n" + output);
        return new Result(probe.exitValue(), output);
    }

    /** @return whether {@code tool} is an executable on the PATH */
    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Paths.get(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
