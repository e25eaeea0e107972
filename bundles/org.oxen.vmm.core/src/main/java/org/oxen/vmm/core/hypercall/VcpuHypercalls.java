package org.oxen.vmm.core.hypercall;

import static org.oxen.vmm.core.hypercall.Args.EINVAL;
import static org.oxen.vmm.core.hypercall.Args.ENOSYS;

import org.oxen.vmm.abi.Errno;
import org.oxen.vmm.abi.SharedInfo;
import org.oxen.vmm.abi.VcpuGuestContext;
import org.oxen.vmm.abi.VcpuOp;
import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.arch.pv.PvVcpu;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.TrapInfo;
import org.oxen.vmm.core.domain.VcpuContext;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.evtchn.EventChannels;
import org.oxen.vmm.core.guest.GuestMemory;
import org.oxen.vmm.core.mm.FramePool;
import org.oxen.vmm.core.mm.PageTables;
import org.oxen.vmm.core.mm.PageType;
import org.oxen.vmm.core.time.VcpuTimers;
import org.oxen.vmm.core.trap.TrapBouncer;
import org.oxen.x86.cpu.SegmentState;
import org.oxen.x86.cpu.X86Cpu;

/**
 * set_timer_op and vcpu_op (Xen's do_set_timer_op, do_vcpu_op / common_vcpu_op): the vcpu's
 * timers, and its state. A vcpu id outside the domain is -ENOENT; the single-shot timer may be
 * changed only by the vcpu itself (-EINVAL), as in Xen.
 */
final class VcpuHypercalls {


    private final Services s;
    private final TrapHypercalls traps;
    private final MmuHypercalls mmu;

    VcpuHypercalls(Services s, TrapHypercalls traps, MmuHypercalls mmu) {
        this.s = s;
        this.traps = traps;
        this.mmu = mmu;
    }

    /** set_timer_op(timeout_lo, timeout_hi): 0 stops the single-shot timer. */
    long setTimerOp(VcpuImpl v, int lo, int hi, int a3, int a4, int a5, int a6, boolean mc) {
        long timeout = (lo & 0xFFFFFFFFL) | (long) hi << 32;
        v.timers().setSingleshot(timeout);
        return 0;
    }

