package io.mmapheap.os;

import java.nio.ByteBuffer;

/**
 * The memory system calls, validated. Every method checks its arguments in Java first, so the C
 * layer only ever sees input the kernel could accept, then makes exactly one system call and turns
 * a failure into a {@link NativeMemoryException} carrying the call, {@code errno} and {@code strerror}.
 *
 * <p>Addresses are raw virtual addresses ({@code long}); lengths are in bytes. Ranges passed to
 * {@code munmap}, {@code madvise}, {@code mprotect} and {@code mincore} must start on a page
 * boundary: a misaligned start fails with {@code EINVAL}, exactly as the kernel would answer, but
 * without crossing into native code. Lengths of zero or less are rejected with
 * {@link IllegalArgumentException}. The constants below are the Linux header values; a test
 * checks each one against the C headers the library was built with.
 *
 * <p>This class knows nothing about allocation policy.
 */
public final class VirtualMemory {

    /** Pages may not be accessed. */
    public static final int PROT_NONE = 0x0;
    /** Pages may be read. */
    public static final int PROT_READ = 0x1;
    /** Pages may be written. */
    public static final int PROT_WRITE = 0x2;
    /** Pages may be executed. */
    public static final int PROT_EXEC = 0x4;

    /** Updates are visible to other processes mapping the same region. */
    public static final int MAP_SHARED = 0x01;
    /** Copy-on-write mapping private to this process. */
    public static final int MAP_PRIVATE = 0x02;
    /** No file behind the mapping: zero-filled pages. Required by {@link #map}. */
    public static final int MAP_ANONYMOUS = 0x20;
    /** Do not reserve swap space. */
    public static final int MAP_NORESERVE = 0x4000;
    /** Fault all pages in now (pre-touch). */
    public static final int MAP_POPULATE = 0x8000;
    /** Back the mapping with reserved huge pages. */
    public static final int MAP_HUGETLB = 0x40000;
    /** Place the mapping exactly at the hint, or fail with EEXIST if something is there. */
    public static final int MAP_FIXED_NOREPLACE = 0x100000;

    /** No special treatment. */
    public static final int MADV_NORMAL = 0;
    /** Expect random access. */
    public static final int MADV_RANDOM = 1;
    /** Expect sequential access. */
    public static final int MADV_SEQUENTIAL = 2;
    /** Expect access soon: read ahead. */
    public static final int MADV_WILLNEED = 3;
    /** Drop the pages now; anonymous private pages read back as zero afterwards. */
    public static final int MADV_DONTNEED = 4;
    /** The kernel may drop the pages lazily, under memory pressure. */
    public static final int MADV_FREE = 8;
    /** Enable transparent huge pages for the range. */
    public static final int MADV_HUGEPAGE = 14;
    /** Disable transparent huge pages for the range. */
    public static final int MADV_NOHUGEPAGE = 15;
    /** Leave the range out of core dumps. */
    public static final int MADV_DONTDUMP = 16;
    /** Put the range back in core dumps. */
    public static final int MADV_DODUMP = 17;
    /** Fault the range in, writable, now (Linux 5.14+; EINVAL on older kernels). */
    public static final int MADV_POPULATE_WRITE = 23;

    /** mremap may move the mapping to a new address when it cannot grow in place. */
    public static final int MREMAP_MAYMOVE = 1;

    /** Invalid argument. */
    public static final int EINVAL = 22;
    /** Out of memory, or address space limit reached. */
    public static final int ENOMEM = 12;
    /** Resource temporarily unavailable (e.g. mlock limit). */
    public static final int EAGAIN = 11;
    /** Operation not permitted. */
    public static final int EPERM = 1;

    private static final int KNOWN_PROT = PROT_READ | PROT_WRITE | PROT_EXEC;
    private static final int KNOWN_MAP_FLAGS = MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE
            | MAP_POPULATE | MAP_HUGETLB | MAP_FIXED_NOREPLACE;
    private static final int[] KNOWN_ADVICE = {
        MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED, MADV_FREE,
        MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_DONTDUMP, MADV_DODUMP, MADV_POPULATE_WRITE,
    };

    private static final long PAGE_SIZE = readPageSize();

    private VirtualMemory() {
    }

    /**
     * Gives the system page size, read once.
     *
     * @return the system page size in bytes ({@code sysconf(_SC_PAGESIZE)}), a power of two
     */
    public static long pageSize() {
        return PAGE_SIZE;
    }

