package io.mmapheap.internal;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * glibc's {@code malloc}, {@code realloc} and {@code free} as Java programs reach them: the baseline
 * the trace driver and the benchmarks compare with. Not part of the API (the module does not export
 * this package). On JDK 22 and newer these are critical downcalls through the FFM linker, made on
 * first use; with the system property {@code mmapheap.memoryAccess=unsafe} they are
 * {@code Unsafe.allocateMemory} and friends, as on JDK 17 to 21.
 */
public final class Libc {

    private static final boolean UNSAFE = "unsafe".equalsIgnoreCase(System.getProperty("mmapheap.memoryAccess"));

    private Libc() {
    }

    /**
     * @return the address of {@code bytes} bytes from glibc's malloc
     * @throws OutOfMemoryError if malloc returns NULL
     */
    public static long malloc(long bytes) {
        if (UNSAFE) {
            return UnsafeAccess.malloc(bytes);
        }
        return checked(Downcalls.malloc(bytes), bytes);
    }

    /**
     * @return the address of the block {@code address} moved or resized to {@code bytes} bytes by realloc
     * @throws OutOfMemoryError if realloc returns NULL
     */
    public static long realloc(long address, long bytes) {
        if (UNSAFE) {
            return UnsafeAccess.realloc(address, bytes);
        }
        return checked(Downcalls.realloc(address, bytes), bytes);
    }

    /** Returns {@code address} (a block of {@link #malloc} or {@link #realloc}, or 0) to glibc. */
    public static void free(long address) {
        if (UNSAFE) {
            UnsafeAccess.free(address);
            return;
        }
        Downcalls.free(address);
    }

    private static long checked(long address, long bytes) {
        if (address == 0 && bytes != 0) {
            throw new OutOfMemoryError("malloc of " + bytes + " bytes returned NULL");
        }
        return address;
    }

    /** The downcalls, made when first used. */
    private static final class Downcalls {
        private static final MethodHandle MALLOC = find("malloc", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
        private static final MethodHandle REALLOC = find("realloc",
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
        private static final MethodHandle FREE = find("free", FunctionDescriptor.ofVoid(ValueLayout.JAVA_LONG));

        private static MethodHandle find(String name, FunctionDescriptor descriptor) {
            Linker linker = Linker.nativeLinker();
            MemorySegment symbol = linker.defaultLookup().find(name)
                    .orElseThrow(() -> new UnsatisfiedLinkError("no " + name + " in the C library"));
            return linker.downcallHandle(symbol, descriptor, Linker.Option.critical(false));
        }

        static long malloc(long bytes) {
            try {
                return (long) MALLOC.invokeExact(bytes);
            } catch (Throwable e) {
                throw rethrown(e);
            }
        }

        static long realloc(long address, long bytes) {
            try {
                return (long) REALLOC.invokeExact(address, bytes);
            } catch (Throwable e) {
                throw rethrown(e);
            }
        }

        static void free(long address) {
            try {
                FREE.invokeExact(address);
            } catch (Throwable e) {
                throw rethrown(e);
            }
        }

        private static RuntimeException rethrown(Throwable e) {
            if (e instanceof RuntimeException) {
                return (RuntimeException) e;
            }
            if (e instanceof Error) {
                throw (Error) e;
            }
            return new IllegalStateException(e);
        }
    }
}
