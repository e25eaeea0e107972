package org.oxen.vmm.core.sched;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import org.oxen.sched.api.Conformance;
import org.oxen.sched.api.CpuMask;
import org.oxen.sched.api.CpuPool;
import org.oxen.sched.api.DomainData;
import org.oxen.sched.api.DomainMove;
import org.oxen.sched.api.ParamSpec;
import org.oxen.sched.api.ParamValues;
import org.oxen.sched.api.SchedDomain;
import org.oxen.sched.api.SchedTimer;
import org.oxen.sched.api.SchedVcpu;
import org.oxen.sched.api.Scheduler;
import org.oxen.sched.api.SchedulerFactory;
import org.oxen.sched.api.VcpuData;
import org.oxen.vmm.api.CpuPoolInfo;
import org.oxen.vmm.api.SchedulerInfo;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.x86.api.Clock;

/**
 * The scheduler registry, the CPU pools and the pCPUs: the core's side of org.oxen.sched.api.
 *
 * <ul>
 * <li><b>Registry</b>: {@link SchedulerFactory} services come and go ({@link #addFactory},
 *     {@link #removeFactory}); each is checked once with {@link Conformance#require} and refused
 *     with a log line if it fails. The default is the one with {@code oxen.sched.default=true},
 *     then the highest ranking; with none present, the built-in {@link Fallback} keeps vcpus
 *     runnable (and the log says so).</li>
 * <li><b>Pools</b>: Pool-0 holds every pCPU at start with the default scheduler. A pool has one
 *     {@link Scheduler} instance over a fixed pCPU set; changing the set or the algorithm makes a
 *     new instance and moves every domain into it with {@link DomainMove} (Xen's
 *     sched_move_domain), then switches the pCPUs over. A pool created with an explicit
 *     scheduler goes back to it when its bundle returns.</li>
 * <li><b>Hot-swap</b>: when a factory leaves, every pool using it moves to the default before
 *     {@link #removeFactory} returns.</li>
 * </ul>
 *
 * <p>Locking: {@link #config} (a fair lock) serialises registry, pool and domain membership
 * changes and the toolstack's pause/unpause; it is taken after the Vmm and domain monitors and
 * before any scheduler instance's lock. pCPU threads never take it: their state changes (block,
 * yield, shutdown of a running vcpu) cannot race a move, which waits until the vcpu is off its
 * pCPU before touching its data.
 */
public final class SchedCore implements DomainMove.Core {

    /** What the hypervisor provides. */
    public interface Host extends Pcpu.SliceHooks {
        void log(String line);
    }

    private record Entry(SchedulerFactory factory, boolean isDefault, int ranking, long seq) {
    }

    /** The CpuPool one scheduler instance sees: fixed pCPUs; retired (dead) when replaced. */
    final class View implements CpuPool {
        final Pool pool;
        final CpuMask cpus;
        volatile boolean dead;

        View(Pool pool, CpuMask cpus) {
            this.pool = pool;
            this.cpus = cpus;
        }

        @Override
        public int id() {
            return pool.id;
        }

        @Override
        public CpuMask cpus() {
            return cpus;
        }

        @Override
        public long now() {
            return clock.nanos();
        }

        @Override
        public void tickle(int cpu) {
            if (!dead && cpus.contains(cpu)) pcpus[cpu].tickle();
        }

        @Override
        public SchedTimer newTimer(int cpu, Runnable callback) {
            if (!cpus.contains(cpu)) throw new IllegalArgumentException("pCPU " + cpu + " is not in " + cpus);
            return pcpus[cpu].newTimer(this, callback);
        }

        @Override
        public String toString() {
            return pool.name + cpus;
        }
    }

    /** A CPU pool (Xen's struct cpupool). Fields change under {@link #config}. */
    final class Pool {
        final int id;
        final String name;
        /** The scheduler asked for at creation, or null to follow the default. */
        final String wanted;
        CpuMask cpus;
        /** The instance the pCPUs use; null while the pool has no pCPU. */
        volatile Scheduler<?, ?> sched;
        View view;
        final Set<DomainImpl> domains = new LinkedHashSet<>();

