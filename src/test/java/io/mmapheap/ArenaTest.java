package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The placement rules of a segregated {@link Arena}: size bands and thread stripes. The arena keeps
 * only metadata and touches no memory unless asked to zero, so its regions here are address ranges
 * that are never mapped.
 */
class ArenaTest {

    private static final int GRANULE_SHIFT = 4;
    private static final long PAGE = 4096;
    private static final long REGION_PAGES = 16;
    private static final long REGION = REGION_PAGES * PAGE;
    /** Far from anything this process maps; never read or written. */
    private static final long BASE = 0x7e00_0000_0000L;
    /** 1 KiB: the longest size band. */
    private static final int N = 64;

    private Arena arena;
    private long nextBase;

    @BeforeEach
    void segregatedArenaPastItsSharedStart() {
        arena = new Arena(GRANULE_SHIFT, PAGE, false, REGION_PAGES, true);
        nextBase = BASE;
        // The regions made before segregation starts serve every band: fill them, so that the
        // bands' own regions decide where chunks go.
        while (arena.bytesMapped() < Arena.SEGREGATION_START_PAGES * PAGE) {
            int r = addRegion(0);
            assertTrue(arena.allocateIn(r, (int) (REGION >>> GRANULE_SHIFT), 1, false) != 0);
        }
    }

    private int addRegion(int band) {
        int r = arena.addRegion(band, nextBase, REGION, REGION);
        nextBase += 2 * REGION;
        return r;
    }

    private int regionOfAllocation(int stripe) {
        long address = arena.allocate(N, 1, false, stripe);
        assertNotEquals(0, address, "no room for stripe " + stripe);
        return arena.regionOf(address);
    }

    @Test
    void aStripeTakesItsOwnRegionBeforeALowerRegionOfAnotherStripe() {
        int first = addRegion(arena.growthBand(N, 0));
        int second = addRegion(arena.growthBand(N, 1));

        assertEquals(second, regionOfAllocation(1));
        assertEquals(first, regionOfAllocation(0));
        long[] run = new long[8];
        assertEquals(8, arena.allocateRun(N, 8, false, run, 1));
        assertEquals(second, arena.regionOf(run[0]));
        arena.verify();
    }

    @Test
    void aStripeWithoutRoomTakesAnotherStripesRegionOfItsSizeBand() {
        int other = addRegion(arena.growthBand(N, 2));
        addRegion(arena.growthBand(1, 1));

        // Stripe 1 has a region only for the smallest chunks: its 1 KiB request goes to stripe 2's.
        assertEquals(other, regionOfAllocation(1));
        arena.verify();
    }

    @Test
    void noRegionOfAnotherSizeBandServesARequest() {
        addRegion(arena.growthBand(1, 0));

        assertEquals(0, arena.allocate(N, 1, false, 0));
        assertEquals(0, arena.allocate(N, 1, false, 1));
    }

    @Test
    void growthLooksOnlyAtTheStripesOwnRegions() {
        int zero = arena.addRegion(arena.growthBand(N, 0), nextBase, REGION, PAGE);
        nextBase += 2 * REGION;
        int one = arena.addRegion(arena.growthBand(N, 1), nextBase, REGION, PAGE);

        assertEquals(zero, arena.growableFor(N * 10, 1, 0));
        assertEquals(one, arena.growableFor(N * 10, 1, 1));
        assertEquals(-1, arena.growableFor(N * 10, 1, 2));
    }

    @Test
    void anUnsegregatedArenaHasOneStripeAndOneBand() {
        Arena exact = new Arena(GRANULE_SHIFT, PAGE, false, REGION_PAGES, false);

        assertEquals(1, exact.stripes());
        assertEquals(0, exact.bandFor(N, 0));
        assertEquals(Arena.STRIPES, arena.stripes());
    }
}
