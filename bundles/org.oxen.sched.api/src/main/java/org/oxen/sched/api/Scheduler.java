package org.oxen.sched.api;

import java.util.concurrent.locks.ReentrantLock;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * One scheduler instance: it schedules the vcpus of one CPU pool (Xen's {@code struct
 * scheduler}, with the hooks of {@code struct sched_ops}).
 *
 * <h2>Two faces</h2>
 * <ul>
 * <li>The <b>entry points</b> ({@code public final}) are what the core calls. They are the
 *     null-safe wrappers of Xen's {@code private.h}: they take the instance lock, check that
 *     private data handed in was made by this instance (a vcpu's data never crosses pools, even
 *     during a hot-swap), and check the results of the hooks.</li>
 * <li>The <b>hooks</b> ({@code protected}) are what an algorithm implements. Mandatory ones are
 *     abstract: the typed private data ({@link #allocDomainData}, {@link #allocVcpuData}),
 *     {@link #insertVcpu}/{@link #removeVcpu}, {@link #doSchedule} and {@link #doPickCpu}.
 *     Optional ones have defaults: {@link #sleepVcpu}, {@link #wakeVcpu}, {@link #yieldVcpu},
 *     {@link #adjustDomain}/{@link #getDomainParams}, {@link #adjustPool}, {@link #dumpState}
 *     and the {@code free*} hooks.</li>
 * </ul>
 *
 * <h2>The core's side of the contract</h2>
 * <ul>
 * <li>Each pCPU of the pool runs a loop: {@code schedule(cpu, now, decision)}, context-switch to
 *     {@code decision.next()} (or idle), run it until the budget ends, the pCPU is tickled, or
 *     the vcpu blocks, yields or is paused; then loop. It runs exactly what the decision said:
 *     this instance remembers it as the pCPU's current vcpu ({@link #current(int)}). The
 *     switched-out vcpu reads as {@link SchedVcpu#isRunning() running} until its state is saved
 *     (Xen's {@code context_saved}); a scheduler never moves or chooses elsewhere a running vcpu
 *     ({@code Simulator.setSwitchOutDelay} tests exactly this).</li>
 * <li>Adding a vcpu: {@code allocVcpu}, {@code v.setProcessor(pickCpu(data))}, {@code insert};
 *     if it is runnable the scheduler queues it. Removing: pause the domain (none of its vcpus
 *     runs), {@code remove}, {@code freeVcpu}.</li>
 * <li>When a vcpu stops being runnable (block, pause) the core calls {@code sleep}; when it
 *     becomes runnable, {@code wake}; on a yield hypercall, {@code yield} and then a reschedule
 *     of that pCPU. A running vcpu that blocks or yields is rescheduled by the core itself; the
 *     hooks need only tickle for vcpus running elsewhere.</li>
 * </ul>
 *
 * <h2>Locking</h2>
 * One {@link ReentrantLock} per instance serialises every entry point and every timer callback
 * made by {@link #newTimer}; hooks run under it and need no locking of their own. (Xen's credit
 * has a private lock plus per-runqueue locks; the single lock is the simple correct first step:
 * uncontended it costs ~20 ns of a decision.) Lock order: the core's own locks may be held when
 * calling an entry point only if the core never takes them inside {@link CpuPool} or
 * {@link SchedVcpu} calls made by a hook. {@link SchedVcpu#pause()} may re-enter this instance
 * ({@code sleep}), which the reentrant lock allows.
 *
 * @param <V> the per-vcpu private data
 * @param <D> the per-domain private data
 */
@ConsumerType
public abstract class Scheduler<V extends VcpuData, D extends DomainData> {

    /** The pool this instance serves. */
    protected final CpuPool pool;

    private final SchedulerFactory factory;
    private final String name;
    private final Class<V> vcpuType;
    private final Class<D> domainType;
    private final ReentrantLock lock = new ReentrantLock();
    private final VcpuData[] current;
    private ParamValues poolParams;

    /**
     * @param factory    the factory creating this instance (for its name and schemas)
     * @param pool       the pool to serve
     * @param poolParams values of {@code factory.poolSchema()}
     * @param vcpuType   the class of the per-vcpu data, for checked casts
     * @param domainType the class of the per-domain data
     */
    protected Scheduler(SchedulerFactory factory, CpuPool pool, ParamValues poolParams, Class<V> vcpuType,
            Class<D> domainType) {
        this.factory = factory;
        this.name = factory.name();
        this.pool = pool;
        this.vcpuType = vcpuType;
        this.domainType = domainType;
        if (poolParams.schema() != factory.poolSchema()) {
            throw new IllegalArgumentException(name + ": pool parameters of another schema");
        }
        this.poolParams = poolParams;
        if (pool.cpus().isEmpty()) {
            throw new IllegalArgumentException(name + ": pool " + pool.id() + " has no pCPU");
        }
        this.current = new VcpuData[pool.cpus().last() + 1];
    }

    // ------------------------------------------------------------------ entry points (the core)

    public final SchedulerFactory factory() {
        return factory;
    }

    public final String name() {
        return name;
    }

    public final CpuPool pool() {
        return pool;
    }

    /** Allocate the domain's private data (Xen's {@code alloc_domdata}). */
    public final D allocDomain(SchedDomain d) {
        lock.lock();
        try {
            D data = allocDomainData(d);
            if (data == null || data.domain() != d) {
                throw new IllegalStateException(name + ": allocDomainData returned data of another domain");
            }
            data.owner = this;
            return data;
        } finally {
            lock.unlock();
        }
    }

    /** Free the domain's private data; all its vcpus' data must be freed first. */
    public final void freeDomain(DomainData d) {
        lock.lock();
        try {
            D data = own(d);
            freeDomainData(data);
            data.owner = null;
        } finally {
            lock.unlock();
        }
    }

    /** Allocate a vcpu's private data (Xen's {@code alloc_udata}); the vcpu is not yet inserted. */
    public final V allocVcpu(SchedVcpu v, DomainData d) {
        lock.lock();
        try {
            V data = allocVcpuData(v, own(d));
            if (data == null || data.vcpu() != v) {
                throw new IllegalStateException(name + ": allocVcpuData returned data of another vcpu");
            }
            data.owner = this;
            return data;
        } finally {
            lock.unlock();
        }
    }

    public final void freeVcpu(VcpuData v) {
        lock.lock();
        try {
            V data = own(v);
            freeVcpuData(data);
            data.owner = null;
        } finally {
            lock.unlock();
        }
    }

    /** Start scheduling the vcpu (Xen's {@code insert_unit}); its processor is already set. */
    public final void insert(VcpuData v) {
        lock.lock();
        try {
            insertVcpu(own(v));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stop scheduling the vcpu (Xen's {@code remove_unit}).
     *
     * @throws IllegalStateException if it is still this pool's current vcpu on some pCPU
     */
    public final void remove(VcpuData v) {
        lock.lock();
        try {
            V data = own(v);
            for (VcpuData c : current) {
                if (c == data) {
                    throw new IllegalStateException(name + ": remove of running " + data + ": pause its domain first");
                }
            }
            removeVcpu(data);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Decide what {@code cpu} runs next (Xen's {@code do_schedule}). The previous vcpu is the
     * one this instance decided last on {@code cpu}; the core has already noted whether it is
     * still runnable.
     *
     * @param out the pCPU's reusable decision, filled on return
     */
    public final void schedule(int cpu, long now, Decision out) {
        lock.lock();
        try {
            out.reset();
            @SuppressWarnings("unchecked")
            V prev = (V) current[cpu];
            doSchedule(cpu, prev, now, out);
            if (!out.isFilled()) {
                throw new IllegalStateException(name + ": doSchedule on cpu " + cpu + " filled no decision");
            }
            VcpuData next = out.next();
            if (next != null && next.owner != this) {
                throw new IllegalStateException(name + ": doSchedule chose " + next + " of another scheduler");
            }
            current[cpu] = next;
        } finally {
            lock.unlock();
        }
    }

    /** Choose the pCPU for a vcpu (Xen's {@code pick_resource}): in the pool and in its affinity. */
    public final int pickCpu(VcpuData v) {
        lock.lock();
        try {
            V data = own(v);
            int cpu = doPickCpu(data);
            if (!pool.cpus().contains(cpu) || !data.vcpu().affinity().contains(cpu)) {
                throw new IllegalStateException(name + ": pickCpu(" + data + ") = " + cpu
                        + " outside pool " + pool.cpus() + " or affinity " + data.vcpu().affinity());
            }
            return cpu;
        } finally {
            lock.unlock();
        }
    }

    /** The vcpu stopped being runnable (blocked or paused). */
    public final void sleep(VcpuData v) {
        lock.lock();
        try {
            sleepVcpu(own(v));
        } finally {
            lock.unlock();
        }
    }

    /** The vcpu became runnable. */
    public final void wake(VcpuData v) {
        lock.lock();
        try {
            wakeVcpu(own(v));
        } finally {
            lock.unlock();
        }
    }

    /** The running vcpu yields; the core reschedules its pCPU right after. */
    public final void yield(VcpuData v) {
        lock.lock();
        try {
            yieldVcpu(own(v));
        } finally {
            lock.unlock();
        }
    }

    /** The domain's parameters ({@code xl sched-<name> -d DOM}). */
    public final ParamValues domainParams(DomainData d) {
        lock.lock();
        try {
            ParamValues p = getDomainParams(own(d));
            if (p.schema() != factory.domainSchema()) {
                throw new IllegalStateException(name + ": getDomainParams returned values of another schema");
            }
            return p;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Set the domain's parameters (Xen's {@code adjust}).
     *
     * @throws SchedParamException if a combination is invalid (each value is already in range)
     */
    public final void setDomainParams(DomainData d, ParamValues p) {
        if (p.schema() != factory.domainSchema()) {
            throw new IllegalArgumentException(name + ": domain parameters of another schema");
        }
        lock.lock();
        try {
            adjustDomain(own(d), p);
        } finally {
            lock.unlock();
        }
    }

    public final ParamValues poolParams() {
        lock.lock();
        try {
            return poolParams;
        } finally {
            lock.unlock();
        }
    }

    /** Set the pool's parameters (Xen's {@code adjust_global}). */
    public final void setPoolParams(ParamValues p) {
        if (p.schema() != factory.poolSchema()) {
            throw new IllegalArgumentException(name + ": pool parameters of another schema");
        }
        lock.lock();
        try {
            adjustPool(p);
            poolParams = p;
        } finally {
            lock.unlock();
        }
    }

    /** A human-readable dump of the run queues ({@code xl debug-keys r}). */
    public final String dump() {
        lock.lock();
        try {
            StringBuilder sb = new StringBuilder();
            sb.append("Scheduler: ").append(factory.description()).append(" (").append(name).append(")\n");
            sb.append("pool ").append(pool.id()).append(" cpus ").append(pool.cpus()).append(' ')
                    .append(poolParams).append('\n');
            dumpState(sb);
            return sb.toString();
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ helpers for algorithms

    /** The vcpu this instance last chose on {@code cpu}, or {@code null} for idle. */
    @SuppressWarnings("unchecked")
    protected final V current(int cpu) {
        return (V) current[cpu];
    }

    /** A timer on {@code cpu} whose callback runs under the instance lock. */
    protected final SchedTimer newTimer(int cpu, Runnable callback) {
        return pool.newTimer(cpu, () -> {
            lock.lock();
            try {
                callback.run();
            } finally {
                lock.unlock();
            }
        });
    }

    private V own(VcpuData v) {
        if (v.owner != this) {
            throw new IllegalStateException(name + ": " + v + " belongs to "
                    + (v.owner == null ? "no scheduler (freed?)" : "another scheduler instance"));
        }
        return vcpuType.cast(v);
    }

    private D own(DomainData d) {
        if (d.owner != this) {
            throw new IllegalStateException(name + ": " + d + " belongs to "
                    + (d.owner == null ? "no scheduler (freed?)" : "another scheduler instance"));
        }
        return domainType.cast(d);
    }

    // ------------------------------------------------------------------ mandatory hooks

    protected abstract D allocDomainData(SchedDomain d);

    protected abstract V allocVcpuData(SchedVcpu v, D domain);

    /** Start scheduling {@code v}; queue it if it is runnable. Its processor is set. */
    protected abstract void insertVcpu(V v);

    /** Forget {@code v}: it is not running and must leave every queue. */
    protected abstract void removeVcpu(V v);

    /**
     * Decide what {@code cpu} runs next and fill {@code out}.
     *
     * @param prev the vcpu that was running on {@code cpu}, or {@code null} if idle; it may no
     *             longer be runnable
     */
    protected abstract void doSchedule(int cpu, V prev, long now, Decision out);

    /** A pCPU for {@code v}, in the pool and in its affinity. */
    protected abstract int doPickCpu(V v);

    // ------------------------------------------------------------------ optional hooks

    protected void freeVcpuData(V v) {
    }

    protected void freeDomainData(D d) {
    }

    /** Default: if {@code v} runs, tickle its pCPU so the decision is taken again. */
    protected void sleepVcpu(V v) {
        if (v.vcpu().isRunning()) {
            pool.tickle(v.vcpu().processor());
        }
    }

    /** Default: tickle the vcpu's pCPU. */
    protected void wakeVcpu(V v) {
        pool.tickle(v.vcpu().processor());
    }

    /** Default: nothing; the core reschedules after a yield anyway. */
    protected void yieldVcpu(V v) {
    }

    /** Default: the schema's defaults (a scheduler without per-domain parameters). */
    protected ParamValues getDomainParams(D d) {
        return factory.domainSchema().defaults();
    }

    /** Default: reject anything but the defaults. */
    protected void adjustDomain(D d, ParamValues p) {
        if (!p.equals(factory.domainSchema().defaults())) {
            throw new SchedParamException(null, name + ": has no adjustable per-domain parameters");
        }
    }

    /** Validate and apply new pool parameters; default: accept (read them with {@link #poolParams()}). */
    protected void adjustPool(ParamValues p) {
    }

    protected void dumpState(StringBuilder out) {
    }
}
