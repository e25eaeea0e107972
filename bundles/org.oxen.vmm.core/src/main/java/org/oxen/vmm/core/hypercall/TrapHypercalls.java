package org.oxen.vmm.core.hypercall;

import static org.oxen.vmm.core.hypercall.Args.EINVAL;
import static org.oxen.vmm.core.hypercall.Args.EPERM;

import org.oxen.vmm.abi.Errno;
import org.oxen.vmm.abi.Hypercall;
import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.core.arch.pv.PvVcpu;
import org.oxen.vmm.core.domain.TrapInfo;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.guest.GuestMemory;
import org.oxen.vmm.core.mm.Descriptors;
import org.oxen.vmm.core.mm.FramePool;
import org.oxen.vmm.core.mm.PageTables;
import org.oxen.vmm.core.mm.PageType;
import org.oxen.vmm.core.trap.TrapBouncer;
import org.oxen.x86.cpu.X86Cpu;

/**
 * The trap family: set_trap_table (the virtual IDT), stack_switch, set_gdt, update_descriptor,
 * fpu_taskswitch, set_debugreg / get_debugreg and iret.
 */
final class TrapHypercalls {

    /** Marker result of iret: the registers are set, eax must not be overwritten. */
    static final long IRET_DONE = Long.MIN_VALUE;

    private final Services s;

    TrapHypercalls(Services s) {
        this.s = s;
    }

    /**
     * set_trap_table as compat_set_trap_table: entries are copied in one by one until the one
     * with address 0, each installed at once (a fault on a later one leaves the earlier ones,
     * -EFAULT); the code selector is only RPL-fixed, never checked (a bad one shows when the
     * bounce uses it); the preemption check after each entry continues the hypercall from the
     * next one. NULL clears the table.
     */
    long setTrapTable(VcpuImpl v, int table, int a2, int a3, int a4, int a5, int a6, boolean mc) {
        if (table == 0) {
            PvVcpu.of(v).clearTraps();
            return 0;
        }
        Args.enter(v, mc);
        GuestMemory g = s.guest();
        int cr3 = Args.cr3(v);
        for (int p = table; ; p += Xen.TRAP_INFO_SIZE) {
            int w0 = g.read32(cr3, p);
            int address = g.read32(cr3, p + Xen.TRAP_INFO_ADDRESS);
            if (address == 0) return 0;
            int vector = w0 & 0xFF;
            int flags = (w0 >>> 8) & 0xFF;
            int cs = TrapBouncer.fixRpl((w0 >>> 16) & 0xFFFF);
            PvVcpu.of(v).setTrap(vector, new TrapInfo(vector, flags, cs, address));
            if (Args.preempt(v)) {
                return Args.continuation(v, mc, Hypercall.SET_TRAP_TABLE, p + Xen.TRAP_INFO_SIZE, a2, a3, a4);
            }
        }
    }

    long stackSwitch(VcpuImpl v, int ss, int esp, int a3, int a4, int a5, int a6, boolean mc) {
        PvVcpu.of(v).setKernelStack(TrapBouncer.fixRpl(ss & 0xFFFF), esp);
        return 0;
    }

    long fpuTaskswitch(VcpuImpl v, int set, int a2, int a3, int a4, int a5, int a6, boolean mc) {
        X86Cpu c = v.cpu();
        PvVcpu.of(v).setVirtualTs(set != 0);
        c.setCr(0, set != 0 ? c.cr(0) | VcpuImpl.CR0_TS : c.cr(0) & ~VcpuImpl.CR0_TS);
        return 0;
    }

    long iret(VcpuImpl v, int a1, int a2, int a3, int a4, int a5, int a6, boolean mc) {
        if (mc) return EINVAL;
        s.bouncer().iret(v);
        return IRET_DONE;
    }

    /** DR7 bits of the enable flags (L0..G3) and GD. */
    private static final int DR7_ACTIVE = 0xFF, DR7_GD = 0x2000;

