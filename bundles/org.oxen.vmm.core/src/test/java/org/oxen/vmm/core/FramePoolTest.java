package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.core.mm.FramePool;
import org.oxen.vmm.core.mm.PageType;

class FramePoolTest {

    @Test
    void framesAreOwnedZeroedNonContiguousAndReturned() {
        FramePool p = new FramePool(16L << 20);
        assertEquals(4096, p.nrFrames());
        int start = p.freeFrames();
        assertEquals(p.poolFrames(), start);
        Set<Integer> got = new HashSet<>();
        int runs = 0, prev = -2;
        for (int i = 0; i < 200; i++) {
            int f = p.alloc(7);
            assertTrue(f >= p.xenFrames());
            assertEquals(7, p.owner(f));
            assertEquals(1, p.refCount(f));
            assertEquals(PageType.NONE, p.type(f));
            for (int o = 0; o < 4096; o += 512) assertEquals(0, p.ram().read64(((long) f << 12) + o));
            p.ram().write64((long) f << 12, -1);
            if (f == prev + 1) runs++;
            prev = f;
            got.add(f);
        }
        assertEquals(200, got.size());
        assertTrue(runs < 10, "allocation should not be contiguous: " + runs);
        assertEquals(start - 200, p.freeFrames());
        p.m2pSet(prev, 42);
        assertEquals(42, p.m2pGet(prev));
        assertEquals(200, p.releaseDomain(7));
        assertEquals(start, p.freeFrames());
        assertEquals(Xen.INVALID_M2P_ENTRY, p.m2pGet(prev));
        int last = prev;
        assertThrows(IllegalStateException.class, () -> p.free(last));
        assertThrows(IllegalStateException.class, () -> p.free(p.m2pFirstFrame()));
    }

    @Test
    void xenFramesHoldTheM2pAndTheFlatDescriptors() {
        FramePool p = new FramePool(64L << 20);
        // 16384 frames * 4 bytes = 16 pages of M2P, mapped by one read-only L1
        assertEquals(16, p.m2pFrameCount());
        long l1 = (long) p.m2pL1(0) << 12;
        assertEquals(((long) p.m2pFirstFrame() << 12) | Xen.PTE_P | Xen.PTE_A, p.ram().read64(l1));
        assertEquals(-1, p.m2pL1(1));
        long gdt = (long) p.reservedGdtFrame() << 12;
        assertEquals(0x00CFBB000000FFFFL, p.ram().read64(gdt + 0x18)); // 0xe019: ring 1 code, 4 GiB
        assertEquals(0x00CFF3000000FFFFL, p.ram().read64(gdt + 0x30)); // 0xe033: ring 3 data
        assertEquals(Xen.DOMID_XEN, p.owner(p.m2pFirstFrame()));
        assertThrows(IllegalArgumentException.class, () -> new FramePool(1L << 20));
    }
}
