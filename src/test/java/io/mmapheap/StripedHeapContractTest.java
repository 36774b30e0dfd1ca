package io.mmapheap;

class StripedHeapContractTest extends AllocatorContractTest {

    @Override
    protected Allocator create() {
        return StripedHeap.of(3, ElasticHeap.builder());
    }

    @Override
    protected long granule() {
        return ElasticHeap.DEFAULT_GRANULE;
    }
}
