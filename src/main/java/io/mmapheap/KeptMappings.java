package io.mmapheap;

/**
 * Dedicated mappings whose chunks were freed but which stay mapped for the next large request, as
 * glibc's dynamic mmap threshold keeps a freed large block's memory: without them every
 * allocate/free of a large block costs an mmap, a munmap and a page fault per page touched.
 *
 * <p>At most {@value #MAX_MAPPINGS} mappings and a byte limit set by the heap; the oldest makes way
 * first. Bookkeeping only: the allocator maps and unmaps, under its lock.
 */
final class KeptMappings {

    /** Mappings kept at most. */
    static final int MAX_MAPPINGS = 8;

    private final long limit;
    /** Oldest first. */
    private final long[] address = new long[MAX_MAPPINGS];
    private final long[] length = new long[MAX_MAPPINGS];
    private int count;
    private long bytes;

    /** @param limit the most bytes kept at once; 0 keeps nothing */
    KeptMappings(long limit) {
        this.limit = limit;
    }

    /** @return whether a freed mapping of {@code mappingBytes} may be kept (after making way) */
    boolean accepts(long mappingBytes) {
        return mappingBytes <= limit;
    }

    /** @return whether keeping {@code mappingBytes} more needs the oldest to go first */
    boolean full(long mappingBytes) {
        return count == MAX_MAPPINGS || bytes + mappingBytes > limit;
    }

    /** Keeps a mapping; the caller has made way ({@link #full} is false). */
    void add(long mappingAddress, long mappingBytes) {
        address[count] = mappingAddress;
        length[count] = mappingBytes;
        count++;
        bytes += mappingBytes;
    }

    /**
     * Finds the smallest kept mapping of {@code needed} to {@code 2 * needed} bytes whose address has
     * the alignment, so a reused mapping wastes at most as much as it serves; of equals, the most
     * recently kept, whose pages are likeliest still in the caches.
     *
     * @return its index for {@link #address(int)} and {@link #length(int)} before {@link #remove}, or -1
     */
    int find(long needed, long alignment) {
        int best = -1;
        for (int i = 0; i < count; i++) {
            if (length[i] >= needed && length[i] / 2 <= needed && (address[i] & (alignment - 1)) == 0
                    && (best < 0 || length[i] <= length[best])) {
                best = i;
            }
        }
        return best;
    }

    /**
     * Finds the smallest kept mapping of at least {@code needed} bytes, however much longer: for a
     * block that grows by reallocation, which will likely grow into the rest.
     *
     * @return its index, or -1
     */
    int findAtLeast(long needed) {
        int best = -1;
        for (int i = 0; i < count; i++) {
            if (length[i] >= needed && (best < 0 || length[i] <= length[best])) {
                best = i;
            }
        }
        return best;
    }

    long address(int i) {
        return address[i];
    }

    long length(int i) {
        return length[i];
    }

    /** Forgets mapping i (it is reused or unmapped). */
    void remove(int i) {
        bytes -= length[i];
        count--;
        System.arraycopy(address, i + 1, address, i, count - i);
        System.arraycopy(length, i + 1, length, i, count - i);
    }

    /** @return the index of the mapping that starts at {@code a}, or -1 */
    int indexOf(long a) {
        for (int i = 0; i < count; i++) {
            if (address[i] == a) {
                return i;
            }
        }
        return -1;
    }

    /** @return mappings kept */
    int count() {
        return count;
    }

    /** @return bytes kept */
    long bytes() {
        return bytes;
    }
}
