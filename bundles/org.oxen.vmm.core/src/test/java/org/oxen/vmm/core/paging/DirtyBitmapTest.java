package org.oxen.vmm.core.paging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;

import org.junit.jupiter.api.Test;

class DirtyBitmapTest {

    @Test
    void peekLeavesMarksCleanClearsOnlyWhatItReturns() {
        DirtyBitmap bm = new DirtyBitmap();
        long[] pfns = {0, 1, 63, 64, 4095, DirtyBitmap.LEAF_BITS - 1, DirtyBitmap.LEAF_BITS, 100_000, DirtyBitmap.PFN_LIMIT - 1};
        for (long p : pfns) bm.mark(p);
        bm.mark(-1);                              // INVALID_M2P_ENTRY as a pfn: ignored
        bm.mark(DirtyBitmap.PFN_LIMIT);           // not a valid M2P entry: ignored
        bm.mark(63);                              // twice: one mark
        assertEquals(pfns.length, bm.count());
        BitSet want = new BitSet();
        for (long p : pfns) if (p < 200_000) want.set((int) p);
        assertEquals(want, BitSet.valueOf(bm.read(200_000, false)));
        assertEquals(want, BitSet.valueOf(bm.read(200_000, false)), "peek leaves the marks");
        assertEquals(BitSet.valueOf(new long[] {1L << 0 | 1L << 1 | 1L << 63}), BitSet.valueOf(bm.read(64, true)),
                "clean of 64 pages returns pfns 0..63");
        assertFalse(bm.isDirty(0));
        assertTrue(bm.isDirty(64), "beyond the pages cleaned: kept");
        assertTrue(bm.isDirty(DirtyBitmap.PFN_LIMIT - 1));
        assertEquals(6, bm.count());
        assertArrayEquals(new long[0], bm.read(0, true));
        assertThrows(IllegalArgumentException.class, () -> bm.read(-1, false));
        bm.read(200_000, true);
        assertEquals(1, bm.count(), "a clean of 200,000 pages leaves only the mark beyond them");
    }

    @Test
    void concurrentMarksAreNotLost() throws InterruptedException {
        DirtyBitmap bm = new DirtyBitmap();
        Thread[] ts = new Thread[4];
        for (int t = 0; t < ts.length; t++) {
            int id = t;
            ts[t] = new Thread(() -> {
                for (int p = id; p < 200_000; p += ts.length) bm.mark(p);
            });
            ts[t].start();
        }
        for (Thread t : ts) t.join();
        assertEquals(200_000, bm.count());
    }
}
