package org.oxen.sched.bench;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.oxen.sched.api.SchedulerFactory;
import org.oxen.sched.atropos.AtroposFactory;
import org.oxen.sched.bvt.BvtFactory;
import org.oxen.sched.credit.CreditFactory;
import org.oxen.sched.rr.RoundRobinFactory;
import org.oxen.sched.sedf.SedfFactory;

/**
 * On one pCPU with N runnable, CPU-bound vcpus at their default parameters, each in its own
 * domain:
 * <ul>
 * <li>{@code decide}: one scheduling decision ({@code Scheduler.schedule}) after the current
 *     vcpu ran min(budget, 1 ms): charge it, requeue it, pick the next;</li>
 * <li>{@code timers10ms}: the timer-driven work of 10 ms of virtual time (Credit: one tick with
 *     its run-queue re-sort after an accounting, and a third of an accounting over every active
 *     vcpu; others: next to nothing).</li>
 * </ul>
 *
 * <pre>
 * mvn -B -q -pl benchmarks/org.oxen.sched.bench -am install -DskipTests
 * java -cp "$(cat benchmarks/org.oxen.sched.bench/target/classpath.txt):benchmarks/org.oxen.sched.bench/target/classes" \
 *     org.openjdk.jmh.Main DecisionBenchmark
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DecisionBenchmark {

    static final Map<String, Supplier<SchedulerFactory>> FACTORIES = Map.of(
            "credit", CreditFactory::new,
            "rr", RoundRobinFactory::new,
            "bvt", BvtFactory::new,
            "sedf", SedfFactory::new,
            "atropos", AtroposFactory::new);

    @Param({ "credit", "rr", "bvt", "sedf", "atropos" })
    public String scheduler;

    @Param({ "1", "4", "16", "64", "256", "1024" })
    public int vcpus;

    private BenchCore core;

    @Setup(Level.Trial)
    public void setUp() {
        core = new BenchCore(FACTORIES.get(scheduler).get(), vcpus);
        // reach a steady state: every vcpu has run, accounting has happened
        for (int i = 0; i < 20 * vcpus + 10_000; i++) {
            core.step();
        }
    }

    @Benchmark
    public Object decide() {
        return core.decide();
    }

    @Benchmark
    public int timers10ms() {
        return core.timers(10 * BenchCore.MS);
    }
}
