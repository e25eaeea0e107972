package org.oxen.sched.atropos;

import org.osgi.service.component.annotations.Component;
import org.oxen.sched.api.AbstractSchedulerFactory;
import org.oxen.sched.api.CpuPool;
import org.oxen.sched.api.ParamSchema;
import org.oxen.sched.api.ParamSpec;
import org.oxen.sched.api.ParamUnit;
import org.oxen.sched.api.ParamValues;
import org.oxen.sched.api.Scheduler;
import org.oxen.sched.api.SchedulerFactory;

/** The Atropos scheduler's ops table. */
@Component(service = SchedulerFactory.class, property = {
        SchedulerFactory.PROP_NAME + "=" + AtroposFactory.NAME,
        SchedulerFactory.PROP_ID + ":Integer=" + AtroposFactory.ID })
public final class AtroposFactory extends AbstractSchedulerFactory {

    static final String NAME = "atropos";
    /** SCHED_ATROPOS of Xen 2.0's public/sched_ctl.h. */
    static final int ID = 2;

    static final ParamSchema DOMAIN = ParamSchema.of(
            ParamSpec.of("period", ParamUnit.US, 100, 100_000_000, 10_000_000, "period p of the guarantee").withOption('p'),
            ParamSpec.of("slice", ParamUnit.US, 0, 100_000_000, 10_000,
                    "CPU time s guaranteed in every period (0 = slack only; then xtratime must be on)").withOption('s'),
            ParamSpec.orOff("latency", ParamUnit.US, 100, 100_000_000, 0,
                    "after a long block, the first deadline comes this soon, with a proportional slice (0 = period)").withOption('l'),
            ParamSpec.flag("xtratime", true, "may run in slack time beyond its guarantee").withOption('x'));

    static final ParamSchema POOL = ParamSchema.of(
            ParamSpec.of("xtra_quantum", ParamUnit.US, 100, 1_000_000, 5_000,
                    "turn of an xtratime domain in slack time (Xen's BESTEFFORT_QUANTUM)").withOption('q'));

    public AtroposFactory() {
        super(NAME, ID, "Atropos Soft Real Time Scheduler", DOMAIN, POOL);
    }

    @Override
    public Scheduler<?, ?> create(CpuPool pool, ParamValues poolParams) {
        return new AtroposScheduler(this, pool, poolParams);
    }
}
