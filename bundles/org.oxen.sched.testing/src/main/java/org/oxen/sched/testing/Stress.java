package org.oxen.sched.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.oxen.sched.api.CpuMask;
import org.oxen.sched.api.ParamSchema;
import org.oxen.sched.api.ParamSpec;
import org.oxen.sched.api.ParamValues;
import org.oxen.sched.api.SchedParamException;
import org.oxen.sched.api.Scheduler;
import org.oxen.sched.api.SchedulerFactory;

/**
 * A seeded random stress run: random domains (CPU-bound, I/O-like, yielding and periodic vcpus,
 * some with narrowed affinity) on 1..4 pCPUs, half the runs with a switch-out delay
 * ({@link Simulator#setSwitchOutDelay}), while vcpus are paused and unpaused and domain and
 * pool parameters change at random times to random values in their ranges. It asserts nothing
 * about shares; it fails only when the simulator sees a broken invariant or a hook throws
 * (anything but a {@link SchedParamException} for a rejected combination). Reproducible: the
 * seed and the factory determine the run.
 */
public final class Stress {

    private static final long MS = 1_000_000L;
    private static final long US = 1_000L;

    private Stress() {
    }

    /**
     * Run {@code durationNs} of virtual time.
     *
     * @return a one-line summary (domains, vcpus, pCPUs, parameter changes accepted/rejected)
     * @throws Simulator.InvariantViolation on a broken invariant
     */
    public static String run(SchedulerFactory f, long seed, long durationNs) {
        Random r = new Random(seed * 0x9E3779B97F4A7C15L); // spread nearby seeds (java.util.Random correlates them)
        int cpus = 1 + r.nextInt(4);
        Simulator sim = new Simulator(f, cpus);
        if (r.nextBoolean()) {
            sim.setSwitchOutDelay(US * (1 + r.nextInt(50))); // contexts saved after the decision
        }
        int domains = 2 + r.nextInt(7);
        for (int i = 0; i < domains; i++) {
            int n = 1 + r.nextInt(3);
            Workload[] w = new Workload[n];
            for (int j = 0; j < n; j++) {
                w[j] = workload(r);
            }
            CpuMask aff = CpuMask.all();
            if (cpus > 1 && r.nextInt(4) == 0) {
                int a = r.nextInt(cpus);
                int b = r.nextInt(cpus);
                aff = a == b ? CpuMask.of(a) : CpuMask.of(a, b);
            }
            sim.addDomain("d" + i, -1, aff, w);
        }
        Scheduler<?, ?> s = sim.scheduler();
        List<SimVcpu> paused = new ArrayList<>();
        int accepted = 0;
        int rejected = 0;
        while (sim.now() < durationNs) {
            sim.runFor(US * (50 + r.nextInt(20_000)));
            switch (r.nextInt(6)) {
            case 0: {
                SimVcpu v = sim.vcpus().get(r.nextInt(sim.vcpus().size()));
                if (!paused.contains(v)) {
                    paused.add(v);
                    v.pause();
                }
                break;
            }
            case 1:
                if (!paused.isEmpty()) {
                    paused.remove(r.nextInt(paused.size())).unpause();
                }
                break;
            case 2:
            case 3: {
                SimDomain d = sim.domains().get(r.nextInt(sim.domains().size()));
                ParamValues p = randomChange(f.name(), s.domainParams(d.data()), r);
                if (p == null) {
                    break;
                }
                try {
                    s.setDomainParams(d.data(), p);
                    accepted++;
                } catch (SchedParamException e) {
                    rejected++;
                }
                break;
            }
            case 4: {
                ParamValues p = randomChange(f.name(), s.poolParams(), r);
                if (p == null) {
                    break;
                }
                try {
                    s.setPoolParams(p);
                    accepted++;
                } catch (SchedParamException e) {
                    rejected++;
                }
                break;
            }
            default:
                break;
            }
        }
        for (SimVcpu v : paused) {
            v.unpause();
        }
        sim.runFor(100 * MS);
        if (s.dump() == null) {
            throw new IllegalStateException("dump returned null");
        }
        return f.name() + " seed " + seed + ": " + domains + " domains, " + sim.vcpus().size() + " vcpus, " + cpus
                + " pCPUs, parameter changes " + accepted + " accepted / " + rejected + " rejected";
    }

    private static Workload workload(Random r) {
        switch (r.nextInt(4)) {
        case 0:
            return Workload.cpuBound();
        case 1:
            return Workload.io(US * (20 + r.nextInt(5_000)), US * (50 + r.nextInt(20_000)));
        case 2:
            return Workload.yielding(US * (20 + r.nextInt(3_000)));
        default: {
            long period = MS * (1 + r.nextInt(50));
            return Workload.periodic(period, Math.max(US, period / (2 + r.nextInt(8))), US * r.nextInt(10_000));
        }
        }
    }

    /** {@code p} with one random parameter set to a random value of its range, or null if none. */
    private static ParamValues randomChange(String scheduler, ParamValues p, Random r) {
        ParamSchema schema = p.schema();
        if (schema.isEmpty()) {
            return null;
        }
        ParamSpec spec = schema.specs().get(r.nextInt(schema.size()));
        long v;
        if (spec.zeroMeansOff() && r.nextInt(5) == 0) {
            v = 0;
        } else {
            // log-uniform over the range, so that small values (the interesting ones) come up
            double span = Math.log((double) (spec.max() - spec.min()) + 1);
            v = spec.min() + (long) Math.floor(Math.exp(r.nextDouble() * span)) - 1;
            v = Math.max(spec.min(), Math.min(spec.max(), v));
        }
        return p.with(scheduler, spec.name(), v);
    }
}
