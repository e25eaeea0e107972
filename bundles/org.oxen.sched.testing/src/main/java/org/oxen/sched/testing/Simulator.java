package org.oxen.sched.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

import org.oxen.sched.api.CpuMask;
import org.oxen.sched.api.CpuPool;
import org.oxen.sched.api.Decision;
import org.oxen.sched.api.DomainData;
import org.oxen.sched.api.DomainMove;
import org.oxen.sched.api.ParamValues;
import org.oxen.sched.api.SchedDomain;
import org.oxen.sched.api.SchedTimer;
import org.oxen.sched.api.SchedVcpu;
import org.oxen.sched.api.Scheduler;
import org.oxen.sched.api.SchedulerFactory;
import org.oxen.sched.api.VcpuData;

/**
 * A deterministic discrete-event simulation of the VMM core's pCPU loop: N pCPUs, a virtual
 * clock in ns, and CPU pools each scheduled by one {@link Scheduler} instance (usually one pool
 * of all pCPUs; several to move domains between schedulers with {@link #moveDomain}). It plays
 * the core's side of the contract documented on {@link Scheduler}, and checks the scheduler's side at every decision:
 * the chosen vcpu is runnable, belongs to the scheduler, is assigned to this pCPU and allowed on
 * it, and runs on no other pCPU; budgets are positive or {@link Decision#NO_TIMER}; time
 * advances (no more than {@value #MAX_DECISIONS_PER_INSTANT} decisions at one instant). A
 * breach throws {@link InvariantViolation} at once.
 *
 * <p>Single-threaded and reproducible: the same setup gives the same schedule.
 */
public final class Simulator {

    /** A scheduler broke a core invariant. */
    public static final class InvariantViolation extends AssertionError {
        private static final long serialVersionUID = 1L;

        InvariantViolation(String message) {
            super(message);
        }
    }

    /** Sees every dispatch; for tests of exact orders. */
    @FunctionalInterface
    public interface DispatchListener {
        /** {@code next} is {@code null} for idle; {@code budget} may be {@link Decision#NO_TIMER}. */
        void dispatched(int cpu, long now, SimVcpu next, long budget);
    }

    static final int MAX_DECISIONS_PER_INSTANT = 10_000;

    private static final int WAKE = 0;
    private static final int BUDGET = 1;
    private static final int BURST_END = 2;
    private static final int TICKLE = 3;
    private static final int TIMER = 4;
    private static final int SWITCHED_OUT = 5;

    private static final class Event implements Comparable<Event> {
        final long time;
        final long seq;
        final int kind;
        final int cpu;
        final long gen;
        final Object target;

        Event(long time, long seq, int kind, int cpu, long gen, Object target) {
            this.time = time;
            this.seq = seq;
            this.kind = kind;
            this.cpu = cpu;
            this.gen = gen;
            this.target = target;
        }

