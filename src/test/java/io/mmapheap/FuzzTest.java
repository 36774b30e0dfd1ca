package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Seeded random sequences of valid and invalid calls. Valid calls must succeed (or report
 * exhaustion), invalid ones must be rejected with the documented exception, {@code verify()} runs
 * after every invalid call, and every live chunk keeps its contents. The seed is in every failure.
 */
class FuzzTest {

    private static final int SHORT_OPS = 30_000;
    private static final int LONG_OPS = 3_000_000;
    /**
     * A long run walks the heap with verify() after every this-many-th invalid call: verify reads
     * every cached chunk of the heap, which a long run's caches hold by the ten thousand.
     */
    private static final int VERIFY_EVERY = 64;
    /** Above this many live chunks the fuzzer frees instead of allocating, so the heap stays small. */
    private static final int MAX_LIVE = 2000;

    @Test
    void shortFuzz() {
        for (long seed = 1; seed <= 3; seed++) {
            fuzz(seed, SHORT_OPS);
        }
    }

    @Tag("long")
    @Test
    void longFuzz() {
        for (long seed = 100; seed < 104; seed++) {
            fuzz(seed, LONG_OPS);
        }
    }

    /** @return the number of invalid calls tried */
    static int fuzz(long seed, int ops) {
        SplittableRandom random = new SplittableRandom(seed);
        int invalid = 0;
        try (ElasticHeap heap = ElasticHeap.builder().growthPages(1 + random.nextInt(8)).maxPages(4096)
                .perturb(random.nextBoolean() ? 0 : 0x5a).build()) {
            List<long[]> live = new ArrayList<>();
            for (int i = 0; i < ops; i++) {
                int action = random.nextInt(100);
                if (action < 40 && live.size() >= MAX_LIVE) {
                    action += 30;
                }
                try {
                    if (action < 40 || live.isEmpty()) {
                        long size = 1 + random.nextInt(random.nextInt(20) == 0 ? 300_000 : 1024);
                        long a = random.nextInt(5) == 0 ? heap.allocate(size, 1L << random.nextInt(14)) : heap.allocate(size);
                        RawMemory.fill(a, size, (byte) a);
                        live.add(new long[] {a, size});
                    } else if (action < 70) {
                        long[] c = live.remove(random.nextInt(live.size()));
                        check(c, seed, i);
                        heap.free(c[0]);
                    } else if (action < 80) {
                        int k = random.nextInt(live.size());
                        long[] c = live.get(k);
                        check(c, seed, i);
                        long size = 1 + random.nextInt(4096);
                        long moved = heap.reallocate(c[0], size);
                        RawMemory.fill(moved, size, (byte) moved);
                        live.set(k, new long[] {moved, size});
                    } else {
                        invalid++;
                        invalidCall(heap, random, live);
                        // invalidCall checks the stats; the whole structure is walked after every
                        // invalid call of a short run, and after every VERIFY_EVERY-th of a long one.
                        if (ops <= SHORT_OPS || invalid % VERIFY_EVERY == 0) {
                            heap.verify();
                        }
                    }
                } catch (HeapExhaustedException full) {
                    heap.verify();
                }
            }
            for (long[] c : live) {
                check(c, seed, ops);
                heap.free(c[0]);
            }
            heap.verify();
            assertEquals(0, heap.stats().liveChunks(), "seed " + seed);
        }
        return invalid;
    }

    private static void invalidCall(ElasticHeap heap, SplittableRandom random, List<long[]> live) {
        HeapStats before = heap.stats();
        long[] c = live.isEmpty() ? new long[] {4096, 8} : live.get(random.nextInt(live.size()));
        Class<? extends RuntimeException> expected = IllegalArgumentException.class;
        try {
            switch (random.nextInt(7)) {
                case 0 -> heap.allocate(-1 - random.nextInt(1000));
                case 1 -> heap.allocate(64, 3 + 2L * random.nextInt(1000));
                case 2 -> heap.free(c[0] + 1 + random.nextInt((int) Math.max(1, c[1] - 1)));
                case 3 -> heap.reallocate(c[0] + 16 * (1 + random.nextInt(8)) + 1, 32);
                case 4 -> heap.free(random.nextLong() & ~15L);
                case 5 -> heap.usableSize(0x1000L + 16L * random.nextInt(1 << 20));
                default -> heap.allocate(Long.MAX_VALUE - random.nextInt(1000));
            }
        } catch (IllegalArgumentException e) {
            assertEquals(before, heap.stats(), "an invalid call changed the heap: " + e.getMessage());
            return;
        }
        throw new AssertionError("an invalid call was accepted; expected " + expected.getSimpleName());
    }

    private static void check(long[] c, long seed, int step) {
        byte expected = (byte) c[0];
        for (long i = 0; i < c[1]; i += 61) {
            if (RawMemory.getByte(c[0] + i) != expected) {
                throw new AssertionError("seed " + seed + ", step " + step + ": chunk 0x" + Long.toHexString(c[0])
                        + " corrupted at +" + i);
            }
        }
    }
}
