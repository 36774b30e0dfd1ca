package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two threads on ONE chunk of a default {@link ElasticHeap} (thread caches on), every pair of
 * operations: free/free, free/reallocate in place (shrink and grow), free/reallocate moving,
 * reallocate/reallocate and free/usableSize. Each iteration takes a fresh chunk, starts both
 * operations as close together as two spinning threads can (with a seeded jitter of a few hundred
 * nanoseconds on either side, to sweep the windows), and then checks that the outcome is
 * linearizable: that the two results match some serial order of the two operations, the loser of a
 * race getting an {@link IllegalArgumentException} that changed nothing.
 *
 * <p>After every iteration: the test holds nothing, so the heap must have no live chunk and no byte
 * in use (a chunk a failed operation allocated is a leak); both threads then allocate chunks of
 * 64, 16, 32 and 64 bytes, whose usable sizes must be what the request's class gives (at least the
 * request, at most 1/8 more: docs/DESIGN.md, "Thread caches (the fast path)") and whose ranges must
 * be disjoint. After the loop, with both threads ended: the heap is empty, {@code trim()} takes their caches back and
 * {@code verify()} passes.
 *
 * <p>One thread ("left") frees, the other ("right") runs the other operation; the chunk is
 * allocated by either thread in turn, so the freeing thread's fast path sees both a chunk it just
 * popped from its own cache and a chunk of a region it learned before.
 */
class ChunkRaceTest {

    /**
     * Iterations per test. On this checkout the three racing bugs showed within 0-533 iterations
     * (4448 once, with another build loading both cores); the passing pairs take 0.3-2 s for 5000.
     */
    private static final int ITERATIONS = 5_000;
    /** A test stops iterating after this long, whatever the count, so that a loaded machine stays bounded. */
    private static final long BUDGET_NANOS = TimeUnit.SECONDS.toNanos(4);
    /** The longest test's wall clock limit, past which the threads are abandoned and the test fails. */
    private static final long TIMEOUT_SECONDS = 30;
    /** Jitter before each operation: up to this many spin-wait hints. */
    private static final int JITTER = 64;
    /** Below half a growth step (16 pages), in another size band than x's 64 bytes: moves to another region. */
    private static final long MOVES_TO_ANOTHER_REGION = 20_000;
    /** Past half a growth step, below the large threshold: moves to a mapping of its own. */
    private static final long MOVES_PAST_HALF_A_STEP = 70_000;
    /** Above the large threshold (128 KiB): moves to a dedicated (or kept) mapping. */
    private static final long MOVES_TO_A_MAPPING = 200_000;
    private static final long[] PROBE_SIZES = {64, 16, 32, 64};

    // ---------------------------------------------------------------- the matrix

    @Test
    void twoFreesOfOneChunkNeverBothSucceed() throws InterruptedException {
        race(new Scenario("free / free", h -> h.allocate(64), Op.free(), Op.free()) {
            @Override
            long[] judge(Allocator heap, long x, Outcome left, Outcome right) {
                if (left.ok() == right.ok()) {
                    throw notLinearizable(x, left, right, "exactly one free must succeed");
                }
                expectFreed(heap, x, left, right);
                return NONE;
            }
        });
    }

    @Test
    void aFreeRacingAnInPlaceShrinkIsLinearizable() throws InterruptedException {
        race(freeVersusReallocate("free / reallocate(x, 32) in place", h -> h.allocate(64), 32, true));
    }

    @Test
    void aFreeRacingTheShrinkOfADedicatedChunkIsLinearizable() throws InterruptedException {
        // 200,000 bytes (a dedicated chunk) shrunk to 40,000 give their other 39 pages back in place (mremap).
        race(freeVersusReallocate("free / reallocate(x, 40000) of a dedicated chunk", h -> h.allocate(200_000), 40_000, true));
    }

