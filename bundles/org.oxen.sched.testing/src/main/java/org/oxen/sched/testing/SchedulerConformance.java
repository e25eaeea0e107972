package org.oxen.sched.testing;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.oxen.sched.api.Conformance;
import org.oxen.sched.api.ParamValues;
import org.oxen.sched.api.Scheduler;
import org.oxen.sched.api.SchedulerFactory;

/**
 * What the scheduler bundles' tests require of a {@link SchedulerFactory}: the runtime's
 * {@link Conformance} check (identity, schemas, option letters), then its hooks exercised in
 * short deterministic simulations on one and two pCPUs. (The core runs only the first part at
 * registration; this part needs the simulator, which stays out of the runtime.)
 *
 * <ol>
 * <li>everything {@link Conformance#check} checks;</li>
 * <li>{@code create} on a 1-pCPU pool; with no vcpu the pCPU idles;</li>
 * <li>two CPU-bound domains for 200 ms: both get CPU, the pCPU never idles, and no invariant of
 *     the simulator breaks (no vcpu on two pCPUs, only runnable vcpus chosen, ...);</li>
 * <li>an I/O-like vcpu beside a CPU-bound one: it is dispatched after each wake;</li>
 * <li>every domain's default parameters read back as the defaults and can be set back;</li>
 * <li>three CPU-bound vcpus on two pCPUs for 200 ms: both pCPUs busy;</li>
 * <li>a mixed load on two pCPUs for 1 s (CPU-bound, I/O-like and yielding vcpus, a domain with
 *     two vcpus), with contexts saved 20 us after each switch: no invariant breaks (so no
 *     migration of a vcpu still running) and neither pCPU idles more than 1%;</li>
 * <li>after pausing every vcpu, the pCPU idles; after unpausing they run again; then each vcpu
 *     can be removed and freed.</li>
 * </ol>
 */
public final class SchedulerConformance {

    /** The outcome of a check. */
    public static final class Report {
        private final String scheduler;
        private final List<String> problems;
        private final Set<String> optionalHooks;

        Report(String scheduler, List<String> problems, Set<String> optionalHooks) {
            this.scheduler = scheduler;
            this.problems = Collections.unmodifiableList(problems);
            this.optionalHooks = Collections.unmodifiableSet(optionalHooks);
        }

        public String scheduler() {
            return scheduler;
        }

        public boolean passed() {
            return problems.isEmpty();
        }

        /** What failed, one line each; empty when passed. */
        public List<String> problems() {
            return problems;
        }

        /** The optional hooks the instance overrides (the others run their defaults). */
        public Set<String> optionalHooks() {
            return optionalHooks;
        }

        @Override
        public String toString() {
            return scheduler + ": " + (passed() ? "conforms" : "FAILS " + problems) + ", optional hooks "
                    + optionalHooks;
        }
    }

    /** A factory failed {@link SchedulerConformance#require}. */
    public static final class ConformanceException extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient Report report;

        ConformanceException(Report report) {
            super(report.toString());
            this.report = report;
        }

