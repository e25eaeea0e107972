package org.oxen.vmm.core.hypercall;

import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.guest.GuestFault;
import org.oxen.vmm.core.mm.FramePool;
import org.oxen.vmm.core.mm.PageTables;
import org.oxen.vmm.core.mm.PageType;
import org.oxen.x86.api.Ram;
import org.oxen.x86.cpu.X86Cpu;

/**
 * Writable page tables as current Xen does them (xen/arch/x86/pv/ro-page-fault.c,
 * ptwr_do_page_fault / ptwr_emulated_update): with VMASST_TYPE_writable_pagetables on, a write
 * #PF from the guest kernel (present, write, supervisor, not reserved, not a fetch) on a read-only mapping of one of the domain's
 * own L1 page tables is emulated: the instruction is decoded, the new entry validated as
 * {@code mod_l1_entry} would ({@link PageTables#getL1e}), written, the old one's references
 * dropped, and the guest resumes after the instruction. Anything the emulation cannot or must
 * not do (an entry that fails validation, an instruction it does not know, a store outside the
 * faulting page or not naturally aligned) leaves the fault to the guest, as Xen's
 * X86EMUL_UNHANDLEABLE does: the guest sees the #PF it caused and the entry is unchanged.
 *
 * <p>oxen builds the emulation design, not the seeds' unhook/revalidate/re-hook: every write is
 * validated at once, so no unvalidated entry is ever live, and no L1 ever leaves its L2.
 *
 * <p>Instructions: {@code mov r/m32,r32} (89), {@code mov r/m32,imm32} (C7 /0) and {@code xchg
 * r/m32,r32} (87), with LOCK and segment-override prefixes, 32-bit addressing (what an i386
 * kernel writes PTEs with; CMPXCHG/CMPXCHG8B and 1- or 2-byte stores are not emulated yet and
 * reach the guest as the #PF). A 4-byte store is merged with the other
 * half of the 8-byte PAE entry; as in Xen, a store of the upper half that makes a present entry
 * invalid (the guest writing the halves the wrong way round) is written with P cleared.
 *
 * <p>Locking: the update runs under the {@link FramePool} monitor (the mm lock), like every
 * mod_l1_entry; the domain's TLBs are flushed afterwards ({@link MmuHypercalls#flush}).
 */
final class PtwrEmulation {
    private static final int PFEC_P = 1, PFEC_W = 2, PFEC_U = 4, PFEC_RSVD = 8, PFEC_I = 16;

    private final Services s;
    private final MmuHypercalls mmu;

    PtwrEmulation(Services s, MmuHypercalls mmu) {
        this.s = s;
        this.mmu = mmu;
    }

    /** True if the #PF at {@code cr2} was a page-table write that is now done (EIP moved on). */
    boolean handle(VcpuImpl v, X86Cpu cpu, int eip, int error, int cr2) {
        DomainImpl d = v.domain();
        if ((d.vmAssist & 1 << Xen.VMASST_TYPE_WRITABLE_PAGETABLES) == 0) return false;
        // guest kernel mode only (Xen's fixup_page_fault: guest_kernel_mode): a ring-3 store into a
        // page table mapped to user space is the guest kernel's #PF to handle
        if ((error & (PFEC_P | PFEC_W | PFEC_U | PFEC_RSVD | PFEC_I)) != (PFEC_P | PFEC_W)) return false;
        if (Integer.compareUnsigned(cr2, Xen.HYPERVISOR_VIRT_START) >= 0) return false;
        FramePool pool = s.pool();
        long l1;
        synchronized (pool) {
            long mapping = mmu.l1eAddress(v, cr2);
            if (mapping < 0) return false;
            long pte = pool.ram().read64(mapping);
            if ((pte & (Xen.PTE_P | Xen.PTE_RW)) != Xen.PTE_P) return false;
            l1 = (pte & Xen.PTE_ADDR_MASK) >>> 12;
            if (!pool.valid(l1) || pool.owner((int) l1) != d.id() || pool.typeCount((int) l1) == 0
                    || (pool.type((int) l1) & PageType.TYPE_MASK) != PageType.L1) {
                return false;
            }
            if (!emulate(v, cpu, eip, cr2, (int) l1)) return false;
        }
        if (d.trace.on(org.oxen.vmm.abi.Trace.TRC_PV)) {
            d.trace.trace4(org.oxen.vmm.abi.Trace.TRC_PV_PTWR_EMULATION_PAE, d.id(), eip, cr2, (int) l1);
        }
        mmu.flush(v);
        return true;
    }

