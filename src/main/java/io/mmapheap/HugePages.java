package io.mmapheap;

/** Which pages a heap's mappings get ({@code hugePages(...)} on the builders). */
public enum HugePages {
    /** Base pages only (4 KiB on x86-64). */
    NONE,
    /**
     * Transparent huge pages: mappings of at least a huge page (2 MiB) are placed on a huge-page
     * boundary and advised {@code MADV_HUGEPAGE} before they are touched, so that the kernel backs
     * their aligned 2 MiB ranges with huge pages where it can (THP in {@code madvise} or
     * {@code always} mode).
     */
    TRANSPARENT,
    /**
     * Huge pages the kernel keeps in reserve ({@code MAP_HUGETLB}, {@code /proc/sys/vm/nr_hugepages}):
     * the heap's page is the huge page, every mapping a whole number of them. Refused with a clear
     * {@link HeapExhaustedException} when none are reserved.
     */
    EXPLICIT
}
