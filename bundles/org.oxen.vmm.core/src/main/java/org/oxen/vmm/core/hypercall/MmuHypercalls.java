package org.oxen.vmm.core.hypercall;

import static org.oxen.vmm.core.hypercall.Args.EINVAL;
import static org.oxen.vmm.core.hypercall.Args.ENOSYS;

import org.oxen.vmm.abi.Errno;
import org.oxen.vmm.abi.Hypercall;
import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.core.arch.pv.PvVcpu;
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
 * <p>TLBs, as Xen: a PTE change flushes only what the guest asks for (UVMF_NONE nothing,
 * UVMF_INVLPG that page, UVMF_TLB_FLUSH everything; on the caller, on every vcpu or on a vcpu
 * mask), mmu_update flushes nothing, the MMUEXT_* flush and INVLPG operations do what they
 * name. A remote INVLPG is a whole flush of that vcpu (a superset). Two changes flush more:
 * an L3 entry (the CPUs cache PAE PDPTEs: every vcpu reloads CR3), and any change of a domain
 * in shadow mode (its shadows are blown). What a stale translation could break is flushed
 * where it would break it, as Xen's tlbflush_timestamp checks do ({@link DomainMemory}): before
 * a frame that was mapped writable takes a page-table or descriptor type, and before a frame
 * that was mapped at all leaves the domain, every vcpu of the domain flushes.
 */
final class MmuHypercalls {

    private final Services s;

    MmuHypercalls(Services s) {
        this.s = s;
    }

    // ---- mmu_update ----

    long mmuUpdate(VcpuImpl v, int reqs, int countArg, int pdone, int foreigndom, int a5, int a6, boolean mc) {
        return batch(v, Hypercall.MMU_UPDATE, Xen.MMU_UPDATE_SIZE, reqs, countArg, pdone, foreigndom, mc, update);
    }

    /**
     * The TLB work a batch leaves for its end: every vcpu of the domain flushes ({@link #all}:
     * an L3 entry changed, or any table of a shadow-mode domain), or the other vcpus of
     * {@link #remote} do (MMUEXT_*_MULTI and *_ALL; the caller's own part is done at once).
     * One per thread, reset by each batch: batches never nest (a multicall runs its entries one
     * after another), and a hypercall allocates nothing.
     */
    private static final class FlushScope {
        boolean all;
        long remote;
        /** get_pg_owner's error code ({@link Args#pgOwner}). */
        final long[] err = new long[1];

        FlushScope reset() {
            all = false;
            remote = 0;
            return this;
        }
    }

    private static final ThreadLocal<FlushScope> SCOPE = ThreadLocal.withInitial(FlushScope::new);

    /** One request of a batched hypercall, read from guest address {@code p} and applied. */
    @FunctionalInterface
    private interface Request {
        long apply(VcpuImpl v, GuestMemory g, DomainImpl d, int p, FlushScope scope);
    }

    /** mmu_update's request (made once: a hypercall allocates nothing). */
    private final Request update = (v, g, d, p, scope) -> {
        int cr3 = Args.cr3(v);
        long ptr = g.read64(cr3, p);
        long val = g.read64(cr3, p + 8);
        return oneUpdate(v, d, ptr, val, scope);
    };

    /** mmuext_op's request; each op is read through the page tables of the moment (an earlier NEW_BASEPTR counts). */
    private final Request ext = (v, g, d, p, scope) -> {
        int cmd = g.read32(Args.cr3(v), p);
        int arg1 = g.read32(Args.cr3(v), p + 4);
        int arg2 = g.read32(Args.cr3(v), p + 8);
        return oneExt(v, d, cmd, arg1, arg2, scope);
    };

    /** mmu_update's request on another domain's page tables ({@link #refuseForeignTables}). */
    private static final Request REFUSE_FOREIGN_TABLES =
            (v, g, d, p, scope) -> refuseForeignTables(g.read64(Args.cr3(v), p));

