package org.oxen.vmm.core.hypercall;

import static org.oxen.vmm.core.hypercall.Args.EINVAL;
import static org.oxen.vmm.core.hypercall.Args.ENOSYS;

import org.oxen.vmm.abi.Errno;
import org.oxen.vmm.abi.VcpuOp;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.guest.GuestMemory;

/**
 * set_timer_op and vcpu_op (Xen's do_set_timer_op, do_vcpu_op / common_vcpu_op): the vcpu's
 * timers, and its state. A vcpu id outside the domain is -ENOENT; the single-shot timer may be
 * changed only by the vcpu itself (-EINVAL), as in Xen.
 */
final class VcpuHypercalls {

    /** Xen's STIME_DELTA_MAX for the periodic timer (a period above it is -EINVAL). */
    static final long STIME_DELTA_MAX = (1L << 62) - 1;

    private final Services s;

    VcpuHypercalls(Services s) {
        this.s = s;
    }

    /** set_timer_op(timeout_lo, timeout_hi): 0 stops the single-shot timer. */
    long setTimerOp(VcpuImpl v, int lo, int hi, int a3, int a4, int a5, int a6, boolean mc) {
        long timeout = (lo & 0xFFFFFFFFL) | (long) hi << 32;
        v.timers().setSingleshot(timeout);
        return 0;
    }

    long vcpuOp(VcpuImpl v, int cmd, int vcpuid, int arg, int a4, int a5, int a6, boolean mc) {
        VcpuImpl t = v.domain().vcpu(vcpuid);
        if (t == null) return -Errno.ENOENT;
        GuestMemory g = s.guest();
        int cr3 = Args.cr3(v);
        switch (cmd) {
            case VcpuOp.IS_UP:
                return t.online() ? 1 : 0;
            case VcpuOp.SET_PERIODIC_TIMER: {
                long period = g.read64(cr3, arg + VcpuOp.PERIODIC_PERIOD_NS);
                if (period < VcpuOp.MIN_PERIOD_NS || period > STIME_DELTA_MAX) return EINVAL;
                t.timers().setPeriod(period);
                return 0;
            }
            case VcpuOp.STOP_PERIODIC_TIMER:
                t.timers().setPeriod(0);
                return 0;
            case VcpuOp.SET_SINGLESHOT_TIMER: {
                if (t != v) return EINVAL;
                long timeout = g.read64(cr3, arg + VcpuOp.SINGLESHOT_TIMEOUT_ABS_NS);
                int flags = g.read32(cr3, arg + VcpuOp.SINGLESHOT_FLAGS);
                if ((flags & VcpuOp.SSHOTTMR_FUTURE) != 0 && timeout < v.domain().clock().nanos()) {
                    return -Errno.ETIME;
                }
                t.timers().setSingleshot(timeout == 0 ? 1 : timeout);
                return 0;
            }
            case VcpuOp.STOP_SINGLESHOT_TIMER:
                if (t != v) return EINVAL;
                t.timers().stopSingleshot();
                return 0;
            default:
                return ENOSYS;
        }
    }
}