    long vcpuOp(VcpuImpl v, int cmd, int vcpuid, int arg, int a4, int a5, int a6, boolean mc) {
        VcpuImpl t = v.domain().vcpu(vcpuid);
        if (t == null) return -Errno.ENOENT;
        GuestMemory g = s.guest();
        int cr3 = Args.cr3(v);
        switch (cmd) {
            case VcpuOp.INITIALISE: {
                VcpuContext c = VcpuContext.read(g, cr3, arg);
                synchronized (v.domain().domainLock) {
                    return t.initialised() ? -Errno.EEXIST : setContext(t, c);
                }
            }
            case VcpuOp.UP:
                synchronized (v.domain().domainLock) {
                    if (!t.initialised()) return EINVAL;
                    if (!t.online()) {
                        t.setOnline(true);
                        s.woken(t);
                    }
                    return 0;
                }
            case VcpuOp.DOWN:
                return down(v, t);
            case VcpuOp.IS_UP:
                return t.online() ? 1 : 0;
            case VcpuOp.GET_RUNSTATE_INFO:
                t.writeRunstate(g, cr3, arg);
                return 0;
            case VcpuOp.REGISTER_RUNSTATE_MEMORY_AREA: {
                int va = g.read32(cr3, arg);
                if (va != 0 && Integer.compareUnsigned(va, Xen.HYPERVISOR_VIRT_START - VcpuOp.RUNSTATE_SIZE) > 0) {
                    return -Errno.EFAULT; // guest_handle_okay
                }
                t.setRunstateArea(va);
                if (va != 0) {
                    try {
                        t.writeRunstate(g, cr3, va);
                    } catch (org.oxen.vmm.core.guest.GuestFault f) {
                        // as Xen: an unwritable area is not an error of the registration
                    }
                }
                return 0;
            }
            case VcpuOp.REGISTER_VCPU_INFO: {
                long mfn = g.read64(cr3, arg + VcpuOp.REGISTER_VCPU_INFO_MFN);
                int offset = g.read32(cr3, arg + VcpuOp.REGISTER_VCPU_INFO_OFFSET);
                return registerVcpuInfo(v, t, mfn, offset, mc, cmd, vcpuid, arg);
            }
            case VcpuOp.SET_PERIODIC_TIMER: {
                long period = g.read64(cr3, arg + VcpuOp.PERIODIC_PERIOD_NS);
                if (!VcpuTimers.acceptsPeriod(period)) return EINVAL;
                t.timers().setPeriod(period);
                return 0;
            }
            case VcpuOp.STOP_PERIODIC_TIMER:
                t.timers().setPeriod(0);
                return 0;
            case VcpuOp.SET_SINGLESHOT_TIMER: {
                if (t != v) return EINVAL;
                long timeout = g.read64(cr3, arg + VcpuOp.SINGLESHOT_TIMEOUT_ABS_NS);
                int flags = g.read32(cr3, arg + VcpuOp.SINGLESHOT_FLAGS);
                if ((flags & VcpuOp.SSHOTTMR_FUTURE) != 0 && timeout < v.domain().guestClock(v.id()).nanos()) {
                    return -Errno.ETIME;
                }
                t.timers().setSingleshot(timeout == 0 ? 1 : timeout);
                return 0;
            }
            case VcpuOp.STOP_SINGLESHOT_TIMER:
                if (t != v) return EINVAL;
                t.timers().stopSingleshot();
                return 0;
            default:
                return ENOSYS;
        }
    }

    /**
     * VCPUOP_register_vcpu_info as current Xen's common_vcpu_op and map_guest_area: gaddr =
     * mfn &lt;&lt; 12 + offset must name the frame {@code mfn} (-EINVAL), a vcpu whose vcpu_info
     * moved already is -EBUSY, a vcpu_info that would cross the page or is not 4-aligned
     * (compat_ulong_t) -ENXIO, a frame the domain does not own -EINVAL, one that cannot be
     * writable (a page table, a descriptor page) -EACCES. The frame keeps a writable type
     * reference while it holds vcpu_info (so it can never become a page table) and is freed with
     * the domain. Another vcpu is paused for the move (its copy must not change meanwhile);
     * the contents are copied, then every selector bit and evtchn_upcall_pending are set so no
     * event pending in the old copy is lost.
     */
    private long registerVcpuInfo(VcpuImpl v, VcpuImpl t, long mfn, int offset, boolean mc, int cmd, int vcpuid,
            int arg) {
        long gaddr = (mfn << 12) + (offset & 0xFFFFFFFFL);
        if (gaddr == -1 || (gaddr >>> 12) != mfn || (mfn >>> 52) != 0) return EINVAL;
        if (t.vcpuInfoFrame() >= 0) return -Errno.EBUSY;
        if ((gaddr >>> 12) != ((gaddr + SharedInfo.VCPU_INFO_SIZE - 1) >>> 12) || (gaddr & 3) != 0) {
            return -Errno.ENXIO;
        }
        DomainImpl d = t.domain();
        FramePool pool = s.pool();
        PageTables pt = s.pageTables();
        int frame = (int) mfn;
        synchronized (pool) {
            if (!pt.getPage(mfn, d.memory())) return EINVAL;
            if (pt.getPageType(frame, PageType.WRITABLE, d.memory()) != 0) {
                pt.putPage(frame);
                return -Errno.EACCES;
            }
        }
        boolean paused = false;
        if (t != v) {
            if (!d.hypercallDeadlockMutex.tryLock()) {
                release(pool, pt, frame, d);
                return Args.continuation(v, mc, org.oxen.vmm.abi.Hypercall.VCPU_OP, 3, cmd, vcpuid, arg, 0);
            }
            try {
                t.pause();
                paused = true;
                while (t.running()) {
                    v.flushIfRequested(); // a vcpu waiting for our TLB flush must not wait for us in turn
                    Thread.onSpinWait();
                }
            } finally {
                d.hypercallDeadlockMutex.unlock();
            }
        }
        long rc = 0;
        try {
            synchronized (d.domainLock) {
                if (t.vcpuInfoFrame() >= 0) {
                    rc = -Errno.EBUSY;
                } else {
                    org.oxen.x86.api.Ram ram = d.ram();
                    long from = t.vcpuInfoAddress();
                    for (int i = 0; i < SharedInfo.VCPU_INFO_SIZE; i += 4) {
                        ram.write32(gaddr + i, ram.read32(from + i));
                    }
                    t.moveVcpuInfo(frame, gaddr);
                }
            }
            if (rc == 0) EventChannels.markAllPending(t);
        } finally {
            if (paused) t.unpause();
        }
        if (rc != 0) release(pool, pt, frame, d);
        return rc;
    }

