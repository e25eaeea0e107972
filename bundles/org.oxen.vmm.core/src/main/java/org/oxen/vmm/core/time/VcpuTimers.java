package org.oxen.vmm.core.time;

import org.oxen.sched.api.SchedTimer;
import org.oxen.vmm.abi.EventChannel;
import org.oxen.vmm.abi.VcpuOp;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.x86.api.Clock;

/**
 * A vcpu's two timers (Xen's v-&gt;singleshot_timer and v-&gt;periodic_timer), both raising
 * VIRQ_TIMER on the vcpu. They are hypervisor timers: they belong to no scheduler instance, so a
 * pool's scheduler can be swapped under them.
 *
 * <ul>
 * <li>Single-shot: set_timer_op and VCPUOP_set/stop_singleshot_timer; a deadline in the past
 *     fires at once. It runs whether or not the vcpu runs (it is what wakes a blocked vcpu).</li>
 * <li>Periodic: every vcpu starts with 10 ms (Xen's default); VCPUOP_set/stop_periodic_timer
 *     change it. As in Xen's schedule.c it ticks only while the vcpu is scheduled: a tick that
 *     fell due while it was not running is delivered once when it is scheduled in
 *     (vcpu_periodic_timer_work), then the timer is armed again.</li>
 * </ul>
 *
 * <p>Locking: this object's monitor guards the period and the last tick (a leaf, below the
 * event lock; the timers' own locks are taken under it, callbacks run outside it). A periodic
 * tick is decided under the monitor and raised after it is released, possibly on another pCPU
 * thread than the vcpu's (in Xen both run on the vcpu's CPU, so they cannot overlap):
 * {@link #setPeriod} therefore waits until no decided tick is still on its way, so a guest that
 * stops the periodic timer and then clears VIRQ_TIMER's port never sees a stale tick after it.
 */
public final class VcpuTimers {

    private final VcpuImpl v;
    private final Clock clock;
    private final SchedTimer singleshot;
    private final SchedTimer periodic;
    private final SchedTimer poll;
    private long period = VcpuOp.DEFAULT_PERIOD_NS;
    private long lastTick;
    private boolean scheduled;
    /** Periodic ticks decided under the monitor and not yet raised. */
    private int ticksInFlight;
    /** VIRQ_TIMER events raised (tests, benchmarks). */
    private volatile long fired;

    /** {@code timers} creates a hypervisor timer whose callback runs on some pCPU thread. */
    public VcpuTimers(VcpuImpl v, Clock clock, java.util.function.Function<Runnable, SchedTimer> timers) {
        this.v = v;
        this.clock = clock;
        this.singleshot = timers.apply(this::singleshotFired);
        this.periodic = timers.apply(this::periodicFired);
        this.poll = timers.apply(() -> v.wakePoller(-1));
    }

    private void raise() {
        fired++;
        v.domain().events().sendVirq(EventChannel.VIRQ_TIMER, v.id());
    }

    public long fired() {
        return fired;
    }

    // ---- single-shot

    private void singleshotFired() {
        raise();
    }

    /** set_timer_op: 0 stops the timer; any other deadline (ns of system time) arms it. */
    public void setSingleshot(long deadline) {
        if (deadline == 0) {
            singleshot.stop();
        } else {
            singleshot.set(deadline);
        }
    }

    public void stopSingleshot() {
        singleshot.stop();
    }

    public boolean singleshotActive() {
        return singleshot.isActive();
    }

    /**
     * For a save: how long the single-shot timer has still to run (0: due now), or -1 if it is
     * not armed. The stream carries the interval, not the deadline, since system time is each
     * hypervisor's own. The expiry is read before the armed state: a timer that fires between
     * the two reads as stopped (its event is pending in shared_info, which the save copies after).
     */
    public long singleshotRemaining() {
        long expiry = singleshot.expiry();
        return singleshot.isActive() ? Math.max(0, expiry - clock.nanos()) : -1;
    }

    /** For a restore: arms the single-shot timer {@code ns} from now (-1: leaves it stopped). */
    public void restoreSingleshot(long ns) {
        if (ns >= 0) singleshot.set(clock.nanos() + ns);
    }

    // ---- SCHEDOP_poll timeout

    /** The poll in progress ends at {@code deadline} (system time) if no port became pending. */
    public void setPollTimeout(long deadline) {
        poll.set(deadline);
    }

    public void stopPollTimeout() {
        poll.stop();
    }

    // ---- periodic

    private void periodicFired() {
        synchronized (this) {
            if (!scheduled || period == 0) return;
        }
        work();
    }

    /** vcpu_periodic_timer_work: a due tick is raised, the timer armed for the next one. */
    private void work() {
        boolean tick = false;
        synchronized (this) {
            if (period == 0) return;
            long now = clock.nanos();
            long next = lastTick + period;
            if (now >= next) {
                tick = true;
                ticksInFlight++;
                lastTick = now;
                next = now + period;
            }
            periodic.set(next);
        }
        if (tick) {
            try {
                raise();
            } finally {
                synchronized (this) {
                    if (--ticksInFlight == 0) notifyAll();
                }
            }
        }
    }

    /** Xen's STIME_DELTA_MAX: the longest period VCPUOP_set_periodic_timer takes. */
    static final long STIME_DELTA_MAX = (1L << 62) - 1;

    /**
     * Whether VCPUOP_set_periodic_timer takes a period of {@code ns}: at least
     * {@value VcpuOp#MIN_PERIOD_NS} ns and at most STIME_DELTA_MAX (xen/common/domain.c), the
     * one rule for the hypercall and for a saved period a restore arms.
     */
    public static boolean acceptsPeriod(long ns) {
        return ns >= VcpuOp.MIN_PERIOD_NS && ns <= STIME_DELTA_MAX;
    }

    /** vcpu_set_periodic_timer: 0 stops it (the caller checked the range: {@link #acceptsPeriod}). */
    public void setPeriod(long ns) {
        synchronized (this) {
            period = ns;
            if (ns == 0) periodic.stop();
            awaitTicksInFlight();
            if (ns == 0) return;
            lastTick = clock.nanos();
            if (!scheduled) return;
        }
        work();
    }

    /** Waits (monitor held, released while waiting) until every decided tick was raised. */
    private void awaitTicksInFlight() {
        boolean interrupted = false;
        while (ticksInFlight > 0) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    public synchronized long period() {
        return period;
    }

    /** The vcpu was scheduled in on a pCPU. */
    public void scheduledIn() {
        synchronized (this) {
            scheduled = true;
        }
        work();
    }

    /** The vcpu left its pCPU: the periodic timer stops (Xen's schedule(): stop_timer(&prev->periodic_timer)). */
    public synchronized void descheduled() {
        scheduled = false;
        periodic.stop();
    }

    /** The vcpu goes away (domain destroyed, vcpu down): both timers stop. */
    public synchronized void kill() {
        scheduled = false;
        period = 0;
        periodic.stop();
        singleshot.stop();
        poll.stop();
    }
}
