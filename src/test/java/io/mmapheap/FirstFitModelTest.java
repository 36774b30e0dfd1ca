package io.mmapheap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded model-based tests: a plain reference model (a boolean per granule per region) predicts
 * the exact first-fit address of every allocation and whether it must fail. Every live chunk holds
 * its own byte pattern, checked before it is freed; {@code verify()} runs after every step.
 * A failure names the seed and step, so it reproduces.
 */
class FirstFitModelTest {

    private static final int STEPS = 2500;
    private static final long PAGE = 4096;

    /**
     * The reference: regions in mapping order, each a boolean per granule of its reserved length,
     * of which only a prefix (the committed granules) may hold chunks.
     */
    private static final class Model {
        final long granule;
        final List<long[]> regions = new ArrayList<>();     // {base, committed granules, reserved granules}
        final List<boolean[]> used = new ArrayList<>();
        final Map<Long, Integer> chunks = new HashMap<>();   // address -> granules

        Model(long granule) {
            this.granule = granule;
        }

        /** @return the predicted address, or -1 if no mapped region has room */
        long firstFit(int n) {
            for (int r = 0; r < regions.size(); r++) {
                boolean[] u = used.get(r);
                int run = 0;
                for (int g = 0; g < regions.get(r)[1]; g++) {
                    run = u[g] ? 0 : run + 1;
                    if (run == n) {
                        return regions.get(r)[0] + (g - n + 1) * granule;
                    }
                }
            }
            return -1;
        }

        int regionOf(long address) {
            for (int r = 0; r < regions.size(); r++) {
                long[] reg = regions.get(r);
                if (address >= reg[0] && address < reg[0] + reg[2] * granule) {
                    return r;
                }
            }
            return -1;
        }

        /**
         * @return {region, first granule of the run at its committed end, pages to commit} for the
         *         first region whose free end plus reserved tail fits n granules, or null
         */
        int[] growable(int n) {
            long granulesPerPage = PAGE / granule;
            for (int r = 0; r < regions.size(); r++) {
                long[] reg = regions.get(r);
                int end = (int) reg[1];
                int start = end;
                while (start > 0 && !used.get(r)[start - 1]) {
                    start--;
                }
                if (reg[1] < reg[2] && start + n <= reg[2]) {
                    long missing = start + n - end;
                    return new int[] {r, start, (int) ((missing + granulesPerPage - 1) / granulesPerPage)};
                }
            }
            return null;
        }

        void commit(int r, int pages) {
            regions.get(r)[1] += pages * PAGE / granule;
        }

        void addRegion(long base, long committedPages, long reservedPages) {
            regions.add(new long[] {base, committedPages * PAGE / granule, reservedPages * PAGE / granule});
            used.add(new boolean[(int) (reservedPages * PAGE / granule)]);
        }

        void mark(long address, int n, boolean value) {
            int r = regionOf(address);
            int first = (int) ((address - regions.get(r)[0]) / granule);
            for (int g = first; g < first + n; g++) {
                used.get(r)[g] = value;
            }
        }

