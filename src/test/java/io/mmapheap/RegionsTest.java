package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The placement rules of a segregated {@link Regions}: size bands and thread groups. The regions keeps
 * only metadata and touches no memory unless asked to zero, so its regions here are address ranges
 * that are never mapped.
 */
class RegionsTest {

    private static final int GRANULE_SHIFT = 4;
    private static final long PAGE = 4096;
    private static final long REGION_PAGES = 16;
    private static final long REGION = REGION_PAGES * PAGE;
    /** Far from anything this process maps; never read or written. */
    private static final long BASE = 0x7e00_0000_0000L;
    /** 1 KiB: the longest size band. */
    private static final int N = 64;

    private Regions regions;
    private long nextBase;

    @BeforeEach
    void segregatedArenaPastItsSharedStart() {
        regions = new Regions(GRANULE_SHIFT, PAGE, false, REGION_PAGES, true);
        nextBase = BASE;
        // The regions made before segregation starts serve every band: fill them, so that the
        // bands' own regions decide where chunks go.
        while (regions.bytesMapped() < Regions.SEGREGATION_START_PAGES * PAGE) {
            int r = addRegion(0);
            assertTrue(regions.allocateIn(r, (int) (REGION >>> GRANULE_SHIFT), 1, false) != 0);
        }
    }

    private int addRegion(int band) {
        int r = regions.addRegion(band, nextBase, REGION, REGION);
        nextBase += 2 * REGION;
        return r;
    }

    private int regionOfAllocation(int group) {
        long address = regions.allocate(N, 1, false, group);
        assertNotEquals(0, address, "no room for group " + group);
        return regions.regionOf(address);
    }

    @Test
    void aGroupTakesItsOwnRegionBeforeALowerRegionOfAnotherGroup() {
        int first = addRegion(regions.growthBand(N, 0));
        int second = addRegion(regions.growthBand(N, 1));

        assertEquals(second, regionOfAllocation(1));
        assertEquals(first, regionOfAllocation(0));
        long[] run = new long[8];
        assertEquals(8, regions.allocateRun(N, 8, false, run, 1));
        assertEquals(second, regions.regionOf(run[0]));
        regions.verify();
    }

    @Test
    void aGroupWithoutRoomTakesAnotherGroupsRegionOfItsSizeBand() {
        int other = addRegion(regions.growthBand(N, 2));
        addRegion(regions.growthBand(1, 1));

        // Group 1 has a region only for the smallest chunks: its 1 KiB request goes to group 2's.
        assertEquals(other, regionOfAllocation(1));
        regions.verify();
    }

    @Test
    void noRegionOfAnotherSizeBandServesARequest() {
        addRegion(regions.growthBand(1, 0));

        assertEquals(0, regions.allocate(N, 1, false, 0));
        assertEquals(0, regions.allocate(N, 1, false, 1));
    }

    @Test
    void growthLooksOnlyAtTheGroupsOwnRegions() {
        int zero = regions.addRegion(regions.growthBand(N, 0), nextBase, REGION, PAGE);
        nextBase += 2 * REGION;
        int one = regions.addRegion(regions.growthBand(N, 1), nextBase, REGION, PAGE);

        assertEquals(zero, regions.growableFor(N * 10, 1, 0));
        assertEquals(one, regions.growableFor(N * 10, 1, 1));
        assertEquals(-1, regions.growableFor(N * 10, 1, 2));
    }

    @Test
    void unsegregatedRegionsHaveOneGroupAndOneBand() {
        Regions exact = new Regions(GRANULE_SHIFT, PAGE, false, REGION_PAGES, false);

        assertEquals(1, exact.groups());
        assertEquals(0, exact.bandFor(N, 0));
        assertEquals(Regions.GROUPS, regions.groups());
    }
}
