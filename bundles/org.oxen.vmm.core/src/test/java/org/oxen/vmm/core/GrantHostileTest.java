package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.vmm.abi.GrantTable.*;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.abi.Errno;
import org.oxen.vmm.abi.Hypercall;
import org.oxen.vmm.abi.Memory;
import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainState;
import org.oxen.vmm.api.backend.GrantException;
import org.oxen.vmm.api.backend.GrantMapping;
import org.oxen.vmm.api.backend.GrantTables;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.guest.GuestMemory;
import org.oxen.vmm.core.mm.FramePool;
import org.oxen.x86.api.Ram;
import org.oxen.x86.cpu.X86Cpu;

/**
 * Hostile grant-table use, through the real hypercall table on the vcpus of two paused domains
 * (the granter V and a PV grantee P) and through Domain-0's {@link GrantTables}: every refusal
 * has Xen's GNTST_ status, a mapped frame cannot be ballooned out, re-typed or freed (not even
 * by destroying its domain), a revoked grant stays mapped until unmapped, a guest that drops a
 * grant PTE behind the grant code's back is crashed as Xen does, and all the while a third
 * domain runs to RESULT: PASS, no hypervisor error is counted, and every frame comes back.
 */
class GrantHostileTest {

    Vmm vmm;
    DomainImpl granter;
    DomainImpl grantee;
    DomainImpl neighbour;
    GrantTables dom0;
    GuestMemory g;
    FramePool pool;
    Ram ram;
    long freeAtStart;
    /** V's grant table frame, and a frame of V's (outside its boot region) that it grants. */
    int gtFrame;
    int page;
    int page2;

    @BeforeEach
    void setUp() throws Exception {
        vmm = new Vmm(64L << 20, 1);
        freeAtStart = vmm.freeFrames();
        neighbour = (DomainImpl) vmm.create(DomainConfig.builder("neighbour")
                .kernel(GuestImages.load(GuestImages.Flavor.PV, "cpubench")).memoryMiB(8)
                .cmdline("loop=300000 mix=3").build());
        granter = paused("granter");
        grantee = paused("grantee");
        dom0 = vmm.grantTables();
        g = vmm.guest();
        pool = vmm.pool();
        ram = pool.ram();
        gtFrame = setupTable(granter);
        page = granter.memory().p2m(1500);
        page2 = granter.memory().p2m(1501);
        for (int i = 0; i < 4096; i += 4) ram.write32(((long) page << 12) + i, 0x600d0000 | i);
    }

    @AfterEach
    void tearDown() {
        vmm.shutdown();
    }

    DomainImpl paused(String name) throws Exception {
        return (DomainImpl) vmm.create(DomainConfig.builder(name).kernel(GuestImages.load(GuestImages.Flavor.PV, "hello"))
                .memoryMiB(8).cmdline("expect_mem_mib=8").startPaused(true).build());
    }

    static int scratch(DomainImpl d) {
        return (d.vcpu(0).cpu().gpr(X86Cpu.ESP) + 0x10000) & ~0xFFF;
    }

    static int cr3(DomainImpl d) {
        return d.vcpu(0).cpu().cr(3);
    }

    long call(DomainImpl d, int nr, int... a) {
        return VictimHypercalls.call(vmm, d.vcpu(0), nr, a);
    }

    int setupTable(DomainImpl d) {
        int s = scratch(d);
        g.write16(cr3(d), s + SETUP_DOM, Xen.DOMID_SELF);
        g.write32(cr3(d), s + SETUP_NR_FRAMES, 1);
        g.write32(cr3(d), s + SETUP_FRAME_LIST, s + 64);
        assertEquals(0, call(d, Hypercall.GRANT_TABLE_OP, OP_SETUP_TABLE, s, 1));
        assertEquals(GNTST_OKAY, (short) g.read16(cr3(d), s + SETUP_STATUS));
        return g.read32(cr3(d), s + 64);
    }

