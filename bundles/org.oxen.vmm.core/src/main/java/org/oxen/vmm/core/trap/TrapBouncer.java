package org.oxen.vmm.core.trap;

import org.oxen.vmm.abi.SharedInfo;
import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.core.arch.pv.PvVcpu;
import org.oxen.vmm.core.domain.TrapInfo;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.guest.GuestFault;
import org.oxen.vmm.core.guest.GuestMemory;
import org.oxen.x86.cpu.SegmentState;
import org.oxen.x86.cpu.X86Cpu;

/**
 * Bounces exceptions and software interrupts to the guest kernel (Xen's create_bounce_frame),
 * and returns from them (the iret hypercall).
 *
 * <p>The frame is the one the hardware would build through an interrupt gate: from ring 1 on
 * the current stack {@code [error] eip cs eflags}; from ring 3 on the stack_switch stack
 * {@code [error] eip cs eflags esp ss}. Differences from hardware, as in Xen: the saved CS
 * carries the vcpu's saved upcall mask in bits 16..23, and the saved EFLAGS.IF is the virtual
 * interrupt flag ({@code !upcall_mask}). A gate with the mask flag sets the upcall mask.
 */
public final class TrapBouncer {

    public static final int EFLAGS_TF = 0x100, EFLAGS_IF = 0x200, EFLAGS_IOPL = 0x3000, EFLAGS_NT = 0x4000,
            EFLAGS_RF = 0x10000, EFLAGS_VM = 0x20000;

    private final GuestMemory mem;

    public TrapBouncer(GuestMemory mem) {
        this.mem = mem;
    }

    /**
     * Delivers {@code vector} to the guest's handler with {@code error} (-1: none), returning to
     * {@code returnEip}. For #PF, {@code cr2} goes to vcpu_info.arch.cr2 and the CPU's CR2.
     * Returns false (and crashes the domain) when there is no handler or the frame cannot be
     * written.
     */
    public boolean bounce(VcpuImpl v, int vector, int error, int returnEip, int cr2) {
        X86Cpu cpu = v.cpu();
        TrapInfo ti = PvVcpu.of(v).trap(vector & 0xFF);
        if (ti == null || ti.address() == 0) {
            v.domain().crash(String.format("no trap handler for vector %d (error %s) at eip 0x%08x", vector,
                    error < 0 ? "none" : Integer.toHexString(error), returnEip));
            return false;
        }
        if (vector == 14) {
            cpu.setCr(2, cr2);
            v.domain().ram().write32(v.vcpuInfoAddress() + SharedInfo.VI_CR2, cr2);
        }
        return deliver(v, ti.cs(), ti.address(), ti.masksEvents(), error, returnEip, "vector " + vector);
    }

    /** Builds the frame and enters {@code cs:eip} in the guest kernel. */
    public boolean deliver(VcpuImpl v, int cs, int eip, boolean maskEvents, int error, int returnEip, String what) {
        X86Cpu cpu = v.cpu();
        return deliver(v, cs, eip, maskEvents, error, returnEip, cpu.segment(X86Cpu.CS).selector,
                cpu.segment(X86Cpu.SS).selector, cpu.gpr(X86Cpu.ESP), what);
    }

