package org.oxen.sched.bvt;

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

class BvtSchedulerTest {

    static final long MS = 1_000_000L;
    static final long S = 1_000_000_000L;
    final BvtFactory factory = new BvtFactory();

    @Test
    void conforms() throws Exception {
        System.out.println(SchedulerConformance.require(factory));
    }

    @Test
    void mcuAdvance10And20GiveTwoThirdsAndOneThird() {
        Simulator sim = new Simulator(factory, 1);
        SimDomain a = sim.addDomain("a", Workload.cpuBound());
        SimDomain b = sim.addDomain("b", Workload.cpuBound());
        sim.setParams(b, "mcu_advance=20");
        sim.runUntil(10 * S);
        System.out.printf("bvt adv 10/20: %.4f / %.4f%n", sim.share(a), sim.share(b));
        assertEquals(2 / 3.0, sim.share(a), 0.01);
        assertEquals(1 / 3.0, sim.share(b), 0.01);
    }

    @Test
    void mcuAdvance10And10And30Give3_3_1Sevenths() {
        Simulator sim = new Simulator(factory, 1);
        SimDomain a = sim.addDomain("a", Workload.cpuBound());
        SimDomain b = sim.addDomain("b", Workload.cpuBound());
        SimDomain c = sim.addDomain("c", Workload.cpuBound());
        sim.setParams(c, "mcu_advance=30");
        sim.runUntil(10 * S);
        assertEquals(3 / 7.0, sim.share(a), 0.01);
        assertEquals(3 / 7.0, sim.share(b), 0.01);
        assertEquals(1 / 7.0, sim.share(c), 0.01);
    }

    @Test
    void aWarpedDomainHasLowerDispatchLatencyThanUnwarpedOnes() {
        Simulator sim = new Simulator(factory, 1);
        sim.addDomain("hog1", Workload.cpuBound());
        sim.addDomain("hog2", Workload.cpuBound());
        // both want 40% of the pCPU, more than a fair quarter: the unwarped one's avt runs ahead
        // of svt, so it waits for the current vcpu's allowance; the warped one's evt is lower by
        // warp_value (10 s worth), so it preempts at once
        SimDomain warped = sim.addDomain("warped", Workload.io(4 * MS, 6 * MS));
        SimDomain plain = sim.addDomain("plain", Workload.io(4 * MS, 6 * MS));
        sim.setParams(warped, "warpback=1", "warp_value=1000000", "warpl=50", "warpu=100");
        sim.runUntil(S);
        sim.resetStats();
        sim.runUntil(11 * S);
        SimVcpu w = warped.vcpu(0);
        SimVcpu p = plain.vcpu(0);
        System.out.printf("bvt latency: warped mean %.0f us max %d us (%d wakes); unwarped mean %.0f us max %d us (%d wakes)%n",
                w.meanLatency() / 1000, w.maxLatency() / 1000, w.latencyCount(), p.meanLatency() / 1000,
                p.maxLatency() / 1000, p.latencyCount());
        assertTrue(w.meanLatency() * 10 < p.meanLatency(), "warped " + w.meanLatency() + " vs " + p.meanLatency());
        assertTrue(w.maxLatency() < p.maxLatency());
    }

    @Test
    void aLongSleeperGetsNoCatchUpBurst() {
        Simulator sim = new Simulator(factory, 1);
        sim.addDomain("hog", Workload.cpuBound());
        SimDomain sleeper = sim.addDomain("sleeper", Workload.io(300 * MS, 2 * S));
        List<long[]> runs = new ArrayList<>();
        long[] start = { -1 };
        sim.addListener((cpu, now, next, budget) -> {
            if (next == sleeper.vcpu(0) && start[0] < 0) {
                start[0] = now;
            } else if (next != sleeper.vcpu(0) && start[0] >= 0) {
                runs.add(new long[] { start[0], now - start[0] });
                start[0] = -1;
            }
        });
        sim.runUntil(10 * S);
        // after each 2 s sleep the sleeper's avt is raised to svt, so it does not run its 300 ms
        // burst (let alone 2 s of catch-up) in one go: at most the lag of svt (the hog ran alone
        // in 10 * ctx_allow turns, so svt is up to 50 ms stale) plus ctx_allow
        long longest = runs.stream().filter(r -> r[0] > 3 * S).mapToLong(r -> r[1]).max().orElse(0);
        assertTrue(longest <= 55 * MS, "longest sleeper run after a sleep " + longest);
    }

    @Test
    void aLoneDomainIsRescheduledEvery50ms() {
        Simulator sim = new Simulator(factory, 1);
        List<Long> budgets = new ArrayList<>();
        sim.addListener((cpu, now, next, budget) -> budgets.add(budget));
        sim.addDomain("alone", Workload.cpuBound());
        sim.runUntil(S);
        assertEquals(20, budgets.size(), 1);
        assertTrue(budgets.stream().allMatch(b -> b == 50 * MS));
    }

    @Test
    void aWarpedHogLosesItsAdvantageAfterWarplForWarpu() {
        Simulator sim = new Simulator(factory, 1);
        SimDomain hog = sim.addDomain("hog", Workload.cpuBound());
        SimDomain warped = sim.addDomain("warped", Workload.cpuBound());
        sim.setParams(warped, "warpback=1", "warp_value=100000", "warpl=20", "warpu=80");
        List<Long> runs = new ArrayList<>();
        long[] start = { -1 };
        sim.addListener((cpu, now, next, budget) -> {
            if (next == warped.vcpu(0) && start[0] < 0) {
                start[0] = now;
            } else if (next != warped.vcpu(0) && start[0] >= 0) {
                runs.add(now - start[0]);
                start[0] = -1;
            }
        });
        sim.runUntil(S);
        sim.resetStats();
        runs.clear();
        sim.runUntil(11 * S);
        // warped, its evt is 10 s lower and its budget would be ~1 s: warpl cuts every run at
        // 20 ms; then it is unwarped for 80 ms and warped again, so a 20 ms run every 100 ms
        long full = runs.stream().filter(r -> r == 20 * MS).count();
        System.out.printf("bvt warpl 20 / warpu 80: %d runs of exactly warpl in 10 s, longest %d ms, shares %.4f / %.4f%n",
                full, runs.stream().mapToLong(Long::longValue).max().orElse(0) / MS, sim.share(warped), sim.share(hog));
        assertTrue(runs.stream().allMatch(r -> r <= 20 * MS), "a run exceeded warpl: " + runs);
        assertEquals(100, full, 2);
        // warping borrows against the future: the long-run share still follows mcu_advance
        assertEquals(0.5, sim.share(warped), 0.01);
    }

    @Test
    void parameterErrorsAreClear() {
        Simulator sim = new Simulator(factory, 1);
        SimDomain a = sim.addDomain("a", Workload.cpuBound());
        SchedParamException e = assertThrows(SchedParamException.class, () -> sim.setParams(a, "mcu_advance=0"));
        assertEquals("bvt: mcu_advance = 0 is out of range [1, 65535] (default 10)", e.getMessage());
        e = assertThrows(SchedParamException.class, () -> sim.setParams(a, "warpback=maybe"));
        assertEquals("bvt: warpback = 'maybe' is not a flag (use 1/0, on/off, true/false, yes/no)", e.getMessage());
        e = assertThrows(SchedParamException.class, () -> Simulator.withPoolParams(factory, 1, "ctx_allow=5ns"));
        assertEquals("bvt: ctx_allow = '5ns' is not a whole number of us", e.getMessage());
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
