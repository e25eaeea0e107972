package org.oxen.sched.atropos;

import org.osgi.service.component.annotations.Component;
import org.oxen.sched.api.CpuPool;
import org.oxen.sched.api.ParamSchema;
import org.oxen.sched.api.ParamSpec;
import org.oxen.sched.api.ParamUnit;
import org.oxen.sched.api.ParamValues;
import org.oxen.sched.api.SchedIds;
import org.oxen.sched.api.Scheduler;
import org.oxen.sched.api.SchedulerFactory;

/** The Atropos scheduler's ops table. */
@Component(service = SchedulerFactory.class, property = {
        SchedulerFactory.PROP_NAME + "=" + AtroposFactory.NAME,
        SchedulerFactory.PROP_ID + ":Integer=" + SchedIds.ATROPOS })
public final class AtroposFactory implements SchedulerFactory {

    static final String NAME = "atropos";

    static final ParamSchema DOMAIN = ParamSchema.of(
            ParamSpec.of("period", ParamUnit.US, 100, 100_000_000, 10_000_000, "period p of the guarantee"),
            ParamSpec.of("slice", ParamUnit.US, 0, 100_000_000, 10_000,
                    "CPU time s guaranteed in every period (0 = slack only; then xtratime must be on)"),
            ParamSpec.orOff("latency", ParamUnit.US, 100, 100_000_000, 0,
                    "after a long block, the first deadline comes this soon, with a proportional slice (0 = period)"),
            ParamSpec.flag("xtratime", true, "may run in slack time beyond its guarantee"));

    static final ParamSchema POOL = ParamSchema.of(
            ParamSpec.of("xtra_quantum", ParamUnit.US, 100, 1_000_000, 5_000,
                    "turn of an xtratime domain in slack time (Xen's BESTEFFORT_QUANTUM)"));

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int id() {
        return SchedIds.ATROPOS;
    }

    @Override
    public String description() {
        return "Atropos Soft Real Time Scheduler";
    }

    @Override
    public ParamSchema domainSchema() {
        return DOMAIN;
    }

    @Override
    public ParamSchema poolSchema() {
        return POOL;
    }

    @Override
    public Scheduler<?, ?> create(CpuPool pool, ParamValues poolParams) {
        return new AtroposScheduler(this, pool, poolParams);
    }
}