        Pool(int id, String name, String wanted, CpuMask cpus) {
            this.id = id;
            this.name = name;
            this.wanted = wanted;
            this.cpus = cpus;
        }

        String schedName() {
            Scheduler<?, ?> s = sched;
            return s != null ? s.name() : factoryFor(this).name();
        }
    }

    private final Host host;
    private final Clock clock;
    private final Pcpu[] pcpus;
    private final ReentrantLock config = new ReentrantLock(true);
    private final Object notRunning = new Object();
    private final Map<Integer, Pool> pools = new TreeMap<>();
    private final List<Entry> factories = new ArrayList<>();
    private final Fallback fallback = new Fallback();
    private final AtomicLong twoPcpus = new AtomicLong();
    private long seq;
    private int nextPoolId;
    /** The instance DomainMove is attaching vcpus to (under {@link #config}). */
    private Scheduler<?, ?> moveTarget;
    /** Hot-swap figures (benchmarks): the last pool switch, and the domains' pauses during it. */
    private volatile long lastSwapNanos, lastSwapMaxPauseNanos, lastSwapPauseSumNanos;
    private volatile int lastSwapDomains;
    private long pausedAt, maxPause, pauseSum;

    public SchedCore(Host host, Clock clock, int nrPcpus) {
        this.host = host;
        this.clock = clock;
        this.pcpus = new Pcpu[nrPcpus];
        for (int i = 0; i < nrPcpus; i++) {
            pcpus[i] = new Pcpu(i, this, host, clock);
        }
        config.lock();
        try {
            Pool p0 = new Pool(nextPoolId++, "Pool-0", null, CpuMask.range(nrPcpus));
            pools.put(p0.id, p0);
            reinstance(p0, fallback, p0.cpus);
            host.log("sched: no scheduler bundle yet: Pool-0 runs the built-in fallback");
        } finally {
            config.unlock();
        }
        for (Pcpu p : pcpus) {
            p.start();
        }
    }

    void log(String line) {
        host.log(line);
    }

    void countTwoPcpus() {
        twoPcpus.incrementAndGet();
    }

    /** Decisions a scheduler took that would have put a vcpu on two pCPUs (refused; tests assert 0). */
    public long twoPcpuViolations() {
        return twoPcpus.get();
    }

    public int nrPcpus() {
        return pcpus.length;
    }

