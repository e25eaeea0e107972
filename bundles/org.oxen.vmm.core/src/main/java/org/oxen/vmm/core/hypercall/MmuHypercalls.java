package org.oxen.vmm.core.hypercall;

import static org.oxen.vmm.core.hypercall.Args.EINVAL;
import static org.oxen.vmm.core.hypercall.Args.ENOSYS;

import org.oxen.vmm.abi.Errno;
import org.oxen.vmm.abi.Hypercall;
import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.guest.GuestFault;
import org.oxen.vmm.core.guest.GuestMemory;
import org.oxen.vmm.core.mm.DomainMemory;
import org.oxen.vmm.core.mm.FramePool;
import org.oxen.vmm.core.mm.PageTables;
import org.oxen.vmm.core.mm.PageType;
import org.oxen.x86.api.Ram;

/**
 * The direct-mode MMU hypercalls: mmu_update, update_va_mapping and mmuext_op. Every change
 * goes through {@link PageTables} validation under the mm lock.
 *
 * <p>TLBs: after any change the calling vcpu's TLB is flushed and every other vcpu of the
 * domain flushes before it runs again, whatever flush the guest asked for. This is a superset
 * of what the flags ask (UVMF_*, MMUEXT_*FLUSH*), which keeps a stale writable translation from
 * outliving the type change it would undermine.
 */
final class MmuHypercalls {

    /** Requests per hypercall before a continuation lets others run. */
    static final int BATCH = 512;

    private final Services s;

    MmuHypercalls(Services s) {
        this.s = s;
    }

    // ---- mmu_update ----

    long mmuUpdate(VcpuImpl v, int reqs, int countArg, int pdone, int foreigndom, int a5, int a6, boolean mc) {
        return batch(v, Hypercall.MMU_UPDATE, Xen.MMU_UPDATE_SIZE, reqs, countArg, pdone, foreigndom, mc,
                (g, d, p) -> {
                    int cr3 = Args.cr3(v);
                    long ptr = g.read64(cr3, p);
                    long val = g.read64(cr3, p + 8);
                    return oneUpdate(v, d, ptr, val);
                });
    }

    /** One request of a batched hypercall, read from guest address {@code p} and applied. */
    @FunctionalInterface
    private interface Request {
        long apply(GuestMemory g, DomainImpl d, int p);
    }

    /**
     * The loop mmu_update and mmuext_op share, as Xen's do: requests of {@code size} bytes from
     * {@code base}; after {@link #BATCH} of them (outside a multicall) the hypercall continues
     * itself with the rest and {@code MMU_UPDATE_PREEMPTED} in the count; the first failing
     * request ends the batch with its code (a guest fault reading it: -EFAULT); TLBs are flushed
     * and the number done written to {@code pdone} whatever happens.
     */
    private long batch(VcpuImpl v, int hypercall, int size, int base, int countArg, int pdone, int foreigndom,
            boolean mc, Request request) {
        long[] err = new long[1];
        DomainImpl d = Args.self(s, v, foreigndom, err);
        if (d == null) return err[0];
        GuestMemory g = s.guest();
        boolean cont = (countArg & Xen.MMU_UPDATE_PREEMPTED) != 0;
        long count = countArg & ~Xen.MMU_UPDATE_PREEMPTED & 0xFFFFFFFFL;
        int done = 0;
        if (cont && pdone != 0) done = g.read32(Args.cr3(v), pdone);
        long rc = 0;
        int i = 0;
        try {
            for (; i < count; i++) {
                if (i == BATCH && !mc) {
                    writeDone(v, pdone, done + i);
                    return Args.continuation(v, hypercall, base + BATCH * size,
                            (int) (count - BATCH) | Xen.MMU_UPDATE_PREEMPTED, pdone, foreigndom);
                }
                rc = request.apply(g, d, base + i * size);
                if (rc != 0) break;
            }
        } catch (GuestFault f) {
            rc = Args.EFAULT;
        } finally {
            flush(v);
        }
        writeDone(v, pdone, done + i);
        return rc;
    }

    private void writeDone(VcpuImpl v, int pdone, int n) {
        if (pdone != 0) s.guest().write32(Args.cr3(v), pdone, n);
    }