    /**
     * set_debugreg(reg, value), as Xen's set_debugreg for a PV vcpu: DR0-3 must lie below the
     * hypervisor hole (-EPERM); DR6/DR7 get their reserved bits fixed; DR7.GD (-EPERM) and I/O
     * breakpoints (R/W = 10, which need CR4.DE, clear for PV guests: -EPERM) are refused;
     * DR4/DR5 alias DR6/DR7 (CR4.DE clear); others -ENODEV. The registers are the vcpu's CPU's
     * own, so a #DB they raise leaves the CPU as an exception exit and is bounced.
     */
    long setDebugreg(VcpuImpl v, int reg, int value, int a3, int a4, int a5, int a6, boolean mc) {
        X86Cpu c = v.cpu();
        switch (reg) {
            case 0: case 1: case 2: case 3:
                if (Integer.compareUnsigned(value, Xen.HYPERVISOR_VIRT_START) >= 0) return EPERM;
                c.setDr(reg, value);
                return 0;
            case 4: case 6:
                c.setDr(6, value);
                return 0;
            case 5: case 7:
                if ((value & DR7_GD) != 0) return EPERM;
                if ((value & DR7_ACTIVE) != 0) {
                    for (int i = 16; i < 32; i += 4) {
                        if (((value >>> i) & 3) == 2) return EPERM;
                    }
                }
                c.setDr(7, value);
                return 0;
            default:
                return -Errno.ENODEV;
        }
    }

    /** get_debugreg(reg): the value (DR4/DR5 as DR6/DR7), -ENODEV for others. */
    long getDebugreg(VcpuImpl v, int reg, int a2, int a3, int a4, int a5, int a6, boolean mc) {
        if (reg < 0 || reg > 7) return -Errno.ENODEV;
        int n = reg == 4 ? 6 : reg == 5 ? 7 : reg;
        return v.cpu().dr(n);
    }

    /** set_gdt(frame_list, entries): frames validated and typed as descriptor pages. */
    long setGdt(VcpuImpl v, int frameList, int entries, int a3, int a4, int a5, int a6, boolean mc) {
        if (Integer.compareUnsigned(entries, Xen.FIRST_RESERVED_GDT_ENTRY) > 0) return EINVAL;
        int nr = (entries + 511) / 512;
        int[] frames = new int[nr];
        int cr3 = Args.cr3(v);
        for (int i = 0; i < nr; i++) {
            frames[i] = s.guest().read32(cr3, frameList + i * 4);
        }
        return installGdt(v, frames, entries);
    }

    /** pv_set_gdt: {@code frames} (one per 512 entries) typed as descriptor pages and mapped. */
    long installGdt(VcpuImpl v, int[] frames, int entries) {
        if (Integer.compareUnsigned(entries, Xen.FIRST_RESERVED_GDT_ENTRY) > 0) return EINVAL;
        int nr = (entries + 511) / 512;
        if (frames.length != nr) frames = java.util.Arrays.copyOf(frames, nr);
        FramePool pool = s.pool();
        PageTables pt = s.pageTables();
        synchronized (pool) {
            for (int i = 0; i < nr; i++) {
                int rc = pt.getPageAndType(frames[i] & 0xFFFFFFFFL, PageType.SEG_DESC, v.domain().memory());
                if (rc != 0) {
                    while (--i >= 0) pt.putPageAndType(frames[i], v.domain().memory());
                    return EINVAL;
                }
            }
            for (int f : PvVcpu.of(v).gdtFrames()) pt.putPageAndType(f, v.domain().memory());
            PvVcpu.of(v).setGdt(frames, entries);
            PvVcpu.of(v).mapGdt();
        }
        v.cpu().flushTlb();
        return 0;
    }

    /** update_descriptor(ma, desc): one descriptor in a GDT/LDT page or an ordinary page of the guest. */
    long updateDescriptor(VcpuImpl v, int maLo, int maHi, int dLo, int dHi, int a5, int a6, boolean mc) {
        long ma = (maLo & 0xFFFFFFFFL) | (long) maHi << 32;
        if ((ma & 7) != 0) return EINVAL;
        long desc = (dLo & 0xFFFFFFFFL) | (long) dHi << 32;
        long ok = Descriptors.check(desc);
        if (ok == Descriptors.BAD) return EINVAL;
        FramePool pool = s.pool();
        PageTables pt = s.pageTables();
        long mfn = ma >>> 12;
        synchronized (pool) {
            if (!pt.getPage(mfn, v.domain().memory())) return EINVAL;
            int f = (int) mfn;
            int t = pool.typeCount(f) > 0 && (pool.type(f) & PageType.TYPE_MASK) == PageType.SEG_DESC
                    ? PageType.SEG_DESC : PageType.WRITABLE;
            if (pt.getPageType(f, t, v.domain().memory()) != 0) {
                pt.putPage(f);
                return EINVAL;
            }
            pool.ram().write64(ma, ok);
            pt.putPageType(f, v.domain().memory());
            pt.putPage(f);
        }
        return 0;
    }
}