        public Report report() {
            return report;
        }
    }

    static final List<String> OPTIONAL_HOOKS = List.of("freeVcpuData", "freeDomainData", "sleepVcpu",
            "wakeVcpu", "yieldVcpu", "getDomainParams", "adjustDomain", "adjustPool", "dumpState");

    private static final long MS = 1_000_000L;

    private SchedulerConformance() {
    }

    /**
     * Check and throw if anything failed.
     *
     * @return the report (with the optional hooks found)
     */
    public static Report require(SchedulerFactory f) throws ConformanceException {
        Report r = check(f);
        if (!r.passed()) {
            throw new ConformanceException(r);
        }
        return r;
    }

    /** Run every check; never throws for a faulty factory, it reports. */
    public static Report check(SchedulerFactory f) {
        List<String> problems = new ArrayList<>();
        Set<String> hooks = new TreeSet<>();
        String name = String.valueOf(safe(f::name));
        try {
            problems.addAll(Conformance.check(f).problems());
            if (!problems.isEmpty()) {
                return new Report(name, problems, hooks);
            }
            step("create", problems, () -> hooks.addAll(overridden(new Simulator(f, 1).scheduler().getClass())));
            step("empty pool", problems, () -> emptyPool(f, problems));
            step("two CPU-bound domains on 1 pCPU", problems, () -> twoCpuBound(f, problems));
            step("I/O-like vcpu beside a CPU-bound one", problems, () -> ioBeside(f, problems));
            step("parameter round trip", problems, () -> params(f, problems));
            step("three vcpus on 2 pCPUs", problems, () -> twoCpus(f, problems));
            step("mixed load on 2 pCPUs", problems, () -> mixedLoad(f, problems));
            step("pause, unpause, remove", problems, () -> pauseRemove(f, problems));
        } catch (RuntimeException | AssertionError e) {
            problems.add("unexpected " + e);
        }
        return new Report(name, problems, hooks);
    }

    private static Object safe(java.util.function.Supplier<?> s) {
        try {
            return s.get();
        } catch (RuntimeException e) {
            return "?";
        }
    }

    private static void step(String what, List<String> problems, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException | AssertionError e) {
            problems.add(what + ": " + e.getMessage());
        }
    }

    private static void emptyPool(SchedulerFactory f, List<String> problems) {
        Simulator sim = new Simulator(f, 1);
        sim.runUntil(100 * MS);
        if (sim.running(0) != null || sim.idleFraction(0) < 1.0) {
            problems.add("a pool without vcpus is not idle");
        }
    }

    private static void twoCpuBound(SchedulerFactory f, List<String> problems) {
        Simulator sim = new Simulator(f, 1);
        SimDomain a = sim.addDomain("a", Workload.cpuBound());
        SimDomain b = sim.addDomain("b", Workload.cpuBound());
        sim.runUntil(200 * MS);
        if (sim.share(a) <= 0 || sim.share(b) <= 0) {
            problems.add("a CPU-bound domain starved: shares " + sim.share(a) + ", " + sim.share(b));
        }
        if (sim.idleFraction(0) > 0) {
            problems.add("the pCPU idled " + sim.idleFraction(0) + " with two CPU-bound domains");
        }
    }

    private static void ioBeside(SchedulerFactory f, List<String> problems) {
        Simulator sim = new Simulator(f, 1);
        sim.addDomain("cpu", Workload.cpuBound());
        SimDomain io = sim.addDomain("io", Workload.io(MS / 2, 10 * MS));
        sim.runUntil(20 * MS);
        sim.resetStats();
        sim.runUntil(520 * MS);
        SimVcpu v = io.vcpu(0);
        if (v.latencyCount() < 5) {
            problems.add("an I/O-like vcpu was dispatched only " + v.latencyCount() + " times after waking in 500 ms");
        }
    }

    private static void params(SchedulerFactory f, List<String> problems) {
        Simulator sim = new Simulator(f, 1);
        SimDomain a = sim.addDomain("a", Workload.cpuBound());
        Scheduler<?, ?> s = sim.scheduler();
        ParamValues p = s.domainParams(a.data());
        if (!p.equals(f.domainSchema().defaults())) {
            problems.add("a new domain's parameters " + p + " are not the defaults " + f.domainSchema().defaults());
        }
        s.setDomainParams(a.data(), p);
        if (!s.domainParams(a.data()).equals(p)) {
            problems.add("setting the parameters read back changes them");
        }
        if (!s.poolParams().equals(f.poolSchema().defaults())) {
            problems.add("pool parameters " + s.poolParams() + " are not the defaults");
        }
        s.setPoolParams(s.poolParams());
        sim.runUntil(50 * MS);
        if (s.dump() == null) {
            problems.add("dump returned null");
        }
    }

    private static void twoCpus(SchedulerFactory f, List<String> problems) {
        Simulator sim = new Simulator(f, 2);
        for (int i = 0; i < 3; i++) {
            sim.addDomain("d" + i, Workload.cpuBound());
        }
        sim.runUntil(50 * MS);
        sim.resetStats();
        sim.runUntil(250 * MS);
        for (int c = 0; c < 2; c++) {
            if (sim.idleFraction(c) > 0.01) {
                problems.add("cpu " + c + " idled " + sim.idleFraction(c) + " with three CPU-bound vcpus on two pCPUs");
            }
        }
    }

    private static void mixedLoad(SchedulerFactory f, List<String> problems) {
        Simulator sim = new Simulator(f, 2);
        sim.setSwitchOutDelay(20_000); // a switched-out vcpu reads as running for 20 us more
        for (int i = 0; i < 4; i++) {
            sim.addDomain("cpu" + i, Workload.cpuBound(), Workload.cpuBound());
            sim.addDomain("io" + i, Workload.io(MS / 2, 2 * MS + i * 300_000));
            sim.addDomain("y" + i, Workload.yielding(700_000));
        }
        sim.runUntil(100 * MS);
        sim.resetStats();
        sim.runUntil(1100 * MS);
        for (int c = 0; c < 2; c++) {
            // 1%: sEDF idles rather than start a 500 us extra quantum just before a period begins
            if (sim.idleFraction(c) > 0.01) {
                problems.add("cpu " + c + " idled " + sim.idleFraction(c) + " under a mixed load with 8 CPU-bound vcpus");
            }
        }
    }

    private static void pauseRemove(SchedulerFactory f, List<String> problems) {
        Simulator sim = new Simulator(f, 1);
        SimDomain a = sim.addDomain("a", Workload.cpuBound(), Workload.cpuBound());
        sim.runUntil(30 * MS);
        for (SimVcpu v : a.vcpus()) {
            v.pause();
        }
        sim.runFor(MS);
        if (sim.running(0) != null) {
            problems.add("a paused vcpu still runs: " + sim.running(0));
            return;
        }
        for (SimVcpu v : a.vcpus()) {
            v.unpause();
        }
        sim.resetStats();
        sim.runFor(100 * MS);
        if (sim.share(a) < 0.99) {
            problems.add("after unpause the domain got only " + sim.share(a));
        }
        for (SimVcpu v : a.vcpus()) {
            v.pause();
        }
        sim.runFor(MS);
        Scheduler<?, ?> s = sim.scheduler();
        for (SimVcpu v : a.vcpus()) {
            s.remove(v.data());
            s.freeVcpu(v.data());
        }
        s.freeDomain(a.data());
        sim.runFor(100 * MS);
    }

    static Set<String> overridden(Class<?> c) {
        Set<String> found = new TreeSet<>();
        for (Class<?> k = c; k != null && k != Scheduler.class; k = k.getSuperclass()) {
            for (Method m : k.getDeclaredMethods()) {
                if (OPTIONAL_HOOKS.contains(m.getName()) && !m.isSynthetic() && !m.isBridge()) {
                    found.add(m.getName());
                }
            }
        }
        return found;
    }
}