        @Override
        public int compareTo(Event o) {
            int c = Long.compare(time, o.time);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private final class Pcpu {
        final int id;
        final Decision decision = new Decision();
        Pool pool;
        SimVcpu running;
        long gen;
        boolean ticklePending;
        long idleSince = 0;
        long idleTime;
        long decisionsAtInstant;
        long instant = -1;

        Pcpu(int id) {
            this.id = id;
        }
    }

    private final class Timer implements SchedTimer {
        final int cpu;
        final Runnable callback;
        long gen;
        boolean active;
        long expiry;

        Timer(int cpu, Runnable callback) {
            this.cpu = cpu;
            this.callback = callback;
        }

        @Override
        public void set(long expiryNs) {
            gen++;
            active = true;
            expiry = expiryNs;
            push(Math.max(expiryNs, now), TIMER, cpu, gen, this);
        }

        @Override
        public void stop() {
            gen++;
            active = false;
        }

        @Override
        public boolean isActive() {
            return active;
        }

        @Override
        public long expiry() {
            return expiry;
        }
    }

    /** A CPU pool: its pCPUs and its scheduler instance (Xen's {@code struct cpupool}). */
    final class Pool implements CpuPool {
        final int id;
        final CpuMask poolCpus;
        Scheduler<?, ?> scheduler;

        Pool(int id, CpuMask poolCpus) {
            this.id = id;
            this.poolCpus = poolCpus;
        }

        @Override
        public int id() {
            return id;
        }

        @Override
        public CpuMask cpus() {
            return poolCpus;
        }

        @Override
        public long now() {
            return now;
        }

        @Override
        public void tickle(int cpu) {
            if (!poolCpus.contains(cpu)) {
                violation("tickle of cpu " + cpu + " outside pool " + id + " " + poolCpus);
            }
            Simulator.this.tickle(cpu);
        }

        @Override
        public SchedTimer newTimer(int cpu, Runnable callback) {
            if (!poolCpus.contains(cpu)) {
                violation("timer on cpu " + cpu + " outside pool " + id + " " + poolCpus);
            }
            return new Timer(cpu, callback);
        }
    }

    private final CpuMask cpus;
    private final Pcpu[] pcpus;
    private final PriorityQueue<Event> events = new PriorityQueue<>();
    private final List<Pool> pools = new ArrayList<>();
    private final List<SimDomain> domains = new ArrayList<>();
    private final List<SimVcpu> vcpus = new ArrayList<>();
    private final List<DispatchListener> listeners = new ArrayList<>();
    private long now;
    private long seq;
    private long statsSince;
    private boolean booted;
    private long contextSwitches;
    private long switchOutDelay;

    /** {@code nCpus} pCPUs (0..n-1) in pool 0, scheduled by a new instance of {@code factory} with default pool parameters. */
    public Simulator(SchedulerFactory factory, int nCpus) {
        this(factory, nCpus, factory.poolSchema().defaults());
    }

    public Simulator(SchedulerFactory factory, int nCpus, ParamValues poolParams) {
        this(nCpus);
        addPool(factory, poolParams, CpuMask.range(nCpus));
    }

    /** {@code nCpus} pCPUs in no pool yet: add pools with {@link #addPool}. A pCPU in no pool idles. */
    public Simulator(int nCpus) {
        this.cpus = CpuMask.range(nCpus);
        this.pcpus = new Pcpu[nCpus];
        for (int i = 0; i < nCpus; i++) {
            pcpus[i] = new Pcpu(i);
        }
    }

    /**
     * A new CPU pool of {@code poolCpus} (in no other pool) scheduled by a new instance of
     * {@code factory}; pools are numbered 0, 1, ... in the order they are added.
     *
     * @return the pool id
     */
    public int addPool(SchedulerFactory factory, ParamValues poolParams, CpuMask poolCpus) {
        if (poolCpus.isEmpty() || !poolCpus.and(cpus).equals(poolCpus)) {
            throw new IllegalArgumentException("pool cpus " + poolCpus + " not within " + cpus);
        }
        for (Pool other : pools) {
            if (other.poolCpus.intersects(poolCpus)) {
                throw new IllegalArgumentException("cpus " + poolCpus + " overlap pool " + other.id);
            }
        }
        Pool pool = new Pool(pools.size(), poolCpus);
        pools.add(pool);
        for (int c = poolCpus.first(); c >= 0; c = poolCpus.next(c)) {
            pcpus[c].pool = pool;
        }
        pool.scheduler = factory.create(pool, poolParams);
        if (pool.scheduler == null) {
            throw new IllegalStateException(factory.name() + ": create returned null");
        }
        if (booted) {
            for (int c = poolCpus.first(); c >= 0; c = poolCpus.next(c)) {
                tickle(c);
            }
        }
        return pool.id;
    }

    /** {@link #Simulator(SchedulerFactory, int, ParamValues)} with typed pool parameters, e.g. {@code "tslice=10"}. */
    public static Simulator withPoolParams(SchedulerFactory factory, int nCpus, String... nameEqualsValue) {
        return new Simulator(factory, nCpus, factory.poolSchema().defaults().parse(factory.name(), toMap(nameEqualsValue)));
    }

    /** The scheduler of pool 0. */
    public Scheduler<?, ?> scheduler() {
        return scheduler(0);
    }

    public Scheduler<?, ?> scheduler(int poolId) {
        return pools.get(poolId).scheduler;
    }

    /** Pool 0, as its scheduler sees it. */
    public CpuPool pool() {
        return pool(0);
    }

    public CpuPool pool(int poolId) {
        return pools.get(poolId);
    }

    /** Every pCPU of the simulation (the union of the pools and the pCPUs in none). */
    public CpuMask cpus() {
        return cpus;
    }

    public long now() {
        return now;
    }

    public void addListener(DispatchListener l) {
        listeners.add(l);
    }

    // ------------------------------------------------------------------ set-up

    /** A domain in pool 0 with one vcpu per workload, each placed by the scheduler's {@code pickCpu}. */
    public SimDomain addDomain(String name, Workload... perVcpu) {
        return addDomain(0, name, -1, CpuMask.all(), perVcpu);
    }

    /**
     * A domain in pool 0 whose vcpus start on {@code cpu} (bypassing {@code pickCpu}; -1 to use
     * it), with hard affinity {@code affinity}.
     */
    public SimDomain addDomain(String name, int cpu, CpuMask affinity, Workload... perVcpu) {
        return addDomain(0, name, cpu, affinity, perVcpu);
    }

    /** A domain in pool {@code poolId}; see {@link #addDomain(String, int, CpuMask, Workload...)}. */
    public SimDomain addDomain(int poolId, String name, int cpu, CpuMask affinity, Workload... perVcpu) {
        Pool pool = pools.get(poolId);
        Scheduler<?, ?> scheduler = pool.scheduler;
        SimDomain d = new SimDomain(domains.size(), name);
        domains.add(d);
        d.pool = pool;
        d.data = scheduler.allocDomain(d);
        for (Workload w : perVcpu) {
            SimVcpu v = new SimVcpu(this, d, d.vcpus.size(), w, affinity);
            d.vcpus.add(v);
            vcpus.add(v);
            v.data = scheduler.allocVcpu(v, d.data);
            v.pauseCount = 1; // created paused, as Xen's vcpu_create leaves it until the domain is unpaused
            v.processor = pool.poolCpus.and(affinity).first();
            if (v.processor < 0) {
                throw new IllegalArgumentException("affinity " + affinity + " outside pool " + pool.poolCpus);
            }
            v.setProcessor(cpu >= 0 ? cpu : scheduler.pickCpu(v.data));
            scheduler.insert(v.data);
            long first = w.firstWake();
            if (first > now) {
                v.blocked = true;
                push(first, WAKE, -1, 0, v);
            } else {
                v.burstLeft = w.nextBurst(now);
            }
            unpause(v);
        }
        return d;
    }

    /**
     * Move {@code d} to pool {@code poolId} while everything runs, by
     * {@link DomainMove#move}: the simulator plays the core (its pause returns once the pCPUs
     * running the domain's vcpus have switched away, at the current instant).
     *
     * @return the parameters the domain has in its new pool
     */
    public ParamValues moveDomain(SimDomain d, int poolId) {
        Pool from = d.pool;
        Pool to = pools.get(poolId);
        return DomainMove.move(d, from.scheduler, to.scheduler, new DomainMove.Core() {
            @Override
            public List<? extends SchedVcpu> vcpus(SchedDomain x) {
                return d.vcpus;
            }

            @Override
            public VcpuData vcpuData(SchedVcpu v) {
                return ((SimVcpu) v).data;
            }

            @Override
            public void attach(SchedVcpu v, VcpuData data) {
                ((SimVcpu) v).data = data;
            }

            @Override
            public DomainData domainData(SchedDomain x) {
                return d.data;
            }

            @Override
            public void attach(SchedDomain x, DomainData data) {
                d.data = data;
                d.pool = to;
            }

            @Override
            public void pause(SchedDomain x) {
                for (SimVcpu v : d.vcpus) {
                    Simulator.this.pause(v);
                }
                for (SimVcpu v : d.vcpus) {
                    if (v.runningOn >= 0 && !v.switchingOut) {
                        reschedule(pcpus[v.runningOn]); // domain_pause waits for the switch-out
                    }
                    if (v.switchingOut) {
                        v.switchingOut = false; // ... and for the context to be saved
                        v.runningOn = -1;
                    }
                    if (v.runningOn >= 0) {
                        violation(v + " still runs on cpu " + v.runningOn + " after its domain was paused");
                    }
                }
            }

            @Override
            public void unpause(SchedDomain x) {
                for (SimVcpu v : d.vcpus) {
                    Simulator.this.unpause(v);
                }
            }
        });
    }

    /** Set some of a domain's parameters, typed as {@code xl} takes them: {@code "weight=512"}. */
    public void setParams(SimDomain d, String... nameEqualsValue) {
        Scheduler<?, ?> scheduler = d.pool.scheduler;
        ParamValues p = scheduler.domainParams(d.data).parse(scheduler.name(), toMap(nameEqualsValue));
        scheduler.setDomainParams(d.data, p);
    }

    static Map<String, String> toMap(String... nameEqualsValue) {
        Map<String, String> m = new HashMap<>();
        for (String s : nameEqualsValue) {
            int eq = s.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("'" + s + "' is not name=value");
            }
            m.put(s.substring(0, eq).strip(), s.substring(eq + 1).strip());
        }
        return m;
    }

