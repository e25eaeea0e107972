package org.oxen.sched.sedf;

import org.osgi.service.component.annotations.Component;
import org.oxen.sched.api.AbstractSchedulerFactory;
import org.oxen.sched.api.CpuPool;
import org.oxen.sched.api.ParamSchema;
import org.oxen.sched.api.ParamSpec;
import org.oxen.sched.api.ParamUnit;
import org.oxen.sched.api.ParamValues;
import org.oxen.sched.api.Scheduler;
import org.oxen.sched.api.SchedulerFactory;

/** The sEDF scheduler's ops table. */
@Component(service = SchedulerFactory.class, property = {
        SchedulerFactory.PROP_NAME + "=" + SedfFactory.NAME,
        SchedulerFactory.PROP_ID + ":Integer=" + SedfFactory.ID })
public final class SedfFactory extends AbstractSchedulerFactory {

    static final String NAME = "sedf";
    /** XEN_SCHEDULER_SEDF of Xen 4.x until its removal in 4.6. */
    static final int ID = 4;

    static final ParamSchema DOMAIN = ParamSchema.of(
            ParamSpec.of("period", ParamUnit.US, 10, 10_000_000, 100_000,
                    "period, the relative deadline of each slice").withOption('p'),
            ParamSpec.of("slice", ParamUnit.US, 0, 10_000_000, 0,
                    "CPU time guaranteed per period (0 = best effort, extra time only; else at least 5us)").withOption('s'),
            ParamSpec.of("latency", ParamUnit.US, 0, 10_000_000, 0,
                    "latency hint (kept and reported; unused, as in Xen's shipped EXTRA_SUPPORT policy)").withOption('l'),
            ParamSpec.flag("extratime", true, "may run in slack time beyond its slice").withOption('e'),
            ParamSpec.of("weight", ParamUnit.NONE, 0, 65535, 0,
                    "share of extra time (0 = automatic: 1 for best effort, by utilisation otherwise)").withOption('w'));

    public SedfFactory() {
        super(NAME, ID, "Simple EDF Scheduler", DOMAIN, ParamSchema.empty());
    }

    @Override
    public Scheduler<?, ?> create(CpuPool pool, ParamValues poolParams) {
        return new SedfScheduler(this, pool, poolParams);
    }
}
