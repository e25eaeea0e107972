package org.oxen.vmm.core.domain;

/**
 * Whether the hypervisor counts for metrics: the per-vcpu {@link VcpuCounters} (hypercalls by
 * number, exits by reason, upcalls, events sent) and each domain's events delivered. One per
 * hypervisor, shared by every domain and vcpu; set from the framework property
 * {@code oxen.metrics} at start and by the {@code HypervisorMetrics} service (Gogo's
 * {@code metrics on|off}) at any time. CPU time, instructions retired and the device counters
 * are not behind it: the scheduler, the instruction clock and {@code xl top} need them anyway.
 *
 * <p>Design: a count is {@code if (sw.on()) slot++}, as a trace point is a check of the trace
 * mask: with counting off it costs one volatile read and a branch. Switching off freezes the
 * counts (they are not reset); switching on again continues from them.
 *
 * <p>Locking: the flag is volatile and is the only state; no lock. A count whose check ran just
 * before the switch went off may still land.
 */
public final class MetricsSwitch {

    private volatile boolean on;

    public MetricsSwitch(boolean on) {
        this.on = on;
    }

    /** Whether counts are taken now: one volatile read. */
    public boolean on() {
        return on;
    }

    public void set(boolean counting) {
        on = counting;
    }
}