    public List<SimDomain> domains() {
        return domains;
    }

    public List<SimVcpu> vcpus() {
        return vcpus;
    }

    // ------------------------------------------------------------------ running

    /** Run until the clock reads {@code t}. */
    public void runUntil(long t) {
        if (!booted) {
            booted = true;
            for (Pcpu p : pcpus) {
                if (p.pool != null) {
                    tickle(p.id); // boot: every pCPU of a pool enters its scheduler loop
                }
            }
        }
        Event e;
        while ((e = events.peek()) != null && e.time <= t) {
            events.poll();
            now = e.time;
            dispatchEvent(e);
        }
        now = t;
    }

    /** Run for {@code ns} more. */
    public void runFor(long ns) {
        runUntil(now + ns);
    }

    /** Let every workload settle its statistics at the current time (e.g. unfinished jobs). */
    public void finish() {
        for (SimVcpu v : vcpus) {
            v.workload.finish(now);
        }
    }

    /** Zero CPU time, latency, dispatch and idle statistics; shares are measured from here. */
    public void resetStats() {
        for (SimVcpu v : vcpus) {
            if (v.runningOn >= 0 && !v.switchingOut) {
                charge(v);
            }
            v.cpuTime = 0;
            v.latencyCount = 0;
            v.latencySum = 0;
            v.latencyMax = 0;
            v.dispatches = 0;
        }
        for (Pcpu p : pcpus) {
            p.idleTime = 0;
            if (p.running == null) {
                p.idleSince = now;
            }
        }
        statsSince = now;
        contextSwitches = 0;
    }

