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
 * An unreadable value is logged once, at WARNING on {@value Logs#CONFIG_NAME}, and the default is used.
 */
final class DebugDefaults {

    static final String PERTURB_PROPERTY = "mmapheap.perturb";
    static final String CHECK_PROPERTY = "mmapheap.check";
    static final String LEAK_PROPERTY = "mmapheap.leakTracking";
    static final String THREAD_CACHE_PROPERTY = "mmapheap.threadCache";
    private static final int MAX_BYTE = 0xff;

    static final int PERTURB = perturbFrom(System.getProperty(PERTURB_PROPERTY));
    static final CheckLevel CHECK = checkFrom(System.getProperty(CHECK_PROPERTY));
    static final int LEAK_SAMPLE = leakSampleFrom(System.getProperty(LEAK_PROPERTY));
    /** The thread-cache default the property sets, or null when it is not set. */
    static final Boolean THREAD_CACHE = threadCacheFrom(System.getProperty(THREAD_CACHE_PROPERTY));

    private DebugDefaults() {
    }

    /** @throws IllegalArgumentException unless 0 &lt;= value &lt;= 255 */
    static int checkPerturb(int value) {
        if (value < 0 || value > MAX_BYTE) {
            throw new IllegalArgumentException("perturb byte must be in [0, 255] (0 = off), was " + value);
        }
        return value;
    }

    /**
     * @param text the property's value, or null when it is not set
     * @return the perturb byte it sets, else 0 (off)
     */
    static int perturbFrom(String text) {
        if (text == null) {
            return 0;
        }
        try {
            return checkPerturb(Integer.decode(text.trim()));
        } catch (IllegalArgumentException e) {
            ignoring(PERTURB_PROPERTY, text, e.getMessage());
            return 0;
        }
    }

    /**
     * @param text the property's value, or null when it is not set
     * @return the check level it sets, else THROW
     */
    static CheckLevel checkFrom(String text) {
        if (text == null) {
            return CheckLevel.THROW;
        }
        try {
            return CheckLevel.of(Integer.parseInt(text.trim()));
        } catch (IllegalArgumentException e) {
            ignoring(CHECK_PROPERTY, text, e.getMessage());
            return CheckLevel.THROW;
        }
    }

    /**
     * @param text the property's value, or null when it is not set
     * @return the thread-cache default it sets, else null
     */
    static Boolean threadCacheFrom(String text) {
        if (text == null) {
            return null;
        }
        String value = text.trim();
        if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
            return Boolean.valueOf(value);
        }
        ignoring(THREAD_CACHE_PROPERTY, text, "must be true or false");
        return null;
    }

    /**
     * @param text the property's value, or null when it is not set
     * @return the leak-tracking sample it sets, else 0 (off)
     */
    static int leakSampleFrom(String text) {
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
            ignoring(LEAK_PROPERTY, text, e.getMessage());
            return 0;
        }
    }

    private static void ignoring(String property, String text, String why) {
        Logs.CONFIG.log(System.Logger.Level.WARNING, "mmapheap: ignoring -D" + property + "=" + text + ": " + why);
    }
}
