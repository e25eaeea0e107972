package org.oxen.vmm.core.trap;

import org.oxen.vmm.abi.Hypercall;
import org.oxen.vmm.core.arch.pv.PvVcpu;
import org.oxen.vmm.core.domain.TrapInfo;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.guest.GuestFault;
import org.oxen.vmm.core.guest.GuestMemory;
import org.oxen.vmm.core.mm.DomainMemory;
import org.oxen.x86.cpu.CpuExit;
import org.oxen.x86.cpu.CpuidModel;
import org.oxen.x86.cpu.ExitAction;
import org.oxen.x86.cpu.ExitHandler;
import org.oxen.x86.cpu.X86Cpu;

/**
 * A PV vcpu's way into the hypervisor (Xen's entry.S + traps.c): every exception and every
 * INT n leaves the emulator and comes here. INT 0x82 from ring 1 is a hypercall; other INT n
 * are bounced when the trap table's DPL allows them, else #GP(vector*8+2) (do_general_protection's
 * "INT n" trick: Xen's IDT gates are DPL 0); INT3, INTO, INT1 and {@code int $3}/{@code int $4}
 * are bounced whatever the trap table's DPL (Xen's gates for #BP and #OF are DPL 3 and do_int3 /
 * do_trap inject them as exceptions; INT1 is do_debug's); exceptions are bounced (#PF with CR2, #NM after fpu_taskswitch, #UD with the
 * forced-emulation prefix emulated); the guest kernel has no IDT of its own in the CPU (IDTR
 * limit 0), so nothing is ever delivered behind the hypervisor's back.
 */
public final class PvExitHandler implements ExitHandler {

    /** The hypercall entry (the dispatcher). */
    public interface Hypercalls {
        void dispatch(VcpuImpl v);

        void countInternalError();

        /** Maps page {@code page} of the vcpu's LDT now (a lazy LDT fault); false if it cannot be. */
        boolean mapLdtPage(VcpuImpl v, int page);

        /**
         * A write #PF on a read-only mapping of one of the domain's L1 tables, with the
         * writable_pagetables assist on: the write is emulated with validation (EIP moved on);
         * false if it is not such a write or cannot be done (the guest then gets the #PF).
         */
        boolean emulatePageTableWrite(VcpuImpl v, X86Cpu cpu, int eip, int error, int address);

        /** One hypercall through the table (emulated instructions reuse its semantics). */
        long call(VcpuImpl v, int nr, int a1, int a2, int a3, int a4, int a5, int a6, boolean inMulticall);
    }

    private static final byte[] FORCED_CPUID = {0x0F, 0x0B, 0x78, 0x65, 0x6E, 0x0F, (byte) 0xA2};

    private final VcpuImpl v;
    private final TrapBouncer bouncer;
    private final GuestMemory mem;
    private final Hypercalls hypercalls;
    private final PvCpuid cpuid;
    private final PrivilegedOps privileged;

    public PvExitHandler(VcpuImpl v, TrapBouncer bouncer, GuestMemory mem, Hypercalls hypercalls, PvCpuid cpuid) {
        this.v = v;
        this.bouncer = bouncer;
        this.mem = mem;
        this.hypercalls = hypercalls;
        this.cpuid = cpuid;
        this.privileged = new PrivilegedOps(mem, hypercalls);
    }

    @Override
    public ExitAction onExit(X86Cpu cpu, CpuExit exit) {
        v.counters.exit(exit.reason());
        try {
            handle(cpu, exit);
        } catch (RuntimeException | StackOverflowError e) {
            hypercalls.countInternalError();
            v.domain().crash("hypervisor error handling " + exit + ": " + e);
            v.endSlice = true;
        }
        if (v.endSlice || v.preemptPoint || v.domain().isStopped()) {
            return ExitAction.STOP;
        }
        try {
            v.arch().beforeResume(v);
        } catch (RuntimeException | StackOverflowError e) {
            hypercalls.countInternalError();
            v.domain().crash("hypervisor error delivering events after " + exit + ": " + e);
            return ExitAction.STOP;
        }
        return v.domain().isStopped() ? ExitAction.STOP : ExitAction.RESUME;
    }