    /** The share of one pCPU {@code v} got since the last reset. */
    public double share(SimVcpu v) {
        long elapsed = now - statsSince;
        return elapsed == 0 ? 0 : (double) v.cpuTime() / elapsed;
    }

    /** The share of one pCPU {@code d}'s vcpus got together since the last reset. */
    public double share(SimDomain d) {
        long elapsed = now - statsSince;
        return elapsed == 0 ? 0 : (double) d.cpuTime() / elapsed;
    }

    /** Fraction of time {@code cpu} was idle since the last reset. */
    public double idleFraction(int cpu) {
        Pcpu p = pcpus[cpu];
        long idle = p.idleTime + (p.running == null ? now - Math.max(p.idleSince, statsSince) : 0);
        long elapsed = now - statsSince;
        return elapsed == 0 ? 0 : (double) idle / elapsed;
    }

    /**
     * Let a switched-out vcpu read as running ({@link SchedVcpu#isRunning()}) for {@code ns}
     * after the decision that replaced it, as on a real pCPU until its context is saved (Xen's
     * {@code is_running} until {@code context_saved}). Another pCPU choosing it in that window
     * is a double run; a scheduler that migrates vcpus must skip running ones. 0 (the default)
     * switches out at the decision.
     */
    public void setSwitchOutDelay(long ns) {
        if (ns < 0) {
            throw new IllegalArgumentException("negative delay " + ns);
        }
        this.switchOutDelay = ns;
    }