        long liveBytes() {
            return chunks.values().stream().mapToLong(n -> n * granule).sum();
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 42, 20261124})
    void pageAllocatorPlacesEveryChunkWhereTheModelSays(long seed) {
        try (PageAllocator heap = PageAllocator.builder().pages(4).granule(8).build()) {
            Model model = new Model(8);
            model.addRegion(heap.base(), 4, 4);
            run(seed, heap, model, 1, 6000, false, 4);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 42, 20261124})
    void elasticHeapPlacesEveryChunkWhereTheModelSays(long seed) {
        try (ElasticHeap heap = ElasticHeap.builder().threadCache(false).granule(16).growthPages(4).maxPages(12).largeThreshold(PAGE * 2).build()) {
            run(seed, heap, new Model(16), 4, 8000, true, 12);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {7, 8, 9})
    void theLabsPartBHeapPlacesEveryChunkWhereTheModelSays(long seed) {
        try (ElasticHeap heap = ElasticHeap.builder().threadCache(false).granule(256).growthPages(1).maxPages(4).largeThreshold(PAGE).build()) {
            run(seed, heap, new Model(256), 1, 4096, true, 4);
        }
    }

    /**
     * @param growthPages pages per new region (elastic), ignored when !elastic
     * @param maxSize     largest request
     * @param maxPages    the heap's page limit
     */
    private static void run(long seed, Allocator heap, Model model, int growthPages, int maxSize, boolean elastic,
                            long maxPages) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Long> live = new ArrayList<>();
        int step = 0;
        try {
            for (step = 0; step < STEPS; step++) {
                int action = random.nextInt(100);
                if (action < 55 || live.isEmpty()) {
                    long size = random.nextInt(4) == 0 ? 1 + random.nextInt(maxSize) : 1 + random.nextInt(maxSize / 16);
                    int n = (int) ((size + model.granule - 1) / model.granule);
                    long predicted = model.firstFit(n);
                    int[] growable = predicted < 0 && elastic ? model.growable(n) : null;
                    long needed = growable != null ? growable[2] : pagesFor(n * model.granule, 1);
                    long mappedBefore = heap.stats().pagesMapped();
                    if (predicted < 0 && (!elastic || mappedBefore + needed > maxPages)) {
                        HeapStats before = heap.stats();
                        assertThrows(HeapExhaustedException.class, () -> heap.allocate(size), "no room predicted");
                        assertEquals(before, heap.stats());
                    } else {
                        long address = heap.allocate(size);
                        if (growable != null) {
                            // The first region whose reserved tail fits commits just the pages it lacks.
                            assertEquals(model.regions.get(growable[0])[0] + growable[1] * model.granule, address,
                                    "the run at the end of region " + growable[0] + " after committing more of it");
                            assertEquals(needed, heap.stats().pagesMapped() - mappedBefore, "pages committed");
                            model.commit(growable[0], growable[2]);
                        } else if (predicted < 0) {
                            // A new region: new memory, a growth step reserved, the pages needed committed.
                            assertEquals(-1, model.regionOf(address), "a new region was expected");
                            assertEquals(needed, heap.stats().pagesMapped() - mappedBefore, "pages committed");
                            model.addRegion(address, needed, pagesFor(n * model.granule, growthPages));
                        } else {
                            assertEquals(predicted, address, "exact first fit for " + size + " bytes");
                        }
                        model.mark(address, n, true);
                        model.chunks.put(address, n);
                        live.add(address);
                        RawMemory.fill(address, n * model.granule, pattern(address));
                        assertEquals(n * model.granule, heap.usableSize(address));
                    }
                } else if (action < 95) {
                    long address = live.remove(random.nextInt(live.size()));
                    int n = model.chunks.remove(address);
                    checkPattern(address, n * model.granule);
                    heap.free(address);
                    model.mark(address, n, false);
                } else {
                    long address = live.get(random.nextInt(live.size()));
                    HeapStats before = heap.stats();
                    long bad = random.nextBoolean() ? address + model.granule / 2 : address + 1;
                    assertThrows(IllegalArgumentException.class, () -> heap.free(bad));
                    assertEquals(before, heap.stats());
                }
                heap.verify();
                HeapStats s = heap.stats();
                assertEquals(model.liveBytes(), s.bytesInUse());
                assertEquals(model.chunks.size(), s.liveChunks());
            }
            for (long address : live) {
                checkPattern(address, model.chunks.get(address) * model.granule);
                heap.free(address);
            }
            heap.verify();
            assertEquals(0, heap.stats().liveChunks());
        } catch (AssertionError | RuntimeException e) {
            fail("seed " + seed + ", step " + step + ": " + e, e);
        }
    }

    private static long pagesFor(long bytes, int growthPages) {
        return Math.max(growthPages, (bytes + PAGE - 1) / PAGE);
    }

    private static byte pattern(long address) {
        return (byte) (address >>> 4 ^ address >>> 12);
    }

    private static void checkPattern(long address, long bytes) {
        byte p = pattern(address);
        for (long i = 0; i < bytes; i += 7) {
            if (RawMemory.getByte(address + i) != p) {
                throw new AssertionError("chunk 0x" + Long.toHexString(address) + " corrupted at +" + i);
            }
        }
    }
}
