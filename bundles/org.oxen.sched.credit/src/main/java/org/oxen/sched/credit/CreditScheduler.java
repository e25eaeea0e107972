package org.oxen.sched.credit;

import org.oxen.sched.api.CpuMask;
import org.oxen.sched.api.CpuPool;
import org.oxen.sched.api.Decision;
import org.oxen.sched.api.DomainData;
import org.oxen.sched.api.ParamValues;
import org.oxen.sched.api.SchedDomain;
import org.oxen.sched.api.SchedParamException;
import org.oxen.sched.api.SchedTimer;
import org.oxen.sched.api.SchedVcpu;
import org.oxen.sched.api.Scheduler;
import org.oxen.sched.api.VcpuData;
import org.oxen.sched.api.util.Link;
import org.oxen.sched.api.util.LinkedQueue;

/**
 * Xen's Credit scheduler (credit1, {@code xen/common/sched/credit.c}).
 *
 * <h2>Design</h2>
 * Each domain has a weight and an optional cap. Vcpus earn credits at every accounting (once
 * per tslice, on the pool's first pCPU) in proportion to their domain's weight, and burn 10
 * credits per ms they run, charged exactly (with a residual) at every decision and every tick
 * (tslice/3). A vcpu with credit &ge; 0 is UNDER, below 0 it is OVER; priorities change only at
 * accounting, plus BOOST for an UNDER vcpu that wakes (dropped back to UNDER at the next tick it
 * is found running). Each pCPU has a run queue ordered BOOST &gt; UNDER &gt; OVER, FIFO within a
 * priority; the head runs for a tslice. A pCPU whose best candidate is OVER or idle steals the
 * first strictly better queued vcpu from a busy peer (load balancing). A capped domain's vcpus
 * are parked (paused) once their debt exceeds the per-vcpu cap, and unparked when their credit
 * is positive again. Ratelimit keeps a just-dispatched vcpu on the pCPU for at least that long.
 *
 * <p>Where this differs from Xen:
 * <ul>
 * <li>A run queue is three FIFO queues (BOOST, UNDER, OVER) instead of one sorted list, so
 *     insertion is O(1) at 1024 vcpus; a yielding vcpu goes behind the first entry of the next
 *     lower non-empty priority, which is where Xen's list walk puts it. The tick re-sort moves
 *     entries whose priority changed at accounting to the queue of their new priority, keeping
 *     their order (Xen's re-sort also keeps BOOST and UNDER interleaved; here BOOST goes first).</li>
 * <li>No migration from the tick and no "push cur away" on wake ({@code _VPF_migrating}): the
 *     SPI has no post-context-switch hook yet. Balancing is by stealing, Xen's main mechanism:
 *     idle pCPUs are tickled by wake-ups and steal the woken vcpu.</li>
 * <li>Ratelimit: a vcpu that ran less than ratelimit keeps the pCPU for max(ratelimit - run,
 *     100 us); Xen's code gives exactly 100 us when it ran under 100 us (a quirk).</li>
 * <li>No soft affinity and no SMT/topology preference in pickCpu (flat pCPUs).</li>
 * <li>Tickless idle: a pCPU that goes idle stops its tick and restarts it when it next runs a
 *     vcpu (Xen's csched_tick_suspend/resume, which Xen's idle loop calls); the accounting
 *     timer stops when it finds no active vcpu and restarts when a tick makes one active (Xen
 *     re-arms it regardless). Every wake-up tickles, so an idle pool needs no timer at all.</li>
 * </ul>
 *
 * <h2>Locking</h2>
 * Everything runs under the instance lock of {@link Scheduler} (Xen's private lock and the
 * per-runqueue locks collapsed into one, so the steal needs no trylock). Parking calls
 * {@link SchedVcpu#pause()}, which re-enters {@link #sleepVcpu} under the same (reentrant) lock.
 */
final class CreditScheduler extends Scheduler<CreditScheduler.CVcpu, CreditScheduler.CDom> {

    static final int PRI_BOOST = 0;
    static final int PRI_UNDER = -1;
    static final int PRI_OVER = -2;
    static final int PRI_IDLE = -64;

