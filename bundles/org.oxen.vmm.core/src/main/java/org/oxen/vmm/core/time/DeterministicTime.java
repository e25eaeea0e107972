package org.oxen.vmm.core.time;

import java.util.ArrayList;
import java.util.List;

import org.oxen.sched.api.SchedTimer;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.x86.api.Clock;
import org.oxen.x86.clock.InstructionClock;

/**
 * The time of a deterministic domain ({@code GuestClock.INSTRUCTIONS}; QEMU's icount with
 * sleep=off): its system time, vcpu_time_info, RDTSC and timer deadlines are its vcpus' retired
 * instructions x {@link #NANOS_PER_INSTRUCTION}, plus the idle time skipped when every vcpu is
 * blocked (the domain's time jumps to its earliest timer, which fires at once), and its wall
 * clock starts at {@link #WALLCLOCK_EPOCH_NS}. Nothing the guest sees depends on the host's
 * clock or on when the host ran the vcpu, so a one-vcpu domain prints the same lines in every
 * run. (With several vcpus the time is still instruction time, but their interleaving is the
 * host's.)
 *
 * <p>How the pCPU keeps it exact ({@code Pcpu.slice}): a run of guest code ends at the next
 * multiple of the chunk size of the vcpu's own instruction count or at the domain's earliest
 * timer deadline ({@link #instructionsToRun}), whichever is first; after each run the
 * instructions are committed and due timers fire ({@link #ran}), so a timer's VIRQ is raised
 * at exactly the instruction its deadline names. A run cut short by the host (a tickle, another
 * domain's timer, an event from outside) is marked {@link #midRun}: the next resume then
 * delivers nothing (what a guest sees is delivered only at its own deterministic points:
 * exits, chunk ends, deadlines, wake-ups). The time record is written once per vcpu (the TSC
 * is the domain's time exactly, so it never drifts), and hypercall preemption counts checks
 * instead of host time ({@link #preemptCheck}).
 *
 * <p>Locking: this object's monitor guards the timer list and the accounting; it is a leaf at
 * the level of a {@code Pcpu}'s lock (a vcpu's {@link VcpuTimers} monitor may be held when a
 * timer is set); timer callbacks run after it is released, on the pCPU thread that found them
 * due. Per-vcpu fields are written by the pCPU thread running that vcpu only. The lock order is
 * stated once, in the {@link org.oxen.vmm.core} package documentation.
 */
public final class DeterministicTime {

    /** The cost of one instruction: 10 ns, the board's deterministic clock's default. */
    public static final long NANOS_PER_INSTRUCTION = InstructionClock.DEFAULT_NANOS_PER_INSTRUCTION;
    /** The wall-clock time of system time 0: 2000-01-01T00:00:00Z, in ns since the epoch. */
    public static final long WALLCLOCK_EPOCH_NS = 946_684_800L * 1_000_000_000L;
    /** hypercall_preempt_check answers yes every this many checks (items of a long hypercall). */
    public static final int PREEMPT_CHECKS = 1024;
    /** {@link #idle} fires at most this many timers that wake no vcpu before it gives up the pCPU. */
    static final int MAX_IDLE_SKIPS = 1024;

    private final VcpuImpl[] vcpus;
    /** Per vcpu: its instruction count already in {@link #base}. */
    private final long[] committed;
    /** Per vcpu: the last run was cut short by the host at a point the guest did not choose. */
    private final boolean[] midRun;
    /** Per vcpu: where its time record was written (machine address), -1 before the first. */
    private final long[] timeRecordAt;
    private final int[] preemptChecks;
    private final Clock[] clocks;
    /** Per vcpu: where its current run of guest code ends (ns), {@code Long.MAX_VALUE} between runs; under the monitor. */
    private final long[] runEnd;
    /** Committed instructions x the cost, plus skipped idle time (ns). */
    private volatile long base;
    /** Idle time skipped so far (ns; tests, messages). */
    private long skipped;
    private final List<Timer> timers = new ArrayList<>();
    private long timerSeq;

    public DeterministicTime(int nrVcpus) {
        vcpus = new VcpuImpl[nrVcpus];
        committed = new long[nrVcpus];
        midRun = new boolean[nrVcpus];
        timeRecordAt = new long[nrVcpus];
        java.util.Arrays.fill(timeRecordAt, -1);
        preemptChecks = new int[nrVcpus];
        clocks = new Clock[nrVcpus];
        runEnd = new long[nrVcpus];
        java.util.Arrays.fill(runEnd, Long.MAX_VALUE);
        for (int i = 0; i < nrVcpus; i++) {
            int id = i;
            clocks[i] = () -> viewOf(id);
        }
    }

    /** Vcpu {@code v} (created, its CPU not run yet) counts towards this domain's time. */
    public void attach(VcpuImpl v) {
        vcpus[v.id()] = v;
        committed[v.id()] = v.cpu().instructionCount();
    }

    /**
     * Vcpu {@code i}'s view of the time (its RDTSC, the clock of its hypercalls): exact to the
     * instruction on the pCPU thread running it.
     */
    public Clock clockOf(int i) {
        return clocks[i];
    }

    private long viewOf(int i) {
        VcpuImpl v = vcpus[i];
        long own = v == null ? 0 : v.cpu().instructionCount() - committed[i];
        return base + own * NANOS_PER_INSTRUCTION;
    }

    /** The domain's time as committed (any thread). */
    public long now() {
        return base;
    }

    public synchronized long skippedNanos() {
        return skipped;
    }

    // ---- the pCPU's side

