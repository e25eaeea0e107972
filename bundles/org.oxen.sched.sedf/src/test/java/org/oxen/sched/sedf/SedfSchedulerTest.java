package org.oxen.sched.sedf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.oxen.sched.testing.SchedulerConformance;
import org.oxen.sched.api.SchedParamException;
import org.oxen.sched.testing.SimDomain;
import org.oxen.sched.testing.Simulator;
import org.oxen.sched.testing.Stress;
import org.oxen.sched.testing.Workload;

class SedfSchedulerTest {

    static final long MS = 1_000_000L;
    static final long S = 1_000_000_000L;
    final SedfFactory factory = new SedfFactory();

    @Test
    void conforms() throws Exception {
        System.out.println(SchedulerConformance.require(factory));
    }

    private SimDomain rt(Simulator sim, String name, long sliceMs, long periodMs, boolean extra, Workload w) {
        SimDomain d = sim.addDomain(name, w);
        sim.setParams(d, "period=" + periodMs + "ms", "slice=" + sliceMs + "ms", "extratime=" + (extra ? 1 : 0));
        return d;
    }

    /**
     * Each task wakes exactly when its next period begins; Xen's wake classified that as a short
     * block and dropped the whole period (every job would miss). Also the regression test for it.
     */
    @Test
    void periodicReservationsMeetEveryDeadlineAtFullUtilisation() {
        Simulator sim = new Simulator(factory, 1);
        // 2/10 + 3/15 + 24/40 = 0.2 + 0.2 + 0.6 = 1.0, with a best-effort hog that wants the rest
        Workload.Periodic a = Workload.periodic(10 * MS, 2 * MS, 0);
        Workload.Periodic b = Workload.periodic(15 * MS, 3 * MS, 0);
        Workload.Periodic c = Workload.periodic(40 * MS, 24 * MS, 0);
        SimDomain da = rt(sim, "a", 2, 10, false, a);
        SimDomain db = rt(sim, "b", 3, 15, false, b);
        SimDomain dc = rt(sim, "c", 24, 40, false, c);
        SimDomain hog = sim.addDomain("hog", Workload.cpuBound());
        sim.runUntil(10 * S);
        sim.finish();
        System.out.printf("sedf U=1.0: jobs %d/%d/%d, misses %d/%d/%d, shares %.4f %.4f %.4f hog %.4f%n",
                a.jobsCompleted(), b.jobsCompleted(), c.jobsCompleted(), a.deadlineMisses(), b.deadlineMisses(),
                c.deadlineMisses(), sim.share(da), sim.share(db), sim.share(dc), sim.share(hog));
        assertEquals(0, a.deadlineMisses() + b.deadlineMisses() + c.deadlineMisses());
        assertEquals(1000, a.jobsCompleted(), 1);
        assertEquals(666, b.jobsCompleted(), 1);
        assertEquals(250, c.jobsCompleted(), 1);
        assertEquals(0.0, sim.share(hog), 0.001);
    }

    @Test
    void cpuBoundReservationsNeverMissAndGetExactlyTheirSlice() {
        Simulator sim = new Simulator(factory, 1);
        SimDomain a = rt(sim, "a", 2, 10, false, Workload.cpuBound());
        SimDomain b = rt(sim, "b", 3, 15, false, Workload.cpuBound());
        SimDomain c = rt(sim, "c", 10, 40, false, Workload.cpuBound());
        SimDomain be = sim.addDomain("be", Workload.cpuBound());
        sim.runUntil(12 * S);
        assertEquals(0.2, sim.share(a), 0.001);
        assertEquals(0.2, sim.share(b), 0.001);
        assertEquals(0.25, sim.share(c), 0.001);
        assertEquals(0.35, sim.share(be), 0.001);
    }

