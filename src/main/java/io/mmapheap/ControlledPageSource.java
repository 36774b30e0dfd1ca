package io.mmapheap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import io.mmapheap.os.NativeMemoryException;
import io.mmapheap.os.VirtualMemory;

/**
 * A {@link PageSource} that applies the builder's page control to every range it maps or commits:
 * huge pages, prefaulting, locking and leaving pages out of core dumps. Composition, not a
 * subclass: it wraps the source the builder was given.
 *
 * <pre>
 *   option        on map / reserve                    on commit (and map)          on decommit / discard
 *   TRANSPARENT   huge-page aligned, MADV_HUGEPAGE    -                            -
 *   EXPLICIT      MAP_HUGETLB (the page is 2 MiB)     -                            -
 *   dontDump      MADV_DONTDUMP                       -                            -
 *   lockPages     -                                   mlock                        munlock first
 *   prefault      -                                   MADV_POPULATE_WRITE (or a    -
 *                                                     write to every page)
 * </pre>
 * A refused {@code mlock} leaves the range as it was (decommitted again) and says which limit
 * refused it and how to raise it.
 */
final class ControlledPageSource implements PageSource {

    /** The transparent huge page size where the kernel does not say (x86-64's). */
    private static final long DEFAULT_HUGE_PAGE = 2L << 20;

    private final PageSource inner;
    private final HugePages huge;
    private final boolean prefault;
    private final boolean lockPages;
    private final boolean dontDump;
    private final long hugePage;
    /** Whether MADV_POPULATE_WRITE works here; cleared at its first EINVAL (kernels before 5.14). */
    private boolean populateAdvice = true;

    ControlledPageSource(PageSource inner, HugePages huge, boolean prefault, boolean lockPages, boolean dontDump) {
        this.inner = inner;
        this.huge = huge;
        this.prefault = prefault;
        this.lockPages = lockPages;
        this.dontDump = dontDump;
        this.hugePage = hugePageSize();
    }

    /** @return the kernel's huge page size ({@code hpage_pmd_size}), or 2 MiB where it does not say */
    static long hugePageSize() {
        Path pmd = Paths.get("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size");
        try {
            return Long.parseLong(Files.readString(pmd, StandardCharsets.US_ASCII).trim());
        } catch (IOException | NumberFormatException e) {
            return DEFAULT_HUGE_PAGE;
        }
    }

    @Override
    public long pageSize() {
        return huge == HugePages.EXPLICIT ? hugePage : inner.pageSize();
    }

    @Override
    public long map(long bytes) {
        long address = huge == HugePages.EXPLICIT ? mapExplicit(bytes, VirtualMemory.PROT_READ | VirtualMemory.PROT_WRITE)
                : placed(bytes, false);
        try {
            adviseMapping(address, bytes);
            control(address, bytes);
        } catch (RuntimeException e) {
            inner.unmap(address, bytes);
            throw e;
        }
        return address;
    }

    @Override
    public long reserve(long bytes) {
        long address = huge == HugePages.EXPLICIT ? mapExplicit(bytes, VirtualMemory.PROT_NONE) : placed(bytes, true);
        try {
            adviseMapping(address, bytes);
        } catch (RuntimeException e) {
            inner.unmap(address, bytes);
            throw e;
        }
        return address;
    }

    @Override
    public void commit(long address, long bytes) {
        inner.commit(address, bytes);
        try {
            control(address, bytes);
        } catch (RuntimeException e) {
            inner.decommit(address, bytes);
            throw e;
        }
    }

    @Override
    public void decommit(long address, long bytes) {
        if (lockPages) {
            VirtualMemory.unlock(address, bytes);
        }
        inner.decommit(address, bytes);
    }

    @Override
    public void unmap(long address, long bytes) {
        inner.unmap(address, bytes);
    }

    /** Locked pages stay: they were locked to be kept. Others go as the inner source discards them. */
    @Override
    public void discard(long address, long bytes) {
        if (!lockPages) {
            inner.discard(address, bytes);
        }
    }