    static final long CREDITS_PER_MSEC = 10;
    static final long MS = 1_000_000L;
    static final long US = 1_000L;
    /** Xen's CSCHED_MIN_TIMER / XEN_SYSCTL_SCHED_RATELIMIT_MIN. */
    static final long MIN_TIMER = 100 * US;
    static final int TICKS_PER_TSLICE = 3;

    /** Per-vcpu data: Xen's {@code struct csched_unit}. */
    static final class CVcpu extends VcpuData {
        final CDom sdom;
        final Link<CVcpu> runqElem = new Link<>(this);
        final Link<CVcpu> activeElem = new Link<>(this);
        int pri = PRI_UNDER;
        long credit;
        long residual;
        long startTime;
        long lastSchedTime;
        boolean parked;
        boolean yielded;

        CVcpu(SchedVcpu v, CDom sdom) {
            super(v);
            this.sdom = sdom;
        }
    }

    /** Per-domain data: Xen's {@code struct csched_dom}. */
    static final class CDom extends DomainData {
        final LinkedQueue<CVcpu> activeVcpus = new LinkedQueue<>();
        final Link<CDom> activeSdomElem = new Link<>(this);
        int weight = 256;
        int cap;

        CDom(SchedDomain d) {
            super(d);
        }
    }

    /** Per-pCPU data: Xen's {@code struct csched_pcpu}. */
    private final class Pcpu {
        final int cpu;
        /** Index 0 BOOST, 1 UNDER, 2 OVER. */
        @SuppressWarnings("unchecked")
        final LinkedQueue<CVcpu>[] runq = new LinkedQueue[] { new LinkedQueue<>(), new LinkedQueue<>(),
                new LinkedQueue<>() };
        final SchedTimer ticker;
        /** The ticker is stopped while the pCPU is idle (Xen's csched_tick_suspend). */
        boolean tickerSuspended;
        int runqSortLast;
        boolean idle = true;
        int lastTickle;
        int balanceNext;

        Pcpu(int cpu) {
            this.cpu = cpu;
            this.ticker = newTimer(cpu, () -> tick(this));
            this.lastTickle = cpu;
            this.balanceNext = cpu;
        }

        int queued() {
            return runq[0].size() + runq[1].size() + runq[2].size();
        }

        CVcpu head() {
            for (LinkedQueue<CVcpu> q : runq) {
                if (!q.isEmpty()) {
                    return q.peek();
                }
            }
            return null;
        }
    }

    private final Pcpu[] pcpus;
    private final CpuMask cpus;
    private final int master;
    private final SchedTimer masterTicker;
    /** The accounting timer stopped: no vcpu is active (nothing to account). */
    private boolean masterStopped;
    private final LinkedQueue<CDom> activeSdom = new LinkedQueue<>();
    private long weightTotal;
    private long creditBalance;
    private int runqSort;
    private int nrIdle;

    private long tsliceNs;
    private long tickNs;
    private long creditsPerTslice;
    private long ratelimitNs;

    CreditScheduler(CreditFactory f, CpuPool pool, ParamValues poolParams) {
        super(f, pool, poolParams, CVcpu.class, CDom.class);
        checkPool(poolParams);
        applyPool(poolParams);
        this.cpus = pool.cpus();
        this.pcpus = new Pcpu[cpus.last() + 1];
        long now = pool.now();
        for (int c = cpus.first(); c >= 0; c = cpus.next(c)) {
            pcpus[c] = new Pcpu(c);
            pcpus[c].ticker.set(now + tickNs);
            nrIdle++;
        }
        this.master = cpus.first();
        this.masterTicker = newTimer(master, this::accounting);
        masterTicker.set(now + tsliceNs);
    }

    private void applyPool(ParamValues p) {
        long tsliceMs = p.get("tslice");
        tsliceNs = tsliceMs * MS;
        tickNs = tsliceNs / TICKS_PER_TSLICE;
        creditsPerTslice = CREDITS_PER_MSEC * tsliceMs;
        ratelimitNs = p.get("ratelimit") * US;
    }

