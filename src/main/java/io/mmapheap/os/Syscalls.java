package io.mmapheap.os;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * The JNI binding: one native method per system call, nothing else. Each returns the call's result
 * or {@code -errno}; {@link VirtualMemory} validates arguments before calling and turns negative
 * results into {@link NativeMemoryException}.
 */
final class Syscalls {

    /** Order of the values returned by {@link #headerConstants()}, as spelled in the C headers. */
    static final List<String> HEADER_CONSTANT_NAMES = List.of(
            "PROT_NONE", "PROT_READ", "PROT_WRITE", "PROT_EXEC",
            "MAP_SHARED", "MAP_PRIVATE", "MAP_ANONYMOUS", "MAP_NORESERVE", "MAP_POPULATE", "MAP_HUGETLB",
            "MAP_FIXED_NOREPLACE",
            "MADV_NORMAL", "MADV_RANDOM", "MADV_SEQUENTIAL", "MADV_WILLNEED", "MADV_DONTNEED", "MADV_FREE",
            "MADV_HUGEPAGE", "MADV_NOHUGEPAGE",
            "EINVAL", "ENOMEM", "EAGAIN", "EPERM",
            "MREMAP_MAYMOVE");

    static {
        NativeLibrary.load();
    }

    private Syscalls() {
    }

    /** {@code mmap(hint, length, prot, flags, -1, 0)}: an anonymous mapping; address or -errno. */
    static native long mmap(long hint, long length, int prot, int flags);

    static native int munmap(long address, long length);

    /** {@code mremap(address, oldLength, newLength, flags)}: the mapping's new address or -errno. */
    static native long mremap(long address, long oldLength, long newLength, int flags);

    static native int madvise(long address, long length, int advice);

    static native int mprotect(long address, long length, int prot);

    static native int mlock(long address, long length);

    static native int munlock(long address, long length);

    /** Fills {@code residency} with one byte per page of the range (bit 0 set = resident). */
    static native int mincore(long address, long length, byte[] residency);

    /** {@code sysconf(_SC_PAGESIZE)}. */
    static native long sysconfPageSize();

    static native String strerror(int errno);

    /** JNI {@code NewDirectByteBuffer}: a direct buffer over memory this process owns. */
    static native ByteBuffer newDirectByteBuffer(long address, long capacity);

    /** The header values, in the order of {@link #HEADER_CONSTANT_NAMES}. */
    static native long[] headerConstants();
}
