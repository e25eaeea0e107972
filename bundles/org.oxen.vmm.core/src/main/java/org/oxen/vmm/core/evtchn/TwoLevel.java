package org.oxen.vmm.core.evtchn;

import org.oxen.vmm.abi.SharedInfo;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.x86.api.Ram;

/**
 * The 2-level event ABI (Xen's evtchn_2l.c) on a guest's shared_info: {@code evtchn_pending}
 * and {@code evtchn_mask} (32 words of 32 bits) and each vcpu_info's {@code evtchn_pending_sel}
 * and {@code evtchn_upcall_pending}. Every bit change is an atomic read-modify-write on RAM,
 * so it composes with the guest's own locked instructions on other pCPUs.
 */
final class TwoLevel {
    private TwoLevel() {
    }

    private static long word(DomainImpl d, int base, int port) {
        return ((long) d.sharedInfoMfn() << 12) + base + (port >>> 5) * 4L;
    }

    /** evtchn_2l_set_pending: pending bit; unless masked, selector bit and upcall for {@code v}. */
    static void setPending(DomainImpl d, VcpuImpl v, int port) {
        Ram ram = d.ram();
        if (ram.testAndSetBit32(word(d, SharedInfo.EVTCHN_PENDING, port), port & 31)) return;
        d.eventDelivered();
        if (d.trace.on(org.oxen.vmm.abi.Trace.TRC_OXEN_EVTCHN)) d.trace.trace2(org.oxen.vmm.abi.Trace.TRC_OXEN_EVTCHN_DELIVER, d.id(), port);
        if ((ram.readVolatile32(word(d, SharedInfo.EVTCHN_MASK, port)) & 1 << (port & 31)) == 0
                && !ram.testAndSetBit32(v.vcpuInfoAddress() + SharedInfo.VI_PENDING_SEL, port >>> 5)) {
            markEventsPending(v);
        }
        checkPollers(d, port);
    }

    /** evtchn_check_pollers: vcpus polling {@code port} (or any port) wake, masked or not. */
    static void checkPollers(DomainImpl d, int port) {
        if (d.pollers.get() == 0) return;
        for (int i = 0; i < d.vcpuCount(); i++) {
            d.vcpu(i).wakePoller(port);
        }
    }

    /** vcpu_mark_events_pending: evtchn_upcall_pending, and a kick if it was clear. */
    static void markEventsPending(VcpuImpl v) {
        // evtchn_upcall_pending is byte 0 of the aligned dword at vcpu_info + 0
        if (!v.domain().ram().testAndSetBit32(v.vcpuInfoAddress() + SharedInfo.VI_UPCALL_PENDING, 0)) {
            v.kick();
        }
    }

    static void clearPending(DomainImpl d, int port) {
        d.ram().testAndClearBit32(word(d, SharedInfo.EVTCHN_PENDING, port), port & 31);
    }

    static boolean isPending(DomainImpl d, int port) {
        return (d.ram().readVolatile32(word(d, SharedInfo.EVTCHN_PENDING, port)) & 1 << (port & 31)) != 0;
    }

    /** evtchn_2l_unmask: clear the mask bit; if the port is pending, raise it on {@code vcpu}. */
    static void unmask(DomainImpl d, int port, int vcpu) {
        Ram ram = d.ram();
        VcpuImpl v = d.vcpu(vcpu);
        if (ram.testAndClearBit32(word(d, SharedInfo.EVTCHN_MASK, port), port & 31) && isPending(d, port) && v != null
                && !ram.testAndSetBit32(v.vcpuInfoAddress() + SharedInfo.VI_PENDING_SEL, port >>> 5)) {
            markEventsPending(v);
        }
    }
}
