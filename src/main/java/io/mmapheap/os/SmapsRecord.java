package io.mmapheap.os;

import java.util.Collections;
import java.util.Map;
import java.util.Set;

/**
 * The {@code /proc/PID/smaps} record of one mapping: its maps line and its counters.
 *
 * @param mapping  the mapping the record describes
 * @param counters every {@code Name: N kB} line of the record, in bytes, in the kernel's order
 * @param flags    the two-letter codes of its {@code VmFlags:} line (e.g. {@code dd}: not in core dumps,
 *                 {@code lo}: locked, {@code hg}: advised for huge pages), empty if the kernel has none
 */
public record SmapsRecord(MapsEntry mapping, Map<String, Long> counters, Set<String> flags) {

    /**
     * Makes unmodifiable copies of the counters and flags.
     *
     * @param mapping  the mapping the record describes
     * @param counters every {@code Name: N kB} line of the record, in bytes, in the kernel's order
     * @param flags    the two-letter codes of its {@code VmFlags:} line, empty if the kernel has none
     */
    public SmapsRecord {
        counters = Collections.unmodifiableMap(new java.util.LinkedHashMap<>(counters));
        flags = Collections.unmodifiableSet(new java.util.LinkedHashSet<>(flags));
    }

    /**
     * Tells whether the kernel set a flag on the mapping.
     *
     * @param flag a two-letter code, e.g. {@code "lo"}
     * @return whether the {@code VmFlags:} line holds {@code flag}
     */
    public boolean hasFlag(String flag) {
        return flags.contains(flag);
    }

    /**
     * Reads one counter of the record.
     *
     * @param name a counter name as the kernel spells it, e.g. {@code "Rss"}, {@code "Anonymous"}
     * @return the counter in bytes, or -1 if the record has no such counter
     */
    public long bytes(String name) {
        return counters.getOrDefault(name, -1L);
    }

    /**
     * Gives the mapping's size.
     *
     * @return {@code Size:} in bytes: the mapping's virtual size
     */
    public long size() {
        return bytes("Size");
    }

    /**
     * Gives the mapping's resident bytes.
     *
     * @return {@code Rss:} in bytes: how much of the mapping is resident in RAM
     */
    public long rss() {
        return bytes("Rss");
    }

    /**
     * Gives the mapping's anonymous resident bytes.
     *
     * @return {@code Anonymous:} in bytes: resident pages not backed by a file
     */
    public long anonymous() {
        return bytes("Anonymous");
    }
}
