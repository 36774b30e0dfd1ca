package io.mmapheap;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The life of a chunk in a region, and the only code that sets or clears a chunk's mark.
 *
 * <h2>States</h2>
 * A chunk is described by three bits of its region's {@link ChunkMap} at the granule s where it
 * starts: S (a chunk starts at s), U (s is in use) and M (the mark, {@link ChunkMap#marks}).
 * <pre>
 *   state     S U M   owned by                              may be changed by
 *   FREE      0 0 0   the lock                              the lock holder
 *   LIVE      1 1 0   the user who allocated it             the lock holder, or whoever claims it
 *   CLAIMED   1 1 1   the one thread whose claim set M      that thread only
 *   CACHED    1 1 1   the cache entry that holds it         the thread using that cache, or the
 *                                                           lock holder once it took the entry out
 *
 *                      refill (lock: M first, then S U)
 *        +-----------------------------------------------------------------+
 *        |                                                                 v
 *      FREE --allocate (lock)--&gt; LIVE --claim (M 0-&gt;1)--&gt; CLAIMED --push--&gt; CACHED
 *       ^ ^                       ^ ^  &lt;---release (M 1-&gt;0)--  |              |   |
 *       | |                       | |                          |              |   |
 *       | +-free (lock, claimer: S U first, then M 1-&gt;0)-----+              |   |
 *       +---flush (lock, entry taken out: S U first, then M 1-&gt;0)-------------+   |
 *                                   +-----hand out (pop: M 1-&gt;0)-------------------+
 *
 *   CACHED -&gt; CACHED + CACHED  split (lock, the caller's own cache: the new M first, then S)
 *   CACHED + CACHED -&gt; CACHED  join  (lock, the caller's own cache: S first, then the upper M 1-&gt;0)
 *   CLAIMED -&gt; CLAIMED         reallocate in place (lock, claimer: S U change, then release)
 * </pre>
 * CLAIMED and CACHED hold the same bits: what tells them apart is who set M, and only that owner
 * clears it. Every path goes through these transitions: {@code allocate} and refills (FREE to LIVE
 * or CACHED), a cached free (claim, then push), a free under the lock (claim, free), {@code reallocate}
 * (claim the old chunk before anything else, then resize it in place and release it, or free it once
 * its bytes moved), {@code usableSize} (a chunk with M set is not live), flushes and {@code trim}
 * (flush), splits and joins of cached chunks. {@code close} unmaps the regions and lets every map go.
 *
 * <h2>Rules</h2>
 * <ol>
 *   <li>M is a byte of its own per granule. It is set only by a compare-and-set from clear, and the
 *       setter owns it only if that succeeded: two claims of one chunk never both succeed.</li>
 *   <li>M is cleared only by its owner, with a release store of that byte (no atomic: no other
 *       chunk's mark shares it, so the store can lose nobody's update), after every write the owner
 *       made to the map or the chunk for that state.</li>
 *   <li>S and U change only under the lock, inside a {@link ChunkMap} change (its version odd), and
 *       never for a chunk whose M another thread owns: the lock holder claims a LIVE chunk before it
 *       frees or resizes it, and flushes, splits and joins only chunks whose entries it took out of a
 *       cache no other thread uses at that moment.</li>
 *   <li>A chunk that comes into being CACHED (refill, split) is marked before its S bit is set; a
 *       chunk that stops being CACHED or CLAIMED for good (free, flush, join) loses S and U before its
 *       M. So a claim racing these finds M set, and never sees a chunk start without a mark that is
 *       not LIVE.</li>
 *   <li>A claim of an address where no LIVE chunk starts (a racing double free, an address freed a
 *       moment ago) may set M on a granule that is not a LIVE chunk start: a <em>stray</em> mark. Its
 *       setter learns this from a stable read of the map ({@link ChunkMap#stableVersion}) and clears it
 *       at once. The lock holder never takes a stray for a state: marking a chunk into being waits
 *       for the bit to clear, and a claim under the lock that finds M set waits a bounded time
 *       ({@link #CLAIM_PATIENCE}) before it reports a double free.</li>
 *   <li>The lock holder never waits on a mark while a change of the map is open: a stray's setter
 *       needs a stable version to finish.</li>
 * </ol>
 * A cached free reads the chunk's length at a stable version v of the map, then claims it, then
 * checks that the version is still v: the read then describes the chunk as it was when the claim
 * took effect (reading first lets the loads overlap the claim's atomic). If the version moved, it
 * reads again under its claim, which keeps the chunk itself as it is; a read that finds no LIVE
 * chunk start releases the mark (a stray) and leaves the address to the lock path, which reports it.
 *
 * <p>If a stray lands on a granule that the lock holder then hands out as a LIVE chunk start, the
 * stray's setter reads a LIVE chunk and its free takes effect there: a free of an address that was
 * freed and handed out again, which no allocator can tell from the new owner's own free.
 */
final class ChunkStates {

    /** One mark per granule: a chunk's M is the byte at its start, so no two chunks share a mark's word. */
    private static final VarHandle MARKS = MethodHandles.arrayElementVarHandle(byte[].class);
    /** Eight marks at a time, for the readers that want a bitmap word of them. */
    private static final VarHandle EIGHT = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final byte SET = 1;
    private static final byte CLEAR = 0;
    /** Spins of a claim under the lock that finds M set, before it says the chunk is taken. */
    static final int CLAIM_PATIENCE = 1 << 10;
    /** How long {@link #verifyMarks} waits for a stray to clear before it calls the mark broken. */
    static final long STRAY_PATIENCE_NANOS = 1_000_000_000L;

    private ChunkStates() {
    }

    /**
     * LIVE to CLAIMED: claims the chunk at {@code offset} for the calling thread; any thread, no lock.
     *
     * @return true if M was clear and the caller now owns it (it may be a stray: see the rules);
     *         false, changing nothing, if M was set or the map has no marks yet
     */
    static boolean claim(ChunkMap map, int offset) {
        byte[] marks = map.marks();
        return marks != null && MARKS.compareAndSet(marks, offset, CLEAR, SET);
    }

    /**
     * LIVE to CLAIMED under the lock: {@link #claim}, waiting a bounded time for a stray to clear. A
     * map without marks has no cached chunks and no claims (marks are made under the lock before the
     * first), so the lock holder needs no claim there.
     *
     * @return false if M stayed set: the chunk is cached or claimed by another thread
     */
    static boolean claimLocked(ChunkMap map, int offset) {
        if (map.marks() == null) {
            return true;
        }
        for (int spin = 0; spin < CLAIM_PATIENCE; spin++) {
            if (claim(map, offset)) {
                return true;
            }
            if (!isMarked(map, offset)) {
                continue;
            }
            Thread.onSpinWait();
        }
        return false;
    }

    /**
     * Gives up the caller's own mark on {@code offset}: CLAIMED to LIVE (or a stray cleared), CACHED to
     * LIVE (a pop), or, after the lock holder freed the chunk or joined it to the one before, the
     * end of its mark. A release store of the owner's own byte: the writes the owner made to the
     * chunk's metadata before it are seen by whoever claims the mark next.
     */
    static void release(ChunkMap map, int offset) {
        byte[] marks = map.marks();
        if (marks == null) {
            return;
        }
        assert wasOwned(marks, offset);
        MARKS.setRelease(marks, offset, CLEAR);
    }

    /** For the assertion of {@link #release}, apart so that release stays small enough to inline. */
    private static boolean wasOwned(byte[] marks, int offset) {
        if ((byte) MARKS.getAcquire(marks, offset) != SET) {
            throw new AssertionError("released a mark at " + offset + " that was not set");
        }
        return true;
    }

    /**
     * Marks chunks into being CACHED: k chunks of n granules from {@code offset}, before the lock
     * holder sets their S and U bits (a refill), or one chunk (k = 1) before a split sets its S bit.
     * Under the lock, outside any change of the map. Waits out stray marks on those granules.
     */
    static void markIntoBeing(ChunkMap map, int offset, int n, int k) {
        byte[] marks = map.marks();
        int end = offset + n * k;
        for (int g = offset; g < end; g += n) {
            setClear(marks, g);
        }
    }

    /** Sets the mark at g, clear before: waits while a stray holds it. */
    private static void setClear(byte[] marks, int g) {
        for (int spin = 0; !MARKS.compareAndSet(marks, g, CLEAR, SET); spin++) {
            if (spin < CLAIM_PATIENCE) {
                Thread.onSpinWait();
            } else {
                // The stray's setter was descheduled between its claim and its stable read.
                Thread.yield();
            }
        }
    }

    /**
     * CACHED or CLAIMED to FREE, the second half: clears the marks of chunks the lock holder has just
     * freed ({@link ChunkMap#free}, {@link ChunkMap#freeChunks}), whose entries or claims it held;
     * {@code offsets[from .. to)}.
     */
    static void endMarks(ChunkMap map, int[] offsets, int from, int to) {
        byte[] marks = map.marks();
        if (marks == null) {
            return;
        }
        for (int i = from; i < to; i++) {
            assert (byte) MARKS.getAcquire(marks, offsets[i]) == SET : "ended the mark at " + offsets[i] + ", which was not set";
            MARKS.setRelease(marks, offsets[i], CLEAR);
        }
    }

    /** @return whether M is set at {@code offset}: the chunk there is CACHED or CLAIMED (or a stray passes) */
    static boolean isMarked(ChunkMap map, int offset) {
        byte[] marks = map.marks();
        return marks != null && (byte) MARKS.getAcquire(marks, offset) != CLEAR;
    }

    /**
     * @return the marks of granules [64w, 64w + 64) as a bitmap word (bit i for granule 64w + i),
     *         0 if the map has none; eight of them read at once (a plain read: each mark is one byte,
     *         so a read that splits the eight still sees every mark whole), then an acquire fence
     */
    static long marksWord(ChunkMap map, int w) {
        byte[] marks = map.marks();
        if (marks == null) {
            return 0;
        }
        long word = 0;
        int base = w << 6;
        for (int i = 0; i < Long.BYTES; i++) {
            long eight = (long) EIGHT.get(marks, base + (i << 3));
            while (eight != 0) {
                int b = Long.numberOfTrailingZeros(eight) >>> 3;
                word |= 1L << ((i << 3) + b);
                eight &= ~(0xFFL << (b << 3));
            }
        }
        VarHandle.acquireFence();
        return word;
    }

    /** @return word w of the marks as a bitmap, 0 if the map has none; for tests */
    static long marksWordForTest(ChunkMap map, int w) {
        return marksWord(map, w);
    }

    /**
     * Checks, under the lock, that every mark of the map lies on a chunk start. A mark on another
     * granule can only be a stray, so it waits for it to clear, up to {@link #STRAY_PATIENCE_NANOS}
     * (spinning, then yielding, as a stray's thread may have been descheduled between its claim and
     * its release), before it calls it broken.
     *
     * @throws IllegalStateException naming the first granule marked where no chunk starts
     */
    static void verifyMarks(ChunkMap map, String where) {
        if (map.marks() == null) {
            return;
        }
        for (int w = 0; w < map.words(); w++) {
            long starts = map.startsWord(w);
            long word = marksWord(map, w);
            long deadline = 0;
            for (int spin = 0; (word & ~starts) != 0; spin++) {
                if (spin < CLAIM_PATIENCE) {
                    Thread.onSpinWait();
                } else if (deadline == 0) {
                    deadline = System.nanoTime() + STRAY_PATIENCE_NANOS;
                } else if (System.nanoTime() - deadline > 0) {
                    break;
                } else {
                    Thread.yield();
                }
                word = marksWord(map, w);
            }
            if ((word & ~starts) != 0) {
                throw new IllegalStateException(where + ": granule " + ((w << 6) + Long.numberOfTrailingZeros(word & ~starts))
                        + " is marked as a cached chunk but no chunk starts there");
            }
        }
    }
}