    /** V writes grant entry {@code ref} as a guest does: domid, frame, then flags. */
    void grant(int ref, int domid, int frame, int flags) {
        long e = ((long) gtFrame << 12) + ref * 8L;
        ram.write16(e + 2, domid);
        ram.write32(e + 4, frame);
        ram.write16(e, flags);
    }

    int flags(int ref) {
        return ram.read16(((long) gtFrame << 12) + ref * 8L);
    }

    /** P's GNTTABOP_map_grant_ref of V's {@code ref}; returns {status, handle}. */
    int[] pvMap(int ref, int flags, int hostAddr) {
        int s = scratch(grantee) + 0x100;
        int c = cr3(grantee);
        g.write64(c, s + MAP_HOST_ADDR, hostAddr & 0xFFFFFFFFL);
        g.write32(c, s + MAP_FLAGS, flags);
        g.write32(c, s + MAP_REF, ref);
        g.write16(c, s + MAP_DOM, granter.id());
        g.write32(c, s + MAP_HANDLE, 0xdead);
        assertEquals(0, call(grantee, Hypercall.GRANT_TABLE_OP, OP_MAP_GRANT_REF, s, 1));
        return new int[] {(short) g.read16(c, s + MAP_STATUS), g.read32(c, s + MAP_HANDLE)};
    }

    int pvUnmap(int hostAddr, int handle) {
        int s = scratch(grantee) + 0x200;
        int c = cr3(grantee);
        g.write64(c, s + UNMAP_HOST_ADDR, hostAddr & 0xFFFFFFFFL);
        g.write64(c, s + UNMAP_DEV_BUS_ADDR, 0);
        g.write32(c, s + UNMAP_HANDLE, handle);
        assertEquals(0, call(grantee, Hypercall.GRANT_TABLE_OP, OP_UNMAP_GRANT_REF, s, 1));
        return (short) g.read16(c, s + UNMAP_STATUS);
    }

    int pvCopyFromGrant(int ref, int offset, int len) {
        int s = scratch(grantee) + 0x300;
        int c = cr3(grantee);
        int dst = grantee.memory().p2m(1500);
        g.write32(c, s + COPY_SOURCE, ref);
        g.write16(c, s + COPY_SOURCE + COPY_PTR_DOMID, granter.id());
        g.write16(c, s + COPY_SOURCE + COPY_PTR_OFFSET, offset);
        g.write32(c, s + COPY_DEST, dst);
        g.write16(c, s + COPY_DEST + COPY_PTR_DOMID, Xen.DOMID_SELF);
        g.write16(c, s + COPY_DEST + COPY_PTR_OFFSET, 0);
        g.write16(c, s + COPY_LEN, len);
        g.write16(c, s + COPY_FLAGS, GNTCOPY_SOURCE_GREF);
        assertEquals(0, call(grantee, Hypercall.GRANT_TABLE_OP, OP_COPY, s, 1));
        return (short) g.read16(c, s + COPY_STATUS);
    }

    /** V's decrease_reservation of one frame: extents done (0 or 1). */
    long balloonOut(int mfn) {
        int s = scratch(granter) + 0x400;
        int c = cr3(granter);
        g.write32(c, s + 64, mfn);
        g.write32(c, s + Memory.RESERVATION_EXTENT_START, s + 64);
        g.write32(c, s + Memory.RESERVATION_NR_EXTENTS, 1);
        g.write32(c, s + Memory.RESERVATION_EXTENT_ORDER, 0);
        g.write32(c, s + Memory.RESERVATION_MEM_FLAGS, 0);
        g.write16(c, s + Memory.RESERVATION_DOMID, Xen.DOMID_SELF);
        return call(granter, Hypercall.MEMORY_OP, Memory.XENMEM_DECREASE_RESERVATION, s);
    }

    static int status(Action a) {
        return assertThrows(GrantException.class, a::run).status();
    }

    interface Action {
        void run() throws Exception;
    }

    void neighbourPassesAndNothingBroke() throws InterruptedException {
        assertTrue(neighbour.awaitShutdown(120, TimeUnit.SECONDS), neighbour.consoleOutput());
        assertTrue(neighbour.consoleOutput().contains("RESULT: PASS"), neighbour.consoleOutput());
        assertEquals(0, vmm.internalErrors(), String.join("\n", vmm.dmesg()));
    }