    /**
     * Builds a frame that returns to {@code oldCs:returnEip} with stack {@code oldSs:oldEsp}
     * (from ring 3: the SYSENTER entry gives null ones, as Xen's sysenter_entry) and enters
     * {@code cs:eip} in the guest kernel. The saved EFLAGS has IF = !upcall mask and, under
     * VMASST_TYPE_architectural_iopl, the virtual IOPL (compat_create_bounce_frame). The
     * handler's selector is checked as Xen's return to it checks it: a null one crashes the
     * domain; any other the vcpu cannot load (beyond its GDT, Xen's own, not present, DPL 0)
     * leaves the frame written and enters the failsafe callback from the handler's state, as
     * Xen's faulting iret does (compat_failsafe_callback); without one the domain crashes.
     */
    public boolean deliver(VcpuImpl v, int cs, int eip, boolean maskEvents, int error, int returnEip, int oldCs,
            int oldSs, int oldEsp, String what) {
        X86Cpu cpu = v.cpu();
        int cpl = cpu.cpl();
        int mask = v.upcallMask();
        int eflags = (cpu.eflags() & ~(EFLAGS_IF | EFLAGS_IOPL)) | (mask == 0 ? EFLAGS_IF : 0)
                | PvVcpu.of(v).eflagsIopl();
        SegmentState newCs = PvVcpu.of(v).segmentFor(fixRpl(cs), true);
        if (newCs == null && (cs & ~3) == 0) { // compat_create_bounce_frame: compat_bounce_null_selector
            v.domain().crash(String.format("null handler code selector 0x%04x for %s", cs, what));
            return false;
        }
        int cr3 = cpu.cr(3);
        int esp;
        SegmentState newSs = null;
        try {
            if (cpl == 3) {
                newSs = PvVcpu.of(v).segmentFor(PvVcpu.of(v).kernelSs(), false);
                if (newSs == null || PvVcpu.of(v).kernelSs() == 0) {
                    v.domain().crash(String.format("%s from ring 3 without a usable kernel stack (stack_switch "
                            + "ss 0x%04x)", what, PvVcpu.of(v).kernelSs()));
                    return false;
                }
                esp = PvVcpu.of(v).kernelSp();
                esp -= 4;
                mem.write32(cr3, esp, oldSs);
                esp -= 4;
                mem.write32(cr3, esp, oldEsp);
            } else {
                esp = oldEsp;
            }
            esp -= 4;
            mem.write32(cr3, esp, eflags);
            esp -= 4;
            mem.write32(cr3, esp, (oldCs & 0xFFFF) | (mask & 0xFF) << 16);
            esp -= 4;
            mem.write32(cr3, esp, returnEip);
            if (error >= 0) {
                esp -= 4;
                mem.write32(cr3, esp, error);
            }
        } catch (GuestFault f) {
            v.domain().crash(String.format("cannot write the exception frame for %s on the guest stack (esp "
                    + "0x%08x)", what, cpl == 3 ? PvVcpu.of(v).kernelSp() : oldEsp));
            return false;
        }
        if (maskEvents) {
            v.setUpcallMask(1);
        }
        int handlerEflags = (cpu.eflags() & ~(EFLAGS_TF | EFLAGS_NT | EFLAGS_RF | EFLAGS_VM)) | EFLAGS_IF;
        if (newSs != null) {
            cpu.setSegment(X86Cpu.SS, newSs);
        }
        if (newCs == null) {
            // Xen writes the frame, then its return to the handler faults on the selector and
            // enters the failsafe callback from the handler's state (compat_failsafe_callback)
            cpu.setGpr(X86Cpu.ESP, esp);
            return failsafe(v, eip, fixRpl(cs), handlerEflags, esp, cpu.segment(X86Cpu.SS).selector, esp,
                    String.format("unusable handler code selector 0x%04x for %s", fixRpl(cs), what));
        }
        cpu.setSegment(X86Cpu.CS, newCs);
        cpu.setGpr(X86Cpu.ESP, esp);
        cpu.setEip(eip);
        cpu.setEflags(handlerEflags);
        return true;
    }

    /**
     * The iret hypercall (x86_32 do_iret): at ESP the guest pushed eax, eip, cs, eflags [, esp,
     * ss for a return to ring 2/3]. Restores them; the upcall mask becomes !IF. Returns false
     * (domain crashed) on a bad frame.
     */
    public boolean iret(VcpuImpl v) {
        X86Cpu cpu = v.cpu();
        int cr3 = cpu.cr(3);
        int sp = cpu.gpr(X86Cpu.ESP);
        int eax, eip, cs, eflags, esp = 0, ss = 0;
        try {
            eax = mem.read32(cr3, sp);
            eip = mem.read32(cr3, sp + 4);
            cs = mem.read32(cr3, sp + 8) & 0xFFFF;
            eflags = mem.read32(cr3, sp + 12);
            sp += 16;
            if ((cs & 3) >= 2) {
                esp = mem.read32(cr3, sp);
                ss = mem.read32(cr3, sp + 4) & 0xFFFF;
                sp += 8;
            }
        } catch (GuestFault f) {
            v.domain().crash(String.format("iret: frame at 0x%08x unreadable", sp));
            return false;
        }
        if ((cs & 3) == 0) {
            v.domain().crash(String.format("iret to ring 0 (cs 0x%04x)", cs));
            return false;
        }
        if ((eflags & EFLAGS_VM) != 0) {
            v.domain().crash("iret to virtual-8086 mode is not supported");
            return false;
        }
        PvVcpu pv = PvVcpu.of(v);
        if (pv.architecturalIopl()) pv.setIopl((eflags & EFLAGS_IOPL) >>> 12);
        SegmentState newCs = PvVcpu.of(v).segmentFor(cs, true);
        if (newCs == null) {
            cpu.setGpr(X86Cpu.EAX, eax);
            return failsafe(v, eip, cs, eflags, esp, ss, sp,
                    String.format("iret: unusable code selector 0x%04x", cs));
        }
        SegmentState newSs = null;
        if ((cs & 3) >= 2) {
            newSs = PvVcpu.of(v).segmentFor(ss, false);
            if (newSs == null || (ss & 3) != (cs & 3)) {
                cpu.setGpr(X86Cpu.EAX, eax);
                return failsafe(v, eip, cs, eflags, esp, ss, sp,
                        String.format("iret: unusable stack selector 0x%04x for cs 0x%04x", ss, cs));
            }
        }
        cpu.setSegment(X86Cpu.CS, newCs);
        if (newSs != null) {
            cpu.setSegment(X86Cpu.SS, newSs);
            cpu.setGpr(X86Cpu.ESP, esp);
            nullInaccessibleDataSegments(cpu, cs & 3);
        } else {
            cpu.setGpr(X86Cpu.ESP, sp);
        }
        cpu.setEip(eip);
        cpu.setEflags((eflags & ~(EFLAGS_IOPL | EFLAGS_VM)) | EFLAGS_IF | 2);
        cpu.setGpr(X86Cpu.EAX, eax);
        v.setUpcallMask((eflags & EFLAGS_IF) == 0 ? 1 : 0);
        return true;
    }

