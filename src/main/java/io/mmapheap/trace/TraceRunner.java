package io.mmapheap.trace;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

import org.apache.commons.lang3.Validate;

import io.mmapheap.RawMemory;

/**
 * Replays a {@link Trace} on a {@link TraceTarget}, as the CS:APP malloc-lab driver does: once with
 * every check (validity, peak payload) on a fresh target, then several timed runs without checks.
 *
 * <p>The timed runs share one more fresh target, one run after another, as a process's heap
 * persists: glibc's heap outlives every run, so a fresh mmapheap heap per run would time mapping
 * and first-touch faults for one subject only. Blocks a trace leaves live are freed after each
 * replay, inside the timing for both subjects alike, so every replay starts from an empty heap.
 *
 * <p>Validity: every block non-null, aligned, owned by the allocator, disjoint from every live
 * block, and its contents intact: each block is filled with its own byte on allocate and
 * reallocate and checked before it is freed and after it is reallocated (up to min(old, new)).
 * Utilization = peak live payload / peak bytes mapped from the system. A {@code malloc(0)} of a
 * recording asks both subjects for 1 byte and adds no payload; a {@code free(NULL)} frees 0 on both.
 */
public final class TraceRunner {

    /**
     * Operations replayed untimed before the timed runs, so both subjects are timed on compiled
     * code: a trace of a few thousand operations, replayed twice, still runs partly interpreted.
     */
    public static final int WARMUP_OPS = 1_000_000;
    /**
     * Fewest operations in one timed run: a short trace is replayed as often as it takes, so the
     * clock's resolution and the call to read it stay small against what is timed.
     */
    public static final int TIMED_OPS = 100_000;
    /**
     * Operations a warm-up sweep ({@link #warmUp}) spends over the whole set of traces, at least
     * {@link #WARMUP_OPS} on each: enough that the code the traces take least often (mmapheap's
     * lock path, once in dozens of operations) is compiled before the first trace is timed.
     */
    public static final int SWEEP_OPS = 32_000_000;
    private static final double KILO = 1000;

    private TraceRunner() {
    }

    /**
     * What one trace did on one allocator.
     *
     * @param valid       whether every check held
     * @param problem     the first check that failed, or empty
     * @param utilization peak payload / peak mapped bytes, or -1 if the target cannot tell
     * @param ops         operations in the trace
     * @param seconds     one replay's time in the best timed run
     */
    public record Result(boolean valid, String problem, double utilization, int ops, double seconds) {
        /**
         * Gives the replay's speed.
         *
         * @return thousands of operations per second, 0 if the replay was not timed
         */
        public double kops() {
            return seconds == 0 ? 0 : ops / seconds / KILO;
        }
    }

    /**
     * Validates the trace on one fresh target, then, on a second fresh target that persists across
     * them, replays it untimed for {@link #WARMUP_OPS} operations and times {@code runs} runs of at
     * least {@link #TIMED_OPS} operations each.
     *
     * @param trace     the trace to replay
     * @param factory   makes a fresh target: one for validation, one for the timed runs
     * @param alignment the alignment every block must have
     * @param runs      timed runs, &gt;= 1; the best counts
     * @return whether the replay was valid, the utilization and the best run's time
     * @throws IllegalArgumentException if runs &lt; 1
     */
    public static Result run(Trace trace, Supplier<TraceTarget> factory, long alignment, int runs) {
        return run(trace, factory, alignment, runs, WARMUP_OPS);
    }

