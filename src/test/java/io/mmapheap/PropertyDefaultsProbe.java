package io.mmapheap;

/**
 * Run in a JVM of its own by {@link PropertyDefaultsTest} with the debugging properties set:
 * prints what a heap built with no explicit settings does, one finding per line.
 */
public final class PropertyDefaultsProbe {

    private PropertyDefaultsProbe() {
    }

    public static void main(String[] args) {
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            System.out.println("thread caching " + heap.threadCaching());
            long a = heap.allocate(32);
            System.out.println("new byte " + Integer.toHexString(RawMemory.getByte(a) & 0xff));
            heap.free(a);
            System.out.println("freed byte " + Integer.toHexString(RawMemory.getByte(a) & 0xff));
            heap.free(a);
            System.out.println("double free returned");
            MemoryBlock block = heap.allocateBlock(8);
            System.out.println("read past the block " + block.getLong(4));
            heap.allocate(40);
        }
    }
}
