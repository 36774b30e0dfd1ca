package io.mmapheap;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** JFR: a heap's regions grew, by a new region or by more of one committed. Emitted by {@link HeapEvents}. */
@Name("io.mmapheap.Growth")
@Label("Heap Growth")
@Category("mmapheap")
@Description("A heap's regions grew: a region was mapped, or more of a region's reserved pages were committed")
final class GrowthEvent extends Event {

    @Label("Heap")
    @Description("The heap's class, and its name if it was given one")
    String heap;

    @Label("Committed")
    @Description("Bytes made readable and writable by this growth")
    @DataAmount
    long committed;

    @Label("Reserved")
    @Description("Bytes of a new region's address space reserved (PROT_NONE) beyond those committed; "
            + "0 for more of an existing region")
    @DataAmount
    long reserved;

    @Label("New Region")
    @Description("Whether a region was mapped, rather than more of an existing one committed")
    boolean newRegion;

    @Label("Bytes Mapped")
    @Description("The heap's bytes mapped after the growth, regions and dedicated mappings")
    @DataAmount
    long bytesMapped;
}
