package io.mmapheap;

/** The contract under the lab's Part B settings, with dedicated mappings for requests above a page. */
class ElasticHeapLabContractTest extends AllocatorContractTest {

    @Override
    protected Allocator create() {
        return ElasticHeap.builder().granule(256).threadCache(false).growthPages(1).largeThreshold(4096).maxPages(64).build();
    }

    @Override
    protected long granule() {
        return 256;
    }
}
