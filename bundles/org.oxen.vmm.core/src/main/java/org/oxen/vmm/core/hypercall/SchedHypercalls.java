package org.oxen.vmm.core.hypercall;

import static org.oxen.vmm.core.hypercall.Args.EINVAL;
import static org.oxen.vmm.core.hypercall.Args.ENOSYS;
import static org.oxen.vmm.core.hypercall.Args.EPERM;
import static org.oxen.vmm.core.hypercall.Args.ESRCH;

import org.oxen.vmm.abi.Sched;
import org.oxen.vmm.abi.SharedInfo;
import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.core.domain.VcpuImpl;

/** sched_op and sched_op_compat: yield, block, shutdown (reason recorded). */
final class SchedHypercalls {

    private final Services s;

    SchedHypercalls(Services s) {
        this.s = s;
    }

    long schedOp(VcpuImpl v, int cmd, int arg, int a3, int a4, int a5, int a6, boolean mc) {
        int cr3 = Args.cr3(v);
        switch (cmd) {
            case Sched.SCHEDOP_YIELD:
                v.yieldRequested = true;
                v.endSlice = true;
                return 0;
            case Sched.SCHEDOP_BLOCK:
                return block(v);
            case Sched.SCHEDOP_SHUTDOWN:
                return shutdown(v, s.guest().read32(cr3, arg));
            case Sched.SCHEDOP_SHUTDOWN_CODE:
                v.domain().setShutdownCode(s.guest().read32(cr3, arg));
                return 0;
            case Sched.SCHEDOP_REMOTE_SHUTDOWN: {
                int domid = s.guest().read16(cr3, arg);
                s.guest().read32(cr3, arg + 4);
                if (domid == Xen.DOMID_SELF || domid == v.domain().id()) return EINVAL;
                return s.domain(domid) == null ? ESRCH : EPERM;
            }
            default:
                return ENOSYS; // poll and watchdog come with event channels and timers
        }
    }

    long schedOpCompat(VcpuImpl v, int cmd, int arg, int a3, int a4, int a5, int a6, boolean mc) {
        switch (cmd) {
            case Sched.SCHEDOP_YIELD:
                v.yieldRequested = true;
                v.endSlice = true;
                return 0;
            case Sched.SCHEDOP_BLOCK:
                return block(v);
            case Sched.SCHEDOP_SHUTDOWN:
                return shutdown(v, arg);
            default:
                return ENOSYS;
        }
    }

    /** do_block: unmask events; sleep unless one is pending already. */
    private long block(VcpuImpl v) {
        v.setUpcallMask(0);
        int pending = v.domain().ram().read8(v.vcpuInfoAddress() + SharedInfo.VI_UPCALL_PENDING);
        if (pending == 0) {
            s.block(v);
            v.endSlice = true;
        }
        return 0;
    }

    /** domain_shutdown(d, (u8)reason): any reason is accepted (Xen truncates it to 8 bits). */
    private long shutdown(VcpuImpl v, int reason) {
        v.domain().shutdown(reason);
        v.endSlice = true;
        return 0;
    }
}
