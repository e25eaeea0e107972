package org.oxen.sched.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The CPU pool a {@link Scheduler} instance serves, as the core offers it: its pCPUs, the
 * clock, rescheduling requests and timers. Implemented by the VMM core (and by the simulator in
 * the test-support bundle {@code org.oxen.sched.testing}).
 *
 * <p>Calls from a scheduler into the pool never call back into the scheduler synchronously,
 * except {@link SchedVcpu#pause()}/{@link SchedVcpu#unpause()} as documented there.
 */
@ProviderType
public interface CpuPool {

    /** The pool id ({@code xl cpupool-list}); 0 is Pool-0. */
    int id();

    /** The pool's pCPUs. Fixed for an instance's life in this phase. */
    CpuMask cpus();

    /** The current time in ns, from the core's clock (deterministic in tests). */
    long now();

    /**
     * Ask {@code cpu} to run its scheduler soon (Xen's {@code cpu_raise_softirq(cpu,
     * SCHEDULE_SOFTIRQ)}). Cheap and idempotent; never runs the scheduler inside the call.
     */
    void tickle(int cpu);

    /**
     * A new, unarmed timer on {@code cpu}. Schedulers normally use
     * {@link Scheduler#newTimer(int, Runnable)}, which runs the callback under the instance lock.
     */
    SchedTimer newTimer(int cpu, Runnable callback);
}
