package org.oxen.vmm.core.evtchn;

/**
 * One port of a domain (Xen's struct evtchn). Changed only under its table's event lock
 * ({@link EventChannels}); {@code state} and the routing fields are read on the send path
 * under the same lock.
 */
final class Channel {

    /** ECS_*: the port's binding. */
    static final int FREE = 0, RESERVED = 1, UNBOUND = 2, INTERDOMAIN = 3, PIRQ = 4, VIRQ = 5, IPI = 6;

    int state = FREE;
    /** The vcpu events on this port are sent to (notify_vcpu_id). */
    int notifyVcpu;
    /** UNBOUND: the domain allowed to bind to it. */
    int unboundRemote;
    /** INTERDOMAIN: the peer's table and port. */
    EventChannels remote;
    int remotePort;
    /** VIRQ: the VIRQ number. */
    int virq;
    /** A Domain-0 port: the Java endpoint its events are delivered to (null for a guest port). */
    Dom0Port javaPort;

    void free() {
        state = FREE;
        notifyVcpu = 0;
        unboundRemote = 0;
        remote = null;
        remotePort = 0;
        virq = 0;
        javaPort = null;
    }
}
