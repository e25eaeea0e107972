package org.oxen.vmm.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One of Domain-0's event-channel ports ({@link Dom0EventChannels}). Thread-safe.
 */
@ProviderType
public interface EventPort extends AutoCloseable {

    /** The port number in Domain-0. */
    int port();

    /** The guest domain at the other end. */
    int remoteDomain();

    /** The guest's port while connected, or -1 while unbound (not yet bound, or the guest closed it). */
    int remotePort();

    /** Whether this port is still open in Domain-0 (not closed, its domain not destroyed). */
    boolean isOpen();

    /**
     * EVTCHNOP_send: sets the guest's port pending and upcalls it as Xen would; while unbound
     * the event is dropped silently (Xen). Never blocks on the guest.
     *
     * @throws IllegalStateException if this port was closed
     */
    void send();

    /** EVTCHNOP_close (idempotent). */
    @Override
    void close();
}