    private void handle(X86Cpu cpu, CpuExit exit) {
        switch (exit.reason()) {
            case SOFTWARE_INTERRUPT:
                softwareInterrupt(cpu, exit.vector(), exit.eip(), exit.nextEip());
                return;
            case EXCEPTION:
                if ((exit.vector() == 1 || exit.vector() == 3) && debuggerTakes(cpu, exit)) return;
                if (exit.nextEip() != exit.eip() && (exit.vector() == 1 || exit.vector() == 3 || exit.vector() == 4)) {
                    // INT1 / INT3 / INTO as a trap exit: the instruction, not a fault
                    oneByteTrap(exit.vector(), exit.nextEip());
                    return;
                }
                exception(cpu, exit.vector(), exit.errorCode(), exit.eip(), exit.address(),
                        (cpu.eflags() & TrapBouncer.EFLAGS_TF) != 0);
                return;
            default:
                v.domain().crash("unexpected exit " + exit);
        }
    }

    /** A #DB or #BP that an attached debugger takes: the domain is stopping, the vcpu leaves guest code. */
    private boolean debuggerTakes(X86Cpu cpu, CpuExit exit) {
        org.oxen.vmm.core.domain.DomainDebugger d = v.domain().debugger();
        if (d == null || !d.onDebugException(v, cpu, exit)) return false;
        v.endSlice = true;
        return true;
    }

    private void softwareInterrupt(X86Cpu cpu, int vector, int eip, int nextEip) {
        int cpl = cpu.cpl();
        if (vector == Hypercall.VECTOR && cpl == 1) {
            cpu.setEip(nextEip);
            hypercalls.dispatch(v);
            return;
        }
        TrapInfo ti = PvVcpu.of(v).trap(vector);
        if (isXenSoftwareGate(vector) || (ti != null && ti.address() != 0 && ti.dpl() >= cpl)) {
            bouncer.bounce(v, vector, -1, nextEip, 0);
        } else {
            bouncer.bounce(v, 13, vector << 3 | 2, eip, 0);
        }
    }

    /** #BP and #OF: Xen's own IDT gates are DPL 3 (set_swint_gate), so no guest DPL applies. */
    private static boolean isXenSoftwareGate(int vector) {
        return vector == 3 || vector == 4;
    }

    /**
     * SYSENTER in ring 3 (the CPU's #GP(0): a PV vcpu's SYSENTER_CS MSR is null), delivered as
     * Xen's sysenter_entry and compat_sysenter do: a frame returning to the null ring-3 CS with
     * EIP 0, ESP 0 and the flat user SS (the guest's ABI passes what it needs in registers) on
     * the kernel stack, to the CALLBACKTYPE_sysenter callback with events masked if it was
     * registered with CALLBACKF_mask_events. Its code selector, if null, is the #GP handler's;
     * without a callback the guest gets #GP(0) through its trap table from that same frame.
     * Returns false if the instruction is not SYSENTER.
     */
    private boolean sysenter(X86Cpu cpu, int eip) {
        int lin = cpu.segment(X86Cpu.CS).base + eip;
        try {
            if (mem.read8(cpu.cr(3), lin) != 0x0F || mem.read8(cpu.cr(3), lin + 1) != 0x34) return false;
        } catch (org.oxen.vmm.core.guest.GuestFault f) {
            return false;
        }
        PvVcpu pv = PvVcpu.of(v);
        TrapInfo gp = pv.trap(13);
        int cs = pv.sysenterCs();
        if ((cs & ~3) == 0 && gp != null) cs = gp.cs();
        if (pv.sysenterEip() == 0) {
            if (gp == null || gp.address() == 0) {
                v.domain().crash("SYSENTER without a sysenter callback or #GP handler");
                return true;
            }
            bouncer.deliver(v, gp.cs(), gp.address(), gp.masksEvents(), 0, 0, 3, org.oxen.vmm.abi.Xen.FLAT_RING3_SS, 0,
                    "SYSENTER without a sysenter callback (#GP)");
            return true;
        }
        boolean mask = (pv.sysenterFlags() & org.oxen.vmm.abi.Callback.CALLBACKF_MASK_EVENTS) != 0;
        bouncer.deliver(v, cs, pv.sysenterEip(), mask, -1, 0, 3, org.oxen.vmm.abi.Xen.FLAT_RING3_SS, 0, "SYSENTER");
        return true;
    }

