package org.oxen.sched.testing;

import org.oxen.sched.api.CpuMask;
import org.oxen.sched.api.SchedVcpu;
import org.oxen.sched.api.VcpuData;

/** A simulated vcpu with its workload and statistics. */
public final class SimVcpu implements SchedVcpu {

    private final Simulator sim;
    private final SimDomain domain;
    private final int id;
    final Workload workload;
    final CpuMask affinity;
    VcpuData data;

    int processor;
    int runningOn = -1;
    /** Switched out by a decision, but its context is not saved yet: still reads as running. */
    boolean switchingOut;
    long switchGen;
    boolean blocked;
    int pauseCount;
    long burstLeft;
    long since;

    // statistics
    long cpuTime;
    long wokenAt = -1;
    long latencyCount;
    long latencySum;
    long latencyMax;
    long dispatches;

    SimVcpu(Simulator sim, SimDomain domain, int id, Workload workload, CpuMask affinity) {
        this.sim = sim;
        this.domain = domain;
        this.id = id;
        this.workload = workload;
        this.affinity = affinity;
    }

    @Override
    public SimDomain domain() {
        return domain;
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public boolean isRunnable() {
        return !blocked && pauseCount == 0;
    }

    @Override
    public int processor() {
        return processor;
    }

    @Override
    public boolean isRunning() {
        return runningOn >= 0;
    }

    @Override
    public CpuMask affinity() {
        return affinity;
    }

    @Override
    public void setProcessor(int cpu) {
        if (runningOn >= 0 && runningOn != cpu) {
            sim.violation(this + " moved to cpu " + cpu + " while running on cpu " + runningOn);
        }
        if (!affinity.contains(cpu) || !sim.cpus().contains(cpu)) {
            sim.violation(this + " moved to cpu " + cpu + " outside affinity " + affinity + " or the machine");
        }
        processor = cpu;
    }

    @Override
    public void pause() {
        sim.pause(this);
    }

    @Override
    public void unpause() {
        sim.unpause(this);
    }

    /** The pause count (Xen's {@code pause_count}): domain pauses plus scheduler parking. */
    public int pauseCount() {
        return pauseCount;
    }

    /** The scheduler's private data of this vcpu. */
    public VcpuData data() {
        return data;
    }

    public Workload workload() {
        return workload;
    }

    /** CPU time since the last statistics reset, including the current run. */
    public long cpuTime() {
        return cpuTime + (runningOn >= 0 && !switchingOut ? sim.now() - since : 0);
    }

    /** Number of wake-to-dispatch samples. */
    public long latencyCount() {
        return latencyCount;
    }

    /** Mean wake-to-dispatch latency in ns (0 with no sample). */
    public double meanLatency() {
        return latencyCount == 0 ? 0 : (double) latencySum / latencyCount;
    }

    public long maxLatency() {
        return latencyMax;
    }

    /** Times this vcpu was dispatched (switched to). */
    public long dispatches() {
        return dispatches;
    }

    @Override
    public String toString() {
        return domain.name() + ".v" + id;
    }
}
