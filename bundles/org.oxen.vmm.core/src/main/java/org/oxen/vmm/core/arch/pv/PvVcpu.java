package org.oxen.vmm.core.arch.pv;

import java.util.Arrays;

import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.core.arch.VcpuArch;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.TrapInfo;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.mm.DomainMemory;
import org.oxen.vmm.core.mm.FramePool;
import org.oxen.x86.cpu.SegmentState;

/**
 * The state Xen keeps for a paravirtualized vcpu (struct pv_vcpu and the PV half of struct
 * arch_vcpu): the virtual IDT (trap table), the kernel stack for ring 3 -> ring 1 transitions,
 * the callbacks, the GDT/LDT frames mapped in the per-domain area, the L3 in CR3, the virtual
 * CR0.TS, the virtual IOPL and the I/O bitmap. {@link #of} finds it from a vcpu.
 *
 * <p>Threading: touched only by the pCPU thread running the vcpu (hypercalls, exits) or while
 * the vcpu is known not to run (builder, VCPUOP_initialise of a vcpu that never ran, destroy).
 * The CR3-reload request is volatile: another vcpu's L3 update raises it.
 */
public final class PvVcpu implements VcpuArch.State {

    /** LDT pages of the per-domain area (64 KiB: 8192 descriptors). */
    public static final int LDT_PAGES = 16;

    private final VcpuImpl vcpu;

    private final TrapInfo[] traps = new TrapInfo[256];
    private int kernelSs, kernelSp;
    private int eventCs, eventEip;
    private int failsafeCs, failsafeEip, failsafeFlags;
    private int nmiEip;
    private int sysenterCs, sysenterEip, sysenterFlags;
    private int syscall32Cs, syscall32Eip, syscall32Flags;
    /** Guest GDT frames (up to 14) and the entry count of set_gdt. */
    private int[] gdtFrames = new int[0];
    private int gdtEntries;
    /** LDT pages mapped in the per-domain area (descriptor type held), -1: not (yet) mapped. */
    private final int[] ldtFrames = new int[LDT_PAGES];
    private int ldtBase, ldtEntries;
    /** Machine frame of the L3 in CR3 (holds an L3 type reference), -1 none. */
    private int baseL3 = -1;
    private volatile boolean cr3ReloadPending;
    private boolean virtualTs;
    private int iopl;
    /** PHYSDEVOP_set_iobitmap: the bitmap's guest virtual address and its port count (0: none). */
    private int iobmpVa, iobmpLimit;

    PvVcpu(VcpuImpl vcpu) {
        this.vcpu = vcpu;
        Arrays.fill(ldtFrames, -1);
    }

    /** The PV state of {@code v}; IllegalStateException for a vcpu of another kind. */
    public static PvVcpu of(VcpuImpl v) {
        if (v.archState() instanceof PvVcpu p) return p;
        throw new IllegalStateException(v + " is not a PV vcpu");
    }

    // ---- trap table

    /** The virtual IDT gate of {@code vector} (0..255), or null. */
    public TrapInfo trap(int vector) {
        return traps[vector & 0xFF];
    }

    public void setTrap(int vector, TrapInfo t) {
        traps[vector & 0xFF] = t;
    }

    public void clearTraps() {
        Arrays.fill(traps, null);
    }

    // ---- kernel stack (stack_switch)

    public int kernelSs() {
        return kernelSs;
    }

    public int kernelSp() {
        return kernelSp;
    }

    public void setKernelStack(int ss, int sp) {
        kernelSs = ss;
        kernelSp = sp;
    }

    // ---- callbacks (set_callbacks, callback_op)

    public int eventCs() {
        return eventCs;
    }

    public int eventEip() {
        return eventEip;
    }

    public void setEventCallback(int cs, int eip) {
        eventCs = cs;
        eventEip = eip;
    }

    public int failsafeCs() {
        return failsafeCs;
    }

    public int failsafeEip() {
        return failsafeEip;
    }

    /** CALLBACKF_* of the failsafe callback (CALLBACKF_mask_events). */
    public int failsafeFlags() {
        return failsafeFlags;
    }

    public void setFailsafeCallback(int cs, int eip, int flags) {
        failsafeCs = cs;
        failsafeEip = eip;
        failsafeFlags = flags;
    }

    public int nmiEip() {
        return nmiEip;
    }

    public void setNmiCallback(int eip) {
        nmiEip = eip;
    }

    public int sysenterCs() {
        return sysenterCs;
    }

    public int sysenterEip() {
        return sysenterEip;
    }

    /** CALLBACKF_* of the sysenter callback (CALLBACKF_mask_events: Xen's sysenter_disables_events). */
    public int sysenterFlags() {
        return sysenterFlags;
    }

