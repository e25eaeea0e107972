package org.oxen.vmm.core.arch.hvm;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

import org.oxen.x86.api.Clock;

/**
 * An HVM domain's time (its TSC and the clock of its devices), as a guest on a dedicated
 * machine would see it:
 * <ul>
 * <li>while the boot vcpu runs, guest time advances with the CPU time of the pCPU thread running
 *     it, so a host that preempts oxen's thread (other processes on the host's cores) does not
 *     look to the guest like a CPU that stalled in the middle of its TSC calibration or of a
 *     counted interval;</li>
 * <li>while it waits for a pCPU runnable (preempted by another vcpu, paused), guest time stands
 *     still — Xen's default HVM timer mode, delay_for_missed_ticks (pt_save_timer /
 *     pt_restore_timer);</li>
 * <li>while it is blocked in HLT (or down), guest time follows the host's clock, so device
 *     timers wake it on time — but never past the next device deadline: a timer that fires late
 *     on a loaded host fires at its own time in the guest's eyes, and once it has woken the
 *     vcpu, time stands still until the vcpu runs. So no periodic interrupt is lost to host
 *     latency (delay_for_missed_ticks: the guest's time is delayed, its ticks are not
 *     missed).</li>
 * </ul>
 *
 * <p>Locking: the mode changes ({@link #scheduledIn}, {@link #descheduled}) run on the pCPU
 * thread and publish one immutable {@link State}; readers on other threads (device timers, other
 * vcpus) read the running thread's CPU time through {@link ThreadMXBean}. Readings are
 * monotonic per mode; a change of mode starts from the value the old mode reached.
 */
final class GuestTime implements Clock {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final int WALL = 0, FROZEN = 1, RUNNING = 2;

    /**
     * The mode, the guest time it started at, and what it runs on: the host clock's reading at
     * the start (WALL), or the running thread and its CPU time at the start (RUNNING).
     */
    private record State(int mode, long base, long since, Thread thread, long cap) {
    }

    private final Clock system;
    private final boolean threadCpu;
    private volatile State state;

    GuestTime(Clock system) {
        this.system = system;
        this.threadCpu = THREADS.isCurrentThreadCpuTimeSupported() && THREADS.isThreadCpuTimeSupported()
                && THREADS.isThreadCpuTimeEnabled();
        this.state = new State(WALL, system.nanos(), system.nanos(), null, Long.MAX_VALUE);
    }

    @Override
    public long nanos() {
        return valueOf(state);
    }

    private long valueOf(State s) {
        switch (s.mode) {
            case FROZEN:
                return s.base;
            case RUNNING: {
                long cpu = cpuTime(s.thread);
                return cpu < 0 ? s.base : s.base + Math.max(0, cpu - s.since);
            }
            default:
                return Math.min(s.cap, s.base + Math.max(0, system.nanos() - s.since));
        }
    }

    private static long cpuTime(Thread t) {
        return t == Thread.currentThread() ? THREADS.getCurrentThreadCpuTime() : THREADS.getThreadCpuTime(t.getId());
    }

    boolean frozen() {
        return state.mode == FROZEN;
    }

    /**
     * A restored domain's time continues from {@code guest}, the saved domain's time (its
     * devices' deadlines and its TSCs are in that time), and stands still until its boot vcpu
     * first runs, as a vcpu descheduled while runnable sees no time pass (Xen's
     * delay_for_missed_ticks, pt_freeze_time): the time between the save and that first run
     * (the transfer, a restore kept paused) is invisible to the guest, so no periodic tick is
     * lost to it and the TSCs, set while it stands still, keep their distance to the devices'
     * clock. A boot vcpu that was halted blocks again at its first run, and its time then
     * follows the host's.
     */
    synchronized void restart(long guest) {
        state = new State(FROZEN, guest, 0, null, 0);
    }

    /** The boot vcpu runs on the current (pCPU) thread. */
    synchronized void scheduledIn() {
        long now = valueOf(state);
        state = threadCpu ? new State(RUNNING, now, THREADS.getCurrentThreadCpuTime(), Thread.currentThread(), 0)
                : new State(WALL, now, system.nanos(), null, Long.MAX_VALUE);
    }

    /** The boot vcpu left its pCPU: {@code waiting} runnable (guest time stops), else blocked or down (host time). */
    synchronized void descheduled(boolean waiting) {
        long now = valueOf(state);
        state = waiting ? new State(FROZEN, now, 0, null, 0) : new State(WALL, now, system.nanos(), null, Long.MAX_VALUE);
    }

    /**
     * The boot vcpu was blocked and an interrupt woke it: guest time stands still until it runs.
     * Also a save's hold on the paused domain's time (HvmPlatform.holdTimeForSave).
     */
    synchronized void woken() {
        State s = state;
        if (s.mode == WALL) state = new State(FROZEN, valueOf(s), 0, null, 0);
    }

    /** While the boot vcpu is blocked: guest time does not pass {@code deadline} (the next device timer). */
    synchronized void capAt(long deadline) {
        State s = state;
        if (s.mode == WALL && s.cap != deadline) {
            long now = valueOf(s);
            state = new State(WALL, now, system.nanos(), null, Math.max(now, deadline));
        }
    }

    /**
     * The host-clock time at which guest time reaches {@code guest}, if it runs at the host's
     * rate from now (a timer armed there fires on time or early: early, it finds nothing due and
     * is armed again).
     */
    long systemTimeOf(long guest) {
        if (guest == Long.MAX_VALUE) return Long.MAX_VALUE;
        long now = nanos();
        return system.nanos() + Math.max(0, guest - now);
    }
}
