package org.oxen.sched.sedf;

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
 * Simple EDF (Xen 3.0's default, {@code sched_sedf.c}, the shipped EXTRA_SUPPORT unblocking).
 *
 * <h2>Design</h2>
 * Each vcpu reserves {@code slice} of CPU in every {@code period}; the period's end is its
 * deadline. Per pCPU, the runq holds vcpus whose period has begun, sorted by deadline, and the
 * waitq those waiting for their next period, sorted by period begin. The runq head runs until
 * its slice is used up or the next period on the waitq begins; a vcpu whose slice is used moves
 * to the waitq with its deadline one period later (an overrun carries into the next period).
 * A missed period (deadline passed or slice overrun) realigns the deadline into the future with
 * a fresh slice. With utilisation sum(slice/period) &le; 1, EDF meets every deadline.
 *
 * <p>Slack goes to extra-aware vcpus in 500 us quanta from two queues sorted by score: L0, the
 * penalty queue, for vcpus that lost part of a slice by blocking briefly (score = (period &lt;&lt;
 * 10) / lost time; one quantum clears the penalty), then L1, the utilisation queue, a weighted
 * round robin (score = 2^17 / weight, or (period &lt;&lt; 10) / slice without weight; a served
 * vcpu is reinserted with its score while every entry drops by its old score, so shares follow
 * the weights). Best-effort vcpus (slice 0) live on extra time only. Wake-ups: a vcpu that blocked
 * within its period and wakes before its deadline loses the rest of that period (short block)
 * and is compensated through L0; one that wakes after its deadline starts a new period at the
 * wake (long block). A waker preempts if its period begins before the current budget ends, or if
 * it outranks the current extra-time run (L0 over L1, lower L0 score), or the pCPU idles.
 *
 * <p>Where this differs from Xen:
 * <ul>
 * <li>The first deadline is now + period (Xen: now + slice, a known quirk).</li>
 * <li>A vcpu that finished its slice, blocked, and wakes inside its next period is a normal
 *     release (it keeps that period's slice): Xen's test "now &lt; deadline" counted it as a short
 *     block and dropped the whole period, which starves periodic tasks that wake exactly at
 *     their period begin. The short-block rule applies to vcpus that blocked in the period they
 *     wake in.</li>
 * <li>Scores are {@code long}s (no 32-bit overflow); the extra-queue update is O(1) for equal
 *     weights (a lazy offset and a search from the tail) with the same resulting order.</li>
 * <li>{@code weight} &gt; 0 sets the extra-time weight of any vcpu; Xen's weight-driven real-time
 *     mode (slices computed from weights, {@code sedf_adjust_weights}) is not implemented.</li>
 * <li>{@code latency} is stored and reported but unused, as in the shipped build.</li>
 * <li>Changing a vcpu's period or slice starts a new period at once (cputime 0, deadline now +
 *     period); Xen kept the old deadline, so a reservation set after boot began misaligned.</li>
 * <li>Placement: least loaded pCPU at insertion, never balanced (Xen had none; dom0's vcpus all
 *     sat on pCPU0 until 2012).</li>
 * </ul>
 *
 * <h2>Locking</h2>
 * The instance lock of {@link Scheduler} covers all state.
 */
final class SedfScheduler extends Scheduler<SedfScheduler.SVcpu, SedfScheduler.SDom> {

    static final long US = 1_000L;
    static final long MS = 1_000_000L;
    static final long EXTRA_QUANTUM = 500 * US;
    static final long SLICE_MIN = 5 * US;
    static final int PEN_Q = 0;
    static final int UTIL_Q = 1;

    static final int RUN_NONE = 0;
    static final int RUN_EDF = 1;
    static final int RUN_PEN = 2;
    static final int RUN_UTIL = 3;

    static final class SDom extends DomainData {
        final List<SVcpu> vcpus = new ArrayList<>();
        ParamValues params = SedfFactory.DOMAIN.defaults();

        SDom(SchedDomain d) {
            super(d);
        }
    }

    /** Xen's {@code struct sedf_vcpu_info}. */
    static final class SVcpu extends VcpuData {
        final SDom dom;
        /** On the runq or the waitq. */
        final Link<SVcpu> list = new Link<>(this);
        @SuppressWarnings("unchecked")
        final Link<SVcpu>[] extra = new Link[] { new Link<>(this), new Link<>(this) };
        final long[] score = new long[2];
        long period;
        long slice;
        long periodOrig;
        long sliceOrig;
        long latency;
        long extraweight;
        boolean extraAware;
        boolean wantPenQ;
        int runType;
        long deadlAbs;
        long cputime;
        long blockAbs;
        long schedStartAbs;
        long shortBlockLost;

        SVcpu(SchedVcpu v, SDom dom) {
            super(v);
            this.dom = dom;
        }

        long periodBegin() {
            return deadlAbs - period;
        }

        void rescoreUtil() {
            score[UTIL_Q] = extraweight > 0 ? (1L << 17) / extraweight : (period << 10) / slice;
        }
    }

    private final class Pcpu {
        final LinkedQueue<SVcpu> runq = new LinkedQueue<>();
        final LinkedQueue<SVcpu> waitq = new LinkedQueue<>();
        @SuppressWarnings("unchecked")
        final LinkedQueue<SVcpu>[] extraq = new LinkedQueue[] { new LinkedQueue<>(), new LinkedQueue<>() };
        /** Lazy "every entry drops by sub": a queued entry's score is stored plus this offset. */
        final long[] extraOff = new long[2];
        long currentSliceExpires;
    }

    private final Pcpu[] pcpus = new SedfScheduler.Pcpu[pool.cpus().last() + 1];

    SedfScheduler(SedfFactory f, CpuPool pool, ParamValues poolParams) {
        super(f, pool, poolParams, SVcpu.class, SDom.class);
        for (int c = pool.cpus().first(); c >= 0; c = pool.cpus().next(c)) {
            pcpus[c] = new Pcpu();
        }
    }

    // ------------------------------------------------------------------ data

    @Override
    protected SDom allocDomainData(SchedDomain d) {
        return new SDom(d);
    }

    @Override
    protected SVcpu allocVcpuData(SchedVcpu v, SDom dom) {
        SVcpu s = new SVcpu(v, dom);
        apply(s, dom.params);
        return s;
    }

    private static void apply(SVcpu s, ParamValues p) {
        s.periodOrig = s.period = p.get("period") * US;
        s.sliceOrig = s.slice = p.get("slice") * US;
        s.latency = p.get("latency") * US;
        s.extraAware = p.flag("extratime");
        long w = p.get("weight");
        s.extraweight = w > 0 ? w : s.slice == 0 ? 1 : 0;
        s.rescoreUtil();
    }

    @Override
    protected void insertVcpu(SVcpu s) {
        s.dom.vcpus.add(s);
        if (s.vcpu().isRunnable()) {
            wakeVcpu(s);
        }
    }

    @Override
    protected void removeVcpu(SVcpu s) {
        Pcpu pc = pcpus[s.vcpu().processor()];
        s.list.unlink();
        extraDel(pc, s, PEN_Q);
        extraDel(pc, s, UTIL_Q);
        s.dom.vcpus.remove(s);
    }

    // ------------------------------------------------------------------ queues

    private static void runqInsert(Pcpu pc, SVcpu s) {
        pc.runq.insertSorted(s.list, x -> x.deadlAbs);
    }

    private static void waitqInsert(Pcpu pc, SVcpu s) {
        pc.waitq.insertSorted(s.list, SVcpu::periodBegin);
    }

    /** The score of {@code s} on extra queue {@code i} (its own score when not queued). */
    private static long score(Pcpu pc, SVcpu s, int i) {
        return s.extra[i].isQueued() ? s.score[i] - pc.extraOff[i] : s.score[i];
    }

    /** Xen's {@code extraq_del}: leave extra queue {@code i}, keeping the score it has there. */
    private static void extraDel(Pcpu pc, SVcpu s, int i) {
        if (s.extra[i].isQueued()) {
            s.extra[i].unlink();
            s.score[i] -= pc.extraOff[i];
        }
    }

    /**
     * Xen's {@code extraq_add_sort_update}: every entry of the queue drops by {@code sub}, then
     * {@code s} goes in before the first entry with a higher score. The drop is an offset (O(1))
     * and the queue, sorted, is searched from the tail, where equal weights put the entry: O(1)
     * for a weighted round robin among equals instead of Xen's two passes over the queue.
     */
    private static void extraqAddSortUpdate(Pcpu pc, SVcpu s, int i, long sub) {
        extraDel(pc, s, i);
        LinkedQueue<SVcpu> q = pc.extraq[i];
        if (pc.extraOff[i] > (1L << 62)) {
            for (Link<SVcpu> l = q.first(); l != null; l = l.next()) {
                l.item().score[i] -= pc.extraOff[i];
            }
            pc.extraOff[i] = 0;
        }
        pc.extraOff[i] += sub;
        long key = s.score[i] + pc.extraOff[i];
        Link<SVcpu> at = q.last();
        while (at != null && at.item().score[i] > key) {
            at = at.prev();
        }
        q.insertAfter(at, s.extra[i]);
        s.score[i] = key;
    }

    private static void extraqCheckAddUnblocked(Pcpu pc, SVcpu s) {
        if (s.extraAware && !s.extra[UTIL_Q].isQueued()) {
            extraqAddSortUpdate(pc, s, UTIL_Q, 0);
        }
    }

    // ------------------------------------------------------------------ scheduling

    @Override
    protected void doSchedule(int cpu, SVcpu prev, long now, Decision out) {
        Pcpu pc = pcpus[cpu];
        if (prev != null) {
            if (!prev.vcpu().isRunnable()) {
                prev.blockAbs = now;
            }
            if (prev.runType == RUN_PEN || prev.runType == RUN_UTIL) {
                deschedExtra(pc, prev, now);
            } else {
                deschedEdf(pc, prev, now);
            }
            prev.runType = RUN_NONE;
        }
        updateQueues(pc, now);

        SVcpu next;
        long budget;
        int runType;
        if (!pc.runq.isEmpty()) {
            next = pc.runq.peek();
            budget = next.slice - next.cputime;
            if (!pc.waitq.isEmpty()) {
                budget = Math.min(budget, pc.waitq.peek().periodBegin() - now);
            }
            runType = RUN_EDF;
        } else if (!pc.waitq.isEmpty()) {
            long endXt = pc.waitq.peek().periodBegin();
            if (endXt - now >= EXTRA_QUANTUM && !pc.extraq[PEN_Q].isEmpty()) {
                next = pc.extraq[PEN_Q].peek();
                runType = RUN_PEN;
                budget = EXTRA_QUANTUM;
            } else if (endXt - now >= EXTRA_QUANTUM && !pc.extraq[UTIL_Q].isEmpty()) {
                next = pc.extraq[UTIL_Q].peek();
                runType = RUN_UTIL;
                budget = EXTRA_QUANTUM;
            } else {
                next = null;
                runType = RUN_NONE;
                budget = endXt - now;
            }
        } else {
            next = null;
            runType = RUN_NONE;
            budget = 1_000 * MS;
        }
        if (budget <= 0) {
            budget = EXTRA_QUANTUM; // Xen's fallback; cannot happen with consistent queues
        }
        pc.currentSliceExpires = now + budget;
        if (next == null) {
            out.idle(budget);
            return;
        }
        next.runType = runType;
        next.schedStartAbs = now;
        out.run(next, budget);
    }

    /** Xen's {@code desched_edf_dom}. */
    private void deschedEdf(Pcpu pc, SVcpu s, long now) {
        s.cputime += now - s.schedStartAbs;
        boolean runnable = s.vcpu().isRunnable();
        if (s.cputime < s.slice && runnable) {
            return;
        }
        s.list.unlink();
        if (s.cputime >= s.slice) {
            s.cputime -= s.slice;
            if (s.period < s.periodOrig) {
                s.period *= 2;
                s.slice *= 2;
                if (s.period > s.periodOrig || s.slice > s.sliceOrig) {
                    s.period = s.periodOrig;
                    s.slice = s.sliceOrig;
                }
            }
            s.deadlAbs += s.period;
        }
        if (runnable) {
            waitqInsert(pc, s);
        } else {
            extraDel(pc, s, PEN_Q);
            extraDel(pc, s, UTIL_Q);
        }
    }

    /** Xen's {@code desched_extra_dom}, with the 2006 rule that one quantum clears a penalty. */
    private void deschedExtra(Pcpu pc, SVcpu s, long now) {
        int i = s.runType == RUN_PEN ? PEN_Q : UTIL_Q;
        s.cputime = 0;
        extraDel(pc, s, i);
        long oldScore = s.score[i];
        if (i == PEN_Q) {
            s.shortBlockLost = 0;
            s.wantPenQ = false;
        } else {
            s.rescoreUtil();
        }
        if (s.vcpu().isRunnable()) {
            if (i == UTIL_Q && s.extraAware) {
                extraqAddSortUpdate(pc, s, UTIL_Q, oldScore);
            }
        } else {
            s.list.unlink();
            extraDel(pc, s, PEN_Q);
            extraDel(pc, s, UTIL_Q);
        }
    }

    private static long divUp(long a, long b) {
        return (a + b - 1) / b;
    }

    /** Xen's {@code update_queues}. */
    private void updateQueues(Pcpu pc, long now) {
        SVcpu w;
        while ((w = pc.waitq.peek()) != null && w.periodBegin() <= now) {
            w.list.unlink();
            runqInsert(pc, w);
        }
        Link<SVcpu> l = pc.runq.first();
        while (l != null) {
            Link<SVcpu> next = l.next();
            SVcpu s = l.item();
            if (s.slice == 0) {
                // best effort: no real-time part, move on to the next period
                s.list.unlink();
                s.deadlAbs += s.period;
                if (s.periodBegin() < now) {
                    s.deadlAbs += divUp(now - s.periodBegin(), s.period) * s.period;
                }
                waitqInsert(pc, s);
            } else if (s.deadlAbs < now || s.cputime > s.slice) {
                // missed a period: realign the deadline into the future with a fresh slice
                s.deadlAbs += s.period;
                if (s.deadlAbs < now) {
                    s.deadlAbs += divUp(now - s.deadlAbs, s.period) * s.period;
                }
                s.cputime = 0;
                s.list.unlink();
                if (s.periodBegin() > now) {
                    waitqInsert(pc, s);
                } else {
                    runqInsert(pc, s);
                }
            } else {
                break;
            }
            l = next;
        }
    }

    @Override
    protected int doPickCpu(SVcpu s) {
        return CpuPick.leastLoaded(pool.cpus(), s.vcpu(), c -> pcpus[c].runq.size() + pcpus[c].waitq.size());
    }

    @Override
    protected void sleepVcpu(SVcpu s) {
        int cpu = s.vcpu().processor();
        if (current(cpu) == s) {
            pool.tickle(cpu);
        } else {
            Pcpu pc = pcpus[cpu];
            s.blockAbs = pool.now();
            s.list.unlink();
            extraDel(pc, s, PEN_Q);
            extraDel(pc, s, UTIL_Q);
        }
    }

    /** Xen's {@code sedf_wake} with the EXTRA_SUPPORT policy. */
    @Override
    protected void wakeVcpu(SVcpu s) {
        int cpu = s.vcpu().processor();
        Pcpu pc = pcpus[cpu];
        if (s.list.isQueued() || current(cpu) == s) {
            return;
        }
        long now = pool.now();
        if (s.deadlAbs == 0) {
            s.deadlAbs = now + s.period;
            s.cputime = 0;
            extraqCheckAddUnblocked(pc, s);
        } else if (now < s.periodBegin()) {
            // woke in extra time, before its next period
            if (s.wantPenQ) {
                extraqAddSortUpdate(pc, s, PEN_Q, 0);
            }
            extraqCheckAddUnblocked(pc, s);
        } else if (now < s.deadlAbs && s.blockAbs >= s.periodBegin()) {
            unblockShort(pc, s);
            extraqCheckAddUnblocked(pc, s);
        } else if (now < s.deadlAbs) {
            // blocked in an earlier period: a normal release of this one
            extraqCheckAddUnblocked(pc, s);
        } else {
            // long block: the wake starts a new period
            s.deadlAbs = now + s.period;
            s.cputime = 0;
            extraqCheckAddUnblocked(pc, s);
        }
        if (s.periodBegin() > now) {
            waitqInsert(pc, s);
        } else {
            runqInsert(pc, s);
        }
        if (shouldSwitch(pc, current(cpu), s, now)) {
            pool.tickle(cpu);
        }
    }

    /** Xen's {@code unblock_short_extra_support}: the rest of the period is lost, compensated via L0. */
    private static void unblockShort(Pcpu pc, SVcpu s) {
        s.deadlAbs += s.period;
        long pen = Math.max(0, s.slice - s.cputime);
        s.shortBlockLost = pen;
        if (pen > 0) {
            extraDel(pc, s, PEN_Q);
            s.score[PEN_Q] = (s.period << 10) / pen;
            s.wantPenQ = true;
            extraqAddSortUpdate(pc, s, PEN_Q, 0);
        }
        s.cputime = 0;
    }

    /** Xen's {@code should_switch}. */
    private static boolean shouldSwitch(Pcpu pc, SVcpu cur, SVcpu other, long now) {
        if (cur == null) {
            return true;
        }
        if (other.slice > 0 && other.periodBegin() < pc.currentSliceExpires) {
            return true;
        }
        switch (cur.runType) {
        case RUN_PEN:
            return other.wantPenQ && score(pc, other, PEN_Q) < score(pc, cur, PEN_Q);
        case RUN_UTIL:
            return other.wantPenQ;
        default:
            return false;
        }
    }

    // ------------------------------------------------------------------ parameters

    @Override
    protected ParamValues getDomainParams(SDom d) {
        return d.params;
    }

    @Override
    protected void adjustDomain(SDom d, ParamValues p) {
        long period = p.get("period");
        long slice = p.get("slice");
        if (slice > period) {
            throw new SchedParamException("slice", name() + ": slice = " + slice + "us must not exceed period = "
                    + period + "us");
        }
        if (slice > 0 && slice * US < SLICE_MIN) {
            throw new SchedParamException("slice", name() + ": slice = " + slice
                    + "us is too short: 0 (best effort) or at least 5us");
        }
        if (slice == 0 && !p.flag("extratime")) {
            throw new SchedParamException("extratime", name()
                    + ": a best-effort domain (slice = 0) needs extratime on, or it never runs");
        }
        d.params = p;
        long now = pool.now();
        for (SVcpu s : d.vcpus) {
            long oldPeriod = s.periodOrig;
            long oldSlice = s.sliceOrig;
            Pcpu pc = pcpus[s.vcpu().processor()];
            extraDel(pc, s, UTIL_Q);
            apply(s, p);
            if (s.extraAware && s.vcpu().isRunnable()) {
                extraqAddSortUpdate(pc, s, UTIL_Q, 0);
            }
            if (s.periodOrig != oldPeriod || s.sliceOrig != oldSlice) {
                // a new reservation starts a new period now (or at the next wake)
                s.cputime = 0;
                if (s.list.isQueued()) {
                    s.deadlAbs = now + s.period;
                    s.list.unlink();
                    runqInsert(pc, s);
                } else {
                    s.deadlAbs = 0;
                }
            }
            pool.tickle(s.vcpu().processor());
        }
    }

    @Override
    protected void dumpState(StringBuilder out) {
        for (int c = pool.cpus().first(); c >= 0; c = pool.cpus().next(c)) {
            Pcpu pc = pcpus[c];
            out.append("CPU[").append(c).append("] curr=").append(current(c) == null ? "idle" : current(c)).append('\n');
            dumpQueue(out, pc, "RUNQ", pc.runq);
            dumpQueue(out, pc, "WAITQ", pc.waitq);
            dumpQueue(out, pc, "EXTRAQ (penalty)", pc.extraq[PEN_Q]);
            dumpQueue(out, pc, "EXTRAQ (utilization)", pc.extraq[UTIL_Q]);
        }
    }

    private static void dumpQueue(StringBuilder out, Pcpu pc, String title, LinkedQueue<SVcpu> q) {
        out.append(title).append(":\n");
        for (Link<SVcpu> l = q.first(); l != null; l = l.next()) {
            SVcpu s = l.item();
            out.append("  ").append(s).append(" p=").append(s.period).append(" sl=").append(s.slice).append(" ddl=")
                    .append(s.deadlAbs).append(" c=").append(s.cputime).append(" sc=").append(score(pc, s, PEN_Q)).append('/')
                    .append(score(pc, s, UTIL_Q)).append(s.extraAware ? " xtra" : "").append('\n');
        }
    }
}
