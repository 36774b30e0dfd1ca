package io.mmapheap.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class TraceTest {

    private static Trace parse(String... lines) throws TraceFormatException {
        return Trace.parse("t.rep", List.of(lines));
    }

    private static void rejected(String expected, String... lines) {
        TraceFormatException e = assertThrows(TraceFormatException.class, () -> parse(lines));
        assertTrue(e.getMessage().startsWith("t.rep:"), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void parsesTheHeaderAndOperations() throws TraceFormatException {
        Trace t = parse("1", "2", "4", "1", "a 0 100", "r 0 200", "a 1 8", "f 0", "");
        assertEquals(2, t.ids());
        assertEquals(4, t.size());
        assertEquals(Trace.REALLOCATE, t.kind(1));
        assertEquals(200, t.bytes(1));
        assertEquals(Trace.FREE, t.kind(3));
    }

    @Test
    void invalidTracesNameTheFileAndLine() {
        rejected("t.rep:5: free of block 1, which is not live", "1", "2", "2", "1", "f 1", "a 0 8");
        rejected("t.rep:5: size must not be negative", "1", "2", "1", "1", "a 0 -5");
        rejected("t.rep:5: block id -2 is negative", "1", "2", "1", "1", "f -2");
        rejected("t.rep:5: 'a' takes 2 arguments, found 1", "1", "2", "1", "1", "a 0");
        rejected("t.rep:6: unknown operation 'x'", "1", "2", "2", "1", "a 0 8", "x 0");
        rejected("t.rep:5: size is not an integer", "1", "2", "1", "1", "a 0 lots");
        rejected("header needs 4 integers", "1", "2");
        rejected("already live", "1", "1", "2", "1", "a 0 8", "a 0 8");
    }

    @Test
    void recordingsOfCProgramsFollowCsConventions() throws TraceFormatException {
        Trace t = parse("0", "1", "9", "1",
                "f -1",      // free(NULL)
                "r 0 16",    // realloc(NULL, 16)
                "r 0 32",    // a real realloc
                "r 0 0",     // realloc(p, 0) frees
                "a 0 0",     // malloc(0)
                "f 0",
                "r 1 0");    // realloc(NULL, 0): malloc(0)
        assertEquals(7, t.size());
        assertEquals(Trace.FREE, t.kind(0));
        assertEquals(Trace.NULL_ID, t.id(0));
        assertEquals(Trace.ALLOCATE, t.kind(1));
        assertEquals(16, t.bytes(1));
        assertEquals(Trace.REALLOCATE, t.kind(2));
        assertEquals(Trace.FREE, t.kind(3));
        assertEquals(Trace.ALLOCATE, t.kind(4));
        assertEquals(0, t.bytes(4));
        assertEquals(Trace.FREE, t.kind(5));
        assertEquals(Trace.ALLOCATE, t.kind(6));
        assertEquals(0, t.bytes(6));
        assertEquals(2, t.ids(), "ids beyond the header's count are accepted");
        assertTrue(t.liveAtEnd()[1]);
    }

    @Test
    void headerCountsAreApproximate() throws TraceFormatException {
        assertEquals(1, parse("1", "2", "3", "1", "a 0 8").size(), "fewer operations than the header says");
        assertEquals(3, parse("1", "1", "1", "1", "a 0 8", "a 5 8", "f 0").size(), "more operations, more ids");
        assertEquals(6, parse("1", "1", "1", "1", "a 0 8", "a 5 8", "f 0").ids());
    }

    @Test
    void everyLineEndIsALineEnd() throws Exception {
        for (String end : new String[] {"\n", "\r\n", "\r"}) {
            java.nio.file.Path file = java.nio.file.Files.createTempFile("trace", ".rep");
            try {
                java.nio.file.Files.writeString(file, String.join(end, "1", "2", "3", "1", "a 0 8", "a 1 16", "f 0") + end);
                Trace t = Trace.read(file);
                assertEquals(3, t.size(), "line end " + end.replace("\r", "CR").replace("\n", "LF"));
                assertEquals(16, t.bytes(1));
            } finally {
                java.nio.file.Files.delete(file);
            }
        }
    }
}
