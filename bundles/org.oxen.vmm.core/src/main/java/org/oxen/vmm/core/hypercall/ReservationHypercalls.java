package org.oxen.vmm.core.hypercall;

import org.oxen.vmm.abi.Memory;
import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.guest.GuestFault;
import org.oxen.vmm.core.guest.GuestMemory;
import org.oxen.vmm.core.mm.DomainMemory;
import org.oxen.vmm.core.mm.FramePool;

/**
 * memory_op's reservation changes, the hypervisor half of ballooning (xen/common/memory.c:
 * increase_reservation, decrease_reservation, populate_physmap, with the compat layer's 32-bit
 * xen_memory_reservation). The result is the number of extents done, as in Xen: a bad
 * reservation (unreadable, too many extents, an extent order above 9, address bits of a page or
 * less, a domain other than the caller) gives back the start extent; an extent that cannot be
 * done (no frame, over the domain's maximum, a frame that may not be given back, an unreadable or
 * unwritable list entry) stops the loop there. Long requests continue themselves every
 * millisecond with the next extent in the command's upper bits (MEMOP_EXTENT_SHIFT).
 *
 * <ul>
 * <li>increase_reservation: {@code 1 << order} contiguous, size-aligned frames below
 * {@code 2^address_bits} per extent; their first MFN written into the list (a PV guest sets the
 * M2P itself with MMU_MACHPHYS_UPDATE).</li>
 * <li>populate_physmap: the same frames for the GPFNs the list names: M2P and the hypervisor's
 * P2M set, the MFN written back into the list (PV, not translated).</li>
 * <li>decrease_reservation: the list names the guest's MFNs (PV: GMFN = MFN). oxen gives a
 * frame back only if nothing but the allocation holds it: no mapping anywhere (the guest's own,
 * another domain's, a grant), no type (page table, descriptor page, shared_info's permanent
 * writable reference); it then returns to the pool at once, M2P and P2M cleared. Xen instead
 * drops the allocation reference of a still-referenced page and frees it when the last mapping
 * goes (and unpins a pinned table first); oxen refuses, so a frame never outlives its owner's
 * reservation and the pool's count is exact at every moment.</li>
 * </ul>
 *
 * <p>An HVM (translated) domain speaks guest frame numbers (Xen's paging_mode_translate paths):
 * increase_reservation gives it frames it cannot see and writes nothing into the list;
 * populate_physmap puts new frames at the GFNs the list names (below the guest-physical limit,
 * each GFN empty: Xen would orphan a frame already there until the domain dies, oxen refuses the
 * extent so every frame the domain holds stays in its physmap) and writes nothing back;
 * decrease_reservation takes the GFNs out of the physmap (guest_remove_page) and frees their
 * frames under the same rule as PV's (only a frame nothing else holds: a grant mapping or
 * Domain-0's foreign map keeps it, the extent stops there); a special page there (shared_info,
 * a grant frame, libxc's pages) is only unhooked, as Xen leaves a xenheap page allocated. The
 * P2M gains holes (reads of all ones, writes dropped) and every vcpu flushes its TLB before it
 * runs guest code again (the caller at once), since an HVM TLB caches guest-physical to machine.
 *
 * <p>Locking: each extent under the {@link FramePool} monitor (the mm lock); guest-memory
 * accesses translate under the same lock.
 */
final class ReservationHypercalls {

    private final Services s;

    ReservationHypercalls(Services s) {
        this.s = s;
    }

    long reservationOp(VcpuImpl v, int cmdArg, int arg, int a3, int a4, boolean mc) {
        int cmd = cmdArg & Memory.MEMOP_CMD_MASK;
        int start = cmdArg >>> Memory.MEMOP_EXTENT_SHIFT;
        GuestMemory g = s.guest();
        int cr3 = Args.cr3(v);
        int list;
        long nr;
        int order;
        int flags;
        int domid;
        try {
            list = g.read32(cr3, arg + Memory.RESERVATION_EXTENT_START);
            nr = g.read32(cr3, arg + Memory.RESERVATION_NR_EXTENTS) & 0xFFFFFFFFL;
            order = g.read32(cr3, arg + Memory.RESERVATION_EXTENT_ORDER);
            flags = g.read32(cr3, arg + Memory.RESERVATION_MEM_FLAGS);
            domid = g.read16(cr3, arg + Memory.RESERVATION_DOMID);
        } catch (GuestFault f) {
            return start;
        }
        if (nr > (0xFFFFFFFFL >>> Memory.MEMOP_EXTENT_SHIFT) || start >= nr) return start;
        if (list != 0 && !Args.arrayOk(list, nr, 4)) return start;
        if (Integer.compareUnsigned(order, Memory.MAX_UNPRIVILEGED_ORDER) > 0) return start;
        FramePool pool = s.pool();
        int addressBits = flags & 0xFF;
        long limit = Long.MAX_VALUE;
        int ramBits = 64 - Long.numberOfLeadingZeros(pool.nrFrames() - 1L) + 12;
        if (addressBits != 0 && addressBits < ramBits) {
            if (addressBits <= 12) return start;
            limit = 1L << (addressBits - 12);
        }
        long[] err = new long[1];
        DomainImpl d = Args.self(s, v, domid, err);
        if (d == null) return start; // XSM refuses another domain: nothing done
        boolean translated = HvmHypercalls.isHvm(d);
        Args.enter(v, mc);
        boolean[] changed = new boolean[1]; // an HVM physmap lost or gained a frame: the vcpus flush
        try {
            for (int i = start; i < nr; i++) {
                if (i > start && Args.preempt(v)) {
                    // memory_op has two arguments: only EBX and ECX are rewritten
                    return Args.continuation(v, mc, org.oxen.vmm.abi.Hypercall.MEMORY_OP, 2,
                            cmd | i << Memory.MEMOP_EXTENT_SHIFT, arg, a3, a4);
                }
                int slot = list + i * 4;
                boolean ok;
                try {
                    switch (cmd) {
                        case Memory.XENMEM_INCREASE_RESERVATION:
                            ok = increase(v, d, order, limit, list == 0 || translated ? 0 : slot, -1);
                            break;
                        case Memory.XENMEM_POPULATE_PHYSMAP:
                            if (list == 0) return i;
                            ok = translated ? populateGfns(d, order, limit, g.read32(cr3, slot) & 0xFFFFFFFFL, changed)
                                    : increase(v, d, order, limit, slot, g.read32(cr3, slot));
                            break;
                        default:
                            if (list == 0) return i;
                            long gmfn = g.read32(cr3, slot) & 0xFFFFFFFFL;
                            ok = translated ? removeGfns(d, gmfn, order, changed) : decrease(d, gmfn, order);
                            break;
                    }
                } catch (GuestFault f) {
                    ok = false;
                }
                if (!ok) return i;
            }
            return nr;
        } finally {
            if (changed[0]) d.flushGuestPhysical(v);
        }
    }

