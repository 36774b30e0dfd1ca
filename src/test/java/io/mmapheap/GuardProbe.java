package io.mmapheap;

/**
 * Run by {@link PageControlTest} in a JVM of its own: writes one byte past the end of the last
 * chunk of a guarded region, which must kill the process with SIGSEGV at that address.
 */
public final class GuardProbe {

    private GuardProbe() {
    }

    public static void main(String[] args) {
        PageAllocator heap = PageAllocator.builder().pages(1).granule(16).guardPages(true).build();
        long page = heap.stats().bytesMapped();
        long chunk = heap.allocate(page);
        long past = chunk + page;
        System.out.println("ADDRESS 0x" + Long.toHexString(past));
        System.out.flush();
        RawMemory.putByte(past - 1, (byte) 1);
        RawMemory.putByte(past, (byte) 1);
        System.out.println("NO FAULT");
    }
}
