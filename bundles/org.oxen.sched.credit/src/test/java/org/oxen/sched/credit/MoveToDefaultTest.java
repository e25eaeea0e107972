package org.oxen.sched.credit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.oxen.sched.api.CpuMask;
import org.oxen.sched.api.ParamValues;
import org.oxen.sched.api.SchedulerFactory;
import org.oxen.sched.testing.SimDomain;
import org.oxen.sched.testing.SimVcpu;
import org.oxen.sched.testing.Simulator;
import org.oxen.sched.testing.Workload;
import org.oxen.sched.atropos.AtroposFactory;
import org.oxen.sched.bvt.BvtFactory;
import org.oxen.sched.rr.RoundRobinFactory;
import org.oxen.sched.sedf.SedfFactory;

/**
 * The first half of a scheduler hot-swap, in simulation: a pool scheduled by another algorithm
 * loses its scheduler, and its 16 domains move, while running, to Pool-0 scheduled by Credit,
 * the default, by {@code DomainMove} (Xen's sched_move_domain steps). No vcpu may run on two
 * pCPUs at any instant (the simulator checks every decision), no domain may be lost, and shared
 * parameters carry over.
 */
class MoveToDefaultTest {

    static final long MS = 1_000_000L;
    static final long S = 1_000_000_000L;

    static SchedulerFactory factory(String name) {
        switch (name) {
        case "rr":
            return new RoundRobinFactory();
        case "bvt":
            return new BvtFactory();
        case "sedf":
            return new SedfFactory();
        case "atropos":
            return new AtroposFactory();
        default:
            throw new IllegalArgumentException(name);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = { "rr", "bvt", "sedf", "atropos" })
    void sixteenRunningDomainsMoveToCreditWithoutLossOrDoubleRun(String other) {
        SchedulerFactory otherFactory = factory(other);
        Simulator sim = new Simulator(4);
        sim.setSwitchOutDelay(10_000); // contexts are saved 10 us after each switch
        CreditFactory credit = new CreditFactory();
        int pool0 = sim.addPool(credit, credit.poolSchema().defaults(), CpuMask.of(0, 1));
        int pool1 = sim.addPool(otherFactory, otherFactory.poolSchema().defaults(), CpuMask.of(2, 3));
        List<SimDomain> moved = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            Workload w = i % 3 == 0 ? Workload.io(MS / 2, 3 * MS + i * 100_000)
                    : i % 3 == 1 ? Workload.yielding(2 * MS) : Workload.cpuBound();
            moved.add(sim.addDomain(pool1, other + i, -1, CpuMask.all(), w, Workload.cpuBound()));
        }
        if (other.equals("sedf")) {
            sim.setParams(moved.get(5), "weight=3"); // shared with credit by name and unit
        }
        SimDomain native0 = sim.addDomain(pool0, "credit-native", -1, CpuMask.all(), Workload.cpuBound());
        sim.runUntil(S);
        long[] before = new long[moved.size()];
        for (int i = 0; i < moved.size(); i++) {
            before[i] = moved.get(i).cpuTime();
            assertTrue(before[i] > 0, moved.get(i) + " never ran in pool 1");
        }
        // the scheduler of pool 1 goes away: its domains move to the default scheduler first
        ParamValues weight5 = null;
        for (SimDomain d : moved) {
            ParamValues p = sim.moveDomain(d, pool0);
            if (d == moved.get(5)) {
                weight5 = p;
            }
        }
        sim.resetStats();
        sim.runUntil(3 * S);
        for (SimDomain d : moved) {
            assertEquals(pool0, d.poolId());
            for (SimVcpu v : d.vcpus()) {
                assertTrue(v.processor() == 0 || v.processor() == 1, v + " on cpu " + v.processor());
                assertTrue(v.cpuTime() > 0, v + " did not run after the move");
            }
        }
        assertTrue(sim.share(native0) > 0);
        // pool 1 is empty now: its pCPUs idle; pool 0 is saturated
        assertEquals(1.0, sim.idleFraction(2), 1e-9);
        assertEquals(1.0, sim.idleFraction(3), 1e-9);
        assertEquals(0.0, sim.idleFraction(0), 0.001);
        assertEquals(0.0, sim.idleFraction(1), 0.001);
        assertEquals(other.equals("sedf") ? 3 : 256, weight5.get("weight"));
        assertEquals(0, weight5.get("cap"));
    }
}