    private long oneUpdate(VcpuImpl v, DomainImpl d, long ptr, long val) {
        int cmd = (int) (ptr & 7);
        long ma = ptr & ~7L;
        long mfn = ma >>> 12;
        FramePool pool = s.pool();
        PageTables pt = s.pageTables();
        DomainMemory dm = d.memory();
        switch (cmd) {
            case Xen.MMU_NORMAL_PT_UPDATE:
            case Xen.MMU_PT_UPDATE_PRESERVE_AD:
                synchronized (pool) {
                    if (!pt.getPage(mfn, dm)) return EINVAL;
                    int f = (int) mfn;
                    try {
                        int type = pool.typeCount(f) > 0 ? pool.type(f) : PageType.NONE;
                        boolean preserve = cmd == Xen.MMU_PT_UPDATE_PRESERVE_AD;
                        switch (type & PageType.TYPE_MASK) {
                            case PageType.L1:
                                return pt.modL1e(ma, val, dm, preserve);
                            case PageType.L2:
                                return pt.modL2e(ma, val, dm, (type & PageType.PAE_XEN_L2) != 0);
                            case PageType.L3: {
                                int rc = pt.modL3e(ma, val, dm);
                                if (rc == 0) reloadPdptes(d, f);
                                return rc;
                            }
                            case PageType.SEG_DESC:
                                return EINVAL;
                            default:
                                if (pt.getPageType(f, PageType.WRITABLE, dm) != 0) return EINVAL;
                                pool.ram().write64(ma, val);
                                pt.putPageType(f, dm);
                                return 0;
                        }
                    } finally {
                        pt.putPage(f);
                    }
                }
            case Xen.MMU_MACHPHYS_UPDATE:
                synchronized (pool) {
                    if (!pt.getPage(mfn, dm)) return EINVAL;
                    dm.machphysUpdate(pool, (int) mfn, (int) val);
                    pt.putPage((int) mfn);
                }
                return 0;
            default:
                return ENOSYS;
        }
    }

    /** The CPU caches PAE PDPTEs at CR3 load: reload them for vcpus of d whose CR3 is this L3. */
    private void reloadPdptes(DomainImpl d, int l3) {
        for (int i = 0; i < d.vcpuCount(); i++) {
            VcpuImpl o = d.vcpu(i);
            if (o.baseL3 == l3) o.requestCr3Reload();
        }
    }

    // ---- update_va_mapping ----

    long updateVaMapping(VcpuImpl v, int va, int lo, int hi, int flags, int a5, int a6, boolean mc) {
        return updateVa(v, v.domain(), va, (lo & 0xFFFFFFFFL) | (long) hi << 32, flags);
    }

    long updateVaMappingOtherdomain(VcpuImpl v, int va, int lo, int hi, int flags, int domid, int a6, boolean mc) {
        long[] err = new long[1];
        DomainImpl d = Args.self(s, v, domid, err);
        if (d == null) return err[0];
        return updateVa(v, d, va, (lo & 0xFFFFFFFFL) | (long) hi << 32, flags);
    }

    private long updateVa(VcpuImpl v, DomainImpl d, int va, long val, int flags) {
        if (Integer.compareUnsigned(va, Xen.HYPERVISOR_VIRT_START) >= 0) return EINVAL;
        int flush = flags & Xen.UVMF_FLUSHTYPE_MASK;
        int target = flags & ~Xen.UVMF_FLUSHTYPE_MASK;
        if (flush != Xen.UVMF_NONE && target != Xen.UVMF_LOCAL && target != Xen.UVMF_ALL) {
            // a pointer to a vcpu mask: it must be readable
            s.guest().read32(Args.cr3(v), target);
        }
        FramePool pool = s.pool();
        long rc;
        synchronized (pool) {
            long pte = l1eAddress(v, va);
            if (pte < 0) return EINVAL;
            rc = s.pageTables().modL1e(pte, val, d.memory(), false);
        }
        flush(v);
        return rc;
    }