    /**
     * An exception exit: emulated where Xen emulates (the forced-emulation CPUID on #UD, #NM
     * under the virtual TS, privileged instructions on #GP(0), writable page tables and the
     * lazy LDT on #PF), else bounced. {@code singleStep}: EFLAGS.TF was set when the instruction
     * began, so one the hypervisor completes ends in its single-step #DB.
     */
    private void exception(X86Cpu cpu, int vector, int error, int eip, int address, boolean singleStep) {
        switch (vector) {
            case 6:
                if (forcedEmulation(cpu, eip)) {
                    emulated(cpu, singleStep);
                    return;
                }
                break;
            case 7:
                if (PvVcpu.of(v).virtualTs()) {
                    PvVcpu.of(v).setVirtualTs(false);
                    cpu.setCr(0, cpu.cr(0) & ~org.oxen.vmm.core.domain.VcpuImpl.CR0_TS);
                    break;
                }
                if ((cpu.cr(0) & org.oxen.vmm.core.domain.VcpuImpl.CR0_TS) != 0) {
                    cpu.setCr(0, cpu.cr(0) & ~org.oxen.vmm.core.domain.VcpuImpl.CR0_TS);
                    return;
                }
                break;
            case 13:
                if (error >= 0 && (error & 2) != 0 && oneByteInt(cpu, eip)) return;
                if (error == 0 && cpu.cpl() == 3 && sysenter(cpu, eip)) return;
                if (error == 0 && privileged.emulate(v, cpu, eip)) {
                    emulated(cpu, singleStep);
                    return;
                }
                break;
            case 14: {
                org.oxen.vmm.core.paging.ShadowPaging sh = v.domain().shadow;
                if (sh != null) { // shadow mode: fill the shadow from the guest's tables, or give the guest its fault
                    long r;
                    synchronized (v.domain().pool()) {
                        r = sh.fault(mem.guestL3Address(cpu.cr(3)), address, error);
                    }
                    if (r < 0) return;
                    error = (int) r;
                }
                if (hypercalls.emulatePageTableWrite(v, cpu, eip, error, address)) {
                    emulated(cpu, singleStep);
                    return;
                }
                // a supervisor access to this vcpu's LDT area: the LDT page is mapped lazily (Xen's
                // handle_gdt_ldt_mapping_fault); if it cannot be, the guest sees a #PF at its LDT address
                int off = address - DomainMemory.ldtVirt(v.id());
                if (off >= 0 && off < 16 * 4096 && (error & (4 | 8)) == 0) {
                    if (hypercalls.mapLdtPage(v, off >>> 12)) return;
                    address = PvVcpu.of(v).ldtBase() + off;
                }
                break;
            }
            default:
                break;
        }
        bouncer.bounce(v, vector, error, eip, address);
    }

    private static final int DR6_B0_B3 = 0xF, DR6_BS = 0x4000;

    /**
     * After an instruction the hypervisor completed for the guest (EIP already past it): if
     * TF was set when it began, the single-step trap the hardware would have taken, as Xen's
     * pv_emul_instruction_done and the emulator's retire.pending_dbg inject it: DR6 merged as
     * x86_merge_dr6 (B0-B3 cleared, BS set) and #DB bounced with EIP after the instruction.
     */
    private void emulated(X86Cpu cpu, boolean singleStep) {
        if (!singleStep) return;
        cpu.setDr(6, (cpu.dr(6) & ~DR6_B0_B3) | DR6_BS);
        bouncer.bounce(v, 1, -1, cpu.eip(), 0);
    }

