package io.mmapheap;

class PageAllocatorContractTest extends AllocatorContractTest {

    @Override
    protected Allocator create() {
        return PageAllocator.builder().pages(16).granule(8).build();
    }

    @Override
    protected long granule() {
        return 8;
    }
}
