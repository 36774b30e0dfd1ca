/**
 * mmapheap: first-fit allocators over real operating-system pages, with a thin JNI layer over
 * {@code mmap}. Start at {@link io.mmapheap.ElasticHeap} and {@link io.mmapheap.MemoryBlock}.
 *
 * <p>On the module path, JDK 22 and newer need {@code --enable-native-access=io.mmapheap} (the JNI
 * library, and the memory access through the Foreign Function &amp; Memory API). The packages
 * {@code io.mmapheap.internal} (unchecked access, the glibc baseline) and {@code io.mmapheap.cli} (the
 * command line, run as {@code java -m io.mmapheap/io.mmapheap.cli.Main}) are not exported.
 */
module io.mmapheap {
    requires org.apache.commons.lang3;
    requires jdk.unsupported;
    requires java.management;
    requires jdk.jfr;

    exports io.mmapheap;
    exports io.mmapheap.os;
    exports io.mmapheap.compat;
    exports io.mmapheap.trace;
}
