package io.mmapheap.consumer;

import io.mmapheap.ElasticHeap;
import io.mmapheap.HeapStats;
import io.mmapheap.MemoryBlock;
import io.mmapheap.RawMemory;

/**
 * Allocates through a checked handle and through a raw address, checks what it reads back, and
 * prints one line that run.sh compares: where the program ran (class path or module path) and how
 * mmapheap reached memory.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
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
        }
        String where = Main.class.getModule().isNamed() ? "module path" : "class path";
        System.out.println("consumer ok on the " + where + ", memory access " + RawMemory.path());
    }
}
