package io.mmapheap;

import java.io.PrintStream;

/**
 * A snapshot of an allocator's state, with glibc {@code mallinfo2}'s fields under readable names.
 * All sizes in bytes.
 *
 * @param pagesMapped       pages currently mapped from the system, regions and dedicated mappings
 * @param bytesMapped       bytes currently mapped ({@code pagesMapped * pageSize})
 * @param bytesInUse        bytes in live chunks, rounded up to the granule (to the page for dedicated
 *                          mappings); mallinfo2 {@code uordblks + hblkhd}
 * @param bytesFree         bytes of the regions not in live chunks; {@code fordblks}
 * @param freeChunks        maximal runs of free granules; {@code ordblks}
 * @param largestFreeRun    the longest free run: the largest request served without mapping more
 * @param liveChunks        chunks allocated and not yet freed
 * @param regions           mappings the first-fit regions occupy
 * @param dedicatedMappings live chunks served by a mapping of their own; {@code hblks}
 * @param dedicatedBytes    bytes in those mappings; {@code hblkhd}
 * @param releasableBytes   bytes {@code trim()} would release now: whole free pages and kept mappings; {@code keepcost}
 * @param peakBytesInUse    the highest {@code bytesInUse} since the allocator was built, counting
 *                          chunks that waited in thread caches at the time (an upper bound then)
 * @param peakBytesMapped   the highest {@code bytesMapped} since the allocator was built
 * @param metadataBytes     Java heap bytes of the allocator's bookkeeping arrays
 * @param cachedBytes       bytes of freed chunks waiting in thread caches for reuse: neither in use
 *                          (not in {@code bytesInUse} or {@code liveChunks}) nor free ({@code bytesFree})
 * @param keptBytes         bytes of freed dedicated mappings kept mapped for the next large request
 *                          (in {@code bytesMapped}; {@code trim()} unmaps them)
 * @param reservedBytes     bytes of address space reserved at the ends of regions and not yet made
 *                          readable and writable ({@code PROT_NONE}): in the process's VSZ, but
 *                          neither memory nor commit charge, and not in {@code bytesMapped}
 * @param lockedBytes       bytes locked in RAM ({@code lockPages}: every byte mapped)
 * @param hugePageBytes     bytes in mappings the kernel may back with huge pages: all of them with
 *                          {@code EXPLICIT} huge pages, those of a huge page or more with
 *                          {@code TRANSPARENT} (smaps' {@code AnonHugePages} says how much it did)
 * @param guardBytes        bytes of {@code PROT_NONE} guard pages around the mappings ({@code guardPages});
 *                          in the process's VSZ, not in {@code bytesMapped}
 */
