package org.oxen.vmm.core.save;

import static org.oxen.vmm.abi.VcpuGuestContext.*;

import java.nio.ByteBuffer;

import org.oxen.vmm.abi.VcpuGuestContext;
import org.oxen.vmm.abi.VcpuOp;
import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.core.arch.pv.PvVcpu;
import org.oxen.vmm.core.domain.TrapInfo;
import org.oxen.vmm.core.domain.VcpuContext;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.time.VcpuTimers;
import org.oxen.vmm.core.trap.TrapBouncer;
import org.oxen.x86.cpu.X86Cpu;

/**
 * A vcpu's state in the stream: X86_PV_VCPU_BASIC is Xen's x86_32 {@code vcpu_guest_context}
 * byte for byte (what XEN_DOMCTL_getvcpucontext gives libxc, {@link #capture}), with CR3 and
 * the GDT frames as pfns; oxen's VCPU_STATE carries what Xen keeps elsewhere (online, the
 * periodic timer, the sysenter callback). Stateless.
 */
final class VcpuRecords {
    private VcpuRecords() {
    }

    /** X86_PV_VCPU_BASIC's body: vcpu id, reserved, then the context. */
    static final int BASIC_SIZE = 8 + VcpuGuestContext.SIZE;
    /**
     * VCPU_STATE's body: vcpu id, flags, periodic period (ns), sysenter cs, eip, flags, then the
     * I/O bitmap's guest address and port count (PHYSDEVOP_set_iobitmap; 0 ports: none).
     */
    static final int STATE_SIZE = 4 + 4 + 8 + 12 + 8;
    /** VCPU_STATE as oxen wrote it before it carried the I/O bitmap (read as "no bitmap"). */
    static final int STATE_SIZE_NO_IOBITMAP = 4 + 4 + 8 + 12;
    static final int STATE_ONLINE = 1;

    /**
     * A saved periodic timer's period as VCPUOP_set_periodic_timer would take it: 0 (stopped) or
     * what {@link VcpuTimers#acceptsPeriod} accepts (a 1 ns period from a hostile or corrupt
     * stream would re-arm a host timer without end). Throws naming {@code where}.
     */
    static long checkPeriod(long period, String where, int vcpu) throws StreamFormatException {
        if (period != 0 && !VcpuTimers.acceptsPeriod(period)) {
            throw new StreamFormatException(where + ": vcpu " + vcpu + "'s periodic timer of " + period
                    + " ns (0, or what VCPUOP_set_periodic_timer takes: " + VcpuOp.MIN_PERIOD_NS + " ns to 2^62 - 1)");
        }
        return period;
    }

    /**
     * arch_get_info_guest for a 32-bit PV vcpu that is not running: the registers, selectors,
     * EFLAGS with the virtual IOPL, the trap table, callbacks, kernel stack, CR0.TS and CR3 (as
     * xen_pfn_to_cr3 of its machine frame), debug registers, GDT frames and the FPU image.
     */
    static VcpuContext capture(VcpuImpl v) {
        X86Cpu cpu = v.cpu();
        PvVcpu pv = PvVcpu.of(v);
        int[] gpr = {cpu.gpr(X86Cpu.EAX), cpu.gpr(X86Cpu.ECX), cpu.gpr(X86Cpu.EDX), cpu.gpr(X86Cpu.EBX),
            cpu.gpr(X86Cpu.ESP), cpu.gpr(X86Cpu.EBP), cpu.gpr(X86Cpu.ESI), cpu.gpr(X86Cpu.EDI)};
        long[] traps = new long[256];
        for (int i = 0; i < 256; i++) {
            TrapInfo t = pv.trap(i);
            if (t != null) {
                traps[i] = (t.vector() & 0xFF | (t.flags() & 0xFF) << 8 | (t.cs() & 0xFFFF) << 16) & 0xFFFFFFFFL
                        | (long) t.address() << 32;
            }
        }
        int[] gdt = new int[GDT_FRAMES_COUNT];
        int[] frames = pv.gdtFrames();
        System.arraycopy(frames, 0, gdt, 0, Math.min(frames.length, gdt.length));
        int[] cr = new int[8];
        cr[0] = pv.virtualTs() ? 8 : 0;
        long l3 = pv.baseL3() & 0xFFFFFFFFL;
        cr[3] = cr3Of(l3);
        int[] dr = new int[8];
        for (int i = 0; i < 8; i++) {
            if (i != 4 && i != 5) dr[i] = cpu.dr(i);
        }
        byte[] fpu = new byte[FPU_CTXT_SIZE];
        cpu.saveFpu(fpu);
        int eflags = (cpu.eflags() & ~TrapBouncer.EFLAGS_IOPL) | pv.iopl() << 12;
        int flags = VGCF_I387_VALID | (cpu.cpl() == 1 ? VGCF_IN_KERNEL : 0) | (v.online() ? VGCF_ONLINE : 0)
                | (pv.failsafeFlags() != 0 ? VGCF_FAILSAFE_DISABLES_EVENTS : 0);
        return new VcpuContext(flags, gpr, cpu.eip(), eflags, cpu.segment(X86Cpu.CS).selector,
                cpu.segment(X86Cpu.SS).selector, cpu.segment(X86Cpu.DS).selector, cpu.segment(X86Cpu.ES).selector,
                cpu.segment(X86Cpu.FS).selector, cpu.segment(X86Cpu.GS).selector, traps, pv.ldtBase(), pv.ldtEntries(),
                gdt, pv.gdtEntries(), pv.kernelSs(), pv.kernelSp(), cr, dr, pv.eventCs(), pv.eventEip(), pv.failsafeCs(),
                pv.failsafeEip(), v.domain().vmAssist, fpu);
    }

