package org.oxen.sched.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The check the core runs once when a {@link SchedulerFactory} appears, before it may serve any
 * pool (Xen's {@code sched_test_func}, which checks an ops table at registration). Java already
 * enforces the mandatory hooks (they are abstract); this checks what the compiler cannot:
 *
 * <ol>
 * <li>name is {@code [a-z][a-z0-9_]*}, id &ge; 0, description set;</li>
 * <li>schemas are present and the same objects on every call (the factory is stateless);</li>
 * <li>option letters ({@link ParamSpec#option()}) are unique across the domain and pool schemas,
 *     so {@code xl sched-<name>} can offer every parameter;</li>
 * <li>every parameter's default is in its range (checked when a {@link ParamSpec} is built);</li>
 * <li>{@code create} on an idle one-pCPU pool returns an instance of this factory, with the
 *     default pool parameters (the mandatory hooks exist: Java checked that).</li>
 * </ol>
 *
 * <p>How a scheduler behaves (simulated runs on one and two pCPUs) is checked by each scheduler
 * bundle's tests with {@code org.oxen.sched.testing.SchedulerConformance}, a test-support bundle
 * that never enters the runtime.
 */
public final class Conformance {

    /** The outcome of a check. */
    public static final class Report {
        private final String scheduler;
        private final List<String> problems;

        public Report(String scheduler, List<String> problems) {
            this.scheduler = scheduler;
            this.problems = Collections.unmodifiableList(new ArrayList<>(problems));
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

        @Override
        public String toString() {
            return scheduler + ": " + (passed() ? "conforms" : "FAILS " + problems);
        }
    }

    /** A factory failed {@link Conformance#require}. */
    public static final class ConformanceException extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient Report report;

        public ConformanceException(Report report) {
            super(report.toString());
            this.report = report;
        }

        public Report report() {
            return report;
        }
    }

    private Conformance() {
    }

    /**
     * Check and throw if anything failed.
     *
     * @return the report
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
        String name = "?";
        try {
            name = String.valueOf(f.name());
            identity(f, problems);
        } catch (RuntimeException e) {
            problems.add("unexpected " + e);
        }
        return new Report(name, problems);
    }

    private static void identity(SchedulerFactory f, List<String> problems) {
        String n = f.name();
        if (n == null || !n.matches("[a-z][a-z0-9_]*")) {
            problems.add("name '" + n + "' is not [a-z][a-z0-9_]*");
        }
        if (f.id() < 0) {
            problems.add("id " + f.id() + " is negative");
        }
        if (f.description() == null || f.description().isBlank()) {
            problems.add("no description");
        }
        if (f.domainSchema() == null || f.poolSchema() == null) {
            problems.add("a schema is null");
            return;
        }
        if (f.domainSchema() != f.domainSchema() || f.poolSchema() != f.poolSchema()) {
            problems.add("schemas are not the same object on every call (the factory must be stateless)");
        }
        checkLetters(f, problems);
        if (!problems.isEmpty()) {
            return;
        }
        try {
            Scheduler<?, ?> s = f.create(new ProbePool());
            if (s == null) {
                problems.add("create returned null");
            } else if (s.factory() != f) {
                problems.add("create returned an instance of another factory (" + s.name() + ")");
            }
        } catch (RuntimeException e) {
            problems.add("create on a one-pCPU pool: " + e);
        }
    }

    private static void checkLetters(SchedulerFactory f, List<String> problems) {
        Map<Character, String> letters = new HashMap<>();
        for (ParamSchema schema : List.of(f.domainSchema(), f.poolSchema())) {
            for (ParamSpec s : schema.specs()) {
                if (s.option() == ParamSpec.NO_OPTION) {
                    continue;
                }
                String other = letters.put(s.option(), s.name());
                if (other != null) {
                    problems.add("option letter -" + s.option() + " is both " + other + "'s and " + s.name() + "'s");
                }
            }
        }
    }

    /** An idle pool of pCPU 0 at time 0 for the create check: nothing runs, timers never fire. */
    private static final class ProbePool implements CpuPool {
        private static final CpuMask CPU0 = CpuMask.of(0);

        @Override
        public int id() {
            return -1;
        }

        @Override
        public CpuMask cpus() {
            return CPU0;
        }

        @Override
        public long now() {
            return 0;
        }

        @Override
        public void tickle(int cpu) {
        }

        @Override
        public SchedTimer newTimer(int cpu, Runnable callback) {
            return new SchedTimer() {
                private long expiry = -1;

                @Override
                public void set(long expiryNs) {
                    expiry = expiryNs;
                }

                @Override
                public void stop() {
                    expiry = -1;
                }

                @Override
                public boolean isActive() {
                    return expiry >= 0;
                }

                @Override
                public long expiry() {
                    return expiry;
                }
            };
        }
    }
}
