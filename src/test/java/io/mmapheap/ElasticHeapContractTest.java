package io.mmapheap;

class ElasticHeapContractTest extends AllocatorContractTest {

    @Override
    protected Allocator create() {
        return ElasticHeap.builder().build();
    }

    @Override
    protected long granule() {
        return ElasticHeap.DEFAULT_GRANULE;
    }
}