    void destroyAllAndCountFrames() {
        for (var d : vmm.list()) vmm.destroy(d.id());
        assertEquals(0, vmm.dom0GrantMappings());
        assertEquals(freeAtStart, vmm.freeFrames(), "every frame back in the pool");
        assertEquals(0, vmm.grants().tableCount(), "no grant table left");
    }

    @Test
    void badRefsWrongGranteesReadOnlyGrantsAndBadCopies() throws Exception {
        int win = scratch(grantee) + 0x4000;
        assertEquals(GNTST_BAD_GNTREF, status(() -> dom0.map(granter.id(), 600, true)), "ref beyond the table");
        assertEquals(GNTST_BAD_GNTREF, pvMap(600, GNTMAP_HOST_MAP, win)[0]);
        assertEquals(GNTST_BAD_GNTREF, pvCopyFromGrant(600, 0, 8));

        grant(8, grantee.id(), page, GTF_PERMIT_ACCESS);
        grant(9, 0, page, GTF_PERMIT_ACCESS);
        assertEquals(GNTST_GENERAL_ERROR, status(() -> dom0.map(granter.id(), 8, true)), "a grant to another domain");
        assertEquals(GNTST_GENERAL_ERROR, status(() -> dom0.copyFrom(granter.id(), 8, 0, new byte[8], 0, 8)));
        assertEquals(GNTST_GENERAL_ERROR, pvMap(9, GNTMAP_HOST_MAP, win)[0], "a grant to Domain-0 mapped by P");
        assertEquals(GNTST_GENERAL_ERROR, pvCopyFromGrant(9, 0, 8));
        assertEquals(GTF_PERMIT_ACCESS, flags(8), "refusals leave no reading/writing flags");
        assertEquals(GTF_PERMIT_ACCESS, flags(9));

        grant(10, grantee.id(), page, GTF_PERMIT_ACCESS | GTF_READONLY);
        grant(11, 0, page, GTF_PERMIT_ACCESS | GTF_READONLY);
        assertEquals(GNTST_GENERAL_ERROR, pvMap(10, GNTMAP_HOST_MAP, win)[0], "read-only grant mapped writable");
        assertEquals(GNTST_GENERAL_ERROR, status(() -> dom0.map(granter.id(), 11, false)));
        assertEquals(GNTST_GENERAL_ERROR, status(() -> dom0.copyTo(granter.id(), 11, 0, new byte[8], 0, 8)));
        assertEquals(GTF_PERMIT_ACCESS | GTF_READONLY, flags(10));
        int[] ro = pvMap(10, GNTMAP_HOST_MAP | GNTMAP_READONLY, win);
        assertEquals(GNTST_OKAY, ro[0], "read-only map of a read-only grant");
        assertEquals(0x600d0000 | 8, g.read32(cr3(grantee), win + 8), "P reads V's frame through the grant PTE");
        assertThrows(org.oxen.vmm.core.guest.GuestFault.class, () -> g.write32(cr3(grantee), win, 1), "read-only PTE");
        assertEquals(GNTST_OKAY, pvUnmap(win, ro[1]));

        // copies crossing the page, from either side
        assertEquals(GNTST_BAD_COPY_ARG, pvCopyFromGrant(8, 4000, 200));
        assertEquals(GNTST_BAD_COPY_ARG, pvCopyFromGrant(8, 0, 4097));
        assertEquals(GNTST_BAD_COPY_ARG, pvCopyFromGrant(8, 0xFFFF, 1));
        assertEquals(GNTST_OKAY, pvCopyFromGrant(8, 96, 4000));
        assertEquals(GNTST_BAD_COPY_ARG, status(() -> dom0.copyFrom(granter.id(), 9, 4095, new byte[2], 0, 2)));
        assertEquals(GNTST_BAD_COPY_ARG, status(() -> dom0.copyTo(granter.id(), 9, 1, new byte[4096], 0, 4096)));
        assertEquals(GNTST_BAD_COPY_ARG, status(() -> dom0.copyFrom(granter.id(), 9, -1, new byte[2], 0, 2)));
        assertEquals(GNTST_BAD_COPY_ARG, status(() -> dom0.copyFrom(granter.id(), 9, Integer.MAX_VALUE, new byte[2], 0, 2)),
                "an offset whose end overflows an int");
        assertThrows(IndexOutOfBoundsException.class, () -> dom0.copyFrom(granter.id(), 9, 0, new byte[2], 1, 2));
        assertEquals(GTF_PERMIT_ACCESS, flags(8), "copies leave no flags");
        assertEquals(GTF_PERMIT_ACCESS, flags(9));

        neighbourPassesAndNothingBroke();
        destroyAllAndCountFrames();
    }

