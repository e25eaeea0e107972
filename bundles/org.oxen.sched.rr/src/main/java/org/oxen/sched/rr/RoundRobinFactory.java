package org.oxen.sched.rr;

import org.osgi.service.component.annotations.Component;
import org.oxen.sched.api.AbstractSchedulerFactory;
import org.oxen.sched.api.CpuPool;
import org.oxen.sched.api.ParamSchema;
import org.oxen.sched.api.ParamSpec;
import org.oxen.sched.api.ParamUnit;
import org.oxen.sched.api.ParamValues;
import org.oxen.sched.api.Scheduler;
import org.oxen.sched.api.SchedulerFactory;

/** The round-robin scheduler's ops table. */
@Component(service = SchedulerFactory.class, property = {
        SchedulerFactory.PROP_NAME + "=" + RoundRobinFactory.NAME,
        SchedulerFactory.PROP_ID + ":Integer=" + RoundRobinFactory.ID })
public final class RoundRobinFactory extends AbstractSchedulerFactory {

    static final String NAME = "rr";
    /** SCHED_RROBIN of Xen 2.0's public/sched_ctl.h. */
    static final int ID = 3;

    static final ParamSchema POOL = ParamSchema.of(
            ParamSpec.of("quantum", ParamUnit.US, 100, 1_000_000, 10_000,
                    "time each runnable vcpu runs in its turn (Xen's rr_slice)").withOption('q'));

    public RoundRobinFactory() {
        super(NAME, ID, "Round-Robin Scheduler", ParamSchema.empty(), POOL);
    }

    @Override
    public Scheduler<?, ?> create(CpuPool pool, ParamValues poolParams) {
        return new RoundRobinScheduler(this, pool, poolParams);
    }
}
