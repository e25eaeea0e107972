package org.oxen.sched.atropos;

import java.util.ArrayList;
import java.util.List;

import org.oxen.sched.api.CpuPool;
import org.oxen.sched.api.Decision;
import org.oxen.sched.api.DomainData;
import org.oxen.sched.api.ParamValues;
import org.oxen.sched.api.SchedDomain;
import org.oxen.sched.api.SchedParamException;
import org.oxen.sched.api.SchedVcpu;
import org.oxen.sched.api.Scheduler;
import org.oxen.sched.api.VcpuData;
import org.oxen.sched.api.util.CpuPick;
import org.oxen.sched.api.util.Link;
import org.oxen.sched.api.util.LinkedQueue;

/**
 * Atropos (Nemesis, Leslie et al. JSAC'96; Xen 1.2-2.0's {@code sched_atropos.c} as of
 * 2004-06-10, the last version that behaves correctly).
 *
 * <h2>Design</h2>
 * Each vcpu has a guarantee (p, s): s of CPU in every period p, d = the end of its current
 * period, r = the time it has left. Per pCPU, the runq holds vcpus with r &gt; 0 and the waitq
 * those with r &le; 0, both sorted by deadline; the runq head runs (EDF) for at most r, and the
 * decision is re-taken when the first waitq deadline arrives. At its deadline a waitq vcpu is
 * refilled: r = s (leftover is not carried) or r += s (debt is), d += p. Slack goes to xtratime
 * vcpus on the waitq in quanta of {@code xtra_quantum} (5 ms), in round robin; extra time is not
 * charged. A vcpu that wakes after its deadline starts a new period of length l (latency) with a
 * proportionally scaled slice; period and slice then double at each refill back to (p, s). With
 * sum(s/p) &le; 1 every guarantee is met.
 *
 * <p>Where this differs from Xen:
 * <ul>
 * <li>A vcpu woken inside its period with r &gt; 0 goes back on the runq (Nemesis), not on the
 *     waitq as UNBLOCKED, where it could only use slack and might miss its guarantee.</li>
 * <li>The scaled slice is s * l / p, not s / (p / l) with integer division (20/15 with l = 15
 *     gave 100%).</li>
 * <li>No 5 ms minimum budget (it let deadlines slip by up to 5 ms); the floor is 10 us.</li>
 * <li>Runq entries whose deadline passed (overload) are refilled like waitq entries.</li>
 * <li>The refill restores a runnable state (Xen broke this on 2004-06-18).</li>
 * <li>Slack round robin serves the least recently served xtratime vcpu, per pCPU (Xen's cursor
 *     was a global list position, skipping a turn when it wrapped).</li>
 * <li>A wake reschedules when the woken vcpu's deadline is earlier than the current one's, or
 *     the pCPU idles or runs slack (Xen 2.0 never rescheduled on wake).</li>
 * <li>latency 0 means "= period"; defaults are those of non-dom0 domains (10 s / 10 ms).</li>
 * <li>Placement: least loaded pCPU at insertion, never balanced afterwards, as in Xen.</li>
 * </ul>
 *
 * <h2>Locking</h2>
 * The instance lock of {@link Scheduler} covers all state.
 */
final class AtroposScheduler extends Scheduler<AtroposScheduler.AVcpu, AtroposScheduler.ADom> {

    static final long US = 1_000L;
    static final long MIN_BUDGET = 10 * US;

    static final class ADom extends DomainData {
        final List<AVcpu> vcpus = new ArrayList<>();
        ParamValues params = AtroposFactory.DOMAIN.defaults();

        ADom(SchedDomain d) {
            super(d);
        }
    }

    static final class AVcpu extends VcpuData {
        final ADom dom;
        final Link<AVcpu> list = new Link<>(this);
        long natPeriod;
        long natSlice;
        long latency;
        boolean xtratime;
        long period;
        long slice;
        long deadline;
        long remain;
        long lastSchd;
        long lastExtra = Long.MIN_VALUE;
        boolean extraRun;

