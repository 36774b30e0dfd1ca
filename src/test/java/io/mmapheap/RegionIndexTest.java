package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class RegionIndexTest {

    @Test
    void findsTheFirstRegionWithRoomAsALinearScanWould() {
        SplittableRandom random = new SplittableRandom(3);
        RegionIndex index = new RegionIndex();
        int[] values = new int[1000];
        int count = 0;
        for (int i = 0; i < 20_000; i++) {
            if (count < values.length && random.nextInt(10) == 0) {
                values[count] = random.nextInt(300);
                index.set(count, values[count]);
                count++;
            } else if (count > 0) {
                int r = random.nextInt(count);
                values[r] = random.nextInt(300);
                index.set(r, values[r]);
            }
            int n = 1 + random.nextInt(300);
            int expected = -1;
            for (int r = 0; r < count; r++) {
                if (values[r] >= n) {
                    expected = r;
                    break;
                }
            }
            assertEquals(expected, index.findFirst(n));
        }
        index.verify();
    }
}
