package io.mmapheap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.TreeMap;

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
 *   EXPLICIT      MAP_HUGETLB (the page is 2 MiB); if   -                            -
 *                 refused and a fallback was asked,
 *                 TRANSPARENT's way, in whole 2 MiB pages
 *   dontDump      MADV_DONTDUMP                       -                            -
 *   lockPages     -                                   mlock                        munlock first
 *   prefault      -                                   MADV_POPULATE_WRITE (or a    -
 *                                                     write to every page)
 *   guardPages    a PROT_NONE page before and after   -                            -
 * </pre>
 * With guard pages a mapping of n bytes is a reservation of n plus two pages, whose middle is
 * committed; unmapping it unmaps the guards too, and a remap maps anew, copies and unmaps.
 * A refused {@code mlock} leaves the range as it was (decommitted again) and says which limit
 * refused it and how to raise it.
 */
final class ControlledPageSource implements PageSource {

    /** The transparent huge page size where the kernel does not say (x86-64's). */
    private static final long DEFAULT_HUGE_PAGE = 2L << 20;

    private final PageSource inner;
    private final HugePages huge;
    /** With EXPLICIT: whether a refused MAP_HUGETLB mapping is made of transparent huge pages instead. */
    private final boolean fallback;

    private final boolean prefault;
    private final boolean lockPages;
    private final boolean dontDump;
    /** Bytes of the guard before and after each mapping: a page, or 0 without guard pages. */
    private final long guard;
    /** With guard pages: each guarded mapping's start and length (calls come under the heap's lock). */
    private final TreeMap<Long, Long> guarded = new TreeMap<>();
    private final long hugePage;
    /** Whether MADV_POPULATE_WRITE works here; cleared at its first EINVAL (kernels before 5.14). */
    private boolean populateAdvice = true;

    ControlledPageSource(PageSource inner, HugePages huge, boolean fallback, boolean prefault, boolean lockPages,
                         boolean dontDump, boolean guardPages) {
        this.inner = inner;
        this.fallback = fallback;
        this.huge = huge;
        this.prefault = prefault;
        this.lockPages = lockPages;
        this.dontDump = dontDump;
        this.guard = guardPages ? inner.pageSize() : 0;
        this.hugePage = hugePageSize();
    }

    /** @return the bytes of guard pages around the mappings made and not yet unmapped */
    long guardBytes() {
        return (long) guarded.size() * 2 * guard;
    }

    /** @return of {@code bytes} in one mapping, the bytes huge pages may back */
    long hugePageBytes(long bytes) {
        return huge == HugePages.EXPLICIT || huge == HugePages.TRANSPARENT && bytes >= hugePage ? bytes : 0;
    }