    public void setSysenterCallback(int cs, int eip, int flags) {
        sysenterCs = cs;
        sysenterEip = eip;
        sysenterFlags = flags;
    }

    public int syscall32Cs() {
        return syscall32Cs;
    }

    public int syscall32Eip() {
        return syscall32Eip;
    }

    public int syscall32Flags() {
        return syscall32Flags;
    }

    public void setSyscall32Callback(int cs, int eip, int flags) {
        syscall32Cs = cs;
        syscall32Eip = eip;
        syscall32Flags = flags;
    }

    // ---- CR0.TS, IOPL, I/O bitmap

    /** Virtual CR0.TS (fpu_taskswitch). */
    public boolean virtualTs() {
        return virtualTs;
    }

    public void setVirtualTs(boolean ts) {
        virtualTs = ts;
    }

    /** The virtual IOPL (PHYSDEVOP_set_iopl, VMASST_TYPE_architectural_iopl). */
    public int iopl() {
        return iopl;
    }

    public void setIopl(int iopl) {
        this.iopl = iopl;
    }

    /**
     * Xen's iopl_ok: the virtual IOPL lets code at {@code cpl} do CLI/STI and port I/O. The
     * kernel (ring 1) counts as ring 0 under VMASST_TYPE_architectural_iopl, as ring 1 otherwise.
     */
    public boolean ioplOk(int cpl) {
        int effective = cpl == 3 ? 3 : architecturalIopl() ? 0 : 1;
        return effective <= iopl;
    }

    /** VMASST_TYPE_architectural_iopl is on for the vcpu's domain. */
    public boolean architecturalIopl() {
        return (vcpu.domain().vmAssist & 1 << Xen.VMASST_TYPE_ARCHITECTURAL_IOPL) != 0;
    }

    /** The IOPL bits a guest-visible EFLAGS shows: the virtual IOPL under architectural_iopl, else 0. */
    public int eflagsIopl() {
        return architecturalIopl() ? iopl << 12 : 0;
    }

    /** PHYSDEVOP_set_iobitmap's bitmap (a guest virtual address), valid while {@link #iobmpLimit} &gt; 0. */
    public int iobmpVa() {
        return iobmpVa;
    }

    /** The number of ports the I/O bitmap covers (nr_ports), 0 without one. */
    public int iobmpLimit() {
        return iobmpLimit;
    }

    public void setIobitmap(int va, int nrPorts) {
        iobmpVa = va;
        iobmpLimit = nrPorts;
    }

    // ---- CR3

    /** Machine frame of the L3 in CR3 (holds an L3 type reference), -1 none. */
    public int baseL3() {
        return baseL3;
    }

    public void setBaseL3(int mfn) {
        baseL3 = mfn;
    }

    /** Asks for a CR3 reload (PDPTEs) before the vcpu runs again: its L3 changed. */
    public void requestCr3Reload() {
        cr3ReloadPending = true;
    }

    /** On the vcpu's thread: reloads CR3 if asked. */
    public void reloadCr3IfRequested() {
        if (cr3ReloadPending) {
            cr3ReloadPending = false;
            if (baseL3 >= 0) loadCr3();
        }
    }

    /**
     * Points the CPU's CR3 at the guest's L3 {@link #baseL3()} or, in shadow mode, at its shadow
     * L3 (made under the mm lock if it does not exist yet). A PAE CR3 holds a 32-bit address:
     * for a guest L3 above 4 GiB (the guest may make any of its frames its L3, as a compat guest
     * of a 64-bit Xen may) the CPU gets this vcpu's copy of the L3's four entries in a Xen frame
     * below 4 GiB, as 32-bit PAE Xen's per-vcpu low-memory L3 did; a change of the L3 reloads
     * CR3 ({@link #requestCr3Reload}), which copies again. Shadow L3s are below 4 GiB already.
     */
    public void loadCr3() {
        org.oxen.vmm.core.paging.ShadowPaging sh = vcpu.domain().shadow;
        if (sh == null) {
            if (baseL3 < FramePool.LOW_LIMIT_FRAMES) {
                vcpu.cpu().setCr(3, baseL3 << 12);
                return;
            }
            FramePool pool = vcpu.domain().pool();
            int low = vcpu.domain().memory().lowL3(vcpu.id());
            synchronized (pool) {
                for (int i = 0; i < 4; i++) {
                    pool.ram().write64(((long) low << 12) + 8L * i, pool.ram().read64(((long) baseL3 << 12) + 8L * i));
                }
            }
            vcpu.cpu().setCr(3, low << 12);
            return;
        }
        synchronized (vcpu.domain().pool()) {
            vcpu.cpu().setCr(3, sh.shadowL3(baseL3) << 12);
        }
    }

