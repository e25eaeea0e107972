package org.oxen.vmm.core;

import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.x86.cpu.X86Cpu;

/**
 * Hypercalls made from a test on a paused domain's vcpu, as its {@code int $0x82} would make
 * them, for the hostile-argument suites: the vcpu's general registers, EIP and end-of-slice flag
 * are put back afterwards (a continuation rewrites the arguments and moves EIP back onto the
 * hypercall instruction), so the next call and the domain's own run start where they were.
 */
final class VictimHypercalls {

    private VictimHypercalls() {
    }

    /** Hypercall {@code nr} with arguments {@code a} (up to six; missing ones are 0) on {@code v}: its return value. */
    static long call(Vmm vmm, VcpuImpl v, int nr, int... a) {
        X86Cpu c = v.cpu();
        int[] regs = new int[8];
        for (int i = 0; i < 8; i++) regs[i] = c.gpr(i);
        int eip = c.eip();
        int[] x = new int[6];
        System.arraycopy(a, 0, x, 0, a.length);
        long rc = vmm.dispatcher().call(v, nr, x[0], x[1], x[2], x[3], x[4], x[5], false);
        for (int i = 0; i < 8; i++) c.setGpr(i, regs[i]);
        c.setEip(eip);
        v.endSlice = false;
        return rc;
    }
}