    /** @return whether committed pages are locked */
    boolean locks() {
        return lockPages;
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
        long address;
        if (huge == HugePages.EXPLICIT) {
            address = mapExplicit(bytes, VirtualMemory.PROT_READ | VirtualMemory.PROT_WRITE);
        } else if (guard > 0) {
            address = placed(bytes, true);
            try {
                inner.commit(address, bytes);
            } catch (RuntimeException e) {
                unmap(address, bytes);
                throw e;
            }
        } else {
            address = placed(bytes, false);
        }
        try {
            adviseMapping(address, bytes);
            control(address, bytes);
        } catch (RuntimeException e) {
            unmap(address, bytes);
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
            unmap(address, bytes);
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
        if (guard == 0) {
            inner.unmap(address, bytes);
            return;
        }
        Map.Entry<Long, Long> m = guarded.floorEntry(address);
        if (m == null || address + bytes > m.getKey() + m.getValue()) {
            throw new IllegalArgumentException("unmap of [0x" + Long.toHexString(address) + ", +" + bytes + ") that no guarded mapping holds");
        }
        long start = m.getKey();
        long end = start + m.getValue();
        guarded.remove(start);
        if (address == start && address + bytes == end) {
            inner.unmap(address - guard, bytes + 2 * guard);
            return;
        }
        // A part at one end (an aligned mapping cut out of a longer one): the page next to what
        // stays becomes its new guard, and the old guard goes with the part.
        if (address == start) {
            inner.unmap(address - guard, bytes);
            guardPage(address + bytes - guard);
            guarded.put(address + bytes, end - address - bytes);
        } else if (address + bytes == end) {
            inner.unmap(address + guard, bytes);
            guardPage(address);
            guarded.put(start, address - start);
        } else {
            guarded.put(start, m.getValue());
            throw new IllegalArgumentException("unmap of the middle of a guarded mapping");
        }
    }

    /** Turns a page of a mapping into a guard: its contents dropped, no access. */
    private void guardPage(long address) {
        decommit(address, guard);
    }

    /**
     * Locked pages stay resident (they were locked to be kept) but read as zero afterwards, as a
     * discard promises; others go as the inner source discards them.
     */
    @Override
    public void discard(long address, long bytes) {
        if (lockPages) {
            RawMemory.fill(address, bytes, (byte) 0);
        } else {
            inner.discard(address, bytes);
        }
    }

    /**
     * mremap where it keeps what this source gives a mapping (the kernel carries a mapping's lock
     * and advice over); else a new mapping of this source, a copy and an unmap: with guard pages
     * (mremap would carry the mapping off them), for a transparent-huge-page mapping that reaches a
     * huge page (the new one must be aligned and advised), and over another source than mmap (whose
     * own remap would not apply this source's options).
     */
    @Override
    public long remap(long address, long oldBytes, long newBytes) {
        if (guard > 0 || inner != PageSource.mmap() || huge == HugePages.TRANSPARENT && newBytes >= hugePage) {
            return PageSource.super.remap(address, oldBytes, newBytes);
        }
        long moved;
        try {
            moved = inner.remap(address, oldBytes, newBytes);
        } catch (NativeMemoryException e) {
            if (lockPages && newBytes > oldBytes && (e.errno() == VirtualMemory.EAGAIN || e.errno() == VirtualMemory.ENOMEM)) {
                throw lockRefused(newBytes - oldBytes, e);
            }
            throw e;
        }
        if (newBytes > oldBytes && prefault) {
            populate(moved + oldBytes, newBytes - oldBytes);
        }
        return moved;
    }

    /**
     * A mapping (or reservation) of the inner source with its guard pages around it, the bytes
     * between them huge-page aligned when TRANSPARENT asks and they hold a huge page. With guards,
     * the whole span is a reservation: the caller commits what it uses.
     *
     * @return the address of the bytes between the guards
     */
    private long placed(long bytes, boolean reservation) {
        return placed(bytes, reservation, huge == HugePages.TRANSPARENT && bytes >= hugePage);
    }

    private long placed(long bytes, boolean reservation, boolean align) {
        long span = bytes + 2 * guard;
        long slack = align ? hugePage : 0;
        long start = reservation || guard > 0 ? inner.reserve(span + slack) : inner.map(span + slack);
        long inside = align ? (start + guard + hugePage - 1) & -hugePage : start + guard;
        long outer = inside - guard;
        if (outer > start) {
            inner.unmap(start, outer - start);
        }
        long end = start + span + slack;
        if (end > outer + span) {
            inner.unmap(outer + span, end - outer - span);
        }
        if (guard > 0) {
            guarded.put(inside, bytes);
        }
        return inside;
    }

    private long mapExplicit(long bytes, int prot) {
        try {
            return VirtualMemory.map(0, bytes, prot,
                    VirtualMemory.MAP_PRIVATE | VirtualMemory.MAP_ANONYMOUS | VirtualMemory.MAP_HUGETLB);
        } catch (NativeMemoryException e) {
            if (fallback) {
                // The same huge-page-sized page, from ordinary memory advised for transparent huge pages.
                long address = placed(bytes, prot == VirtualMemory.PROT_NONE, true);
                if (prot != VirtualMemory.PROT_NONE) {
                    try {
                        inner.commit(address, bytes);
                    } catch (RuntimeException refused) {
                        inner.unmap(address, bytes);
                        throw refused;
                    }
                }
                VirtualMemory.advise(address, bytes, VirtualMemory.MADV_HUGEPAGE);
                return address;
            }
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
                throw lockRefused(bytes, e);
            }
        }
        if (prefault) {
            populate(address, bytes);
        }
    }

    private static HeapExhaustedException lockRefused(long bytes, NativeMemoryException e) {
        return new HeapExhaustedException("lockPages: the kernel refused to lock " + bytes + " more bytes: RLIMIT_MEMLOCK is "
                + memlockLimit() + "; raise it (ulimit -l, in KiB; prlimit --memlock; LimitMEMLOCK= in a systemd"
                + " unit) or lock fewer pages", e);
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
