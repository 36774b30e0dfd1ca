package io.mmapheap;

/**
 * A program that uses the library as a consumer would, from the class path: run in a child JVM by
 * {@link JarOnModernJdkTest} to see what the JVM prints about it.
 */
public final class ConsumerProbe {

    private ConsumerProbe() {
    }

    public static void main(String[] args) {
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            try (MemoryBlock block = heap.allocateBlock(64)) {
                block.putLong(0, 42);
                block.fill(8, 8, (byte) 1);
                if (block.getLong(0) != 42 || block.getAndAddLong(8, 1) != 0x0101010101010101L) {
                    throw new AssertionError("the block does not hold what was written");
                }
            }
            long raw = heap.reallocate(heap.allocateZeroed(100), 5000);
            RawMemory.putInt(raw, 7);
            heap.free(raw);
        }
        System.out.println("consumer probe: ok, memory access " + RawMemory.path());
    }
}
