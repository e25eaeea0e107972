package org.oxen.sched.sedf;

import org.osgi.service.component.annotations.Component;
import org.oxen.sched.api.CpuPool;
import org.oxen.sched.api.ParamSchema;
import org.oxen.sched.api.ParamSpec;
import org.oxen.sched.api.ParamUnit;
import org.oxen.sched.api.ParamValues;
import org.oxen.sched.api.SchedIds;
import org.oxen.sched.api.Scheduler;
import org.oxen.sched.api.SchedulerFactory;

/** The sEDF scheduler's ops table. */
@Component(service = SchedulerFactory.class, property = {
        SchedulerFactory.PROP_NAME + "=" + SedfFactory.NAME,
        SchedulerFactory.PROP_ID + ":Integer=" + SchedIds.SEDF })
public final class SedfFactory implements SchedulerFactory {

    static final String NAME = "sedf";

    static final ParamSchema DOMAIN = ParamSchema.of(
            ParamSpec.of("period", ParamUnit.US, 10, 10_000_000, 100_000,
                    "period, the relative deadline of each slice"),
            ParamSpec.of("slice", ParamUnit.US, 0, 10_000_000, 0,
                    "CPU time guaranteed per period (0 = best effort, extra time only; else at least 5us)"),
            ParamSpec.of("latency", ParamUnit.US, 0, 10_000_000, 0,
                    "latency hint (kept and reported; unused, as in Xen's shipped EXTRA_SUPPORT policy)"),
            ParamSpec.flag("extratime", true, "may run in slack time beyond its slice"),
            ParamSpec.of("weight", ParamUnit.NONE, 0, 65535, 0,
                    "share of extra time (0 = automatic: 1 for best effort, by utilisation otherwise)"));

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int id() {
        return SchedIds.SEDF;
    }

    @Override
    public String description() {
        return "Simple EDF Scheduler";
    }

    @Override
    public ParamSchema domainSchema() {
        return DOMAIN;
    }

    @Override
    public Scheduler<?, ?> create(CpuPool pool, ParamValues poolParams) {
        return new SedfScheduler(this, pool, poolParams);
    }
}
