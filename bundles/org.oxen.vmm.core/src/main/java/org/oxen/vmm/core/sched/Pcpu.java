package org.oxen.vmm.core.sched;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.oxen.sched.api.Decision;
import org.oxen.sched.api.SchedTimer;
import org.oxen.sched.api.Scheduler;
import org.oxen.sched.api.VcpuData;
import org.oxen.vmm.abi.Trace;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.vmm.core.time.DeterministicTime;
import org.oxen.x86.api.Clock;
import org.oxen.x86.cpu.RunResult;

/**
 * A physical CPU: a platform thread running Xen's schedule() loop over the
 * {@link Scheduler} instance of its CPU pool (org.oxen.sched.api README, "the pCPU loop").
 *
 * <p>Each turn: fire due timers (outside every core lock), {@code schedule(cpu, now, decision)},
 * context-switch, run the chosen vcpu in chunks of {@link #CHUNK} instructions until its budget
 * passes, the pCPU is tickled, a timer is due and tickles, or the vcpu blocks, yields or is
 * paused. The switched-out vcpu reads as running until the next decision on this pCPU has been
 * taken (its context is saved by then: Xen's context_saved), so no other pCPU can take it early.
 * A pCPU in no pool (free) only fires timers and waits.
 *
 * <p>Timers: a scheduler instance's timers ({@link CpuPools.View#newTimer}) are dropped when
 * their instance is retired; hypervisor timers ({@link SchedCore#newTimer}, no view) belong to
 * no instance and survive every swap.
 *
 * <p>Locking: {@link #lock} guards the timer list and the idle wait (a leaf: callbacks run after
 * it is released); {@link #current}, {@link #pool}, {@link #tickled} and {@link #epoch} are
 * volatile, written by this pCPU's thread only ({@link #pool} under {@link CpuPools}' config
 * lock). The lock order is stated once, in the {@link org.oxen.vmm.core} package documentation.
 */
public final class Pcpu implements Runnable {

    /** What the hypervisor does when running a vcpu fails. */
    public interface SliceHooks {
        void internalError(VcpuImpl v, Throwable t);
    }

    /** Guest instructions between two checks of the clock, timers and tickles. */
    static final long CHUNK = 200_000;

    private final int id;
    private final SchedCore core;
    private final SliceHooks hooks;
    private final Clock clock;
    private final Decision decision = new Decision();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition kicked = lock.newCondition();
    /** Armed timers of this pCPU, guarded by {@link #lock}. */
    private final List<Timer> timers = new ArrayList<>();
    private final List<Timer> due = new ArrayList<>();
    private volatile boolean tickled;
    private volatile boolean stop;
    /** The pool this pCPU serves, or null when free. */
    volatile CpuPools.Pool pool;
    /** The vcpu this pCPU runs or last ran and has not switched out yet (pCPU thread only, read by tickle). */
    private volatile VcpuImpl current;
    private Scheduler<?, ?> currentSched;
    private Thread thread;
    /** Decisions taken (tests, benchmarks). */
    volatile long decisions;
    /**
     * Odd while a decision is being taken and its vcpu not yet marked running: between
     * {@code schedule} choosing a vcpu and the context switch it is nowhere "running", so a
     * pause waits for the epoch to move on ({@link #awaitDecision}).
     */
    private volatile long epoch;

    Pcpu(int id, SchedCore core, SliceHooks hooks, Clock clock) {
        this.id = id;
        this.core = core;
        this.hooks = hooks;
        this.clock = clock;
    }

    public int id() {
        return id;
    }

