package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MemoryBlockTest {

    private final ElasticHeap heap = ElasticHeap.builder().build();

    @AfterEach
    void close() {
        heap.close();
    }

    @Test
    void everyWidthRoundTripsInsideTheBlock() {
        try (MemoryBlock b = heap.allocateBlock(64)) {
            assertEquals(64, b.size());
            b.putByte(63, (byte) -1);
            b.putShort(0, (short) 0x1234);
            b.putInt(2, 0xdead_beef);
            b.putLong(6, Long.MIN_VALUE + 5);
            b.putFloat(14, 2.5f);
            b.putDouble(18, -0.125);
            assertEquals((byte) -1, b.getByte(63));
            assertEquals((short) 0x1234, b.getShort(0));
            assertEquals(0xdead_beef, b.getInt(2));
            assertEquals(Long.MIN_VALUE + 5, b.getLong(6));
            assertEquals(2.5f, b.getFloat(14));
            assertEquals(-0.125, b.getDouble(18));
            byte[] in = {1, 2, 3, 4};
            b.put(40, in, 1, 3);
            byte[] out = new byte[4];
            b.get(40, out, 0, 4);
            assertArrayEquals(new byte[] {2, 3, 4, 0}, out);
            b.fill(50, 4, (byte) 9);
            assertEquals(0x0909_0909, b.getInt(50));
            assertEquals(RawMemory.getLong(b.address() + 6), b.getLong(6));
        }
    }

    @Test
    void accessOutsideTheBlockIsAnIndexError() {
        assertTrue(MemoryBlock.boundsChecked());
        MemoryBlock b = heap.allocateBlock(16);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> b.getLong(9));
        assertEquals("offset=9 length=8 size=16", e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> b.putByte(-1, (byte) 0));
        assertThrows(IndexOutOfBoundsException.class, () -> b.getByte(16));
        assertThrows(IndexOutOfBoundsException.class, () -> b.put(10, new byte[8], 0, 8));
        assertThrows(IndexOutOfBoundsException.class, () -> b.get(0, new byte[4], 2, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> b.fill(0, 17, (byte) 0));
        assertThrows(IndexOutOfBoundsException.class, () -> b.getLong(Long.MAX_VALUE));
        b.free();
    }

    @Test
    void useAfterFreeThrowsInsteadOfTouchingMemory() {
        MemoryBlock b = heap.allocateBlock(32);
        b.free();
        assertFalse(b.isLive());
        assertThrows(IllegalStateException.class, () -> b.getByte(0));
        assertThrows(IllegalStateException.class, () -> b.putLong(0, 1));
        assertThrows(IllegalStateException.class, b::address);
        assertThrows(IllegalStateException.class, () -> b.asByteBuffer(ByteOrder.nativeOrder()));
        assertThrows(IllegalStateException.class, b::free);
        b.close();
    }

    @Test
    void aSecondFreeNeverFreesTheNewOwnerOfTheMemory() {
        MemoryBlock first = heap.allocateBlock(32);
        long address = first.address();
        first.free();
        MemoryBlock second = heap.allocateBlock(32);
        assertEquals(address, second.address(), "first fit hands the same memory to the new owner");
        assertThrows(IllegalStateException.class, first::free);
        assertTrue(second.isLive());
        assertEquals(1, heap.stats().liveChunks());
        second.putLong(0, 7);
        assertEquals(7, second.getLong(0));
        second.free();
    }

    @Test
    void rawFreeOrReallocateOfTheAddressKillsTheBlock() {
        MemoryBlock a = heap.allocateBlock(32);
        heap.free(a.address());
        assertFalse(a.isLive());
        MemoryBlock b = heap.allocateBlock(32);
        long moved = heap.reallocate(b.address(), 64);
        assertFalse(b.isLive());
        heap.free(moved);
    }

    @Test
    void closingTheAllocatorKillsEveryBlock() {
        MemoryBlock a = heap.allocateBlock(32);
        ElasticHeap other = ElasticHeap.builder().reportLeaks(false).build();
        MemoryBlock b = other.allocateBlock(100);
        other.close();
        assertFalse(b.isLive());
        assertThrows(IllegalStateException.class, () -> b.getInt(0));
        assertTrue(a.isLive());
        a.close();
    }

    @Test
    void theByteBufferViewCoversExactlyTheBlock() {
        MemoryBlock b = heap.allocateBlock(100);
        ByteBuffer buffer = b.asByteBuffer(ByteOrder.BIG_ENDIAN);
        assertTrue(buffer.isDirect());
        assertEquals(100, buffer.capacity());
        assertEquals(ByteOrder.BIG_ENDIAN, buffer.order());
        buffer.putInt(0, 0x01020304);
        assertEquals(0x01, b.getByte(0));
        assertEquals(0x04, b.getByte(3));
        ByteBuffer nativeOrder = b.asByteBuffer(ByteOrder.nativeOrder());
        nativeOrder.putLong(8, 99);
        assertEquals(99, b.getLong(8));
        b.free();
    }
}
