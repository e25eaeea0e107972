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
import org.oxen.sched.testing.SchedulerConformance;
import org.oxen.sched.testing.SimDomain;
import org.oxen.sched.testing.SimVcpu;
import org.oxen.sched.testing.Simulator;
import org.oxen.sched.testing.Workload;
import org.oxen.sched.api.util.Link;
import org.oxen.sched.api.util.LinkedQueue;

/**
 * The simulator and the behavioural conformance check against a FIFO fixture and deliberately
 * broken variants of it (in org.oxen.sched.api's package: the fixture uses its package-private
 * parts).
 */
class SimulatorTest {

    static final long MS = 1_000_000L;

    @Test
    void theFixtureConforms() throws Exception {
        SchedulerConformance.Report r = SchedulerConformance.require(new FifoFactory("fifo"));
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
        SchedulerConformance.Report r = SchedulerConformance.check(FifoFactory.broken("double", DoubleRun::new));
        assertFalse(r.passed());
        assertTrue(r.problems().stream().anyMatch(p -> p.contains("while running on cpu")), r.problems().toString());
        assertThrows(SchedulerConformance.ConformanceException.class,
                () -> SchedulerConformance.require(FifoFactory.broken("double", DoubleRun::new)));
        assertFalse(SchedulerConformance.check(new FifoFactory("Bad Name")).passed());
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

}
