package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.junit.jupiter.api.Test;

/** How each debugging property's text is read; {@link PropertyDefaultsTest} sets them on a JVM's command line. */
class DebugDefaultsTest {

    private static void assertOneWarning(LogCapture config, String message) {
        List<LogRecord> records = config.records();
        assertEquals(1, records.size(), "one record: " + records);
        assertEquals(Level.WARNING, records.get(0).getLevel());
        assertEquals("io.mmapheap.config", records.get(0).getLoggerName());
        assertEquals(message, records.get(0).getMessage());
        config.clear();
    }

    @Test
    void unreadableValuesAreLoggedAsWarningsAndTheDefaultsUsed() {
        try (LogCapture config = LogCapture.of("io.mmapheap.config")) {
            assertEquals(0, DebugDefaults.perturbFrom("lots"));
            assertOneWarning(config, "mmapheap: ignoring -Dmmapheap.perturb=lots: For input string: \"lots\"");
            assertEquals(0, DebugDefaults.perturbFrom("300"));
            assertOneWarning(config,
                    "mmapheap: ignoring -Dmmapheap.perturb=300: perturb byte must be in [0, 255] (0 = off), was 300");
            assertEquals(CheckLevel.THROW, DebugDefaults.checkFrom("7"));
            assertOneWarning(config, "mmapheap: ignoring -Dmmapheap.check=7: check level must be 0, 1 or 2, was 7");
            assertEquals(0, DebugDefaults.leakSampleFrom("-1"));
            assertOneWarning(config, "mmapheap: ignoring -Dmmapheap.leakTracking=-1: must be >= 0");
            assertNull(DebugDefaults.threadCacheFrom("maybe"));
            assertOneWarning(config, "mmapheap: ignoring -Dmmapheap.threadCache=maybe: must be true or false");
        }
    }

    @Test
    void readableAndMissingValuesLogNothing() {
        try (LogCapture config = LogCapture.of("io.mmapheap.config")) {
            assertEquals(0xA5, DebugDefaults.perturbFrom("0xA5"));
            assertEquals(CheckLevel.REPORT, DebugDefaults.checkFrom(" 1 "));
            assertEquals(3, DebugDefaults.leakSampleFrom("3"));
            assertEquals(Boolean.FALSE, DebugDefaults.threadCacheFrom("FALSE"));
            assertEquals(0, DebugDefaults.perturbFrom(null));
            assertEquals(CheckLevel.THROW, DebugDefaults.checkFrom(null));
            assertEquals(0, DebugDefaults.leakSampleFrom(null));
            assertNull(DebugDefaults.threadCacheFrom(null));
            assertEquals(List.of(), config.records());
        }
    }
}
