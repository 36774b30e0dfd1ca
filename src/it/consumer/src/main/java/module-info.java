/** The consumer as a module: it names mmapheap's module and nothing else. */
module io.mmapheap.consumer {
    requires io.mmapheap;
}
