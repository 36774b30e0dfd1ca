package io.mmapheap;

/**
 * The management interface of an allocator built with a name ({@link AllocatorBuilder#name}): its
 * {@link HeapStats} as JMX attributes, for JConsole, VisualVM, JMX exporters and the like. It is
 * registered in the platform MBeanServer when the allocator is built, under the object name
 * {@value #OBJECT_NAME_PREFIX} followed by the name quoted ({@link javax.management.ObjectName#quote}),
 *
 * <pre>
 *   ObjectName objectName = new ObjectName(AllocatorMXBean.OBJECT_NAME_PREFIX + ObjectName.quote("orders"));
 *   AllocatorMXBean orders = JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(), objectName,
 *           AllocatorMXBean.class);
 * </pre>
 *
 * and unregistered by the allocator's {@code close()}. Every attribute is read from
 * {@link Allocator#stats()} when it is read, so each read takes the allocator's lock once; a read
 * that races {@code close()} sees 0, as a closed allocator maps nothing.
 */
public interface AllocatorMXBean {

    /** The object name of every allocator's MXBean but the value of its {@code name} key, which is the name, quoted. */
    String OBJECT_NAME_PREFIX = "io.mmapheap:type=Allocator,name=";

    /**
     * Gives the allocator's name.
     *
     * @return the name the allocator was built with
     */
    String getName();

    /**
     * Gives the allocator's kind.
     *
     * @return the allocator's class: {@code ElasticHeap}, {@code PageAllocator} or {@code StripedHeap}
     */
    String getAllocatorType();

    /**
     * Reads {@link HeapStats#pagesMapped()} from the allocator.
     *
     * @return pages currently mapped from the system, regions and dedicated mappings
     */
    long getPagesMapped();

    /**
     * Reads {@link HeapStats#bytesMapped()} from the allocator.
     *
     * @return bytes currently mapped
     */
    long getBytesMapped();

    /**
     * Reads {@link HeapStats#bytesInUse()} from the allocator.
     *
     * @return bytes in live chunks
     */
    long getBytesInUse();

    /**
     * Reads {@link HeapStats#bytesFree()} from the allocator.
     *
     * @return bytes of the regions not in live chunks
     */
    long getBytesFree();

    /**
     * Reads {@link HeapStats#freeChunks()} from the allocator.
     *
     * @return maximal runs of free granules
     */
    long getFreeChunks();

    /**
     * Reads {@link HeapStats#largestFreeRun()} from the allocator.
     *
     * @return the longest free run, bytes
     */
    long getLargestFreeRun();

    /**
     * Reads {@link HeapStats#liveChunks()} from the allocator.
     *
     * @return chunks allocated and not yet freed
     */
    long getLiveChunks();

    /**
     * Reads {@link HeapStats#regions()} from the allocator.
     *
     * @return mappings the first-fit regions occupy
     */
    long getRegions();

    /**
     * Reads {@link HeapStats#dedicatedMappings()} from the allocator.
     *
     * @return live chunks served by a mapping of their own
     */
    long getDedicatedMappings();

    /**
     * Reads {@link HeapStats#dedicatedBytes()} from the allocator.
     *
     * @return bytes in those mappings
     */
    long getDedicatedBytes();

    /**
     * Reads {@link HeapStats#releasableBytes()} from the allocator.
     *
     * @return bytes {@code trim()} would release now
     */
    long getReleasableBytes();

    /**
     * Reads {@link HeapStats#peakBytesInUse()} from the allocator.
     *
     * @return the highest bytes in use since the allocator was built
     */
    long getPeakBytesInUse();

    /**
     * Reads {@link HeapStats#peakBytesMapped()} from the allocator.
     *
     * @return the highest bytes mapped since the allocator was built
     */
    long getPeakBytesMapped();

    /**
     * Reads {@link HeapStats#metadataBytes()} from the allocator.
     *
     * @return Java heap bytes of the allocator's bookkeeping
     */
    long getMetadataBytes();

    /**
     * Reads {@link HeapStats#cachedBytes()} from the allocator.
     *
     * @return bytes of freed chunks waiting in thread caches
     */
    long getCachedBytes();

    /**
     * Reads {@link HeapStats#keptBytes()} from the allocator.
     *
     * @return bytes of freed dedicated mappings kept mapped for reuse
     */
    long getKeptBytes();

    /**
     * Reads {@link HeapStats#reservedBytes()} from the allocator.
     *
     * @return bytes of address space reserved and not yet readable and writable
     */
    long getReservedBytes();

    /**
     * Reads {@link HeapStats#lockedBytes()} from the allocator.
     *
     * @return bytes locked in RAM
     */
    long getLockedBytes();

    /**
     * Reads {@link HeapStats#hugePageBytes()} from the allocator.
     *
     * @return bytes in mappings the kernel may back with huge pages
     */
    long getHugePageBytes();

    /**
     * Reads {@link HeapStats#guardBytes()} from the allocator.
     *
     * @return bytes of guard pages around the mappings
     */
    long getGuardBytes();

    /**
     * Reads {@link HeapStats#arenaBytes()} from the allocator.
     *
     * @return bytes mapped for first-fit regions
     */
    long getArenaBytes();

    /**
     * Reads {@link HeapStats#fragmentation()} from the allocator.
     *
     * @return 0 when all free space is one run, near 1 when it is splintered
     */
    double getFragmentation();

    /**
     * Reads {@link HeapStats#metadataOverhead()} from the allocator.
     *
     * @return metadata bytes as a fraction of bytes mapped
     */
    double getMetadataOverhead();
}
