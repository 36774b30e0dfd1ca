package io.mmapheap.trace;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * An allocation request trace in the CS:APP malloc-lab format: a header of four integers
 * (suggested heap size, number of block ids, number of operations, weight), then one operation
 * per line: {@code a ID SIZE} (allocate), {@code f ID} (free), {@code r ID SIZE} (reallocate).
 *
 * <p>Recordings of real C programs follow C's conventions, and parsing turns each into the
 * operation both subjects replay:
 * <pre>
 *   f -1                          free(NULL): a FREE of {@link #NULL_ID}, a no-op on both subjects
 *   r ID SIZE, ID not live        realloc(NULL, SIZE): an ALLOCATE
 *   r ID 0, ID live               realloc(p, 0), which frees p in glibc: a FREE
 *   a ID 0 (or r ID 0, not live)  malloc(0): an ALLOCATE of 0 bytes (replayed as a 1-byte request,
 *                                 glibc's unique minimal chunk; no payload)
 * </pre>
 * The header's counts are approximate: ids beyond its count and more or fewer operations than
 * it says are accepted. Lines may end in LF, CRLF or a lone CR.
 *
 * <p>Parsing checks what no convention covers: ids &gt;= 0 (or -1 on a free), sizes &gt;= 0, a free of
 * a live block, no allocate of a live id, and well-formed lines.
 */
public final class Trace {

    /** Operation kinds. */
    public static final byte ALLOCATE = 'a';
    /** Free a block. */
    public static final byte FREE = 'f';
    /** Reallocate a block. */
    public static final byte REALLOCATE = 'r';
    /** The id of a free of NULL ({@code f -1}). */
    public static final int NULL_ID = -1;

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

    /**
     * Gives the trace's name.
     *
     * @return the file name the trace came from
     */
    public String name() {
        return name;
    }

    /**
     * Counts the trace's blocks.
     *
     * @return the number of distinct block ids
     */
    public int ids() {
        return ids;
    }

    /**
     * Counts the trace's operations.
     *
     * @return the number of operations
     */
    public int size() {
        return kinds.length;
    }

    /**
     * Tells what operation {@code i} does.
     *
     * @param i an operation's index, in [0, {@link #size()})
     * @return the kind of operation i: {@link #ALLOCATE}, {@link #FREE} or {@link #REALLOCATE}
     */
    public byte kind(int i) {
        return kinds[i];
    }

    /**
     * Tells which block operation {@code i} works on.
     *
     * @param i an operation's index, in [0, {@link #size()})
     * @return the block id of operation i; {@link #NULL_ID} for a free of NULL
     */
    public int id(int i) {
        return blockIds[i];
    }

    /**
     * Tells the size operation {@code i} asks for.
     *
     * @param i an operation's index, in [0, {@link #size()})
     * @return the size of operation i in bytes (0 for a free, and for malloc(0))
     */
    public long bytes(int i) {
        return sizes[i];
    }

    /**
     * Tells which blocks the trace leaves live.
     *
     * @return for each id, whether its block is still live after the last operation
     */
    public boolean[] liveAtEnd() {
        boolean[] live = new boolean[ids];
        for (int i = 0; i < kinds.length; i++) {
            if (blockIds[i] != NULL_ID) {
                live[blockIds[i]] = kinds[i] != FREE;
            }
        }
        return live;
    }

    /**
     * Reads and checks a trace file.
     *
     * @param file a trace in the CS:APP malloc-lab format
     * @return the trace
     * @throws TraceFormatException naming the file and line of the first problem
     * @throws IOException          if the file cannot be read
     */
    public static Trace read(Path file) throws IOException, TraceFormatException {
        return parse(file.getFileName().toString(), Files.readAllLines(file, StandardCharsets.US_ASCII));
    }

    /**
     * Parses and checks a trace's lines.
     *
     * @param name  the file name, for messages
     * @param lines the file's lines
     * @return the trace
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
        Operations ops = new Operations((int) Math.min(opCount, lines.size()));
        boolean[] live = new boolean[(int) Math.min(idCount, lines.size())];
        int ids = 0;
        for (; lineNo < lines.size(); lineNo++) {
            String[] w = words(lines.get(lineNo));
            if (w.length == 0) {
                continue;
            }
            int line = lineNo + 1;
            if (w[0].length() != 1 || "afr".indexOf(w[0].charAt(0)) < 0) {
                throw new TraceFormatException(name, line, "unknown operation '" + w[0] + "' (expected a, f or r)");
            }
            byte kind = (byte) w[0].charAt(0);
            int expected = kind == FREE ? FREE_WORDS : SIZED_WORDS;
            if (w.length != expected) {
                throw new TraceFormatException(name, line, "'" + w[0] + "' takes " + (expected - 1) + " arguments, found " + (w.length - 1));
            }
            long id = number(name, line, w[1], "block id");
            if (kind == FREE && id == NULL_ID) {
                ops.add(FREE, NULL_ID, 0);
                continue;
            }
            if (id < 0 || id >= Integer.MAX_VALUE) {
                throw new TraceFormatException(name, line, "block id " + id + " is negative or too large");
            }
            long size = kind == FREE ? 0 : number(name, line, w[2], "size");
            if (size < 0) {
                throw new TraceFormatException(name, line, "size must not be negative, was " + size);
            }
            if (id >= live.length) {
                live = Arrays.copyOf(live, (int) Math.max(id + 1, Math.min(Integer.MAX_VALUE - 8L, 2L * live.length)));
            }
            ids = (int) Math.max(ids, id + 1);
            boolean isLive = live[(int) id];
            if (kind == REALLOCATE) {
                // C's realloc: of NULL it allocates, to 0 bytes it frees.
                kind = !isLive ? ALLOCATE : size == 0 ? FREE : REALLOCATE;
            } else if (kind == ALLOCATE && isLive) {
                throw new TraceFormatException(name, line, "allocate of block " + id + ", which is already live");
            } else if (kind == FREE && !isLive) {
                throw new TraceFormatException(name, line, "free of block " + id + ", which is not live");
            }
            live[(int) id] = kind != FREE;
            ops.add(kind, (int) id, kind == FREE ? 0 : size);
        }
        return new Trace(name, ids, Arrays.copyOf(ops.kinds, ops.count), Arrays.copyOf(ops.ids, ops.count),
                Arrays.copyOf(ops.sizes, ops.count));
    }

    /** The operations read so far, in arrays that grow as needed. */
    private static final class Operations {
        byte[] kinds;
        int[] ids;
        long[] sizes;
        int count;

        Operations(int expected) {
            int n = Math.max(16, expected);
            kinds = new byte[n];
            ids = new int[n];
            sizes = new long[n];
        }

        void add(byte kind, int id, long size) {
            if (count == kinds.length) {
                int n = 2 * count;
                kinds = Arrays.copyOf(kinds, n);
                ids = Arrays.copyOf(ids, n);
                sizes = Arrays.copyOf(sizes, n);
            }
            kinds[count] = kind;
            ids[count] = id;
            sizes[count] = size;
            count++;
        }
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
