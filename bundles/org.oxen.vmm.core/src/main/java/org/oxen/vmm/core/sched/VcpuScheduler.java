package org.oxen.vmm.core.sched;

import org.oxen.vmm.core.domain.VcpuImpl;

/**
 * The seam between the pCPU loop and a scheduler, shaped like Xen's sched_ops (and branch
 * sched's org.oxen.sched.api SPI): vcpus are inserted and removed, sleep and wake, and a pCPU
 * asks {@link #pick} for the next vcpu and its budget. Adopting the SPI later means an adapter
 * from this interface onto a {@code Scheduler} instance (insertVcpu/removeVcpu/sleep/wake/
 * doSchedule returning a Decision), not a change to the pCPU loop.
 *
 * <p>Contract: a vcpu returned by pick is marked running and is returned to no other pCPU
 * until {@link #descheduled} is called for it.
 */
public interface VcpuScheduler {

    void insert(VcpuImpl v);

    void remove(VcpuImpl v);

    /** The vcpu may have become runnable (unblocked, domain unpaused). */
    void wake(VcpuImpl v);

    /** The next vcpu for {@code pcpu}, waiting at most {@code timeoutNs}; null if none. */
    VcpuImpl pick(int pcpu, long timeoutNs) throws InterruptedException;

    /** The vcpu's slice on {@code pcpu} ended. */
    void descheduled(VcpuImpl v, int pcpu);

    /** The guest instructions of one slice. */
    long budget(VcpuImpl v);

    /** Waits until {@code v} runs on no pCPU. */
    void awaitNotRunning(VcpuImpl v) throws InterruptedException;
}