    @Test
    void aFreeRacingAnInPlaceGrowIsLinearizable() throws InterruptedException {
        // 128 bytes shrunk to 64: the 64 after it are free, so growing back to 128 stays in place.
        race(freeVersusReallocate("free / reallocate(x, 128) in place", h -> {
            long x = h.allocate(128);
            assertEquals(x, h.reallocate(x, 64), "a shrink stays in place");
            return x;
        }, 128, true));
    }

    @ParameterizedTest(name = "to {0} bytes")
    @ValueSource(longs = {MOVES_TO_ANOTHER_REGION, MOVES_PAST_HALF_A_STEP, MOVES_TO_A_MAPPING})
    void aFreeRacingAMovingReallocateIsLinearizableAndLeaksNothing(long newSize) throws InterruptedException {
        race(freeVersusReallocate("free / reallocate(x, " + newSize + ") moving", h -> h.allocate(64), newSize, false));
    }

    @ParameterizedTest(name = "32 against {0} bytes")
    @ValueSource(longs = {128, MOVES_TO_ANOTHER_REGION, MOVES_PAST_HALF_A_STEP})
    void twoReallocatesOfOneChunkAreLinearizable(long otherSize) throws InterruptedException {
        race(new Scenario("reallocate(x, 32) / reallocate(x, " + otherSize + ")", h -> h.allocate(64),
                Op.reallocate(32), Op.reallocate(otherSize)) {
            @Override
            long[] judge(Allocator heap, long x, Outcome left, Outcome right) {
                if (left.ok() && right.ok()) {
                    // The first ran on x and kept it in place; the second's result is what is live.
                    boolean leftFirst = left.value() == x;
                    boolean rightFirst = right.value() == x;
                    if (!leftFirst && !rightFirst) {
                        throw notLinearizable(x, left, right, "both succeeded, so the first must have stayed at x");
                    }
                    if (leftFirst && rightFirst) {
                        long usable = heap.usableSize(x);
                        if (usable < 32) {
                            throw notLinearizable(x, left, right, "usableSize(x) is " + usable);
                        }
                        return new long[] {x};
                    }
                    long live = leftFirst ? right.value() : left.value();
                    expectUsable(heap, live, leftFirst ? otherSize : 32, x, left, right);
                    return new long[] {live};
                }
                if (left.ok() != right.ok()) {
                    // The winner ran first and moved the chunk away; the loser found x freed.
                    Outcome winner = left.ok() ? left : right;
                    if (winner.value() == x) {
                        throw notLinearizable(x, left, right, "the winner kept x in place, so the loser had a live x");
                    }
                    expectUsable(heap, winner.value(), left.ok() ? 32 : otherSize, x, left, right);
                    return new long[] {winner.value()};
                }
                throw notLinearizable(x, left, right, "x was live, so one reallocate must succeed");
            }
        });
    }

    @Test
    void aFreeRacingUsableSizeSeesTheChunkWholeOrFreed() throws InterruptedException {
        race(new Scenario("free / usableSize", h -> h.allocate(64), Op.free(), Op.USABLE_SIZE) {
            @Override
            long[] judge(Allocator heap, long x, Outcome left, Outcome right) {
                if (!left.ok()) {
                    throw notLinearizable(x, left, right, "usableSize changes nothing, so the free must succeed");
                }
                if (right.ok() && right.value() != 64) {
                    throw notLinearizable(x, left, right, "usableSize of a live 64-byte chunk must be 64");
                }
                expectFreed(heap, x, left, right);
                return NONE;
            }
        });
    }