    void start() {
        thread = new PcpuThread();
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops the pCPU's thread and waits for it (10 s at most); whether it has ended. */
    boolean stop() throws InterruptedException {
        stop = true;
        tickle();
        if (thread != null) {
            thread.interrupt();
            thread.join(10_000);
            return !thread.isAlive();
        }
        return true;
    }

    /** The pCPU's thread: trace records it writes go to this pCPU's buffer. */
    private final class PcpuThread extends Thread implements org.oxen.vmm.core.trace.TraceCpu {
        PcpuThread() {
            super(Pcpu.this, "oxen-pcpu-" + id);
        }

        @Override
        public int traceCpu() {
            return id;
        }
    }

    /** Xen's raise_softirq(SCHEDULE_SOFTIRQ): re-decide soon; stops the running vcpu's chunk. */
    void tickle() {
        tickled = true;
        VcpuImpl c = current;
        if (c != null && c.running()) c.cpu().requestStop();
        lock.lock();
        try {
            kicked.signal();
        } finally {
            lock.unlock();
        }
    }

    /** The alarm fired for this pCPU: its vcpu leaves guest code so that due timers fire. */
    void timerInterrupt() {
        VcpuImpl c = current;
        if (c != null && c.running()) c.cpu().requestStop();
    }

    // ---- timers ----

    final class Timer implements SchedTimer {
        /** The scheduler instance's pool view, or null for a hypervisor timer. */
        private final CpuPools.View view;
        private final Runnable callback;
        private boolean active;
        private long expiry;

        Timer(CpuPools.View view, Runnable callback) {
            this.view = view;
            this.callback = callback;
        }

        @Override
        public void set(long expiryNs) {
            lock.lock();
            try {
                expiry = expiryNs;
                if (!active) {
                    active = true;
                    timers.add(this);
                }
                kicked.signal();
            } finally {
                lock.unlock();
            }
            core.alarm().earlier(id, expiryNs);
        }

        @Override
        public void stop() {
            lock.lock();
            try {
                if (active) {
                    active = false;
                    timers.remove(this);
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public boolean isActive() {
            lock.lock();
            try {
                return active;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public long expiry() {
            lock.lock();
            try {
                return expiry;
            } finally {
                lock.unlock();
            }
        }
    }

    Timer newTimer(CpuPools.View view, Runnable callback) {
        return new Timer(view, callback);
    }

    /** Earliest expiry of an armed timer, or Long.MAX_VALUE. */
    private long nextExpiry() {
        lock.lock();
        try {
            long e = Long.MAX_VALUE;
            for (int i = 0, n = timers.size(); i < n; i++) { // no iterator: once per slice
                long x = timers.get(i).expiry;
                if (x < e) e = x;
            }
            return e;
        } finally {
            lock.unlock();
        }
    }

    /** Runs the callbacks of due timers, outside this pCPU's lock; a retired pool's timers are dropped. */
    private void fireTimers(long now) {
        due.clear();
        lock.lock();
        try {
            for (int i = timers.size() - 1; i >= 0; i--) {
                Timer t = timers.get(i);
                boolean retired = t.view != null && t.view.dead;
                if (t.expiry <= now || retired) {
                    timers.remove(i);
                    t.active = false;
                    if (!retired) due.add(t);
                }
            }
        } finally {
            lock.unlock();
        }
        for (int i = due.size() - 1; i >= 0; i--) {
            try {
                due.get(i).callback.run();
            } catch (RuntimeException e) {
                core.log("BUG: pCPU " + id + ": timer callback of " + (due.get(i).view != null ? due.get(i).view : "the hypervisor") + " failed: " + e);
            }
        }
        // emptied now, not at the next firing: a fired timer's callback holds its vcpu and so its
        // whole domain, which a pCPU that fires nothing more would keep alive after destroy
        due.clear();
    }

    /**
     * Tickless idle: waits until {@code until} (Long.MAX_VALUE: no limit), this pCPU's earliest
     * timer, a tickle or a timer armed here (both signal), and nothing else: an idle pCPU with
     * no timers sleeps until something wakes a vcpu for it.
     */
    private void idle(long until) {
        lock.lock();
        try {
            long wait = Math.min(until, nextExpiry()) - clock.nanos();
            if (wait > 0 && !tickled && !stop) {
                if (wait >= Long.MAX_VALUE / 2) {
                    kicked.await();
                } else {
                    kicked.awaitNanos(wait);
                }
            }
        } catch (InterruptedException e) {
            // stop() interrupts; the loop checks
        } finally {
            lock.unlock();
        }
    }

    // ---- the loop ----

    @Override
    public void run() {
        while (!stop) {
            try {
                turn();
            } catch (RuntimeException e) {
                core.log("BUG: pCPU " + id + ": " + e);
                dropCurrent();
                idle(clock.nanos() + 1_000_000L);
            }
        }
        VcpuImpl c = current;
        if (c != null) switchOut(c);
    }

    /** Returns once a decision in progress on this pCPU (if any) has marked its vcpu running. */
    void awaitDecision() {
        long e = epoch;
        if ((e & 1) == 0 || Thread.currentThread() == thread) return;
        while (epoch == e && !stop) {
            Thread.onSpinWait();
        }
    }

    /**
     * Switches out the vcpu this pCPU last ran, if any, and forgets it. A method of its own so
     * that the vcpu is no local of a frame that then idles (an interpreted frame keeps a dead
     * local reachable: a destroyed domain would stay in the heap while this pCPU sleeps).
     */
    private void dropCurrent() {
        VcpuImpl c = current;
        if (c != null) switchOut(c);
        current = null;
    }

    private void switchOut(VcpuImpl v) {
        v.arch().descheduled(v);
        v.timers().descheduled();
        v.setRunning(false, id);
        core.notRunning();
    }

    private void turn() {
        fireTimers(clock.nanos());
        CpuPools.Pool p = pool;
        Scheduler<?, ?> s = p == null ? null : p.sched;
        if (s != currentSched) {
            // the pool's instance changed (every domain was moved out of the old one first)
            dropCurrent();
            currentSched = s;
        }
        if (s == null) {
            idle(Long.MAX_VALUE);
            tickled = false;
            return;
        }
        tickled = false;
        long now = clock.nanos();
        // the decision in a frame of its own: the vcpu switched out is not a local of this one,
        // which idles (maybe for good) while that vcpu's domain is destroyed and must be freed
        VcpuImpl next = decide(s, now);
        if (next == null) {
            long b = decision.budget();
            idle(b == Decision.NO_TIMER ? Long.MAX_VALUE : now + b);
            return;
        }
        try {
            slice(next, now, decision.budget());
        } catch (RuntimeException | StackOverflowError e) {
            hooks.internalError(next, e);
        }
    }

    /** Xen's schedule(): the scheduler's decision, the switch out and in, the trace; the vcpu to run or null. */
    private VcpuImpl decide(Scheduler<?, ?> s, long now) {
        VcpuImpl prev = current;
        if (prev != null && prev.yieldRequested) {
            prev.yieldRequested = false;
            VcpuData pd = prev.schedData();
            if (prev.scheduler() == s && pd != null) s.yield(pd);
        }
        VcpuImpl next;
        epoch++;
        try {
            s.schedule(id, now, decision);
            decisions++;
            VcpuData nd = decision.next();
            next = nd == null ? null : (VcpuImpl) nd.vcpu();
            if (prev != null && prev != next) switchOut(prev);
            if (next != null && next != prev) {
                if (next.running()) {
                    // no vcpu on two pCPUs: refuse the decision, loudly
                    core.log("BUG: pCPU " + id + ": " + s.name() + " chose " + next + " running on pCPU "
                            + next.lastPcpu());
                    core.countTwoPcpus();
                    next = null;
                } else {
                    next.setRunning(true, id);
                }
            }
            current = next;
        } finally {
            epoch++;
        }
        if (prev != next) {
            org.oxen.vmm.core.trace.TraceBuffers t = core.trace();
            if (t.on(Trace.TRC_SCHED)) {
                t.trace4(Trace.TRC_SCHED_SWITCH, prev == null ? Trace.IDLE_DOMID : prev.domain().id(), prev == null ? id : prev.id(),
                        next == null ? Trace.IDLE_DOMID : next.domain().id(), next == null ? id : next.id());
            }
        }
        return next;
    }

    private void slice(VcpuImpl v, long t0, long budget) {
        DeterministicTime det = v.domain().deterministicTime();
        int vid = v.id();
        v.arch().scheduledIn(v);
        v.timers().scheduledIn();
        v.endSlice = false;
        v.preemptPoint = false;
        v.sliceStarted(t0);
        long end = budget == Decision.NO_TIMER ? Long.MAX_VALUE : t0 + budget;
        try {
            for (;;) {
                if (det == null || !det.midRun(vid)) {
                    v.arch().beforeResume(v);
                } else {
                    // stopped where the host chose: deliver nothing the guest would see (DeterministicTime)
                    v.flushIfRequested();
                }
                if (v.endSlice || !v.isRunnable()) return;
                // the slice's end is an alarm too (Xen's s_timer): a vcpu whose chunk takes longer
                // than its budget (a cold translator, slow instructions) does not overrun it
                core.alarm().set(id, Math.min(nextExpiry(), end));
                RunResult r;
                v.enterGuest();
                try {
                    r = v.cpu().run(det == null ? CHUNK : det.instructionsToRun(vid, CHUNK));
                } finally {
                    v.leaveGuest();
                }
                v.preemptPoint = false; // a continued hypercall: the checks below decide whether it runs on
                if (det != null) det.ran(vid, r == RunResult.STOPPED);
                if (r == RunResult.SHUTDOWN) {
                    v.domain().crash("triple fault at eip 0x" + Integer.toHexString(v.cpu().eip()));
                    return;
                }
                if (r == RunResult.HALTED) {
                    v.arch().halted(v);
                    if (!v.isRunnable()) return;
                }
                if (v.endSlice || tickled || stop || !v.isRunnable()) return;
                long now = clock.nanos();
                if (now >= end) return;
                if (nextExpiry() <= now) {
                    fireTimers(now);
                    if (tickled) return;
                }
            }
        } finally {
            v.sliceEnded(t0, clock.nanos());
            if (det != null && v.blocked()) {
                // a blocked vcpu's periodic timer stops (as at switch-out); with every vcpu of the
                // domain blocked its time jumps to its next timer, which fires now
                v.timers().descheduled();
                det.idle();
            }
        }
    }
}