    /**
     * The loop mmu_update and mmuext_op share, as Xen's do: the request array must lie below the
     * hole ({@code -EFAULT}); mmu_update's page tables of another domain are refused request by
     * request ({@link #foreignTables}); the foreign domain must be DOMID_SELF (get_pg_owner: own
     * id or no such domain {@code -ESRCH}, another domain {@code -EPERM}, for mmuext_op an HVM
     * one {@code -EINVAL}); then requests of {@code size}
     * bytes from {@code base}, with the preemption check before every request but the first:
     * it continues the hypercall with the rest and {@code MMU_UPDATE_PREEMPTED} in the count
     * (inside a multicall through the multicall's continuation). The first failing request ends
     * the batch with its code (a guest fault reading it: -EFAULT); TLBs are flushed and the
     * number done written to {@code pdone} whatever happens (a fault writing it is ignored).
     */
    private long batch(VcpuImpl v, int hypercall, int size, int base, int countArg, int pdone, int foreigndom,
            boolean mc, Request request) {
        Args.enter(v, mc);
        FlushScope scope = SCOPE.get().reset();
        GuestMemory g = s.guest();
        boolean cont = (countArg & Xen.MMU_UPDATE_PREEMPTED) != 0;
        long count = countArg & ~Xen.MMU_UPDATE_PREEMPTED & 0xFFFFFFFFL;
        int done = 0;
        if (cont && pdone != 0) {
            try {
                done = g.read32(Args.cr3(v), pdone);
            } catch (GuestFault f) {
                // (void)copy_from_guest
            }
        }
        if (!Args.arrayOk(base, count, size)) return Args.EFAULT;
        if (hypercall == Hypercall.MMU_UPDATE && (foreigndom >>> 16) != 0) {
            long pt = foreignTables(v, foreigndom >>> 16);
            if (pt == Args.ESRCH) return pt;
            if (pt == EINVAL) {
                writeDone(v, pdone, done);
                return pt;
            }
            if (pt == 1) request = REFUSE_FOREIGN_TABLES;
        }
        DomainImpl d = Args.pgOwner(s, v, foreigndom, hypercall == Hypercall.MMUEXT_OP, scope.err);
        if (d == null) {
            if (hypercall == Hypercall.MMU_UPDATE) writeDone(v, pdone, done);
            return scope.err[0];
        }
        long rc = 0;
        int i = 0;
        try {
            for (; i < count; i++) {
                if (i > 0 && Args.preempt(v)) {
                    writeDone(v, pdone, done + i);
                    return Args.continuation(v, mc, hypercall, base + i * size,
                            (int) (count - i) | Xen.MMU_UPDATE_PREEMPTED, pdone, foreigndom);
                }
                rc = request.apply(v, g, d, base + i * size, scope);
                if (rc != 0) break;
            }
        } catch (GuestFault f) {
            rc = Args.EFAULT;
        } finally {
            if (scope.all || v.domain().shadow != null) {
                flush(v);
            } else if (scope.remote != 0) {
                flushOthers(v, scope.remote);
            }
        }
        writeDone(v, pdone, done + i);
        return rc;
    }

    /**
     * do_mmu_update's "page tables of a foreign domain" (foreigndom's high half, domid + 1):
     * 0 when it names the caller, 1 for another domain with vcpus (Domain-0 included), -ESRCH
     * for no such domain (returned at once, nothing written to done) and -EINVAL for a domain
     * without vcpus.
     */
    private long foreignTables(VcpuImpl v, int ptDom) {
        int domid = ptDom - 1;
        if (domid == v.domain().id()) return 0;
        if (domid == 0) return 1; // Domain-0 (the Java runtime) exists and has vcpus
        DomainImpl owner = s.domain(domid);
        if (owner == null) return Args.ESRCH;
        return owner.vcpuCount() == 0 ? EINVAL : 1;
    }

