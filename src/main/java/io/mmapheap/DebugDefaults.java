package io.mmapheap;

/**
 * Process-wide defaults for the debugging aids, read once from system properties:
 * <ul>
 *   <li>{@value #PERTURB_PROPERTY}: the perturb byte, 0 (off, the default) to 255, decimal or 0x-hex;</li>
 *   <li>{@value #CHECK_PROPERTY}: the {@link CheckLevel} number, 0, 1 or 2 (the default);</li>
 *   <li>{@value #LEAK_PROPERTY}: record the allocation site of 1 in N chunks (0, the default, = off);</li>
 *   <li>{@value #THREAD_CACHE_PROPERTY}: {@code true} or {@code false}, thread caches for every allocator
 *       whose builder is not told otherwise (unset: each allocator's own default).</li>
 * </ul>
 * An unreadable value is reported on stderr once and the default is used.
 */
final class DebugDefaults {

    static final String PERTURB_PROPERTY = "mmapheap.perturb";
    static final String CHECK_PROPERTY = "mmapheap.check";
    static final String LEAK_PROPERTY = "mmapheap.leakTracking";
    static final String THREAD_CACHE_PROPERTY = "mmapheap.threadCache";
    private static final int MAX_BYTE = 0xff;

    static final int PERTURB = readPerturb();
    static final CheckLevel CHECK = readCheck();
    static final int LEAK_SAMPLE = readLeakSample();
    /** The thread-cache default the property sets, or null when it is not set. */
    static final Boolean THREAD_CACHE = readThreadCache();

    private DebugDefaults() {
    }

    /** @throws IllegalArgumentException unless 0 &lt;= value &lt;= 255 */
    static int checkPerturb(int value) {
        if (value < 0 || value > MAX_BYTE) {
            throw new IllegalArgumentException("perturb byte must be in [0, 255] (0 = off), was " + value);
        }
        return value;
    }

    private static int readPerturb() {
        String text = System.getProperty(PERTURB_PROPERTY);
        if (text == null) {
            return 0;
        }
        try {
            return checkPerturb(Integer.decode(text.trim()));
        } catch (IllegalArgumentException e) {
            System.err.println("mmapheap: ignoring -D" + PERTURB_PROPERTY + "=" + text + ": " + e.getMessage());
            return 0;
        }
    }

    private static CheckLevel readCheck() {
        String text = System.getProperty(CHECK_PROPERTY);
        if (text == null) {
            return CheckLevel.THROW;
        }
        try {
            return CheckLevel.of(Integer.parseInt(text.trim()));
        } catch (IllegalArgumentException e) {
            System.err.println("mmapheap: ignoring -D" + CHECK_PROPERTY + "=" + text + ": " + e.getMessage());
            return CheckLevel.THROW;
        }
    }

    private static Boolean readThreadCache() {
        String text = System.getProperty(THREAD_CACHE_PROPERTY);
        if (text == null) {
            return null;
        }
        String value = text.trim();
        if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
            return Boolean.valueOf(value);
        }
        System.err.println("mmapheap: ignoring -D" + THREAD_CACHE_PROPERTY + "=" + text + ": must be true or false");
        return null;
    }

    private static int readLeakSample() {
        String text = System.getProperty(LEAK_PROPERTY);
        if (text == null) {
            return 0;
        }
        try {
            int n = Integer.parseInt(text.trim());
            if (n < 0) {
                throw new IllegalArgumentException("must be >= 0");
            }
            return n;
        } catch (IllegalArgumentException e) {
            System.err.println("mmapheap: ignoring -D" + LEAK_PROPERTY + "=" + text + ": " + e.getMessage());
            return 0;
        }
    }
}