    /** xen_pfn_to_cr3 for a 32-bit guest: the frame's low 20 bits in 12..31, its high bits in 0..11. */
    static int cr3Of(long frame) {
        return (int) ((frame << 12) | (frame >>> 20)) ;
    }

    /** The same context with CR3, the GDT frames and EDX (vcpu 0's start_info) mapped through {@code map}. */
    static VcpuContext translate(VcpuContext c, FrameMap map, boolean vcpu0, String what) throws FrameMap.Unmappable {
        int[] cr = c.ctrlreg().clone();
        cr[3] = cr3Of(map.map(c.cr3Mfn(), what + " CR3"));
        int[] gdt = c.gdtFrames().clone();
        int frames = (c.gdtEnts() + 511) / 512;
        for (int i = 0; i < frames && i < gdt.length; i++) {
            gdt[i] = (int) map.map(gdt[i] & 0xFFFFFFFFL, what + " GDT frame " + i);
        }
        int[] gpr = c.gpr().clone();
        if (vcpu0) gpr[2] = (int) map.map(gpr[2] & 0xFFFFFFFFL, what + " EDX (the suspended guest's start_info)");
        return new VcpuContext(c.flags(), gpr, c.eip(), c.eflags(), c.cs(), c.ss(), c.ds(), c.es(), c.fs(), c.gs(),
                c.traps(), c.ldtBase(), c.ldtEnts(), gdt, c.gdtEnts(), c.kernelSs(), c.kernelSp(), cr, c.debugreg(),
                c.eventCs(), c.eventEip(), c.failsafeCs(), c.failsafeEip(), c.vmAssist(), c.fpu());
    }

    /** Frame numbers from one space to another (mfn to pfn on save, pfn to mfn on restore). */
    interface FrameMap {
        long map(long frame, String what) throws Unmappable;

        final class Unmappable extends Exception {
            private static final long serialVersionUID = 1L;

            Unmappable(String message) {
                super(message);
            }
        }
    }

