package io.mmapheap.os;

/**
 * A memory system call failed. Carries the call's name, the {@code errno} it set and the
 * {@code strerror} text, e.g. {@code "mmap(address=0x0, length=4096) failed: ENOMEM (Cannot allocate memory)"}.
 */
public class NativeMemoryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The system call with its arguments. */
    private final String call;
    /** The positive errno the call set. */
    private final int errno;

    /**
     * Makes the exception for a failed call.
     *
     * @param call    the system call with its arguments, as it should read in the message
     * @param errno   the positive errno value
     * @param message the strerror text for errno
     */
    public NativeMemoryException(String call, int errno, String message) {
        super(call + " failed: " + name(errno) + " (" + message + ")");
        this.call = call;
        this.errno = errno;
    }

    /**
     * Names an errno.
     *
     * @param errno a positive errno value
     * @return the symbolic name of the common memory errnos ("ENOMEM"), else "errno N"
     */
    public static String name(int errno) {
        switch (errno) {
            case VirtualMemory.ENOMEM:
                return "ENOMEM";
            case VirtualMemory.EINVAL:
                return "EINVAL";
            case VirtualMemory.EAGAIN:
                return "EAGAIN";
            case VirtualMemory.EPERM:
                return "EPERM";
            default:
                return "errno " + errno;
        }
    }

    /**
     * Gives the call that failed.
     *
     * @return the system call and its arguments
     */
    public String call() {
        return call;
    }

    /**
     * Gives the errno of the failure.
     *
     * @return the positive errno the call set
     */
    public int errno() {
        return errno;
    }
}
