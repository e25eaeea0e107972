package org.oxen.sched.atropos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.oxen.sched.testing.SchedulerConformance;
import org.oxen.sched.api.SchedParamException;
import org.oxen.sched.testing.SimDomain;
import org.oxen.sched.testing.Simulator;
import org.oxen.sched.testing.Stress;
import org.oxen.sched.testing.Workload;

class AtroposSchedulerTest {

    static final long MS = 1_000_000L;
    static final long S = 1_000_000_000L;
    final AtroposFactory factory = new AtroposFactory();

    @Test
    void conforms() throws Exception {
        System.out.println(SchedulerConformance.require(factory));
    }

    private SimDomain guaranteed(Simulator sim, String name, long sliceMs, long periodMs, boolean xtra, Workload w) {
        SimDomain d = sim.addDomain(name, w);
        sim.setParams(d, "period=" + periodMs + "ms", "slice=" + sliceMs + "ms", "xtratime=" + (xtra ? 1 : 0));
        return d;
    }

    /** Also the regression test for Xen's 2004-06-18 refill, which never made a domain runnable again. */
    @Test
    void cpuBoundGuaranteesWithoutXtratimeGetExactlyTheirShare() {
        Simulator sim = new Simulator(factory, 1);
        SimDomain a = guaranteed(sim, "a", 5, 20, false, Workload.cpuBound());
        SimDomain b = guaranteed(sim, "b", 10, 40, false, Workload.cpuBound());
        sim.runUntil(10 * S);
        System.out.printf("atropos (20,5)+(40,10): %.4f / %.4f, idle %.4f%n", sim.share(a), sim.share(b), sim.idleFraction(0));
        assertEquals(0.25, sim.share(a), 0.001);
        assertEquals(0.25, sim.share(b), 0.001);
        assertEquals(0.5, sim.idleFraction(0), 0.001);
    }

    @Test
    void periodicGuaranteesAreMetBesideXtratimeHogs() {
        Simulator sim = new Simulator(factory, 1);
        // 5/20 + 10/40 + 2/10 + 6/30 = 0.9, plus two hogs living on slack
        Workload.Periodic[] jobs = { Workload.periodic(20 * MS, 5 * MS, 0), Workload.periodic(40 * MS, 10 * MS, 0),
                Workload.periodic(10 * MS, 2 * MS, 0), Workload.periodic(30 * MS, 6 * MS, 0) };
        long[][] ps = { { 5, 20 }, { 10, 40 }, { 2, 10 }, { 6, 30 } };
        for (int i = 0; i < jobs.length; i++) {
            guaranteed(sim, "rt" + i, ps[i][0], ps[i][1], false, jobs[i]);
        }
        SimDomain h1 = sim.addDomain("hog1", Workload.cpuBound());
        SimDomain h2 = sim.addDomain("hog2", Workload.cpuBound());
        sim.runUntil(10 * S);
        sim.finish();
        long misses = 0;
        for (Workload.Periodic p : jobs) {
            misses += p.deadlineMisses();
        }
        System.out.printf("atropos U=0.9: %d misses; jobs %d %d %d %d; hogs %.4f / %.4f%n", misses,
                jobs[0].jobsCompleted(), jobs[1].jobsCompleted(), jobs[2].jobsCompleted(), jobs[3].jobsCompleted(),
                sim.share(h1), sim.share(h2));
        assertEquals(0, misses);
        assertEquals(500, jobs[0].jobsCompleted(), 1);
        assertEquals(250, jobs[1].jobsCompleted(), 1);
        assertEquals(1000, jobs[2].jobsCompleted(), 1);
        assertEquals(333, jobs[3].jobsCompleted(), 1);
        // the slack (10%) goes to the hogs in round robin; the pCPU never idles
        assertEquals(0.05, sim.share(h1), 0.005);
        assertEquals(0.05, sim.share(h2), 0.005);
        assertEquals(0.0, sim.idleFraction(0), 0.001);
    }

    @Test
    void fullUtilisationIsMetToo() {
        Simulator sim = new Simulator(factory, 1);
        Workload.Periodic a = Workload.periodic(10 * MS, 2 * MS, 0);
        Workload.Periodic b = Workload.periodic(15 * MS, 3 * MS, 0);
        Workload.Periodic c = Workload.periodic(40 * MS, 24 * MS, 0);
        guaranteed(sim, "a", 2, 10, false, a);
        guaranteed(sim, "b", 3, 15, false, b);
        guaranteed(sim, "c", 24, 40, false, c);
        sim.addDomain("hog", Workload.cpuBound());
        sim.runUntil(10 * S);
        sim.finish();
        assertEquals(0, a.deadlineMisses() + b.deadlineMisses() + c.deadlineMisses());
    }

