package org.oxen.sched.bvt;

import java.util.ArrayList;
import java.util.List;

import org.oxen.sched.api.CpuPool;
import org.oxen.sched.api.Decision;
import org.oxen.sched.api.DomainData;
import org.oxen.sched.api.ParamValues;
import org.oxen.sched.api.SchedDomain;
import org.oxen.sched.api.SchedTimer;
import org.oxen.sched.api.SchedVcpu;
import org.oxen.sched.api.Scheduler;
import org.oxen.sched.api.VcpuData;
import org.oxen.sched.api.util.CpuPick;
import org.oxen.sched.api.util.Link;
import org.oxen.sched.api.util.LinkedQueue;

/**
 * Borrowed Virtual Time (Duda and Cheriton, SOSP'99; Xen 1.x-2.0's {@code sched_bvt.c}).
 *
 * <h2>Design</h2>
 * Each vcpu has an actual virtual time (avt), advanced by {@code ceil(ran / MCU) * mcu_advance}
 * when it is descheduled (MCU = 100 us; mcu_advance is the inverse weight), and an effective
 * virtual time evt = avt - warp_value while warped, else avt. The runnable vcpu with the lowest
 * evt runs (ties: the earlier queue entry); it may run until its evt passes the second lowest by
 * the context-switch allowance: budget = (evt2 - evt1) * MCU / mcu_advance + ctx_allow, 10 *
 * ctx_allow alone, ctx_allow when idle. svt, the pCPU's system virtual time, is the least avt on
 * its queue; a vcpu that wakes (or is new) with avt &lt; svt is raised to svt, so sleeping earns
 * no catch-up burst. A waker preempts at once if its evt is at most the current vcpu's, else the
 * pCPU's timer is pulled in to when the current vcpu would lose its lead. Warping: while warped
 * and warpl &gt; 0, a continuous run is limited to warpl; then the vcpu is unwarped for warpu
 * (or for good if warpu = 0) and warped again afterwards if warpback is still set.
 *
 * <p>Where this differs from Xen:
 * <ul>
 * <li>The budget and the pulled-in timer convert virtual time to ns (times MCU / mcu_advance);
 *     Xen's formula treats MCUs as ns, making the catch-up term 10^5 times too small.</li>
 * <li>The warp timer runs over a continuous run: it is armed when a warped vcpu is switched in
 *     and stopped when it is switched out, not re-armed when the same vcpu is chosen again.</li>
 * <li>Warp changes recompute evt at once, for queued vcpus too; warpl/warpu are ms in and out.</li>
 * <li>Virtual times are {@code long}s: no rebasing near 0xF0000000.</li>
 * <li>State is per vcpu (Xen 2.0 had one vcpu per domain); parameters are per domain. A vcpu is
 *     placed on the least loaded pCPU when inserted and never balanced afterwards, as in Xen.</li>
 * </ul>
 *
 * <h2>Locking</h2>
 * The instance lock of {@link Scheduler} covers all state, timer callbacks included.
 */
final class BvtScheduler extends Scheduler<BvtScheduler.BVcpu, BvtScheduler.BDom> {

    static final long MCU = 100_000L;
    static final long MS = 1_000_000L;

    static final class BDom extends DomainData {
        final List<BVcpu> vcpus = new ArrayList<>();
        long mcuAdvance = 10;
        boolean warpback;
        long warpValue;
        long warplNs = 2000 * MS;
        long warpuNs = 1000 * MS;

        BDom(SchedDomain d) {
            super(d);
        }
    }

    static final class BVcpu extends VcpuData {
        final BDom dom;
        final Link<BVcpu> link = new Link<>(this);
        long avt;
        long evt;
        long lastSchd;
        boolean warp;
        boolean warpEnabled;
        boolean migrated;
        SchedTimer warpTimer;
        SchedTimer unwarpTimer;

        BVcpu(SchedVcpu v, BDom dom) {
            super(v);
            this.dom = dom;
        }

        void calcEvt() {
            evt = warp ? avt - dom.warpValue : avt;
        }
    }

    private final class Pcpu {
        final LinkedQueue<BVcpu> runq = new LinkedQueue<>();
        final SchedTimer pullIn;
        long svt;
        long sliceEnd;

        Pcpu(int cpu) {
            pullIn = newTimer(cpu, () -> pool.tickle(cpu));
        }
    }

    private final Pcpu[] pcpus = new BvtScheduler.Pcpu[pool.cpus().last() + 1];
    private long ctxAllowNs;

    BvtScheduler(BvtFactory f, CpuPool pool, ParamValues poolParams) {
        super(f, pool, poolParams, BVcpu.class, BDom.class);
        for (int c = pool.cpus().first(); c >= 0; c = pool.cpus().next(c)) {
            pcpus[c] = new Pcpu(c);
        }
        adjustPool(poolParams);
    }

    @Override
    protected BDom allocDomainData(SchedDomain d) {
        return new BDom(d);
    }

    @Override
    protected BVcpu allocVcpuData(SchedVcpu v, BDom dom) {
        BVcpu b = new BVcpu(v, dom);
        b.warp = dom.warpback;
        b.warpEnabled = dom.warpback;
        return b;
    }

    @Override
    protected void insertVcpu(BVcpu b) {
        int cpu = b.vcpu().processor();
        b.warpTimer = newTimer(cpu, () -> warpExpired(b));
        b.unwarpTimer = newTimer(cpu, () -> unwarpExpired(b));
        b.dom.vcpus.add(b);
        b.avt = pcpus[cpu].svt;
        b.calcEvt();
        if (b.vcpu().isRunnable() && !b.link.isQueued()) {
            pcpus[cpu].runq.addLast(b.link);
        }
    }