    /**
     * How many instructions vcpu {@code i} may run now: to the next multiple of {@code chunk} of
     * its instruction count, or fewer to stop at the domain's earliest timer deadline (at least 1).
     */
    public long instructionsToRun(int i, long chunk) {
        long icount = vcpus[i].cpu().instructionCount();
        long n = chunk - Math.floorMod(icount, chunk);
        long view = viewOf(i);
        synchronized (this) {
            long e = earliest();
            if (e != Long.MAX_VALUE) {
                long left = e - view;
                long toDeadline = left <= 0 ? 1 : (left + NANOS_PER_INSTRUCTION - 1) / NANOS_PER_INSTRUCTION;
                if (toDeadline < n) n = toDeadline;
            }
            runEnd[i] = view + n * NANOS_PER_INSTRUCTION;
        }
        return n;
    }

    /**
     * Vcpu {@code i} came back from running guest code ({@code cutShort}: the host stopped it):
     * its instructions are committed and due timers fire, on this thread.
     */
    public void ran(int i, boolean cutShort) {
        synchronized (this) {
            runEnd[i] = Long.MAX_VALUE;
        }
        long retired = commit(i);
        midRun[i] = cutShort ? midRun[i] || retired > 0 : false;
        fireDue();
    }

    /** Whether vcpu {@code i} stopped where the host, not the guest, chose (see the class comment). */
    public boolean midRun(int i) {
        return midRun[i];
    }

    private long commit(int i) {
        long icount = vcpus[i].cpu().instructionCount();
        long d = icount - committed[i];
        if (d == 0) return 0;
        synchronized (this) {
            committed[i] = icount;
            base += d * NANOS_PER_INSTRUCTION;
        }
        return d;
    }

    /**
     * A vcpu of this domain blocked (and left its timers descheduled): while no vcpu of the
     * domain is runnable, time jumps to the earliest timer, which fires now, on this thread; and
     * again to the next if that one woke no vcpu (a single-shot timer's VIRQ with events masked
     * or unbound, while a poll's timeout is armed later: the poll must still time out, as it
     * would on the host's clock). Ends when a vcpu is runnable or no timer is armed: a blocked
     * vcpu's periodic timer is stopped and the others fire once per arming, so each pass fires
     * one that does not come back ({@link #MAX_IDLE_SKIPS} bounds it all the same).
     */
    public void idle() {
        for (int pass = 0; pass < MAX_IDLE_SKIPS; pass++) {
            for (VcpuImpl v : vcpus) {
                if (v != null && v.runnable()) return;
            }
            synchronized (this) {
                long e = earliest();
                if (e == Long.MAX_VALUE) return; // nothing to wait for: only an event from outside wakes it
                if (e > base) {
                    skipped += e - base;
                    base = e;
                }
            }
            fireDue();
        }
    }

    /**
     * Whether vcpu {@code i}'s time record at machine address {@code ti} is to be written: once
     * per place (the first schedule-in, and again if its vcpu_info moved); true once per place.
     */
    public boolean timeRecordNeeded(int i, long ti) {
        if (timeRecordAt[i] == ti) return false;
        timeRecordAt[i] = ti;
        return true;
    }

    // ---- hypercall preemption

    /** A preemptible hypercall of vcpu {@code i} starts. */
    public void enterHypercall(int i) {
        preemptChecks[i] = 0;
    }

    /** hypercall_preempt_check, counted: yes every {@link #PREEMPT_CHECKS} items. */
    public boolean preemptCheck(int i) {
        return ++preemptChecks[i] >= PREEMPT_CHECKS;
    }

    // ---- timers

    private synchronized long earliest() {
        long e = Long.MAX_VALUE;
        for (int k = 0; k < timers.size(); k++) {
            long x = timers.get(k).expiry;
            if (x < e) e = x;
        }
        return e;
    }

    /** Fires the timers whose deadline the committed time reached, earliest (then oldest) first. */
    private void fireDue() {
        for (;;) {
            Timer t = null;
            synchronized (this) {
                for (int k = 0; k < timers.size(); k++) {
                    Timer c = timers.get(k);
                    if (c.expiry <= base && (t == null || c.expiry < t.expiry
                            || c.expiry == t.expiry && c.seq < t.seq)) {
                        t = c;
                    }
                }
                if (t == null) return;
                timers.remove(t);
                t.active = false;
            }
            t.callback.run();
        }
    }

    /** A timer in this domain's time (the vcpus' single-shot, periodic and poll timers). */
    public SchedTimer newTimer(Runnable callback) {
        return new Timer(callback);
    }

    private final class Timer implements SchedTimer {
        private final Runnable callback;
        private boolean active;
        private long expiry;
        private long seq;

        Timer(Runnable callback) {
            this.callback = callback;
        }

        @Override
        public void set(long expiryNs) {
            synchronized (DeterministicTime.this) {
                expiry = expiryNs;
                seq = timerSeq++;
                if (!active) {
                    active = true;
                    timers.add(this);
                }
                // a deadline before the end of a run in progress (the vcpu's own hypercall set it)
                // ends that run there: the CPU stops right after the exit, a point the guest chose
                for (int k = 0; k < vcpus.length; k++) {
                    if (expiryNs < runEnd[k] && vcpus[k] != null) vcpus[k].cpu().requestStop();
                }
            }
        }

        @Override
        public void stop() {
            synchronized (DeterministicTime.this) {
                if (active) {
                    active = false;
                    timers.remove(this);
                }
            }
        }

        @Override
        public boolean isActive() {
            synchronized (DeterministicTime.this) {
                return active;
            }
        }

        @Override
        public long expiry() {
            synchronized (DeterministicTime.this) {
                return expiry;
            }
        }
    }
}