    /** Machine address of the L1 entry mapping {@code va} in v's current page tables, or -1. */
    private long l1eAddress(VcpuImpl v, int va) {
        FramePool pool = s.pool();
        Ram ram = pool.ram();
        if (v.baseL3 < 0) return -1;
        long l3e = ram.read64(((long) v.baseL3 << 12) + ((va >>> 30) << 3));
        if ((l3e & Xen.PTE_P) == 0) return -1;
        long l2e = ram.read64((l3e & Xen.PTE_ADDR_MASK) + (((va >>> 21) & 511) << 3));
        if ((l2e & Xen.PTE_P) == 0 || (l2e & Xen.PTE_PSE) != 0) return -1;
        long l1 = (l2e & Xen.PTE_ADDR_MASK) >>> 12;
        if (!pool.valid(l1) || (pool.type((int) l1) & PageType.TYPE_MASK) != PageType.L1
                || pool.owner((int) l1) != v.domain().id()) {
            return -1;
        }
        return (l1 << 12) + (((va >>> 12) & 511) << 3);
    }

    // ---- mmuext_op ----

    long mmuextOp(VcpuImpl v, int ops, int countArg, int pdone, int foreigndom, int a5, int a6, boolean mc) {
        // each op is read through the page tables of the moment: an earlier NEW_BASEPTR counts
        return batch(v, Hypercall.MMUEXT_OP, Xen.MMUEXT_OP_SIZE, ops, countArg, pdone, foreigndom, mc,
                (g, d, p) -> {
                    int cmd = g.read32(Args.cr3(v), p);
                    int arg1 = g.read32(Args.cr3(v), p + 4);
                    int arg2 = g.read32(Args.cr3(v), p + 8);
                    return oneExt(v, d, cmd, arg1, arg2);
                });
    }

    private long oneExt(VcpuImpl v, DomainImpl d, int cmd, int arg1, int arg2) {
        FramePool pool = s.pool();
        PageTables pt = s.pageTables();
        DomainMemory dm = d.memory();
        switch (cmd) {
            case Xen.MMUEXT_PIN_L1_TABLE:
            case Xen.MMUEXT_PIN_L2_TABLE:
            case Xen.MMUEXT_PIN_L3_TABLE: {
                int type = cmd == Xen.MMUEXT_PIN_L1_TABLE ? PageType.L1
                        : cmd == Xen.MMUEXT_PIN_L2_TABLE ? PageType.L2 : PageType.L3;
                long mfn = arg1 & 0xFFFFFFFFL;
                synchronized (pool) {
                    int rc = pt.getPageAndType(mfn, type, dm);
                    if (rc != 0) return rc;
                    if (pool.isPinned((int) mfn)) {
                        pt.putPageAndType((int) mfn, dm);
                        return EINVAL;
                    }
                    pool.markPinned((int) mfn);
                }
                return 0;
            }
            case Xen.MMUEXT_PIN_L4_TABLE:
                return EINVAL;
            case Xen.MMUEXT_UNPIN_TABLE: {
                long mfn = arg1 & 0xFFFFFFFFL;
                synchronized (pool) {
                    if (!pt.getPage(mfn, dm)) return EINVAL;
                    int f = (int) mfn;
                    if (!pool.isPinned(f)) {
                        pt.putPage(f);
                        return EINVAL;
                    }
                    pool.clearPinned(f);
                    pt.putPageAndType(f, dm);
                    pt.putPage(f);
                }
                return 0;
            }
            case Xen.MMUEXT_NEW_BASEPTR: {
                if (d != v.domain()) return EINVAL;
                long mfn = arg1 & 0xFFFFFFFFL;
                synchronized (pool) {
                    int rc = pt.getPageAndType(mfn, PageType.L3, dm);
                    if (rc != 0) return rc;
                    int old = v.baseL3;
                    v.baseL3 = (int) mfn;
                    v.cpu().setCr(3, (int) mfn << 12);
                    if (old >= 0) pt.putPageAndType(old, dm);
                }
                return 0;
            }
            case Xen.MMUEXT_NEW_USER_BASEPTR:
                return EINVAL; // x86_64 only
            case Xen.MMUEXT_TLB_FLUSH_LOCAL:
            case Xen.MMUEXT_INVLPG_LOCAL:
            case Xen.MMUEXT_TLB_FLUSH_ALL:
            case Xen.MMUEXT_INVLPG_ALL:
                return 0; // every mmuext_op flushes (see the class comment)
            case Xen.MMUEXT_TLB_FLUSH_MULTI:
            case Xen.MMUEXT_INVLPG_MULTI:
                // the vcpu mask (a bitmap of 32-bit words) must be readable; the vcpus it names are
                // flushed synchronously with all the others of the domain (see flush)
                s.guest().read32(Args.cr3(v), arg2);
                return 0;
            case Xen.MMUEXT_FLUSH_CACHE:
            case Xen.MMUEXT_FLUSH_CACHE_GLOBAL:
                return -Errno.EACCES; // needs I/O privilege
            case Xen.MMUEXT_SET_LDT:
                return setLdt(v, d, arg1, arg2);
            case Xen.MMUEXT_CLEAR_PAGE: {
                long mfn = arg1 & 0xFFFFFFFFL;
                synchronized (pool) {
                    int rc = pt.getPageAndType(mfn, PageType.WRITABLE, dm);
                    if (rc != 0) return EINVAL;
                    pool.zero((int) mfn);
                    pt.putPageAndType((int) mfn, dm);
                }
                return 0;
            }
            case Xen.MMUEXT_COPY_PAGE: {
                long dst = arg1 & 0xFFFFFFFFL;
                long src = arg2 & 0xFFFFFFFFL;
                synchronized (pool) {
                    if (!pt.getPage(src, dm)) return EINVAL;
                    int rc = pt.getPageAndType(dst, PageType.WRITABLE, dm);
                    if (rc != 0) {
                        pt.putPage((int) src);
                        return EINVAL;
                    }
                    Ram ram = pool.ram();
                    for (int o = 0; o < Xen.PAGE_SIZE; o += 8) ram.write64((dst << 12) + o, ram.read64((src << 12) + o));
                    pt.putPageAndType((int) dst, dm);
                    pt.putPage((int) src);
                }
                return 0;
            }
            default:
                return ENOSYS;
        }
    }

