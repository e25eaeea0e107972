package org.oxen.sched.rr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.oxen.sched.testing.SchedulerConformance;
import org.oxen.sched.api.SchedParamException;
import org.oxen.sched.testing.SimDomain;
import org.oxen.sched.testing.SimVcpu;
import org.oxen.sched.testing.Simulator;
import org.oxen.sched.testing.Stress;
import org.oxen.sched.testing.Workload;

class RoundRobinSchedulerTest {

    static final long MS = 1_000_000L;
    static final long S = 1_000_000_000L;
    final RoundRobinFactory factory = new RoundRobinFactory();

    @Test
    void conforms() throws Exception {
        System.out.println(SchedulerConformance.require(factory));
    }

    @Test
    void cpuBoundVcpusGetEqualSharesInStrictCyclicOrderWithTheQuantum() {
        Simulator sim = Simulator.withPoolParams(factory, 1, "quantum=5ms");
        List<SimVcpu> order = new ArrayList<>();
        List<Long> budgets = new ArrayList<>();
        sim.addListener((cpu, now, next, budget) -> {
            order.add(next);
            budgets.add(budget);
        });
        SimDomain[] d = new SimDomain[4];
        for (int i = 0; i < d.length; i++) {
            d[i] = sim.addDomain("d" + i, Workload.cpuBound());
        }
        sim.runUntil(10 * S);
        for (SimDomain x : d) {
            System.out.printf("rr quantum 5ms: %s share %.4f%n", x.name(), sim.share(x));
            assertEquals(0.25, sim.share(x), 1e-9);
        }
        // after the first turn: d0 d1 d2 d3 d0 d1 ... each for exactly one quantum
        for (int i = 4; i < order.size(); i++) {
            assertEquals(order.get(i - 4), order.get(i), "turn " + i);
            assertEquals(5 * MS, budgets.get(i));
        }
        assertEquals(2000, order.size(), 10);
    }

    @Test
    void aWakerRunsRightAfterTheCurrentTurnAheadOfQueuedVcpus() {
        Simulator sim = Simulator.withPoolParams(factory, 1, "quantum=10ms");
        for (int i = 0; i < 3; i++) {
            sim.addDomain("hog" + i, Workload.cpuBound());
        }
        SimDomain io = sim.addDomain("io", Workload.io(MS, 25 * MS));
        sim.runUntil(5 * S);
        SimVcpu v = io.vcpu(0);
        System.out.printf("rr: waker max latency %d us (quantum 10 ms, 3 hogs)%n", v.maxLatency() / 1000);
        // never more than the rest of one turn, although three hogs are queued: (N-1)*quantum would be 20 ms
        assertTrue(v.maxLatency() <= 10 * MS, "max latency " + v.maxLatency());
    }

    @Test
    void equalSharesOnTwoPcpus() {
        Simulator sim = new Simulator(factory, 2);
        SimDomain[] d = new SimDomain[4];
        for (int i = 0; i < d.length; i++) {
            d[i] = sim.addDomain("d" + i, Workload.cpuBound());
        }
        sim.runUntil(2 * S);
        for (SimDomain x : d) {
            assertEquals(0.5, sim.share(x), 0.01);
        }
    }

    @Test
    void quantumValidation() {
        SchedParamException e = assertThrows(SchedParamException.class,
                () -> Simulator.withPoolParams(factory, 1, "quantum=10s"));
        assertEquals("rr: quantum = 10000000us is out of range [100us, 1000000us] (default 10000us)", e.getMessage());
        Simulator sim = new Simulator(factory, 1);
        SimDomain a = sim.addDomain("a", Workload.cpuBound());
        e = assertThrows(SchedParamException.class, () -> sim.setParams(a, "weight=5"));
        assertEquals("rr: unknown parameter 'weight' (it has none)", e.getMessage());
    }

    @Test
    void randomStressKeepsEveryInvariant() {
        for (long seed = 1; seed <= 40; seed++) {
            String summary = Stress.run(factory, seed, 2 * S);
            if (seed % 8 == 0) {
                System.out.println(summary);
            }
        }
    }
}