    /** Context switches (decisions that changed the running vcpu) since the last reset. */
    public long contextSwitches() {
        return contextSwitches;
    }

    /** The vcpu running on {@code cpu}, or {@code null}. */
    public SimVcpu running(int cpu) {
        return pcpus[cpu].running;
    }

    // ------------------------------------------------------------------ the core's loop

    private void push(long time, int kind, int cpu, long gen, Object target) {
        events.add(new Event(time, seq++, kind, cpu, gen, target));
    }

    void tickle(int cpu) {
        Pcpu p = pcpus[cpu];
        if (!p.ticklePending) {
            p.ticklePending = true;
            push(now, TICKLE, cpu, 0, null);
        }
    }

    private void dispatchEvent(Event e) {
        switch (e.kind) {
        case WAKE: {
            SimVcpu v = (SimVcpu) e.target;
            v.burstLeft = v.workload.nextBurst(now);
            v.blocked = false;
            v.wokenAt = now;
            if (v.pauseCount == 0) {
                v.domain().pool.scheduler.wake(v.data);
            }
            break;
        }
        case BUDGET:
        case BURST_END:
            if (e.gen == pcpus[e.cpu].gen) {
                reschedule(pcpus[e.cpu]);
            }
            break;
        case TICKLE:
            pcpus[e.cpu].ticklePending = false;
            reschedule(pcpus[e.cpu]);
            break;
        case SWITCHED_OUT: {
            SimVcpu v = (SimVcpu) e.target;
            if (v.switchingOut && v.switchGen == e.gen) {
                v.switchingOut = false;
                v.runningOn = -1;
            }
            break;
        }
        case TIMER: {
            Timer t = (Timer) e.target;
            if (t.active && t.gen == e.gen) {
                t.active = false;
                t.callback.run();
            }
            break;
        }
        default:
            throw new IllegalStateException("event " + e.kind);
        }
    }

    private void charge(SimVcpu v) {
        long ran = now - v.since;
        v.cpuTime += ran;
        if (v.burstLeft != Workload.FOREVER) {
            v.burstLeft -= ran;
        }
        v.since = now;
    }