    @Override
    protected void removeVcpu(BVcpu b) {
        b.link.unlink();
        b.warpTimer.stop();
        b.unwarpTimer.stop();
        b.dom.vcpus.remove(b);
    }

    @Override
    protected void doSchedule(int cpu, BVcpu prev, long now, Decision out) {
        Pcpu pc = pcpus[cpu];
        if (prev != null) {
            long ran = now - prev.lastSchd;
            if (ran > 0) {
                prev.avt += (ran + MCU - 1) / MCU * prev.dom.mcuAdvance;
            }
            prev.lastSchd = now;
            prev.calcEvt();
            prev.link.unlink();
            if (prev.vcpu().isRunnable()) {
                pc.runq.addLast(prev.link);
            }
        }
        BVcpu first = null;
        BVcpu second = null;
        long minAvt = Long.MAX_VALUE;
        for (Link<BVcpu> l = pc.runq.first(); l != null; l = l.next()) {
            BVcpu b = l.item();
            minAvt = Math.min(minAvt, b.avt);
            if (first == null || b.evt < first.evt) {
                second = first;
                first = b;
            } else if (second == null || b.evt < second.evt) {
                second = b;
            }
        }
        if (first != null) {
            pc.svt = minAvt;
        }
        if (prev != null && prev != first) {
            prev.warpTimer.stop();
        }
        pc.pullIn.stop();
        long budget;
        if (first == null) {
            budget = ctxAllowNs;
            out.idle(budget);
        } else {
            if (first != prev) {
                first.lastSchd = now;
                if (first.warp && first.dom.warplNs > 0) {
                    first.warpTimer.set(now + first.dom.warplNs);
                }
            }
            budget = second == null ? 10 * ctxAllowNs
                    : (second.evt - first.evt) * MCU / first.dom.mcuAdvance + ctxAllowNs;
            out.run(first, budget);
        }
        pc.sliceEnd = now + budget;
    }

    @Override
    protected int doPickCpu(BVcpu b) {
        return CpuPick.leastLoaded(pool.cpus(), b.vcpu(), c -> pcpus[c].runq.size());
    }

    @Override
    protected void sleepVcpu(BVcpu b) {
        int cpu = b.vcpu().processor();
        if (current(cpu) == b) {
            pool.tickle(cpu);
        } else {
            b.link.unlink();
        }
    }

    @Override
    protected void wakeVcpu(BVcpu b) {
        int cpu = b.vcpu().processor();
        Pcpu pc = pcpus[cpu];
        if (b.link.isQueued()) {
            return;
        }
        pc.runq.addFirst(b.link);
        if (b.avt < pc.svt || b.migrated) {
            b.avt = pc.svt;
            b.migrated = false;
        }
        b.calcEvt();
        BVcpu curr = current(cpu);
        if (curr == null || b.evt <= curr.evt) {
            pool.tickle(cpu);
            return;
        }
        long rTime = curr.lastSchd + (b.evt - curr.evt) * MCU / curr.dom.mcuAdvance + ctxAllowNs;
        if (rTime < pc.sliceEnd) {
            pc.pullIn.set(rTime);
        }
    }

    /** warpl of continuous warped running is over: unwarp for warpu, or for good. */
    private void warpExpired(BVcpu b) {
        b.warp = false;
        b.calcEvt();
        if (b.dom.warpuNs == 0) {
            b.warpEnabled = false;
        } else {
            b.unwarpTimer.set(pool.now() + b.dom.warpuNs);
        }
        pool.tickle(b.vcpu().processor());
    }

    private void unwarpExpired(BVcpu b) {
        if (b.warpEnabled && b.dom.warpback) {
            b.warp = true;
            b.calcEvt();
            pool.tickle(b.vcpu().processor());
        }
    }

    @Override
    protected ParamValues getDomainParams(BDom d) {
        String n = name();
        return BvtFactory.DOMAIN.defaults().with(n, "mcu_advance", d.mcuAdvance).with(n, "warpback", d.warpback ? 1 : 0)
                .with(n, "warp_value", d.warpValue).with(n, "warpl", d.warplNs / MS).with(n, "warpu", d.warpuNs / MS);
    }

    @Override
    protected void adjustDomain(BDom d, ParamValues p) {
        d.mcuAdvance = p.get("mcu_advance");
        d.warpback = p.flag("warpback");
        d.warpValue = p.get("warp_value");
        d.warplNs = p.get("warpl") * MS;
        d.warpuNs = p.get("warpu") * MS;
        for (BVcpu b : d.vcpus) {
            b.warp = d.warpback;
            b.warpEnabled = d.warpback;
            b.unwarpTimer.stop();
            if (!d.warpback) {
                b.warpTimer.stop();
            }
            b.calcEvt();
        }
    }

    @Override
    protected void adjustPool(ParamValues p) {
        ctxAllowNs = p.get("ctx_allow") * 1_000L;
    }

    @Override
    protected void dumpState(StringBuilder out) {
        for (int c = pool.cpus().first(); c >= 0; c = pool.cpus().next(c)) {
            Pcpu pc = pcpus[c];
            out.append("CPU[").append(c).append("] svt=").append(pc.svt).append(" curr=")
                    .append(current(c) == null ? "idle" : current(c)).append('\n');
            for (Link<BVcpu> l = pc.runq.first(); l != null; l = l.next()) {
                BVcpu b = l.item();
                out.append("  ").append(b).append(" avt=").append(b.avt).append(" evt=").append(b.evt)
                        .append(" adv=").append(b.dom.mcuAdvance).append(b.warp ? " warped" : "").append('\n');
            }
        }
    }
}
