package org.oxen.vmm.core.trap;

import org.oxen.vmm.abi.Hypercall;
import org.oxen.vmm.abi.SharedInfo;
import org.oxen.vmm.abi.Trace;
import org.oxen.vmm.core.arch.pv.PvVcpu;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.guest.GuestFault;
import org.oxen.vmm.core.guest.GuestMemory;
import org.oxen.vmm.core.trace.TraceBuffers;
import org.oxen.x86.cpu.X86Cpu;

/**
 * Emulation of the privileged instructions a PV kernel may issue (Xen's emulate_privileged_op,
 * arch/x86/pv/emul-priv-op.c), tried on a #GP(0) before it is bounced:
 * <ul>
 * <li>MOV from CR0 (the CPU's, with the virtual TS), CR2 (vcpu_info's), CR3 (the base L3 as
 *     xen_pfn_to_cr3), CR4 (what the guest runs with); MOV to CR0 changing only TS
 *     (fpu_taskswitch), to CR2; CLTS. Other CR writes are not emulated (#GP).</li>
 * <li>MOV to and from DR0-7 with set_debugreg / get_debugreg semantics (the hypercalls' code).</li>
 * <li>RDMSR of the MSRs Xen shows a PV guest: EFER (NX as set up, no long mode), MISC_ENABLE
 *     (BTS/PEBS unavailable, xTPR disabled), PLATFORM_ID (0), TSC; every other RDMSR and every
 *     WRMSR that changes a value is #GP.</li>
 * <li>CLI/STI when the vcpu's virtual IOPL (PHYSDEVOP_set_iopl, or the guest's iret under
 *     VMASST_TYPE_architectural_iopl) allows its CPL (Xen's iopl_ok; the kernel counts as
 *     ring 0 under architectural_iopl): they set/clear evtchn_upcall_mask. IN/OUT (imm8 or DX
 *     port, byte/word/dword) when the IOPL allows or, failing that, the ports' bits are clear in
 *     the PHYSDEVOP_set_iobitmap bitmap within its nr_ports (guest_io_okay; unreadable bitmap
 *     bytes count as set); a guest has no I/O ports, so reads give all ones and writes are
 *     dropped, as Xen does for ports outside ioports_access_permitted. Each is traced
 *     (TRC_PV_OXEN_IOPORT_READ/WRITE {domid, port, size, data}).</li>
 * </ul>
 * Anything else returns false and the #GP goes to the guest unchanged.
 */
final class PrivilegedOps {

    static final int MSR_TSC = 0x10, MSR_PLATFORM_ID = 0x17, MSR_MISC_ENABLE = 0x1A0, MSR_EFER = 0xC0000080;
    /** MISC_ENABLE as Xen shows it to PV guests: BTS and PEBS unavailable, xTPR messages disabled. */
    static final long MISC_ENABLE_PV = 1L << 11 | 1L << 12 | 1L << 23;
    private static final int EFER_SCE = 1, EFER_NXE = 1 << 11;

    private final GuestMemory mem;
    /** The hypercall table: set/get_debugreg and fpu_taskswitch semantics live there (one copy). */
    private final PvExitHandler.Hypercalls calls;

    PrivilegedOps(GuestMemory mem, PvExitHandler.Hypercalls calls) {
        this.mem = mem;
        this.calls = calls;
    }

    /** Emulates the instruction at {@code eip}; false to bounce the #GP. */
    boolean emulate(VcpuImpl v, X86Cpu cpu, int eip) {
        try {
            return decode(v, cpu, eip);
        } catch (GuestFault f) {
            return false;
        }
    }

    /** Trace point of an emulated IN or OUT: {domid, port, size, data}. */
    private static void traceIo(VcpuImpl v, int event, int port, int size, int data) {
        TraceBuffers trace = v.domain().trace;
        if (trace.on(Trace.TRC_PV)) trace.trace4(event, v.domain().id(), port, size, data);
    }

    private int byteAt(X86Cpu cpu, int lin) {
        return mem.read8(cpu.cr(3), lin);
    }

