package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SizeClassesTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 16, 17, 18, 33, 100, 1000, 2048, 2049, 8191, 8192, 65536})
    void everyLengthGoesToTheShortestClassThatHoldsIt(int largest) {
        SizeClasses classes = new SizeClasses(largest);
        assertEquals(largest, classes.granules(classes.count() - 1));
        int c = 0;
        for (int n = 1; n <= largest; n++) {
            while (classes.granules(c) < n) {
                c++;
            }
            assertEquals(c, classes.classOf(n), "class of " + n + " granules, largest " + largest);
            assertTrue(classes.granules(c) - n <= Math.max(0, n - 1) / SizeClasses.PER_DOUBLING, "at most an eighth more for " + n);
            assertEquals(classes.granules(c) == n ? c : -1, classes.exactClass(n));
        }
        assertEquals(-1, classes.exactClass(0));
        assertEquals(-1, classes.exactClass(largest + 1));
    }
}