    /**
     * One extent of populate_physmap for an HVM domain: new frames at GFNs {@code gfn ..
     * gfn + 2^order - 1}, all below the guest-physical limit and all empty, the frames below
     * {@code limit}; nothing is written back (a translated guest never learns an MFN).
     */
    private boolean populateGfns(DomainImpl d, int order, long limit, long gfn, boolean[] changed) {
        FramePool pool = s.pool();
        DomainMemory dm = d.memory();
        int n = 1 << order;
        if (gfn + n > HvmHypercalls.GPFN_LIMIT) return false; // p2m_set_entry: beyond the physical space
        synchronized (pool) {
            for (int j = 0; j < n; j++) {
                if (dm.p2m((int) gfn + j) >= 0) return false; // occupied: oxen does not orphan the frame there
            }
            if ((long) dm.totPages() + n > d.maxMemoryKiB() / 4) return false; // assign_pages: over max_pages
            int mfn = pool.allocBlock(d.id(), order, limit);
            if (mfn < 0) return false;
            dm.adjustTotPages(n);
            for (int j = 0; j < n; j++) dm.hvmPhysmapSet(pool, (int) gfn + j, mfn + j);
            changed[0] = true;
        }
        return true;
    }

    /**
     * One extent of decrease_reservation for an HVM domain: GFNs {@code gfn .. gfn + 2^order - 1}
     * leave the physmap in order (guest_remove_page each), RAM frames back to the pool, special
     * pages only unhooked; stops (false) at a GFN with no frame or whose frame something else holds.
     */
    private boolean removeGfns(DomainImpl d, long gfn, int order, boolean[] changed) {
        FramePool pool = s.pool();
        DomainMemory dm = d.memory();
        for (int j = 0; j < 1 << order; j++) {
            long g = gfn + j;
            if (g >= HvmHypercalls.GPFN_LIMIT) return false;
            synchronized (pool) {
                int mfn = dm.p2m((int) g);
                if (mfn < 0) return false; // guest_remove_page: no valid frame there, -EINVAL
                if (HvmHypercalls.isSpecial(s, d, mfn)) {
                    dm.hvmPhysmapSet(pool, (int) g, -1);
                } else {
                    if (pool.owner(mfn) != d.id() || pool.refCount(mfn) != 1 || pool.typeCount(mfn) != 0) return false;
                    dm.hvmPhysmapSet(pool, (int) g, -1);
                    dm.flushBeforeRelease(); // no vcpu reaches the frame by a stale TLB entry once another owner has it
                    pool.free(mfn);
                    dm.adjustTotPages(-1);
                }
                changed[0] = true;
            }
        }
        return true;
    }


    /** One extent of increase_reservation ({@code gpfn} < 0) or populate_physmap. */
    private boolean increase(VcpuImpl v, DomainImpl d, int order, long limit, int slot, int gpfn) {
        FramePool pool = s.pool();
        DomainMemory dm = d.memory();
        int n = 1 << order;
        int mfn;
        synchronized (pool) {
            if ((long) dm.totPages() + n > d.maxMemoryKiB() / 4) return false; // assign_pages: over max_pages
            mfn = pool.allocBlock(d.id(), order, limit);
            if (mfn < 0) return false;
            dm.adjustTotPages(n);
            if (gpfn >= 0) {
                for (int j = 0; j < n; j++) dm.setP2m(pool, gpfn + j, mfn + j);
            }
        }
        if (slot != 0) s.guest().write32(Args.cr3(v), slot, mfn); // a fault: the frames stay the domain's, as in Xen
        return true;
    }

    /** One extent of decrease_reservation: frames gmfn .. gmfn + 2^order - 1. */
    private boolean decrease(DomainImpl d, long gmfn, int order) {
        FramePool pool = s.pool();
        DomainMemory dm = d.memory();
        for (int j = 0; j < 1 << order; j++) {
            long mfn = gmfn + j;
            synchronized (pool) {
                if (!pool.valid(mfn)) return false;
                int f = (int) mfn;
                if (pool.owner(f) != d.id() || pool.refCount(f) != 1 || pool.typeCount(f) != 0) return false;
                dm.flushBeforeRelease();
                int pfn = pool.m2pGet(f);
                if (dm.p2m(pfn) == f) dm.clearP2m(pfn);
                pool.free(f);
                dm.adjustTotPages(-1);
            }
        }
        return true;
    }
}
