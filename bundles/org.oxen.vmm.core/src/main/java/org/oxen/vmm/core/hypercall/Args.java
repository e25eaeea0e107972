package org.oxen.vmm.core.hypercall;

import org.oxen.vmm.abi.Errno;
import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;

/** Small argument helpers shared by the handler families. */
final class Args {
    private Args() {
    }

    static final long EFAULT = -Errno.EFAULT, EINVAL = -Errno.EINVAL, ENOSYS = -Errno.ENOSYS,
            EPERM = -Errno.EPERM, ESRCH = -Errno.ESRCH, EBUSY = -Errno.EBUSY;

    /**
     * The domain a domid argument names for an unprivileged caller: itself (DOMID_SELF or its
     * own id). Returns null and sets {@code err[0]} to -ESRCH (no such domain) or -EPERM.
     */
    static DomainImpl self(Services s, VcpuImpl v, int domid, long[] err) {
        domid &= 0xFFFF;
        DomainImpl d = v.domain();
        if (domid == Xen.DOMID_SELF || domid == d.id()) return d;
        err[0] = s.domain(domid) == null ? ESRCH : EPERM;
        return null;
    }

    static int cr3(VcpuImpl v) {
        return v.cpu().cr(3);
    }

    /**
     * Xen's hypercall_create_continuation: the vcpu re-executes the hypercall instruction with
     * new arguments after a reschedule. Returns the value for EAX (the hypercall number).
     */
    static long continuation(VcpuImpl v, int nr, int a1, int a2, int a3, int a4) {
        org.oxen.x86.cpu.X86Cpu c = v.cpu();
        c.setGpr(org.oxen.x86.cpu.X86Cpu.EBX, a1);
        c.setGpr(org.oxen.x86.cpu.X86Cpu.ECX, a2);
        c.setGpr(org.oxen.x86.cpu.X86Cpu.EDX, a3);
        c.setGpr(org.oxen.x86.cpu.X86Cpu.ESI, a4);
        c.setEip(c.eip() - 2); // back onto int $0x82
        v.endSlice = true;
        return nr;
    }
}
