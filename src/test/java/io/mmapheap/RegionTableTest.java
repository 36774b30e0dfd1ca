package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RegionTableTest {

    private static final int PAGE_SHIFT = 12;
    private static final int BLOCK_SHIFT = 16;

    private final long[] bases = new long[8];
    private final long[] lengths = new long[8];
    private int count;
    private final RegionTable table = new RegionTable(BLOCK_SHIFT, PAGE_SHIFT);

    private void add(long base, long bytes) {
        bases[count] = base;
        lengths[count] = bytes;
        count++;
        table.add(count - 1, base, bytes, bases, lengths, count);
    }

    private int linear(long address) {
        for (int r = 0; r < count; r++) {
            if (address >= bases[r] && address < bases[r] + lengths[r]) {
                return r;
            }
        }
        return -1;
    }

    private void everyPageAgreesWithALinearSearch() {
        for (long a = 0; a < 0x80000; a += 0x800) {
            assertEquals(linear(a), table.find(a, bases, lengths), "address 0x" + Long.toHexString(a));
        }
        table.verify(bases, lengths, count);
    }

    @Test
    void twoRegionsShareABlockAndBothAreFound() {
        add(0x10000, 0x10000);
        add(0x23000, 0x10000);
        add(0x33000, 0x10000);
        everyPageAgreesWithALinearSearch();
        assertEquals(-1, table.find(0x20000, bases, lengths), "the gap before region 1");
    }

    @Test
    void aThirdRegionInOneBlockRebuildsTheTableWithPageBlocks() {
        add(0x23000, 0x10000);
        add(0x33000, 0x10000);
        add(0x43000, 0x2000);
        add(0x45000, 0x1000);
        everyPageAgreesWithALinearSearch();
        assertEquals(3, table.find(0x45fff, bases, lengths));
        assertEquals(2, table.find(0x44000, bases, lengths));
    }
}