        AVcpu(SchedVcpu v, ADom dom) {
            super(v);
            this.dom = dom;
        }
    }

    private final class Pcpu {
        final LinkedQueue<AVcpu> runq = new LinkedQueue<>();
        final LinkedQueue<AVcpu> waitq = new LinkedQueue<>();
    }

    private final Pcpu[] pcpus = new AtroposScheduler.Pcpu[pool.cpus().last() + 1];
    private long xtraQuantum;

    AtroposScheduler(AtroposFactory f, CpuPool pool, ParamValues poolParams) {
        super(f, pool, poolParams, AVcpu.class, ADom.class);
        for (int c = pool.cpus().first(); c >= 0; c = pool.cpus().next(c)) {
            pcpus[c] = new Pcpu();
        }
        adjustPool(poolParams);
    }

    @Override
    protected ADom allocDomainData(SchedDomain d) {
        return new ADom(d);
    }

    @Override
    protected AVcpu allocVcpuData(SchedVcpu v, ADom dom) {
        AVcpu a = new AVcpu(v, dom);
        apply(a, dom.params);
        return a;
    }

    private static void apply(AVcpu a, ParamValues p) {
        a.natPeriod = a.period = p.get("period") * US;
        a.natSlice = a.slice = p.get("slice") * US;
        long l = p.get("latency") * US;
        a.latency = l == 0 ? a.natPeriod : l;
        a.xtratime = p.flag("xtratime");
    }

    @Override
    protected void insertVcpu(AVcpu a) {
        a.dom.vcpus.add(a);
        if (a.vcpu().isRunnable()) {
            wakeVcpu(a);
        }
    }

    @Override
    protected void removeVcpu(AVcpu a) {
        a.list.unlink();
        a.dom.vcpus.remove(a);
    }

    private static void enqueue(Pcpu pc, AVcpu a) {
        (a.remain > 0 ? pc.runq : pc.waitq).insertSorted(a.list, x -> x.deadline);
    }

    /** Start the next period: the doubling back to the natural (p, s), then r and d. */
    private static void refill(AVcpu a) {
        if (a.period < a.natPeriod) {
            a.period = Math.min(a.period * 2, a.natPeriod);
            a.slice = Math.min(a.slice * 2, a.natSlice);
        }
        a.remain = a.remain > 0 ? a.slice : a.remain + a.slice;
        a.deadline += a.period;
    }

    @Override
    protected void doSchedule(int cpu, AVcpu prev, long now, Decision out) {
        Pcpu pc = pcpus[cpu];
        if (prev != null) {
            if (!prev.extraRun) {
                prev.remain -= now - prev.lastSchd;
            }
            prev.list.unlink();
            if (prev.vcpu().isRunnable()) {
                enqueue(pc, prev);
            }
        }
        // refill every vcpu whose period ended (runq entries only under overload)
        refillDue(pc, pc.waitq, now);
        refillDue(pc, pc.runq, now);
        AVcpu next = pc.runq.peek();
        long budget;
        if (next != null) {
            next.extraRun = false;
            budget = next.remain;
        } else {
            next = leastRecentXtra(pc);
            if (next != null) {
                next.extraRun = true;
                next.lastExtra = now;
                budget = xtraQuantum;
            } else {
                budget = 0;
            }
        }
        AVcpu firstWait = pc.waitq.peek();
        if (next == null) {
            out.idle(firstWait == null ? Decision.NO_TIMER : firstWait.deadline - now);
            return;
        }
        if (firstWait != null) {
            budget = Math.min(budget, firstWait.deadline - now);
        }
        next.lastSchd = now;
        out.run(next, Math.max(budget, MIN_BUDGET));
    }

    private static void refillDue(Pcpu pc, LinkedQueue<AVcpu> q, long now) {
        AVcpu a;
        while ((a = q.peek()) != null && a.deadline <= now) {
            a.list.unlink();
            do {
                refill(a);
            } while (a.deadline <= now);
            enqueue(pc, a);
        }
    }

