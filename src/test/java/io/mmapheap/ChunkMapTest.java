package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class ChunkMapTest {

    @Test
    void longestRunCountsConsecutiveOnes() {
        assertEquals(0, ChunkMap.longestRun(0));
        assertEquals(64, ChunkMap.longestRun(-1L));
        assertEquals(1, ChunkMap.longestRun(0b1010_1010));
        assertEquals(3, ChunkMap.longestRun(0b1110_0110));
        assertEquals(63, ChunkMap.longestRun(-1L >>> 1));
        assertEquals(63, ChunkMap.longestRun(-1L << 1));
    }

    /** Seeded words of every density, from single runs to many short ones, against a bit-by-bit count. */
    @Test
    void longestRunAgreesWithABitByBitCount() {
        SplittableRandom random = new SplittableRandom(41);
        for (int i = 0; i < 100_000; i++) {
            long bits = random.nextLong();
            switch (i % 4) {
                case 0 -> bits &= random.nextLong();
                case 1 -> bits |= random.nextLong();
                case 2 -> bits = (-1L >>> random.nextInt(64)) << random.nextInt(64);
                default -> { }
            }
            int expected = 0;
            int run = 0;
            for (int b = 0; b < Long.SIZE; b++) {
                run = (bits >>> b & 1) != 0 ? run + 1 : 0;
                expected = Math.max(expected, run);
            }
            assertEquals(expected, ChunkMap.longestRun(bits), Long.toBinaryString(bits));
        }
    }

    @Test
    void firstRunInWordFindsTheLowestStart() {
        assertEquals(1, ChunkMap.firstRunInWord(0b1110_0110, 2));
        assertEquals(5, ChunkMap.firstRunInWord(0b1110_0110, 3));
        assertEquals(0, ChunkMap.firstRunInWord(-1L, 64));
        assertEquals(60, ChunkMap.firstRunInWord(0xF000_0000_0000_0000L, 4));
    }

    /** The lock-free length read agrees with the locked one for every granule of a seeded random map. */
    @Test
    void racyChunkLengthAgreesWithChunkLength() {
        checkChunkLengths(new ChunkMap(1000, 0), 200, 3000, 11);
    }

    /** Chunks that span many summary words (64 bitmap words each) and every kind of change. */
    @Test
    void chunkLengthsStayRightAcrossSummaryWords() {
        checkChunkLengths(new ChunkMap(20480, 0), 5000, 1500, 12);
    }

    /**
     * Random allocations (single and batched), frees, splits, shrinks and extensions; after each,
     * the lock-free and the locked length of every granule agree and verify() passes.
     */
    private static void checkChunkLengths(ChunkMap map, int longest, int steps, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        java.util.List<Integer> live = new java.util.ArrayList<>();
        int[] leaves = new int[8];
        for (int step = 0; step < steps; step++) {
            int op = random.nextInt(6);
            if (!live.isEmpty() && op == 0) {
                map.free(live.remove(random.nextInt(live.size())));
            } else if (!live.isEmpty() && op == 1) {
                int offset = live.remove(random.nextInt(live.size()));
                map.freeChunks(new int[] {offset}, 0, 1, 0, leaves);
            } else if (!live.isEmpty() && op == 2) {
                int offset = live.get(random.nextInt(live.size()));
                int n = map.chunkLength(offset);
                if (n > 1) {
                    if (random.nextBoolean()) {
                        int at = 1 + random.nextInt(n - 1);
                        map.split(offset, at);
                        live.add(offset + at);
                    } else {
                        map.shrink(offset, n, 1 + random.nextInt(n - 1));
                    }
                }
            } else if (!live.isEmpty() && op == 3) {
                int offset = live.get(random.nextInt(live.size()));
                int n = map.chunkLength(offset);
                map.extend(offset, n, n + 1 + random.nextInt(longest));
            } else {
                int n = 1 + random.nextInt(random.nextBoolean() ? 8 : longest);
                int k = op == 4 ? 1 + random.nextInt(4) : 1;
                int at = map.findFirst(n * k);
                if (at >= 0) {
                    map.allocateChunks(at, n, k);
                    for (int i = 0; i < k; i++) {
                        live.add(at + i * n);
                    }
                }
            }
            map.verify("step " + step);
            for (int g = 0; g < map.granules(); g++) {
                int expected = map.isChunkStart(g) ? map.chunkLength(g) : -1;
                assertEquals(expected, map.racyChunkLength(g, map.granules()), "granule " + g + " at step " + step);
                if (expected > 1) {
                    assertEquals(-1, map.racyChunkLength(g, expected - 1), "longer than max at granule " + g);
                    assertEquals(expected, map.racyChunkLength(g, expected));
                }
            }
        }
    }

    @Test
    void runsStraddlingWordsAreFound() {
        ChunkMap map = new ChunkMap(256, 0);
        map.allocate(0, 60);
        map.allocate(70, 100);
        // Free: [60, 70) and [170, 256). A run of 10 straddles words 0 and 1.
        assertEquals(60, map.findFirst(10));
        assertEquals(170, map.findFirst(11));
        assertEquals(170, map.findFirst(86));
        assertEquals(-1, map.findFirst(87));
        assertEquals(100, map.chunkLength(70));
        assertEquals(60, map.chunkLength(0));
        map.verify("test");
    }

    @Test
    void aRegionThatIsNotAWholeNumberOfWordsNeverHandsOutPadding() {
        ChunkMap map = new ChunkMap(100, 0);
        assertEquals(100, map.longestFree());
        assertEquals(-1, map.findFirst(101));
        map.allocate(map.findFirst(100), 100);
        assertEquals(0, map.longestFree());
        assertEquals(100, map.chunkLength(0));
        map.verify("test");
    }

    @Test
    void freeingMergesWithBothNeighbours() {
        ChunkMap map = new ChunkMap(64 * 5, 0);
        map.allocate(0, 100);
        map.allocate(100, 100);
        map.allocate(200, 100);
        assertEquals(1, map.freeRuns());
        map.free(0);
        map.free(200);
        assertEquals(2, map.freeRuns(), "[0,100) and [200,320): the freed chunk merged with the tail");
        map.free(100);
        assertEquals(1, map.freeRuns());
        assertEquals(320, map.longestFree());
        assertFalse(map.isChunkStart(100));
        map.verify("test");
    }

    @Test
    void randomOperationsMatchALinearScan() {
        SplittableRandom random = new SplittableRandom(5);
        for (int granules : new int[] {1, 16, 64, 65, 200, 1000, 4096}) {
            ChunkMap map = new ChunkMap(granules, 0);
            boolean[] used = new boolean[granules];
            java.util.List<Integer> starts = new java.util.ArrayList<>();
            for (int i = 0; i < 3000; i++) {
                if (random.nextBoolean() || starts.isEmpty()) {
                    int n = 1 + random.nextInt(Math.max(1, granules / 4));
                    int expected = linearFirstFit(used, n);
                    assertEquals(expected, map.findFirst(n), "granules " + granules + " n " + n);
                    if (expected >= 0) {
                        map.allocate(expected, n);
                        for (int g = expected; g < expected + n; g++) {
                            used[g] = true;
                        }
                        starts.add(expected);
                    }
                } else {
                    int start = starts.remove(random.nextInt(starts.size()));
                    int n = map.free(start);
                    for (int g = start; g < start + n; g++) {
                        assertTrue(used[g]);
                        used[g] = false;
                    }
                }
            }
            map.verify("random " + granules);
        }
    }

    @Test
    void commitsMoveTheEndUpAndJoinTheFreeRunThere() {
        ChunkMap map = new ChunkMap(256, 64, 0);
        assertEquals(64, map.longestFree());
        assertEquals(-1, map.findFirst(65), "reserved granules are not handed out");
        map.allocate(0, 60);
        assertEquals(4, map.trailingFree());
        assertEquals(60, map.chunkLength(0));
        map.commit(100);
        assertEquals(100, map.granules());
        assertEquals(40, map.trailingFree());
        assertEquals(1, map.freeRuns(), "the new granules joined the run at the old end");
        assertEquals(60, map.findFirst(40));
        map.allocate(60, 40);
        assertEquals(0, map.trailingFree());
        assertEquals(40, map.chunkLength(60), "a chunk at the committed end stops there");
        assertEquals(0, map.freeRuns());
        map.commit(256);
        assertEquals(1, map.freeRuns(), "after a used end the new granules are a run of their own");
        assertEquals(156, map.trailingFree());
        map.verify("test");
        assertThrows(IllegalArgumentException.class, () -> map.commit(256), "nothing left to commit");
        assertThrows(IllegalArgumentException.class, () -> new ChunkMap(64, 65, 0));
    }

    @Test
    void decommitGivesBackFreeGranulesAtTheEndOnly() {
        ChunkMap map = new ChunkMap(256, 256, 0);
        map.allocate(0, 10);
        map.allocate(100, 10);
        map.free(100);
        assertThrows(IllegalArgumentException.class, () -> map.decommit(5), "live granules past the new end");
        map.decommit(50);
        assertEquals(50, map.granules());
        assertEquals(40, map.trailingFree());
        assertEquals(1, map.freeRuns());
        assertEquals(-1, map.findFirst(41), "decommitted granules are not handed out");
        map.decommit(10);
        assertEquals(0, map.freeRuns(), "the run at the end went back whole");
        map.commit(256);
        assertEquals(10, map.findFirst(1));
        assertEquals(246, map.longestFree(), "committed again, the granules join one run");
        map.verify("test");
    }

    @Test
    void shortRunsInAFragmentedMapMatchALinearScan() {
        // Short chunks keep many runs inside each word and across the words of one tree leaf.
        SplittableRandom random = new SplittableRandom(23);
        for (int granules : new int[] {512, 1536, 8192}) {
            ChunkMap map = new ChunkMap(granules, 0);
            boolean[] used = new boolean[granules];
            java.util.List<Integer> starts = new java.util.ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                if (random.nextInt(5) < 3 || starts.isEmpty()) {
                    int n = 1 + random.nextInt(random.nextBoolean() ? 8 : 80);
                    allocateInBoth(map, used, starts, n, "granules " + granules + " step " + i);
                } else {
                    freeInBoth(map, used, starts, random);
                }
                if (i % 1000 == 0) {
                    map.verify("fragmented " + granules + " step " + i);
                }
            }
            map.verify("fragmented " + granules);
        }
    }

    @Test
    void randomOperationsWithCommitsMatchALinearScan() {
        SplittableRandom random = new SplittableRandom(11);
        for (int capacity : new int[] {2, 64, 130, 1000, 4096}) {
            int committed = 1 + random.nextInt(capacity);
            ChunkMap map = new ChunkMap(capacity, committed, 0);
            boolean[] used = new boolean[capacity];
            java.util.Arrays.fill(used, committed, capacity, true);
            java.util.List<Integer> starts = new java.util.ArrayList<>();
            for (int i = 0; i < 3000; i++) {
                int action = random.nextInt(10);
                int freeEnd = committed;
                while (freeEnd > 0 && !used[freeEnd - 1]) {
                    freeEnd--;
                }
                if (action == 0 && committed < capacity) {
                    int to = committed + 1 + random.nextInt(Math.max(1, (capacity - committed) / 4));
                    map.commit(to);
                    java.util.Arrays.fill(used, committed, to, false);
                    committed = to;
                } else if (action == 1 && Math.max(1, freeEnd) < committed) {
                    int to = Math.max(1, freeEnd) + random.nextInt(committed - Math.max(1, freeEnd));
                    map.decommit(to);
                    java.util.Arrays.fill(used, to, committed, true);
                    committed = to;
                } else if (action < 6 || starts.isEmpty()) {
                    int n = 1 + random.nextInt(Math.max(1, capacity / 4));
                    allocateInBoth(map, used, starts, n, "capacity " + capacity + " committed " + committed);
                } else {
                    freeInBoth(map, used, starts, random);
                }
                int trailing = 0;
                while (trailing < committed && !used[committed - 1 - trailing]) {
                    trailing++;
                }
                assertEquals(trailing, map.trailingFree(), "capacity " + capacity + " step " + i);
            }
            map.verify("random commits " + capacity);
        }
    }

    /**
     * Runs of chunks placed with allocateChunks and batches freed with freeChunks leave the state
     * that one allocate or free per chunk leaves in a second map: bitmaps, counters, run tree.
     * Leaf scratch of 2 and 3 makes batches overflow it and chunks outgrow it.
     */
    @Test
    void batchedPlacementAndFreesMatchOneChunkAtATime() {
        for (int scratch : new int[] {2, 3, 64}) {
            SplittableRandom random = new SplittableRandom(scratch);
            ChunkMap batched = new ChunkMap(5000, 0);
            ChunkMap single = new ChunkMap(5000, 0);
            java.util.List<Integer> live = new java.util.ArrayList<>();
            int[] leaves = new int[scratch];
            for (int step = 0; step < 4000; step++) {
                if (live.isEmpty() || random.nextInt(5) < 3) {
                    int n = 1 + random.nextInt(random.nextBoolean() ? 16 : 1200);
                    int at = single.findFirst(n);
                    assertEquals(at, batched.findFirst(n));
                    if (at < 0) {
                        continue;
                    }
                    int k = Math.max(1, batched.freeRunFrom(at, n * (1 + random.nextInt(8))) / n);
                    batched.allocateChunks(at, n, k);
                    for (int i = 0; i < k; i++) {
                        assertEquals(at + i * n, single.findFirst(n), "chunk " + i + " of the run is single's first fit");
                        single.allocate(at + i * n, n);
                        live.add(at + i * n);
                    }
                } else {
                    int count = 1 + random.nextInt(Math.min(live.size(), 12));
                    int[] offsets = new int[count];
                    if (random.nextBoolean()) {
                        // Chunks in address order from a random one on: those of one run lie side by side.
                        java.util.Collections.sort(live);
                        int first = random.nextInt(live.size() - count + 1);
                        for (int i = 0; i < count; i++) {
                            offsets[i] = live.remove(first);
                        }
                    } else {
                        for (int i = 0; i < count; i++) {
                            offsets[i] = live.remove(random.nextInt(live.size()));
                        }
                        java.util.Arrays.sort(offsets);
                    }
                    int length = single.chunkLength(offsets[0]);
                    for (int offset : offsets) {
                        length = single.chunkLength(offset) == length ? length : 0;
                    }
                    int freed = 0;
                    for (int offset : offsets) {
                        freed += single.free(offset);
                    }
                    assertEquals(freed, batched.freeChunks(offsets, 0, count, random.nextBoolean() ? length : 0, leaves));
                }
                assertSameState(single, batched, "scratch " + scratch + " step " + step);
            }
            batched.verify("batched");
        }
    }

    @Test
    void splitMakesTwoLiveChunksAndLeavesTheFreeRunsAlone() {
        ChunkMap map = new ChunkMap(1024, 0);
        map.allocate(0, 100);
        map.allocate(100, 40);
        int longest = map.longestFree();
        int runs = map.freeRuns();
        map.split(0, 30);
        assertEquals(30, map.chunkLength(0));
        assertEquals(70, map.chunkLength(30));
        assertEquals(3, map.liveChunks());
        assertEquals(140, map.usedGranules());
        assertEquals(longest, map.longestFree());
        assertEquals(runs, map.freeRuns());
        assertEquals(140, map.findFirst(1), "no granule became free");
        map.verify("split");
        assertEquals(70, map.free(30));
        assertEquals(30, map.findFirst(70), "the back half frees on its own");
        map.verify("after the free");
    }

    @Test
    void joinUndoesASplitAndLeavesTheFreeRunsAlone() {
        ChunkMap map = new ChunkMap(1024, 0);
        map.allocate(0, 100);
        map.allocate(100, 40);
        int longest = map.longestFree();
        int runs = map.freeRuns();
        // Across a bitmap word's end: the summary bit of the second chunk's word must follow.
        map.split(0, 70);
        long v = map.stableVersion();
        map.join(0, 70);
        assertFalse(map.unchangedSince(v), "a racing reader sees the change");
        assertEquals(100, map.chunkLength(0));
        assertEquals(100, map.racyChunkLength(0, 1000));
        assertEquals(-1, map.racyChunkLength(70, 1000), "no chunk starts at the joined-in granule");
        assertEquals(2, map.liveChunks());
        assertEquals(140, map.usedGranules());
        assertEquals(longest, map.longestFree());
        assertEquals(runs, map.freeRuns());
        map.verify("join");
        assertEquals(100, map.free(0));
        map.verify("after the free");
    }

    @Test
    void freeRunFromStopsAtTheNextUsedGranuleOrTheCap() {
        ChunkMap map = new ChunkMap(1000, 0);
        map.allocate(0, 10);
        map.allocate(300, 5);
        assertEquals(290, map.freeRunFrom(10, 1000));
        assertEquals(100, map.freeRunFrom(10, 100));
        assertEquals(1, map.freeRunFrom(299, 1000));
        assertEquals(695, map.freeRunFrom(305, 1000), "up to the region's end");
    }

    private static void assertSameState(ChunkMap expected, ChunkMap actual, String where) {
        assertEquals(expected.usedGranules(), actual.usedGranules(), where);
        assertEquals(expected.liveChunks(), actual.liveChunks(), where);
        assertEquals(expected.freeRuns(), actual.freeRuns(), where);
        assertEquals(expected.longestFree(), actual.longestFree(), where);
        for (int g = 0; g < expected.granules(); g++) {
            if (expected.isChunkStart(g) != actual.isChunkStart(g) || expected.isFree(g) != actual.isFree(g)) {
                throw new AssertionError(where + ": granule " + g + " differs");
            }
        }
        for (int n : new int[] {1, 7, 64, 300, 1000}) {
            assertEquals(expected.findFirst(n), actual.findFirst(n), where + " first fit of " + n);
        }
        actual.verify(where);
    }

    @Test
    void verifyNamesEachKindOfCorruption() throws ReflectiveOperationException {
        assertCorruption("free (or padding) but marked as a chunk start", "starts", 0, 1L << 40);
        assertCorruption("belongs to no chunk", "used", 0, 1L << 40 | 1L << 41);
        assertCorruption("used granule 64 belongs to no chunk", "used", 1, 1L);
        assertCorruption("belongs to no chunk", "starts", 0, 0);
        assertCorruption("summary bit says otherwise", "stops", 0, 0);
    }

    /** Builds a map with one chunk at 0..3, overwrites word {@code word} of {@code array}, expects {@code message}. */
    private static void assertCorruption(String message, String array, int word, long value) throws ReflectiveOperationException {
        ChunkMap map = new ChunkMap(128, 0);
        map.allocate(0, 4);
        map.verify("clean");
        java.lang.reflect.Field f = ChunkMap.class.getDeclaredField(array);
        f.setAccessible(true);
        long[] bits = (long[]) f.get(map);
        bits[word] = array.equals("used") && word == 0 ? bits[word] | value : value;
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> map.verify("region"));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    private static int linearFirstFit(boolean[] used, int n) {
        int run = 0;
        for (int g = 0; g < used.length; g++) {
            run = used[g] ? 0 : run + 1;
            if (run == n) {
                return g - n + 1;
            }
        }
        return -1;
    }

    /** First fit for n granules in the map and in the model (used, starts), which must agree. */
    private static void allocateInBoth(ChunkMap map, boolean[] used, java.util.List<Integer> starts, int n, String where) {
        int expected = linearFirstFit(used, n);
        assertEquals(expected, map.findFirst(n), where + " n " + n);
        if (expected >= 0) {
            map.allocate(expected, n);
            java.util.Arrays.fill(used, expected, expected + n, true);
            starts.add(expected);
        }
    }

    /** Frees a random live chunk of the model in the map and the model. */
    private static void freeInBoth(ChunkMap map, boolean[] used, java.util.List<Integer> starts, SplittableRandom random) {
        int start = starts.remove(random.nextInt(starts.size()));
        int n = map.free(start);
        java.util.Arrays.fill(used, start, start + n, false);
    }
}
