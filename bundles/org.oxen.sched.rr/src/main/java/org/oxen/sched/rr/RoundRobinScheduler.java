package org.oxen.sched.rr;

import org.oxen.sched.api.CpuPool;
import org.oxen.sched.api.Decision;
import org.oxen.sched.api.DomainData;
import org.oxen.sched.api.ParamValues;
import org.oxen.sched.api.SchedDomain;
import org.oxen.sched.api.SchedVcpu;
import org.oxen.sched.api.Scheduler;
import org.oxen.sched.api.VcpuData;
import org.oxen.sched.api.util.CpuPick;
import org.oxen.sched.api.util.Link;
import org.oxen.sched.api.util.LinkedQueue;

/**
 * Round robin (Xen 1.2-2.0's {@code sched_rrobin.c}, "a simple demonstration").
 *
 * <h2>Design</h2>
 * One circular queue per pCPU holding every runnable vcpu assigned to it, the running one at the
 * head. A decision moves the previous vcpu to the tail if it is still runnable (drops it if
 * not) and runs the head for the quantum; an empty queue idles with no timer. A waking vcpu is
 * inserted at the head, so it runs right after the current turn, ahead of the queued ones; it
 * preempts only an idle pCPU. N CPU-bound vcpus therefore run in strict cyclic order, exactly a
 * quantum each, 1/N of the pCPU each.
 *
 * <p>Where this differs from Xen: the quantum is per pool instead of global; a vcpu is placed
 * on the least loaded allowed pCPU when inserted (Xen 2.0 had no SMP placement), and never
 * migrates afterwards, as in Xen. The allocation bug (operator precedence) is not reproduced.
 *
 * <h2>Locking</h2>
 * The instance lock of {@link Scheduler} covers all state; nothing else is shared.
 */
final class RoundRobinScheduler extends Scheduler<RoundRobinScheduler.RVcpu, RoundRobinScheduler.RDom> {

    static final class RVcpu extends VcpuData {
        final Link<RVcpu> link = new Link<>(this);

        RVcpu(SchedVcpu v) {
            super(v);
        }
    }

    static final class RDom extends DomainData {
        RDom(SchedDomain d) {
            super(d);
        }
    }

    @SuppressWarnings("unchecked")
    private final LinkedQueue<RVcpu>[] runq = new LinkedQueue[pool.cpus().last() + 1];
    private long quantumNs;

    RoundRobinScheduler(RoundRobinFactory f, CpuPool pool, ParamValues poolParams) {
        super(f, pool, poolParams, RVcpu.class, RDom.class);
        for (int c = pool.cpus().first(); c >= 0; c = pool.cpus().next(c)) {
            runq[c] = new LinkedQueue<>();
        }
        adjustPool(poolParams);
    }

    @Override
    protected RDom allocDomainData(SchedDomain d) {
        return new RDom(d);
    }

    @Override
    protected RVcpu allocVcpuData(SchedVcpu v, RDom domain) {
        return new RVcpu(v);
    }

    @Override
    protected void insertVcpu(RVcpu v) {
        if (v.vcpu().isRunnable() && !v.link.isQueued()) {
            runq[v.vcpu().processor()].addLast(v.link);
        }
    }

    @Override
    protected void removeVcpu(RVcpu v) {
        v.link.unlink();
    }

    @Override
    protected void doSchedule(int cpu, RVcpu prev, long now, Decision out) {
        LinkedQueue<RVcpu> q = runq[cpu];
        if (prev != null) {
            prev.link.unlink();
            if (prev.vcpu().isRunnable()) {
                q.addLast(prev.link);
            }
        }
        RVcpu next = q.peek();
        if (next == null) {
            out.idle(Decision.NO_TIMER);
        } else {
            out.run(next, quantumNs);
        }
    }

    @Override
    protected int doPickCpu(RVcpu v) {
        return CpuPick.leastLoaded(pool.cpus(), v.vcpu(), c -> runq[c].size());
    }

    @Override
    protected void sleepVcpu(RVcpu v) {
        int cpu = v.vcpu().processor();
        if (current(cpu) == v) {
            pool.tickle(cpu);
        } else {
            v.link.unlink();
        }
    }

    @Override
    protected void wakeVcpu(RVcpu v) {
        int cpu = v.vcpu().processor();
        if (v.link.isQueued()) {
            return;
        }
        runq[cpu].addFirst(v.link);
        if (current(cpu) == null) {
            pool.tickle(cpu);
        }
    }

    @Override
    protected void adjustPool(ParamValues p) {
        quantumNs = p.get("quantum") * 1_000L;
    }

    @Override
    protected void dumpState(StringBuilder out) {
        for (int c = pool.cpus().first(); c >= 0; c = pool.cpus().next(c)) {
            out.append("CPU[").append(c).append("] curr=").append(current(c) == null ? "idle" : current(c))
                    .append(" runq=").append(runq[c]).append('\n');
        }
    }
}
