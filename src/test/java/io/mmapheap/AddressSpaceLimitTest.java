package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** A real ENOMEM from the kernel, in a JVM of its own whose address space is capped. */
class AddressSpaceLimitTest {

    @Test
    void runningOutOfAddressSpaceIsAReportedExhaustionThatLosesNothing() throws Exception {
        Assumptions.assumeTrue(ChildJvm.onPath("prlimit"), "prlimit (util-linux) lowers the probe's RLIMIT_AS");
        ChildJvm.Result probe = ChildJvm.run(List.of(), null, AddressSpaceProbe.class, "-Xmx32m", "-Xms32m");
        String output = probe.output;
        assertEquals(0, probe.exit, output);
        assertTrue(output.contains("ENOMEM (Cannot allocate memory)"), output);
        assertTrue(output.contains("PROBE OK"), output);
    }
}
