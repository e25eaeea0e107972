package org.oxen.vmm.core.sched;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;

import org.oxen.sched.api.CpuMask;
import org.oxen.sched.api.CpuPool;
import org.oxen.sched.api.DomainMove;
import org.oxen.sched.api.ParamSpec;
import org.oxen.sched.api.ParamValues;
import org.oxen.sched.api.SchedTimer;
import org.oxen.sched.api.Scheduler;
import org.oxen.sched.api.SchedulerFactory;
import org.oxen.vmm.api.CpuPoolInfo;
import org.oxen.vmm.api.SchedulerInfo;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;

/**
 * CPU pools and the scheduler registry (Xen's cpupool.c): which pCPUs and domains each pool
 * has, which {@link Scheduler} instance serves it, and the toolstack's operations on them.
 *
 * <ul>
 * <li><b>Registry</b> ({@link SchedRegistry}): {@link SchedulerFactory} services come and go
 *     ({@link #addFactory}, {@link #removeFactory}); the default is the one with
 *     {@code oxen.sched.default=true}, then the highest ranking; with none present, the built-in
 *     {@link Fallback} keeps vcpus runnable (and the log says so).</li>
 * <li><b>Pools</b>: Pool-0 holds every pCPU at start with the default scheduler. A pool has one
 *     instance over a fixed pCPU set; changing the set or the algorithm makes a new instance and
 *     moves every domain into it with {@link DomainMove} (Xen's sched_move_domain, in
 *     {@link SchedCore}), then switches the pCPUs over. A pool created with an explicit
 *     scheduler goes back to it when its bundle returns.</li>
 * <li><b>Hot-swap</b>: when a factory leaves, every pool using it moves to the default before
 *     {@link #removeFactory} returns.</li>
 * </ul>
 *
 * <p>Locking: {@link #config} (a fair lock, Xen's cpupool_lock) serialises registry, pool and
 * domain membership changes and the toolstack's pause/unpause. Its place in the lock order is
 * stated once, in the {@link org.oxen.vmm.core} package documentation. pCPU threads never take
 * it: their state changes (block, yield, shutdown of a running vcpu) cannot race a move, which
 * waits until the vcpu is off its pCPU before touching its data.
 */
