package io.mmapheap;

import io.mmapheap.os.NativeMemoryException;

/**
 * An allocation could not be served: the region is full, the heap reached its page limit, or the
 * operating system refused more memory. The heap is unchanged and still usable; freeing memory may
 * let a later request succeed.
 */
public class HeapExhaustedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The pages a request refused by the page limit lacks; 0 for any other refusal. */
    final transient long shortfallPages;

    /**
     * Makes the exception for a request the heap cannot serve.
     *
     * @param message what was requested and why it could not be served
     */
    public HeapExhaustedException(String message) {
        this(message, 0);
    }

    /**
     * Makes the exception for a request the page limit refuses.
     *
     * @param message        what was requested and why it could not be served
     * @param shortfallPages the pages the request lacks under the limit
     */
    HeapExhaustedException(String message, long shortfallPages) {
        super(message);
        this.shortfallPages = shortfallPages;
    }

    /**
     * Makes the exception for a request that a system call refused.
     *
     * @param message what was requested
     * @param cause   the system call that failed
     */
    public HeapExhaustedException(String message, NativeMemoryException cause) {
        super(message + ": " + cause.getMessage(), cause);
        this.shortfallPages = 0;
    }

    /**
     * Gives the errno of the refusal.
     *
     * @return the errno of the failed system call, or 0 if no system call failed
     */
    public int errno() {
        return getCause() instanceof NativeMemoryException ? ((NativeMemoryException) getCause()).errno() : 0;
    }
}