    @Test
    void unmapTwiceBadHandlesAndNoRevocationWhileMapped() throws Exception {
        int win = scratch(grantee) + 0x4000;
        grant(8, grantee.id(), page, GTF_PERMIT_ACCESS);
        grant(9, 0, page2, GTF_PERMIT_ACCESS);
        int[] m = pvMap(8, GNTMAP_HOST_MAP, win);
        assertEquals(GNTST_OKAY, m[0]);
        GrantMapping d0 = dom0.map(granter.id(), 9, false);
        assertEquals(GTF_PERMIT_ACCESS | GTF_READING | GTF_WRITING, flags(8));
        assertEquals(GTF_PERMIT_ACCESS | GTF_READING | GTF_WRITING, flags(9));

        // the granter revokes both while they are mapped: nothing changes until the unmaps
        grant(8, grantee.id(), page, 0);
        grant(9, 0, page2, 0);
        g.write32(cr3(grantee), win + 4, 0x12345678);
        assertEquals(0x12345678, ram.read32(((long) page << 12) + 4), "P still writes V's frame");
        d0.page().putInt(8, 0x0d0d0d0d);
        assertEquals(0x0d0d0d0d, ram.read32(((long) page2 << 12) + 8), "Domain-0 still writes V's frame");
        assertEquals(0, balloonOut(page), "a mapped frame cannot be ballooned out");
        assertEquals(0, balloonOut(page2), "a frame Domain-0 maps cannot be ballooned out");
        assertEquals(page, granter.memory().p2m(1500), "still V's");

        // a frame mapped writable through a grant cannot become a page table
        int s = scratch(granter) + 0x500;
        g.write32(cr3(granter), s, Xen.MMUEXT_PIN_L1_TABLE);
        g.write32(cr3(granter), s + 4, page);
        assertEquals(-Errno.EINVAL, call(granter, Hypercall.MMUEXT_OP, s, 1, 0, Xen.DOMID_SELF));

        assertEquals(GNTST_OKAY, pvUnmap(win, m[1]));
        assertEquals(GNTST_BAD_HANDLE, pvUnmap(win, m[1]), "unmapping twice");
        assertEquals(GNTST_BAD_HANDLE, pvUnmap(win, 77), "a handle never given");
        assertEquals(GNTST_BAD_HANDLE, pvUnmap(win, -1));
        d0.unmap();
        assertEquals(GNTST_BAD_HANDLE, status(d0::unmap), "Domain-0 unmapping twice");
        assertEquals(0, flags(8), "the revoked entries end with no flags at all");
        assertEquals(0, flags(9));
        assertEquals(GNTST_GENERAL_ERROR, pvMap(8, GNTMAP_HOST_MAP, win)[0], "revoked: no new mapping");
        assertEquals(GNTST_GENERAL_ERROR, status(() -> dom0.map(granter.id(), 9, true)));
        assertEquals(1, balloonOut(page), "unmapped, the frame can go");

        neighbourPassesAndNothingBroke();
        destroyAllAndCountFrames();
    }

