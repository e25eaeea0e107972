package org.oxen.sched.api;

import java.util.function.BiFunction;

import org.oxen.sched.api.util.CpuPick;
import org.oxen.sched.api.util.Link;
import org.oxen.sched.api.util.LinkedQueue;

/**
 * A test fixture: a FIFO scheduler with per-pCPU queues and a 1 ms slice, and a {@code weight}
 * it stores but ignores. Variants made with {@link #broken} misbehave on purpose.
 */
final class FifoFactory implements SchedulerFactory {

    static final ParamSchema DOMAIN = ParamSchema.of(
            ParamSpec.of("weight", ParamUnit.NONE, 1, 1000, 10, "stored, ignored"),
            ParamSpec.flag("fifo_only", false, "a parameter only this scheduler has"));

    private final String name;
    private final BiFunction<FifoFactory, CpuPool, Fifo> maker;

    FifoFactory(String name) {
        this(name, Fifo::new);
    }

    private FifoFactory(String name, BiFunction<FifoFactory, CpuPool, Fifo> maker) {
        this.name = name;
        this.maker = maker;
    }

    static FifoFactory broken(String name, BiFunction<FifoFactory, CpuPool, Fifo> maker) {
        return new FifoFactory(name, maker);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int id() {
        return 99;
    }

    @Override
    public String description() {
        return "test FIFO";
    }

    @Override
    public ParamSchema domainSchema() {
        return DOMAIN;
    }

    @Override
    public Scheduler<?, ?> create(CpuPool pool, ParamValues poolParams) {
        return maker.apply(this, pool);
    }

    static final class V extends VcpuData {
        final Link<V> link = new Link<>(this);
        long weightAtAlloc;

        V(SchedVcpu v) {
            super(v);
        }
    }

    static final class D extends DomainData {
        ParamValues params = DOMAIN.defaults();

        D(SchedDomain d) {
            super(d);
        }
    }

    static class Fifo extends Scheduler<V, D> {
        @SuppressWarnings("unchecked")
        final LinkedQueue<V>[] q = new LinkedQueue[pool.cpus().last() + 1];
        int freed;

        Fifo(FifoFactory f, CpuPool pool) {
            super(f, pool, f.poolSchema().defaults(), V.class, D.class);
            for (int c = pool.cpus().first(); c >= 0; c = pool.cpus().next(c)) {
                q[c] = new LinkedQueue<>();
            }
        }

        @Override
        protected D allocDomainData(SchedDomain d) {
            return new D(d);
        }

        @Override
        protected V allocVcpuData(SchedVcpu v, D domain) {
            V data = new V(v);
            data.weightAtAlloc = domain.params.get("weight");
            return data;
        }

        @Override
        protected void freeVcpuData(V v) {
            freed++;
        }

        @Override
        protected void insertVcpu(V v) {
            if (v.vcpu().isRunnable() && !v.link.isQueued()) {
                q[v.vcpu().processor()].addLast(v.link);
            }
        }

        @Override
        protected void removeVcpu(V v) {
            v.link.unlink();
        }

        @Override
        protected void doSchedule(int cpu, V prev, long now, Decision out) {
            if (prev != null && prev.vcpu().isRunnable()) {
                q[cpu].addLast(prev.link);
            }
            V next = q[cpu].poll();
            if (next == null) {
                out.idle(Decision.NO_TIMER);
            } else {
                out.run(next, 1_000_000L);
            }
        }

        @Override
        protected int doPickCpu(V v) {
            return CpuPick.leastLoaded(pool.cpus(), v.vcpu(), c -> q[c].size());
        }

        @Override
        protected void sleepVcpu(V v) {
            if (current(v.vcpu().processor()) == v) {
                pool.tickle(v.vcpu().processor());
            } else {
                v.link.unlink();
            }
        }

        @Override
        protected void wakeVcpu(V v) {
            int cpu = v.vcpu().processor();
            if (current(cpu) != v && !v.link.isQueued()) {
                q[cpu].addLast(v.link);
                if (current(cpu) == null) {
                    pool.tickle(cpu);
                }
            }
        }

        @Override
        protected ParamValues getDomainParams(D d) {
            return d.params;
        }

        @Override
        protected void adjustDomain(D d, ParamValues p) {
            d.params = p;
        }
    }
}
