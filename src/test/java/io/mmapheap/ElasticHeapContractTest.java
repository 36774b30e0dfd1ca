package io.mmapheap;

/** The contract for an {@link ElasticHeap} with its defaults, thread caches on. */
class ElasticHeapContractTest extends AllocatorContractTest {

    @Override
    protected Allocator create() {
        return ElasticHeap.builder().build();
    }

    @Override
    protected long granule() {
        return ElasticHeap.DEFAULT_GRANULE;
    }

    @Override
    protected boolean threadCached() {
        return true;
    }
}