public record HeapStats(long pagesMapped, long bytesMapped, long bytesInUse, long bytesFree, long freeChunks,
                        long largestFreeRun, long liveChunks, long regions, long dedicatedMappings,
                        long dedicatedBytes, long releasableBytes, long peakBytesInUse, long peakBytesMapped,
                        long metadataBytes, long cachedBytes, long keptBytes,
                        long reservedBytes, long lockedBytes, long hugePageBytes, long guardBytes) {

    private static final double PERCENT = 100.0;

    /**
     * Gives the bytes of the regions.
     *
     * @return bytes mapped for first-fit regions (not dedicated mappings, live or kept); mallinfo2 {@code arena}
     */
    public long arenaBytes() {
        return bytesMapped - dedicatedBytes - keptBytes;
    }

    /**
     * Measures how splintered the free space is.
     *
     * @return 1 - largestFreeRun / bytesFree: 0 when all free space is one run, near 1 when it is splintered
     */
    public double fragmentation() {
        return bytesFree == 0 ? 0 : 1 - (double) largestFreeRun / bytesFree;
    }

    /**
     * Measures what the metadata costs.
     *
     * @return metadata bytes as a fraction of bytes mapped (0 when nothing is mapped)
     */
    public double metadataOverhead() {
        return bytesMapped == 0 ? 0 : (double) metadataBytes / bytesMapped;
    }

    /**
     * @return the important figures on one line, in binary units, the most telling first:
     *         {@code mapped 4.0 MiB (1024 pages, 2 regions, peak 8.0 MiB), in use 1.2 MiB (30%, peak 2.0 MiB)
     *         in 12 chunks, free 2.8 MiB in 3 runs (largest 1.0 MiB), dedicated 1.0 MiB in 1 mappings,
     *         releasable 512.0 KiB, metadata 4.1 KiB}, then those of the cached, kept, reserved, locked,
     *         huge-page and guard bytes that are not 0. {@link #print} gives every field.
     */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder()
                .append("mapped ").append(Sizes.human(bytesMapped)).append(" (").append(pagesMapped).append(" pages, ")
                .append(regions).append(" regions, peak ")
                .append(Sizes.human(peakBytesMapped)).append("), in use ").append(Sizes.human(bytesInUse)).append(" (")
                .append(bytesMapped == 0 ? 0 : Math.round(bytesInUse * PERCENT / bytesMapped)).append("%, peak ")
                .append(Sizes.human(peakBytesInUse)).append(") in ").append(liveChunks).append(" chunks, free ")
                .append(Sizes.human(bytesFree)).append(" in ").append(freeChunks).append(" runs (largest ")
                .append(Sizes.human(largestFreeRun)).append("), dedicated ").append(Sizes.human(dedicatedBytes)).append(" in ")
                .append(dedicatedMappings).append(" mappings, releasable ").append(Sizes.human(releasableBytes))
                .append(", metadata ").append(Sizes.human(metadataBytes));
        appendIfAny(out, "cached", cachedBytes);
        appendIfAny(out, "kept", keptBytes);
        appendIfAny(out, "reserved", reservedBytes);
        appendIfAny(out, "locked", lockedBytes);
        appendIfAny(out, "huge pages", hugePageBytes);
        appendIfAny(out, "guard", guardBytes);
        return out.toString();
    }

    private static void appendIfAny(StringBuilder out, String what, long bytes) {
        if (bytes != 0) {
            out.append(", ").append(what).append(' ').append(Sizes.human(bytes));
        }
    }

    /**
     * Prints a report in the manner of glibc's {@code malloc_stats}.
     *
     * @param out where the report goes
     */
    public void print(PrintStream out) {
        out.printf("Arena (first-fit regions):%n");
        out.printf("  system bytes     = %12d   (%d regions)%n", arenaBytes(), regions);
        out.printf("  in use bytes     = %12d   (%d live chunks)%n", bytesInUse - dedicatedBytes, liveChunks - dedicatedMappings);
        out.printf("  free bytes       = %12d   (%d free runs, largest %d, fragmentation %.1f%%)%n",
                bytesFree, freeChunks, largestFreeRun, fragmentation() * PERCENT);
        out.printf("  releasable bytes = %12d   (whole free pages and kept mappings trim() would release)%n", releasableBytes);
        out.printf("  cached bytes     = %12d   (freed chunks in thread caches)%n", cachedBytes);
        out.printf("Dedicated mappings:%n");
        out.printf("  mmap regions     = %12d%n", dedicatedMappings);
        out.printf("  mmap bytes       = %12d%n", dedicatedBytes);
        out.printf("  kept bytes       = %12d   (freed mappings kept for reuse)%n", keptBytes);
        out.printf("Total:%n");
        out.printf("  system bytes     = %12d   (%d pages, peak %d bytes)%n", bytesMapped, pagesMapped, peakBytesMapped);
        out.printf("  reserved bytes   = %12d   (address space at region ends, not yet readable)%n", reservedBytes);
        out.printf("  in use bytes     = %12d   (peak %d)%n", bytesInUse, peakBytesInUse);
        out.printf("  metadata bytes   = %12d   (%.2f%% of mapped, on the Java heap)%n", metadataBytes, metadataOverhead() * PERCENT);
        if (lockedBytes != 0 || hugePageBytes != 0 || guardBytes != 0) {
            out.printf("Page control:%n");
            out.printf("  locked bytes     = %12d   (mlock)%n", lockedBytes);
            out.printf("  huge page bytes  = %12d   (in mappings huge pages may back)%n", hugePageBytes);
            out.printf("  guard bytes      = %12d   (PROT_NONE pages around the mappings)%n", guardBytes);
        }
    }
}