    /**
     * INT3 / INTO / INT1 that reached the empty IDT (a CPU without trap exits for them reports
     * #GP with the IDT bit): recognize the opcode and treat them as the interrupts they are.
     */
    private boolean oneByteInt(X86Cpu cpu, int eip) {
        int b;
        try {
            b = mem.read8(cpu.cr(3), cpu.segment(X86Cpu.CS).base + eip);
        } catch (GuestFault f) {
            return false;
        }
        switch (b) {
            case 0xCC: oneByteTrap(3, eip + 1); return true;
            case 0xCE: oneByteTrap(4, eip + 1); return true;
            case 0xF1: oneByteTrap(1, eip + 1); return true;
            default: return false;
        }
    }

    /**
     * A one-byte INT (INT3, INTO, INT1): a trap (EIP after it) bounced whatever the trap table's
     * DPL, as Xen's do_int3, do_trap and do_debug inject them.
     */
    private void oneByteTrap(int vector, int nextEip) {
        bouncer.bounce(v, vector, -1, nextEip, 0);
    }

    /** ud2a; "xen"; cpuid: emulate CPUID with the PV view and skip the prefix. */
    private boolean forcedEmulation(X86Cpu cpu, int eip) {
        int lin = cpu.segment(X86Cpu.CS).base + eip;
        try {
            for (int i = 0; i < FORCED_CPUID.length; i++) {
                if ((byte) mem.read8(cpu.cr(3), lin + i) != FORCED_CPUID[i]) return false;
            }
        } catch (GuestFault f) {
            return false;
        }
        int[] out = new int[4];
        cpuid.query(cpu.gpr(X86Cpu.EAX), cpu.gpr(X86Cpu.ECX), out);
        cpu.setGpr(X86Cpu.EAX, out[0]);
        cpu.setGpr(X86Cpu.EBX, out[1]);
        cpu.setGpr(X86Cpu.ECX, out[2]);
        cpu.setGpr(X86Cpu.EDX, out[3]);
        cpu.setEip(eip + FORCED_CPUID.length);
        return true;
    }

    /** The CPUID a PV guest sees (Xen's pv_cpuid): masked features and Xen's leaves 0x40000000+. */
    public static final class PvCpuid {
        private final CpuidModel model;
        private final int version;

        public PvCpuid(CpuidModel model, int version) {
            this.model = model;
            this.version = version;
        }

        /** The masked model for native CPUID in ring 1 too. */
        public CpuidModel model() {
            return model;
        }

        public void query(int leaf, int sub, int[] out) {
            if (leaf == 0x40000000) {
                out[0] = 0x40000002;
                out[1] = 0x566e6558; // "XenV"
                out[2] = 0x65584d4d; // "MMXe"
                out[3] = 0x4d4d566e; // "nVMM"
                return;
            }
            if (leaf == 0x40000001) {
                out[0] = version;
                out[1] = out[2] = out[3] = 0;
                return;
            }
            if (leaf == 0x40000002) {
                out[0] = 1;          // hypercall pages
                out[1] = 0x40000000; // MSR base
                out[2] = out[3] = 0;
                return;
            }
            model.query(leaf, sub, out);
        }

        /**
         * Xen's PV masking: no PSE/PGE/DE/VME/MTRR/MCE/MCA/ACPI/APIC; SEP shown (SYSENTER from
         * ring 3 reaches the sysenter callback, see {@code sysenter}); hypervisor bit set.
         */
        public static PvCpuid create(int version) {
            CpuidModel m = new CpuidModel();
            int[] l1 = new int[4];
            m.query(1, 0, l1);
            int edx = l1[3] & ~(CpuidModel.PSE | CpuidModel.PGE | CpuidModel.DE | 1 << 1 | 1 << 12 | 1 << 7
                    | 1 << 14 | 1 << 22 | CpuidModel.APIC);
            m.set(1, l1[0], l1[1], l1[2] | 1 << 31, edx);
            return new PvCpuid(m, version);
        }
    }
}