    private static void release(FramePool pool, PageTables pt, int frame, DomainImpl d) {
        synchronized (pool) {
            pt.putPageAndType(frame, d.memory());
        }
    }

    /** VCPUOP_down: the last vcpu going down shuts the domain down (poweroff), as current Xen. */
    private long down(VcpuImpl v, VcpuImpl t) {
        DomainImpl d = v.domain();
        synchronized (d.domainLock) {
            boolean others = false;
            for (int i = 0; i < d.vcpuCount(); i++) {
                if (i != t.id() && d.vcpu(i).online()) others = true;
            }
            if (!others) {
                d.shutdown(ShutdownReason.POWEROFF);
                v.endSlice = true;
                return 0;
            }
            if (t.online()) {
                t.setOnline(false);
                s.blocked(t);
            }
        }
        if (t == v) v.endSlice = true;
        return 0;
    }

    /**
     * arch_set_info_guest for a 32-bit PV vcpu that has not run: selectors with RPL 0 run at
     * RPL 1 (fixup_guest_code/stack_selector), the LDT must be page aligned with at most 8192
     * entries (it is installed once CR3 is, as MMUEXT_SET_LDT would, and the data selectors that
     * name it are loaded from it; code and stack selectors must be the GDT's), CR3 must name an
     * L3 of the domain that validates (a type reference is taken),
     * GDT frames must validate as descriptor pages; EFLAGS gets IF and loses IOPL (kept as the
     * virtual IOPL); only CR0.TS is taken from ctrlreg[0]. Returns 0 or Xen's errno, changing
     * nothing on failure.
     */
    long setContext(VcpuImpl t, VcpuContext c) {
        if ((c.ldtBase() & 0xFFF) != 0 || Integer.compareUnsigned(c.ldtEnts(), VcpuGuestContext.MAX_LDT_ENTS) > 0) {
            return EINVAL;
        }
        int cs = TrapBouncer.fixRpl(c.cs());
        int ss = TrapBouncer.fixRpl(c.ss());
        DomainImpl d = t.domain();
        FramePool pool = s.pool();
        PageTables pt = s.pageTables();
        long l3 = c.cr3Mfn();
        synchronized (pool) {
            if (pt.getPageAndType(l3, PageType.L3, d.memory()) != 0) return EINVAL;
        }
        if (c.gdtEnts() != 0) {
            long rc = traps.installGdt(t, c.gdtFrames(), c.gdtEnts());
            if (rc != 0) {
                synchronized (pool) {
                    pt.putPageAndType((int) l3, d.memory());
                }
                return rc;
            }
        }
        X86Cpu cpu = t.cpu();
        PvVcpu pv = PvVcpu.of(t);
        SegmentState csState = pv.segmentFor(cs, true);
        SegmentState ssState = pv.segmentFor(ss, false);
        if (csState == null || ssState == null || (cs & 3) != (ss & 3)) {
            // oxen loads the selectors now (Xen loads them at the first run and calls the
            // failsafe callback); a context without usable code/stack selectors cannot start
            synchronized (pool) {
                pt.putPageAndType((int) l3, d.memory());
            }
            return EINVAL;
        }
        for (int i = 0; i < 256; i++) {
            long e = c.traps()[i];
            int w0 = (int) e;
            int address = (int) (e >>> 32);
            pv.setTrap(i, address == 0 ? null
                    : new TrapInfo(w0 & 0xFF, (w0 >>> 8) & 0xFF, TrapBouncer.fixRpl((w0 >>> 16) & 0xFFFF), address));
        }
        pv.setKernelStack(TrapBouncer.fixRpl(c.kernelSs()), c.kernelSp());
        pv.setEventCallback(TrapBouncer.fixRpl(c.eventCs()), c.eventEip());
        pv.setFailsafeCallback(TrapBouncer.fixRpl(c.failsafeCs()), c.failsafeEip(),
                (c.flags() & VcpuGuestContext.VGCF_FAILSAFE_DISABLES_EVENTS) != 0 ? 1 : 0);
        pv.setIopl((c.eflags() >>> 12) & 3);
        pv.setVirtualTs((c.ctrlreg()[0] & VcpuImpl.CR0_TS) != 0);
        int[] order = {X86Cpu.EAX, X86Cpu.ECX, X86Cpu.EDX, X86Cpu.EBX, X86Cpu.ESP, X86Cpu.EBP, X86Cpu.ESI, X86Cpu.EDI};
        for (int i = 0; i < 8; i++) {
            cpu.setGpr(order[i], c.gpr()[i]);
        }
        cpu.setSegment(X86Cpu.CS, csState);
        cpu.setSegment(X86Cpu.SS, ssState);
        int[] data = {X86Cpu.DS, X86Cpu.ES, X86Cpu.FS, X86Cpu.GS};
        int[] sels = {c.ds(), c.es(), c.fs(), c.gs()};
        for (int i = 0; i < 4; i++) {
            SegmentState st = (sels[i] & 0xFFFC) == 0 ? null : pv.segmentFor(TrapBouncer.fixRpl(sels[i]), false);
            cpu.setSegment(data[i], st != null ? st : new SegmentState(0, 0, 0, SegmentState.UNUSABLE));
        }
        cpu.setEip(c.eip());
        cpu.setEflags((c.eflags() & ~(TrapBouncer.EFLAGS_IOPL | TrapBouncer.EFLAGS_VM | TrapBouncer.EFLAGS_NT))
                | TrapBouncer.EFLAGS_IF | 2);
        cpu.setCr(0, pv.virtualTs() ? cpu.cr(0) | VcpuImpl.CR0_TS : cpu.cr(0) & ~VcpuImpl.CR0_TS);
        int old = pv.baseL3();
        pv.setBaseL3((int) l3);
        pv.loadCr3();
        if (old >= 0) {
            synchronized (pool) {
                pt.putPageAndType(old, d.memory());
            }
        }
        cpu.flushTlb();
        if (c.ldtEnts() != 0) {
            // Xen keeps ldt_base/ldt_ents and maps the pages at the first use; oxen installs
            // the LDT now, through the vcpu's new CR3, so the data selectors naming it load
            mmu.installLdt(t, c.ldtBase(), c.ldtEnts());
            for (int i = 0; i < 4; i++) {
                if ((sels[i] & 4) == 0) continue;
                SegmentState st = pv.segmentFor(TrapBouncer.fixRpl(sels[i]), false);
                cpu.setSegment(data[i], st != null ? st : new SegmentState(0, 0, 0, SegmentState.UNUSABLE));
            }
        }
        t.setInitialised();
        return 0;
    }
}
