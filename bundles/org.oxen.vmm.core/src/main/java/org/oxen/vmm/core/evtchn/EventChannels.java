package org.oxen.vmm.core.evtchn;

import static org.oxen.vmm.abi.Errno.EEXIST;
import static org.oxen.vmm.abi.Errno.EINVAL;
import static org.oxen.vmm.abi.Errno.ENOENT;
import static org.oxen.vmm.abi.Errno.ENOSPC;
import static org.oxen.vmm.abi.Errno.ESRCH;

import org.oxen.vmm.abi.EventChannel;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;

/**
 * A domain's event channels (Xen's d-&gt;evtchn with its event lock; the operations of
 * xen/common/event_channel.c). A guest domain's pending events go through the 2-level ABI in
 * its shared_info ({@link TwoLevel}); Domain-0 is the Java host, whose ports deliver to
 * {@link Dom0Port} listeners instead.
 *
 * <p>Every operation returns what the hypercall returns: a port (&ge; 0) or a negative errno,
 * with Xen's checks in Xen's order. Port 0 is reserved; ports are valid up to the highest
 * 64-port bucket ever allocated (Xen's valid_evtchns), so status/unmask of a port beyond it is
 * {@code -EINVAL}.
 *
 * <p>Locking: this object's monitor is the domain's event lock. Operations on two domains
 * (interdomain bind, close, send) take both, the lower domain id first; the lock order is
 * stated once, in the {@link org.oxen.vmm.core} package documentation. Setting a guest port
 * pending kicks its vcpu (wake: a scheduler lock, below the event lock). Java listeners are
 * called after every lock is released.
 */
public final class EventChannels {

    /** The event channels of a domain by id (Domain-0 included), or null if there is none. */
    public interface Directory {
        EventChannels of(int domid);
    }

    private static final int BUCKET = 64;

    private final Directory directory;
    private final int domid;
    /** The guest domain, or null for Domain-0. */
    private final DomainImpl domain;
    private final Channel[] chans;
    /** virq_to_evtchn per vcpu (guests only). */
    private final int[][] virqPorts;
    /** Xen's valid_evtchns: ports below it are valid. */
    private int valid;
    private boolean dead;

    /** A guest domain's table: 1024 ports (the 2-level ABI of a 32-bit guest). */
    public EventChannels(Directory directory, DomainImpl domain) {
        this(directory, domain.id(), domain, EventChannel.NR_EVENT_CHANNELS_2L, domain.vcpuCount());
    }

    /** Domain-0's table (the Java host): {@code maxPorts} ports, no vcpus. */
    public static EventChannels dom0(Directory directory, int maxPorts) {
        return new EventChannels(directory, 0, null, maxPorts, 0);
    }

    private EventChannels(Directory directory, int domid, DomainImpl domain, int maxPorts, int nrVcpus) {
        this.directory = directory;
        this.domid = domid;
        this.domain = domain;
        this.chans = new Channel[maxPorts];
        this.virqPorts = new int[nrVcpus][EventChannel.NR_VIRQS];
        for (int i = 0; i < maxPorts; i++) {
            chans[i] = new Channel();
        }
        chans[0].state = Channel.RESERVED;
        valid = Math.min(BUCKET, maxPorts);
    }

    public int domid() {
        return domid;
    }

    public int maxPorts() {
        return chans.length;
    }

    private boolean portIsValid(int port) {
        return port >= 0 && port < valid;
    }

    /** get_free_port: the lowest free port, growing the valid range by a bucket; -ENOSPC when full. */
    private int freePort() {
        if (dead) return -EINVAL;
        for (int p = 1; p < valid; p++) {
            if (chans[p].state == Channel.FREE) return p;
        }
        if (valid == chans.length) return -ENOSPC;
        int p = valid;
        valid = Math.min(valid + BUCKET, chans.length);
        return p;
    }

    private int vcpus() {
        return domain == null ? 0 : domain.vcpuCount();
    }

    /** Locks this table and {@code other}'s in domain-id order, runs {@code op}, unlocks. */
    private <T> T locked2(EventChannels other, java.util.function.Supplier<T> op) {
        if (other == this) {
            synchronized (this) {
                return op.get();
            }
        }
        EventChannels first = domid < other.domid ? this : other;
        EventChannels second = first == this ? other : this;
        synchronized (first) {
            synchronized (second) {
                return op.get();
            }
        }
    }

    // ------------------------------------------------------------------ EVTCHNOP_*

    /** EVTCHNOP_alloc_unbound: a port {@code remoteDomid} may bind to. */
    public synchronized int allocUnbound(int remoteDomid, Dom0Port javaPort) {
        int port = freePort();
        if (port < 0) return port;
        Channel c = chans[port];
        c.state = Channel.UNBOUND;
        c.unboundRemote = remoteDomid;
        c.javaPort = javaPort;
        if (javaPort != null) javaPort.setPort(port);
        return port;
    }

