package io.mmapheap;

/** The contract for a {@link StripedHeap} of default (thread-cached) arenas. */
class StripedHeapContractTest extends AllocatorContractTest {

    @Override
    protected Allocator create() {
        return StripedHeap.of(3, ElasticHeap.builder());
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