    /**
     * As {@link #run(Trace, Supplier, long, int)}, with {@code warmupOps} operations of warm-up in
     * place of {@link #WARMUP_OPS}: for callers that check validity and need no steady-state timing.
     *
     * @param trace     the trace to replay
     * @param factory   makes a fresh target: one for validation, one for the timed runs
     * @param alignment the alignment every block must have
     * @param runs      timed runs, &gt;= 1; the best counts
     * @param warmupOps untimed operations before the timed runs, &gt;= 0
     * @return whether the replay was valid, the utilization and the best run's time
     * @throws IllegalArgumentException if runs &lt; 1 or warmupOps &lt; 0
     */
    public static Result run(Trace trace, Supplier<TraceTarget> factory, long alignment, int runs, int warmupOps) {
        Validate.isTrue(runs >= 1, "runs must be >= 1, was %d", runs);
        Validate.isTrue(warmupOps >= 0, "warmupOps must be >= 0, was %d", warmupOps);
        String problem;
        double utilization;
        try (TraceTarget target = factory.get()) {
            long[] peakPayload = new long[1];
            problem = refusalSafe(() -> validate(trace, target, alignment, peakPayload));
            long mapped = target.peakBytesMapped();
            utilization = mapped > 0 ? (double) peakPayload[0] / mapped : -1;
        }
        if (!problem.isEmpty()) {
            return new Result(false, problem, utilization, trace.size(), 0);
        }
        int ops = Math.max(1, trace.size());
        int warmups = (int) (((long) warmupOps + ops - 1) / ops);
        int batch = (TIMED_OPS + ops - 1) / ops;
        double best = Double.MAX_VALUE;
        boolean[] leftLive = trace.liveAtEnd();
        long[] address = new long[trace.ids()];
        try (TraceTarget target = factory.get()) {
            for (int i = 0; i < warmups; i++) {
                replayAndClear(trace, target, address, leftLive);
            }
            for (int run = 0; run < runs; run++) {
                long start = System.nanoTime();
                for (int i = 0; i < batch; i++) {
                    replayAndClear(trace, target, address, leftLive);
                }
                best = Math.min(best, (double) (System.nanoTime() - start) / batch);
            }
        }
        return new Result(true, "", utilization, trace.size(), best / 1e9);
    }

    /**
     * Replays each trace untimed, on a fresh target per trace, {@link #SWEEP_OPS} operations in all
     * and at least {@link #WARMUP_OPS} each: run over the whole set before any trace is timed, it
     * has the code all traces share compiled, so that the first trace timed in a fresh JVM is not
     * timed while the compiler is still at work.
     *
     * @param traces  the traces to replay
     * @param factory makes a fresh target for each trace
     */
    public static void warmUp(List<Trace> traces, Supplier<TraceTarget> factory) {
        warmUp(traces, factory, Math.max(WARMUP_OPS, SWEEP_OPS / Math.max(1, traces.size())));
    }

    /**
     * As {@link #warmUp(List, Supplier)}, with {@code ops} operations per trace.
     *
     * @param traces  the traces to replay
     * @param factory makes a fresh target for each trace
     * @param ops     operations per trace, &gt;= 0
     * @throws IllegalArgumentException if ops &lt; 0
     */
    public static void warmUp(List<Trace> traces, Supplier<TraceTarget> factory, int ops) {
        Validate.isTrue(ops >= 0, "ops must be >= 0, was %d", ops);
        for (Trace trace : traces) {
            int size = Math.max(1, trace.size());
            int replays = (int) (((long) ops + size - 1) / size);
            long[] address = new long[trace.ids()];
            boolean[] leftLive = trace.liveAtEnd();
            try (TraceTarget target = factory.get()) {
                for (int i = 0; i < replays; i++) {
                    replayAndClear(trace, target, address, leftLive);
                }
            } catch (RuntimeException | OutOfMemoryError refused) {
                // A subject that refuses a request of this trace: the timed run reports it invalid.
                continue;
            }
        }
    }

    /**
     * Runs a validation, turning a request the subject refused (an exception, or glibc's NULL as
     * {@link OutOfMemoryError}) into the problem it reports.
     */
    private static String refusalSafe(java.util.function.Supplier<String> validation) {
        try {
            return validation.get();
        } catch (RuntimeException | OutOfMemoryError refused) {
            return "refused: " + refused;
        }
    }

    /** One replay, then frees what the trace left live, so the next replay starts from an empty heap. */
    private static void replayAndClear(Trace trace, TraceTarget target, long[] address, boolean[] leftLive) {
        replay(trace, target, address);
        for (int id = 0; id < leftLive.length; id++) {
            if (leftLive[id]) {
                target.free(address[id]);
            }
        }
    }