    /**
     * Maps {@code length} bytes of anonymous, private, readable and writable memory, the
     * equivalent of {@code mmap(NULL, length, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)}.
     *
     * @param length bytes, &gt; 0; the kernel rounds it up to whole pages
     * @return the page-aligned start address of the new mapping
     * @throws IllegalArgumentException if length &lt;= 0
     * @throws NativeMemoryException    if mmap fails (e.g. ENOMEM)
     */
    public static long mapAnonymous(long length) {
        return map(0, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    }

    /**
     * {@code mmap(hint, length, prot, flags, -1, 0)}: an anonymous mapping.
     *
     * @param hint   a page-aligned address the kernel should try, or 0 for "anywhere"
     * @param length bytes, &gt; 0
     * @param prot   {@link #PROT_NONE} or a combination of PROT_READ, PROT_WRITE, PROT_EXEC
     * @param flags  MAP_ANONYMOUS with exactly one of MAP_PRIVATE / MAP_SHARED, plus optional known flags
     * @return the page-aligned start address of the mapping
     * @throws IllegalArgumentException for a length &lt;= 0, unknown bits, or flags without MAP_ANONYMOUS
     *                                  or without exactly one of MAP_PRIVATE / MAP_SHARED
     * @throws NativeMemoryException    if mmap fails; EINVAL for a misaligned hint
     */
    public static long map(long hint, long length, int prot, int flags) {
        requirePositiveLength("mmap", length);
        requireProt(prot);
        if ((flags & ~KNOWN_MAP_FLAGS) != 0) {
            throw new IllegalArgumentException("mmap: unknown flag bits 0x" + Integer.toHexString(flags & ~KNOWN_MAP_FLAGS));
        }
        if ((flags & MAP_ANONYMOUS) == 0) {
            throw new IllegalArgumentException("mmap: only anonymous mappings are supported; flags must include MAP_ANONYMOUS");
        }
        if (((flags & MAP_PRIVATE) == 0) == ((flags & MAP_SHARED) == 0)) {
            throw new IllegalArgumentException("mmap: flags need exactly one of MAP_PRIVATE and MAP_SHARED");
        }
        requirePageAligned("mmap", hint, length);
        long result = Syscalls.mmap(hint, length, prot, flags);
        if (result < 0) {
            throw failure("mmap", hint, length, result);
        }
        return result;
    }

    /**
     * {@code munmap(address, length)}: removes the pages of the range from the address space.
     *
     * @param address page-aligned start of the range
     * @param length  bytes, &gt; 0
     * @throws IllegalArgumentException if length &lt;= 0
     * @throws NativeMemoryException    EINVAL for a misaligned address, or whatever munmap reports
     */
    public static void unmap(long address, long length) {
        checkRange("munmap", address, length);
        check("munmap", address, length, Syscalls.munmap(address, length));
    }

    /**
     * {@code mremap(address, oldLength, newLength, flags)}: grows or shrinks a mapping, moving it
     * if {@link #MREMAP_MAYMOVE} allows and it cannot grow in place. The pages move with their
     * contents: nothing is copied and no page is faulted in.
     *
     * @param address   page-aligned start of the mapping
     * @param oldLength the mapping's length in bytes, &gt; 0
     * @param newLength the length wanted in bytes, &gt; 0
     * @param flags     0 or {@link #MREMAP_MAYMOVE}
     * @return the mapping's (possibly new) page-aligned address
     * @throws IllegalArgumentException for a length &lt;= 0 or unknown flags
     * @throws NativeMemoryException    EINVAL for a misaligned address; ENOMEM if it cannot grow
     */
    public static long remap(long address, long oldLength, long newLength, int flags) {
        requirePositiveLength("mremap", oldLength);
        checkRange("mremap", address, newLength);
        if ((flags & ~MREMAP_MAYMOVE) != 0) {
            throw new IllegalArgumentException("mremap: unknown flag bits 0x" + Integer.toHexString(flags & ~MREMAP_MAYMOVE));
        }
        long result = Syscalls.mremap(address, oldLength, newLength, flags);
        if (result < 0) {
            throw failure("mremap", address, newLength, result);
        }
        return result;
    }

    /**
     * {@code madvise(address, length, advice)}.
     *
     * @param address page-aligned start of the range
     * @param length  bytes, &gt; 0
     * @param advice  one of the MADV_* constants of this class
     * @throws IllegalArgumentException for a length &lt;= 0 or an unknown advice
     * @throws NativeMemoryException    EINVAL for a misaligned address, or whatever madvise reports
     */
    public static void advise(long address, long length, int advice) {
        boolean known = false;
        for (int a : KNOWN_ADVICE) {
            known |= a == advice;
        }
        if (!known) {
            throw new IllegalArgumentException("madvise: unknown advice " + advice);
        }
        checkRange("madvise", address, length);
        check("madvise", address, length, Syscalls.madvise(address, length, advice));
    }

    /**
     * {@code mprotect(address, length, prot)}.
     *
     * @param address page-aligned start of the range
     * @param length  bytes, &gt; 0
     * @param prot    {@link #PROT_NONE} or a combination of PROT_READ, PROT_WRITE, PROT_EXEC
     * @throws IllegalArgumentException for a length &lt;= 0 or unknown prot bits
     * @throws NativeMemoryException    EINVAL for a misaligned address; ENOMEM for unmapped pages
     */
    public static void protect(long address, long length, int prot) {
        requireProt(prot);
        checkRange("mprotect", address, length);
        check("mprotect", address, length, Syscalls.mprotect(address, length, prot));
    }

    /**
     * {@code mlock(address, length)}: keeps the pages resident.
     *
     * @param address start of the range (the kernel rounds it down to a page boundary)
     * @param length  bytes, &gt; 0
     * @throws IllegalArgumentException if length &lt;= 0
     * @throws NativeMemoryException    e.g. ENOMEM or EAGAIN when over RLIMIT_MEMLOCK
     */
    public static void lock(long address, long length) {
        requirePositiveLength("mlock", length);
        check("mlock", address, length, Syscalls.mlock(address, length));
    }

    /**
     * {@code munlock(address, length)}: lets the pages be swapped out again.
     *
     * @param address start of the range (the kernel rounds it down to a page boundary)
     * @param length  bytes, &gt; 0
     * @throws IllegalArgumentException if length &lt;= 0
     * @throws NativeMemoryException    whatever munlock reports
     */
    public static void unlock(long address, long length) {
        requirePositiveLength("munlock", length);
        check("munlock", address, length, Syscalls.munlock(address, length));
    }

    /**
     * {@code mincore(address, length, vec)}: which pages of the range are resident in RAM.
     *
     * @param address page-aligned start of the range
     * @param length  bytes, &gt; 0
     * @return one entry per page of the range, {@code true} where the page is resident
     * @throws IllegalArgumentException if length &lt;= 0 or the range has more than Integer.MAX_VALUE pages
     * @throws NativeMemoryException    EINVAL for a misaligned address; ENOMEM if part of the range is unmapped
     */
    public static boolean[] residency(long address, long length) {
        checkRange("mincore", address, length);
        long pages = (length + PAGE_SIZE - 1) / PAGE_SIZE;
        if (pages > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("mincore: " + length + " bytes is too long for one residency vector");
        }
        byte[] vector = new byte[(int) pages];
        check("mincore", address, length, Syscalls.mincore(address, length, vector));
        boolean[] resident = new boolean[vector.length];
        for (int i = 0; i < vector.length; i++) {
            resident[i] = (vector[i] & 1) != 0;
        }
        return resident;
    }

    /**
     * Counts the resident pages of a range ({@link #residency} counted).
     *
     * @param address page-aligned start of the range
     * @param length  bytes, &gt; 0
     * @return how many pages of the range are resident
     * @throws IllegalArgumentException as {@link #residency} does
     * @throws NativeMemoryException    as {@link #residency} does
     */
    public static int residentPages(long address, long length) {
        int count = 0;
        for (boolean r : residency(address, length)) {
            count += r ? 1 : 0;
        }
        return count;
    }

    /**
     * A direct {@link ByteBuffer} over {@code capacity} bytes at {@code address} (JNI
     * {@code NewDirectByteBuffer}). The buffer does not own the memory: it must not be used after
     * the memory is unmapped or freed.
     *
     * @param address  the first byte of the memory, not 0
     * @param capacity the buffer's capacity in bytes, &gt;= 0
     * @return the buffer, big-endian as every new buffer is
     * @throws IllegalArgumentException if address is 0 or capacity is negative
     */
    public static ByteBuffer directBuffer(long address, int capacity) {
        if (address == 0 || capacity < 0) {
            throw new IllegalArgumentException("directBuffer: address=0x" + Long.toHexString(address) + " capacity=" + capacity);
        }
        return Syscalls.newDirectByteBuffer(address, capacity);
    }

    /**
     * Describes an errno value.
     *
     * @param errno a positive errno value
     * @return the {@code strerror} text of {@code errno}
     */
    public static String strerror(int errno) {
        return Syscalls.strerror(errno);
    }

    private static long readPageSize() {
        long size = Syscalls.sysconfPageSize();
        if (size <= 0) {
            int errno = (int) -size;
            throw new NativeMemoryException("sysconf(_SC_PAGESIZE)", errno, strerror(errno));
        }
        return size;
    }

    private static void checkRange(String call, long address, long length) {
        requirePositiveLength(call, length);
        requirePageAligned(call, address, length);
    }

    private static void requirePositiveLength(String call, long length) {
        if (length <= 0) {
            throw new IllegalArgumentException(call + ": length must be > 0, was " + length);
        }
    }

    private static void requirePageAligned(String call, long address, long length) {
        if ((address & (PAGE_SIZE - 1)) != 0) {
            throw new NativeMemoryException(describe(call, address, length) + " [address not aligned to the "
                    + PAGE_SIZE + "-byte page]", EINVAL, strerror(EINVAL));
        }
    }

    private static void requireProt(int prot) {
        if ((prot & ~KNOWN_PROT) != 0) {
            throw new IllegalArgumentException("unknown PROT bits 0x" + Integer.toHexString(prot & ~KNOWN_PROT));
        }
    }

    private static void check(String call, long address, long length, long result) {
        if (result < 0) {
            throw failure(call, address, length, result);
        }
    }

    /** Builds the message only on failure: the success path must not allocate. */
    private static NativeMemoryException failure(String call, long address, long length, long negativeErrno) {
        int errno = (int) -negativeErrno;
        return new NativeMemoryException(describe(call, address, length), errno, strerror(errno));
    }

    private static String describe(String call, long address, long length) {
        return call + "(address=0x" + Long.toHexString(address) + ", length=" + length + ")";
    }
}
