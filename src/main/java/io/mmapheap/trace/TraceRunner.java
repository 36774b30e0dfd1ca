package io.mmapheap.trace;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

import io.mmapheap.RawMemory;

/**
 * Replays a {@link Trace} on a {@link TraceTarget}, as the CS:APP malloc-lab driver does: once with
 * every check (validity, peak payload), then several timed runs without checks.
 *
 * <p>Validity: every block non-null, aligned, owned by the allocator, disjoint from every live
 * block, and its contents intact: each block is filled with its own byte on allocate and
 * reallocate and checked before it is freed and after it is reallocated (up to min(old, new)).
 * Utilization = peak live payload / peak bytes mapped from the system.
 */
public final class TraceRunner {

    /** Untimed runs before the timed ones, to let the JIT compile the paths. */
    public static final int WARMUP_RUNS = 2;
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
     * @param seconds     the best time of the timed runs
     */
    public record Result(boolean valid, String problem, double utilization, int ops, double seconds) {
        /** @return thousands of operations per second */
        public double kops() {
            return seconds == 0 ? 0 : ops / seconds / KILO;
        }
    }

    /**
     * Validates the trace on one fresh target, then times it on {@code runs} more (after warm-up).
     *
     * @param factory   makes a fresh target per run
     * @param alignment the alignment every block must have
     * @param runs      timed runs; the best counts
     */
    public static Result run(Trace trace, Supplier<TraceTarget> factory, long alignment, int runs) {
        String problem;
        double utilization;
        try (TraceTarget target = factory.get()) {
            long[] peakPayload = new long[1];
            problem = validate(trace, target, alignment, peakPayload);
            long mapped = target.peakBytesMapped();
            utilization = mapped > 0 ? (double) peakPayload[0] / mapped : -1;
        }
        if (!problem.isEmpty()) {
            return new Result(false, problem, utilization, trace.size(), 0);
        }
        long best = Long.MAX_VALUE;
        for (int run = 0; run < WARMUP_RUNS + runs; run++) {
            try (TraceTarget target = factory.get()) {
                long nanos = time(trace, target);
                if (run >= WARMUP_RUNS) {
                    best = Math.min(best, nanos);
                }
            }
        }
        return new Result(true, "", utilization, trace.size(), best / 1e9);
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
                    long p = target.allocate(trace.bytes(i));
                    String bad = checkBlock(p, trace.bytes(i), alignment, target, live);
                    if (!bad.isEmpty()) {
                        return where + ": " + bad;
                    }
                    RawMemory.fill(p, trace.bytes(i), fill);
                    live.put(p, p + trace.bytes(i));
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

    private static byte pattern(int id) {
        return (byte) (id * 31 + 7);
    }

    /** @return nanoseconds to replay the trace with no checks */
    static long time(Trace trace, TraceTarget target) {
        long start = System.nanoTime();
        replay(trace, target);
        return System.nanoTime() - start;
    }

    /** Replays the trace on the target with no checks. */
    public static void replay(Trace trace, TraceTarget target) {
        long[] address = new long[trace.ids()];
        for (int i = 0; i < trace.size(); i++) {
            int id = trace.id(i);
            switch (trace.kind(i)) {
                case Trace.ALLOCATE -> address[id] = target.allocate(trace.bytes(i));
                case Trace.REALLOCATE -> address[id] = target.reallocate(address[id], trace.bytes(i));
                default -> target.free(address[id]);
            }
        }
    }
}
