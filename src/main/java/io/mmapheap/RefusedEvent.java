package io.mmapheap;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** JFR: a heap refused an allocation request. Emitted by {@link HeapEvents}. */
@Name("io.mmapheap.Refused")
@Label("Refused Request")
@Category("mmapheap")
@Description("An allocation request threw: HeapExhaustedException (no room, the page limit, the system said no) or "
        + "IllegalArgumentException (an invalid size or alignment)")
final class RefusedEvent extends Event {

    @Label("Heap")
    @Description("The heap's class, and its name if it was given one")
    String heap;

    @Label("Requested")
    @Description("Bytes the request asked for")
    @DataAmount
    long requested;

    @Label("Alignment")
    @Description("The alignment asked for, bytes (1 when none was)")
    @DataAmount
    long alignment;

    @Label("Exhausted")
    @Description("Whether the heap had no room (HeapExhaustedException), rather than the request being invalid")
    boolean exhausted;

    @Label("Message")
    @Description("The exception's message")
    String message;
}
