package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;

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
        assertThrows(NullPointerException.class, () -> b.asByteBuffer(null));
        b.free();
    }

    @Test
    void typedCallsHonourTheByteOrderTheyAreGiven() {
        try (MemoryBlock b = heap.allocateBlock(32)) {
            ByteBuffer big = b.asByteBuffer(ByteOrder.BIG_ENDIAN);
            b.putLong(0, 0x0102030405060708L, ByteOrder.BIG_ENDIAN);
            assertEquals(0x0102030405060708L, big.getLong(0));
            assertEquals(0x01, b.getByte(0));
            assertEquals(0x0102030405060708L, b.getLong(0, ByteOrder.BIG_ENDIAN));
            assertEquals(0x0807060504030201L, b.getLong(0, ByteOrder.LITTLE_ENDIAN));
            b.putInt(8, 0x0a0b0c0d, ByteOrder.BIG_ENDIAN);
            assertEquals(0x0a0b0c0d, big.getInt(8));
            b.putShort(12, (short) 0x1122, ByteOrder.LITTLE_ENDIAN);
            assertEquals(0x22, b.getByte(12));
            assertEquals((short) 0x1122, b.getShort(12, ByteOrder.LITTLE_ENDIAN));
            b.putDouble(16, 1.5, ByteOrder.BIG_ENDIAN);
            assertEquals(1.5, big.getDouble(16));
            assertEquals(1.5, b.getDouble(16, ByteOrder.BIG_ENDIAN));
            b.putFloat(24, -3.25f, ByteOrder.BIG_ENDIAN);
            assertEquals(-3.25f, big.getFloat(24));
            assertEquals(-3.25f, b.getFloat(24, ByteOrder.BIG_ENDIAN));
            assertEquals(b.getInt(8, ByteOrder.nativeOrder()), b.getInt(8));
            assertThrows(NullPointerException.class, () -> b.getInt(0, null));
        }
    }

    @Test
    void atomicCallsActOnAlignedValuesAndRefuseMisalignedOnes() {
        try (MemoryBlock b = heap.allocateBlock(64)) {
            b.putLongVolatile(8, 5);
            assertEquals(5, b.getLongVolatile(8));
            assertTrue(b.compareAndSetLong(8, 5, 7));
            assertFalse(b.compareAndSetLong(8, 5, 9));
            assertEquals(7, b.getAndAddLong(8, 3));
            assertEquals(10, b.getAndSetLong(8, 1));
            b.putLongRelease(8, 2);
            assertEquals(2, b.getLong(8));
            b.putIntVolatile(4, 1);
            assertTrue(b.compareAndSetInt(4, 1, 2));
            assertEquals(2, b.getAndAddInt(4, 5));
            assertEquals(7, b.getAndSetInt(4, 0));
            b.putIntRelease(4, 3);
            assertEquals(3, b.getIntVolatile(4));
            long before = b.getLong(16);
            assertThrows(IllegalArgumentException.class, () -> b.compareAndSetLong(12, 0, 1));
            assertThrows(IllegalArgumentException.class, () -> b.getAndAddInt(2, 1));
            assertEquals(before, b.getLong(16), "a refused atomic call writes nothing");
            assertThrows(IndexOutOfBoundsException.class, () -> b.getAndAddLong(64, 1));
        }
    }

    @Test
    void getAndAddFromTwoThreadsLosesNoUpdate() throws Exception {
        try (MemoryBlock b = heap.allocateBlock(16)) {
            int perThread = 100_000;
            CyclicBarrier start = new CyclicBarrier(2);
            Runnable adder = () -> {
                await(start);
                for (int i = 0; i < perThread; i++) {
                    b.getAndAddLong(8, 1);
                    b.getAndAddInt(0, 1);
                }
            };
            Thread other = new Thread(adder);
            other.start();
            adder.run();
            other.join();
            assertEquals(2L * perThread, b.getLongVolatile(8));
            assertEquals(2 * perThread, b.getIntVolatile(0));
        }
    }

    @Test
    void aSliceIsTheSameMemoryWithItsOwnBoundsAndTheBlocksLife() {
        MemoryBlock b = heap.allocateBlock(64);
        MemoryBlock s = b.slice(16, 8);
        assertEquals(8, s.size());
        assertEquals(b.address() + 16, s.address());
        s.putLong(0, 99);
        assertEquals(99, b.getLong(16));
        assertThrows(IndexOutOfBoundsException.class, () -> s.getByte(8));
        assertThrows(IndexOutOfBoundsException.class, () -> b.slice(60, 8));
        assertThrows(IndexOutOfBoundsException.class, () -> s.slice(-1, 2));
        MemoryBlock inner = s.slice(4, 4);
        assertEquals(b.address() + 20, inner.address());
        assertThrows(UnsupportedOperationException.class, s::free);
        s.close();
        assertTrue(b.isLive(), "closing a slice leaves its block alone");
        b.free();
        assertFalse(s.isLive());
        assertFalse(inner.isLive());
        assertThrows(IllegalStateException.class, () -> s.getLong(0));
        assertThrows(IllegalStateException.class, () -> inner.putInt(0, 1));
        assertThrows(IllegalStateException.class, () -> b.slice(0, 1));
    }

    @Test
    void blocksAndRawCallsShareTheThreadCache() {
        long raw = heap.allocate(48);
        heap.free(raw);
        MemoryBlock b = heap.allocateBlock(48);
        assertEquals(raw, b.address(), "the block took the chunk the raw free cached");
        b.free();
        assertEquals(raw, heap.allocate(48), "and a raw call takes it back from the cache");
        heap.free(raw);
        heap.verify();
        assertEquals(0, heap.stats().liveChunks());
    }

    @Test
    void ofTwoRacingFreesOfOneBlockExactlyOneSucceeds() throws Exception {
        int rounds = 2_000;
        CyclicBarrier start = new CyclicBarrier(2);
        MemoryBlock[] block = new MemoryBlock[1];
        AtomicInteger wins = new AtomicInteger();
        Runnable freer = () -> {
            for (int i = 0; i < rounds; i++) {
                await(start);
                freeCounting(block[0], wins);
                await(start);
            }
        };
        Thread other = new Thread(freer);
        other.start();
        for (int i = 0; i < rounds; i++) {
            block[0] = heap.allocateBlock(8 + (i % 64) * 8);
            await(start);
            freeCounting(block[0], wins);
            await(start);
            assertEquals(i + 1, wins.get(), "round " + i + ": exactly one free wins");
        }
        other.join();
        heap.verify();
        assertEquals(0, heap.stats().liveChunks(), "nothing leaked, nothing freed twice");
    }

    /** Frees the block, counting the free if it was this one that succeeded. */
    private static void freeCounting(MemoryBlock block, AtomicInteger wins) {
        try {
            block.free();
            wins.incrementAndGet();
        } catch (IllegalStateException expected) {
            // the other thread's free came first
        }
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
