package org.oxen.vmm.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Domain-0's end of event channels. oxen's Domain-0 is the Java host, so where a Xen backend
 * driver in a Linux Dom0 calls EVTCHNOP_alloc_unbound / bind_interdomain / send and gets an
 * interrupt, a Java component calls these methods and gets {@link EventListener#onEvent}.
 *
 * <p>The guest side is unchanged Xen: a frontend either allocates an unbound port for remote
 * domain 0 (EVTCHNOP_alloc_unbound with remote_dom 0) which the backend binds with
 * {@link #bindInterdomain}, or binds with EVTCHNOP_bind_interdomain(0, port) to a port the
 * backend allocated with {@link #allocUnbound}. Errors are Xen's: a guest port that does not
 * exist or is not unbound for Domain-0 gives {@link EventChannelException} with -EINVAL, an
 * unknown domain -ESRCH.
 */
@ProviderType
public interface Dom0EventChannels {

    /**
     * EVTCHNOP_alloc_unbound in Domain-0: a port that domain {@code domid} may bind to; events
     * it sends after binding call {@code listener}.
     */
    EventPort allocUnbound(int domid, EventListener listener) throws EventChannelException;

    /**
     * EVTCHNOP_bind_interdomain from Domain-0 to {@code remotePort} of domain {@code domid},
     * which must be unbound and allocated for remote domain 0. As in Xen the new local port is
     * marked pending once at bind time (the listener may be called once at once).
     */
    EventPort bindInterdomain(int domid, int remotePort, EventListener listener) throws EventChannelException;

    /**
     * Domain-0's ports in use now (allocated, bound or unbound-but-not-yet-closed): what its
     * backends hold; a destroyed domain's ports are unbound by its destruction and closed by the
     * backend that owned them, so a count that does not come back is a leak (1.14).
     */
    default int portsInUse() {
        return -1;
    }
}
