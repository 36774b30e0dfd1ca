package io.mmapheap.trace;

/** A trace file that cannot be replayed: malformed, or asking for something invalid. Names the file and line. */
public class TraceFormatException extends Exception {

    private static final long serialVersionUID = 1L;

    /**
     * Makes the exception for a line of a trace.
     *
     * @param file the trace file's name
     * @param line 1-based line number
     * @param what what is wrong there
     */
    public TraceFormatException(String file, int line, String what) {
        super(file + ":" + line + ": " + what);
    }
}
