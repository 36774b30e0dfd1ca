package io.mmapheap;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** JFR: a heap gave pages back to the system. Emitted by {@link HeapEvents}. */
@Name("io.mmapheap.Trim")
@Label("Heap Trim")
@Category("mmapheap")
@Description("A heap released pages: trim(), the automatic trim of trimThreshold, regions that stayed empty, a chunk that moved out, or room made before a refusal")
final class TrimEvent extends Event {

    @Label("Heap")
    @Description("The heap's class, and its name if it was given one")
    String heap;

    @Label("Released")
    @Description("Bytes released: discarded, decommitted or unmapped")
    @DataAmount
    long released;

    @Label("Cause")
    @Description("What released them: \"trim()\", \"trimThreshold\", \"empty regions\", \"reallocate moved a chunk out\", \"reallocate shrank a dedicated chunk\" or \"before a refusal\"")
    String cause;
}
