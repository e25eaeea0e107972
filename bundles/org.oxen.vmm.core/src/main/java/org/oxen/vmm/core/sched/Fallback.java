package org.oxen.vmm.core.sched;

import org.oxen.sched.api.CpuPool;
import org.oxen.sched.api.Decision;
import org.oxen.sched.api.DomainData;
import org.oxen.sched.api.ParamSchema;
import org.oxen.sched.api.ParamValues;
import org.oxen.sched.api.SchedDomain;
import org.oxen.sched.api.SchedVcpu;
import org.oxen.sched.api.Scheduler;
import org.oxen.sched.api.SchedulerFactory;
import org.oxen.sched.api.VcpuData;
import org.oxen.sched.api.util.Link;
import org.oxen.sched.api.util.LinkedQueue;

/**
 * The built-in fallback used only while no {@link SchedulerFactory} service is present (and by
 * {@code Vmm} without OSGi when none is given): one FIFO run queue per pool, a fixed slice, no
 * parameters. It keeps vcpus runnable; it is not a scheduler anyone should choose.
 */
final class Fallback implements SchedulerFactory {

    static final String NAME = "fallback";
    static final long SLICE_NS = 10_000_000L;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int id() {
        return 0;
    }

    @Override
    public String description() {
        return "built-in FIFO fallback (no scheduler bundle present)";
    }

    @Override
    public ParamSchema domainSchema() {
        return ParamSchema.empty();
    }

    @Override
    public Scheduler<?, ?> create(CpuPool pool, ParamValues poolParams) {
        return new Fifo(this, pool);
    }

    static final class V extends VcpuData {
        final Link<V> link = new Link<>(this);

        V(SchedVcpu v) {
            super(v);
        }
    }

    static final class D extends DomainData {
        D(SchedDomain d) {
            super(d);
        }
    }

    /** One global queue: a vcpu is re-assigned to whichever pCPU of the pool takes it. */
    static final class Fifo extends Scheduler<V, D> {
        private final LinkedQueue<V> q = new LinkedQueue<>();

        Fifo(Fallback f, CpuPool pool) {
            super(f, pool, f.poolSchema().defaults(), V.class, D.class);
        }

        @Override
        protected D allocDomainData(SchedDomain d) {
            return new D(d);
        }

        @Override
        protected V allocVcpuData(SchedVcpu v, D domain) {
            return new V(v);
        }

        @Override
        protected void insertVcpu(V v) {
            if (v.vcpu().isRunnable() && !v.vcpu().isRunning() && !v.link.isQueued()) {
                q.addLast(v.link);
                tickleIdle();
            }
        }

        @Override
        protected void removeVcpu(V v) {
            v.link.unlink();
        }

        @Override
        protected void doSchedule(int cpu, V prev, long now, Decision out) {
            if (prev != null && prev.vcpu().isRunnable() && !prev.link.isQueued()) {
                q.addLast(prev.link);
            }
            for (;;) {
                V next = q.poll();
                if (next == null) {
                    out.idle(Decision.NO_TIMER);
                    return;
                }
                // a vcpu still running elsewhere (switch-out window) is not eligible yet
                if (next == prev || !next.vcpu().isRunning()) {
                    boolean moved = next.vcpu().processor() != cpu;
                    if (moved) next.vcpu().setProcessor(cpu);
                    out.run(next, SLICE_NS, moved);
                    return;
                }
                q.addLast(next.link);
                out.idle(1_000_000L);
                return;
            }
        }

        @Override
        protected int doPickCpu(V v) {
            int p = v.vcpu().processor();
            return pool.cpus().contains(p) ? p : pool.cpus().first();
        }

        @Override
        protected void sleepVcpu(V v) {
            int cpu = v.vcpu().processor();
            if (current(cpu) == v) {
                pool.tickle(cpu);
            } else {
                v.link.unlink();
            }
        }

        @Override
        protected void wakeVcpu(V v) {
            int cpu = v.vcpu().processor();
            if (current(cpu) != v && !v.link.isQueued()) {
                q.addLast(v.link);
                tickleIdle();
            }
        }

        private void tickleIdle() {
            for (int c = pool.cpus().first(); c >= 0; c = pool.cpus().next(c)) {
                if (current(c) == null) {
                    pool.tickle(c);
                    return;
                }
            }
        }
    }
}
