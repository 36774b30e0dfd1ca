package io.mmapheap.os;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.mmapheap.RawMemory;

class VirtualMemoryTest {

    private static final long PAGE = VirtualMemory.pageSize();
    private long mapped;
    private long mappedLength;

    /** Maps where no neighbour can merge with it, so its maps line and smaps record are its own. */
    private long mapIsolated(long length) {
        mappedLength = length;
        mapped = VirtualMemory.map(ProcessMemory.isolatedHint(length), length,
                VirtualMemory.PROT_READ | VirtualMemory.PROT_WRITE,
                VirtualMemory.MAP_PRIVATE | VirtualMemory.MAP_ANONYMOUS);
        return mapped;
    }

    @AfterEach
    void unmap() {
        if (mapped != 0) {
            VirtualMemory.unmap(mapped, mappedLength);
        }
    }

    @Test
    void pageSizeIsTheKernelsFourKibPage() {
        assertEquals(4096, PAGE);
    }

    @Test
    void everyJavaConstantEqualsTheCHeaderValue() throws ReflectiveOperationException {
        long[] fromHeaders = Syscalls.headerConstants();
        assertEquals(Syscalls.HEADER_CONSTANT_NAMES.size(), fromHeaders.length);
        for (int i = 0; i < fromHeaders.length; i++) {
            String name = Syscalls.HEADER_CONSTANT_NAMES.get(i);
            Field f = VirtualMemory.class.getField(name);
            assertEquals(fromHeaders[i], f.getInt(null), name);
        }
    }

    @Test
    void aMappedPageIsAnAnonymousPrivateMappingThatBecomesResidentOnlyWhenWritten() {
        long address = mapIsolated(PAGE);
        MapsEntry entry = ProcessMemory.mappingOf(address).orElseThrow();
        assertEquals(address, entry.start());
        assertEquals(PAGE, entry.size());
        assertEquals("rw-p", entry.perms());
        assertTrue(entry.isAnonymous(), entry.toString());

        assertEquals(0, ProcessMemory.smapsOf(address).orElseThrow().rss());
        assertFalse(VirtualMemory.residency(address, PAGE)[0]);

        RawMemory.putLong(address, 0x1234_5678_9abc_def0L);

        SmapsRecord after = ProcessMemory.smapsOf(address).orElseThrow();
        assertEquals(PAGE, after.rss());
        assertEquals(PAGE, after.anonymous());
        assertTrue(VirtualMemory.residency(address, PAGE)[0]);

        VirtualMemory.unmap(address, PAGE);
        mapped = 0;
        assertTrue(ProcessMemory.mappingOf(address).isEmpty());
    }

    @Test
    void madviseDontNeedMakesATouchedPageNonResidentAndZero() {
        long address = mapIsolated(2 * PAGE);
        RawMemory.fill(address, 2 * PAGE, (byte) 0x5a);
        assertEquals(2, VirtualMemory.residentPages(address, 2 * PAGE));

        VirtualMemory.advise(address, PAGE, VirtualMemory.MADV_DONTNEED);

        assertArrayEquals(new boolean[] {false, true}, VirtualMemory.residency(address, 2 * PAGE));
        for (long i = 0; i < PAGE; i += Long.BYTES) {
            assertEquals(0, RawMemory.getLong(address + i));
        }
        assertEquals((byte) 0x5a, RawMemory.getByte(address + PAGE));
    }

    @Test
    void mprotectToReadOnlyShowsInTheMapsLine() {
        long address = mapIsolated(PAGE);
        VirtualMemory.protect(address, PAGE, VirtualMemory.PROT_READ);
        assertEquals("r--p", ProcessMemory.mappingOf(address).orElseThrow().perms());
        assertEquals(0, RawMemory.getLong(address));
    }

    @Test
    void mlockMakesPagesResidentAndMunlockSucceeds() {
        long address = mapIsolated(PAGE);
        VirtualMemory.lock(address, PAGE);
        assertTrue(VirtualMemory.residency(address, PAGE)[0]);
        VirtualMemory.unlock(address, PAGE);
    }

    @Test
    void munmapOfAnUnalignedAddressFailsWithEinval() {
        long address = mapIsolated(PAGE);
        NativeMemoryException e = assertThrows(NativeMemoryException.class, () -> VirtualMemory.unmap(address + 8, PAGE));
        assertEquals(VirtualMemory.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("munmap"), e.getMessage());
        assertTrue(e.getMessage().contains("Invalid argument"), e.getMessage());
    }

