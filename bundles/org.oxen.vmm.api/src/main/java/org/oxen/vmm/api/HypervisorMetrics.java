package org.oxen.vmm.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The switch of the hypervisor's counters for metrics (1.13): per vcpu hypercalls by number, exits
 * by {@link VcpuExit}, upcalls and events sent ({@link Vcpu}), per domain events delivered
 * ({@link Domain#eventsDelivered}). On by default; the framework property {@code oxen.metrics}
 * ({@code on} or {@code off}) sets it at start. Off, each count costs the guest one volatile read
 * and a branch and the counts stand still (they are not reset); on again, they continue. CPU time,
 * instructions retired, pages mapped and the backends' device counters are always kept (the
 * scheduler, the instruction clock and {@code xl top} need them).
 *
 * <p>Thread-safe.
 */
@ProviderType
public interface HypervisorMetrics {

    /** The framework property that sets {@link #counting} at start: {@code on} (the default) or {@code off}. */
    String PROPERTY = "oxen.metrics";

    /** Whether the counters count now. */
    boolean counting();

    /** Starts ({@code true}) or stops counting from now on. */
    void setCounting(boolean on);
}
