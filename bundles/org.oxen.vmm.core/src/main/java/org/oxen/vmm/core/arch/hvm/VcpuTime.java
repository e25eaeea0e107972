package org.oxen.vmm.core.arch.hvm;

import org.oxen.sched.api.SchedTimer;
import org.oxen.x86.bus.TimerQueue;

/**
 * One HVM vcpu's time ({@link GuestTime}), the timer queue in that time (its local APIC's; vcpu
 * 0's also the platform devices') and the hypervisor timer that fires it (HvmPlatform).
 *
 * <p>Locking: changed under the domain's device lock ({@link HvmPlatform#lock}); {@code armedAt}
 * is also read without it (the vcpu's resume hook's quick check).
 */
final class VcpuTime {
    final GuestTime clock;
    final TimerQueue timers = new TimerQueue();
    final SchedTimer alarm;
    /** The earliest deadline (this vcpu's time) the alarm is armed for. */
    volatile long armedAt = Long.MAX_VALUE;
    /** The system time the alarm is armed at. */
    long armedSystem = Long.MAX_VALUE;
    /** The clock's mode changed (or the alarm fired) since the alarm was computed. */
    boolean modeChanged;

    VcpuTime(GuestTime clock, SchedTimer alarm) {
        this.clock = clock;
        this.alarm = alarm;
    }

    /** A restored vcpu's time continues from {@code guest} ({@link GuestTime#restart}). */
    void restart(long guest) {
        clock.restart(guest);
        modeChanged = true;
    }

    /**
     * The alarm follows the earliest deadline: at the system time this vcpu's time reaches it,
     * none while the time stands still. Computed again only when that deadline or the time's
     * mode changed or the alarm fired: armed at the system time the vcpu's time would reach the
     * deadline at the host's rate, it fires on time or early (early, it finds nothing due and is
     * armed again).
     */
    void rearm() {
        long next = timers.nextDeadline();
        if (next == armedAt && !modeChanged) return;
        armedAt = next;
        modeChanged = false;
        clock.capAt(next);
        long sys = clock.frozen() ? Long.MAX_VALUE : clock.systemTimeOf(next);
        if (sys != armedSystem) {
            armedSystem = sys;
            if (sys == Long.MAX_VALUE) {
                alarm.stop();
            } else {
                alarm.set(sys);
            }
        }
    }
}