    @Test
    void aReservationAloneGetsItsSliceAndThePcpuIdlesTheRest() {
        Simulator sim = new Simulator(factory, 1);
        SimDomain a = rt(sim, "a", 2, 10, false, Workload.cpuBound());
        sim.runUntil(5 * S);
        assertEquals(0.2, sim.share(a), 0.001);
        assertEquals(0.8, sim.idleFraction(0), 0.001);
    }

    @Test
    void extraTimeIsDistributedByWeight() {
        Simulator sim = new Simulator(factory, 1);
        SimDomain rt = rt(sim, "rt", 2, 10, false, Workload.cpuBound());
        SimDomain[] be = new SimDomain[3];
        for (int i = 0; i < 3; i++) {
            be[i] = sim.addDomain("be" + (i + 1), Workload.cpuBound());
            sim.setParams(be[i], "weight=" + (i + 1));
        }
        sim.runUntil(10 * S);
        System.out.printf("sedf extra time by weight 1:2:3 beside 2/10: rt %.4f, be %.4f %.4f %.4f%n", sim.share(rt),
                sim.share(be[0]), sim.share(be[1]), sim.share(be[2]));
        assertEquals(0.2, sim.share(rt), 0.001);
        for (int i = 0; i < 3; i++) {
            assertEquals(0.8 * (i + 1) / 6, sim.share(be[i]), 0.01, "weight " + (i + 1));
        }
    }

    @Test
    void bestEffortDomainsShareEquallyByDefault() {
        Simulator sim = new Simulator(factory, 1);
        SimDomain a = sim.addDomain("a", Workload.cpuBound());
        SimDomain b = sim.addDomain("b", Workload.cpuBound());
        sim.runUntil(2 * S);
        assertEquals(0.5, sim.share(a), 0.01);
        assertEquals(0.5, sim.share(b), 0.01);
    }

    @Test
    void afterALongBlockTheNewPeriodStartsAtTheWake() {
        Simulator sim = new Simulator(factory, 1);
        // runs 1 ms, sleeps 95 ms: each wake is long after the deadline (10 ms period)
        SimDomain io = rt(sim, "io", 2, 10, false, Workload.io(MS, 95 * MS));
        sim.addDomain("hog", Workload.cpuBound());
        sim.runUntil(2 * S);
        // dispatched at once after every wake: its new period begins at the wake
        assertEquals(0, io.vcpu(0).maxLatency());
    }

    @Test
    void mixedLoadOnTwoPcpusKeepsEveryInvariant() {
        Simulator sim = new Simulator(factory, 2);
        for (int i = 0; i < 3; i++) {
            rt(sim, "rt" + i, 1 + i, 10 + 5 * i, i % 2 == 0, Workload.cpuBound());
            sim.addDomain("io" + i, Workload.io(MS / 2, 2 * MS + i * 300_000));
            sim.addDomain("y" + i, Workload.yielding(700_000));
            rt(sim, "pio" + i, 1, 7, true, Workload.io(300_000, 3 * MS));
        }
        sim.runUntil(3 * S);
    }

    @Test
    void parameterErrorsAreClear() {
        Simulator sim = new Simulator(factory, 1);
        SimDomain a = sim.addDomain("a", Workload.cpuBound());
        SchedParamException e = assertThrows(SchedParamException.class,
                () -> sim.setParams(a, "period=10ms", "slice=20ms"));
        assertEquals("sedf: slice = 20000us must not exceed period = 10000us", e.getMessage());
        e = assertThrows(SchedParamException.class, () -> sim.setParams(a, "extratime=off"));
        assertEquals("sedf: a best-effort domain (slice = 0) needs extratime on, or it never runs", e.getMessage());
        e = assertThrows(SchedParamException.class, () -> sim.setParams(a, "period=20s"));
        assertEquals("sedf: period = 20000000us is out of range [10us, 10000000us] (default 100000us)",
                e.getMessage());
        e = assertThrows(SchedParamException.class, () -> sim.setParams(a, "slice=3us", "period=10us"));
        assertTrue(e.getMessage().contains("at least 5us"), e.getMessage());
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