    @Override
    public long remap(long address, long oldBytes, long newBytes) {
        long moved = inner.remap(address, oldBytes, newBytes);
        if (newBytes > oldBytes) {
            // The kernel carries the mapping's advice and lock over; the new pages still need their fault.
            if (prefault) {
                populate(moved + oldBytes, newBytes - oldBytes);
            }
        }
        return moved;
    }

    /** A mapping of the inner source, huge-page aligned when TRANSPARENT asks and it holds a huge page. */
    private long placed(long bytes, boolean reservation) {
        if (huge != HugePages.TRANSPARENT || bytes < hugePage) {
            return reservation ? inner.reserve(bytes) : inner.map(bytes);
        }
        long span = bytes + hugePage;
        long start = reservation ? inner.reserve(span) : inner.map(span);
        long aligned = (start + hugePage - 1) & -hugePage;
        if (aligned > start) {
            inner.unmap(start, aligned - start);
        }
        long end = start + span;
        if (end > aligned + bytes) {
            inner.unmap(aligned + bytes, end - aligned - bytes);
        }
        return aligned;
    }

    private long mapExplicit(long bytes, int prot) {
        try {
            return VirtualMemory.map(0, bytes, prot,
                    VirtualMemory.MAP_PRIVATE | VirtualMemory.MAP_ANONYMOUS | VirtualMemory.MAP_HUGETLB);
        } catch (NativeMemoryException e) {
            throw new HeapExhaustedException("hugePages(EXPLICIT): the kernel refused " + bytes / hugePage + " huge page(s) of "
                    + hugePage / 1024 + " kB; it maps them only from its reserve,"
                    + " /proc/sys/vm/nr_hugepages, which is " + reservedHugePages() + " here: raise it (as root, e.g."
                    + " sysctl vm.nr_hugepages=N) or use hugePages(TRANSPARENT)", e);
        }
    }

    private static String reservedHugePages() {
        try {
            return Files.readString(Paths.get("/proc/sys/vm/nr_hugepages"), StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** Advice a whole mapping gets once: huge pages, and out of core dumps. */
    private void adviseMapping(long address, long bytes) {
        if (huge == HugePages.TRANSPARENT && bytes >= hugePage) {
            VirtualMemory.advise(address, bytes, VirtualMemory.MADV_HUGEPAGE);
        }
        if (dontDump) {
            VirtualMemory.advise(address, bytes, VirtualMemory.MADV_DONTDUMP);
        }
    }

    /** What committed pages get: locked, then faulted in. */
    private void control(long address, long bytes) {
        if (lockPages) {
            try {
                VirtualMemory.lock(address, bytes);
            } catch (NativeMemoryException e) {
                throw new HeapExhaustedException("lockPages: the kernel refused to lock " + bytes + " more bytes: RLIMIT_MEMLOCK is "
                        + memlockLimit() + "; raise it (ulimit -l, in KiB; prlimit --memlock; LimitMEMLOCK= in a systemd"
                        + " unit) or lock fewer pages", e);
            }
        }
        if (prefault) {
            populate(address, bytes);
        }
    }

    private static String memlockLimit() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/limits"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("Max locked memory")) {
                    String[] w = line.substring("Max locked memory".length()).trim().split("\\s+");
                    return w[0] + " bytes soft, " + w[1] + " bytes hard";
                }
            }
        } catch (IOException e) {
            // Fall through.
        }
        return "unknown";
    }

    /** Faults the range in, writable: MADV_POPULATE_WRITE, or on older kernels a write to every page. */
    private void populate(long address, long bytes) {
        if (populateAdvice) {
            try {
                VirtualMemory.advise(address, bytes, VirtualMemory.MADV_POPULATE_WRITE);
                return;
            } catch (NativeMemoryException e) {
                if (e.errno() != VirtualMemory.EINVAL) {
                    throw e;
                }
                populateAdvice = false;
            }
        }
        long page = inner.pageSize();
        for (long p = address; p < address + bytes; p += page) {
            RawMemory.putByte(p, RawMemory.getByte(p));
        }
    }
}
