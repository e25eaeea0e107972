package org.oxen.vmm.core.hypercall;

import org.oxen.vmm.abi.Errno;
import org.oxen.vmm.abi.Hvm;
import org.oxen.vmm.abi.Memory;
import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.core.arch.hvm.HvmParams;
import org.oxen.vmm.core.arch.hvm.HvmVcpuArch;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.guest.GuestMemory;
import org.oxen.vmm.core.mm.DomainMemory;
import org.oxen.vmm.core.mm.FramePool;

/**
 * What only HVM domains have (Xen's hvm.c do_hvm_op and x86 mm/p2m.c
 * xenmem_add_to_physmap_one): HVMOP_set_param / HVMOP_get_param, and XENMEM_add_to_physmap for
 * shared_info and grant-table frames. A PV domain asking gets Xen's answers: -EINVAL for the
 * params (not an HVM domain), -EACCES for add_to_physmap (not translated).
 */
final class HvmHypercalls {

    /** Guest-physical pages oxen gives an HVM domain: a 32-bit physical space (no memory above 4 GiB). */
    static final long GPFN_LIMIT = DomainMemory.HVM_GPFN_LIMIT;

    private final Services s;

    HvmHypercalls(Services s) {
        this.s = s;
    }

    static boolean isHvm(DomainImpl d) {
        return d.translated();
    }

    private static HvmVcpuArch hvm(DomainImpl d) {
        return (HvmVcpuArch) d.vcpu(0).arch();
    }

    /** hvm_op: set_param and get_param; other sub-ops -ENOSYS. */
    long hvmOp(VcpuImpl v, int op, int arg, int a3, int a4, int a5, int a6, boolean mc) {
        if (op != Hvm.HVMOP_SET_PARAM && op != Hvm.HVMOP_GET_PARAM) return -Errno.ENOSYS;
        GuestMemory g = s.guest();
        int cr3 = Args.cr3(v);
        int domid = g.read16(cr3, arg + Hvm.PARAM_DOMID);
        int index = g.read32(cr3, arg + Hvm.PARAM_INDEX);
        long value = g.read64(cr3, arg + Hvm.PARAM_VALUE);
        // rcu_lock_domain_by_any_id, then !is_hvm_domain, then the index, then XSM (only the domain itself)
        DomainImpl d = domid == Xen.DOMID_SELF ? v.domain() : s.domain(domid);
        if (d == null) return -Errno.ESRCH;
        if (!isHvm(d)) return -Errno.EINVAL;
        if (index < 0 || index >= Hvm.HVM_NR_PARAMS) return -Errno.EINVAL;
        if (d != v.domain()) return -Errno.EPERM;
        HvmParams params = hvm(d).platform().params();
        if (op == Hvm.HVMOP_GET_PARAM) {
            int rc = params.allowGuestGet(index);
            if (rc != 0) return rc;
            g.write64(cr3, arg + Hvm.PARAM_VALUE, params.get(index));
            return 0;
        }
        int rc = params.allowGuestSet(index, value);
        if (rc != 0) return rc;
        switch (index) {
            case Hvm.HVM_PARAM_CALLBACK_IRQ -> hvm(d).platform().setCallbackVia(value);
            case Hvm.HVM_PARAM_X87_FIP_WIDTH -> {
                if (value != 0 && value != 4 && value != 8) return -Errno.EINVAL;
                params.init(index, value);
            }
            default -> params.init(index, value);
        }
        return 0;
    }

    /**
     * XENMEM_add_to_physmap (do_memory_op's checks, then xenmem_add_to_physmap_one): the domain's
     * shared_info (idx 0) or grant-table frame {@code idx} (the table grows to it) appears at
     * guest-physical page {@code gpfn}; what was there goes (a page of the domain's RAM is freed,
     * a special page unhooked), and the frame leaves the page it was at before.
     */
    long addToPhysmap(VcpuImpl v, int arg) {
        GuestMemory g = s.guest();
        int cr3 = Args.cr3(v);
        int domid = g.read16(cr3, arg + Memory.ADD_TO_PHYSMAP_DOMID) & 0xFFFF;
        int space = g.read32(cr3, arg + Memory.ADD_TO_PHYSMAP_SPACE);
        int idx = g.read32(cr3, arg + Memory.ADD_TO_PHYSMAP_IDX);
        long gpfn = g.read32(cr3, arg + Memory.ADD_TO_PHYSMAP_GPFN) & 0xFFFFFFFFL;
        if (space == Memory.XENMAPSPACE_GMFN_FOREIGN) return -Errno.ENOSYS; // only through add_to_physmap_batch
        DomainImpl d = domid == Xen.DOMID_SELF ? v.domain() : s.domain(domid);
        if (d == null) return -Errno.ESRCH;
        if (!isHvm(d)) return -Errno.EACCES; // xatp_permission_check: !paging_mode_translate
        if (d != v.domain()) return -Errno.EPERM;
        int mfn;
        switch (space) {
            case Hvm.XENMAPSPACE_SHARED_INFO -> mfn = idx == 0 ? d.sharedInfoMfn() : -1;
            case Memory.XENMAPSPACE_GRANT_TABLE -> {
                // v1: no status frames
                mfn = (idx & Hvm.XENMAPIDX_GRANT_TABLE_STATUS) != 0 ? -1 : s.grants().sharedFrame(d, idx);
            }
            default -> {
                return -Errno.ENOSYS; // XENMAPSPACE_gmfn(_range), dev_mmio: not offered yet
            }
        }
        if (mfn < 0) return -Errno.EINVAL;
        if (gpfn >= GPFN_LIMIT) return -Errno.EINVAL; // beyond the guest-physical space (p2m_set_entry's refusal)
        FramePool pool = s.pool();
        DomainMemory dm = d.memory();
        synchronized (pool) {
            int prev = dm.p2m((int) gpfn);
            if (prev >= 0 && prev != mfn) {
                if (isSpecial(s, d, prev)) {
                    dm.hvmPhysmapSet(pool, (int) gpfn, -1); // special pages are only unhooked
                } else if (pool.owner(prev) == d.id() && pool.refCount(prev) == 1 && pool.typeCount(prev) == 0) {
                    dm.hvmPhysmapSet(pool, (int) gpfn, -1); // guest_remove_page: RAM is freed
                    dm.flushBeforeRelease(); // after every vcpu dropped its TLB entries for it
                    pool.free(prev);
                    dm.adjustTotPages(-1);
                } else {
                    return -Errno.EBUSY; // a page of RAM someone maps (oxen frees only unreferenced frames)
                }
            }
            int old = pool.m2pGet(mfn);
            if (old != Xen.INVALID_M2P_ENTRY && old != (int) gpfn && dm.p2m(old) == mfn) {
                dm.hvmPhysmapSet(pool, old, -1);
            }
            dm.hvmPhysmapSet(pool, (int) gpfn, mfn);
        }
        d.flushGuestPhysical(v);
        return 0;
    }

    /** Frames an HVM domain has outside its RAM: shared_info, grant frames, the special pages. */
    static boolean isSpecial(Services s, DomainImpl d, int mfn) {
        return mfn == d.sharedInfoMfn() || mfn == d.storeMfn() || s.grants().isSharedFrame(d, mfn)
                || hvm(d).platform().isSpecialPage(mfn);
    }
}
