package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class AddressMapTest {

    @Test
    void behavesLikeAHashMapUnderRandomPutsAndRemoves() {
        SplittableRandom random = new SplittableRandom(11);
        AddressMap map = new AddressMap();
        Map<Long, Long> reference = new HashMap<>();
        for (int i = 0; i < 200_000; i++) {
            // Page-like keys collide in the low bits, which is what the hash must cope with.
            long key = (long) random.nextInt(5000) << 12;
            if (random.nextInt(3) == 0) {
                assertEquals(reference.containsKey(key) ? reference.remove(key) : AddressMap.ABSENT, map.remove(key));
            } else {
                long value = random.nextLong(1L << 40);
                map.put(key, value);
                reference.put(key, value);
            }
            if (i % 1000 == 0) {
                for (long k = 0; k < 5000; k++) {
                    assertEquals(reference.getOrDefault(k << 12, AddressMap.ABSENT), map.get(k << 12));
                }
            }
        }
        assertEquals(reference.size(), map.size());
        long[] count = new long[1];
        map.forEach((k, v) -> {
            assertEquals(reference.get(k), v);
            count[0]++;
        });
        assertEquals(reference.size(), count[0]);
    }

    @Test
    void theEmptySlotsMarkIsNeverAKey() {
        AddressMap map = new AddressMap();
        assertEquals(AddressMap.ABSENT, map.get(Long.MIN_VALUE), "an empty map does not hold the empty slot's mark");
        map.put(4096, 1);
        assertEquals(AddressMap.ABSENT, map.get(Long.MIN_VALUE));
        assertEquals(AddressMap.ABSENT, map.remove(Long.MIN_VALUE));
        assertEquals(1, map.size());
        assertThrows(IllegalArgumentException.class, () -> map.put(Long.MIN_VALUE, 1));
    }
}