    /** @return the first problem found, or "" when the run was valid */
    static String validate(Trace trace, TraceTarget target, long alignment, long[] peakPayload) {
        long[] address = new long[trace.ids()];
        long[] size = new long[trace.ids()];
        TreeMap<Long, Long> live = new TreeMap<>();
        long payload = 0;
        for (int i = 0; i < trace.size(); i++) {
            int id = trace.id(i);
            byte fill = pattern(id);
            String where = "op " + i + " (" + (char) trace.kind(i) + " " + id + ")";
            switch (trace.kind(i)) {
                case Trace.ALLOCATE -> {
                    long p = target.allocate(request(trace.bytes(i)));
                    String bad = checkBlock(p, request(trace.bytes(i)), alignment, target, live);
                    if (!bad.isEmpty()) {
                        return where + ": " + bad;
                    }
                    RawMemory.fill(p, trace.bytes(i), fill);
                    live.put(p, p + request(trace.bytes(i)));
                    address[id] = p;
                    size[id] = trace.bytes(i);
                    payload += size[id];
                }
                case Trace.REALLOCATE -> {
                    live.remove(address[id]);
                    long keep = Math.min(size[id], trace.bytes(i));
                    long p = target.reallocate(address[id], trace.bytes(i));
                    String bad = checkBlock(p, trace.bytes(i), alignment, target, live);
                    if (bad.isEmpty() && !holds(p, keep, fill)) {
                        bad = "contents lost in the move from 0x" + Long.toHexString(address[id]) + " to 0x" + Long.toHexString(p);
                    }
                    if (!bad.isEmpty()) {
                        return where + ": " + bad;
                    }
                    RawMemory.fill(p, trace.bytes(i), fill);
                    live.put(p, p + trace.bytes(i));
                    payload += trace.bytes(i) - size[id];
                    address[id] = p;
                    size[id] = trace.bytes(i);
                }
                default -> {
                    if (id == Trace.NULL_ID) {
                        target.free(0);
                        continue;
                    }
                    if (!holds(address[id], size[id], fill)) {
                        return where + ": block 0x" + Long.toHexString(address[id]) + " was overwritten while live";
                    }
                    live.remove(address[id]);
                    target.free(address[id]);
                    payload -= size[id];
                }
            }
            peakPayload[0] = Math.max(peakPayload[0], payload);
        }
        for (long p : live.keySet()) {
            target.free(p);
        }
        return "";
    }

    private static String checkBlock(long p, long bytes, long alignment, TraceTarget target, TreeMap<Long, Long> live) {
        if (p == 0) {
            return "returned NULL";
        }
        if (p % alignment != 0) {
            return "0x" + Long.toHexString(p) + " is not " + alignment + "-byte aligned";
        }
        if (!target.owns(p, bytes)) {
            return "0x" + Long.toHexString(p) + " is not a block of " + bytes + " bytes the allocator owns";
        }
        Map.Entry<Long, Long> before = live.floorEntry(p);
        Map.Entry<Long, Long> after = live.ceilingEntry(p);
        if (before != null && before.getValue() > p || after != null && after.getKey() < p + bytes) {
            return "[0x" + Long.toHexString(p) + ", +" + bytes + ") overlaps a live block";
        }
        return "";
    }

    private static boolean holds(long p, long bytes, byte fill) {
        long word = (fill & 0xffL) * 0x0101_0101_0101_0101L;
        long i = 0;
        for (; i + Long.BYTES <= bytes; i += Long.BYTES) {
            if (RawMemory.getLong(p + i) != word) {
                return false;
            }
        }
        for (; i < bytes; i++) {
            if (RawMemory.getByte(p + i) != fill) {
                return false;
            }
        }
        return true;
    }

    /** @return the bytes both subjects are asked for: malloc(0) as 1, glibc's unique minimal chunk */
    private static long request(long bytes) {
        return Math.max(1, bytes);
    }

    private static byte pattern(int id) {
        return (byte) (id * 31 + 7);
    }

    /**
     * Replays the trace on the target with no checks.
     *
     * @param trace  the trace to replay
     * @param target the allocator it goes to
     * @return the address each id had last; the blocks of {@link Trace#liveAtEnd()} are still live
     */
    public static long[] replay(Trace trace, TraceTarget target) {
        long[] address = new long[trace.ids()];
        replay(trace, target, address);
        return address;
    }

    /** Replays with no checks, recording each id's address in {@code address}. */
    private static void replay(Trace trace, TraceTarget target, long[] address) {
        for (int i = 0; i < trace.size(); i++) {
            int id = trace.id(i);
            switch (trace.kind(i)) {
                case Trace.ALLOCATE -> address[id] = target.allocate(request(trace.bytes(i)));
                case Trace.REALLOCATE -> address[id] = target.reallocate(address[id], trace.bytes(i));
                default -> target.free(id == Trace.NULL_ID ? 0 : address[id]);
            }
        }
    }
}