    @Test
    void aDestroyedGrantersMappedFramesLiveUntilUnmapped() throws Exception {
        int win = scratch(grantee) + 0x4000;
        grant(8, grantee.id(), page, GTF_PERMIT_ACCESS);
        grant(9, 0, page2, GTF_PERMIT_ACCESS | GTF_READONLY);
        ram.write32(((long) page2 << 12) + 12, 0x5eed);
        int[] m = pvMap(8, GNTMAP_HOST_MAP, win);
        assertEquals(GNTST_OKAY, m[0]);
        GrantMapping d0 = dom0.map(granter.id(), 9, true);
        long free = vmm.freeFrames();
        int granterFrames = (int) granter.memoryPages() + 3; // + shared_info, grant frame, per-domain L1
        vmm.destroy(granter.id());
        assertEquals(free + granterFrames - 2, vmm.freeFrames(), "the two mapped frames stay out of the pool");
        assertEquals(0x600d0000 | 16, g.read32(cr3(grantee), win + 16), "P's mapping still reads the frame");
        assertEquals(0x5eed, d0.page().getInt(12), "Domain-0's too");

        assertEquals(GNTST_BAD_DOMAIN, status(() -> dom0.map(granter.id(), 9, true)), "a grant of a destroyed domain");
        assertEquals(GNTST_BAD_DOMAIN, status(() -> dom0.copyFrom(granter.id(), 9, 0, new byte[4], 0, 4)));
        assertEquals(GNTST_BAD_DOMAIN, pvMap(8, GNTMAP_HOST_MAP, win + 0x1000)[0]);
        assertEquals(GNTST_BAD_DOMAIN, pvCopyFromGrant(8, 0, 8));

        assertEquals(GNTST_OKAY, pvUnmap(win, m[1]), "unmapping a destroyed domain's grant works");
        assertEquals(free + granterFrames - 1, vmm.freeFrames(), "its frame went back at the unmap");
        d0.close();
        assertThrows(IllegalStateException.class, () -> d0.page());
        assertEquals(free + granterFrames, vmm.freeFrames(), "and the last one");
        assertEquals(GNTST_BAD_HANDLE, pvUnmap(win, m[1]));

        neighbourPassesAndNothingBroke();
        destroyAllAndCountFrames();
    }

    @Test
    void aDestroyedGranteesMappingsAreReleased() throws Exception {
        int win = scratch(grantee) + 0x4000;
        grant(8, grantee.id(), page, GTF_PERMIT_ACCESS);
        assertEquals(GNTST_OKAY, pvMap(8, GNTMAP_HOST_MAP, win)[0]);
        assertEquals(GNTST_OKAY, pvMap(8, GNTMAP_HOST_MAP | GNTMAP_READONLY, win + 0x1000)[0]);
        assertEquals(GTF_PERMIT_ACCESS | GTF_READING | GTF_WRITING, flags(8));
        vmm.destroy(grantee.id());
        assertEquals(GTF_PERMIT_ACCESS, flags(8), "the grantee's pins went with it");
        assertEquals(1, balloonOut(page), "and so did its references");
        neighbourPassesAndNothingBroke();
        destroyAllAndCountFrames();
    }

