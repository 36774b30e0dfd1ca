package io.mmapheap.bench;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Workload {@code vthreads}: {@value #THREADS} virtual threads each allocate, write one long and free
 * 64 bytes, as a server that runs a virtual thread per request does; ns per virtual thread, thread
 * start and join included. {@code mmapheap} (thread caches on: virtual threads share the heap's
 * lanes) against {@code mmapheap-uncached} ({@code threadCache(false)}: every call takes the lock)
 * and glibc. Needs JDK 21 or newer ({@link #available}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class VirtualThreadBenchmark {

    static final int THREADS = 10_000;
    private static final MethodHandle START_VIRTUAL = findStartVirtual();

    @Param({Subject.MMAPHEAP, Subject.MMAPHEAP_UNCACHED, Subject.GLIBC})
    public String subject;

    private Object shared;
    private Subject allocator;
    private final Thread[] threads = new Thread[THREADS];

    /** @return whether this JDK has virtual threads */
    static boolean available() {
        return START_VIRTUAL != null;
    }

    @Setup(Level.Trial)
    public void open() {
        shared = Subject.shared(subject, 64L * THREADS);
        allocator = Subject.of(subject, shared, THREADS);
    }

    @TearDown(Level.Trial)
    public void close() {
        allocator.close();
        Subject.closeShared(shared);
    }

    @Benchmark
    @OperationsPerInvocation(THREADS)
    public void allocateAndFreeOncePerVirtualThread() throws Throwable {
        Runnable request = () -> {
            long h = allocator.allocate(64);
            allocator.write(h, 64);
            allocator.free(h);
        };
        for (int i = 0; i < THREADS; i++) {
            threads[i] = (Thread) START_VIRTUAL.invokeExact(request);
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    private static MethodHandle findStartVirtual() {
        try {
            return MethodHandles.publicLookup().findStatic(Thread.class, "startVirtualThread",
                    MethodType.methodType(Thread.class, Runnable.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            return null;
        }
    }
}