    /**
     * A request on another domain's page tables from an unprivileged caller: the XSM check
     * (xsm_mmu_update, XSM_TARGET) refuses a page-table update, and MMU_MACHPHYS_UPDATE needs the
     * caller to own the tables: -EPERM either way; an unknown command is -ENOSYS first.
     */
    private static long refuseForeignTables(long ptr) {
        int cmd = (int) ptr & 7;
        return cmd == Xen.MMU_NORMAL_PT_UPDATE || cmd == Xen.MMU_MACHPHYS_UPDATE || cmd == Xen.MMU_PT_UPDATE_PRESERVE_AD
                ? Args.EPERM : ENOSYS;
    }

    private void writeDone(VcpuImpl v, int pdone, int n) {
        if (pdone == 0) return;
        try {
            s.guest().write32(Args.cr3(v), pdone, n);
        } catch (GuestFault f) {
            // Xen ignores a failing copy_to_guest of the count
        }
    }

    private long oneUpdate(VcpuImpl v, DomainImpl d, long ptr, long val, FlushScope scope) {
        int cmd = (int) (ptr & 7);
        long ma = ptr & ~7L;
        long mfn = ma >>> 12;
        FramePool pool = s.pool();
        PageTables pt = s.pageTables();
        DomainMemory dm = d.memory();
        switch (cmd) {
            case Xen.MMU_NORMAL_PT_UPDATE:
            case Xen.MMU_PT_UPDATE_PRESERVE_AD:
                if (d.trace.on(org.oxen.vmm.abi.Trace.TRC_MEM)) {
                    d.trace.trace4(org.oxen.vmm.abi.Trace.TRC_MEM_OXEN_PT_UPDATE, d.id(), (int) ma, (int) val, (int) (val >>> 32));
                }
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
                                if (rc == 0) {
                                    reloadPdptes(d, f);
                                    scope.all = true;
                                }
                                return rc;
                            }
                            case PageType.SEG_DESC:
                                return EINVAL;
                            default:
                                if (pt.getPageType(f, PageType.WRITABLE, dm) != 0) return EINVAL;
                                pool.ram().write64(ma, val);
                                pt.putPageType(f, null); // no mapping came or went: nothing to flush for
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
            if (PvVcpu.of(o).baseL3() == l3) PvVcpu.of(o).requestCr3Reload();
        }
    }

    // ---- update_va_mapping ----

    long updateVaMapping(VcpuImpl v, int va, int lo, int hi, int flags, int a5, int a6, boolean mc) {
        return updateVa(v, v.domain(), va, (lo & 0xFFFFFFFFL) | (long) hi << 32, flags);
    }

    long updateVaMappingOtherdomain(VcpuImpl v, int va, int lo, int hi, int flags, int domid, int a6, boolean mc) {
        long[] err = SCOPE.get().err;
        DomainImpl d = Args.pgOwner(s, v, domid, false, err);
        if (d == null) return err[0];
        return updateVa(v, d, va, (lo & 0xFFFFFFFFL) | (long) hi << 32, flags);
    }

    /**
     * __do_update_va_mapping: the L1 entry of {@code va} (found through the current tables) is
     * changed first; then the flush the flags ask for, whose vcpu mask (when the target is a
     * pointer) is read only now, and its result is the hypercall's: -EFAULT for an unreadable
     * mask even though the PTE was written, 0 for a readable one, as Xen's code has it.
     */
    private long updateVa(VcpuImpl v, DomainImpl d, int va, long val, int flags) {
        if (Integer.compareUnsigned(va, Xen.HYPERVISOR_VIRT_START) >= 0) return EINVAL;
        FramePool pool = s.pool();
        long rc;
        synchronized (pool) {
            long pte = l1eAddress(v, va);
            rc = pte < 0 ? EINVAL : s.pageTables().modL1e(pte, val, d.memory(), false);
        }
        if (v.domain().shadow != null) flush(v);
        int flush = flags & Xen.UVMF_FLUSHTYPE_MASK;
        if (flush != Xen.UVMF_TLB_FLUSH && flush != Xen.UVMF_INVLPG) return rc; // UVMF_NONE (3 too: Xen's switch has no case)
        int target = flags & ~Xen.UVMF_FLUSHTYPE_MASK;
        long mask;
        if (target == Xen.UVMF_LOCAL) {
            mask = 1L << v.id();
        } else if (target == Xen.UVMF_ALL) {
            mask = allVcpus(v.domain());
        } else {
            mask = vcpuMask(v, target);
            rc = mask != -1 ? 0 : Args.EFAULT;
            if (mask == -1) return rc;
            mask &= allVcpus(v.domain());
        }
        if (flush == Xen.UVMF_INVLPG) {
            invlpg(v, mask, va);
        } else {
            flush(v, mask);
        }
        return rc;
    }

    /** The domain's vcpus as a mask (at most 32: DomainMemory.MAX_VCPUS). */
    private static long allVcpus(DomainImpl d) {
        return d.vcpuCount() >= 64 ? -1L : (1L << d.vcpuCount()) - 1;
    }

    /**
     * The vcpu bitmap at guest address {@code mask} (32-bit words, as many as the domain's vcpus
     * need), or -1 when it cannot be read (a domain has at most 32 vcpus: a mask is never -1).
     */
    private long vcpuMask(VcpuImpl v, int mask) {
        long bits = 0;
        try {
            for (int w = 0; w * 32 < v.domain().vcpuCount(); w++) {
                bits |= (s.guest().read32(Args.cr3(v), mask + w * 4) & 0xFFFFFFFFL) << (32 * w);
            }
            return bits;
        } catch (GuestFault f) {
            return -1;
        }
    }

    /** Machine address of the L1 entry mapping {@code va} in v's current page tables, or -1. */
    long l1eAddress(VcpuImpl v, int va) {
        FramePool pool = s.pool();
        Ram ram = pool.ram();
        if (PvVcpu.of(v).baseL3() < 0) return -1;
        long l3e = ram.read64(((long) PvVcpu.of(v).baseL3() << 12) + ((va >>> 30) << 3));
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
        return batch(v, Hypercall.MMUEXT_OP, Xen.MMUEXT_OP_SIZE, ops, countArg, pdone, foreigndom, mc, ext);
    }

    private long oneExt(VcpuImpl v, DomainImpl d, int cmd, int arg1, int arg2, FlushScope scope) {
        FramePool pool = s.pool();
        PageTables pt = s.pageTables();
        DomainMemory dm = d.memory();
        switch (cmd) {
            case Xen.MMUEXT_TLB_FLUSH_LOCAL:
                v.cpu().flushTlb();
                return 0;
            case Xen.MMUEXT_INVLPG_LOCAL:
                v.cpu().invalidatePage(arg1);
                return 0;
            case Xen.MMUEXT_TLB_FLUSH_ALL:
                localAndRemote(v, allVcpus(d), scope, false, 0);
                return 0;
            case Xen.MMUEXT_INVLPG_ALL:
                if (hypervisorAddress(arg1)) return 0; // __addr_ok fails: nothing to flush
                localAndRemote(v, allVcpus(d), scope, true, arg1);
                return 0;
            case Xen.MMUEXT_TLB_FLUSH_MULTI:
            case Xen.MMUEXT_INVLPG_MULTI: {
                // vcpumask_to_pcpumask: compat_ulong_t words up to the domain's vcpus; unreadable -EINVAL
                if (d != v.domain()) return -Errno.EPERM;
                long mask = vcpuMask(v, arg2);
                if (mask == -1) return EINVAL;
                boolean one = cmd == Xen.MMUEXT_INVLPG_MULTI;
                if (one && hypervisorAddress(arg1)) return 0;
                localAndRemote(v, mask & allVcpus(d), scope, one, arg1);
                return 0;
            }
            default:
                break;
        }
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
                return 0; // a 32-bit guest's L4 pin is ignored (do_mmuext_op)
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
                    int old = PvVcpu.of(v).baseL3();
                    PvVcpu.of(v).setBaseL3((int) mfn);
                    PvVcpu.of(v).loadCr3();
                    if (old >= 0) pt.putPageAndType(old, dm);
                }
                return 0;
            }
            case Xen.MMUEXT_NEW_USER_BASEPTR:
                return EINVAL; // x86_64 only
            case Xen.MMUEXT_FLUSH_CACHE:
                return -Errno.EACCES; // needs cache-flush (I/O) privilege
            case Xen.MMUEXT_FLUSH_CACHE_GLOBAL:
                return EINVAL;
            case Xen.MMUEXT_MARK_SUPER:
            case Xen.MMUEXT_UNMARK_SUPER:
                return -Errno.EOPNOTSUPP;
            case Xen.MMUEXT_SET_LDT:
                return setLdt(v, d, arg1, arg2);
            case Xen.MMUEXT_CLEAR_PAGE: {
                long mfn = arg1 & 0xFFFFFFFFL;
                synchronized (pool) {
                    int rc = pt.getPageAndType(mfn, PageType.WRITABLE, dm);
                    if (rc != 0) return EINVAL;
                    pool.zero((int) mfn);
                    pt.putPageType((int) mfn, null); // no mapping came or went
                    pt.putPage((int) mfn);
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
                    pt.putPageType((int) dst, null); // no mapping came or went
                    pt.putPage((int) dst);
                    pt.putPage((int) src);
                }
                return 0;
            }
            default:
                return ENOSYS;
        }
    }

    /**
     * MMUEXT_SET_LDT(linear_addr, nr_ents) as Xen: {@code -EINVAL} only for a base that is not
     * page aligned or more than 8192 entries (a base of 0 with no entries); a new base or size
     * drops the old LDT's pages. The pages are mapped lazily, as Xen does: each page that is
     * mapped and can become a descriptor page now is typed and mapped at once, the others on the
     * first access ({@link #mapLdtPage}); one that cannot be mapped then gives the guest a #PF
     * at its LDT address.
     */
    private long setLdt(VcpuImpl v, DomainImpl d, int base, int ents) {
        if (d != v.domain()) return Args.EPERM;
        if (ents == 0) base = 0;
        if ((base & 0xFFF) != 0 || Integer.compareUnsigned(ents, 8192) > 0) return EINVAL;
        installLdt(v, base, ents);
        return 0;
    }

    /**
     * Installs an LDT of {@code ents} entries at guest-linear {@code base} (page aligned, at most
     * 8192: checked by the caller) on {@code v}, through its current CR3: MMUEXT_SET_LDT's
     * effect, and arch_set_info_guest's for a context that names one (a restored vcpu).
     */
    void installLdt(VcpuImpl v, int base, int ents) {
        DomainImpl d = v.domain();
        if (PvVcpu.of(v).ldtEntries() == ents && PvVcpu.of(v).ldtBase() == base) return;
        FramePool pool = s.pool();
        synchronized (pool) {
            for (int p = 0; p < PvVcpu.LDT_PAGES; p++) {
                if (PvVcpu.of(v).ldtFrame(p) >= 0) s.pageTables().putPageAndType(PvVcpu.of(v).ldtFrame(p), d.memory());
                PvVcpu.of(v).setLdtFrame(p, -1);
            }
            PvVcpu.of(v).setLdt(base, ents);
            int pages = (ents * 8 + 0xFFF) >>> 12;
            for (int p = 0; p < pages; p++) mapLdtPageLocked(v, p);
            PvVcpu.of(v).mapLdt();
        }
        PvVcpu.of(v).loadLdtr();
    }

    /**
     * pv_map_ldt_shadow_page: maps page {@code p} of v's LDT (from the guest's current tables)
     * as a descriptor page into the per-domain area; false if the page is not mapped there or
     * cannot take the descriptor type.
     */
    boolean mapLdtPage(VcpuImpl v, int p) {
        FramePool pool = s.pool();
        boolean ok;
        synchronized (pool) {
            ok = mapLdtPageLocked(v, p);
            if (ok) PvVcpu.of(v).mapLdt();
        }
        if (ok) v.cpu().flushTlb();
        return ok;
    }

    private boolean mapLdtPageLocked(VcpuImpl v, int p) {
        if (p < 0 || p >= PvVcpu.LDT_PAGES || p * 512 >= PvVcpu.of(v).ldtEntries()) return false;
        if (PvVcpu.of(v).ldtFrame(p) >= 0) return true;
        long ma = s.guest().translate(Args.cr3(v), PvVcpu.of(v).ldtBase() + p * Xen.PAGE_SIZE, false);
        if (ma < 0 || s.pageTables().getPageAndType(ma >>> 12, PageType.SEG_DESC, v.domain().memory()) != 0) {
            return false;
        }
        PvVcpu.of(v).setLdtFrame(p, (int) (ma >>> 12));
        return true;
    }

    /**
     * The calling vcpu's TLB is flushed, and every other vcpu of the domain flushes before it
     * runs guest code again; those running on other pCPUs are stopped and waited for (Xen's
     * flush_tlb_mask: synchronous), so no stale writable translation outlives a type change.
     * While waiting, the caller does any flush asked of itself (two vcpus may flush each other).
     */
    void flush(VcpuImpl v) {
        org.oxen.vmm.core.paging.ShadowPaging sh = v.domain().shadow;
        if (sh != null) {
            synchronized (s.pool()) {
                sh.blow(); // shadow mode: the guest's tables changed; shadows refill on demand
            }
        }
        v.cpu().flushTlb();
        flushOthers(v, -1L);
    }

    /**
     * flush_tlb_mask for the vcpus of {@code mask} (MMUEXT_TLB_FLUSH_MULTI and friends): the
     * caller's TLB if it is in the mask, the others' before they run guest code again, waited for
     * as {@link #flush(VcpuImpl)} does.
     */
    void flush(VcpuImpl v, long mask) {
        if ((mask & 1L << v.id()) != 0) v.cpu().flushTlb();
        flushOthers(v, mask);
    }

    /** A flush operation's part on the caller now, the other vcpus' at the batch's end. */
    private static void localAndRemote(VcpuImpl v, long mask, FlushScope scope, boolean one, int va) {
        if ((mask & 1L << v.id()) != 0) {
            if (one) {
                v.cpu().invalidatePage(va);
            } else {
                v.cpu().flushTlb();
            }
        }
        scope.remote |= mask & ~(1L << v.id());
    }

    /** An address __addr_ok refuses (in the hypervisor's part of the address space). */
    private static boolean hypervisorAddress(int va) {
        return Integer.compareUnsigned(va, Xen.HYPERVISOR_VIRT_START) >= 0;
    }

    /**
     * flush_tlb_one_mask: the page of {@code va} on the caller if it is in the mask; the other
     * vcpus of the mask flush whole (a superset), waited for as {@link #flush(VcpuImpl)} does.
     */
    private void invlpg(VcpuImpl v, long mask, int va) {
        if ((mask & 1L << v.id()) != 0) v.cpu().invalidatePage(va);
        flushOthers(v, mask);
    }

    private void flushOthers(VcpuImpl v, long mask) {
        DomainImpl d = v.domain();
        int n = d.vcpuCount();
        for (int i = 0; i < n; i++) {
            VcpuImpl o = d.vcpu(i);
            if (o != v && (mask & 1L << i) != 0) o.requestTlbFlush();
        }
        for (int i = 0; i < n; i++) {
            VcpuImpl o = d.vcpu(i);
            while (o != v && (mask & 1L << i) != 0 && o.tlbFlushOutstanding()) {
                v.flushIfRequested();
                Thread.onSpinWait();
            }
        }
        // a PV caller's own reload another vcpu asked for (an HVM caller, flushing after a grant
        // map or unmap in its P2M, has none)
        if (v.archState() instanceof PvVcpu pv) pv.reloadCr3IfRequested();
    }
}
