package org.oxen.sched.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.oxen.sched.api.DomainData;
import org.oxen.sched.api.SchedDomain;

/** A simulated domain. */
public final class SimDomain implements SchedDomain {

    private final int id;
    private final String name;
    final List<SimVcpu> vcpus = new ArrayList<>();
    DomainData data;
    Simulator.Pool pool;

    SimDomain(int id, String name) {
        this.id = id;
        this.name = name;
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int vcpuCount() {
        return vcpus.size();
    }

    public List<SimVcpu> vcpus() {
        return Collections.unmodifiableList(vcpus);
    }

    public SimVcpu vcpu(int i) {
        return vcpus.get(i);
    }

    /** The id of the CPU pool the domain is in. */
    public int poolId() {
        return pool.id;
    }

    /** The scheduler's private data of this domain. */
    public DomainData data() {
        return data;
    }

    /** CPU time of all its vcpus since the last statistics reset. */
    public long cpuTime() {
        long t = 0;
        for (SimVcpu v : vcpus) {
            t += v.cpuTime();
        }
        return t;
    }

    @Override
    public String toString() {
        return name + "(d" + id + ")";
    }
}
