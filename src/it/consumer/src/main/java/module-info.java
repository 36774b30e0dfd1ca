/** The consumer as a module: mmapheap's, and the JDK's for reading its metrics and events. */
module io.mmapheap.consumer {
    requires io.mmapheap;
    requires java.management;
    requires jdk.jfr;
}