    private boolean decode(VcpuImpl v, X86Cpu cpu, int eip) {
        int base = cpu.segment(X86Cpu.CS).base;
        int p = eip;
        boolean opsize16 = false;
        int b;
        for (int i = 0; ; i++) {
            if (i == 4) return false;
            b = byteAt(cpu, base + p);
            if (b == 0x66) {
                opsize16 = true;
            } else if (b != 0x26 && b != 0x2E && b != 0x36 && b != 0x3E && b != 0x64 && b != 0x65) {
                break;
            }
            p++;
        }
        p++;
        int cpl = cpu.cpl();
        PvVcpu pv = PvVcpu.of(v);
        boolean iopl = pv.ioplOk(cpl);
        int size = opsize16 ? 2 : 4;
        switch (b) {
            case 0xFA: // CLI
            case 0xFB: // STI
                if (!iopl) return false;
                v.setUpcallMask(b == 0xFA ? 1 : 0);
                cpu.setEip(p);
                return true;
            case 0xE4: case 0xE5: case 0xEC: case 0xED: { // IN
                int n = (b & 1) == 0 ? 1 : size;
                int port = b < 0xEC ? byteAt(cpu, base + p) : cpu.gpr(X86Cpu.EDX) & 0xFFFF;
                if (!iopl && !ioBitmapAllows(pv, cpu, port, n)) return false;
                if (b < 0xEC) p++; // imm8 port
                long ones = n == 4 ? 0xFFFFFFFFL : (1L << (8 * n)) - 1;
                int eax = cpu.gpr(X86Cpu.EAX);
                int mask = (int) ones;
                cpu.setGpr(X86Cpu.EAX, (eax & ~mask) | mask);
                traceIo(v, Trace.TRC_PV_OXEN_IOPORT_READ, port, n, mask);
                cpu.setEip(p);
                return true;
            }
            case 0xE6: case 0xE7: case 0xEE: case 0xEF: { // OUT: dropped
                int n = (b & 1) == 0 ? 1 : size;
                int port = b < 0xEE ? byteAt(cpu, base + p) : cpu.gpr(X86Cpu.EDX) & 0xFFFF;
                if (!iopl && !ioBitmapAllows(pv, cpu, port, n)) return false;
                if (b < 0xEE) p++;
                int eax = cpu.gpr(X86Cpu.EAX);
                traceIo(v, Trace.TRC_PV_OXEN_IOPORT_WRITE, port, n, n == 4 ? eax : eax & (1 << (8 * n)) - 1);
                cpu.setEip(p);
                return true;
            }
            case 0x0F:
                break;
            default:
                return false;
        }
        if (cpl != 1) return false; // CR, DR, MSR and CLTS are the kernel's (ring 1) only
        int op = byteAt(cpu, base + p++);
        switch (op) {
            case 0x06: // CLTS
                calls.call(v, Hypercall.FPU_TASKSWITCH, 0, 0, 0, 0, 0, 0, false);
                cpu.setEip(p);
                return true;
            case 0x20: case 0x21: case 0x22: case 0x23: {
                int modrm = byteAt(cpu, base + p++);
                if ((modrm & 0xC0) != 0xC0) return false;
                int reg = (modrm >>> 3) & 7;
                int rm = modrm & 7;
                if (!movControl(v, cpu, op, reg, rm)) return false;
                cpu.setEip(p);
                return true;
            }
            case 0x32: { // RDMSR
                long value;
                switch (cpu.gpr(X86Cpu.ECX)) {
                    case MSR_EFER: value = efer(cpu) ; break;
                    case MSR_MISC_ENABLE: value = MISC_ENABLE_PV; break;
                    case MSR_PLATFORM_ID: value = 0; break;
                    case MSR_TSC: value = v.domain().guestClock(v.id()).nanos(); break;
                    default: return false;
                }
                cpu.setGpr(X86Cpu.EAX, (int) value);
                cpu.setGpr(X86Cpu.EDX, (int) (value >>> 32));
                cpu.setEip(p);
                return true;
            }
            case 0x30: { // WRMSR: only writing back what a read gives
                long value = (cpu.gpr(X86Cpu.EAX) & 0xFFFFFFFFL) | (long) cpu.gpr(X86Cpu.EDX) << 32;
                int msr = cpu.gpr(X86Cpu.ECX);
                boolean same = msr == MSR_EFER ? value == efer(cpu) : msr == MSR_MISC_ENABLE && value == MISC_ENABLE_PV;
                if (!same) return false;
                cpu.setEip(p);
                return true;
            }
            default:
                return false;
        }
    }

