package org.oxen.vmm.core.sched;

import java.util.ArrayList;
import java.util.List;

import org.oxen.sched.api.Conformance;
import org.oxen.sched.api.ParamSpec;
import org.oxen.sched.api.SchedulerFactory;
import org.oxen.vmm.api.SchedulerInfo;

/**
 * The scheduler registry (Xen's list of sched_ops built at boot; here services come and go):
 * the {@link SchedulerFactory} services present, each checked once with
 * {@link Conformance#require}, and which of them is the default ({@code oxen.sched.default=true},
 * then the highest ranking, then the oldest); with none present, the built-in {@link Fallback}.
 *
 * <p>Locking: every method except {@link #check} runs under {@link CpuPools}' config lock (the
 * lock order is stated once, in the {@link org.oxen.vmm.core} package documentation).
 */
final class SchedRegistry {

    private record Entry(SchedulerFactory factory, boolean isDefault, int ranking, long seq) {
    }

    private final List<Entry> factories = new ArrayList<>();
    private final Fallback fallback = new Fallback();
    private long seq;

    /** Null if {@code f} passes conformance, else why it is refused (called outside every lock). */
    static String check(SchedulerFactory f) {
        try {
            Conformance.require(f);
            return null;
        } catch (Conformance.ConformanceException e) {
            return "it fails conformance: " + e.getMessage();
        } catch (RuntimeException e) {
            return "conformance check failed: " + e;
        }
    }

    Fallback fallback() {
        return fallback;
    }

    void add(SchedulerFactory f, boolean isDefault, int ranking) {
        factories.add(new Entry(f, isDefault, ranking, seq++));
    }

    /** False if {@code f} was not registered. */
    boolean remove(SchedulerFactory f) {
        return factories.removeIf(e -> e.factory == f);
    }

    boolean isEmpty() {
        return factories.isEmpty();
    }

    SchedulerFactory defaultFactory() {
        Entry best = null;
        for (Entry e : factories) {
            if (best == null || better(e, best)) best = e;
        }
        return best == null ? fallback : best.factory;
    }

    private static boolean better(Entry a, Entry b) {
        if (a.isDefault != b.isDefault) return a.isDefault;
        if (a.ranking != b.ranking) return a.ranking > b.ranking;
        return a.seq < b.seq;
    }

    /** The registered factory of that name, or null. */
    SchedulerFactory byName(String name) {
        for (Entry e : factories) {
            if (e.factory.name().equals(name)) return e.factory;
        }
        return null;
    }

    String names() {
        return String.join(", ", factories.stream().map(e -> e.factory.name()).toList());
    }

    /** The default first, then the others in registration order. */
    List<SchedulerInfo> infos() {
        List<SchedulerInfo> l = new ArrayList<>();
        SchedulerFactory dflt = defaultFactory();
        List<SchedulerFactory> fs = new ArrayList<>();
        fs.add(dflt);
        for (Entry e : factories) {
            if (e.factory != dflt) fs.add(e.factory);
        }
        for (SchedulerFactory f : fs) {
            l.add(new SchedulerInfo(f.name(), f.description(), f == dflt, info(f.domainSchema()), info(f.poolSchema())));
        }
        return l;
    }

    private static List<SchedulerInfo.Param> info(org.oxen.sched.api.ParamSchema schema) {
        List<SchedulerInfo.Param> ps = new ArrayList<>();
        for (ParamSpec s : schema.specs()) {
            ps.add(new SchedulerInfo.Param(s.name(), s.unit().suffix(), s.rangeText(), s.format(s.defaultValue()),
                    s.description(), s.option() == ParamSpec.NO_OPTION ? "" : String.valueOf(s.option()), s.column()));
        }
        return ps;
    }
}
