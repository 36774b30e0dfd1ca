package io.mmapheap.consumer;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.management.ObjectName;

import io.mmapheap.AllocatorMXBean;
import io.mmapheap.ElasticHeap;
import io.mmapheap.HeapStats;
import io.mmapheap.MemoryBlock;
import io.mmapheap.RawMemory;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * Allocates through a checked handle and through a raw address, checks what it reads back, reads
 * the heap's figures through its MXBean and finds its growth in a flight recording, and prints one
 * line that run.sh compares: where the program ran (class path or module path) and how mmapheap
 * reached memory.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        Path events = Files.createTempFile("consumer", ".jfr");
        try (Recording recording = new Recording()) {
            recording.enable("io.mmapheap.Growth");
            recording.start();
            use();
            recording.stop();
            recording.dump(events);
        }
        long growths = RecordingFile.readAllEvents(events).stream().map(RecordedEvent::getEventType)
                .filter(type -> type.getName().equals("io.mmapheap.Growth")).count();
        Files.delete(events);
        if (growths == 0) {
            throw new AssertionError("no io.mmapheap.Growth event recorded");
        }
        String where = Main.class.getModule().isNamed() ? "module path" : "class path";
        System.out.println("consumer ok on the " + where + ", memory access " + RawMemory.path());
    }

    private static void use() throws Exception {
        try (ElasticHeap heap = ElasticHeap.builder().name("consumer").build()) {
            ObjectName name = new ObjectName(AllocatorMXBean.OBJECT_NAME_PREFIX + ObjectName.quote("consumer"));
            MemoryBlock block = heap.allocateBlock(64);
            block.putLong(0, 42L);
            long address = heap.allocate(4096);
            RawMemory.putLong(address + 4088, block.getLong(0) + 1);
            long read = RawMemory.getLong(address + 4088);
            block.free();
            heap.free(address);
            HeapStats stats = heap.stats();
            if (read != 43L || stats.liveChunks() != 0) {
                throw new AssertionError("read " + read + ", live chunks " + stats.liveChunks());
            }
            Object mapped = ManagementFactory.getPlatformMBeanServer().getAttribute(name, "BytesMapped");
            if (!(mapped instanceof Long) || (Long) mapped != heap.stats().bytesMapped()) {
                throw new AssertionError("the MXBean says " + mapped + " bytes mapped, stats() " + heap.stats().bytesMapped());
            }
        }
    }
}
