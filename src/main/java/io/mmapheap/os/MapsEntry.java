package io.mmapheap.os;

/**
 * One line of {@code /proc/PID/maps}: {@code start-end perms offset dev inode path}.
 *
 * @param start  first address of the mapping (inclusive)
 * @param end    end address (exclusive)
 * @param perms  the four permission characters, e.g. {@code rw-p}
 * @param offset offset into the mapped file, 0 for anonymous memory
 * @param device {@code major:minor} of the file's device, {@code 00:00} for anonymous memory
 * @param inode  the file's inode, 0 for anonymous memory
 * @param path   the file path or pseudo-name ({@code [heap]}, {@code [stack]}), empty for anonymous memory
 */
public record MapsEntry(long start, long end, String perms, long offset, String device, long inode, String path) {

    private static final int HEX = 16;
    /** range, perms, offset, device, inode; the path is optional. */
    private static final int REQUIRED_FIELDS = 5;
    private static final int PATH_FIELD = 5;

    /**
     * Gives the mapping's length.
     *
     * @return the mapping's length in bytes
     */
    public long size() {
        return end - start;
    }

    /**
     * Tells whether an address lies in this mapping.
     *
     * @param address a virtual address
     * @return whether {@code address} lies inside this mapping
     */
    public boolean contains(long address) {
        return Long.compareUnsigned(address, start) >= 0 && Long.compareUnsigned(address, end) < 0;
    }

    /**
     * Tells whether the mapping is anonymous memory.
     *
     * @return whether no file or kernel pseudo-file backs the mapping
     */
    public boolean isAnonymous() {
        return inode == 0 && path.isEmpty();
    }

    /**
     * Parses one maps line.
     *
     * @param line a line of {@code /proc/PID/maps}
     * @return the entry it describes
     * @throws IllegalArgumentException if the line does not have the maps format
     */
    public static MapsEntry parse(String line) {
        String[] f = line.trim().split("\\s+", PATH_FIELD + 1);
        if (f.length < REQUIRED_FIELDS) {
            throw new IllegalArgumentException("not a /proc/PID/maps line: " + line);
        }
        int dash = f[0].indexOf('-');
        if (dash < 0) {
            throw new IllegalArgumentException("not a /proc/PID/maps address range: " + f[0]);
        }
        try {
            return new MapsEntry(
                    Long.parseUnsignedLong(f[0].substring(0, dash), HEX),
                    Long.parseUnsignedLong(f[0].substring(dash + 1), HEX),
                    f[1],
                    Long.parseUnsignedLong(f[2], HEX),
                    f[3],
                    Long.parseLong(f[4]),
                    f.length > PATH_FIELD ? f[PATH_FIELD] : "");
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a /proc/PID/maps line: " + line, e);
        }
    }

    /** @return the entry formatted as the kernel prints it */
    @Override
    public String toString() {
        return String.format("%x-%x %s %08x %s %d%s", start, end, perms, offset, device, inode,
                path.isEmpty() ? "" : " " + path);
    }
}
