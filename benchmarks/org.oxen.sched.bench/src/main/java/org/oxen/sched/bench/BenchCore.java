package org.oxen.sched.bench;

import java.util.PriorityQueue;

import org.oxen.sched.api.CpuMask;
import org.oxen.sched.api.CpuPool;
import org.oxen.sched.api.Decision;
import org.oxen.sched.api.DomainData;
import org.oxen.sched.api.SchedDomain;
import org.oxen.sched.api.SchedTimer;
import org.oxen.sched.api.SchedVcpu;
import org.oxen.sched.api.Scheduler;
import org.oxen.sched.api.SchedulerFactory;
import org.oxen.sched.api.VcpuData;

/**
 * The least core that can drive a scheduler on one pCPU: N CPU-bound vcpus (one per domain),
 * a virtual clock, and the scheduler's timers. Unlike the simulator it tracks no statistics and
 * checks nothing. Two operations: {@link #decide()} (the clock advances by the last budget, at
 * most 1 ms, then one decision; timers are not fired) and {@link #timers(long)} (the clock
 * advances, due timers fire: Credit's ticks and accounting, BVT's warp timers), so the decision
 * path and the periodic work are measured apart, as they run apart in the core.
 */
final class BenchCore implements CpuPool {

    static final long MS = 1_000_000L;

    private final class Vcpu implements SchedVcpu, SchedDomain {
        final int id;
        final CpuMask all = CpuMask.all();
        int processor;
        boolean running;
        int paused;
        VcpuData data;

        Vcpu(int id) {
            this.id = id;
        }

        @Override
        public SchedDomain domain() {
            return this;
        }

        @Override
        public int id() {
            return id;
        }

        @Override
        public String name() {
            return "d" + id;
        }

        @Override
        public int vcpuCount() {
            return 1;
        }

        @Override
        public boolean isRunnable() {
            return paused == 0;
        }

        @Override
        public int processor() {
            return processor;
        }

        @Override
        public boolean isRunning() {
            return running;
        }

        @Override
        public CpuMask affinity() {
            return all;
        }

        @Override
        public void setProcessor(int cpu) {
            processor = cpu;
        }

        @Override
        public void pause() {
            if (paused++ == 0) {
                sched.sleep(data);
            }
        }

        @Override
        public void unpause() {
            if (--paused == 0) {
                sched.wake(data);
            }
        }
    }

    private final class Timer implements SchedTimer, Comparable<Timer> {
        final Runnable callback;
        long expiry;
        boolean active;

        Timer(Runnable callback) {
            this.callback = callback;
        }

        @Override
        public void set(long expiryNs) {
            if (active) {
                timers.remove(this);
            }
            expiry = expiryNs;
            active = true;
            timers.add(this);
        }

        @Override
        public void stop() {
            if (active) {
                timers.remove(this);
                active = false;
            }
        }

        @Override
        public boolean isActive() {
            return active;
        }

        @Override
        public long expiry() {
            return expiry;
        }

        @Override
        public int compareTo(Timer o) {
            return Long.compare(expiry, o.expiry);
        }
    }

    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private final CpuMask cpus = CpuMask.of(0);
    final Decision decision = new Decision();
    final Scheduler<?, ?> sched;
    private Vcpu running;
    private long now;

    BenchCore(SchedulerFactory factory, int nVcpus) {
        sched = factory.create(this);
        Vcpu[] vcpus = new Vcpu[nVcpus];
        for (int i = 0; i < nVcpus; i++) {
            Vcpu v = new Vcpu(i);
            vcpus[i] = v;
            DomainData d = sched.allocDomain(v);
            v.data = sched.allocVcpu(v, d);
            v.paused = 1;
            v.setProcessor(sched.pickCpu(v.data));
            sched.insert(v.data);
        }
        for (Vcpu v : vcpus) {
            v.unpause();
        }
        decision.idle(MS);
    }

    /** Advance the clock by the last budget (at most 1 ms), fire nothing, decide, switch. */
    Object decide() {
        long budget = decision.budget();
        now += budget == Decision.NO_TIMER ? MS : Math.min(budget, MS);
        sched.schedule(0, now, decision);
        VcpuData next = decision.next();
        Vcpu n = next == null ? null : (Vcpu) next.vcpu();
        if (n != running) {
            if (running != null) {
                running.running = false;
            }
            if (n != null) {
                n.running = true;
            }
            running = n;
        }
        return next;
    }

    /** Advance the clock by {@code ns} and fire the due timers; returns how many fired. */
    int timers(long ns) {
        now += ns;
        int fired = 0;
        Timer t;
        while ((t = timers.peek()) != null && t.expiry <= now) {
            timers.poll();
            t.active = false;
            t.callback.run();
            fired++;
        }
        return fired;
    }

    /** A decision with the timers due before it: the warm-up, reaching the steady state. */
    void step() {
        timers(0);
        decide();
    }

    @Override
    public int id() {
        return 0;
    }

    @Override
    public CpuMask cpus() {
        return cpus;
    }

    @Override
    public long now() {
        return now;
    }

    @Override
    public void tickle(int cpu) {
        // the next step decides anyway
    }

    @Override
    public SchedTimer newTimer(int cpu, Runnable callback) {
        return new Timer(callback);
    }
}