    @Test
    void transferIntoAnEntryNamingAFrameBeyondAnyP2m() throws Exception {
        // V accepts a transfer from P into a pseudo-physical frame 0xFFFFFFFF (a hostile entry)
        grant(20, grantee.id(), 0xFFFFFFFF, GTF_ACCEPT_TRANSFER);
        int gift = grantee.memory().p2m(1600);
        assertTrue(gift > 0);
        int s = scratch(grantee) + 0x600;
        int c = cr3(grantee);
        g.write32(c, s + TRANSFER_MFN, gift);
        g.write16(c, s + TRANSFER_DOMID, granter.id());
        g.write32(c, s + TRANSFER_REF, 20);
        assertEquals(0, call(grantee, Hypercall.GRANT_TABLE_OP, OP_TRANSFER, s, 1));
        assertEquals(GNTST_GENERAL_ERROR, (short) g.read16(c, s + TRANSFER_STATUS), "V is at its maximum");
        assertEquals(FramePool.OWNER_FREE, pool.owner(gift), "the stolen frame was freed, as Xen frees it");
        assertEquals(1, balloonOut(page), "V makes room for one frame");
        gift = grantee.memory().p2m(1602);
        g.write32(c, s + TRANSFER_MFN, gift);
        long pagesBefore = granter.memoryPages();
        assertEquals(0, call(grantee, Hypercall.GRANT_TABLE_OP, OP_TRANSFER, s, 1));
        assertEquals(GNTST_OKAY, (short) g.read16(c, s + TRANSFER_STATUS));
        assertEquals(granter.id(), pool.owner(gift), "the frame is V's now");
        assertEquals(pagesBefore + 1, granter.memoryPages());
        assertEquals(gift, ram.read32(((long) gtFrame << 12) + 20 * 8L + 4), "the entry names the frame");
        assertEquals(GTF_ACCEPT_TRANSFER | GTF_TRANSFER_COMMITTED | GTF_TRANSFER_COMPLETED, flags(20));
        // a second transfer into the completed entry fails; the frame is lost to P, as in Xen
        g.write32(c, s + TRANSFER_MFN, grantee.memory().p2m(1601));
        long free = vmm.freeFrames();
        assertEquals(0, call(grantee, Hypercall.GRANT_TABLE_OP, OP_TRANSFER, s, 1));
        assertEquals(GNTST_GENERAL_ERROR, (short) g.read16(c, s + TRANSFER_STATUS));
        assertEquals(free + 1, vmm.freeFrames(), "freed, not leaked");
        assertEquals(-1, grantee.memory().p2m(1601), "and gone from P's P2M");
        neighbourPassesAndNothingBroke();
        destroyAllAndCountFrames();
    }

    @Test
    void aGuestDroppingAGrantPteBehindTheGrantCodeIsCrashed() throws Exception {
        int win = scratch(grantee) + 0x4000;
        grant(8, grantee.id(), page, GTF_PERMIT_ACCESS);
        int[] m = pvMap(8, GNTMAP_HOST_MAP, win);
        assertEquals(GNTST_OKAY, m[0]);
        // P overwrites its grant PTE with update_va_mapping (put_page_from_l1e: "implicitly unmap")
        assertEquals(0, call(grantee, Hypercall.UPDATE_VA_MAPPING, win, 0, 0, Xen.UVMF_INVLPG));
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (grantee.state() != DomainState.CRASHED) {
            assertTrue(System.nanoTime() < end, "grantee not crashed: " + grantee.state());
            Thread.sleep(5);
        }
        assertTrue(String.join("\n", vmm.dmesg()).contains("implicitly unmap a granted PTE"));
        assertEquals(GTF_PERMIT_ACCESS | GTF_READING | GTF_WRITING, flags(8), "the grant keeps its pin");
        assertEquals(0, balloonOut(page), "and its references");
        vmm.destroy(grantee.id());
        assertEquals(GTF_PERMIT_ACCESS, flags(8));
        assertEquals(1, balloonOut(page));
        assertFalse(granter.isDying());
        neighbourPassesAndNothingBroke();
        destroyAllAndCountFrames();
    }

    /** Two of P's pages, and the machine addresses of the L1 entries that map them (after {@link #mapAtXAndY}). */
    int x, y;
    long px, py;

    /**
     * P maps V's ref {@code refX} at x and {@code refY} at y (V grants 8 of {@code page} to P);
     * returns x's map result {status, handle}.
     */
    int[] mapAtXAndY(int refX, int refY) {
        grant(8, grantee.id(), page, GTF_PERMIT_ACCESS);
        x = scratch(grantee) + 0x4000;
        y = scratch(grantee) + 0x5000;
        int[] a = pvMap(refX, GNTMAP_HOST_MAP, x);
        assertEquals(GNTST_OKAY, a[0]);
        assertEquals(GNTST_OKAY, pvMap(refY, GNTMAP_HOST_MAP, y)[0]);
        px = l1EntryOf(grantee, x);
        py = l1EntryOf(grantee, y);
        return a;
    }

