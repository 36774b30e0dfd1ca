package io.mmapheap;

import java.lang.System.Logger;

/**
 * The library's loggers, all of them: {@link System.Logger}s, which the JDK sends to
 * {@code java.util.logging} unless the application installs a {@link System.LoggerFinder} (the
 * bridges of SLF4J and Log4j do), so records go wherever the application's logs go. The library
 * writes nothing to {@code System.out} or {@code System.err} itself; its command-line tools do.
 *
 * <table>
 *   <caption>Loggers and what they say</caption>
 *   <tr><th>Logger</th><th>Level</th><th>Records</th></tr>
 *   <tr><td>{@value #HEAP_NAME}</td><td>DEBUG</td><td>a heap grew (a region mapped or more of one
 *       committed), mapped a dedicated mapping, released pages (trim, automatic trim, empty regions), or
 *       refused a request</td></tr>
 *   <tr><td>{@value #LEAKS_NAME}</td><td>WARNING</td><td>a heap closed with chunks never freed: the leak
 *       report, with the sampled allocation sites</td></tr>
 *   <tr><td>{@value #CHECKS_NAME}</td><td>WARNING</td><td>an invalid free or reallocate under
 *       {@link CheckLevel#REPORT}</td></tr>
 *   <tr><td>{@value #CONFIG_NAME}</td><td>WARNING</td><td>an {@code -Dmmapheap.*} property that could not be
 *       read and is ignored</td></tr>
 * </table>
 *
 * Every message starts with {@code mmapheap}, and a heap's with the heap's label ({@code ElasticHeap},
 * or {@code ElasticHeap "orders"} when the builder was given a name).
 */
final class Logs {

    /** Growth, dedicated mappings, trims and refusals, at DEBUG. */
    static final String HEAP_NAME = "io.mmapheap.heap";
    /** Leak reports at close, at WARNING. */
    static final String LEAKS_NAME = "io.mmapheap.leaks";
    /** Invalid frees reported under {@link CheckLevel#REPORT}, at WARNING. */
    static final String CHECKS_NAME = "io.mmapheap.checks";
    /** Unreadable {@code -Dmmapheap.*} properties, at WARNING. */
    static final String CONFIG_NAME = "io.mmapheap.config";

    static final Logger HEAP = System.getLogger(HEAP_NAME);
    static final Logger LEAKS = System.getLogger(LEAKS_NAME);
    static final Logger CHECKS = System.getLogger(CHECKS_NAME);
    static final Logger CONFIG = System.getLogger(CONFIG_NAME);

    private Logs() {
    }
}
