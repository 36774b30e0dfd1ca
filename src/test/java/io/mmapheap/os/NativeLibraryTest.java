package io.mmapheap.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import org.junit.jupiter.api.Test;

class NativeLibraryTest {

    @Test
    void theLibraryForThisPlatformIsBundledAsAResource() {
        assertEquals("amd64-Linux", NativeLibrary.platform());
        assertNotNull(NativeLibrary.class.getResource(NativeLibrary.resourcePath()), NativeLibrary.resourcePath());
    }

    @Test
    void loadingTwiceIsHarmless() {
        NativeLibrary.load();
        NativeLibrary.load();
        assertEquals(4096, VirtualMemory.pageSize());
    }
}
