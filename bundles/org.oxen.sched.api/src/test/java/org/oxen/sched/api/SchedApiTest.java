package org.oxen.sched.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.oxen.sched.api.sim.SimDomain;
import org.oxen.sched.api.sim.SimVcpu;
import org.oxen.sched.api.sim.Simulator;
import org.oxen.sched.api.sim.Workload;
import org.oxen.sched.api.util.Link;
import org.oxen.sched.api.util.LinkedQueue;

class SchedApiTest {

    static final long MS = 1_000_000L;

    @Test
    void cpuMask() {
        CpuMask m = CpuMask.of(0, 2, 3, 70);
        assertEquals("0,2-3,70", m.toString());
        assertEquals(4, m.cardinality());
        assertEquals(2, m.next(0));
        assertEquals(70, m.next(3));
        assertEquals(0, m.cycle(70));
        assertEquals(70, m.last());
        assertEquals(CpuMask.of(2, 3), m.and(CpuMask.range(4)).and(CpuMask.of(1, 2, 3)));
        assertTrue(m.intersects(CpuMask.of(70)));
        assertFalse(m.intersects(CpuMask.of(1)));
        assertTrue(CpuMask.all().contains(4095));
        assertEquals("none", CpuMask.empty().toString());
        assertEquals(-1, CpuMask.empty().first());
    }

    @Test
    void linkedQueueSortsFifoAmongEquals() {
        LinkedQueue<long[]> q = new LinkedQueue<>();
        List<Link<long[]>> links = new ArrayList<>();
        long[][] keys = { { 5, 0 }, { 3, 1 }, { 5, 2 }, { 1, 3 }, { 3, 4 } };
        for (long[] k : keys) {
            Link<long[]> l = new Link<>(k);
            links.add(l);
            q.insertSorted(l, x -> x[0]);
        }
        StringBuilder order = new StringBuilder();
        for (Link<long[]> l = q.first(); l != null; l = l.next()) {
            order.append(l.item()[1]);
        }
        assertEquals("31402", order.toString());
        links.get(4).unlink();
        assertEquals(4, q.size());
        assertFalse(links.get(4).isQueued());
        assertThrows(IllegalStateException.class, () -> q.addLast(links.get(0)));
        assertEquals(3, q.poll()[1]);
    }

    @Test
    void paramParsingAndMessages() {
        ParamSpec t = ParamSpec.of("tslice", ParamUnit.US, 100, 1_000_000, 30_000, "slice");
        assertEquals(10_000, t.parse("x", "10ms"));
        assertEquals(2_000, t.parse("x", " 2000 "));
        assertEquals(1_000_000, t.parse("x", "1s"));
        assertEquals("x: tslice = '1500ns' is not a whole number of us",
                assertThrows(SchedParamException.class, () -> t.parse("x", "1500ns")).getMessage());
        assertEquals("x: tslice = '3parsecs': unknown unit 'parsecs' (use ns, us, ms or s)",
                assertThrows(SchedParamException.class, () -> t.parse("x", "3parsecs")).getMessage());
        assertEquals("x: tslice = 50us is out of range [100us, 1000000us] (default 30000us)",
                assertThrows(SchedParamException.class, () -> t.parse("x", "50")).getMessage());
        ParamSpec cap = ParamSpec.orOff("cap", ParamUnit.PERCENT, 1, 400, 0, "cap");
        assertEquals(25, cap.parse("x", "25%"));
        assertEquals(0, cap.parse("x", "0"));
        assertEquals("x: cap = '5ms': unknown unit 'ms' (cap takes a percentage)",
                assertThrows(SchedParamException.class, () -> cap.parse("x", "5ms")).getMessage());
        ParamSpec f = ParamSpec.flag("extratime", true, "e");
        assertEquals(0, f.parse("x", "off"));
        assertEquals("on", f.format(1));
        assertThrows(IllegalArgumentException.class,
                () -> ParamSpec.of("Bad-Name", ParamUnit.NONE, 0, 1, 0, "d"));
        assertThrows(IllegalArgumentException.class,
                () -> ParamSpec.of("w", ParamUnit.NONE, 1, 10, 0, "default outside the range"));
    }

