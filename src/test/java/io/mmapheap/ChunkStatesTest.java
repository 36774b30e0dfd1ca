package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The chunk-state machine's transitions on a real {@link ChunkMap}, with the steps of two racing
 * operations interleaved by hand, one order per test: what each rule of {@link ChunkStates} forbids
 * does not happen.
 */
class ChunkStatesTest {

    /** A map of 256 granules (4 pages of 64 granules) with marks, and chunks of 4 at 0, 4, 8 and 12. */
    private static ChunkMap mapWithFourChunks() {
        ChunkMap map = new ChunkMap(256, 6);
        map.enableCaching();
        map.allocateChunks(0, 4, 4);
        return map;
    }

    private static long marks(ChunkMap map) {
        return ChunkStates.marksWordForTest(map, 0);
    }

    @Test
    void twoClaimsOfOneChunkNeverBothSucceed() {
        ChunkMap map = mapWithFourChunks();
        assertTrue(ChunkStates.claim(map, 4), "LIVE to CLAIMED");
        assertFalse(ChunkStates.claim(map, 4), "the second claim finds M set");
        assertFalse(ChunkStates.claimLocked(map, 4), "so does a claim under the lock, after its patience");
        assertEquals(1L << 4, marks(map), "nothing else was marked");
    }

    @Test
    void aReleaseClearsOnlyItsOwnBitAndCannotBorrowFromItsNeighbours() {
        ChunkMap map = mapWithFourChunks();
        assertTrue(ChunkStates.claim(map, 0));
        assertTrue(ChunkStates.claim(map, 4));
        assertTrue(ChunkStates.claim(map, 8));
        ChunkStates.release(map, 4);
        assertEquals(1L << 0 | 1L << 8, marks(map), "the neighbours' marks stay as they were");
        ChunkStates.endMarks(map, new int[] {0, 8}, 0, 2);
        assertEquals(0, marks(map));
    }

    @Test
    void aMapWithoutMarksHasNothingToClaimButTheLockNeedsNoClaimThere() {
        ChunkMap map = new ChunkMap(256, 6);
        map.allocateChunks(0, 4, 1);
        assertFalse(ChunkStates.claim(map, 0), "no cached free before the lock made the marks");
        assertTrue(ChunkStates.claimLocked(map, 0), "the lock holder frees it without a mark");
        ChunkStates.release(map, 0);
    }

    /**
     * Issue 6's root: a stray mark (a racing invalid free) on a free granule, and a refill that
     * marks a chunk into being there. The refill waits for the stray to clear instead of taking the
     * bit over, so the stray's owner can never clear a mark that is the refill's.
     */
    @Test
    void aRefillWaitsOutAStrayMarkInsteadOfTakingItOver() throws Exception {
        ChunkMap map = new ChunkMap(256, 6);
        map.enableCaching();
        assertTrue(ChunkStates.claim(map, 8), "a stray: the granule is free");
        CountDownLatch marked = new CountDownLatch(1);
        Thread refill = new Thread(() -> {
            ChunkStates.markIntoBeing(map, 8, 4, 2);
            marked.countDown();
        });
        refill.start();
        assertFalse(marked.await(50, TimeUnit.MILLISECONDS), "the refill waits while the stray holds the bit");
        // The stray's owner reads the map stably, sees no chunk, and lets go of its own bit.
        assertEquals(-1, map.racyChunkLength(8, 64));
        ChunkStates.release(map, 8);
        assertTrue(marked.await(10, TimeUnit.SECONDS), "then the refill marks both chunks");
        refill.join();
        assertEquals(1L << 8 | 1L << 12, marks(map), "each bit set once, by the refill, which owns both");
    }

    /** A claim under the lock that meets a stray waits for it, and then claims the chunk. */
    @Test
    void aClaimUnderTheLockWaitsOutAStrayOnALiveChunk() throws Exception {
        ChunkMap map = mapWithFourChunks();
        assertTrue(ChunkStates.claim(map, 12), "a racing free's claim, which it will give back");
        Thread giveBack = new Thread(() -> {
            for (int i = 0; i < 64; i++) {
                Thread.onSpinWait();
            }
            ChunkStates.release(map, 12);
        });
        giveBack.start();
        boolean claimed = false;
        for (int attempt = 0; attempt < 1000 && !claimed; attempt++) {
            claimed = ChunkStates.claimLocked(map, 12);
        }
        giveBack.join();
        assertTrue(claimed, "the lock holder got the chunk once the stray was gone");
        assertEquals(1L << 12, marks(map));
    }

    /**
     * Rule 4, the order of a free under the lock: S and U go first, then M. A claim racing between
     * the two still finds M set, and once M is clear the granule reads free, not as a chunk.
     */
    @Test
    void aFreedChunkLosesItsStartBeforeItsMark() {
        ChunkMap map = mapWithFourChunks();
        assertTrue(ChunkStates.claimLocked(map, 4), "the lock holder claims chunk 4");
        map.free(4);
        assertFalse(ChunkStates.claim(map, 4), "between the two halves, a racing claim finds M set");
        ChunkStates.release(map, 4);
        assertTrue(ChunkStates.claim(map, 4), "after, a claim may land: a stray");
        long v = map.stableVersion();
        assertEquals(-1, map.racyChunkLength(4, 64), "whose stable read finds no chunk there");
        assertTrue(map.unchangedSince(v));
        ChunkStates.release(map, 4);
        assertEquals(0, marks(map));
    }

    /**
     * A cached free reads the class at version v, then claims; a change of the map between the two
     * (here a neighbour freed under the lock) moves the version, so the free reads again under its
     * claim instead of trusting the first read.
     */
    @Test
    void aChangeBetweenTheReadAndTheClaimIsSeenAfterTheClaim() {
        ChunkMap map = mapWithFourChunks();
        long v = map.stableVersion();
        assertEquals(4, map.racyChunkLength(8, 64));
        assertTrue(ChunkStates.claimLocked(map, 12));
        map.free(12);
        ChunkStates.release(map, 12);
        assertTrue(ChunkStates.claim(map, 8));
        assertFalse(map.unchangedSince(v), "the claim comes after a change: the first read is not trusted");
        long again = map.stableVersion();
        assertEquals(4, map.racyChunkLength(8, 64), "read again under the claim");
        assertTrue(map.unchangedSince(again));
        ChunkStates.release(map, 8);
    }

    @Test
    void verifyMarksWaitsOutAStrayAndNamesAMarkThatStays() throws Exception {
        ChunkMap map = mapWithFourChunks();
        assertTrue(ChunkStates.claim(map, 2), "a stray inside chunk 0");
        Thread giveBack = new Thread(() -> ChunkStates.release(map, 2));
        giveBack.start();
        giveBack.join();
        ChunkStates.verifyMarks(map, "test");
        assertTrue(ChunkStates.claim(map, 3), "a mark inside a chunk that nobody gives back");
        IllegalStateException broken = assertThrows(IllegalStateException.class, () -> ChunkStates.verifyMarks(map, "test"));
        assertTrue(broken.getMessage().contains("granule 3"), broken.getMessage());
    }
}
