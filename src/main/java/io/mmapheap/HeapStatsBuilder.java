package io.mmapheap;

/**
 * Builds a {@link HeapStats} field by field, each by its name; or sums the stats of several heaps
 * ({@link #add}). Fields not set are 0.
 */
final class HeapStatsBuilder {

    private long pagesMapped;
    private long bytesMapped;
    private long bytesInUse;
    private long bytesFree;
    private long freeChunks;
    private long largestFreeRun;
    private long liveChunks;
    private long regions;
    private long dedicatedMappings;
    private long dedicatedBytes;
    private long releasableBytes;
    private long peakBytesInUse;
    private long peakBytesMapped;
    private long metadataBytes;
    private long cachedBytes;
    private long keptBytes;
    private long reservedBytes;
    private long lockedBytes;
    private long hugePageBytes;
    private long guardBytes;

    HeapStatsBuilder pagesMapped(long value) {
        this.pagesMapped = value;
        return this;
    }

    HeapStatsBuilder bytesMapped(long value) {
        this.bytesMapped = value;
        return this;
    }

    HeapStatsBuilder bytesInUse(long value) {
        this.bytesInUse = value;
        return this;
    }

    HeapStatsBuilder bytesFree(long value) {
        this.bytesFree = value;
        return this;
    }

    HeapStatsBuilder freeChunks(long value) {
        this.freeChunks = value;
        return this;
    }

    HeapStatsBuilder largestFreeRun(long value) {
        this.largestFreeRun = value;
        return this;
    }

    HeapStatsBuilder liveChunks(long value) {
        this.liveChunks = value;
        return this;
    }

    HeapStatsBuilder regions(long value) {
        this.regions = value;
        return this;
    }

    HeapStatsBuilder dedicatedMappings(long value) {
        this.dedicatedMappings = value;
        return this;
    }

    HeapStatsBuilder dedicatedBytes(long value) {
        this.dedicatedBytes = value;
        return this;
    }

    HeapStatsBuilder releasableBytes(long value) {
        this.releasableBytes = value;
        return this;
    }

    HeapStatsBuilder peakBytesInUse(long value) {
        this.peakBytesInUse = value;
        return this;
    }

    HeapStatsBuilder peakBytesMapped(long value) {
        this.peakBytesMapped = value;
        return this;
    }

    HeapStatsBuilder metadataBytes(long value) {
        this.metadataBytes = value;
        return this;
    }

    HeapStatsBuilder cachedBytes(long value) {
        this.cachedBytes = value;
        return this;
    }

    HeapStatsBuilder keptBytes(long value) {
        this.keptBytes = value;
        return this;
    }

    HeapStatsBuilder reservedBytes(long value) {
        this.reservedBytes = value;
        return this;
    }

    HeapStatsBuilder lockedBytes(long value) {
        this.lockedBytes = value;
        return this;
    }

    HeapStatsBuilder hugePageBytes(long value) {
        this.hugePageBytes = value;
        return this;
    }

    HeapStatsBuilder guardBytes(long value) {
        this.guardBytes = value;
        return this;
    }

    /** Adds a heap's stats to these: every field summed, but the largest free run, the larger of the two. */
    HeapStatsBuilder add(HeapStats s) {
        pagesMapped += s.pagesMapped();
        bytesMapped += s.bytesMapped();
        bytesInUse += s.bytesInUse();
        bytesFree += s.bytesFree();
        freeChunks += s.freeChunks();
        largestFreeRun = Math.max(largestFreeRun, s.largestFreeRun());
        liveChunks += s.liveChunks();
        regions += s.regions();
        dedicatedMappings += s.dedicatedMappings();
        dedicatedBytes += s.dedicatedBytes();
        releasableBytes += s.releasableBytes();
        peakBytesInUse += s.peakBytesInUse();
        peakBytesMapped += s.peakBytesMapped();
        metadataBytes += s.metadataBytes();
        cachedBytes += s.cachedBytes();
        keptBytes += s.keptBytes();
        reservedBytes += s.reservedBytes();
        lockedBytes += s.lockedBytes();
        hugePageBytes += s.hugePageBytes();
        guardBytes += s.guardBytes();
        return this;
    }

    HeapStats build() {
        return new HeapStats(pagesMapped, bytesMapped, bytesInUse, bytesFree, freeChunks,
                largestFreeRun, liveChunks, regions, dedicatedMappings, dedicatedBytes, releasableBytes,
                peakBytesInUse, peakBytesMapped, metadataBytes, cachedBytes, keptBytes, reservedBytes,
                lockedBytes, hugePageBytes, guardBytes);
    }
}
