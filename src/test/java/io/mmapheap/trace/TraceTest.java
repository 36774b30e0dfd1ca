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
        rejected("t.rep:5: size must be positive", "1", "2", "1", "1", "a 0 -5");
        rejected("t.rep:6: unknown operation 'x'", "1", "2", "2", "1", "a 0 8", "x 0");
        rejected("t.rep:5: block id 7 outside [0, 2)", "1", "2", "1", "1", "a 7 8");
        rejected("t.rep:5: size is not an integer", "1", "2", "1", "1", "a 0 lots");
        rejected("promises 3 operations, found 1", "1", "2", "3", "1", "a 0 8");
        rejected("header needs 4 integers", "1", "2");
        rejected("reallocate of block 0", "1", "1", "1", "1", "r 0 8");
        rejected("already live", "1", "1", "2", "1", "a 0 8", "a 0 8");
    }
}
