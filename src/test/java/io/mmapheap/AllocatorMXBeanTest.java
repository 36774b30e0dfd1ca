package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;

import javax.management.JMX;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.junit.jupiter.api.Test;

import io.mmapheap.os.ProcessMemory;

/** A named allocator's MXBean: where it is registered, what its attributes read, when it goes. */
class AllocatorMXBeanTest {

    private static final long PAGE = 4096;
    private static final MBeanServer SERVER = ManagementFactory.getPlatformMBeanServer();

    private static ObjectName objectName(String name) throws Exception {
        return new ObjectName(AllocatorMXBean.OBJECT_NAME_PREFIX + ObjectName.quote(name));
    }

    private static String attributeOf(RecordComponent field) {
        return Character.toUpperCase(field.getName().charAt(0)) + field.getName().substring(1);
    }

    @Test
    void closingAgainLeavesTheNextAllocatorOfTheNameRegistered() throws Exception {
        ObjectName name = objectName("reclosed");
        ElasticHeap first = ElasticHeap.builder().name("reclosed").build();
        first.close();
        try (ElasticHeap second = ElasticHeap.builder().name("reclosed").build();
             StripedHeap striped = StripedHeap.of(2, ElasticHeap.builder().name("reclosed-striped"))) {
            first.close();
            assertTrue(SERVER.isRegistered(name), "the second heap's MXBean survives the first's second close");
            assertThrows(IllegalStateException.class, () -> ElasticHeap.builder().name("reclosed").build(),
                    "the name still belongs to the open heap");
            striped.close();
            try (StripedHeap again = StripedHeap.of(2, ElasticHeap.builder().name("reclosed-striped"))) {
                striped.close();
                assertTrue(SERVER.isRegistered(objectName("reclosed-striped")));
            }
        }
        assertFalse(SERVER.isRegistered(name));
    }

    @Test
    void aNamedAllocatorIsRegisteredUnderItsQuotedNameUntilClose() throws Exception {
        String name = "AllocatorMXBeanTest, \"quoted\" *";
        ObjectName objectName = new ObjectName("io.mmapheap:type=Allocator,name=" + ObjectName.quote(name));
        assertFalse(SERVER.isRegistered(objectName));
        ElasticHeap heap = ElasticHeap.builder().name(name).build();
        try {
            assertTrue(SERVER.isRegistered(objectName));
            assertTrue(JMX.isMXBeanInterface(AllocatorMXBean.class));
            assertEquals(name, SERVER.getAttribute(objectName, "Name"));
            assertEquals("ElasticHeap", SERVER.getAttribute(objectName, "AllocatorType"));
        } finally {
            heap.close();
        }
        assertFalse(SERVER.isRegistered(objectName), "unregistered by close");
        heap.close();
        assertFalse(SERVER.isRegistered(objectName), "a second close changes nothing");
    }