    // ---- descriptor tables

    public int gdtEntries() {
        return gdtEntries;
    }

    /** The set_gdt frames (the array is owned by this state: do not change it). */
    public int[] gdtFrames() {
        return gdtFrames;
    }

    public void setGdt(int[] frames, int entries) {
        gdtFrames = frames;
        gdtEntries = entries;
    }

    public int ldtBase() {
        return ldtBase;
    }

    public int ldtEntries() {
        return ldtEntries;
    }

    public void setLdt(int base, int entries) {
        ldtBase = base;
        ldtEntries = entries;
    }

    /** The machine frame of LDT page {@code p} mapped in the per-domain area, -1 if not (yet). */
    public int ldtFrame(int p) {
        return ldtFrames[p];
    }

    public void setLdtFrame(int p, int mfn) {
        ldtFrames[p] = mfn;
    }

    /** Guest GDT page {@code p} (0..15) -> machine frame, as mapped in the per-domain area. */
    public int gdtPageFrame(int p) {
        DomainImpl d = vcpu.domain();
        if (p < gdtFrames.length) return gdtFrames[p];
        if (p == Xen.FIRST_RESERVED_GDT_PAGE) return d.pool().reservedGdtFrame();
        return d.pool().zeroFrame();
    }

    /** Maps the GDT frames into the per-domain area (after set_gdt or at creation). */
    public void mapGdt() {
        DomainImpl d = vcpu.domain();
        DomainMemory dm = d.memory();
        for (int p = 0; p < DomainMemory.GDT_PAGES; p++) {
            dm.mapPerdomain(d.pool(), vcpu.id(), p, gdtPageFrame(p));
        }
    }

    /** Maps the LDT pages into the per-domain area (the unmapped ones fault and are mapped lazily). */
    public void mapLdt() {
        DomainImpl d = vcpu.domain();
        DomainMemory dm = d.memory();
        for (int p = 0; p < LDT_PAGES; p++) {
            // a page of the LDT not mapped yet faults (and is mapped lazily); beyond it, zeros
            int f = ldtFrames[p] >= 0 ? ldtFrames[p] : p * 512 < ldtEntries ? -1 : d.pool().zeroFrame();
            dm.mapPerdomain(d.pool(), vcpu.id(), DomainMemory.LDT_OFFSET_PAGES + p, f);
        }
    }

    /** Loads LDTR with the per-domain LDT mapping (or a null LDT). */
    public void loadLdtr() {
        if (ldtEntries == 0) {
            vcpu.cpu().setLdtr(new SegmentState(0, 0, 0, SegmentState.UNUSABLE));
        } else {
            vcpu.cpu().setLdtr(new SegmentState(0, DomainMemory.ldtVirt(vcpu.id()), ldtEntries * 8 - 1, 0x82));
        }
        vcpu.cpu().flushTlb();
    }

    /**
     * The descriptor of {@code sel} from this vcpu's GDT or LDT (read from the frames, not
     * through the guest's mappings), or 0 when the selector is null or beyond the table.
     */
    public long descriptor(int sel) {
        int index = sel >>> 3;
        int frame;
        if ((sel & 4) != 0) {
            if (index >= ldtEntries) return 0;
            frame = ldtFrames[index >>> 9];
            if (frame < 0) return 0;
        } else {
            if ((sel & 0xFFFC) == 0 || index >= Xen.FIRST_RESERVED_GDT_ENTRY + 512) return 0;
            frame = gdtPageFrame(index >>> 9);
        }
        return vcpu.domain().ram().read64(((long) frame << 12) + (index & 511) * 8L);
    }

    /**
     * A segment register for {@code sel} as the CPU would load it at privilege RPL (code or
     * data), or null if the descriptor is unusable: not present, wrong kind, or DPL not matching.
     */
    public SegmentState segmentFor(int sel, boolean code) {
        long d = descriptor(sel);
        int hi = (int) (d >>> 32);
        int lo = (int) d;
        if ((hi & 0x8000) == 0 || (hi & 0x1000) == 0) return null;
        boolean isCode = (hi & 0x800) != 0;
        int dpl = (hi >>> 13) & 3;
        int rpl = sel & 3;
        if (code) {
            if (!isCode || dpl != rpl) return null;
        } else {
            if (isCode && (hi & 0x200) == 0) return null;
            if (dpl < rpl) return null;
        }
        int base = (lo >>> 16) | (hi & 0xFF) << 16 | (hi & 0xFF000000);
        int limit = (lo & 0xFFFF) | (hi & 0xF0000);
        if ((hi & 0x800000) != 0) limit = limit << 12 | 0xFFF;
        return new SegmentState(sel, base, limit, (hi >>> 8) & 0xF0FF);
    }
}