public final class CpuPools {

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
            return core.clock().nanos();
        }

        @Override
        public void tickle(int cpu) {
            if (!dead && cpus.contains(cpu)) core.pcpu(cpu).tickle();
        }

        @Override
        public SchedTimer newTimer(int cpu, Runnable callback) {
            if (!cpus.contains(cpu)) throw new IllegalArgumentException("pCPU " + cpu + " is not in " + cpus);
            return core.pcpu(cpu).newTimer(this, callback);
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

    private final SchedCore core;
    private final ReentrantLock config = new ReentrantLock(true);
    private final Map<Integer, Pool> pools = new TreeMap<>();
    private final SchedRegistry registry = new SchedRegistry();
    private int nextPoolId;
    /** Hot-swap figures (benchmarks): the last pool switch, and the domains' pauses during it. */
    private volatile long lastSwapNanos, lastSwapMaxPauseNanos, lastSwapPauseSumNanos;
    private volatile int lastSwapDomains;

    CpuPools(SchedCore core) {
        this.core = core;
        config.lock();
        try {
            Pool p0 = new Pool(nextPoolId++, "Pool-0", null, CpuMask.range(core.nrPcpus()));
            pools.put(p0.id, p0);
            reinstance(p0, registry.fallback(), p0.cpus);
            core.log("sched: no scheduler bundle yet: Pool-0 runs the built-in fallback");
        } finally {
            config.unlock();
        }
    }

    // ------------------------------------------------------------------ registry

    /**
     * A factory service appeared. Runs the conformance check (outside the lock), then switches
     * every pool that now prefers it.
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
        String refusal = SchedRegistry.check(f);
        if (refusal != null) {
            core.log("sched: refusing scheduler '" + f.name() + "': " + refusal);
            return refusal;
        }
        config.lock();
        try {
            registry.add(f, isDefault, ranking);
            core.log("sched: scheduler '" + f.name() + "' (" + f.description() + ") available"
                    + (registry.defaultFactory() == f ? ", the default" : ""));
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
            if (!registry.remove(f)) return;
            core.log("sched: scheduler '" + f.name() + "' going away");
            rebalance();
            if (registry.isEmpty()) {
                core.log("sched: no scheduler bundle left: pools run the built-in fallback");
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
                    core.log("BUG: sched: pool " + p.name + ": moving to " + want.name() + " failed: " + e
                            + "; trying the built-in fallback");
                    if (want != registry.fallback()) reinstance(p, registry.fallback(), p.cpus);
                    continue;
                }
                core.log(String.format("sched: pool %s: %s -> %s, %d domains moved in %.3f ms", p.name, from,
                        want.name(), p.domains.size(), (System.nanoTime() - t0) / 1e6));
            }
        }
    }

    private SchedulerFactory factoryFor(Pool p) {
        if (p.wanted != null) {
            SchedulerFactory f = registry.byName(p.wanted);
            if (f != null) return f;
        }
        return registry.defaultFactory();
    }

    /**
     * Gives {@code p} a new instance of {@code f} over {@code cpus} (null instance if empty):
     * every domain moves into it (DomainMove), then the pCPUs switch. On a failed move the
     * domains already moved go back and the pool is unchanged.
     */
    private void reinstance(Pool p, SchedulerFactory f, CpuMask cpus) {
        long t0 = System.nanoTime();
        core.resetMovePauses();
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
                core.sleepAll(d);
            }
            for (DomainImpl d : held) {
                core.stopVcpus(d);
            }
            List<DomainImpl> moved = new ArrayList<>();
            try {
                for (DomainImpl d : held) {
                    core.move(d, from, to);
                    moved.add(d);
                }
            } catch (RuntimeException e) {
                for (DomainImpl d : moved) {
                    core.move(d, to, from);
                }
                for (DomainImpl d : held) {
                    if (d.unpause()) core.wakeAll(d);
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
            Pcpu pc = core.pcpu(c);
            if (!cpus.contains(c) && pc.pool == p) pc.pool = null;
            pc.tickle();
        }
        for (int c = cpus.first(); c >= 0; c = cpus.next(c)) {
            core.pcpu(c).pool = p;
            core.pcpu(c).tickle();
        }
        if (old != null) old.dead = true;
        for (DomainImpl d : held) {
            if (d.unpause()) core.wakeAll(d);
        }
        long[] pauses = core.movePauses();
        lastSwapNanos = System.nanoTime() - t0;
        lastSwapMaxPauseNanos = pauses[0];
        lastSwapPauseSumNanos = pauses[1];
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

    // ------------------------------------------------------------------ domains

    /** A new domain (paused by the builder) joins Pool-0. */
    public void insertDomain(DomainImpl d) {
        config.lock();
        try {
            Pool p = pools.get(0);
            core.initDomain(d, p.sched);
            d.poolId = p.id;
            p.domains.add(d);
        } finally {
            config.unlock();
        }
    }

    /** A stopped domain (no vcpu runs: {@link SchedCore#stopVcpus} returned) leaves its pool. */
    public void removeDomain(DomainImpl d) {
        config.lock();
        try {
            Pool p = pools.get(d.poolId);
            if (p == null || !p.domains.remove(d)) return;
            core.destroyDomain(d, p.sched);
        } finally {
            config.unlock();
        }
    }

    /** Toolstack pause: the domain's pause count is raised, its vcpus sleep and leave their pCPUs. */
    public void pauseDomain(DomainImpl d) {
        config.lock();
        try {
            d.pause();
            core.stopped(d);
        } finally {
            config.unlock();
        }
    }

    /** Waits until no vcpu of {@code d} (paused or stopped already) is on a pCPU (a debugger's stop). */
    public void awaitStopped(DomainImpl d) {
        config.lock();
        try {
            core.stopped(d);
        } finally {
            config.unlock();
        }
    }

    /** Toolstack unpause. */
    public void unpauseDomain(DomainImpl d) {
        config.lock();
        try {
            if (d.unpause()) core.wakeAll(d);
        } finally {
            config.unlock();
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
        if (cpu < 0 || cpu >= core.nrPcpus()) {
            throw new IllegalArgumentException("no pCPU " + cpu + " (this host has 0.." + (core.nrPcpus() - 1) + ")");
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
                f = registry.defaultFactory();
                scheduler = null;
            } else {
                f = registry.byName(scheduler);
                if (f == null) {
                    throw new IllegalArgumentException("unknown scheduler '" + scheduler + "' (available: "
                            + registry.names() + ")");
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
            core.log("sched: cpupool " + name + " created: " + f.name() + " on pCPUs " + mask);
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
            core.log("sched: cpupool " + p.name + " destroyed");
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
            core.log("sched: cpupool " + p.name + ": pCPU " + cpu + " added");
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
            core.log("sched: cpupool " + p.name + ": pCPU " + cpu + " removed (free)");
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
            core.move(d, from.sched, to.sched);
            from.domains.remove(d);
            to.domains.add(d);
            d.poolId = to.id;
            core.log(String.format("sched: d%d migrated %s (%s) -> %s (%s) in %.3f ms", d.id(), from.name,
                    from.sched.name(), to.name, to.sched.name(), (System.nanoTime() - t0) / 1e6));
        } finally {
            config.unlock();
        }
    }

    // ------------------------------------------------------------------ hard affinity

    /**
     * Xen's vcpu_set_hard_affinity: with the domain paused (no vcpu of it runs or is queued) the
     * vcpu's affinity changes and its instance picks it a pCPU in the new mask (vcpu_migrate).
     */
    public void setAffinity(DomainImpl d, int vcpu, CpuMask mask) {
        config.lock();
        try {
            if (vcpu < 0 || vcpu >= d.vcpuCount()) {
                throw new IllegalArgumentException(d + " has no vcpu " + vcpu + " (vcpus 0.." + (d.vcpuCount() - 1) + ")");
            }
            Pool p = pools.get(d.poolId);
            CpuMask poolCpus = p == null ? CpuMask.empty() : p.cpus;
            if (!mask.intersects(poolCpus)) {
                throw new IllegalArgumentException("affinity " + mask + " of " + d + " vcpu " + vcpu
                        + " holds no pCPU of its cpupool " + (p == null ? "?" : p.name) + " " + poolCpus);
            }
            if (d.isDying()) throw new IllegalArgumentException(d + " is dying");
            VcpuImpl v = d.vcpu(vcpu);
            d.pause();
            core.stopped(d);
            try {
                v.setAffinity(mask);
                if (v.scheduler() != null) v.setProcessor(v.scheduler().pickCpu(v.schedData()));
            } finally {
                if (d.unpause()) core.wakeAll(d);
            }
        } finally {
            config.unlock();
        }
    }

    // ------------------------------------------------------------------ parameters

    public List<SchedulerInfo> schedulers() {
        config.lock();
        try {
            return registry.infos();
        } finally {
            config.unlock();
        }
    }

    public Map<String, String> params(DomainImpl d) {
        config.lock();
        try {
            Scheduler<?, ?> s = pools.get(d.poolId).sched;
            return format(s.domainParams(d.schedData));
        } finally {
            config.unlock();
        }
    }

    private static Map<String, String> format(ParamValues v) {
        Map<String, String> m = new LinkedHashMap<>();
        for (ParamSpec spec : v.schema().specs()) {
            m.put(spec.name(), spec.format(v.get(spec.name())));
        }
        return m;
    }

    public void setParams(DomainImpl d, Map<String, String> values) {
        config.lock();
        try {
            Scheduler<?, ?> s = pools.get(d.poolId).sched;
            ParamValues p = s.domainParams(d.schedData).parse(s.name(), values);
            s.setDomainParams(d.schedData, p);
            core.log("sched: d" + d.id() + " " + s.name() + " parameters " + p);
        } finally {
            config.unlock();
        }
    }

    private Scheduler<?, ?> instanceOf(Pool p) {
        if (p.sched == null) throw new IllegalArgumentException("cpupool " + p.name + " has no pCPU (no scheduler instance)");
        return p.sched;
    }

    public Map<String, String> poolParams(String name) {
        config.lock();
        try {
            return format(instanceOf(pool(name)).poolParams());
        } finally {
            config.unlock();
        }
    }

    public void setPoolParams(String name, Map<String, String> values) {
        config.lock();
        try {
            Pool p = pool(name);
            Scheduler<?, ?> s = instanceOf(p);
            ParamValues v = s.poolParams().parse(s.name(), values);
            s.setPoolParams(v);
            core.log("sched: cpupool " + p.name + " " + s.name() + " parameters " + v);
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
