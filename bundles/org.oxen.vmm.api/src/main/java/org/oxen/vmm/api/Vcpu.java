package org.oxen.vmm.api;

import org.osgi.annotation.versioning.ProviderType;

/** A virtual CPU of a domain. */
@ProviderType
public interface Vcpu {

    int id();

    /** Brought up (vcpu 0 always at boot; others by VCPUOP_up). */
    boolean online();

    /** Running on a pCPU right now. */
    boolean running();

    /** Blocked in SCHEDOP_block waiting for an event. */
    boolean blocked();

    long cpuTimeNanos();

    /** Guest instructions it retired. */
    long instructions();

    /** The pCPU it last ran on, -1 if never. */
    int lastPcpu();
}
