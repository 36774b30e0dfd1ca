package io.mmapheap;

import io.mmapheap.os.NativeMemoryException;

/**
 * The chunks that get a mapping of their own (requests above a heap's large threshold, and aligned
 * requests no region can place), and the freed ones kept mapped for the next large request
 * ({@link KeptMappings}), as glibc serves requests above {@code M_MMAP_THRESHOLD}. Each dedicated
 * chunk starts at its mapping's first byte and spans whole pages. Under the heap's lock.
 */
final class LargeMappings {

    private final PageSource source;
    private final long pageSize;
    /** Live dedicated chunks: address to mapping length in bytes. */
    private final AddressMap dedicated = new AddressMap();
    /** Live dedicated chunks: address to the size last asked of it, which a shrink compares with. */
    private final AddressMap requested = new AddressMap();
    private final KeptMappings kept;
    private final HeapEvents events;
    private long dedicatedBytes;

    /**
     * @param keptBytes bytes of freed mappings to keep mapped for reuse (0: unmap on free)
     * @param events    told of every mapping made and every mapping grown
     */
    LargeMappings(PageSource source, long keptBytes, HeapEvents events) {
        this.source = source;
        this.events = events;
        this.pageSize = source.pageSize();
        this.kept = new KeptMappings(keptBytes);
    }

    /** @return the mapping length of the live dedicated chunk at {@code address}, or {@link AddressMap#ABSENT} */
    long lengthOf(long address) {
        return dedicated.get(address);
    }

    /**
     * Says what an address that no region holds is to the dedicated mappings, for an error
     * message; scans every mapping, so it is for the error path only.
     *
     * @return "interior address: ..." for an address inside a live dedicated chunk but not its
     *         start, "not allocated: ..." for one in a kept mapping, or null if neither holds it
     */
    String explain(long address) {
        long[] found = {0, 0};
        dedicated.forEach((start, length) -> {
            if (Long.compareUnsigned(address - start, length) < 0) {
                found[0] = start;
                found[1] = length;
            }
        });
        if (found[1] != 0) {
            return "interior address: inside the dedicated chunk at 0x" + Long.toHexString(found[0]) + " of " + found[1] + " bytes";
        }
        for (int i = 0; i < kept.count(); i++) {
            if (Long.compareUnsigned(address - kept.address(i), kept.length(i)) < 0) {
                return "not allocated: " + (address == kept.address(i) ? "freed already" : "inside a freed dedicated chunk")
                        + " (its mapping is kept for the next large request)";
            }
        }
        return null;
    }

    /**
     * Reuses a kept mapping of {@code size}'s pages (up to twice as long) at the alignment.
     *
     * @param zero whether the reused memory must read as zero
     * @return its address, now a live dedicated chunk, or 0 if none fits
     */
    long reuse(long size, long alignment, boolean zero) {
        int k = kept.find(Sizes.roundUp(size, pageSize), Math.max(alignment, pageSize));
        return k < 0 ? 0 : takeKept(k, size, zero);
    }

    /**
     * The smallest kept mapping that holds {@code size}, however much longer: where a chunk that
     * grows out of the regions by reallocation goes, its pages mapped already.
     *
     * @return its address, now a live dedicated chunk, or 0 if no kept mapping holds size
     */
    long reuseAtLeast(long size) {
        int k = kept.findAtLeast(Sizes.roundUp(size, pageSize));
        return k < 0 ? 0 : takeKept(k, size, false);
    }

    private long takeKept(int k, long size, boolean zero) {
        long address = kept.address(k);
        long length = kept.length(k);
        kept.remove(k);
        if (zero) {
            RawMemory.fill(address, length, (byte) 0);
        }
        add(address, length, size);
        return address;
    }

    /**
     * Maps a new, zero-filled dedicated chunk of {@code size}'s pages at the alignment; the caller
     * has agreed to the pages first.
     *
     * @throws HeapExhaustedException if the system refuses the mapping
     */
    long map(long size, long alignment) {
        long bytes = Sizes.roundUp(size, pageSize);
        long slack = alignment > pageSize ? alignment - pageSize : 0;
        long mapped;
        try {
            mapped = source.map(bytes + slack);
        } catch (NativeMemoryException e) {
            throw new HeapExhaustedException("allocate(" + size + "): cannot map a dedicated " + bytes + "-byte mapping", e);
        }
        long address = mapped;
        if (slack > 0) {
            // Over-map by alignment - page, then return the misaligned head and the unused tail.
            address = Sizes.roundUp(mapped, alignment);
            if (address > mapped) {
                source.unmap(mapped, address - mapped);
            }
            if (mapped + bytes + slack > address + bytes) {
                source.unmap(address + bytes, mapped + bytes + slack - address - bytes);
            }
        }
        add(address, bytes, size);
        events.mappedDedicated(size, bytes, false);
        return address;
    }

    private void add(long address, long length, long size) {
        dedicated.put(address, length);
        requested.put(address, size);
        dedicatedBytes += length;
    }

    /** @return the size last asked of the live dedicated chunk at {@code address} (allocated or reallocated to) */
    long requestedOf(long address) {
        return requested.get(address);
    }