    private static AVcpu leastRecentXtra(Pcpu pc) {
        AVcpu best = null;
        for (Link<AVcpu> l = pc.waitq.first(); l != null; l = l.next()) {
            AVcpu a = l.item();
            if (a.xtratime && (best == null || a.lastExtra < best.lastExtra)) {
                best = a;
            }
        }
        return best;
    }

    @Override
    protected int doPickCpu(AVcpu a) {
        return CpuPick.leastLoaded(pool.cpus(), a.vcpu(), c -> pcpus[c].runq.size() + pcpus[c].waitq.size());
    }

    @Override
    protected void sleepVcpu(AVcpu a) {
        int cpu = a.vcpu().processor();
        if (current(cpu) == a) {
            pool.tickle(cpu);
        } else {
            a.list.unlink();
        }
    }

    @Override
    protected void wakeVcpu(AVcpu a) {
        int cpu = a.vcpu().processor();
        if (a.list.isQueued() || current(cpu) == a) {
            return;
        }
        long now = pool.now();
        if (now >= a.deadline) {
            // a new period of length latency, with the slice scaled to it
            a.period = Math.min(a.latency, a.natPeriod);
            a.slice = a.natSlice * a.period / a.natPeriod;
            a.deadline = now + a.period;
            a.remain = a.slice;
        }
        Pcpu pc = pcpus[cpu];
        enqueue(pc, a);
        AVcpu cur = current(cpu);
        if (cur == null || cur.extraRun || (a.remain > 0 && a.deadline < cur.deadline)) {
            pool.tickle(cpu);
        }
    }

    @Override
    protected ParamValues getDomainParams(ADom d) {
        return d.params;
    }

    @Override
    protected void adjustDomain(ADom d, ParamValues p) {
        long period = p.get("period");
        long slice = p.get("slice");
        long latency = p.get("latency");
        if (slice > period) {
            throw new SchedParamException("slice", name() + ": slice = " + slice + "us must not exceed period = "
                    + period + "us");
        }
        if (latency > period) {
            throw new SchedParamException("latency", name() + ": latency = " + latency
                    + "us must not exceed period = " + period + "us");
        }
        if (slice == 0 && !p.flag("xtratime")) {
            throw new SchedParamException("xtratime", name()
                    + ": a domain without a slice needs xtratime on, or it never runs");
        }
        d.params = p;
        long now = pool.now();
        for (AVcpu a : d.vcpus) {
            apply(a, p);
            // the new guarantee starts with a fresh period now
            a.deadline = now + a.period;
            a.remain = a.slice;
            if (a.list.isQueued()) {
                Pcpu pc = pcpus[a.vcpu().processor()];
                a.list.unlink();
                enqueue(pc, a);
            }
            pool.tickle(a.vcpu().processor());
        }
    }

    @Override
    protected void adjustPool(ParamValues p) {
        xtraQuantum = p.get("xtra_quantum") * US;
    }

    @Override
    protected void dumpState(StringBuilder out) {
        for (int c = pool.cpus().first(); c >= 0; c = pool.cpus().next(c)) {
            Pcpu pc = pcpus[c];
            out.append("CPU[").append(c).append("] curr=").append(current(c) == null ? "idle" : current(c)).append('\n');
            for (LinkedQueue<AVcpu> q : List.of(pc.runq, pc.waitq)) {
                out.append(q == pc.runq ? "RUNQ" : "WAITQ").append(":\n");
                for (Link<AVcpu> l = q.first(); l != null; l = l.next()) {
                    AVcpu a = l.item();
                    out.append("  ").append(a).append(" d=").append(a.deadline).append(" r=").append(a.remain)
                            .append(" p=").append(a.period).append(" s=").append(a.slice)
                            .append(a.xtratime ? " xtra" : "").append('\n');
                }
            }
        }
    }
}
