package io.mmapheap;

/**
 * Run by {@link PageControlTest} in a JVM of its own under a low RLIMIT_MEMLOCK: a locked heap
 * whose commit the kernel refuses must say so clearly and stay as it was.
 */
public final class MemlockProbe {

    /** CAP_IPC_LOCK's bit in the capability sets. */
    private static final int CAP_IPC_LOCK = 14;

    private MemlockProbe() {
    }

    public static void main(String[] args) {
        long effective = effectiveCapabilities();
        if ((effective >> CAP_IPC_LOCK & 1) != 0) {
            System.out.println("SKIP: this process has CAP_IPC_LOCK, which no memlock limit binds");
            return;
        }
        try (ElasticHeap heap = ElasticHeap.builder().lockPages(true).build()) {
            long small = heap.allocate(1000);
            HeapStats before = heap.stats();
            try {
                heap.allocate(4 << 20);
                System.out.println("FAIL: 4 MiB were locked under the limit");
                return;
            } catch (HeapExhaustedException e) {
                System.out.println("refused: " + e.getMessage());
            }
            HeapStats after = heap.stats();
            if (after.bytesMapped() != before.bytesMapped() || after.liveChunks() != before.liveChunks()) {
                System.out.println("FAIL: the refusal changed the heap: " + before + " -> " + after);
                return;
            }
            heap.free(small);
            heap.verify();
            long grown = heap.allocate(20_000);
            try {
                heap.reallocate(grown, 1 << 20);
                System.out.println("FAIL: a reallocate locked 1 MiB under the limit");
                return;
            } catch (HeapExhaustedException e) {
                System.out.println("refused reallocate: " + e.getMessage());
            }
            heap.free(grown);
        }
        // Refused commits of new regions leave nothing mapped: no reservation, no guard.
        try (ElasticHeap heap = ElasticHeap.builder().lockPages(true).guardPages(true).threadCache(false).build()) {
            long held = heap.allocate(200_000);
            long guards = heap.stats().guardBytes();
            long vsz = io.mmapheap.os.ProcessMemory.vsz();
            for (int i = 0; i < 200; i++) {
                try {
                    heap.allocate(100_000);
                    System.out.println("FAIL: 100,000 more bytes were locked under the limit");
                    return;
                } catch (HeapExhaustedException expected) {
                    // Refused, as it should be.
                }
            }
            long grew = io.mmapheap.os.ProcessMemory.vsz() - vsz;
            if (heap.stats().guardBytes() != guards || grew > (16 << 20)) {
                System.out.println("FAIL: refused commits left mappings: guard bytes " + guards + " -> " + heap.stats().guardBytes()
                        + ", VSZ grew " + grew);
                return;
            }
            heap.free(held);
        }
        System.out.println("PROBE OK");
    }

    private static long effectiveCapabilities() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Paths.get("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    return Long.parseUnsignedLong(line.substring("CapEff:".length()).trim(), 16);
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return 0;
    }
}