    /**
     * The return to the guest failed on a segment (Xen: the iret back to the guest faults and
     * the failsafe callback is entered): without a failsafe callback the domain crashes with
     * {@code why}; with one, Xen's failsafe bounce frame {@code ds es fs gs eip cs eflags [esp ss]}
     * (the frame that could not be returned to, with the data selectors) goes on the guest
     * kernel's stack (the stack_switch stack when that frame was for ring 3), the data segments
     * become null, events are masked if the callback was registered with
     * CALLBACKF_mask_events, and the guest kernel runs at the callback.
     */
    private boolean failsafe(VcpuImpl v, int eip, int cs, int eflags, int esp, int ss, int sp, String why) {
        X86Cpu cpu = v.cpu();
        SegmentState fcs = PvVcpu.of(v).failsafeEip() == 0 ? null : PvVcpu.of(v).segmentFor(fixRpl(PvVcpu.of(v).failsafeCs()), true);
        if (fcs == null) {
            v.domain().crash(why + (PvVcpu.of(v).failsafeEip() == 0 ? " (no failsafe callback)" : String.format(
                    " (failsafe callback selector 0x%04x unusable)", PvVcpu.of(v).failsafeCs())));
            return false;
        }
        boolean toUser = (cs & 3) >= 2;
        SegmentState kss = null;
        int stack = sp;
        if (toUser) {
            kss = PvVcpu.of(v).segmentFor(PvVcpu.of(v).kernelSs(), false);
            if (kss == null || PvVcpu.of(v).kernelSs() == 0) {
                v.domain().crash(why + String.format(" (failsafe from ring 3 without a usable kernel stack, ss 0x%04x)",
                        PvVcpu.of(v).kernelSs()));
                return false;
            }
            stack = PvVcpu.of(v).kernelSp();
        }
        int mask = v.upcallMask();
        int cr3 = cpu.cr(3);
        try {
            if (toUser) {
                stack -= 4;
                mem.write32(cr3, stack, ss);
                stack -= 4;
                mem.write32(cr3, stack, esp);
            }
            stack -= 4;
            mem.write32(cr3, stack, (eflags & ~EFLAGS_IF) | (mask == 0 ? EFLAGS_IF : 0));
            stack -= 4;
            mem.write32(cr3, stack, (cs & 0xFFFF) | (mask & 0xFF) << 16);
            stack -= 4;
            mem.write32(cr3, stack, eip);
            for (int s : new int[] {X86Cpu.GS, X86Cpu.FS, X86Cpu.ES, X86Cpu.DS}) {
                stack -= 4;
                mem.write32(cr3, stack, cpu.segment(s).selector);
            }
        } catch (GuestFault f) {
            v.domain().crash(why + String.format(" (the failsafe frame cannot be written at 0x%08x)", stack));
            return false;
        }
        for (int s : new int[] {X86Cpu.DS, X86Cpu.ES, X86Cpu.FS, X86Cpu.GS}) {
            cpu.setSegment(s, new SegmentState(0, 0, 0, SegmentState.UNUSABLE));
        }
        cpu.setSegment(X86Cpu.CS, fcs);
        if (kss != null) cpu.setSegment(X86Cpu.SS, kss);
        cpu.setGpr(X86Cpu.ESP, stack);
        cpu.setEip(PvVcpu.of(v).failsafeEip());
        cpu.setEflags((cpu.eflags() & ~(EFLAGS_TF | EFLAGS_NT | EFLAGS_RF | EFLAGS_VM)) | EFLAGS_IF);
        if ((PvVcpu.of(v).failsafeFlags() & org.oxen.vmm.abi.Callback.CALLBACKF_MASK_EVENTS) != 0) v.setUpcallMask(1);
        return true;
    }

    /** As the hardware IRET to an outer ring: data segments the new CPL may not use become null. */
    private static void nullInaccessibleDataSegments(X86Cpu cpu, int cpl) {
        for (int s : new int[] {X86Cpu.DS, X86Cpu.ES, X86Cpu.FS, X86Cpu.GS}) {
            SegmentState st = cpu.segment(s);
            if ((st.attributes & SegmentState.UNUSABLE) != 0) continue;
            boolean conformingCode = (st.attributes & 0xC) == 0xC;
            if (!conformingCode && st.dpl() < cpl) {
                cpu.setSegment(s, new SegmentState(0, 0, 0, SegmentState.UNUSABLE));
            }
        }
    }

    /** Xen's fixup_guest_code_selector: a kernel selector with RPL 0 runs at RPL 1. */
    public static int fixRpl(int sel) {
        return (sel & 3) == 0 ? sel | 1 : sel;
    }

    static boolean isXenSelector(int sel) {
        return (sel >>> 3) >= Xen.FIRST_RESERVED_GDT_ENTRY;
    }
}