    /**
     * Left frees x, right reallocates it. Serial orders: free first (reallocate rejected, nothing
     * changed), or reallocate first, returning y; then the free of x succeeds exactly when y == x.
     */
    private static Scenario freeVersusReallocate(String name, Setup setup, long newSize, boolean inPlace) {
        return new Scenario(name, setup, Op.free(), Op.reallocate(newSize)) {
            @Override
            long[] judge(Allocator heap, long x, Outcome free, Outcome reallocate) {
                if (free.ok() && !reallocate.ok()) {
                    return NONE;
                }
                if (!reallocate.ok()) {
                    throw notLinearizable(x, free, reallocate, "x was live, so one of the two must succeed");
                }
                long y = reallocate.value();
                if (inPlace && y != x) {
                    throw notLinearizable(x, free, reallocate, "the reallocate was to stay in place");
                }
                if (free.ok() && y != x) {
                    throw notLinearizable(x, free, reallocate,
                            "the reallocate moved the chunk, freeing x, and the free of x succeeded too");
                }
                if (!free.ok() && y == x) {
                    throw notLinearizable(x, free, reallocate,
                            "the reallocate kept x, so x was live for the free, which was rejected");
                }
                if (free.ok()) {
                    expectFreed(heap, x, free, reallocate);
                    return NONE;
                }
                expectUsable(heap, y, newSize, x, free, reallocate);
                return new long[] {y};
            }
        };
    }

    // ---------------------------------------------------------------- outcomes and judging

    private static final long[] NONE = {};

    /** What one operation did: the value it returned, or the argument error it threw. */
    record Outcome(String op, long value, IllegalArgumentException rejected) {
        boolean ok() {
            return rejected == null;
        }

        @Override
        public String toString() {
            return op + (ok() ? " returned 0x" + Long.toHexString(value) : " threw \"" + rejected.getMessage() + "\"");
        }
    }

    @FunctionalInterface
    interface Setup {
        long chunk(Allocator heap);
    }

    /** One of the two racing operations. */
    record Op(String name, Action action) {
        static final Op USABLE_SIZE = new Op("usableSize(x)", Allocator::usableSize);

        static Op free() {
            return new Op("free(x)", (h, x) -> {
                h.free(x);
                return 0;
            });
        }

        static Op reallocate(long size) {
            return new Op("reallocate(x, " + size + ")", (h, x) -> h.reallocate(x, size));
        }

        Outcome run(Allocator heap, long x) {
            try {
                return new Outcome(name, action.apply(heap, x), null);
            } catch (IllegalArgumentException e) {
                return new Outcome(name, 0, e);
            }
        }
    }

    @FunctionalInterface
    interface Action {
        long apply(Allocator heap, long x);
    }

    abstract static class Scenario {
        final String name;
        final Setup setup;
        final Op left;
        final Op right;

        Scenario(String name, Setup setup, Op left, Op right) {
            this.name = name;
            this.setup = setup;
            this.left = left;
            this.right = right;
        }

        /**
         * @return the chunks the serial order explaining the outcome leaves live, which the test frees
         * @throws AssertionError if no serial order explains it
         */
        abstract long[] judge(Allocator heap, long x, Outcome left, Outcome right);
    }

    private static AssertionError notLinearizable(long x, Outcome left, Outcome right, String why) {
        return new AssertionError("not linearizable on x = 0x" + Long.toHexString(x) + ": " + left + ", " + right
                + ": " + why);
    }

    /** In every serial order where a free of x succeeded, x is freed at the end. */
    private static void expectFreed(Allocator heap, long x, Outcome left, Outcome right) {
        try {
            long usable = heap.usableSize(x);
            throw notLinearizable(x, left, right, "x was freed, yet usableSize(x) = " + usable);
        } catch (IllegalArgumentException expected) {
            // freed
        }
    }

    private static void expectUsable(Allocator heap, long y, long size, long x, Outcome left, Outcome right) {
        long usable;
        try {
            usable = heap.usableSize(y);
        } catch (IllegalArgumentException e) {
            throw notLinearizable(x, left, right, "the result 0x" + Long.toHexString(y) + " is not live: " + e.getMessage());
        }
        if (usable < size) {
            throw notLinearizable(x, left, right, "the result holds " + usable + " bytes, not " + size);
        }
    }

    // ---------------------------------------------------------------- the harness

    /** The largest usableSize a request of n bytes may get: its class, at most 1/8 more, in granules. */
    private static long classBound(long n) {
        long granule = ElasticHeap.DEFAULT_GRANULE;
        long rounded = (n + granule - 1) / granule * granule;
        return Math.max(rounded, (n + n / 8 + granule - 1) / granule * granule);
    }