    @Test
    void parametersCarryOverByNameUnitAndRange() {
        ParamSchema from = ParamSchema.of(ParamSpec.of("weight", ParamUnit.NONE, 1, 65535, 256, "w"),
                ParamSpec.orOff("cap", ParamUnit.PERCENT, 1, 400, 0, "c"));
        ParamValues v = from.defaults().parse("credit", Map.of("weight", "5000", "cap", "50"));
        ParamValues carried = v.carryTo(FifoFactory.DOMAIN);
        // weight 5000 is outside fifo's [1, 1000]: its default stays
        assertEquals(10, carried.get("weight"));
        assertEquals(7, from.defaults().with("credit", "weight", 7).carryTo(FifoFactory.DOMAIN).get("weight"));
        assertEquals("weight=10 fifo_only=off", carried.toString());
    }

    @Test
    void theFixtureConforms() throws Exception {
        Conformance.Report r = Conformance.require(new FifoFactory("fifo"));
        assertEquals(List.of(), r.problems());
        assertTrue(r.optionalHooks().contains("wakeVcpu"));
        assertFalse(r.optionalHooks().contains("yieldVcpu"));
    }

    /** Chooses the first vcpu it ever saw on every pCPU: the double run the simulator must catch. */
    static final class DoubleRun extends FifoFactory.Fifo {
        FifoFactory.V first;

        DoubleRun(FifoFactory f, CpuPool pool) {
            super(f, pool);
        }

        @Override
        protected void insertVcpu(FifoFactory.V v) {
            if (first == null) {
                first = v;
            }
        }

        @Override
        protected void doSchedule(int cpu, FifoFactory.V prev, long now, Decision out) {
            out.run(first, MS);
        }

        @Override
        protected int doPickCpu(FifoFactory.V v) {
            return 0;
        }
    }

    @Test
    void theSimulatorCatchesAVcpuOnTwoPcpus() {
        Simulator sim = new Simulator(FifoFactory.broken("double", DoubleRun::new), 2);
        sim.addDomain("a", Workload.cpuBound());
        Simulator.InvariantViolation e = assertThrows(Simulator.InvariantViolation.class, () -> sim.runUntil(MS));
        assertTrue(e.getMessage().contains("chosen on cpu 1 while running on cpu 0"), e.getMessage());
    }

    @Test
    void conformanceReportsABrokenSchedulerInsteadOfThrowing() {
        Conformance.Report r = Conformance.check(FifoFactory.broken("double", DoubleRun::new));
        assertFalse(r.passed());
        assertTrue(r.problems().stream().anyMatch(p -> p.contains("while running on cpu")), r.problems().toString());
        assertThrows(Conformance.ConformanceException.class,
                () -> Conformance.require(FifoFactory.broken("double", DoubleRun::new)));
        assertFalse(Conformance.check(new FifoFactory("Bad Name")).passed());
    }

    /** Runs a blocked vcpu: the simulator must refuse it. */
    static final class RunsBlocked extends FifoFactory.Fifo {
        RunsBlocked(FifoFactory f, CpuPool pool) {
            super(f, pool);
        }

        @Override
        protected void doSchedule(int cpu, FifoFactory.V prev, long now, Decision out) {
            if (prev != null) {
                q[cpu].addLast(prev.link); // requeues the previous vcpu even when it blocked
            }
            FifoFactory.V next = q[cpu].poll();
            if (next == null) {
                out.idle(Decision.NO_TIMER);
            } else {
                out.run(next, MS);
            }
        }
    }

    @Test
    void theSimulatorCatchesANonRunnableChoice() {
        Simulator sim = new Simulator(FifoFactory.broken("blocked", RunsBlocked::new), 1);
        sim.addDomain("io", Workload.io(MS, 5 * MS));
        SimDomain b = sim.addDomain("io2", Workload.io(MS, 5 * MS));
        sim.setParams(b, "weight=3");
        Simulator.InvariantViolation e = assertThrows(Simulator.InvariantViolation.class, () -> sim.runUntil(100 * MS));
        assertTrue(e.getMessage().contains("non-runnable"), e.getMessage());
    }