    /** Notes a reallocation of the live dedicated chunk at {@code address} to {@code size} within its mapping. */
    void noteRequest(long address, long size) {
        requested.put(address, size);
    }

    /**
     * Grows or shrinks the live dedicated chunk at {@code address} to {@code newSize}'s pages by
     * moving its pages (mremap): no copy, no page faults. The caller has agreed to added pages first.
     *
     * @return its new address
     * @throws HeapExhaustedException if the system refuses; the chunk stays as it was
     */
    long remap(long address, long oldBytes, long newSize) {
        long newBytes = Sizes.roundUp(newSize, pageSize);
        long moved;
        try {
            moved = source.remap(address, oldBytes, newBytes);
        } catch (NativeMemoryException e) {
            throw new HeapExhaustedException("reallocate(0x" + Long.toHexString(address) + ", " + newSize
                    + "): cannot grow the dedicated mapping", e);
        }
        dedicated.remove(address);
        requested.remove(address);
        dedicatedBytes -= oldBytes;
        add(moved, newBytes, newSize);
        events.mappedDedicated(newSize, newBytes, true);
        return moved;
    }

    /**
     * Frees the live dedicated chunk at {@code address}: keeps its mapping for reuse when it fits
     * the limit (the oldest kept ones are unmapped to make way), else unmaps it.
     *
     * @throws NativeMemoryException if a munmap fails; the chunk stays live then
     */
    void release(long address, long bytes) {
        if (!kept.accepts(bytes)) {
            source.unmap(address, bytes);
        } else {
            while (kept.full(bytes)) {
                unmapOldestKept();
            }
            kept.add(address, bytes);
        }
        dedicated.remove(address);
        requested.remove(address);
        dedicatedBytes -= bytes;
    }

    /** Unmaps every kept mapping. @return the bytes released */
    long unmapKept() {
        long released = 0;
        while (kept.count() > 0) {
            released += unmapOldestKept();
        }
        return released;
    }

    /** Unmaps the oldest kept mapping (it stays kept if munmap fails). @return its bytes */
    private long unmapOldestKept() {
        long bytes = kept.length(0);
        source.unmap(kept.address(0), bytes);
        kept.remove(0);
        return bytes;
    }

    /**
     * At close: unmaps every live and kept mapping, going on after a failure.
     *
     * @return the first failure, or null
     */
    RuntimeException unmapAll() {
        RuntimeException[] failure = {null};
        dedicated.forEach((address, bytes) -> {
            try {
                source.unmap(address, bytes);
            } catch (RuntimeException e) {
                if (failure[0] == null) {
                    failure[0] = e;
                }
            }
        });
        try {
            unmapKept();
        } catch (RuntimeException e) {
            if (failure[0] == null) {
                failure[0] = e;
            }
        }
        return failure[0];
    }

    /** @return the live dedicated chunks */
    int count() {
        return dedicated.size();
    }

    /** @return the bytes of the live dedicated chunks' mappings */
    long dedicatedBytes() {
        return dedicatedBytes;
    }

    /** @return the bytes of the kept mappings */
    long keptBytes() {
        return kept.bytes();
    }

    /** @return the bytes of the dedicated and kept mappings that {@code eligible} says huge pages may back */
    long hugePageBytes(java.util.function.LongUnaryOperator eligible) {
        long[] sum = {0};
        dedicated.forEach((address, bytes) -> sum[0] += eligible.applyAsLong(bytes));
        for (int i = 0; i < kept.count(); i++) {
            sum[0] += eligible.applyAsLong(kept.length(i));
        }
        return sum[0];
    }

    /** @return the kept mappings */
    int keptCount() {
        return kept.count();
    }

    long metadataBytes() {
        return dedicated.metadataBytes() + requested.metadataBytes();
    }

    /**
     * @param inRegion whether an address lies in one of the heap's regions
     * @throws IllegalStateException if a mapping is misaligned, overlaps a region or another, or the counters disagree
     */
    void verify(java.util.function.LongPredicate inRegion) {
        long[] sum = new long[1];
        dedicated.forEach((address, bytes) -> {
            if (inRegion.test(address) || (address & (pageSize - 1)) != 0 || bytes % pageSize != 0) {
                throw new IllegalStateException("dedicated mapping 0x" + Long.toHexString(address) + " of " + bytes
                        + " bytes is misaligned or overlaps a region");
            }
            sum[0] += bytes;
        });
        if (sum[0] != dedicatedBytes) {
            throw new IllegalStateException("dedicated mappings hold " + sum[0] + " bytes; the counter says " + dedicatedBytes);
        }
        long keptSum = 0;
        for (int i = 0; i < kept.count(); i++) {
            long a = kept.address(i);
            if (inRegion.test(a) || dedicated.get(a) != AddressMap.ABSENT || (a & (pageSize - 1)) != 0
                    || kept.length(i) % pageSize != 0) {
                throw new IllegalStateException("kept mapping 0x" + Long.toHexString(a) + " of " + kept.length(i)
                        + " bytes is misaligned or also live");
            }
            keptSum += kept.length(i);
        }
        if (keptSum != kept.bytes()) {
            throw new IllegalStateException("kept mappings hold " + keptSum + " bytes; the counter says " + kept.bytes());
        }
    }
}
