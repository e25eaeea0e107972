package org.oxen.vmm.core.hypercall;

import static org.oxen.vmm.core.hypercall.Args.EINVAL;
import static org.oxen.vmm.core.hypercall.Args.EPERM;

import org.oxen.vmm.abi.Xen;
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
 * fpu_taskswitch and iret.
 */
final class TrapHypercalls {

    /** Marker result of iret: the registers are set, eax must not be overwritten. */
    static final long IRET_DONE = Long.MIN_VALUE;
    /** oxen bounds a trap table without terminator (Xen would preempt and go on). */
    static final int MAX_TRAP_ENTRIES = 4096;

    private final Services s;

    TrapHypercalls(Services s) {
        this.s = s;
    }

    long setTrapTable(VcpuImpl v, int table, int a2, int a3, int a4, int a5, int a6, boolean mc) {
        if (table == 0) {
            java.util.Arrays.fill(v.traps, null);
            return 0;
        }
        GuestMemory g = s.guest();
        int cr3 = Args.cr3(v);
        // copy and check everything before changing the table
        TrapInfo[] staged = v.traps.clone();
        for (int i = 0; ; i++) {
            if (i == MAX_TRAP_ENTRIES) return EINVAL;
            int p = table + i * Xen.TRAP_INFO_SIZE;
            int w0 = g.read32(cr3, p);
            int address = g.read32(cr3, p + Xen.TRAP_INFO_ADDRESS);
            if (address == 0) break;
            int vector = w0 & 0xFF;
            int flags = (w0 >>> 8) & 0xFF;
            int cs = TrapBouncer.fixRpl((w0 >>> 16) & 0xFFFF);
            if (!gateSelectorOk(v, cs)) return EPERM;
            staged[vector] = new TrapInfo(vector, flags, cs, address);
        }
        System.arraycopy(staged, 0, v.traps, 0, 256);
        return 0;
    }

    /** guest_gate_selector_okay: the flat kernel/user code selectors or one of the guest's own. */
    static boolean gateSelectorOk(VcpuImpl v, int sel) {
        if (sel == Xen.FLAT_RING1_CS || sel == Xen.FLAT_RING3_CS) return true;
        if ((sel & 4) != 0) return (sel >>> 3) < v.ldtEntries;
        return (sel >>> 3) < v.gdtEntries && (sel & 0xFFFC) != 0;
    }

    long stackSwitch(VcpuImpl v, int ss, int esp, int a3, int a4, int a5, int a6, boolean mc) {
        v.kernelSs = TrapBouncer.fixRpl(ss & 0xFFFF);
        v.kernelSp = esp;
        return 0;
    }

    long fpuTaskswitch(VcpuImpl v, int set, int a2, int a3, int a4, int a5, int a6, boolean mc) {
        X86Cpu c = v.cpu();
        v.virtualTs = set != 0;
        c.setCr(0, set != 0 ? c.cr(0) | VcpuImpl.CR0_TS : c.cr(0) & ~VcpuImpl.CR0_TS);
        return 0;
    }

    long iret(VcpuImpl v, int a1, int a2, int a3, int a4, int a5, int a6, boolean mc) {
        if (mc) return EINVAL;
        s.bouncer().iret(v);
        return IRET_DONE;
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
            for (int f : v.gdtFrames) pt.putPageAndType(f, v.domain().memory());
            v.gdtFrames = frames;
            v.gdtEntries = entries;
            v.mapGdt();
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
