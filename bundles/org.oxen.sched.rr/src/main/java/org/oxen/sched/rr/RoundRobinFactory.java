package org.oxen.sched.rr;

import org.osgi.service.component.annotations.Component;
import org.oxen.sched.api.CpuPool;
import org.oxen.sched.api.ParamSchema;
import org.oxen.sched.api.ParamSpec;
import org.oxen.sched.api.ParamUnit;
import org.oxen.sched.api.ParamValues;
import org.oxen.sched.api.SchedIds;
import org.oxen.sched.api.Scheduler;
import org.oxen.sched.api.SchedulerFactory;

/** The round-robin scheduler's ops table. */
@Component(service = SchedulerFactory.class, property = {
        SchedulerFactory.PROP_NAME + "=" + RoundRobinFactory.NAME,
        SchedulerFactory.PROP_ID + ":Integer=" + SchedIds.RROBIN })
public final class RoundRobinFactory implements SchedulerFactory {

    static final String NAME = "rr";

    static final ParamSchema POOL = ParamSchema.of(
            ParamSpec.of("quantum", ParamUnit.US, 100, 1_000_000, 10_000,
                    "time each runnable vcpu runs in its turn (Xen's rr_slice)"));

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int id() {
        return SchedIds.RROBIN;
    }

    @Override
    public String description() {
        return "Round-Robin Scheduler";
    }

    @Override
    public ParamSchema domainSchema() {
        return ParamSchema.empty();
    }

    @Override
    public ParamSchema poolSchema() {
        return POOL;
    }

    @Override
    public Scheduler<?, ?> create(CpuPool pool, ParamValues poolParams) {
        return new RoundRobinScheduler(this, pool, poolParams);
    }
}