    public void shutdown() {
        for (Pcpu p : pcpus) {
            try {
                p.stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ------------------------------------------------------------------ registry

    /**
     * A factory service appeared. Runs {@link Conformance#require} (outside the lock), then
     * switches every pool that now prefers it.
     *
     * @return false if it was refused
     */
    public boolean addFactory(SchedulerFactory f, boolean isDefault, int ranking) {
        return offerFactory(f, isDefault, ranking) == null;
    }

    /**
     * {@link #addFactory}, saying why a factory was refused.
     *
     * @return null if the factory was taken, else why it was refused (also logged)
     */
    public String offerFactory(SchedulerFactory f, boolean isDefault, int ranking) {
        String refused = null;
        try {
            Conformance.require(f);
        } catch (Conformance.ConformanceException e) {
            refused = "it fails conformance: " + e.getMessage();
        } catch (RuntimeException e) {
            refused = "conformance check failed: " + e;
        }
        if (refused != null) {
            log("sched: refusing scheduler '" + f.name() + "': " + refused);
            return refused;
        }
        config.lock();
        try {
            factories.add(new Entry(f, isDefault, ranking, seq++));
            log("sched: scheduler '" + f.name() + "' (" + f.description() + ") available"
                    + (defaultFactory() == f ? ", the default" : ""));
            rebalance();
        } finally {
            config.unlock();
        }
        return null;
    }

    /** A factory service leaves: its pools move to the default before this returns. */
    public void removeFactory(SchedulerFactory f) {
        config.lock();
        try {
            if (!factories.removeIf(e -> e.factory == f)) return;
            log("sched: scheduler '" + f.name() + "' going away");
            rebalance();
            if (factories.isEmpty()) {
                log("sched: no scheduler bundle left: pools run the built-in fallback");
            }
        } finally {
            config.unlock();
        }
    }

    /** Every pool to the factory it should use now. */
    private void rebalance() {
        for (Pool p : pools.values()) {
            SchedulerFactory want = factoryFor(p);
            Scheduler<?, ?> s = p.sched;
            if (s != null && s.factory() != want) {
                String from = s.name();
                long t0 = System.nanoTime();
                try {
                    reinstance(p, want, p.cpus);
                } catch (RuntimeException e) {
                    // the domains are back where they were; an unbind must not fail: try the fallback
                    log("BUG: sched: pool " + p.name + ": moving to " + want.name() + " failed: " + e
                            + "; trying the built-in fallback");
                    if (want != fallback) reinstance(p, fallback, p.cpus);
                    continue;
                }
                log(String.format("sched: pool %s: %s -> %s, %d domains moved in %.3f ms", p.name, from,
                        want.name(), p.domains.size(), (System.nanoTime() - t0) / 1e6));
            }
        }
    }

    private SchedulerFactory defaultFactory() {
        Entry best = null;
        for (Entry e : factories) {
            if (best == null || better(e, best)) best = e;
        }
        return best == null ? fallback : best.factory;
    }

    private static boolean better(Entry a, Entry b) {
        if (a.isDefault != b.isDefault) return a.isDefault;
        if (a.ranking != b.ranking) return a.ranking > b.ranking;
        return a.seq < b.seq;
    }

    private SchedulerFactory byName(String name) {
        for (Entry e : factories) {
            if (e.factory.name().equals(name)) return e.factory;
        }
        return null;
    }

    private SchedulerFactory factoryFor(Pool p) {
        if (p.wanted != null) {
            SchedulerFactory f = byName(p.wanted);
            if (f != null) return f;
        }
        return defaultFactory();
    }

    /**
     * Gives {@code p} a new instance of {@code f} over {@code cpus} (null instance if empty):
     * every domain moves into it (DomainMove), then the pCPUs switch. On a failed move the
     * domains already moved go back and the pool is unchanged.
     */
    private void reinstance(Pool p, SchedulerFactory f, CpuMask cpus) {
        long t0 = System.nanoTime();
        maxPause = 0;
        pauseSum = 0;
        Scheduler<?, ?> from = p.sched;
        View nv = new View(p, cpus);
        Scheduler<?, ?> to = null;
        if (!cpus.isEmpty()) {
            ParamValues pp = from != null && from.factory() == f ? from.poolParams() : f.poolSchema().defaults();
            to = f.create(nv, pp);
        } else if (!p.domains.isEmpty()) {
            throw new IllegalArgumentException("pool " + p.name + " has domains: it needs a pCPU");
        }
        // Pause the pool's domains together (each stops at once; one wait for the few that run),
        // move each with DomainMove (its own pause nests inside), switch the pCPUs, unpause: a
        // domain's pause is the whole switch, but that is short, and none runs in a half-moved pool.
        List<DomainImpl> held = new ArrayList<>();
        if (from != null && to != null) {
            for (DomainImpl d : p.domains) {
                d.pause();
                held.add(d);
                sleepAll(d);
            }
            for (DomainImpl d : held) {
                stopVcpus(d);
            }
            List<DomainImpl> moved = new ArrayList<>();
            try {
                for (DomainImpl d : held) {
                    move(d, from, to);
                    moved.add(d);
                }
            } catch (RuntimeException e) {
                for (DomainImpl d : moved) {
                    move(d, to, from);
                }
                for (DomainImpl d : held) {
                    if (d.unpause()) wakeAll(d);
                }
                throw e;
            }
        }
        View old = p.view;
        p.sched = to;
        p.view = nv;
        CpuMask oldCpus = p.cpus;
        p.cpus = cpus;
        for (int c = oldCpus.first(); c >= 0; c = oldCpus.next(c)) {
            if (!cpus.contains(c) && pcpus[c].pool == p) pcpus[c].pool = null;
            pcpus[c].tickle();
        }
        for (int c = cpus.first(); c >= 0; c = cpus.next(c)) {
            pcpus[c].pool = p;
            pcpus[c].tickle();
        }
        if (old != null) old.dead = true;
        for (DomainImpl d : held) {
            if (d.unpause()) wakeAll(d);
        }
        lastSwapNanos = System.nanoTime() - t0;
        lastSwapMaxPauseNanos = maxPause;
        lastSwapPauseSumNanos = pauseSum;
        lastSwapDomains = p.domains.size();
    }

    /**
     * The last pool switch (hot-swap, pCPU change): {wall ns of the whole switch, the longest
     * DomainMove pause of one domain, the sum of those pauses, domains moved}. The whole switch
     * bounds the pause a domain can see: one moved early is scheduled only once the pCPUs switch.
     */
    public long[] lastSwap() {
        return new long[] {lastSwapNanos, lastSwapMaxPauseNanos, lastSwapPauseSumNanos, lastSwapDomains};
    }

    private void move(DomainImpl d, Scheduler<?, ?> from, Scheduler<?, ?> to) {
        moveTarget = to;
        try {
            DomainMove.move(d, from, to, this);
        } finally {
            moveTarget = null;
        }
    }

    // ------------------------------------------------------------------ DomainMove.Core

    @Override
    public List<? extends SchedVcpu> vcpus(SchedDomain d) {
        DomainImpl dom = (DomainImpl) d;
        List<VcpuImpl> l = new ArrayList<>(dom.vcpuCount());
        for (int i = 0; i < dom.vcpuCount(); i++) {
            l.add(dom.vcpu(i));
        }
        return l;
    }

    @Override
    public VcpuData vcpuData(SchedVcpu v) {
        return ((VcpuImpl) v).schedData();
    }

    @Override
    public void attach(SchedVcpu v, VcpuData data) {
        ((VcpuImpl) v).attach(moveTarget, data);
    }

    @Override
    public DomainData domainData(SchedDomain d) {
        return ((DomainImpl) d).schedData;
    }

    @Override
    public void attach(SchedDomain d, DomainData data) {
        ((DomainImpl) d).schedData = data;
    }

    @Override
    public void pause(SchedDomain d) {
        DomainImpl dom = (DomainImpl) d;
        pausedAt = System.nanoTime();
        dom.pause();
        stopped(dom);
    }

    @Override
    public void unpause(SchedDomain d) {
        DomainImpl dom = (DomainImpl) d;
        if (dom.unpause()) wakeAll(dom);
        long p = System.nanoTime() - pausedAt;
        pauseSum += p;
        if (p > maxPause) maxPause = p;
    }

    // ------------------------------------------------------------------ domains

    /** A new domain (paused by the builder) joins Pool-0. */
    public void insertDomain(DomainImpl d) {
        config.lock();
        try {
            Pool p = pools.get(0);
            Scheduler<?, ?> s = p.sched;
            DomainData dd = s.allocDomain(d);
            List<VcpuData> data = new ArrayList<>();
            for (int i = 0; i < d.vcpuCount(); i++) {
                data.add(s.allocVcpu(d.vcpu(i), dd));
            }
            d.schedData = dd;
            for (int i = 0; i < d.vcpuCount(); i++) {
                VcpuImpl v = d.vcpu(i);
                VcpuData vd = data.get(i);
                v.attach(s, vd);
                v.setProcessor(s.pickCpu(vd));
                s.insert(vd);
            }
            d.poolId = p.id;
            p.domains.add(d);
        } finally {
            config.unlock();
        }
    }

    /** A stopped domain (no vcpu runs: {@link #stopVcpus} returned) leaves its scheduler. */
    public void removeDomain(DomainImpl d) {
        config.lock();
        try {
            Pool p = pools.get(d.poolId);
            if (p == null || !p.domains.remove(d)) return;
            Scheduler<?, ?> s = p.sched;
            for (int i = 0; i < d.vcpuCount(); i++) {
                VcpuImpl v = d.vcpu(i);
                s.remove(v.schedData());
                s.freeVcpu(v.schedData());
                v.attach(null, null);
            }
            s.freeDomain(d.schedData);
            d.schedData = null;
        } finally {
            config.unlock();
        }
    }

    /** Toolstack pause: the domain's pause count is raised, its vcpus sleep and leave their pCPUs. */
    public void pauseDomain(DomainImpl d) {
        config.lock();
        try {
            pause(d);
        } finally {
            config.unlock();
        }
    }

    /** Toolstack unpause. */
    public void unpauseDomain(DomainImpl d) {
        config.lock();
        try {
            unpause(d);
        } finally {
            config.unlock();
        }
    }

    /**
     * The domain stopped being schedulable (paused, shut down, crashed, dying): its vcpus sleep,
     * running ones are stopped, and this returns once none runs.
     */
    public void stopped(DomainImpl d) {
        sleepAll(d);
        stopVcpus(d);
    }

    /** The domain may have become schedulable. */
    public void wakeAll(DomainImpl d) {
        for (int i = 0; i < d.vcpuCount(); i++) {
            wake(d.vcpu(i));
        }
    }

    public void sleepAll(DomainImpl d) {
        for (int i = 0; i < d.vcpuCount(); i++) {
            sleep(d.vcpu(i));
        }
    }

    /** The vcpu's state changed to not runnable (call after changing it). */
    public void sleep(VcpuImpl v) {
        v.schedSleep();
    }

    /** The vcpu may be runnable now. */
    public void wake(VcpuImpl v) {
        if (v.isRunnable()) v.schedWake();
    }

    /** Stops the running vcpus of {@code d} (they must not be runnable) and waits until none runs. */
    public void stopVcpus(DomainImpl d) {
        // a decision taken before the vcpus stopped being runnable may not have marked its choice
        // running yet: wait for decisions in flight, then stop whatever runs
        for (Pcpu p : pcpus) {
            p.awaitDecision();
        }
        for (int i = 0; i < d.vcpuCount(); i++) {
            VcpuImpl v = d.vcpu(i);
            if (v.running()) {
                v.cpu().requestStop();
                int p = v.lastPcpu();
                if (p >= 0 && p < pcpus.length) pcpus[p].tickle();
            }
        }
        long end = System.nanoTime() + 10_000_000_000L;
        synchronized (notRunning) {
            for (int i = 0; i < d.vcpuCount(); i++) {
                VcpuImpl v = d.vcpu(i);
                while (v.running()) {
                    long left = end - System.nanoTime();
                    if (left <= 0) throw new IllegalStateException(v + " did not leave its pCPU within 10 s");
                    try {
                        notRunning.wait(Math.max(1, Math.min(left / 1_000_000, 5)));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted while stopping " + d);
                    }
                }
            }
        }
    }

    /** A pCPU switched a vcpu out. */
    void notRunning() {
        synchronized (notRunning) {
            notRunning.notifyAll();
        }
    }

    // ------------------------------------------------------------------ pools (toolstack)

    public List<CpuPoolInfo> pools() {
        config.lock();
        try {
            List<CpuPoolInfo> l = new ArrayList<>();
            for (Pool p : pools.values()) {
                l.add(info(p));
            }
            return l;
        } finally {
            config.unlock();
        }
    }

    private CpuPoolInfo info(Pool p) {
        List<Integer> cpus = new ArrayList<>();
        for (int c = p.cpus.first(); c >= 0; c = p.cpus.next(c)) {
            cpus.add(c);
        }
        List<Integer> doms = new ArrayList<>();
        for (DomainImpl d : p.domains) {
            doms.add(d.id());
        }
        doms.sort(null);
        return new CpuPoolInfo(p.id, p.name, p.schedName(), cpus, doms);
    }

    private Pool pool(String name) {
        for (Pool p : pools.values()) {
            if (p.name.equals(name)) return p;
        }
        try {
            Pool p = pools.get(Integer.parseInt(name));
            if (p != null) return p;
        } catch (NumberFormatException e) {
            // not an id
        }
        throw new IllegalArgumentException("no cpupool named '" + name + "'");
    }

    private Pool poolOfCpu(int cpu) {
        for (Pool p : pools.values()) {
            if (p.cpus.contains(cpu)) return p;
        }
        return null;
    }

    private void checkCpu(int cpu) {
        if (cpu < 0 || cpu >= pcpus.length) {
            throw new IllegalArgumentException("no pCPU " + cpu + " (this host has 0.." + (pcpus.length - 1) + ")");
        }
    }

    public CpuPoolInfo createPool(String name, String scheduler, List<Integer> cpus) {
        if (name == null || name.isBlank() || !name.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("invalid pool name '" + name + "' (letters, digits, _ . -)");
        }
        config.lock();
        try {
            for (Pool p : pools.values()) {
                if (p.name.equals(name)) throw new IllegalArgumentException("a cpupool named '" + name + "' exists already");
            }
            SchedulerFactory f;
            if (scheduler == null || scheduler.isBlank()) {
                f = defaultFactory();
                scheduler = null;
            } else {
                f = byName(scheduler);
                if (f == null) {
                    throw new IllegalArgumentException("unknown scheduler '" + scheduler + "' (available: "
                            + String.join(", ", factories.stream().map(e -> e.factory.name()).toList()) + ")");
                }
            }
            CpuMask mask = CpuMask.empty();
            int[] arr = new int[cpus.size()];
            for (int i = 0; i < arr.length; i++) {
                int c = cpus.get(i);
                checkCpu(c);
                Pool owner = poolOfCpu(c);
                if (owner != null) {
                    throw new IllegalArgumentException("pCPU " + c + " is in cpupool " + owner.name
                            + " (xl cpupool-cpu-remove it first)");
                }
                arr[i] = c;
            }
            if (arr.length > 0) mask = CpuMask.of(arr);
            Pool p = new Pool(nextPoolId++, name, scheduler, CpuMask.empty());
            pools.put(p.id, p);
            try {
                reinstance(p, f, mask);
            } catch (RuntimeException e) {
                pools.remove(p.id);
                throw e;
            }
            log("sched: cpupool " + name + " created: " + f.name() + " on pCPUs " + mask);
            return info(p);
        } finally {
            config.unlock();
        }
    }

    public void destroyPool(String name) {
        config.lock();
        try {
            Pool p = pool(name);
            if (p.id == 0) throw new IllegalArgumentException("Pool-0 cannot be destroyed");
            if (!p.domains.isEmpty()) {
                throw new IllegalArgumentException("cpupool " + p.name + " has " + p.domains.size()
                        + " domain(s): migrate or destroy them first");
            }
            reinstance(p, factoryFor(p), CpuMask.empty());
            pools.remove(p.id);
            log("sched: cpupool " + p.name + " destroyed");
        } finally {
            config.unlock();
        }
    }

    public void addPoolCpu(String name, int cpu) {
        config.lock();
        try {
            Pool p = pool(name);
            checkCpu(cpu);
            Pool owner = poolOfCpu(cpu);
            if (owner == p) throw new IllegalArgumentException("pCPU " + cpu + " is in cpupool " + p.name + " already");
            if (owner != null) {
                throw new IllegalArgumentException("pCPU " + cpu + " is in cpupool " + owner.name
                        + " (xl cpupool-cpu-remove it first)");
            }
            reinstance(p, p.sched != null ? p.sched.factory() : factoryFor(p), with(p.cpus, cpu, true));
            log("sched: cpupool " + p.name + ": pCPU " + cpu + " added");
        } finally {
            config.unlock();
        }
    }

    public void removePoolCpu(String name, int cpu) {
        config.lock();
        try {
            Pool p = pool(name);
            checkCpu(cpu);
            if (!p.cpus.contains(cpu)) throw new IllegalArgumentException("pCPU " + cpu + " is not in cpupool " + p.name);
            CpuMask rest = with(p.cpus, cpu, false);
            if (rest.isEmpty() && (p.id == 0 || !p.domains.isEmpty())) {
                throw new IllegalArgumentException("pCPU " + cpu + " is the last of cpupool " + p.name
                        + (p.id == 0 ? "" : ", which has domains"));
            }
            reinstance(p, p.sched.factory(), rest);
            log("sched: cpupool " + p.name + ": pCPU " + cpu + " removed (free)");
        } finally {
            config.unlock();
        }
    }

    private static CpuMask with(CpuMask m, int cpu, boolean add) {
        List<Integer> l = new ArrayList<>();
        for (int c = m.first(); c >= 0; c = m.next(c)) {
            if (c != cpu) l.add(c);
        }
        if (add) l.add(cpu);
        if (l.isEmpty()) return CpuMask.empty();
        return CpuMask.of(l.stream().mapToInt(Integer::intValue).sorted().toArray());
    }

    public void migrate(DomainImpl d, String poolName) {
        config.lock();
        try {
            Pool to = pool(poolName);
            Pool from = pools.get(d.poolId);
            if (d.isDying()) throw new IllegalArgumentException(d + " is dying");
            if (from == to) return;
            if (to.sched == null) throw new IllegalArgumentException("cpupool " + to.name + " has no pCPU");
            long t0 = System.nanoTime();
            move(d, from.sched, to.sched);
            from.domains.remove(d);
            to.domains.add(d);
            d.poolId = to.id;
            log(String.format("sched: d%d migrated %s (%s) -> %s (%s) in %.3f ms", d.id(), from.name,
                    from.sched.name(), to.name, to.sched.name(), (System.nanoTime() - t0) / 1e6));
        } finally {
            config.unlock();
        }
    }

    // ------------------------------------------------------------------ parameters

    public List<SchedulerInfo> schedulers() {
        config.lock();
        try {
            List<SchedulerInfo> l = new ArrayList<>();
            SchedulerFactory dflt = defaultFactory();
            List<SchedulerFactory> fs = new ArrayList<>();
            fs.add(dflt);
            for (Entry e : factories) {
                if (e.factory != dflt) fs.add(e.factory);
            }
            for (SchedulerFactory f : fs) {
                l.add(new SchedulerInfo(f.name(), f.description(), f == dflt, info(f.domainSchema()),
                        info(f.poolSchema())));
            }
            return l;
        } finally {
            config.unlock();
        }
    }

    private static List<SchedulerInfo.Param> info(org.oxen.sched.api.ParamSchema schema) {
        List<SchedulerInfo.Param> ps = new ArrayList<>();
        for (ParamSpec s : schema.specs()) {
            ps.add(new SchedulerInfo.Param(s.name(), s.unit().suffix(), s.rangeText(), s.format(s.defaultValue()),
                    s.description(), s.option() == ParamSpec.NO_OPTION ? "" : String.valueOf(s.option()), s.column()));
        }
        return ps;
    }

    public Map<String, String> params(DomainImpl d) {
        config.lock();
        try {
            Scheduler<?, ?> s = pools.get(d.poolId).sched;
            ParamValues v = s.domainParams(d.schedData);
            Map<String, String> m = new LinkedHashMap<>();
            for (ParamSpec spec : v.schema().specs()) {
                m.put(spec.name(), spec.format(v.get(spec.name())));
            }
            return m;
        } finally {
            config.unlock();
        }
    }

    public void setParams(DomainImpl d, Map<String, String> values) {
        config.lock();
        try {
            Scheduler<?, ?> s = pools.get(d.poolId).sched;
            ParamValues p = s.domainParams(d.schedData).parse(s.name(), values);
            s.setDomainParams(d.schedData, p);
            log("sched: d" + d.id() + " " + s.name() + " parameters " + p);
        } finally {
            config.unlock();
        }
    }

    public Map<String, String> poolParams(String name) {
        config.lock();
        try {
            Pool p = pool(name);
            if (p.sched == null) throw new IllegalArgumentException("cpupool " + p.name + " has no pCPU (no scheduler instance)");
            ParamValues v = p.sched.poolParams();
            Map<String, String> m = new LinkedHashMap<>();
            for (ParamSpec spec : v.schema().specs()) {
                m.put(spec.name(), spec.format(v.get(spec.name())));
            }
            return m;
        } finally {
            config.unlock();
        }
    }

    public void setPoolParams(String name, Map<String, String> values) {
        config.lock();
        try {
            Pool p = pool(name);
            if (p.sched == null) throw new IllegalArgumentException("cpupool " + p.name + " has no pCPU (no scheduler instance)");
            Scheduler<?, ?> s = p.sched;
            ParamValues v = s.poolParams().parse(s.name(), values);
            s.setPoolParams(v);
            log("sched: cpupool " + p.name + " " + s.name() + " parameters " + v);
        } finally {
            config.unlock();
        }
    }

    /** The scheduler instance's dump ({@code xl debug-keys r}), per pool. */
    public String dump() {
        config.lock();
        try {
            StringBuilder sb = new StringBuilder();
            for (Pool p : pools.values()) {
                if (p.sched != null) sb.append(p.sched.dump());
            }
            return sb.toString();
        } finally {
            config.unlock();
        }
    }
}
