package io.mmapheap;

/**
 * A snapshot of an allocator's state. All sizes in bytes.
 *
 * @param pagesMapped       pages currently mapped from the system (regions and dedicated mappings)
 * @param bytesMapped       bytes currently mapped ({@code pagesMapped * pageSize})
 * @param bytesInUse        bytes in live chunks, as rounded up to the granule (or page, for dedicated mappings)
 * @param bytesFree         bytes of the regions not in live chunks
 * @param freeRuns          maximal runs of free granules
 * @param largestFreeRun    the longest free run, the largest request served without mapping more
 * @param liveChunks        chunks allocated and not yet freed
 * @param regions           mappings the first-fit regions occupy
 * @param dedicatedMappings live chunks served by a mapping of their own
 * @param dedicatedBytes    bytes in those mappings
 * @param peakBytesInUse    the highest {@code bytesInUse} seen since the allocator was built
 * @param peakBytesMapped   the highest {@code bytesMapped} seen since the allocator was built
 * @param metadataBytes     Java heap bytes the allocator's bookkeeping arrays occupy
 */
public record HeapStats(long pagesMapped, long bytesMapped, long bytesInUse, long bytesFree, long freeRuns,
                        long largestFreeRun, long liveChunks, long regions, long dedicatedMappings,
                        long dedicatedBytes, long peakBytesInUse, long peakBytesMapped, long metadataBytes) {

    /** @return 1 - largestFreeRun / bytesFree: 0 when all free space is one run, near 1 when it is splintered */
    public double fragmentation() {
        return bytesFree == 0 ? 0 : 1 - (double) largestFreeRun / bytesFree;
    }
}
