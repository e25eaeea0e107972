package org.oxen.vmm.core.hypercall;

import static org.oxen.vmm.core.hypercall.Args.EINVAL;
import static org.oxen.vmm.core.hypercall.Args.ENOSYS;
import static org.oxen.vmm.core.hypercall.Args.EPERM;
import static org.oxen.vmm.core.hypercall.Args.ESRCH;

import org.oxen.vmm.abi.Sched;
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
                // rcu_lock_domain_by_id (DOMID_SELF names no domain: -ESRCH), then
                // xsm_schedop_shutdown(XSM_DM_PRIV): a guest is privileged for no domain, itself
                // included (-EPERM); only Domain-0 (the Java host, domid 0) shuts others down
                // (Domains.shutdown)
                int domid = s.guest().read16(cr3, arg);
                s.guest().read32(cr3, arg + 4);
                return domid == 0 || s.domain(domid) != null ? EPERM : ESRCH;
            }
            case Sched.SCHEDOP_POLL:
                return poll(v, arg);
            default:
                return ENOSYS; // watchdog
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

    /**
     * do_block: unmask events; block unless one needs delivery already (checked atomically with
     * setting the blocked flag: {@link VcpuImpl#blockUnlessEventsPending}). The upcall is
     * delivered on the way back to the guest, now or when an event wakes the vcpu.
     */
    private long block(VcpuImpl v) {
        v.setUpcallMask(0);
        if (v.blockUnlessEventsPending()) {
            if (v.domain().trace.on(org.oxen.vmm.abi.Trace.TRC_SCHED)) {
                v.domain().trace.trace2(org.oxen.vmm.abi.Trace.TRC_SCHED_BLOCK, v.domain().id(), v.id());
            }
            s.blocked(v);
            v.endSlice = true;
        }
        return 0;
    }

    /** struct sched_poll (i386): ports handle, nr_ports, uint64 timeout (absolute system time, 0 = none). */
    static final int POLL_PORTS = 0, POLL_NR_PORTS = 4, POLL_TIMEOUT = 8, POLL_MAX_PORTS = 128;

    /**
     * do_poll: blocks until one of the ports is pending, an event needs delivery, or the
     * timeout passes; returns at once (0) if one of those holds already. The upcall mask is
     * left alone (unlike block). More than 128 ports or a port beyond the domain's: -EINVAL.
     */
    private long poll(VcpuImpl v, int arg) {
        int cr3 = Args.cr3(v);
        int portsVa = s.guest().read32(cr3, arg + POLL_PORTS);
        int nr = s.guest().read32(cr3, arg + POLL_NR_PORTS);
        long timeout = s.guest().read64(cr3, arg + POLL_TIMEOUT);
        if (Integer.compareUnsigned(nr, POLL_MAX_PORTS) > 0) return EINVAL;
        int[] ports = v.pollPortsBuffer();
        for (int i = 0; i < nr; i++) {
            ports[i] = s.guest().read32(cr3, portsVa + 4 * i);
        }
        if (v.eventsNeedDelivery()) return 0;
        for (int i = 0; i < nr; i++) {
            if (Integer.compareUnsigned(ports[i], v.domain().events().maxPorts()) >= 0) return EINVAL;
        }
        v.domain().pollers.incrementAndGet();
        if (!v.blockPolling(ports, nr)) {
            v.domain().pollers.decrementAndGet();
            return 0;
        }
        if (timeout != 0) v.timers().setPollTimeout(timeout);
        s.blocked(v);
        v.endSlice = true;
        return 0;
    }

    /** domain_shutdown(d, (u8)reason): any reason is accepted (Xen truncates it to 8 bits). */
    private long shutdown(VcpuImpl v, int reason) {
        v.domain().shutdown(reason);
        v.endSlice = true;
        return 0;
    }
}