    private void reschedule(Pcpu p) {
        Scheduler<?, ?> scheduler = p.pool.scheduler;
        if (p.instant != now) {
            p.instant = now;
            p.decisionsAtInstant = 0;
        }
        if (++p.decisionsAtInstant > MAX_DECISIONS_PER_INSTANT) {
            violation("cpu " + p.id + " took " + MAX_DECISIONS_PER_INSTANT + " decisions at t=" + now + " (livelock)");
        }
        SimVcpu prev = p.running;
        if (prev != null) {
            charge(prev);
            while (prev.burstLeft <= 0 && prev.isRunnable()) {
                long action = prev.workload.afterBurst(now);
                if (action == Workload.YIELD) {
                    prev.burstLeft = prev.workload.nextBurst(now);
                    scheduler.yield(prev.data);
                    break;
                } else if (action == Workload.CONTINUE) {
                    prev.burstLeft = prev.workload.nextBurst(now);
                } else {
                    if (action < now) {
                        throw new IllegalStateException(prev.workload + " blocks until the past " + action);
                    }
                    prev.blocked = true;
                    push(action, WAKE, -1, 0, prev);
                    scheduler.sleep(prev.data);
                }
            }
        } else {
            p.idleTime += now - Math.max(p.idleSince, statsSince);
        }
        Decision d = p.decision;
        scheduler.schedule(p.id, now, d);
        VcpuData nd = d.next();
        SimVcpu next = null;
        if (nd != null) {
            if (!(nd.vcpu() instanceof SimVcpu) || ((SimVcpu) nd.vcpu()).data != nd) {
                violation("cpu " + p.id + ": chose " + nd + ", not a vcpu of this simulation");
            }
            next = (SimVcpu) nd.vcpu();
            if (next.domain().pool != p.pool) {
                violation("cpu " + p.id + " of pool " + p.pool.id + " chose " + next + " of pool " + next.domain().pool.id);
            }
            if (!next.isRunnable()) {
                violation("cpu " + p.id + " at t=" + now + ": chose non-runnable " + next
                        + (next.blocked ? " (blocked)" : " (paused)"));
            }
            if (next.runningOn >= 0 && next.runningOn != p.id) {
                violation("t=" + now + ": " + next + " chosen on cpu " + p.id + " while running on cpu " + next.runningOn);
            }
            if (next.processor != p.id) {
                violation("cpu " + p.id + " at t=" + now + ": chose " + next + " assigned to cpu " + next.processor);
            }
            if (!next.affinity.contains(p.id)) {
                violation("cpu " + p.id + ": chose " + next + " outside its affinity " + next.affinity);
            }
        }
        long budget = d.budget();
        if (budget <= 0 && budget != Decision.NO_TIMER) {
            violation("cpu " + p.id + " at t=" + now + ": budget " + budget + " for " + (next == null ? "idle" : next));
        }
        if (prev != null && prev != next) {
            if (switchOutDelay == 0) {
                prev.runningOn = -1;
            } else {
                prev.switchingOut = true; // still "running" here until its context is saved
                push(now + switchOutDelay, SWITCHED_OUT, p.id, ++prev.switchGen, prev);
            }
        }
        if (next != prev) {
            contextSwitches++;
        }
        p.gen++;
        p.running = next;
        if (next == null) {
            p.idleSince = now;
        } else {
            if (next != prev) {
                next.switchingOut = false;
                next.runningOn = p.id;
                next.since = now;
                next.dispatches++;
            }
            if (next.wokenAt >= 0) {
                long lat = now - next.wokenAt;
                next.latencyCount++;
                next.latencySum += lat;
                next.latencyMax = Math.max(next.latencyMax, lat);
                next.wokenAt = -1;
            }
            if (next.burstLeft != Workload.FOREVER) {
                push(now + Math.max(next.burstLeft, 0), BURST_END, p.id, p.gen, null);
            }
        }
        if (budget != Decision.NO_TIMER) {
            push(now + budget, BUDGET, p.id, p.gen, null);
        }
        for (DispatchListener l : listeners) {
            l.dispatched(p.id, now, next, budget);
        }
    }

    void pause(SimVcpu v) {
        boolean wasRunnable = v.isRunnable();
        v.pauseCount++;
        if (wasRunnable) {
            v.domain().pool.scheduler.sleep(v.data);
            if (v.runningOn >= 0) {
                tickle(v.runningOn);
            }
        }
    }

    void unpause(SimVcpu v) {
        if (v.pauseCount == 0) {
            violation("unpause of " + v + " which is not paused");
        }
        if (--v.pauseCount == 0 && !v.blocked) {
            v.wokenAt = now;
            v.domain().pool.scheduler.wake(v.data);
        }
    }

    void violation(String message) {
        StringBuilder names = new StringBuilder();
        for (Pool p : pools) {
            names.append(names.length() == 0 ? "" : "+").append(p.scheduler == null ? "?" : p.scheduler.name());
        }
        throw new InvariantViolation(names + ": " + message);
    }
}
