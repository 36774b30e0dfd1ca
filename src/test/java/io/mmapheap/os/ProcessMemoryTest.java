package io.mmapheap.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ProcessMemoryTest {

    private static final long PAGE = VirtualMemory.pageSize();

    @Test
    void vszAndRssArePositiveAndAgreeWithStatus() {
        long vsz = ProcessMemory.vsz();
        Map<String, Long> status = ProcessMemory.status();
        assertTrue(vsz > 0);
        assertTrue(ProcessMemory.rss() > 0);
        assertTrue(status.containsKey("VmRSS"));
        // Both read the same kernel figure; status is in kB, so allow the rounding plus some churn.
        assertTrue(Math.abs(status.get("VmSize") - vsz) < 64L << 20, "VmSize " + status.get("VmSize") + " vs vsz " + vsz);
        assertEquals(0, vsz % PAGE);
    }

    @Test
    void vszGrowsByTheMappedLength() {
        long length = 256 * PAGE;
        long before = ProcessMemory.vsz();
        long address = VirtualMemory.mapAnonymous(length);
        long after = ProcessMemory.vsz();
        VirtualMemory.unmap(address, length);
        assertTrue(after - before >= length, "VSZ grew by " + (after - before));
    }

    @Test
    void mapsListsTheCodeOfThisProcess() {
        List<MapsEntry> maps = ProcessMemory.maps();
        assertTrue(maps.size() > 10);
        assertTrue(maps.stream().anyMatch(m -> m.path().equals("[stack]")));
        for (int i = 1; i < maps.size(); i++) {
            assertTrue(Long.compareUnsigned(maps.get(i - 1).end(), maps.get(i).start()) <= 0, "sorted, disjoint");
        }
    }

    @Test
    void parsesMapsLinesWithAndWithoutPath() {
        MapsEntry lib = MapsEntry.parse("7f1c2a000000-7f1c2a021000 r-xp 00002000 fe:01 1234   /usr/lib/x86_64-linux-gnu/libc.so.6");
        assertEquals(0x7f1c2a000000L, lib.start());
        assertEquals(0x21000, lib.size());
        assertEquals("r-xp", lib.perms());
        assertEquals(0x2000, lib.offset());
        assertEquals("fe:01", lib.device());
        assertEquals(1234, lib.inode());
        assertEquals("/usr/lib/x86_64-linux-gnu/libc.so.6", lib.path());
        assertFalse(lib.isAnonymous());

        MapsEntry anon = MapsEntry.parse("7f1c2a021000-7f1c2a022000 rw-p 00000000 00:00 0 ");
        assertTrue(anon.isAnonymous());
        assertTrue(anon.contains(0x7f1c2a021fffL));
        assertFalse(anon.contains(0x7f1c2a022000L));
        assertEquals("7f1c2a021000-7f1c2a022000 rw-p 00000000 00:00 0", anon.toString());

        assertThrows(IllegalArgumentException.class, () -> MapsEntry.parse("garbage"));
        assertThrows(IllegalArgumentException.class, () -> MapsEntry.parse("zz-yy rw-p 0 00:00 0"));
    }

    @Test
    void smapsOfAnAddressDescribesItsMapping() {
        long address = VirtualMemory.map(ProcessMemory.isolatedHint(3 * PAGE), 3 * PAGE,
                VirtualMemory.PROT_READ | VirtualMemory.PROT_WRITE,
                VirtualMemory.MAP_PRIVATE | VirtualMemory.MAP_ANONYMOUS);
        try {
            io.mmapheap.RawMemory.putByte(address + PAGE, (byte) 1);
            SmapsRecord record = ProcessMemory.smapsOf(address + 2 * PAGE + 5).orElseThrow();
            assertEquals(address, record.mapping().start());
            assertEquals(3 * PAGE, record.size());
            assertEquals(PAGE, record.rss());
            assertEquals(-1, record.bytes("NoSuchCounter"));
        } finally {
            VirtualMemory.unmap(address, 3 * PAGE);
        }
        assertTrue(ProcessMemory.smapsOf(address).isEmpty());
    }
}
