package org.oxen.vmm.core.hypercall;

import static org.oxen.vmm.core.hypercall.Args.EINVAL;
import static org.oxen.vmm.core.hypercall.Args.ENOSYS;
import static org.oxen.vmm.core.hypercall.Args.EPERM;
import static org.oxen.vmm.core.hypercall.Args.ESRCH;

import org.oxen.vmm.abi.EventChannel;
import org.oxen.vmm.abi.Xen;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.evtchn.EventChannels;
import org.oxen.vmm.core.guest.GuestMemory;

/**
 * event_channel_op and event_channel_op_compat (Xen's do_event_channel_op): copies the
 * argument struct in, calls the domain's {@link EventChannels}, copies the OUT fields back.
 * An unprivileged domain may name only itself in a {@code dom} field (-EPERM for another
 * domain, -ESRCH for none). FIFO events are not offered: init_control, expand_array and
 * set_priority answer -ENOSYS as a Xen without FIFO support does; no physical IRQ is accessible
 * to a guest (bind_pirq).
 */
final class EventChannelHypercalls {

    /** Xen's domU nr_pirqs on x86 (nr_static_irqs 16 + extra_domU_pirqs 32): bind_pirq range. */
    static final int DOMU_NR_PIRQS = 48;

    private final Services s;

    EventChannelHypercalls(Services s) {
        this.s = s;
    }

    long eventChannelOp(VcpuImpl v, int cmd, int arg, int a3, int a4, int a5, int a6, boolean mc) {
        return op(v, cmd, arg);
    }

    /** The pre-3.0.2 form: {@code struct evtchn_op {uint32 cmd; union u}} in and back out. */
    long eventChannelOpCompat(VcpuImpl v, int arg, int a2, int a3, int a4, int a5, int a6, boolean mc) {
        int cmd = s.guest().read32(Args.cr3(v), arg);
        return op(v, cmd, arg + EventChannel.COMPAT_ARG);
    }

    /** Whether {@code domid} names the caller; else sets err[0] to -ESRCH / -EPERM. */
    private boolean self(VcpuImpl v, int domid, long[] err) {
        return Args.self(s, v, domid, err) != null;
    }

    private long op(VcpuImpl v, int cmd, int a) {
        GuestMemory g = s.guest();
        int cr3 = Args.cr3(v);
        EventChannels ev = v.domain().events();
        int self = v.domain().id();
        switch (cmd) {
            case EventChannel.OP_ALLOC_UNBOUND: {
                int dom = g.read16(cr3, a + EventChannel.ALLOC_UNBOUND_DOM);
                int remote = g.read16(cr3, a + EventChannel.ALLOC_UNBOUND_REMOTE_DOM);
                long[] err = new long[1];
                if (!self(v, dom, err)) return err[0];
                int port = ev.allocUnbound(remote == Xen.DOMID_SELF ? self : remote, null);
                if (port < 0) return port;
                g.write32(cr3, a + EventChannel.ALLOC_UNBOUND_PORT, port);
                return 0;
            }
            case EventChannel.OP_BIND_INTERDOMAIN: {
                int rdom = g.read16(cr3, a + EventChannel.BIND_INTERDOMAIN_REMOTE_DOM);
                int rport = g.read32(cr3, a + EventChannel.BIND_INTERDOMAIN_REMOTE_PORT);
                g.read32(cr3, a + EventChannel.BIND_INTERDOMAIN_LOCAL_PORT); // the OUT field must be there
                int port = ev.bindInterdomain(rdom == Xen.DOMID_SELF ? self : rdom, rport, null);
                if (port < 0) return port;
                g.write32(cr3, a + EventChannel.BIND_INTERDOMAIN_LOCAL_PORT, port);
                return 0;
            }
            case EventChannel.OP_BIND_VIRQ: {
                int virq = g.read32(cr3, a + EventChannel.BIND_VIRQ_VIRQ);
                int vcpu = g.read32(cr3, a + EventChannel.BIND_VIRQ_VCPU);
                g.read32(cr3, a + EventChannel.BIND_VIRQ_PORT);
                int port = ev.bindVirq(virq, vcpu);
                if (port < 0) return port;
                g.write32(cr3, a + EventChannel.BIND_VIRQ_PORT, port);
                return 0;
            }
            case EventChannel.OP_BIND_PIRQ: {
                int pirq = g.read32(cr3, a);
                return pirq < 0 || pirq >= DOMU_NR_PIRQS ? EINVAL : EPERM;
            }
            case EventChannel.OP_CLOSE:
                return ev.close(g.read32(cr3, a));
            case EventChannel.OP_SEND: {
                v.counters.eventSent();
                int port = g.read32(cr3, a);
                if (v.domain().trace.on(org.oxen.vmm.abi.Trace.TRC_OXEN_EVTCHN)) {
                    v.domain().trace.trace3(org.oxen.vmm.abi.Trace.TRC_OXEN_EVTCHN_SEND, self, v.id(), port);
                }
                return ev.send(port);
            }
            case EventChannel.OP_STATUS: {
                int dom = g.read16(cr3, a + EventChannel.STATUS_DOM);
                int port = g.read32(cr3, a + EventChannel.STATUS_PORT);
                int id = dom == Xen.DOMID_SELF ? self : dom;
                EventChannels target = id == self ? ev : s.domain(id) != null ? s.domain(id).events() : null;
                if (target == null) return ESRCH;
                int[] st = target.status(port);
                if (st == null) return EINVAL;
                if (target != ev) return EPERM;
                g.write32(cr3, a + EventChannel.STATUS_STATUS, st[0]);
                g.write32(cr3, a + EventChannel.STATUS_VCPU, st[1]);
                g.write32(cr3, a + EventChannel.STATUS_U, st[2]);
                g.write32(cr3, a + EventChannel.STATUS_U_PORT, st[3]);
                return 0;
            }
            case EventChannel.OP_BIND_IPI: {
                int vcpu = g.read32(cr3, a + EventChannel.BIND_IPI_VCPU);
                g.read32(cr3, a + EventChannel.BIND_IPI_PORT);
                int port = ev.bindIpi(vcpu);
                if (port < 0) return port;
                g.write32(cr3, a + EventChannel.BIND_IPI_PORT, port);
                return 0;
            }
            case EventChannel.OP_BIND_VCPU:
                return ev.bindVcpu(g.read32(cr3, a + EventChannel.BIND_VCPU_PORT),
                        g.read32(cr3, a + EventChannel.BIND_VCPU_VCPU));
            case EventChannel.OP_UNMASK:
                return ev.unmask(g.read32(cr3, a));
            case EventChannel.OP_RESET: {
                long[] err = new long[1];
                if (!self(v, g.read16(cr3, a + EventChannel.RESET_DOM), err)) return err[0];
                ev.reset();
                return 0;
            }
            default:
                // includes init_control / expand_array / set_priority: no FIFO event ABI here
                return ENOSYS;
        }
    }
}