    @Test
    void slackIsSharedInRoundRobinAndThePcpuNeverIdles() {
        Simulator sim = new Simulator(factory, 1);
        SimDomain rt = guaranteed(sim, "rt", 10, 20, true, Workload.cpuBound());
        SimDomain[] be = new SimDomain[3];
        for (int i = 0; i < 3; i++) {
            be[i] = sim.addDomain("be" + i, Workload.cpuBound());
        }
        sim.runUntil(10 * S);
        System.out.printf("atropos slack: rt %.4f, be %.4f %.4f %.4f%n", sim.share(rt), sim.share(be[0]),
                sim.share(be[1]), sim.share(be[2]));
        // rt has its 50% plus a quarter of the slack; the rest is split four ways in 5 ms turns
        assertEquals(0.5 + 0.5 / 4, sim.share(rt), 0.01);
        for (SimDomain d : be) {
            assertEquals(0.5 / 4, sim.share(d), 0.01);
        }
        assertEquals(0.0, sim.idleFraction(0), 1e-9);
    }

    @Test
    void afterALongBlockTheLatencyPeriodDoublesBackToTheNaturalOne() {
        Simulator sim = new Simulator(factory, 1);
        SimDomain d = sim.addDomain("lat", Workload.io(60 * MS, 500 * MS));
        sim.setParams(d, "period=40ms", "slice=20ms", "latency=10ms", "xtratime=0");
        sim.addDomain("hog", Workload.cpuBound());
        List<Long> budgets = new ArrayList<>();
        Object[] last = { null };
        sim.addListener((cpu, now, next, budget) -> {
            // switches to the vcpu only (a tickle and a timer at one instant decide twice)
            if (next == d.vcpu(0) && last[0] != next && now > S && budgets.size() < 3) {
                budgets.add(budget);
            }
            last[0] = next;
        });
        sim.runUntil(3 * S);
        // the first wake after 1 s: slices 5/10, then 10/20, then 20/40
        assertEquals(List.of(5 * MS, 10 * MS, 20 * MS), budgets);
    }

    @Test
    void theLatencySliceIsProportionalNotXensIntegerRatio() {
        // Xen: slice = nat_slice / (nat_period / latency) = 15 / (20 / 15) = 15 / 1 = 15 ms per
        // 15 ms, 100% of the pCPU; here 15 * 15 / 20 = 11.25 ms per 15 ms
        Simulator sim = new Simulator(factory, 1);
        SimDomain d = sim.addDomain("lat", Workload.io(60 * MS, 500 * MS));
        sim.setParams(d, "period=20ms", "slice=15ms", "latency=15ms", "xtratime=0");
        sim.addDomain("hog", Workload.cpuBound());
        List<Long> budgets = new ArrayList<>();
        Object[] last = { null };
        sim.addListener((cpu, now, next, budget) -> {
            if (next == d.vcpu(0) && last[0] != next && now > S && budgets.isEmpty()) {
                budgets.add(budget);
            }
            last[0] = next;
        });
        sim.runUntil(2 * S);
        assertEquals(List.of(11_250_000L), budgets);
    }

    @Test
    void parameterErrorsAreClear() {
        Simulator sim = new Simulator(factory, 1);
        SimDomain a = sim.addDomain("a", Workload.cpuBound());
        SchedParamException e = assertThrows(SchedParamException.class,
                () -> sim.setParams(a, "period=20ms", "slice=5ms", "latency=30ms"));
        assertEquals("atropos: latency = 30000us must not exceed period = 20000us", e.getMessage());
        e = assertThrows(SchedParamException.class, () -> sim.setParams(a, "slice=0", "xtratime=0"));
        assertEquals("atropos: a domain without a slice needs xtratime on, or it never runs", e.getMessage());
        e = assertThrows(SchedParamException.class, () -> sim.setParams(a, "latency=50us"));
        assertEquals("atropos: latency = 50us is out of range 0 (off) or [100us, 100000000us] (default 0us)",
                e.getMessage());
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
