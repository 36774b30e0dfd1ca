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

    /** @return the name the allocator was built with */
    String getName();

    /** @return the allocator's class: {@code ElasticHeap}, {@code PageAllocator} or {@code StripedHeap} */
    String getAllocatorType();

    /** @return pages currently mapped from the system, regions and dedicated mappings: {@link HeapStats#pagesMapped()} */
    long getPagesMapped();

    /** @return bytes currently mapped: {@link HeapStats#bytesMapped()} */
    long getBytesMapped();

    /** @return bytes in live chunks: {@link HeapStats#bytesInUse()} */
    long getBytesInUse();

    /** @return bytes of the regions not in live chunks: {@link HeapStats#bytesFree()} */
    long getBytesFree();

    /** @return maximal runs of free granules: {@link HeapStats#freeChunks()} */
    long getFreeChunks();

    /** @return the longest free run, bytes: {@link HeapStats#largestFreeRun()} */
    long getLargestFreeRun();

    /** @return chunks allocated and not yet freed: {@link HeapStats#liveChunks()} */
    long getLiveChunks();

    /** @return mappings the first-fit regions occupy: {@link HeapStats#regions()} */
    long getRegions();

    /** @return live chunks served by a mapping of their own: {@link HeapStats#dedicatedMappings()} */
    long getDedicatedMappings();

    /** @return bytes in those mappings: {@link HeapStats#dedicatedBytes()} */
    long getDedicatedBytes();

    /** @return bytes {@code trim()} would release now: {@link HeapStats#releasableBytes()} */
    long getReleasableBytes();

    /** @return the highest bytes in use since the allocator was built: {@link HeapStats#peakBytesInUse()} */
    long getPeakBytesInUse();

    /** @return the highest bytes mapped since the allocator was built: {@link HeapStats#peakBytesMapped()} */
    long getPeakBytesMapped();

    /** @return Java heap bytes of the allocator's bookkeeping: {@link HeapStats#metadataBytes()} */
    long getMetadataBytes();

    /** @return bytes of freed chunks waiting in thread caches: {@link HeapStats#cachedBytes()} */
    long getCachedBytes();

    /** @return bytes of freed dedicated mappings kept mapped for reuse: {@link HeapStats#keptBytes()} */
    long getKeptBytes();

    /** @return bytes of address space reserved and not yet readable and writable: {@link HeapStats#reservedBytes()} */
    long getReservedBytes();

    /** @return bytes locked in RAM: {@link HeapStats#lockedBytes()} */
    long getLockedBytes();

    /** @return bytes in mappings the kernel may back with huge pages: {@link HeapStats#hugePageBytes()} */
    long getHugePageBytes();

    /** @return bytes of guard pages around the mappings: {@link HeapStats#guardBytes()} */
    long getGuardBytes();

    /** @return bytes mapped for first-fit regions: {@link HeapStats#arenaBytes()} */
    long getArenaBytes();

    /** @return 0 when all free space is one run, near 1 when it is splintered: {@link HeapStats#fragmentation()} */
    double getFragmentation();

    /** @return metadata bytes as a fraction of bytes mapped: {@link HeapStats#metadataOverhead()} */
    double getMetadataOverhead();
}
