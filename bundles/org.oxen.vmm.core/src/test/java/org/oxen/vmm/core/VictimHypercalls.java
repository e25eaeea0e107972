package org.oxen.vmm.core;

import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.x86.cpu.X86Cpu;

/**
 * Hypercalls made from a test on a paused domain's vcpu, as its {@code int $0x82} would make
 * them, for the hostile-argument suites: the vcpu's general registers, EIP and end-of-slice flag
 * are put back afterwards (a continuation rewrites the arguments and moves EIP back onto the
 * hypercall instruction; the call is made again until it ends), so the next call and the
 * domain's own run start where they were.
 */
final class VictimHypercalls {

    private VictimHypercalls() {
    }

    /** The argument registers of the x86_32 hypercall ABI, in argument order. */
    private static final int[] ARG_REGS = {X86Cpu.EBX, X86Cpu.ECX, X86Cpu.EDX, X86Cpu.ESI, X86Cpu.EDI, X86Cpu.EBP};

    /**
     * Hypercall {@code nr} with arguments {@code a} (up to six; missing ones are 0) on {@code v},
     * run to its end as the guest's {@code int $0x82} would be: a call that preempts itself (its
     * time since entry passed the preemption bound, as on a loaded host) leaves its new
     * arguments in the registers, and is made again with them until it returns a result.
     */
    static long call(Vmm vmm, VcpuImpl v, int nr, int... a) {
        X86Cpu c = v.cpu();
        int[] regs = new int[8];
        for (int i = 0; i < 8; i++) regs[i] = c.gpr(i);
        int eip = c.eip();
        int[] x = new int[6];
        System.arraycopy(a, 0, x, 0, a.length);
        long rc;
        int op = nr;
        for (int round = 0; ; round++) {
            for (int i = 0; i < 6; i++) c.setGpr(ARG_REGS[i], x[i]);
            v.preemptPoint = false;
            rc = vmm.dispatcher().call(v, op, x[0], x[1], x[2], x[3], x[4], x[5], false);
            if (!v.preemptPoint) break;
            if (round > 100_000) throw new AssertionError("hypercall " + nr + " keeps continuing itself");
            op = (int) rc;                                     // a continuation: EAX = the hypercall again
            for (int i = 0; i < 6; i++) x[i] = c.gpr(ARG_REGS[i]);
        }
        v.preemptPoint = false;
        for (int i = 0; i < 8; i++) c.setGpr(i, regs[i]);
        c.setEip(eip);
        v.endSlice = false;
        return rc;
    }
}
