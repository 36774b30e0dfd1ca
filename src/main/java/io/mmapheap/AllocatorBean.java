package io.mmapheap;

import java.lang.management.ManagementFactory;

import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * A named allocator's {@link AllocatorMXBean} and its registration in the platform MBeanServer: made
 * by the builder once the allocator is built, unregistered by the allocator's close. An object name
 * belongs to one open allocator at a time.
 */
final class AllocatorBean implements AllocatorMXBean {

    /** What a closed allocator maps: nothing. */
    private static final HeapStats CLOSED = new HeapStatsBuilder().build();

    private final String name;
    private final String type;
    private final Allocator allocator;
    private final ObjectName objectName;
    /** Set by the first {@link #unregister}: later ones must not take out a bean registered since under the same name. */
    private final java.util.concurrent.atomic.AtomicBoolean unregistered = new java.util.concurrent.atomic.AtomicBoolean();

    private AllocatorBean(String name, String type, Allocator allocator, ObjectName objectName) {
        this.name = name;
        this.type = type;
        this.allocator = allocator;
        this.objectName = objectName;
    }

    private static MBeanServer server() {
        return ManagementFactory.getPlatformMBeanServer();
    }

    /** @return the object name of the MXBean of the allocator named {@code name} */
    static ObjectName objectName(String name) {
        try {
            return new ObjectName(OBJECT_NAME_PREFIX + ObjectName.quote(name));
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException("allocator name " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Called before an allocator of this name is built, so that one that cannot be registered maps nothing.
     *
     * @throws IllegalStateException if the name is taken
     */
    static void checkFree(String name) {
        ObjectName objectName = objectName(name);
        if (server().isRegistered(objectName)) {
            throw taken(name, objectName);
        }
    }

    private static IllegalStateException taken(String name, ObjectName objectName) {
        return new IllegalStateException("an allocator named \"" + name + "\" is open already (" + objectName
                + " is registered): a name belongs to one open allocator at a time");
    }

    /**
     * Registers the MXBean of a newly built allocator.
     *
     * @param type the allocator's class, simple name
     * @return the registered MXBean, which {@link #unregister} takes back
     * @throws IllegalStateException if the name is taken (by an allocator built since {@link #checkFree});
     *                               the allocator is closed then, so that nothing is left mapped
     */
    static AllocatorBean register(String name, String type, Allocator allocator) {
        ObjectName objectName = objectName(name);
        AllocatorBean bean = new AllocatorBean(name, type, allocator, objectName);
        IllegalStateException refused;
        try {
            server().registerMBean(bean, objectName);
            return bean;
        } catch (InstanceAlreadyExistsException e) {
            refused = taken(name, objectName);
        } catch (JMException e) {
            refused = new IllegalStateException("cannot register " + objectName + ": " + e, e);
        }
        try {
            allocator.close();
        } catch (RuntimeException closing) {
            refused.addSuppressed(closing);
        }
        throw refused;
    }

    /**
     * Takes this MXBean out of the platform MBeanServer; only the first call does anything, so that
     * closing an allocator again never unregisters another allocator that took the name since.
     */
    void unregister() {
        if (!unregistered.compareAndSet(false, true)) {
            return;
        }
        try {
            server().unregisterMBean(objectName);
        } catch (InstanceNotFoundException gone) {
            // Unregistered already (by an earlier close, or by another hand): nothing to do.
        } catch (JMException e) {
            throw new IllegalStateException("cannot unregister " + objectName + ": " + e, e);
        }
    }

    /** @return the allocator's stats now, or all 0 if it is closed */
    private HeapStats current() {
        try {
            return allocator.stats();
        } catch (IllegalStateException closed) {
            return CLOSED;
        }
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public String getAllocatorType() {
        return type;
    }

    @Override
    public long getPagesMapped() {
        return current().pagesMapped();
    }

    @Override
    public long getBytesMapped() {
        return current().bytesMapped();
    }

    @Override
    public long getBytesInUse() {
        return current().bytesInUse();
    }

    @Override
    public long getBytesFree() {
        return current().bytesFree();
    }

    @Override
    public long getFreeChunks() {
        return current().freeChunks();
    }

    @Override
    public long getLargestFreeRun() {
        return current().largestFreeRun();
    }

    @Override
    public long getLiveChunks() {
        return current().liveChunks();
    }

    @Override
    public long getRegions() {
        return current().regions();
    }

    @Override
    public long getDedicatedMappings() {
        return current().dedicatedMappings();
    }

    @Override
    public long getDedicatedBytes() {
        return current().dedicatedBytes();
    }

    @Override
    public long getReleasableBytes() {
        return current().releasableBytes();
    }

    @Override
    public long getPeakBytesInUse() {
        return current().peakBytesInUse();
    }

    @Override
    public long getPeakBytesMapped() {
        return current().peakBytesMapped();
    }

    @Override
    public long getMetadataBytes() {
        return current().metadataBytes();
    }

    @Override
    public long getCachedBytes() {
        return current().cachedBytes();
    }

    @Override
    public long getKeptBytes() {
        return current().keptBytes();
    }

    @Override
    public long getReservedBytes() {
        return current().reservedBytes();
    }

    @Override
    public long getLockedBytes() {
        return current().lockedBytes();
    }

    @Override
    public long getHugePageBytes() {
        return current().hugePageBytes();
    }

    @Override
    public long getGuardBytes() {
        return current().guardBytes();
    }

    @Override
    public long getArenaBytes() {
        return current().arenaBytes();
    }

    @Override
    public double getFragmentation() {
        return current().fragmentation();
    }

    @Override
    public double getMetadataOverhead() {
        return current().metadataOverhead();
    }
}