    /** MMUEXT_SET_LDT(linear_addr, nr_ents): the LDT's pages become descriptor pages now. */
    private long setLdt(VcpuImpl v, DomainImpl d, int base, int ents) {
        if (d != v.domain()) return EINVAL;
        if ((base & 0xFFF) != 0 || ents < 0 || ents > 8192
                || Long.compareUnsigned((base & 0xFFFFFFFFL) + ents * 8L, Xen.HYPERVISOR_VIRT_START & 0xFFFFFFFFL) > 0) {
            return EINVAL;
        }
        int pages = (ents * 8 + 0xFFF) >>> 12;
        int[] frames = new int[pages];
        FramePool pool = s.pool();
        PageTables pt = s.pageTables();
        DomainMemory dm = d.memory();
        int cr3 = Args.cr3(v);
        synchronized (pool) {
            for (int i = 0; i < pages; i++) {
                long ma = s.guest().translate(cr3, base + i * Xen.PAGE_SIZE, false);
                int rc = ma < 0 ? -Errno.EINVAL : pt.getPageAndType(ma >>> 12, PageType.SEG_DESC, dm);
                if (rc != 0) {
                    while (--i >= 0) pt.putPageAndType(frames[i], dm);
                    return EINVAL;
                }
                frames[i] = (int) (ma >>> 12);
            }
            for (int f : v.ldtFrames) pt.putPageAndType(f, dm);
            v.ldtFrames = frames;
            v.ldtBase = base;
            v.ldtEntries = ents;
            v.mapLdt();
        }
        v.loadLdtr();
        return 0;
    }

    /**
     * The calling vcpu's TLB is flushed, and every other vcpu of the domain flushes before it
     * runs guest code again; those running on other pCPUs are stopped and waited for (Xen's
     * flush_tlb_mask: synchronous), so no stale writable translation outlives a type change.
     * While waiting, the caller does any flush asked of itself (two vcpus may flush each other).
     */
    private void flush(VcpuImpl v) {
        v.cpu().flushTlb();
        DomainImpl d = v.domain();
        int n = d.vcpuCount();
        for (int i = 0; i < n; i++) {
            VcpuImpl o = d.vcpu(i);
            if (o != v) o.requestTlbFlush();
        }
        for (int i = 0; i < n; i++) {
            VcpuImpl o = d.vcpu(i);
            while (o != v && o.tlbFlushOutstanding()) {
                v.flushIfRequested();
                Thread.onSpinWait();
            }
        }
        v.reloadCr3IfRequested();
    }
}
