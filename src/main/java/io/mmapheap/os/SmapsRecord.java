package io.mmapheap.os;

import java.util.Collections;
import java.util.Map;

/**
 * The {@code /proc/PID/smaps} record of one mapping: its maps line and its counters.
 *
 * @param mapping  the mapping the record describes
 * @param counters every {@code Name: N kB} line of the record, in bytes, in the kernel's order
 */
public record SmapsRecord(MapsEntry mapping, Map<String, Long> counters) {

    /** Makes an unmodifiable copy of the counters. */
    public SmapsRecord {
        counters = Collections.unmodifiableMap(new java.util.LinkedHashMap<>(counters));
    }

    /**
     * @param name a counter name as the kernel spells it, e.g. {@code "Rss"}, {@code "Anonymous"}
     * @return the counter in bytes, or -1 if the record has no such counter
     */
    public long bytes(String name) {
        return counters.getOrDefault(name, -1L);
    }

    /** @return {@code Size:} in bytes: the mapping's virtual size */
    public long size() {
        return bytes("Size");
    }

    /** @return {@code Rss:} in bytes: how much of the mapping is resident in RAM */
    public long rss() {
        return bytes("Rss");
    }

    /** @return {@code Anonymous:} in bytes: resident pages not backed by a file */
    public long anonymous() {
        return bytes("Anonymous");
    }
}
