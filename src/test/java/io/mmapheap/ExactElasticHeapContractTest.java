package io.mmapheap;

/** The contract for an {@link ElasticHeap} without thread caches: every free coalesces at once. */
class ExactElasticHeapContractTest extends AllocatorContractTest {

    @Override
    protected Allocator create() {
        return ElasticHeap.builder().threadCache(false).build();
    }

    @Override
    protected long granule() {
        return ElasticHeap.DEFAULT_GRANULE;
    }
}