    private static void checkPool(ParamValues p) {
        if (p.get("ratelimit") * US > p.get("tslice") * MS) {
            throw new SchedParamException("ratelimit", CreditFactory.NAME + ": ratelimit = " + p.get("ratelimit")
                    + "us must not exceed tslice = " + p.get("tslice") + "ms");
        }
    }

    // ------------------------------------------------------------------ data

    @Override
    protected CDom allocDomainData(SchedDomain d) {
        return new CDom(d);
    }

    @Override
    protected CVcpu allocVcpuData(SchedVcpu v, CDom dom) {
        return new CVcpu(v, dom);
    }

    @Override
    protected void insertVcpu(CVcpu svc) {
        if (!svc.runqElem.isQueued() && svc.vcpu().isRunnable() && !svc.vcpu().isRunning()) {
            runqInsert(svc);
        }
    }

    @Override
    protected void removeVcpu(CVcpu svc) {
        if (svc.runqElem.isQueued()) {
            svc.runqElem.unlink();
        }
        if (svc.activeElem.isQueued()) {
            acctStop(svc);
        }
        if (svc.parked) {
            // as Xen's csched_unit_remove: the pause taken by parking is ours to give back, or a
            // vcpu moved to another scheduler would stay paused forever (the domain is paused
            // during a removal, so this does not wake it)
            svc.parked = false;
            svc.vcpu().unpause();
        }
    }

    // ------------------------------------------------------------------ run queues

    private static int qIndex(int pri) {
        return pri == PRI_BOOST ? 0 : pri == PRI_UNDER ? 1 : 2;
    }

    /** Xen's {@code __runq_insert}, with the yield rule. */
    private void runqInsert(CVcpu svc) {
        Pcpu pc = pcpus[svc.vcpu().processor()];
        int q = qIndex(svc.pri);
        if (svc.yielded) {
            for (int lower = q + 1; lower < 3; lower++) {
                if (!pc.runq[lower].isEmpty()) {
                    pc.runq[lower].insertAfter(pc.runq[lower].first(), svc.runqElem);
                    return;
                }
            }
        }
        pc.runq[q].addLast(svc.runqElem);
    }

    /** Xen's {@code csched_runq_sort}: move entries to the queue of their current priority, keeping order. */
    private void runqSort(Pcpu pc) {
        pc.runqSortLast = runqSort;
        LinkedQueue<CVcpu> all = new LinkedQueue<>();
        for (LinkedQueue<CVcpu> q : pc.runq) {
            all.appendAll(q);
        }
        CVcpu svc;
        while ((svc = all.poll()) != null) {
            pc.runq[qIndex(svc.pri)].addLast(svc.runqElem);
        }
    }

    // ------------------------------------------------------------------ credit

    /** Xen's {@code burn_credits}: exact charging with a residual. */
    private static void burn(CVcpu svc, long now) {
        long delta = now - svc.startTime;
        if (delta <= 0) {
            return;
        }
        long val = delta * CREDITS_PER_MSEC + svc.residual;
        svc.residual = val % MS;
        svc.credit -= val / MS;
        svc.startTime = now;
    }

    private void acctStart(CVcpu svc) {
        CDom sdom = svc.sdom;
        sdom.activeVcpus.addLast(svc.activeElem);
        weightTotal += sdom.weight;
        if (masterStopped) {
            // the first active vcpu after a quiet spell: accounting resumes
            masterStopped = false;
            masterTicker.set(pool.now() + tsliceNs);
        }
        if (!sdom.activeSdomElem.isQueued()) {
            activeSdom.addLast(sdom.activeSdomElem);
        }
    }

    private void acctStop(CVcpu svc) {
        CDom sdom = svc.sdom;
        weightTotal -= sdom.weight;
        sdom.activeVcpus.remove(svc.activeElem);
        if (sdom.activeVcpus.isEmpty()) {
            sdom.activeSdomElem.unlink();
        }
    }

    /** Xen's {@code csched_tick}: per pCPU, every tslice/3. */
    private void tick(Pcpu pc) {
        long now = pool.now();
        CVcpu cur = current(pc.cpu);
        if (cur != null) {
            if (cur.pri == PRI_BOOST) {
                cur.pri = PRI_UNDER;
            }
            burn(cur, now);
            if (!cur.activeElem.isQueued()) {
                acctStart(cur);
            }
        }
        if (pc.runqSortLast != runqSort) {
            runqSort(pc);
        }
        pc.ticker.set(now + tickNs);
    }

