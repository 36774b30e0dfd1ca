package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.mmapheap.os.VirtualMemory;

class RawMemoryTest {

    private static final long PAGE = VirtualMemory.pageSize();
    private long page;

    @BeforeEach
    void map() {
        page = VirtualMemory.mapAnonymous(PAGE);
    }

    @AfterEach
    void unmap() {
        VirtualMemory.unmap(page, PAGE);
    }

    @Test
    void everyWidthRoundTripsAtAlignedAndUnalignedOffsets() {
        for (long offset = 0; offset < 16; offset++) {
            long a = page + 64 + offset;
            RawMemory.putByte(a, (byte) -7);
            assertEquals((byte) -7, RawMemory.getByte(a));
            RawMemory.putShort(a, (short) 0xbeef);
            assertEquals((short) 0xbeef, RawMemory.getShort(a));
            RawMemory.putInt(a, 0xcafe_babe);
            assertEquals(0xcafe_babe, RawMemory.getInt(a));
            RawMemory.putLong(a, 0x0123_4567_89ab_cdefL + offset);
            assertEquals(0x0123_4567_89ab_cdefL + offset, RawMemory.getLong(a));
            RawMemory.putFloat(a, 1.5f + offset);
            assertEquals(1.5f + offset, RawMemory.getFloat(a));
            RawMemory.putDouble(a, -2.25 * offset);
            assertEquals(-2.25 * offset, RawMemory.getDouble(a));
        }
    }

    @Test
    void aLongIsStoredInNativeLittleEndianOrder() {
        RawMemory.putLong(page, 0x0807_0605_0403_0201L);
        for (int i = 0; i < Long.BYTES; i++) {
            assertEquals(i + 1, RawMemory.getByte(page + i));
        }
    }

    @Test
    void fillCopyAndArrayTransfersMoveExactlyTheBytesAskedFor() {
        RawMemory.fill(page + 1, 10, (byte) 'a');
        assertEquals(0, RawMemory.getByte(page));
        assertEquals('a', RawMemory.getByte(page + 10));
        assertEquals(0, RawMemory.getByte(page + 11));

        RawMemory.copy(page + 1, page + 101, 10);
        byte[] out = new byte[12];
        RawMemory.copyToArray(page + 100, out, 0, 12);
        assertArrayEquals(new byte[] {0, 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 0}, out);

        byte[] in = {1, 2, 3, 4, 5};
        RawMemory.copyFromArray(in, 1, page + 200, 3);
        assertEquals(2, RawMemory.getByte(page + 200));
        assertEquals(4, RawMemory.getByte(page + 202));
        assertEquals(0, RawMemory.getByte(page + 203));
    }

    @Test
    void overlappingCopyBehavesLikeMemmove() {
        for (int i = 0; i < 8; i++) {
            RawMemory.putByte(page + i, (byte) i);
        }
        RawMemory.copy(page, page + 2, 8);
        for (int i = 0; i < 8; i++) {
            assertEquals(i, RawMemory.getByte(page + 2 + i));
        }
    }
}
