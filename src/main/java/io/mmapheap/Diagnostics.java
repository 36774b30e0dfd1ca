package io.mmapheap;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A heap's debugging aids and what they remember: the perturb fill of freed and handed-out memory,
 * the check level applied to invalid addresses, the sampled allocation sites that a leak report
 * prints. Under the heap's lock, but the perturb byte, which the lock-free paths read.
 */
final class Diagnostics {

    /** The heap's label in messages: its class, and the name it was built with, if any ({@link Heap.Shape#label}). */
    private final String heapName;
    /** 1..255: freed memory gets this byte, memory handed out (not zeroed) its complement; 0 = off. */
    final int perturb;
    /** Whether freed memory is zeroed before free returns ({@code wipeOnFree}); wins over perturb. */
    final boolean wipe;
    private final CheckLevel check;
    private final boolean strictClose;
    private final boolean reportLeaks;
    /** Every this-many-th allocation records its site; 0 = off. */
    final int leakSample;
    /** Allocation sites of sampled live chunks. */
    private final Map<Long, Throwable> sites = new HashMap<>();
    private long allocations;

    Diagnostics(String heapName, int perturb, boolean wipe, CheckLevel check, boolean strictClose, boolean reportLeaks,
                int leakSample) {
        this.heapName = heapName;
        this.perturb = perturb;
        this.wipe = wipe;
        this.check = check;
        this.strictClose = strictClose;
        this.reportLeaks = reportLeaks;
        this.leakSample = leakSample;
    }

    /** Applies the check level to an invalid address. @return 0 (NULL) when it does not throw */
    long invalid(IllegalArgumentException e) {
        switch (check) {
            case THROW:
                throw e;
            case REPORT:
                Logs.CHECKS.log(System.Logger.Level.WARNING, "mmapheap " + heapName + ": " + e.getMessage());
                return 0;
            default:
                return 0;
        }
    }

    /** @return whether {@link #freed} writes anything: the free paths call it only then */
    boolean fillsFreed() {
        return wipe || perturb != 0;
    }

    /**
     * Wipes {@code bytes} at {@code address}, or perturbs them, as memory that was just freed. The
     * wipe is a store to memory outside the Java heap through {@link RawMemory}, which the JIT
     * cannot drop as dead.
     */
    void freed(long address, long bytes) {
        if (wipe) {
            RawMemory.fill(address, bytes, (byte) 0);
        } else if (perturb != 0) {
            RawMemory.fill(address, bytes, (byte) perturb);
        }
    }

    /** Zeroes memory handed out, or perturbs it with the complement byte, as the caller and the builder ask. */
    void handedOut(long address, long bytes, boolean zero) {
        if (zero || perturb != 0) {
            RawMemory.fill(address, bytes, zero ? 0 : (byte) ~perturb);
        }
    }

    /** Records a new chunk: its site, if it is the sampled one. */
    void allocated(long address, long size) {
        if (leakSample > 0 && ++allocations % leakSample == 0) {
            sites.put(address, new Throwable("chunk 0x" + Long.toHexString(address) + " (" + size + " bytes) allocated"));
        }
    }

    /** The chunk at address is gone (freed): its site is forgotten. */
    void forget(long address) {
        if (!sites.isEmpty()) {
            sites.remove(address);
        }
    }

    /** The chunk at {@code from} moved to {@code to} (reallocated): its site moves. */
    void moved(long from, long to) {
        if (!sites.isEmpty()) {
            Throwable site = sites.remove(from);
            if (site != null) {
                sites.put(to, site);
            }
        }
    }

    /** @return whether close must build the leak report */
    boolean wantsLeakReport() {
        return strictClose || reportLeaks;
    }

    /**
     * What close does with a leak report, after everything was unmapped: logs it at WARNING on
     * {@value Logs#LEAKS_NAME}, unless the heap closes strictly or does not report leaks.
     *
     * @throws IllegalStateException with the report, if the heap closes strictly
     */
    void closedWith(String leaks) {
        if (leaks.isEmpty()) {
            return;
        }
        if (strictClose) {
            throw new IllegalStateException(leaks);
        }
        if (reportLeaks) {
            Logs.LEAKS.log(System.Logger.Level.WARNING, leaks.stripTrailing());
        }
    }

    /**
     * @param live      chunks still live
     * @param liveBytes their bytes
     * @param ownFrames classes whose frames are the allocator's own, left out of the sites
     * @return the report of chunks still live, with the sampled allocation sites; empty if none
     */
    String leakReport(long live, long liveBytes, List<String> ownFrames) {
        if (live == 0) {
            return "";
        }
        String newline = System.lineSeparator();
        StringBuilder report = new StringBuilder("mmapheap ").append(heapName).append(": closed with ").append(live)
                .append(" live chunks (").append(liveBytes).append(" bytes) never freed").append(newline);
        if (leakSample > 0) {
            List<Throwable> sampled = new ArrayList<>(sites.values());
            report.append("  allocation sites of ").append(sampled.size()).append(" sampled chunks (1 in ")
                    .append(leakSample).append("):").append(newline);
            for (Throwable site : sampled) {
                report.append("  ").append(site.getMessage()).append(" at").append(newline);
                StackTraceElement[] frames = site.getStackTrace();
                int first = 0;
                // The allocator's own frames come first; the report starts at the caller.
                while (first < frames.length && ownFrames.contains(frames[first].getClassName())) {
                    first++;
                }
                for (int f = first; f < frames.length; f++) {
                    report.append("      ").append(frames[f]).append(newline);
                }
            }
        } else {
            report.append("  (enable leak tracking, -D").append(DebugDefaults.LEAK_PROPERTY)
                    .append("=N or leakTracking(N), to see where 1 in N chunks were allocated)").append(newline);
        }
        return report.toString();
    }
}