    private static long divUp(long a, long b) {
        return (a + b - 1) / b;
    }

    /** Xen's {@code csched_acct}: once per tslice on the master pCPU. */
    private void accounting() {
        long weightTotalNow = weightTotal;
        if (weightTotalNow == 0) {
            // nothing active: the ticker stops until a vcpu burns credit again (acctStart), so an
            // idle pool costs no wake-ups (Xen re-arms it regardless; a wake-up costs it nothing)
            creditBalance = 0;
            masterStopped = true;
            return;
        }
        masterTicker.set(pool.now() + tsliceNs);
        long creditTotal = creditsPerTslice * cpus.cardinality();
        if (creditBalance < 0) {
            creditTotal -= creditBalance;
        }
        long weightLeft = weightTotalNow;
        long balance = 0;
        boolean creditXtra = false;
        for (Link<CDom> dl = activeSdom.first(); dl != null;) {
            Link<CDom> nextDom = dl.next();
            CDom sdom = dl.item();
            long n = sdom.activeVcpus.size();
            weightLeft -= sdom.weight * n;
            long peak = n * creditsPerTslice;
            if (creditBalance < 0) {
                peak += divUp(-creditBalance * sdom.weight * n, weightTotalNow);
            }
            long capPerVcpu = 0;
            if (sdom.cap != 0) {
                long capcr = divUp(sdom.cap * creditsPerTslice, 100);
                peak = Math.min(peak, capcr);
                capPerVcpu = divUp(capcr, n);
            }
            long fair = divUp(creditTotal * sdom.weight * n, weightTotalNow);
            if (fair < peak) {
                creditXtra = true;
            } else {
                if (weightLeft != 0) {
                    // give the other domains a chance at the unused credits
                    creditTotal += divUp((fair - peak) * weightTotalNow, weightLeft);
                }
                if (creditXtra) {
                    // domains with spare credit go to the head, so others get at it next time
                    activeSdom.remove(dl);
                    activeSdom.addFirst(dl);
                }
                fair = peak;
            }
            long perVcpu = divUp(fair, n);
            for (Link<CVcpu> vl = sdom.activeVcpus.first(); vl != null;) {
                Link<CVcpu> nextVcpu = vl.next();
                CVcpu svc = vl.item();
                svc.credit += perVcpu;
                long credit = svc.credit;
                if (credit < 0) {
                    svc.pri = PRI_OVER;
                    if (sdom.cap != 0 && credit < -capPerVcpu && !svc.parked) {
                        svc.parked = true;
                        svc.vcpu().pause();
                    }
                    if (credit < -creditsPerTslice) {
                        credit = -creditsPerTslice;
                        svc.credit = credit;
                    }
                } else {
                    svc.pri = PRI_UNDER;
                    if (svc.parked) {
                        // unpause first, clear the flag after: the wake must not boost
                        svc.vcpu().unpause();
                        svc.parked = false;
                    }
                    if (credit > creditsPerTslice) {
                        // an idle vcpu stops earning; half its credit stays for when it comes back
                        acctStop(svc);
                        credit /= 2;
                        svc.credit = credit;
                    }
                }
                balance += credit;
                vl = nextVcpu;
            }
            dl = nextDom;
        }
        creditBalance = balance;
        runqSort++;
    }

    // ------------------------------------------------------------------ hooks

