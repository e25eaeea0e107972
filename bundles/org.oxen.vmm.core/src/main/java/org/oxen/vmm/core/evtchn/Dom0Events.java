package org.oxen.vmm.core.evtchn;

import org.oxen.vmm.api.Dom0EventChannels;
import org.oxen.vmm.api.EventChannelException;
import org.oxen.vmm.api.EventListener;
import org.oxen.vmm.api.EventPort;

/**
 * {@link Dom0EventChannels} over Domain-0's {@link EventChannels} table: the Java host's half of
 * EVTCHNOP_alloc_unbound and bind_interdomain, with Xen's checks and errnos.
 */
public final class Dom0Events implements Dom0EventChannels {

    /** Domain-0's ports (the Java host may serve many guests). */
    public static final int MAX_PORTS = 4096;

    private final EventChannels table;
    private final EventChannels.Directory directory;

    public Dom0Events(EventChannels.Directory directory) {
        this.directory = directory;
        this.table = EventChannels.dom0(directory, MAX_PORTS);
    }

    /** Domain-0's table (the directory answers it for domid 0). */
    public EventChannels table() {
        return table;
    }

    private void requireGuest(int domid) throws EventChannelException {
        if (domid == 0 || directory.of(domid) == null) {
            throw new EventChannelException("no guest domain " + domid, -org.oxen.vmm.abi.Errno.ESRCH);
        }
    }

    @Override
    public EventPort allocUnbound(int domid, EventListener listener) throws EventChannelException {
        requireGuest(domid);
        Dom0Port p = new Dom0Port(table, domid, java.util.Objects.requireNonNull(listener, "listener"));
        int port = table.allocUnbound(domid, p);
        if (port < 0) throw new EventChannelException("Domain-0 alloc_unbound for d" + domid, port);
        return p;
    }

    @Override
    public int portsInUse() {
        return table.portsInUse();
    }

    @Override
    public EventPort bindInterdomain(int domid, int remotePort, EventListener listener) throws EventChannelException {
        requireGuest(domid);
        Dom0Port p = new Dom0Port(table, domid, java.util.Objects.requireNonNull(listener, "listener"));
        int port = table.bindInterdomain(domid, remotePort, p);
        if (port < 0) {
            throw new EventChannelException("Domain-0 bind_interdomain to d" + domid + " port " + remotePort, port);
        }
        return p;
    }
}
