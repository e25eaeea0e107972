package org.oxen.vmm.core.evtchn;

import org.oxen.vmm.abi.EventChannel;
import org.oxen.vmm.api.EventListener;
import org.oxen.vmm.api.EventPort;

/**
 * A Domain-0 port handed to a Java component: its number in Domain-0's table, the guest it
 * talks to, and the listener events are delivered to (on the sender's thread, holding no lock).
 */
final class Dom0Port implements EventPort {

    private final EventChannels dom0;
    private final int remoteDomain;
    private final EventListener listener;
    private volatile int port = -1;
    private volatile boolean open = true;

    Dom0Port(EventChannels dom0, int remoteDomain, EventListener listener) {
        this.dom0 = dom0;
        this.remoteDomain = remoteDomain;
        this.listener = listener;
    }

    void setPort(int p) {
        port = p;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public int remoteDomain() {
        return remoteDomain;
    }

    @Override
    public int remotePort() {
        int[] st = dom0.status(port);
        return st != null && st[0] == EventChannel.STAT_INTERDOMAIN ? st[3] : -1;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void send() {
        if (!open) throw new IllegalStateException("Domain-0 event port " + port + " is closed");
        dom0.send(port);
    }

    @Override
    public void close() {
        if (!open) return;
        dom0.close(port);
        open = false;
    }

    /** The table closed this port (its close, or the Domain-0 side of a reset). */
    void closedByHypervisor() {
        open = false;
    }

    /** An event arrived (called after every event lock is released). */
    void deliver() {
        listener.onEvent(this);
    }

    @Override
    public String toString() {
        return "Domain-0 port " + port + " <-> d" + remoteDomain;
    }
}