    @Override
    protected void doSchedule(int cpu, CVcpu scurr, long now, Decision out) {
        Pcpu pc = pcpus[cpu];
        if (scurr != null) {
            burn(scurr, now);
            if (ratelimitNs > 0 && !scurr.yielded && scurr.vcpu().isRunnable()) {
                long runtime = now - scurr.lastSchedTime;
                if (runtime < ratelimitNs) {
                    out.run(scurr, Math.max(ratelimitNs - runtime, MIN_TIMER));
                    return;
                }
            }
            if (scurr.vcpu().isRunnable()) {
                runqInsert(scurr);
            }
        }
        CVcpu snext = pc.head();
        boolean migrated = false;
        if (snext != null && snext.pri > PRI_OVER) {
            snext.runqElem.unlink();
        } else {
            CVcpu stolen = loadBalance(pc, snext == null ? PRI_IDLE : snext.pri);
            if (stolen != null) {
                snext = stolen;
                migrated = true;
            } else if (snext != null) {
                snext.runqElem.unlink();
            }
        }
        if (scurr != null) {
            scurr.yielded = false;
        }
        setIdle(pc, snext == null);
        if (snext == null) {
            // an idle pCPU needs no tick (Xen's csched_tick_suspend): it waits for a wake-up's tickle
            if (!pc.tickerSuspended) {
                pc.tickerSuspended = true;
                pc.ticker.stop();
            }
            out.idle(Decision.NO_TIMER);
            return;
        }
        if (pc.tickerSuspended) {
            pc.tickerSuspended = false; // csched_tick_resume: back on the tick grid
            pc.ticker.set(now + tickNs - Math.floorMod(now, tickNs));
        }
        if (snext != scurr) {
            snext.lastSchedTime = now;
        }
        snext.startTime = now;
        out.run(snext, tsliceNs, migrated);
    }

    private void setIdle(Pcpu pc, boolean idle) {
        if (pc.idle != idle) {
            pc.idle = idle;
            nrIdle += idle ? 1 : -1;
        }
    }

    /** Xen's {@code csched_load_balance}: steal a better vcpu from a busy peer. */
    private CVcpu loadBalance(Pcpu pc, int pri) {
        int start = pc.balanceNext;
        int peer = start;
        do {
            peer = cpus.cycle(peer);
            if (peer == pc.cpu) {
                continue;
            }
            Pcpu pp = pcpus[peer];
            if (pp.idle || pp.queued() + (current(peer) != null ? 1 : 0) <= 1) {
                continue;
            }
            CVcpu speer = runqSteal(pp, pc.cpu, pri);
            if (speer != null) {
                pc.balanceNext = peer;
                return speer;
            }
        } while (peer != start);
        return null;
    }

    /** Xen's {@code csched_runq_steal}: the first queued vcpu of strictly higher priority that may move. */
    private CVcpu runqSteal(Pcpu peer, int cpu, int pri) {
        for (LinkedQueue<CVcpu> q : peer.runq) {
            for (Link<CVcpu> l = q.first(); l != null; l = l.next()) {
                CVcpu speer = l.item();
                if (speer.pri <= pri) {
                    return null;
                }
                // Xen's __csched_unit_is_migrateable: not running (a vcpu just switched out reads
                // as running until its context is saved), not yielding, allowed on cpu
                if (!speer.vcpu().isRunning() && !speer.yielded && speer.vcpu().affinity().contains(cpu)) {
                    q.remove(l);
                    speer.vcpu().setProcessor(cpu);
                    return speer;
                }
            }
        }
        return null;
    }

    /** Xen's {@code _csched_cpu_pick} on flat pCPUs. */
    @Override
    protected int doPickCpu(CVcpu svc) {
        SchedVcpu v = svc.vcpu();
        CpuMask aff = v.affinity();
        int cpu = v.processor();
        if (!cpus.contains(cpu) || !aff.contains(cpu)) {
            cpu = firstAllowed(cpu, aff);
        }
        Pcpu pc = pcpus[cpu];
        if (pc.idle || (current(cpu) == svc && pc.queued() == 0)) {
            return cpu;
        }
        for (int c = cpus.cycle(cpu); c != cpu; c = cpus.cycle(c)) {
            if (pcpus[c].idle && aff.contains(c)) {
                return c;
            }
        }
        return cpu;
    }

    private int firstAllowed(int from, CpuMask aff) {
        int c = from;
        for (int i = 0; i <= cpus.cardinality(); i++) {
            c = cpus.cycle(c);
            if (aff.contains(c)) {
                return c;
            }
        }
        throw new IllegalStateException("no pCPU of pool " + cpus + " in affinity " + aff);
    }