    @Test
    void dataOfAnotherInstanceIsRejected() {
        Simulator a = new Simulator(new FifoFactory("fifo"), 1);
        Simulator b = new Simulator(new FifoFactory("fifo"), 1);
        SimDomain d = a.addDomain("a", Workload.cpuBound());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.scheduler().wake(d.vcpu(0).data()));
        assertTrue(e.getMessage().contains("another scheduler instance"), e.getMessage());
    }

    @Test
    void removingARunningVcpuIsRefused() {
        Simulator sim = new Simulator(new FifoFactory("fifo"), 1);
        SimDomain d = sim.addDomain("a", Workload.cpuBound());
        sim.runUntil(MS / 2);
        assertThrows(IllegalStateException.class, () -> sim.scheduler().remove(d.vcpu(0).data()));
    }

    /** A core for DomainMove that records the steps. */
    static final class RecordingCore implements DomainMove.Core {
        final List<String> steps = new ArrayList<>();
        final Map<SchedVcpu, VcpuData> vdata = new java.util.HashMap<>();
        final Map<SchedDomain, DomainData> ddata = new java.util.HashMap<>();
        final SimDomain domain;

        RecordingCore(SimDomain domain) {
            this.domain = domain;
            ddata.put(domain, domain.data());
            for (SimVcpu v : domain.vcpus()) {
                vdata.put(v, v.data());
            }
        }

        @Override
        public List<? extends SchedVcpu> vcpus(SchedDomain d) {
            return domain.vcpus();
        }

        @Override
        public VcpuData vcpuData(SchedVcpu v) {
            return vdata.get(v);
        }

        @Override
        public void attach(SchedVcpu v, VcpuData data) {
            steps.add("attach v" + v.id());
            vdata.put(v, data);
        }

        @Override
        public DomainData domainData(SchedDomain d) {
            return ddata.get(d);
        }

        @Override
        public void attach(SchedDomain d, DomainData data) {
            steps.add("attach d");
            ddata.put(d, data);
        }

        @Override
        public void pause(SchedDomain d) {
            steps.add("pause");
            for (SimVcpu v : domain.vcpus()) {
                v.pause();
            }
        }

        @Override
        public void unpause(SchedDomain d) {
            steps.add("unpause");
        }
    }

    @Test
    void domainMoveFollowsSchedMoveDomainAndCarriesSharedParameters() {
        Simulator sim = new Simulator(new FifoFactory("fifo"), 2);
        SimDomain d = sim.addDomain("a", Workload.cpuBound(), Workload.cpuBound());
        sim.setParams(d, "weight=7", "fifo_only=on");
        sim.runUntil(5 * MS);
        RecordingCore core = new RecordingCore(d);
        Scheduler<?, ?> from = sim.scheduler();
        Scheduler<?, ?> to = new FifoFactory("fifo2").create(sim.pool());
        VcpuData old0 = d.vcpu(0).data();
        ParamValues carried = DomainMove.move(d, from, to, new DomainMove.Core() {
            @Override
            public List<? extends SchedVcpu> vcpus(SchedDomain x) {
                return core.vcpus(x);
            }

            @Override
            public VcpuData vcpuData(SchedVcpu v) {
                return core.vcpuData(v);
            }

            @Override
            public void attach(SchedVcpu v, VcpuData data) {
                core.attach(v, data);
            }

            @Override
            public DomainData domainData(SchedDomain x) {
                return core.domainData(x);
            }

            @Override
            public void attach(SchedDomain x, DomainData data) {
                core.attach(x, data);
            }

            @Override
            public void pause(SchedDomain x) {
                core.pause(x);
                sim.runFor(MS); // the pCPUs deschedule the paused vcpus
                for (SimVcpu v : d.vcpus()) {
                    assertFalse(v.isRunning());
                }
            }

            @Override
            public void unpause(SchedDomain x) {
                core.unpause(x);
            }
        });
        assertEquals(List.of("pause", "attach v0", "attach v1", "attach d", "unpause"), core.steps);
        assertEquals(7, carried.get("weight"));
        assertTrue(carried.flag("fifo_only"));
        assertEquals(2, ((FifoFactory.Fifo) from).freed);
        assertNull(findOwner(old0, from));
        assertSame(to.factory(), to.factory());
        assertEquals(7, to.domainParams(core.domainData(d)).get("weight"));
        // vcpu data is allocated after the carry, so it saw the carried parameters
        for (SimVcpu v : d.vcpus()) {
            assertEquals(7, ((FifoFactory.V) core.vcpuData(v)).weightAtAlloc);
        }
        // the new instance owns the new data: waking through it is accepted
        for (SimVcpu v : d.vcpus()) {
            to.wake(core.vcpuData(v));
        }
    }

    private static Object findOwner(VcpuData data, Scheduler<?, ?> s) {
        try {
            s.wake(data);
            return s;
        } catch (IllegalStateException e) {
            return null;
        }
    }

    @Test
    void decisionIsReusable() {
        Decision d = new Decision();
        d.idle(Decision.NO_TIMER);
        assertTrue(d.isIdle());
        assertEquals("idle for ever", d.toString());
        assertThrows(NullPointerException.class, () -> d.run(null, 5));
    }
}
