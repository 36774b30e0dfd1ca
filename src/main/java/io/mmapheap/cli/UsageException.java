package io.mmapheap.cli;

/** The command line asked for something the command does not understand; exit code 2. */
final class UsageException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
