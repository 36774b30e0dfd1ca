package io.mmapheap;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.mmapheap.os.ProcessMemory;
import io.mmapheap.os.VirtualMemory;

/**
 * Run in a JVM of its own by {@link AddressSpaceLimitTest}: lowers its own RLIMIT_AS to a little
 * above its current VSZ with prlimit(1), allocates until the kernel refuses, and checks that the
 * refusal is a {@link HeapExhaustedException} naming ENOMEM with nothing lost. Prints one line per
 * finding and "PROBE OK" at the end; exit code 0 only if all held.
 */
public final class AddressSpaceProbe {

    private static final long HEADROOM = 96L << 20;
    private static final int CHUNK = 1 << 20;

    private AddressSpaceProbe() {
    }

    public static void main(String[] args) throws Exception {
        long limit = ProcessMemory.vsz() + HEADROOM;
        Process prlimit = new ProcessBuilder("prlimit", "--pid", Long.toString(ProcessMemory.pid()),
                "--as=" + limit + ":" + limit).inheritIO().start();
        if (!prlimit.waitFor(10, TimeUnit.SECONDS) || prlimit.exitValue() != 0) {
            fail("prlimit could not lower RLIMIT_AS");
        }
        System.out.println("RLIMIT_AS lowered to " + limit + " bytes (VSZ " + ProcessMemory.vsz() + ")");
        ElasticHeap heap = ElasticHeap.builder().build();
        List<Long> chunks = new ArrayList<>();
        HeapExhaustedException refused = null;
        while (refused == null) {
            try {
                long a = heap.allocate(CHUNK);
                RawMemory.putLong(a, a);
                RawMemory.putLong(a + CHUNK - Long.BYTES, ~a);
                chunks.add(a);
            } catch (HeapExhaustedException e) {
                refused = e;
            }
        }
        System.out.println("refused after " + chunks.size() + " MiB: " + refused.getMessage());
        check(refused.errno() == VirtualMemory.ENOMEM, "errno() is ENOMEM");
        check(refused.getMessage().contains("ENOMEM"), "the message names ENOMEM");
        heap.verify();
        for (long a : chunks) {
            check(RawMemory.getLong(a) == a && RawMemory.getLong(a + CHUNK - Long.BYTES) == ~a, "chunk 0x" + Long.toHexString(a) + " intact");
        }
        for (int i = 0; i < 4 && !chunks.isEmpty(); i++) {
            heap.free(chunks.remove(chunks.size() - 1));
        }
        long again = heap.allocate(CHUNK);
        RawMemory.putLong(again, 1);
        System.out.println("after 4 frees, allocate succeeded again");
        heap.free(again);
        for (long a : chunks) {
            heap.free(a);
        }
        heap.verify();
        heap.close();
        System.out.println("PROBE OK");
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            fail(what);
        }
    }

    private static void fail(String what) {
        System.out.println("PROBE FAILED: " + what);
        System.exit(1);
    }
}