    /**
     * EVTCHNOP_bind_interdomain: connects a new local port to {@code remotePort} of
     * {@code remoteDomid}, which must be unbound and allow this domain. The new local port is
     * set pending (notifications to the unbound port may have been lost), as Xen does.
     */
    public int bindInterdomain(int remoteDomid, int remotePort, Dom0Port javaPort) {
        EventChannels rd = directory.of(remoteDomid);
        if (rd == null) return -ESRCH;
        int[] lportOut = new int[1];
        int rc = locked2(rd, () -> {
            int lport = freePort();
            if (lport < 0) return lport;
            if (!rd.portIsValid(remotePort)) return -EINVAL;
            Channel rchn = rd.chans[remotePort];
            if (rchn.state != Channel.UNBOUND || rchn.unboundRemote != domid) return -EINVAL;
            Channel lchn = chans[lport];
            lchn.state = Channel.INTERDOMAIN;
            lchn.remote = rd;
            lchn.remotePort = remotePort;
            lchn.javaPort = javaPort;
            rchn.state = Channel.INTERDOMAIN;
            rchn.remote = this;
            rchn.remotePort = lport;
            lportOut[0] = lport;
            if (javaPort != null) javaPort.setPort(lport);
            return 0;
        });
        if (rc < 0) return rc;
        int lport = lportOut[0];
        Dom0Port j;
        synchronized (this) {
            j = setPendingLocked(lport);
        }
        if (j != null) j.deliver();
        return lport;
    }

    /** EVTCHNOP_bind_virq. */
    public synchronized int bindVirq(int virq, int vcpu) {
        if (virq < 0 || virq >= EventChannel.NR_VIRQS) return -EINVAL;
        if (EventChannel.virqIsGlobal(virq) && vcpu != 0) return -EINVAL;
        if (vcpu < 0 || vcpu >= vcpus()) return -ENOENT;
        if (virqPorts[vcpu][virq] != 0) return -EEXIST;
        int port = freePort();
        if (port < 0) return port;
        Channel c = chans[port];
        c.state = Channel.VIRQ;
        c.notifyVcpu = vcpu;
        c.virq = virq;
        virqPorts[vcpu][virq] = port;
        return port;
    }

    /** EVTCHNOP_bind_ipi. */
    public synchronized int bindIpi(int vcpu) {
        if (vcpu < 0 || vcpu >= vcpus()) return -ENOENT;
        int port = freePort();
        if (port < 0) return port;
        Channel c = chans[port];
        c.state = Channel.IPI;
        c.notifyVcpu = vcpu;
        return port;
    }

    /** EVTCHNOP_close. */
    public int close(int port) {
        EventChannels rd;
        synchronized (this) {
            if (!portIsValid(port)) return -EINVAL;
            Channel c = chans[port];
            if (c.state == Channel.FREE || c.state == Channel.RESERVED) return -EINVAL;
            if (c.state != Channel.INTERDOMAIN) {
                closeLocked(port);
                return 0;
            }
            rd = c.remote;
        }
        return locked2(rd, () -> {
            // the channel may have changed while no lock was held
            Channel c = chans[port];
            if (c.state == Channel.FREE || c.state == Channel.RESERVED) return -EINVAL;
            closeLocked(port);
            return 0;
        });
    }

    /** Closes {@code port}; for an interdomain port the caller holds the peer's lock too. */
    private void closeLocked(int port) {
        Channel c = chans[port];
        switch (c.state) {
            case Channel.VIRQ:
                for (int[] v : virqPorts) {
                    if (v[c.virq] == port) v[c.virq] = 0;
                }
                break;
            case Channel.INTERDOMAIN: {
                Channel peer = c.remote.chans[c.remotePort];
                if (peer.state == Channel.INTERDOMAIN && peer.remote == this && peer.remotePort == port) {
                    peer.state = Channel.UNBOUND;
                    peer.unboundRemote = domid;
                    peer.remote = null;
                    peer.remotePort = 0;
                }
                break;
            }
            default:
                break;
        }
        if (domain != null) TwoLevel.clearPending(domain, port);
        Dom0Port j = c.javaPort;
        c.free();
        if (j != null) j.closedByHypervisor();
    }

    /**
     * EVTCHNOP_send: interdomain sets the peer's port pending, IPI the local one; an unbound
     * port drops the event silently (Xen); anything else is -EINVAL.
     */
    public int send(int port) {
        EventChannels rd;
        int rport;
        synchronized (this) {
            if (!portIsValid(port)) return -EINVAL;
            Channel c = chans[port];
            switch (c.state) {
                case Channel.IPI: {
                    Dom0Port j = setPendingLocked(port);
                    if (j != null) throw new IllegalStateException("IPI on Domain-0");
                    return 0;
                }
                case Channel.UNBOUND:
                    return 0;
                case Channel.INTERDOMAIN:
                    rd = c.remote;
                    rport = c.remotePort;
                    break;
                default:
                    return -EINVAL;
            }
        }
        Dom0Port j;
        synchronized (rd) {
            // the peer may have closed or rebound meanwhile: then the event is dropped, as the
            // unbound case would
            Channel rc = rd.chans[rport];
            if (rc.state != Channel.INTERDOMAIN || rc.remote != this || rc.remotePort != port) return 0;
            j = rd.setPendingLocked(rport);
        }
        if (j != null) j.deliver();
        return 0;
    }

