package io.mmapheap;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** JFR: a heap mapped a dedicated mapping for one large chunk, or grew one by mremap. Emitted by {@link HeapEvents}. */
@Name("io.mmapheap.DedicatedMapping")
@Label("Dedicated Mapping")
@Category("mmapheap")
@Description("A heap mapped a mapping of its own for a large or aligned request, or moved one to a greater length (mremap)")
final class DedicatedMappingEvent extends Event {

    @Label("Heap")
    @Description("The heap's class, and its name if it was given one")
    String heap;

    @Label("Requested")
    @Description("Bytes the request asked for")
    @DataAmount
    long requested;

    @Label("Mapped")
    @Description("Length of the mapping: the request rounded up to whole pages")
    @DataAmount
    long mapped;

    @Label("Remapped")
    @Description("Whether an existing dedicated chunk grew (reallocate) rather than a new mapping being made")
    boolean remapped;
}
