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

    /**
     * Hypercalls of number {@code nr} this vcpu made (1.10), multicall entries included (a
     * multicall counts once itself and once per entry); 0 for a number outside
     * 0..{@link #HYPERCALL_NUMBERS}-1 or a vcpu that makes none (HVM).
     */
    default long hypercalls(int nr) {
        return 0;
    }

    /** The size of the hypercall table {@link #hypercalls(int)} counts (1.10). */
    int HYPERCALL_NUMBERS = 64;

    /** Times this vcpu left guest code for the hypervisor, by reason (1.10). */
    default long exits(VcpuExit reason) {
        return 0;
    }

    /** Event upcalls the hypervisor delivered to this vcpu (bounces to its event callback, 1.10). */
    default long upcalls() {
        return 0;
    }

    /** Events this vcpu sent (EVTCHNOP_send, 1.10). */
    default long eventsSent() {
        return 0;
    }

    /**
     * Its event state as the hypervisor reads it now (1.16): where its vcpu_info is and what it
     * holds, the domain's pending and mask words, its last hypercalls (Xen's 'q' and 'e' debug
     * keys, for a storm detector). Empty for a vcpu that is not PV or whose domain has no
     * shared_info. Read while the vcpu may run: pause the domain first for one moment's picture.
     */
    default java.util.Optional<VcpuEventState> eventState() {
        return java.util.Optional.empty();
    }
}