    /** EVTCHNOP_bind_vcpu. */
    public synchronized int bindVcpu(int port, int vcpu) {
        if (vcpu < 0 || vcpu >= vcpus()) return -ENOENT;
        if (!portIsValid(port)) return -EINVAL;
        Channel c = chans[port];
        switch (c.state) {
            case Channel.VIRQ:
                if (!EventChannel.virqIsGlobal(c.virq)) return -EINVAL;
                c.notifyVcpu = vcpu;
                return 0;
            case Channel.UNBOUND:
            case Channel.INTERDOMAIN:
                c.notifyVcpu = vcpu;
                return 0;
            default:
                return -EINVAL;
        }
    }

    /** Ports not free (Xen's evtchn_port_is_valid and not ECS_FREE): allocated, bound or reserved. */
    public synchronized int portsInUse() {
        int n = 0;
        for (Channel c : chans) {
            if (c != null && c.state != Channel.FREE && c.state != Channel.RESERVED) n++;
        }
        return n;
    }

    /** EVTCHNOP_unmask (2-level: clear the mask bit, re-raise a pending event). */
    public synchronized int unmask(int port) {
        if (!portIsValid(port)) return -EINVAL;
        if (domain != null) TwoLevel.unmask(domain, port, chans[port].notifyVcpu);
        return 0;
    }

    /** EVTCHNOP_status: {status, vcpu, u0, u1} or {@code null} with {@code -EINVAL} for an invalid port. */
    public synchronized int[] status(int port) {
        if (!portIsValid(port)) return null;
        Channel c = chans[port];
        switch (c.state) {
            case Channel.UNBOUND:
                return new int[] {EventChannel.STAT_UNBOUND, c.notifyVcpu, c.unboundRemote, 0};
            case Channel.INTERDOMAIN:
                return new int[] {EventChannel.STAT_INTERDOMAIN, c.notifyVcpu, c.remote.domid, c.remotePort};
            case Channel.VIRQ:
                return new int[] {EventChannel.STAT_VIRQ, c.notifyVcpu, c.virq, 0};
            case Channel.IPI:
                return new int[] {EventChannel.STAT_IPI, c.notifyVcpu, 0, 0};
            default:
                return new int[] {EventChannel.STAT_CLOSED, c.notifyVcpu, 0, 0};
        }
    }

    /** EVTCHNOP_reset and domain destruction: closes every port. */
    public void reset() {
        int n;
        synchronized (this) {
            n = valid;
        }
        for (int p = 1; p < n; p++) {
            int st;
            synchronized (this) {
                st = chans[p].state;
            }
            if (st != Channel.FREE && st != Channel.RESERVED) close(p);
        }
    }

    /** The domain is being destroyed: every port closes (peers become unbound) and none opens again. */
    public void destroy() {
        reset();
        synchronized (this) {
            dead = true;
        }
    }

    // ------------------------------------------------------------------ raising events

    /**
     * send_guest_vcpu_virq / send_guest_global_virq: raises {@code virq} on {@code vcpu} (global
     * VIRQs go to the port bound on vcpu 0, notifying its bound vcpu). No port bound: nothing.
     */
    public void sendVirq(int virq, int vcpu) {
        synchronized (this) {
            if (dead || vcpu < 0 || vcpu >= vcpus()) return;
            int port = virqPorts[EventChannel.virqIsGlobal(virq) ? 0 : vcpu][virq];
            if (port == 0) return;
            setPendingLocked(port);
        }
    }

    /** The vcpu bound to VIRQ {@code virq} on {@code vcpu}'s port, or 0 if none is bound (tests). */
    public synchronized int virqPort(int virq, int vcpu) {
        return vcpu < 0 || vcpu >= vcpus() ? 0 : virqPorts[vcpu][virq];
    }

    /** evtchn_port_set_pending under the lock; returns the Java port to call after unlocking. */
    private Dom0Port setPendingLocked(int port) {
        Channel c = chans[port];
        if (domain != null) {
            VcpuImpl v = domain.vcpu(c.notifyVcpu);
            if (v != null) TwoLevel.setPending(domain, v, port);
            return null;
        }
        return c.javaPort;
    }

    /** Whether {@code port} is pending in the guest's shared_info (SCHEDOP_poll). */
    public boolean isPending(int port) {
        return domain != null && port >= 0 && port < chans.length && TwoLevel.isPending(domain, port);
    }

    /**
     * vcpu_mark_events_pending after vcpu_info moved (VCPUOP_register_vcpu_info): every
     * selector bit set and evtchn_upcall_pending, so no event pending in the old copy is lost
     * (the guest gets a spurious upcall at worst, as in Xen's map_guest_area).
     */
    public static void markAllPending(VcpuImpl v) {
        v.domain().ram().write32(v.vcpuInfoAddress() + org.oxen.vmm.abi.SharedInfo.VI_PENDING_SEL, -1);
        TwoLevel.markEventsPending(v);
    }
}
