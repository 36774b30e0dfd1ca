package io.mmapheap.trace;

import java.util.Arrays;
import java.util.function.Supplier;

import org.apache.commons.lang3.Validate;

import io.mmapheap.Allocator;
import io.mmapheap.HeapStats;

/**
 * Where an mmapheap heap's mapped bytes go while it replays a trace: samples of its statistics
 * over the operation count, and the breakdown at the operation where the live payload peaks (the
 * moment utilization measures). Two replays on fresh heaps: the first finds that operation, the
 * second samples and stops there for the breakdown. A single-threaded replay makes the same
 * choices on a fresh heap every time, so both see the same heap.
 *
 * <pre>
 *   bytes mapped at the peak =  payload          bytes the trace asked for and holds live
 *                             + rounding         live chunks beyond their payload: granule, size
 *                                                class, page (dedicated mappings)
 *                             + cached           freed chunks waiting in thread caches
 *                             + kept             freed dedicated mappings kept for reuse
 *                             + free pages       whole free pages inside regions (trim returns them)
 *                             + free fragments   free runs inside partly used pages
 *   peak bytes mapped         =  bytes mapped at the peak + mapped at other times
 * </pre>
 */
public final class TraceProfile {

    /** Samples taken over a replay, at most. */
    public static final int SAMPLES = 400;

    /**
     * What the mapped bytes held at one operation, in the terms of the picture above.
     *
     * @param op            the operation's index in the trace
     * @param payload       bytes the trace asked for and holds live
     * @param rounding      bytes of live chunks beyond their payload
     * @param cached        bytes of freed chunks waiting in thread caches
     * @param kept          bytes of freed dedicated mappings kept for reuse
     * @param freePages     bytes of whole free pages inside regions
     * @param freeFragments bytes of free runs inside partly used pages
     * @param mapped        bytes mapped at that operation, the sum of the others
     */
    public record Breakdown(int op, long payload, long rounding, long cached, long kept, long freePages,
                            long freeFragments, long mapped) {

        /** @return the breakdown of a heap's statistics while the trace held {@code payload} bytes live */
        static Breakdown of(int op, long payload, HeapStats s) {
            long freePages = s.releasableBytes() - s.keptBytes();
            return new Breakdown(op, payload, s.bytesInUse() - payload, s.cachedBytes(), s.keptBytes(), freePages,
                    s.bytesFree() - freePages, s.bytesMapped());
        }
    }

    private final String trace;
    private final int[] ops;
    private final long[] payload;
    private final long[] mapped;
    private final long[] inUse;
    private final long[] cached;
    private final long[] free;
    private final int samples;
    private final Breakdown peak;
    private final long peakMapped;

    private TraceProfile(String trace, Breakdown peak, long peakMapped, Sampler s) {
        this.trace = trace;
        this.samples = s.count;
        this.ops = Arrays.copyOf(s.ops, s.count);
        this.payload = Arrays.copyOf(s.payload, s.count);
        this.mapped = Arrays.copyOf(s.mapped, s.count);
        this.inUse = Arrays.copyOf(s.inUse, s.count);
        this.cached = Arrays.copyOf(s.cached, s.count);
        this.free = Arrays.copyOf(s.free, s.count);
        this.peak = peak;
        this.peakMapped = peakMapped;
    }

    /**
     * Replays the trace twice on fresh allocators from {@code heaps}.
     *
     * @param trace the trace to replay
     * @param heaps makes a fresh allocator for each replay
     * @return the samples of the second replay and the breakdown at the payload's peak
     * @throws IllegalArgumentException if the trace has no operations
     */
    public static TraceProfile of(Trace trace, Supplier<Allocator> heaps) {
        Validate.isTrue(trace.size() > 0, "trace %s has no operations", trace.name());
        int peakOp = peakPayloadOp(trace, heaps);
        int every = Math.max(1, trace.size() / SAMPLES);
        Sampler sampler = new Sampler(trace.size() / every + 2);
        long[] address = new long[trace.ids()];
        long[] size = new long[trace.ids()];
        long live = 0;
        Breakdown peak = null;
        long peakMapped;
        try (Allocator heap = heaps.get()) {
            for (int i = 0; i < trace.size(); i++) {
                live += step(trace, i, heap, address, size);
                if (i == peakOp) {
                    peak = Breakdown.of(i, live, heap.stats());
                }
                if (i % every == 0 || i == trace.size() - 1) {
                    sampler.add(i, live, heap.stats());
                }
            }
            peakMapped = heap.stats().peakBytesMapped();
            freeLeftovers(trace, heap, address);
        }
        return new TraceProfile(trace.name(), peak, peakMapped, sampler);
    }

