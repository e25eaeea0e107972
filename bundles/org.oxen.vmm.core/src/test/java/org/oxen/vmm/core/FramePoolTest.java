package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    /**
     * 6 GiB of RAM: 0..3 GiB, the MMIO hole, 4..7 GiB. Frames above 4 GiB are handed out first,
     * allocLow only below 4 GiB, the hole's frames are never RAM, and a freed frame's page is
     * given back to the host.
     */
    @Test
    void ramAbove4GiBTheMmioHoleAndFreedPagesGiveTheirMemoryBack() {
        FramePool p = new FramePool(6L << 30);
        assertEquals((7L << 30) >>> 12, p.nrFrames(), "machine frames span the hole");
        assertEquals((6L << 30) >>> 12, p.ramFrames());
        assertEquals(p.ramFrames() - p.xenFrames(), p.poolFrames());
        assertEquals(p.poolFrames(), p.freeFrames());
        assertEquals(FramePool.HOLE_START_FRAMES - p.xenFrames(), p.freeLowFrames());
        assertTrue(p.valid(FramePool.HOLE_START_FRAMES - 1));
        assertFalse(p.valid(0xFEE00), "the local APIC's frame is MMIO");
        assertFalse(p.valid(FramePool.LOW_LIMIT_FRAMES - 1));
        assertTrue(p.valid(FramePool.LOW_LIMIT_FRAMES));
        assertEquals(Xen.DOMID_IO, p.owner(0xFEE00));
        int high = p.alloc(3);
        assertTrue(high >= FramePool.LOW_LIMIT_FRAMES, "above 4 GiB first: " + high);
        int low = p.allocLow(3);
        assertTrue(low >= p.xenFrames() && low < FramePool.HOLE_START_FRAMES, "below 4 GiB: " + low);
        int xenLow = p.allocXenLow();
        assertTrue(xenLow < FramePool.HOLE_START_FRAMES);
        long base = p.ram().committedBytes();
        p.ram().write64((long) high << 12, 0x1234);
        p.ram().write64(((long) low << 12) + 8, 0x5678);
        assertEquals(base + 2 * 4096, p.ram().committedBytes());
        assertEquals(2, p.releaseDomain(3));
        p.freeXen(xenLow);
        assertEquals(base, p.ram().committedBytes(), "freed frames hold no host memory");
        assertFalse(p.ram().isCommitted((long) high << 12));
        assertEquals(p.poolFrames(), p.freeFrames());
        // a 32-bit address limit (memory_op address_bits = 32) is served below 4 GiB
        int limited = p.allocBlock(4, 0, FramePool.LOW_LIMIT_FRAMES);
        assertTrue(limited >= 0 && limited < FramePool.HOLE_START_FRAMES, "below 4 GiB: " + limited);
        int order2 = p.allocBlock(4, 2, Long.MAX_VALUE);
        assertTrue(p.valid(order2) && p.valid(order2 + 3) && (order2 & 3) == 0);
        assertEquals(5, p.releaseDomain(4));
        assertEquals(p.poolFrames(), p.freeFrames());
    }

    @Test
    void machineMemoryBeyondTheM2pOrTheHeapIsRefusedWithTheReason() {
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class, () -> new FramePool(16L << 30));
        assertTrue(big.getMessage().contains("8 MiB .. 15 GiB"), big.getMessage());
        IllegalArgumentException heap = assertThrows(IllegalArgumentException.class,
                () -> new FramePool(8L << 30, 256L << 20));
        assertEquals("machine memory of 8192 MiB needs 76 MiB of Java heap for its frame table, more than a quarter of"
                + " this JVM's 256 MiB maximum heap: give the JVM more heap (-Xmx) or less machine memory", heap.getMessage());
    }
}