    /** Decodes and performs the store into L1 frame {@code l1}; false: unhandleable. */
    private boolean emulate(VcpuImpl v, X86Cpu cpu, int eip, int cr2, int l1) {
        int cr3 = cpu.cr(3);
        int csBase = cpu.segment(X86Cpu.CS).base;
        int p = eip;
        int seg = -1;
        int b;
        try {
            for (int n = 0; ; n++) {
                if (n > 4) return false;
                b = s.guest().read8(cr3, csBase + p);
                if (b == 0xF0) {
                    p++;
                } else if (b == 0x26 || b == 0x2E || b == 0x36 || b == 0x3E) {
                    seg = (b >>> 3) & 3; // ES CS SS DS
                    p++;
                } else if (b == 0x64 || b == 0x65) {
                    seg = b == 0x64 ? X86Cpu.FS : X86Cpu.GS;
                    p++;
                } else {
                    break;
                }
            }
            int op = b;
            p++;
            if (op != 0x89 && op != 0x87 && op != 0xC7) return false;
            int modrm = s.guest().read8(cr3, csBase + p++);
            int mod = modrm >>> 6, reg = (modrm >>> 3) & 7, rm = modrm & 7;
            if (mod == 3) return false;
            if (op == 0xC7 && reg != 0) return false;
            // effective address (32-bit addressing)
            int ea = 0;
            int defSeg = X86Cpu.DS;
            if (rm == 4) {
                int sib = s.guest().read8(cr3, csBase + p++);
                int scale = sib >>> 6, index = (sib >>> 3) & 7, base = sib & 7;
                if (index != 4) ea += cpu.gpr(index) << scale;
                if (base == 5 && mod == 0) {
                    ea += s.guest().read32(cr3, csBase + p);
                    p += 4;
                } else {
                    ea += cpu.gpr(base);
                    if (base == X86Cpu.ESP || base == X86Cpu.EBP) defSeg = X86Cpu.SS;
                }
            } else if (rm == 5 && mod == 0) {
                ea = s.guest().read32(cr3, csBase + p);
                p += 4;
            } else {
                ea = cpu.gpr(rm);
                if (rm == X86Cpu.EBP) defSeg = X86Cpu.SS;
            }
            if (mod == 1) {
                ea += (byte) s.guest().read8(cr3, csBase + p++);
            } else if (mod == 2) {
                ea += s.guest().read32(cr3, csBase + p);
                p += 4;
            }
            int imm = 0;
            if (op == 0xC7) {
                imm = s.guest().read32(cr3, csBase + p);
                p += 4;
            }
            int addr = cpu.segment(seg < 0 ? defSeg : seg).base + ea;
            // only naturally aligned stores within the faulting page
            if (((addr ^ cr2) & ~0xFFF) != 0 || (addr & 3) != 0) return false;
            long pa = ((long) l1 << 12) | (addr & 0xFF8);
            return store(v, cpu, op, reg, imm, pa, addr & 4) && advance(cpu, p);
        } catch (GuestFault f) {
            return false;
        }
    }

    private static boolean advance(X86Cpu cpu, int nextEip) {
        cpu.setEip(nextEip);
        return true;
    }

    /** The store itself: old and new entry, validation, write, the register xchg returns. */
    private boolean store(VcpuImpl v, X86Cpu cpu, int op, int reg, int imm, long pa, int half) {
        Ram ram = s.pool().ram();
        long full = ram.read64(pa);
        int shift = half * 8;
        int val = op == 0xC7 ? imm : cpu.gpr(reg);
        long nv = full & ~(0xFFFFFFFFL << shift) | (val & 0xFFFFFFFFL) << shift;
        PageTables pt = s.pageTables();
        int rc = pt.getL1e(nv, v.domain().memory());
        if (rc != 0) {
            // Xen: an upper-half store that leaves a present but invalid entry is the guest
            // writing the halves the wrong way round: written with P clear
            if (half == 0 || (nv & Xen.PTE_P) == 0) return false;
            nv &= ~Xen.PTE_P;
        }
        ram.write64(pa, nv);
        pt.putL1e(full, v.domain().memory(), pa);
        if (op == 0x87) cpu.setGpr(reg, (int) (full >>> shift));
        return true;
    }
}
