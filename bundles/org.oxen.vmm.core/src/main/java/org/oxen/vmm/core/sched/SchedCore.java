package org.oxen.vmm.core.sched;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.oxen.vmm.abi.Trace;

import org.oxen.sched.api.CpuMask;
import org.oxen.sched.api.DomainData;
import org.oxen.sched.api.DomainMove;
import org.oxen.sched.api.SchedDomain;
import org.oxen.sched.api.SchedTimer;
import org.oxen.sched.api.SchedVcpu;
import org.oxen.sched.api.Scheduler;
import org.oxen.sched.api.VcpuData;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.x86.api.Clock;

/**
 * The scheduling core (Xen's schedule.c): the pCPUs, a domain's and a vcpu's life in a
 * {@link Scheduler} instance (init, destroy, sleep, wake, stop), sched_move_domain
 * ({@link DomainMove.Core}), and hypervisor timers. The pools and the scheduler registry are
 * {@link CpuPools} (cpupool.c).
 *
 * <p>Locking: sleep/wake/stop take no core lock (a scheduler instance takes its own); the
 * DomainMove glue runs under {@link CpuPools}' config lock. The lock order is stated once, in
 * the {@link org.oxen.vmm.core} package documentation.
 */
public final class SchedCore implements DomainMove.Core {

    /** What the hypervisor provides. */
    public interface Host extends Pcpu.SliceHooks {
        void log(String line);

        /** The trace buffers (scheduling events are traced here). */
        org.oxen.vmm.core.trace.TraceBuffers trace();
    }

    private final Host host;
    private final Clock clock;
    private final Pcpu[] pcpus;
    private final CpuPools pools;
    private final TimerAlarm alarm;
    private final Object notRunning = new Object();
    private final AtomicLong twoPcpus = new AtomicLong();
    /** The instance DomainMove is attaching vcpus to (under the config lock). */
    private Scheduler<?, ?> moveTarget;
    /** DomainMove pauses of the current pool switch (under the config lock). */
    private long pausedAt, maxPause, pauseSum;

    public SchedCore(Host host, Clock clock, int nrPcpus) {
        this.host = host;
        this.clock = clock;
        this.pcpus = new Pcpu[nrPcpus];
        for (int i = 0; i < nrPcpus; i++) {
            pcpus[i] = new Pcpu(i, this, host, clock);
        }
        alarm = new TimerAlarm(pcpus, clock);
        pools = new CpuPools(this);
        alarm.start();
        for (Pcpu p : pcpus) {
            p.start();
        }
    }

    /** The pools and the scheduler registry. */
    public CpuPools cpupools() {
        return pools;
    }

    void log(String line) {
        host.log(line);
    }

    Clock clock() {
        return clock;
    }

    org.oxen.vmm.core.trace.TraceBuffers trace() {
        return host.trace();
    }

    TimerAlarm alarm() {
        return alarm;
    }

    Pcpu pcpu(int cpu) {
        return pcpus[cpu];
    }

    void countTwoPcpus() {
        twoPcpus.incrementAndGet();
    }

    /** Decisions a scheduler took that would have put a vcpu on two pCPUs (refused; tests assert 0). */
    public long twoPcpuViolations() {
        return twoPcpus.get();
    }

    /** Scheduling decisions taken by all pCPUs so far (tests, benchmarks: an idle machine takes none). */
    public long decisions() {
        long n = 0;
        for (Pcpu p : pcpus) {
            n += p.decisions;
        }
        return n;
    }

    public int nrPcpus() {
        return pcpus.length;
    }

    /** The last pool switch: see {@link CpuPools#lastSwap}. */
    public long[] lastSwap() {
        return pools.lastSwap();
    }

    /** Stops the alarm and every pCPU thread; whether every pCPU thread has ended (each waited for 10 s at most). */
    public boolean shutdown() {
        alarm.stop();
        boolean ended = true;
        for (Pcpu p : pcpus) {
            try {
                ended &= p.stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ended = false;
            }
        }
        return ended;
    }

    /**
     * A hypervisor timer on pCPU {@code cpu} (Xen's init_timer): it belongs to no scheduler
     * instance, so it survives every pool change and scheduler swap; a free pCPU fires it too.
     * The callback runs on that pCPU's thread, outside every core lock.
     */
    public SchedTimer newTimer(int cpu, Runnable callback) {
        return pcpus[Math.floorMod(cpu, pcpus.length)].newTimer(null, callback);
    }

    // ------------------------------------------------------------------ a domain in an instance

    /** sched_init_domain: {@code d}'s private data in {@code s}, each vcpu on the pCPU it picks. */
    void initDomain(DomainImpl d, Scheduler<?, ?> s) {
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
    }

    /** sched_destroy_domain: the stopped domain's data leaves {@code s}. */
    void destroyDomain(DomainImpl d, Scheduler<?, ?> s) {
        for (int i = 0; i < d.vcpuCount(); i++) {
            VcpuImpl v = d.vcpu(i);
            s.remove(v.schedData());
            s.freeVcpu(v.schedData());
            v.attach(null, null);
        }
        s.freeDomain(d.schedData);
        d.schedData = null;
    }

    // ------------------------------------------------------------------ sched_move_domain

    void move(DomainImpl d, Scheduler<?, ?> from, Scheduler<?, ?> to) {
        // a vcpu pinned to no pCPU of the new instance loses its pinning (Xen's "Breaking affinity")
        for (int i = 0; i < d.vcpuCount(); i++) {
            VcpuImpl v = d.vcpu(i);
            if (!v.affinity().intersects(to.pool().cpus())) {
                log(String.format("sched: d%dv%d: breaking affinity %s (not in %s)", d.id(), i, v.affinity(),
                        to.pool().cpus()));
                v.setAffinity(CpuMask.all());
            }
        }
        moveTarget = to;
        try {
            DomainMove.move(d, from, to, this);
        } finally {
            moveTarget = null;
        }
    }

    void resetMovePauses() {
        maxPause = 0;
        pauseSum = 0;
    }

    /** {longest DomainMove pause, sum of them} since {@link #resetMovePauses}. */
    long[] movePauses() {
        return new long[] {maxPause, pauseSum};
    }

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

    // ------------------------------------------------------------------ sleep and wake

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
        v.updateRunstate();
        v.schedSleep();
    }

    /** The vcpu may be runnable now (vcpu_wake). */
    public void wake(VcpuImpl v) {
        v.updateRunstate();
        if (v.isRunnable()) {
            org.oxen.vmm.core.trace.TraceBuffers t = host.trace();
            if (t.on(Trace.TRC_SCHED)) t.trace2(Trace.TRC_SCHED_WAKE, v.domain().id(), v.id());
            v.schedWake();
        }
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
}