    private static void race(Scenario scenario) throws InterruptedException {
        try (ElasticHeap heap = ElasticHeap.builder().build()) {
            Race race = new Race(heap, scenario, ITERATIONS, 0x5EED_0000L + scenario.name.hashCode());
            Thread left = new Thread(() -> race.run(0), "left");
            Thread right = new Thread(() -> race.run(1), "right");
            left.start();
            right.start();
            left.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
            right.join(TimeUnit.SECONDS.toMillis(1));
            if (left.isAlive() || right.isAlive()) {
                race.stop(new AssertionError(scenario.name + ": timed out after " + TIMEOUT_SECONDS + " s"));
                left.join(1000);
                right.join(1000);
            }
            System.out.println(scenario.name + ": " + (race.iteration + 1) + " iterations");
            Throwable failure = race.failure.get();
            if (failure != null) {
                throw new AssertionError(scenario.name + ", iteration " + race.iteration + " of " + ITERATIONS + ": "
                        + failure.getMessage(), failure);
            }
            // The threads have ended and the test holds nothing: the heap is empty.
            HeapStats s = heap.stats();
            assertEquals(0, s.liveChunks(), scenario.name + ": live chunks after every chunk was freed");
            assertEquals(0, s.bytesInUse(), scenario.name + ": bytes in use after every chunk was freed");
            heap.trim();
            heap.verify();
            s = heap.stats();
            assertEquals(0, s.liveChunks(), scenario.name + ": live chunks after trim");
            assertEquals(0, s.bytesInUse(), scenario.name + ": bytes in use after trim");
            assertEquals(0, s.cachedBytes(), scenario.name + ": cached bytes after trim");
        }
    }

    /** Two threads, one chunk per iteration, in lock step. */
    private static final class Race {
        final Allocator heap;
        final Scenario scenario;
        final int iterations;
        final long seed;
        final SpinBarrier barrier = new SpinBarrier();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        // Written before a barrier, read after it (the barrier's volatile generation orders them).
        long x;
        boolean more;
        int leftDelay;
        int rightDelay;
        Outcome leftOutcome;
        Outcome rightOutcome;
        long[] leftProbes;
        long[] rightProbes;
        volatile int iteration;

        Race(Allocator heap, Scenario scenario, int iterations, long seed) {
            this.heap = heap;
            this.scenario = scenario;
            this.iterations = iterations;
            this.seed = seed;
        }

        void stop(Throwable why) {
            failure.compareAndSet(null, why);
            barrier.broken = true;
        }

