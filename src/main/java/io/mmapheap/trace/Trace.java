package io.mmapheap.trace;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * An allocation request trace in the CS:APP malloc-lab format: a header of four integers
 * (suggested heap size, number of block ids, number of operations, weight), then one operation
 * per line: {@code a ID SIZE} (allocate), {@code f ID} (free), {@code r ID SIZE} (reallocate).
 *
 * <p>Parsing checks that the trace is replayable: ids in range, sizes positive, no free or
 * reallocate of a block that is not live, no allocate of a live id, and the operation count.
 */
public final class Trace {

    /** Operation kinds. */
    public static final byte ALLOCATE = 'a';
    /** Free a block. */
    public static final byte FREE = 'f';
    /** Reallocate a block. */
    public static final byte REALLOCATE = 'r';

    private static final int HEADER_FIELDS = 4;
    /** Words on a free line ("f ID") and on an allocate or reallocate line ("a ID SIZE"). */
    private static final int FREE_WORDS = 2;
    private static final int SIZED_WORDS = 3;

    private final String name;
    private final int ids;
    private final byte[] kinds;
    private final int[] blockIds;
    private final long[] sizes;

    private Trace(String name, int ids, byte[] kinds, int[] blockIds, long[] sizes) {
        this.name = name;
        this.ids = ids;
        this.kinds = kinds;
        this.blockIds = blockIds;
        this.sizes = sizes;
    }

    /** @return the file name the trace came from */
    public String name() {
        return name;
    }

    /** @return the number of distinct block ids */
    public int ids() {
        return ids;
    }

    /** @return the number of operations */
    public int size() {
        return kinds.length;
    }

    /** @return the kind of operation i: {@link #ALLOCATE}, {@link #FREE} or {@link #REALLOCATE} */
    public byte kind(int i) {
        return kinds[i];
    }

    /** @return the block id of operation i */
    public int id(int i) {
        return blockIds[i];
    }

    /** @return the size of operation i in bytes (0 for a free) */
    public long bytes(int i) {
        return sizes[i];
    }

    /** @return for each id, whether its block is still live after the last operation */
    public boolean[] liveAtEnd() {
        boolean[] live = new boolean[ids];
        for (int i = 0; i < kinds.length; i++) {
            live[blockIds[i]] = kinds[i] != FREE;
        }
        return live;
    }

    /**
     * Reads and checks a trace file.
     *
     * @throws TraceFormatException naming the file and line of the first problem
     * @throws IOException          if the file cannot be read
     */
    public static Trace read(Path file) throws IOException, TraceFormatException {
        return parse(file.getFileName().toString(), Files.readAllLines(file, StandardCharsets.US_ASCII));
    }

    /**
     * Parses and checks a trace's lines.
     *
     * @param name the file name, for messages
     * @throws TraceFormatException naming the file and line of the first problem
     */
    public static Trace parse(String name, List<String> lines) throws TraceFormatException {
        long[] header = new long[HEADER_FIELDS];
        int headerFound = 0;
        int lineNo = 0;
        while (headerFound < HEADER_FIELDS) {
            if (lineNo >= lines.size()) {
                throw new TraceFormatException(name, lineNo, "the header needs " + HEADER_FIELDS + " integers, found " + headerFound);
            }
            for (String word : words(lines.get(lineNo))) {
                if (headerFound == HEADER_FIELDS) {
                    throw new TraceFormatException(name, lineNo + 1, "unexpected '" + word + "' after the header");
                }
                header[headerFound++] = number(name, lineNo + 1, word, "header field");
            }
            lineNo++;
        }
        long idCount = header[1];
        long opCount = header[2];
        if (idCount < 0 || idCount > Integer.MAX_VALUE || opCount < 0 || opCount > Integer.MAX_VALUE) {
            throw new TraceFormatException(name, lineNo, "header counts out of range: " + idCount + " ids, " + opCount + " ops");
        }
        byte[] kinds = new byte[(int) opCount];
        int[] ids = new int[(int) opCount];
        long[] sizes = new long[(int) opCount];
        boolean[] live = new boolean[(int) idCount];
        int op = 0;
        for (; lineNo < lines.size(); lineNo++) {
            String[] w = words(lines.get(lineNo));
            if (w.length == 0) {
                continue;
            }
            int line = lineNo + 1;
            if (op >= opCount) {
                throw new TraceFormatException(name, line, "more operations than the header's " + opCount);
            }
            if (w[0].length() != 1 || "afr".indexOf(w[0].charAt(0)) < 0) {
                throw new TraceFormatException(name, line, "unknown operation '" + w[0] + "' (expected a, f or r)");
            }
            byte kind = (byte) w[0].charAt(0);
            int expected = kind == FREE ? FREE_WORDS : SIZED_WORDS;
            if (w.length != expected) {
                throw new TraceFormatException(name, line, "'" + w[0] + "' takes " + (expected - 1) + " arguments, found " + (w.length - 1));
            }
            long id = number(name, line, w[1], "block id");
            if (id < 0 || id >= idCount) {
                throw new TraceFormatException(name, line, "block id " + id + " outside [0, " + idCount + ")");
            }
            long size = kind == FREE ? 0 : number(name, line, w[2], "size");
            if (kind != FREE && size <= 0) {
                throw new TraceFormatException(name, line, "size must be positive, was " + size);
            }
            if (kind == ALLOCATE && live[(int) id]) {
                throw new TraceFormatException(name, line, "allocate of block " + id + ", which is already live");
            }
            if (kind != ALLOCATE && !live[(int) id]) {
                throw new TraceFormatException(name, line, (kind == FREE ? "free" : "reallocate") + " of block " + id
                        + ", which is not live");
            }
            live[(int) id] = kind != FREE;
            kinds[op] = kind;
            ids[op] = (int) id;
            sizes[op] = size;
            op++;
        }
        if (op != opCount) {
            throw new TraceFormatException(name, lines.size(), "the header promises " + opCount + " operations, found " + op);
        }
        return new Trace(name, (int) idCount, kinds, ids, sizes);
    }

    private static String[] words(String line) {
        String t = line.trim();
        return t.isEmpty() ? new String[0] : t.split("\\s+");
    }

    private static long number(String name, int line, String word, String what) throws TraceFormatException {
        try {
            return Long.parseLong(word);
        } catch (NumberFormatException e) {
            throw new TraceFormatException(name, line, what + " is not an integer: '" + word + "'");
        }
    }
}