    @Override
    protected void sleepVcpu(CVcpu svc) {
        int cpu = svc.vcpu().processor();
        if (current(cpu) == svc) {
            pool.tickle(cpu);
        } else if (svc.runqElem.isQueued()) {
            svc.runqElem.unlink();
        }
    }

    @Override
    protected void wakeVcpu(CVcpu svc) {
        if (current(svc.vcpu().processor()) == svc || svc.runqElem.isQueued()) {
            return;
        }
        if (svc.pri == PRI_UNDER && !svc.parked) {
            svc.pri = PRI_BOOST;
        }
        runqInsert(svc);
        runqTickle(svc);
    }

    /** Xen's {@code __runq_tickle}. */
    private void runqTickle(CVcpu snew) {
        int cpu = snew.vcpu().processor();
        CVcpu cur = current(cpu);
        int curPri = cur == null ? PRI_IDLE : cur.pri;
        boolean idlersEmpty = nrIdle == 0;
        if (curPri == PRI_IDLE || (idlersEmpty && snew.pri > curPri)) {
            tickle(cpu);
            return;
        }
        if (idlersEmpty) {
            return;
        }
        CpuMask aff = snew.vcpu().affinity();
        Pcpu pc = pcpus[cpu];
        int c = pc.lastTickle;
        for (int i = 0; i < cpus.cardinality(); i++) {
            c = cpus.cycle(c);
            if (pcpus[c].idle && aff.contains(c)) {
                pc.lastTickle = c;
                tickle(c);
                return;
            }
        }
        if (snew.pri > curPri) {
            tickle(cpu);
        }
    }

    /** Raise the schedule softirq and take the pCPU out of the idlers, so two wakers do not pick it. */
    private void tickle(int cpu) {
        setIdle(pcpus[cpu], false);
        pool.tickle(cpu);
    }

    @Override
    protected void yieldVcpu(CVcpu svc) {
        svc.yielded = true;
    }

    // ------------------------------------------------------------------ parameters

    @Override
    protected ParamValues getDomainParams(CDom sdom) {
        return CreditFactory.DOMAIN.defaults().with(name(), "weight", sdom.weight).with(name(), "cap", sdom.cap);
    }

    @Override
    protected void adjustDomain(CDom sdom, ParamValues p) {
        int weight = (int) p.get("weight");
        int cap = (int) p.get("cap");
        int nvcpus = Math.max(1, sdom.domain().vcpuCount());
        if (cap > 100 * nvcpus) {
            throw new SchedParamException("cap", name() + ": cap = " + cap + "% exceeds 100% per vcpu ("
                    + nvcpus + " vcpu" + (nvcpus == 1 ? "" : "s") + " allow at most " + 100 * nvcpus + "%)");
        }
        if (weight != sdom.weight) {
            weightTotal += (long) (weight - sdom.weight) * sdom.activeVcpus.size();
            sdom.weight = weight;
        }
        sdom.cap = cap;
    }

    @Override
    protected void adjustPool(ParamValues p) {
        checkPool(p);
        applyPool(p);
    }

    @Override
    protected void dumpState(StringBuilder out) {
        out.append("active weight ").append(weightTotal).append(", credit balance ").append(creditBalance)
                .append(", idlers ").append(nrIdle).append('\n');
        for (Pcpu pc : pcpus) {
            if (pc == null) {
                continue;
            }
            out.append("CPU[").append(pc.cpu).append("] ").append(pc.idle ? "idle" : "busy").append(" curr=")
                    .append(current(pc.cpu) == null ? "idle" : describe(current(pc.cpu))).append('\n');
            int i = 0;
            for (LinkedQueue<CVcpu> q : pc.runq) {
                for (Link<CVcpu> l = q.first(); l != null; l = l.next()) {
                    out.append("  ").append(i++).append(": ").append(describe(l.item())).append('\n');
                }
            }
        }
    }

    private static String describe(CVcpu svc) {
        return svc + " [pri=" + svc.pri + " credit=" + svc.credit + (svc.parked ? " parked" : "")
                + (svc.yielded ? " yield" : "") + (svc.activeElem.isQueued() ? " active" : "") + " w="
                + svc.sdom.weight + (svc.sdom.cap != 0 ? " cap=" + svc.sdom.cap : "") + "]";
    }
}