        void run(int side) {
            try {
                SplittableRandom random = new SplittableRandom(seed);
                long start = System.nanoTime();
                // Warm the thread's cache: the bins and regions of the sizes used.
                for (long size : new long[] {16, 32, 64, 128}) {
                    heap.free(heap.allocate(size));
                }
                // Both warmed up before the first setup: a refill of the other's warm-up must not
                // land in the free run a setup leaves for an in-place grow.
                barrier.await();
                for (int i = 0; ; i++) {
                    // 1. A fresh chunk, allocated by either thread in turn; the jitter for both.
                    if ((i & 1) == side) {
                        more = i < iterations && System.nanoTime() - start < BUDGET_NANOS;
                        if (more) {
                            x = scenario.setup.chunk(heap);
                            leftDelay = random.nextInt(JITTER);
                            rightDelay = random.nextInt(JITTER);
                            iteration = i;
                        }
                    }
                    barrier.await();
                    if (!more) {
                        break;
                    }
                    // 2. Both at once.
                    long chunk = x;
                    int delay = side == 0 ? leftDelay : rightDelay;
                    barrier.await();
                    for (int d = 0; d < delay; d++) {
                        Thread.onSpinWait();
                    }
                    if (side == 0) {
                        leftOutcome = scenario.left.run(heap, chunk);
                    } else {
                        rightOutcome = scenario.right.run(heap, chunk);
                    }
                    barrier.await();
                    // 3. Left judges, frees what the serial order leaves live, and checks nothing leaked.
                    if (side == 0) {
                        for (long live : scenario.judge(heap, chunk, leftOutcome, rightOutcome)) {
                            heap.free(live);
                        }
                        HeapStats s = heap.stats();
                        if (s.liveChunks() != 0 || s.bytesInUse() != 0) {
                            throw new AssertionError("after " + leftOutcome + ", " + rightOutcome + " on 0x"
                                    + Long.toHexString(chunk) + " and freeing what was live, the heap still has "
                                    + s.liveChunks() + " live chunks and " + s.bytesInUse() + " bytes in use (leak)");
                        }
                        leftProbes = probe();
                    }
                    barrier.await();
                    // 4. Right allocates too; left checks every chunk against the others.
                    if (side == 1) {
                        rightProbes = probe();
                    }
                    barrier.await();
                    if (side == 0) {
                        checkDisjoint(chunk);
                    }
                    barrier.await();
                    // 5. Each frees its own, back into its cache.
                    for (long p : side == 0 ? leftProbes : rightProbes) {
                        heap.free(p);
                    }
                }
            } catch (SpinBarrier.Broken stopped) {
                // The other thread failed.
            } catch (Throwable e) {
                stop(e);
            }
        }

        /** Allocates the probe sizes on the calling thread; each must get its class's usable size. */
        private long[] probe() {
            long[] got = new long[PROBE_SIZES.length];
            for (int k = 0; k < got.length; k++) {
                long n = PROBE_SIZES[k];
                got[k] = heap.allocate(n);
                long usable = heap.usableSize(got[k]);
                if (usable < n || usable > classBound(n)) {
                    throw new AssertionError("after " + leftOutcome + ", " + rightOutcome + " on 0x" + Long.toHexString(x)
                            + ": allocate(" + n + ") on " + Thread.currentThread().getName() + " returned 0x"
                            + Long.toHexString(got[k]) + " with usableSize " + usable + " (expected " + n
                            + (classBound(n) > n ? " to " + classBound(n) : "") + ")");
                }
            }
            return got;
        }

        private void checkDisjoint(long chunk) {
            long[][] ranges = new long[leftProbes.length + rightProbes.length][];
            int k = 0;
            for (long[] probes : new long[][] {leftProbes, rightProbes}) {
                for (long p : probes) {
                    ranges[k++] = new long[] {p, p + heap.usableSize(p)};
                }
            }
            Arrays.sort(ranges, (a, b) -> Long.compareUnsigned(a[0], b[0]));
            for (int i = 1; i < ranges.length; i++) {
                if (Long.compareUnsigned(ranges[i - 1][1], ranges[i][0]) > 0) {
                    throw new AssertionError("after " + leftOutcome + ", " + rightOutcome + " on 0x"
                            + Long.toHexString(chunk) + ": live chunks overlap: [0x" + Long.toHexString(ranges[i - 1][0])
                            + ", 0x" + Long.toHexString(ranges[i - 1][1]) + ") and [0x" + Long.toHexString(ranges[i][0])
                            + ", 0x" + Long.toHexString(ranges[i][1]) + ")");
                }
            }
        }
    }

    /** A barrier for two spinning threads: the second to arrive releases both at once. */
    private static final class SpinBarrier {
        static final class Broken extends RuntimeException {
            Broken() {
                super(null, null, false, false);
            }
        }

        private final AtomicInteger arrived = new AtomicInteger();
        private volatile int generation;
        volatile boolean broken;

        void await() {
            int g = generation;
            if (arrived.incrementAndGet() == 2) {
                arrived.set(0);
                generation = g + 1;
                return;
            }
            int spins = 0;
            while (generation == g) {
                if (broken) {
                    throw new Broken();
                }
                if (++spins < 20_000) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
        }
    }
}