    @Test
    void mmapOfAnAbsurdLengthFailsWithEnomem() {
        NativeMemoryException e = assertThrows(NativeMemoryException.class, () -> VirtualMemory.mapAnonymous(1L << 60));
        assertEquals(VirtualMemory.ENOMEM, e.errno());
        assertEquals("mmap(address=0x0, length=" + (1L << 60) + ")", e.call());
        assertTrue(e.getMessage().contains("Cannot allocate memory"), e.getMessage());
    }

    @Test
    void mprotectOfAnUnmappedRangeReportsTheKernelsEnomem() {
        long address = mapIsolated(PAGE);
        VirtualMemory.unmap(address, PAGE);
        mapped = 0;
        NativeMemoryException e = assertThrows(NativeMemoryException.class,
                () -> VirtualMemory.protect(address, PAGE, VirtualMemory.PROT_READ));
        assertEquals(VirtualMemory.ENOMEM, e.errno());
    }

    @Test
    void zeroOrNegativeLengthsAreRejectedBeforeCrossingJni() {
        assertThrows(IllegalArgumentException.class, () -> VirtualMemory.mapAnonymous(0));
        assertThrows(IllegalArgumentException.class, () -> VirtualMemory.mapAnonymous(-PAGE));
        assertThrows(IllegalArgumentException.class, () -> VirtualMemory.unmap(PAGE, 0));
        assertThrows(IllegalArgumentException.class, () -> VirtualMemory.advise(PAGE, -1, VirtualMemory.MADV_DONTNEED));
        assertThrows(IllegalArgumentException.class, () -> VirtualMemory.protect(PAGE, 0, VirtualMemory.PROT_READ));
        assertThrows(IllegalArgumentException.class, () -> VirtualMemory.lock(PAGE, 0));
        assertThrows(IllegalArgumentException.class, () -> VirtualMemory.residency(PAGE, 0));
    }

    @Test
    void unknownFlagsAndNonAnonymousMappingsAreRejected() {
        int rw = VirtualMemory.PROT_READ | VirtualMemory.PROT_WRITE;
        assertThrows(IllegalArgumentException.class, () -> VirtualMemory.map(0, PAGE, rw, VirtualMemory.MAP_PRIVATE));
        assertThrows(IllegalArgumentException.class, () -> VirtualMemory.map(0, PAGE, rw, VirtualMemory.MAP_ANONYMOUS));
        assertThrows(IllegalArgumentException.class, () -> VirtualMemory.map(0, PAGE, rw,
                VirtualMemory.MAP_ANONYMOUS | VirtualMemory.MAP_PRIVATE | VirtualMemory.MAP_SHARED));
        assertThrows(IllegalArgumentException.class, () -> VirtualMemory.map(0, PAGE, rw,
                VirtualMemory.MAP_ANONYMOUS | VirtualMemory.MAP_PRIVATE | 0x10 /* MAP_FIXED: refused on purpose */));
        assertThrows(IllegalArgumentException.class, () -> VirtualMemory.map(0, PAGE, 0x8, VirtualMemory.MAP_ANONYMOUS | VirtualMemory.MAP_PRIVATE));
        assertThrows(IllegalArgumentException.class, () -> VirtualMemory.advise(PAGE, PAGE, 1234));
    }

    @Test
    void mremapGrowsAMappingAndItsContentsMoveWithIt() {
        long address = VirtualMemory.mapAnonymous(PAGE);
        RawMemory.putLong(address + 8, 0xfeedL);
        long moved = VirtualMemory.remap(address, PAGE, 64 * PAGE, VirtualMemory.MREMAP_MAYMOVE);
        mapped = moved;
        mappedLength = 64 * PAGE;
        assertEquals(0xfeedL, RawMemory.getLong(moved + 8));
        assertEquals(0, RawMemory.getLong(moved + 63 * PAGE), "the new pages read zero");
        assertThrows(NativeMemoryException.class, () -> VirtualMemory.remap(moved + 1, PAGE, 2 * PAGE, 0));
        assertThrows(IllegalArgumentException.class, () -> VirtualMemory.remap(moved, PAGE, 2 * PAGE, 0x10));
        assertThrows(IllegalArgumentException.class, () -> VirtualMemory.remap(moved, 0, 2 * PAGE, 0));
    }

    @Test
    void directBufferSeesTheSameBytes() {
        long address = mapIsolated(PAGE);
        ByteBuffer buffer = VirtualMemory.directBuffer(address, (int) PAGE).order(ByteOrder.nativeOrder());
        assertTrue(buffer.isDirect());
        assertEquals(PAGE, buffer.capacity());
        buffer.putLong(16, 42L);
        assertEquals(42L, RawMemory.getLong(address + 16));
    }

    @Test
    void strerrorNamesTheError() {
        assertEquals("Cannot allocate memory", VirtualMemory.strerror(VirtualMemory.ENOMEM));
    }
}