    /**
     * guest_io_okay's bitmap half: ports [port, port+n) lie within the bitmap's nr_ports and
     * their bits are clear in the two bytes at bitmap + port/8, read through the guest's page
     * tables with the kernel's rights (a byte that cannot be read counts as all ones).
     */
    private boolean ioBitmapAllows(PvVcpu pv, X86Cpu cpu, int port, int n) {
        if (port + n > pv.iobmpLimit()) return false;
        int va = pv.iobmpVa() + (port >>> 3);
        int lo = 0xFF, hi = 0xFF;
        try {
            lo = mem.read8(cpu.cr(3), va);
            hi = mem.read8(cpu.cr(3), va + 1);
        } catch (GuestFault f) {
            // the unread bytes stay all ones
        }
        int bits = lo | hi << 8;
        return (bits & ((1 << n) - 1) << (port & 7)) == 0;
    }

    private static long efer(X86Cpu cpu) {
        try {
            return cpu.msr(MSR_EFER) & (EFER_NXE | EFER_SCE);
        } catch (IllegalArgumentException e) {
            return 0;
        }
    }

    /** MOV to/from CRn/DRn, register operand {@code rm}. */
    private boolean movControl(VcpuImpl v, X86Cpu cpu, int op, int reg, int rm) {
        switch (op) {
            case 0x20: { // MOV r32, CRn
                int value;
                switch (reg) {
                    case 0:
                        value = (cpu.cr(0) & ~VcpuImpl.CR0_TS) | (PvVcpu.of(v).virtualTs() ? VcpuImpl.CR0_TS : 0);
                        break;
                    case 2:
                        value = v.domain().ram().read32(v.vcpuInfoAddress() + SharedInfo.VI_CR2);
                        break;
                    case 3: {
                        int mfn = PvVcpu.of(v).baseL3();
                        value = mfn << 12 | mfn >>> 20; // xen_pfn_to_cr3
                        break;
                    }
                    case 4:
                        value = cpu.cr(4);
                        break;
                    default:
                        return false;
                }
                cpu.setGpr(rm, value);
                return true;
            }
            case 0x22: { // MOV CRn, r32
                int value = cpu.gpr(rm);
                switch (reg) {
                    case 0: {
                        int cur = (cpu.cr(0) & ~VcpuImpl.CR0_TS) | (PvVcpu.of(v).virtualTs() ? VcpuImpl.CR0_TS : 0);
                        if (((value ^ cur) & ~VcpuImpl.CR0_TS) != 0) return false; // unmodifiable CR0 flags
                        calls.call(v, Hypercall.FPU_TASKSWITCH, (value & VcpuImpl.CR0_TS) != 0 ? 1 : 0, 0, 0, 0, 0, 0, false);
                        return true;
                    }
                    case 2:
                        v.domain().ram().write32(v.vcpuInfoAddress() + SharedInfo.VI_CR2, value);
                        cpu.setCr(2, value);
                        return true;
                    default:
                        return false;
                }
            }
            case 0x21: { // MOV r32, DRn
                long value = calls.call(v, Hypercall.GET_DEBUGREG, reg, 0, 0, 0, 0, 0, false);
                if (value < 0 && value >= -4095) return false;
                cpu.setGpr(rm, (int) value);
                return true;
            }
            default: // 0x23 MOV DRn, r32
                return calls.call(v, Hypercall.SET_DEBUGREG, reg, cpu.gpr(rm), 0, 0, 0, 0, false) == 0;
        }
    }
}