    @Test
    void everyStatsFieldIsAnAttributeThatReadsStatsNow() throws Exception {
        ObjectName objectName = objectName("AllocatorMXBeanTest.attributes");
        try (ElasticHeap heap = ElasticHeap.builder().name("AllocatorMXBeanTest.attributes").reportLeaks(false).build()) {
            List<Long> chunks = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                chunks.add(heap.allocate(100 + 37 * i));
            }
            long large = heap.allocate(1 << 20);
            for (int i = 0; i < chunks.size(); i += 3) {
                heap.free(chunks.get(i));
            }
            HeapStats stats = heap.stats();
            List<String> attributes = new ArrayList<>();
            for (MBeanAttributeInfo info : SERVER.getMBeanInfo(objectName).getAttributes()) {
                attributes.add(info.getName());
            }
            for (RecordComponent field : HeapStats.class.getRecordComponents()) {
                String attribute = attributeOf(field);
                assertTrue(attributes.contains(attribute), attribute + " among " + attributes);
                assertEquals(field.getAccessor().invoke(stats), SERVER.getAttribute(objectName, attribute), attribute);
            }
            assertEquals(stats.arenaBytes(), SERVER.getAttribute(objectName, "ArenaBytes"));
            assertEquals(stats.fragmentation(), SERVER.getAttribute(objectName, "Fragmentation"));
            assertEquals(stats.metadataOverhead(), SERVER.getAttribute(objectName, "MetadataOverhead"));
            assertTrue(stats.liveChunks() > 60 && stats.dedicatedBytes() == 1 << 20 && stats.freeChunks() > 0, stats.toString());

            AllocatorMXBean proxy = JMX.newMXBeanProxy(SERVER, objectName, AllocatorMXBean.class);
            long inUse = proxy.getBytesInUse();
            heap.free(large);
            assertEquals(inUse - (1 << 20), proxy.getBytesInUse(), "read when read, not when registered");
            assertEquals(heap.stats().liveChunks(), proxy.getLiveChunks());
        }
    }

    @Test
    void anUnnamedAllocatorRegistersNothing() {
        int before = SERVER.queryNames(null, null).size();
        try (ElasticHeap heap = ElasticHeap.builder().build(); PageAllocator pages = PageAllocator.builder().build()) {
            assertEquals(before, SERVER.queryNames(null, null).size());
            assertEquals(null, heap.bean);
            assertEquals(null, pages.bean);
        }
    }

    @Test
    void aNameOfAnOpenAllocatorIsRefusedAndTheRefusedBuildMapsNothing() throws Exception {
        String name = "AllocatorMXBeanTest.twice";
        try (PageAllocator first = PageAllocator.builder().name(name).pages(3).build()) {
            int mappings = ProcessMemory.mappingCount();
            // Other code of this JVM may hold a mapping of that size too: count, then compare.
            long ofItsSize = ProcessMemory.maps().stream().filter(m -> m.size() == 77 * PAGE).count();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> PageAllocator.builder().name(name).pages(77).build());
            assertTrue(e.getMessage().contains("\"" + name + "\" is open already"), e.getMessage());
            assertEquals(ofItsSize, ProcessMemory.maps().stream().filter(m -> m.size() == 77 * PAGE).count(),
                    "nothing mapped for the refused one");
            assertTrue(ProcessMemory.mappingCount() <= mappings + 2, "no mapping left behind");
            assertThrows(IllegalStateException.class, () -> ElasticHeap.builder().name(name).build());
            assertThrows(IllegalStateException.class, () -> StripedHeap.of(2, ElasticHeap.builder().name(name)));
            assertEquals("PageAllocator", SERVER.getAttribute(objectName(name), "AllocatorType"), "the first keeps its MXBean");
            assertEquals(3 * PAGE, SERVER.getAttribute(objectName(name), "BytesMapped"));
        }
        try (ElasticHeap again = ElasticHeap.builder().name(name).build()) {
            assertEquals("ElasticHeap", SERVER.getAttribute(objectName(name), "AllocatorType"), "free again after close");
        }
    }

    @Test
    void anAllocatorThatLosesTheRaceForItsNameIsClosed() throws Exception {
        String name = "AllocatorMXBeanTest.race";
        try (ElasticHeap winner = ElasticHeap.builder().name(name).build()) {
            // Built unnamed, as by a builder that checked the name before the winner registered it.
            PageAllocator loser = PageAllocator.builder().pages(5).build();
            long base = loser.base();
            assertThrows(IllegalStateException.class, () -> AllocatorBean.register(name, "PageAllocator", loser));
            assertThrows(IllegalStateException.class, loser::stats, "closed");
            assertTrue(ProcessMemory.mappingOf(base).map(m -> m.size() != 5 * PAGE).orElse(true), "its mapping is gone");
            assertEquals("ElasticHeap", SERVER.getAttribute(objectName(name), "AllocatorType"));
        }
    }

    @Test
    void theMXBeanOfAClosedAllocatorReadsZero() {
        ElasticHeap heap = ElasticHeap.builder().name("AllocatorMXBeanTest.closed").reportLeaks(false).build();
        heap.allocate(4000);
        AllocatorMXBean bean = heap.bean;
        assertNotEquals(0, bean.getBytesMapped());
        heap.free(heap.allocate(10));
        heap.close();
        assertEquals(0, bean.getBytesMapped());
        assertEquals(0, bean.getLiveChunks());
        assertEquals(0.0, bean.getFragmentation());
    }

    @Test
    void aStrictCloseThatThrowsStillUnregisters() throws Exception {
        ObjectName objectName = objectName("AllocatorMXBeanTest.strict");
        ElasticHeap heap = ElasticHeap.builder().name("AllocatorMXBeanTest.strict").strictClose(true).build();
        heap.allocate(64);
        assertThrows(IllegalStateException.class, heap::close);
        assertFalse(SERVER.isRegistered(objectName));
    }

    @Test
    void aNamedStripedHeapRegistersOneMXBeanThatAddsItsArenas() throws Exception {
        String name = "AllocatorMXBeanTest.striped";
        ObjectName objectName = objectName(name);
        StripedHeap striped = StripedHeap.of(2, ElasticHeap.builder().name(name).reportLeaks(false));
        try {
            Thread other = new Thread(() -> striped.allocate(100_000));
            striped.allocate(50_000);
            other.start();
            other.join();
            for (int i = 0; i < 2; i++) {
                assertFalse(SERVER.isRegistered(objectName(name + "[" + i + "]")), "arenas have no MXBean of their own");
            }
            assertEquals("StripedHeap", SERVER.getAttribute(objectName, "AllocatorType"));
            assertEquals(striped.stats().bytesMapped(), SERVER.getAttribute(objectName, "BytesMapped"));
            assertEquals(2L, SERVER.getAttribute(objectName, "LiveChunks"), "a chunk in each arena");
            assertEquals(striped.stats().regions(), SERVER.getAttribute(objectName, "Regions"));
        } finally {
            striped.close();
        }
        assertFalse(SERVER.isRegistered(objectName));
    }

    @Test
    void aBlankNameIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> ElasticHeap.builder().name(" "));
        assertThrows(NullPointerException.class, () -> PageAllocator.builder().name(null));
    }
}
