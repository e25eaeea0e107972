package org.oxen.vmm.core.arch.hvm;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

import org.oxen.x86.api.Clock;

/**
 * One HVM vcpu's time (its TSC, its local APIC's timer, and for vcpu 0 the platform devices'
 * clock), as a guest on a dedicated machine would see it — Xen's per-vcpu guest time
 * ({@code hvm_get_guest_time(v)}: system time plus {@code v->arch.hvm.stime_offset}, which
 * {@code hvm_set_guest_time} moves while the vcpu is descheduled in the delay_for_missed_ticks
 * mode):
 * <ul>
 * <li>while the vcpu runs, its time advances with the CPU time of the pCPU thread running it,
 *     so a host that preempts oxen's thread (other processes on the host's cores) does not look
 *     to the guest like a CPU that stalled in the middle of its TSC calibration or of a counted
 *     interval;</li>
 * <li>while it waits for a pCPU runnable (preempted by another vcpu, paused), its time stands
 *     still — Xen's default HVM timer mode, delay_for_missed_ticks (pt_save_timer /
 *     pt_restore_timer: pt_freeze_time and pt_thaw_time of that vcpu only), so the timers on
 *     its time (its local APIC's; vcpu 0's: the PIT's and the RTC's too) lose no tick to
 *     another vcpu running meanwhile;</li>
 * <li>while it is blocked in HLT (or down), its time follows the host's clock, so its timers
 *     wake it on time — but never past its next timer's deadline: a timer that fires late on a
 *     loaded host fires at its own time in the guest's eyes, and once it has woken the vcpu,
 *     time stands still until the vcpu runs. So no periodic interrupt is lost to host latency
 *     (delay_for_missed_ticks: the guest's time is delayed, its ticks are not missed).</li>
 * <li>while its thread does hypervisor work that is not the guest's ({@link #hypervisorWorkBegins}
 *     to {@link #hypervisorWorkEnds}: translating the guest's code, work a save or migration
 *     does on the vcpu's thread), its time stands still, as while it waits: that CPU time is
 *     the hypervisor's, and a vcpu whose periodic timer ran through it would find several
 *     periods gone at once and lose all but one of their ticks (Xen's vcpu runs its translation
 *     in hardware; its hypervisor's own work between VM entries is short).</li>
 * </ul>
 * Each vcpu of a domain has its own (HvmPlatform); they start together, and an application
 * processor's restarts from vcpu 0's at its STARTUP ({@link #startAt}).
 *
 * <p>Locking: the mode changes ({@link #scheduledIn}, {@link #descheduled}) run on the pCPU
 * thread and publish one immutable {@link State}; readers on other threads (device timers, other
 * vcpus) read the running thread's CPU time through {@link ThreadMXBean}. Readings are
 * monotonic per mode; a change of mode starts from the value the old mode reached.
 */
final class GuestTime implements Clock {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final int WALL = 0, FROZEN = 1, RUNNING = 2, HYPERVISOR_WORK = 3;

    /**
     * The mode, the guest time it started at, and what it runs on: the host clock's reading at
     * the start (WALL), or the running thread and its CPU time at the start (RUNNING).
     */
    private record State(int mode, long base, long since, Thread thread, long cap) {
    }

    private final Clock system;
    private final boolean threadCpu;
    private volatile State state;
    /** Hypervisor work held out of this time so far ({@link #hypervisorWorkBegins} that held): for tests. */
    private long hypervisorWorks;

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
            case HYPERVISOR_WORK:
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

    /** Whether the time stands still (the vcpu waits for a pCPU, or its thread does hypervisor work). */
    boolean frozen() {
        int m = state.mode;
        return m == FROZEN || m == HYPERVISOR_WORK;
    }

    /**
     * Hypervisor work that is not the guest's begins on the running vcpu's own thread
     * (translating its code; a save's or a migration round's records): its time stands still
     * until {@link #hypervisorWorkEnds}, as while it waits for a pCPU, so the thread's CPU time
     * spent on it is not the guest's. Returns false (nothing held) if the vcpu does not run on
     * this thread.
     */
    synchronized boolean hypervisorWorkBegins() {
        State s = state;
        if (s.mode != RUNNING || s.thread != Thread.currentThread()) return false;
        state = new State(HYPERVISOR_WORK, valueOf(s), 0, s.thread, 0);
        hypervisorWorks++;
        return true;
    }

    /** How many times hypervisor work has held this time still (for tests). */
    synchronized long hypervisorWorks() {
        return hypervisorWorks;
    }

    /** The work is done: the vcpu's time goes on with its thread's CPU time from where it stood. */
    synchronized void hypervisorWorkEnds() {
        State s = state;
        if (s.mode != HYPERVISOR_WORK) return; // descheduled meanwhile: that mode stands
        state = new State(RUNNING, s.base, THREADS.getCurrentThreadCpuTime(), s.thread, 0);
    }

    /**
     * A restored vcpu's time continues from {@code guest}, the saved vcpu's time (its timers'
     * deadlines and its TSC are in that time), and stands still until the vcpu first runs, as
     * a vcpu descheduled while runnable sees no time pass (Xen's delay_for_missed_ticks,
     * pt_freeze_time): the time between the save and that first run
     * (the transfer, a restore kept paused) is invisible to the guest, so no periodic tick is
     * lost to it and the TSCs, set while it stands still, keep their distance to the devices'
     * clock. A vcpu that was halted blocks again at its first run, and its time then follows
     * the host's.
     */
    synchronized void restart(long guest) {
        state = new State(FROZEN, guest, 0, null, 0);
    }

    /**
     * The vcpu's time restarts at {@code guest} (an application processor at its STARTUP takes
     * vcpu 0's: it has not run, so none of its readings is contradicted); running on, it goes on
     * from there with its thread's CPU time, else it stands still until the vcpu runs.
     */
    synchronized void startAt(long guest) {
        State s = state;
        state = s.mode == RUNNING && s.thread == Thread.currentThread() ? new State(RUNNING, guest, cpuTime(s.thread), s.thread, 0)
                : new State(FROZEN, guest, 0, null, 0);
    }

    /** The vcpu runs on the current (pCPU) thread. */
    synchronized void scheduledIn() {
        long now = valueOf(state);
        state = threadCpu ? new State(RUNNING, now, THREADS.getCurrentThreadCpuTime(), Thread.currentThread(), 0)
                : new State(WALL, now, system.nanos(), null, Long.MAX_VALUE);
    }

    /** The vcpu left its pCPU: {@code waiting} runnable (its time stops), else blocked or down (host time). */
    synchronized void descheduled(boolean waiting) {
        long now = valueOf(state);
        state = waiting ? new State(FROZEN, now, 0, null, 0) : new State(WALL, now, system.nanos(), null, Long.MAX_VALUE);
    }

    /**
     * The vcpu was blocked and an interrupt woke it: its time stands still until it runs.
     * Also a save's hold on the paused domain's time (HvmPlatform.holdTimeForSave).
     */
    synchronized void woken() {
        State s = state;
        if (s.mode == WALL) state = new State(FROZEN, valueOf(s), 0, null, 0);
    }

    /** While the vcpu is blocked: its time does not pass {@code deadline} (the next timer on it). */
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