    /** Writes {@code c} in vcpu_guest_context's layout at the buffer's position. */
    static void encode(VcpuContext c, ByteBuffer b) {
        int base = b.position();
        b.put(c.fpu(), 0, FPU_CTXT_SIZE);
        b.putInt(base + FLAGS, c.flags());
        int r = base + USER_REGS;
        int[] g = c.gpr();
        b.putInt(r + REG_EAX, g[0]).putInt(r + REG_ECX, g[1]).putInt(r + REG_EDX, g[2]).putInt(r + REG_EBX, g[3])
                .putInt(r + REG_ESP, g[4]).putInt(r + REG_EBP, g[5]).putInt(r + REG_ESI, g[6]).putInt(r + REG_EDI, g[7]);
        b.putInt(r + REG_EIP, c.eip()).putInt(r + REG_EFLAGS, c.eflags());
        b.putShort(r + REG_CS, (short) c.cs()).putShort(r + REG_SS, (short) c.ss()).putShort(r + REG_DS, (short) c.ds())
                .putShort(r + REG_ES, (short) c.es()).putShort(r + REG_FS, (short) c.fs())
                .putShort(r + REG_GS, (short) c.gs());
        for (int i = 0; i < 256; i++) {
            int p = base + TRAP_CTXT + i * Xen.TRAP_INFO_SIZE;
            b.putInt(p, (int) c.traps()[i]).putInt(p + Xen.TRAP_INFO_ADDRESS, (int) (c.traps()[i] >>> 32));
        }
        b.putInt(base + LDT_BASE, c.ldtBase()).putInt(base + LDT_ENTS, c.ldtEnts());
        for (int i = 0; i < GDT_FRAMES_COUNT; i++) b.putInt(base + GDT_FRAMES + 4 * i, c.gdtFrames()[i]);
        b.putInt(base + GDT_ENTS, c.gdtEnts()).putInt(base + KERNEL_SS, c.kernelSs()).putInt(base + KERNEL_SP, c.kernelSp());
        for (int i = 0; i < 8; i++) {
            b.putInt(base + CTRLREG + 4 * i, c.ctrlreg()[i]).putInt(base + DEBUGREG + 4 * i, c.debugreg()[i]);
        }
        b.putInt(base + EVENT_CALLBACK_CS, c.eventCs()).putInt(base + EVENT_CALLBACK_EIP, c.eventEip())
                .putInt(base + FAILSAFE_CALLBACK_CS, c.failsafeCs()).putInt(base + FAILSAFE_CALLBACK_EIP, c.failsafeEip())
                .putInt(base + VM_ASSIST, c.vmAssist());
        b.position(base + SIZE);
    }

    /** Reads a context in vcpu_guest_context's layout at the buffer's position. */
    static VcpuContext decode(ByteBuffer b) {
        int base = b.position();
        byte[] fpu = new byte[FPU_CTXT_SIZE];
        b.get(fpu);
        int r = base + USER_REGS;
        int[] gpr = {b.getInt(r + REG_EAX), b.getInt(r + REG_ECX), b.getInt(r + REG_EDX), b.getInt(r + REG_EBX),
            b.getInt(r + REG_ESP), b.getInt(r + REG_EBP), b.getInt(r + REG_ESI), b.getInt(r + REG_EDI)};
        long[] traps = new long[256];
        for (int i = 0; i < 256; i++) {
            int p = base + TRAP_CTXT + i * Xen.TRAP_INFO_SIZE;
            traps[i] = (b.getInt(p) & 0xFFFFFFFFL) | (long) b.getInt(p + Xen.TRAP_INFO_ADDRESS) << 32;
        }
        int[] gdt = new int[GDT_FRAMES_COUNT];
        for (int i = 0; i < gdt.length; i++) gdt[i] = b.getInt(base + GDT_FRAMES + 4 * i);
        int[] cr = new int[8];
        int[] dr = new int[8];
        for (int i = 0; i < 8; i++) {
            cr[i] = b.getInt(base + CTRLREG + 4 * i);
            dr[i] = b.getInt(base + DEBUGREG + 4 * i);
        }
        VcpuContext c = new VcpuContext(b.getInt(base + FLAGS), gpr, b.getInt(r + REG_EIP), b.getInt(r + REG_EFLAGS),
                b.getShort(r + REG_CS) & 0xFFFF, b.getShort(r + REG_SS) & 0xFFFF, b.getShort(r + REG_DS) & 0xFFFF,
                b.getShort(r + REG_ES) & 0xFFFF, b.getShort(r + REG_FS) & 0xFFFF, b.getShort(r + REG_GS) & 0xFFFF, traps,
                b.getInt(base + LDT_BASE), b.getInt(base + LDT_ENTS), gdt, b.getInt(base + GDT_ENTS),
                b.getInt(base + KERNEL_SS) & 0xFFFF, b.getInt(base + KERNEL_SP), cr, dr,
                b.getInt(base + EVENT_CALLBACK_CS) & 0xFFFF, b.getInt(base + EVENT_CALLBACK_EIP),
                b.getInt(base + FAILSAFE_CALLBACK_CS) & 0xFFFF, b.getInt(base + FAILSAFE_CALLBACK_EIP),
                b.getInt(base + VM_ASSIST), fpu);
        b.position(base + SIZE);
        return c;
    }
}
