package org.oxen.vmm.core.domain;

import static org.oxen.vmm.abi.VcpuGuestContext.*;

import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.core.guest.GuestMemory;

/**
 * Xen's {@code vcpu_guest_context} as a Java value: general registers, segment selectors, the
 * trap table, callbacks, the kernel stack, control and debug registers, GDT/LDT frames and the
 * FPU image. VCPUOP_initialise reads one from the guest ({@link #read}); save and restore will
 * produce and consume the same type. Arrays are copies owned by the value.
 *
 * @param flags      VGCF_*
 * @param gpr        eax, ecx, edx, ebx, esp, ebp, esi, edi (the CPU's register order)
 * @param eip        the entry point
 * @param eflags     as given (the hypervisor forces IF and strips IOPL)
 * @param cs         code selector; {@code ss, ds, es, fs, gs} likewise
 * @param traps      the 256 trap_info entries, each {vector | flags << 8 | cs << 16, address}
 */
public record VcpuContext(int flags, int[] gpr, int eip, int eflags, int cs, int ss, int ds, int es, int fs, int gs,
        long[] traps, int ldtBase, int ldtEnts, int[] gdtFrames, int gdtEnts, int kernelSs, int kernelSp,
        int[] ctrlreg, int[] debugreg, int eventCs, int eventEip, int failsafeCs, int failsafeEip, int vmAssist,
        byte[] fpu) {

    /** Reads a context at {@code va} through the guest's page tables (GuestFault if unreadable). */
    public static VcpuContext read(GuestMemory g, int cr3, int va) {
        int r = va + USER_REGS;
        int[] gpr = {g.read32(cr3, r + REG_EAX), g.read32(cr3, r + REG_ECX), g.read32(cr3, r + REG_EDX),
            g.read32(cr3, r + REG_EBX), g.read32(cr3, r + REG_ESP), g.read32(cr3, r + REG_EBP),
            g.read32(cr3, r + REG_ESI), g.read32(cr3, r + REG_EDI)};
        long[] traps = new long[256];
        for (int i = 0; i < 256; i++) {
            int p = va + TRAP_CTXT + i * Xen.TRAP_INFO_SIZE;
            traps[i] = (g.read32(cr3, p) & 0xFFFFFFFFL) | (long) g.read32(cr3, p + Xen.TRAP_INFO_ADDRESS) << 32;
        }
        int[] gdt = new int[GDT_FRAMES_COUNT];
        for (int i = 0; i < gdt.length; i++) {
            gdt[i] = g.read32(cr3, va + GDT_FRAMES + 4 * i);
        }
        int[] cr = new int[8];
        int[] dr = new int[8];
        for (int i = 0; i < 8; i++) {
            cr[i] = g.read32(cr3, va + CTRLREG + 4 * i);
            dr[i] = g.read32(cr3, va + DEBUGREG + 4 * i);
        }
        byte[] fpu = new byte[FPU_CTXT_SIZE];
        g.read(cr3, va + FPU_CTXT, fpu, 0, fpu.length);
        return new VcpuContext(g.read32(cr3, va + FLAGS), gpr, g.read32(cr3, r + REG_EIP), g.read32(cr3, r + REG_EFLAGS),
                g.read16(cr3, r + REG_CS), g.read16(cr3, r + REG_SS), g.read16(cr3, r + REG_DS),
                g.read16(cr3, r + REG_ES), g.read16(cr3, r + REG_FS), g.read16(cr3, r + REG_GS), traps,
                g.read32(cr3, va + LDT_BASE), g.read32(cr3, va + LDT_ENTS), gdt, g.read32(cr3, va + GDT_ENTS),
                g.read32(cr3, va + KERNEL_SS) & 0xFFFF, g.read32(cr3, va + KERNEL_SP), cr, dr,
                g.read32(cr3, va + EVENT_CALLBACK_CS) & 0xFFFF, g.read32(cr3, va + EVENT_CALLBACK_EIP),
                g.read32(cr3, va + FAILSAFE_CALLBACK_CS) & 0xFFFF, g.read32(cr3, va + FAILSAFE_CALLBACK_EIP),
                g.read32(cr3, va + VM_ASSIST), fpu);
    }

    /** The page-table base: the L3's machine frame from ctrlreg[3] (xen_cr3_to_pfn). */
    public long cr3Mfn() {
        int c = ctrlreg[3];
        return ((c >>> 12) | (long) (c & 0xFFF) << 20) & 0xFFFFFFFFL;
    }
}