    /** @return the operation after which the live payload is highest (the first such) */
    private static int peakPayloadOp(Trace trace, Supplier<Allocator> heaps) {
        long[] address = new long[trace.ids()];
        long[] size = new long[trace.ids()];
        long live = 0;
        long best = -1;
        int op = 0;
        try (Allocator heap = heaps.get()) {
            for (int i = 0; i < trace.size(); i++) {
                live += step(trace, i, heap, address, size);
                if (live > best) {
                    best = live;
                    op = i;
                }
            }
            freeLeftovers(trace, heap, address);
        }
        return op;
    }

    /** Frees the blocks the trace leaves live, so that the heap closes empty. */
    private static void freeLeftovers(Trace trace, Allocator heap, long[] address) {
        boolean[] live = trace.liveAtEnd();
        for (int id = 0; id < live.length; id++) {
            if (live[id]) {
                heap.free(address[id]);
            }
        }
    }

    /** Replays operation i. @return the change of live payload */
    private static long step(Trace trace, int i, Allocator heap, long[] address, long[] size) {
        int id = trace.id(i);
        long bytes = trace.bytes(i);
        switch (trace.kind(i)) {
            case Trace.ALLOCATE -> {
                address[id] = heap.allocate(Math.max(1, bytes));
                size[id] = bytes;
                return bytes;
            }
            case Trace.REALLOCATE -> {
                address[id] = heap.reallocate(address[id], bytes);
                long delta = bytes - size[id];
                size[id] = bytes;
                return delta;
            }
            default -> {
                if (id == Trace.NULL_ID) {
                    heap.free(0);
                    return 0;
                }
                heap.free(address[id]);
                long delta = -size[id];
                size[id] = 0;
                return delta;
            }
        }
    }

    /**
     * Gives the trace's name.
     *
     * @return the trace's file name
     */
    public String trace() {
        return trace;
    }

    /**
     * Gives where the bytes went at the payload's peak.
     *
     * @return the breakdown at the operation where the live payload peaks
     */
    public Breakdown peak() {
        return peak;
    }

    /**
     * Gives the heap's peak footprint.
     *
     * @return the most bytes the heap had mapped at once during the replay
     */
    public long peakMapped() {
        return peakMapped;
    }

    /**
     * Counts the samples.
     *
     * @return the number of samples
     */
    public int samples() {
        return samples;
    }

    /**
     * Reads sample {@code k}.
     *
     * @param k a sample's index, in [0, {@link #samples()})
     * @return the operation index of sample k
     */
    public int op(int k) {
        return ops[k];
    }

    /**
     * Reads sample {@code k}.
     *
     * @param k a sample's index, in [0, {@link #samples()})
     * @return the live payload at sample k
     */
    public long payload(int k) {
        return payload[k];
    }

    /**
     * Reads sample {@code k}.
     *
     * @param k a sample's index, in [0, {@link #samples()})
     * @return the bytes mapped at sample k
     */
    public long mapped(int k) {
        return mapped[k];
    }

    /**
     * Reads sample {@code k}.
     *
     * @param k a sample's index, in [0, {@link #samples()})
     * @return the bytes in live chunks at sample k
     */
    public long inUse(int k) {
        return inUse[k];
    }

    /**
     * Reads sample {@code k}.
     *
     * @param k a sample's index, in [0, {@link #samples()})
     * @return the bytes in thread caches at sample k
     */
    public long cached(int k) {
        return cached[k];
    }

    /**
     * Reads sample {@code k}.
     *
     * @param k a sample's index, in [0, {@link #samples()})
     * @return the free bytes inside regions at sample k
     */
    public long free(int k) {
        return free[k];
    }

    /** Samples in arrays sized once. */
    private static final class Sampler {
        final int[] ops;
        final long[] payload;
        final long[] mapped;
        final long[] inUse;
        final long[] cached;
        final long[] free;
        int count;

        Sampler(int capacity) {
            ops = new int[capacity];
            payload = new long[capacity];
            mapped = new long[capacity];
            inUse = new long[capacity];
            cached = new long[capacity];
            free = new long[capacity];
        }

        void add(int op, long live, HeapStats s) {
            ops[count] = op;
            payload[count] = live;
            mapped[count] = s.bytesMapped();
            inUse[count] = s.bytesInUse();
            cached[count] = s.cachedBytes();
            free[count] = s.bytesFree();
            count++;
        }
    }
}
