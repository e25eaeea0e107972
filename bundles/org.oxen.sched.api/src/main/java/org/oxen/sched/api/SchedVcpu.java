package org.oxen.sched.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A vcpu as a scheduler sees it (Xen's {@code struct sched_unit} with one vcpu). Implemented by
 * the VMM core. The scheduler reads the core's state here and keeps its own state in its
 * {@link VcpuData}.
 */
@ProviderType
public interface SchedVcpu {

    SchedDomain domain();

    /** The vcpu id within its domain. */
    int id();

    /**
     * Xen's {@code vcpu_runnable}: neither blocked nor paused. It changes only through the core,
     * which then calls {@link Scheduler#sleep} or {@link Scheduler#wake}.
     */
    boolean isRunnable();

    /** The pCPU the vcpu is assigned to (Xen's {@code v->processor}); it runs only there. */
    int processor();

    /**
     * Whether the vcpu is running on {@link #processor()}: true from the context switch that
     * starts it until the one that stops it. So during {@code schedule(cpu, ...)} the previous
     * vcpu of {@code cpu} still reads as running.
     */
    boolean isRunning();

    /** Hard affinity: the pCPUs the vcpu may run on. */
    CpuMask affinity();

    /**
     * Re-assign a vcpu that is not running to another pCPU of the pool (a steal in Credit's
     * load balancer). Called under the scheduler's lock; the decision that returns the vcpu on
     * the new pCPU sets {@link Decision#migrated()}.
     *
     * @throws IllegalStateException if the vcpu is running or the cpu is outside its affinity
     */
    void setProcessor(int cpu);

    /**
     * Xen's {@code vcpu_pause_nosync}: raise the pause count. If the vcpu was runnable the core
     * calls {@link Scheduler#sleep} at once, from inside this call (the instance lock is
     * reentrant). Credit uses it to park a vcpu over its cap.
     */
    void pause();

    /** Xen's {@code vcpu_unpause}: lower the pause count; at zero the core calls {@link Scheduler#wake}. */
    void unpause();
}