    /** The machine address of the L1 entry that maps {@code va} in {@code d}'s address space (PAE). */
    long l1EntryOf(DomainImpl d, int va) {
        long l3e = ram.read64((cr3(d) & 0xFFFFFFE0L) + ((va >>> 30) << 3));
        long l2e = ram.read64((l3e & Xen.PTE_ADDR_MASK) + (((va >>> 21) & 511) << 3));
        return (l2e & Xen.PTE_ADDR_MASK) + (((va >>> 12) & 511) << 3);
    }

    /**
     * Found by {@code fuzz -p 2} (seed 3003 crashed: "implicit unmap of a granted PTE"):
     * GNTTABOP_unmap_and_replace whose new_addr holds another grant's PTE moves that PTE to
     * host_addr, and the grant-PTE mark with it, but that grant's maptrack entry still named the
     * old entry; destroying the domain then unmarked the old entry and left host_addr's marked, so
     * the next domain to own that L1 frame was crashed the first time it rewrote that entry. The
     * moved grant's maptrack follows its PTE now: after P's destruction no entry stays marked.
     */
    @Test
    void aGrantPteMovedByUnmapAndReplaceIsNotLeftMarkedAfterItsDomain() throws Exception {
        grant(9, grantee.id(), page2, GTF_PERMIT_ACCESS);
        int[] a = mapAtXAndY(8, 9);
        var pt = vmm.pageTables();
        assertTrue(pt.isGrantPte(px) && pt.isGrantPte(py));

        // unmap grant 8 at x, putting y's entry (grant 9's) there: y is empty, x maps grant 9
        int s = scratch(grantee) + 0x200, c = cr3(grantee);
        g.write64(c, s + UNMAP_REPLACE_HOST_ADDR, x & 0xFFFFFFFFL);
        g.write64(c, s + UNMAP_REPLACE_NEW_ADDR, y & 0xFFFFFFFFL);
        g.write32(c, s + UNMAP_REPLACE_HANDLE, a[1]);
        assertEquals(0, call(grantee, Hypercall.GRANT_TABLE_OP, OP_UNMAP_AND_REPLACE, s, 1));
        assertEquals(GNTST_OKAY, (short) g.read16(c, s + UNMAP_REPLACE_STATUS));
        assertEquals((long) page2, (ram.read64(px) & Xen.PTE_ADDR_MASK) >>> 12, "x maps grant 9's frame");
        assertEquals(0, ram.read64(py));
        assertTrue(pt.isGrantPte(px) && !pt.isGrantPte(py), "the mark moved with the PTE");

        vmm.destroy(grantee.id());
        assertFalse(pt.isGrantPte(px), "the destroyed grantee's grant PTE is still marked: the frame's next owner "
                + "is crashed when it rewrites that entry");
        assertFalse(pt.isGrantPte(py));
        neighbourPassesAndNothingBroke();
        destroyAllAndCountFrames();
    }

    /**
     * A grant mapped twice (x and y) and unmapped through y with x's handle, as Xen allows (the
     * entry only has to map the grant's frame): y's mapping is gone from the maptrack with x's
     * entry still a grant PTE that no maptrack entry names. Destroying P must not leave it
     * marked for the L1 frame's next owner.
     */
    @Test
    void aGrantPteNoMaptrackEntryNamesIsNotLeftMarkedAfterItsDomain() throws Exception {
        int[] a = mapAtXAndY(8, 8);
        assertEquals(GNTST_OKAY, pvUnmap(y, a[1]), "y maps the grant's frame: x's handle unmaps it");
        var pt = vmm.pageTables();
        assertTrue(pt.isGrantPte(px) && !pt.isGrantPte(py));

        vmm.destroy(grantee.id());
        assertFalse(pt.isGrantPte(px), "the destroyed grantee's grant PTE is still marked: the frame's next owner "
                + "is crashed when it rewrites that entry");
        neighbourPassesAndNothingBroke();
        destroyAllAndCountFrames();
    }
}
