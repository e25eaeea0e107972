package org.oxen.sched.credit;

import org.osgi.service.component.annotations.Component;
import org.oxen.sched.api.AbstractSchedulerFactory;
import org.oxen.sched.api.CpuPool;
import org.oxen.sched.api.ParamSchema;
import org.oxen.sched.api.ParamSpec;
import org.oxen.sched.api.ParamUnit;
import org.oxen.sched.api.ParamValues;
import org.oxen.sched.api.Scheduler;
import org.oxen.sched.api.SchedulerFactory;

/** The Credit scheduler's ops table: the default scheduler (highest ranking). */
@Component(service = SchedulerFactory.class, property = {
        SchedulerFactory.PROP_NAME + "=" + CreditFactory.NAME,
        SchedulerFactory.PROP_ID + ":Integer=" + CreditFactory.ID,
        SchedulerFactory.PROP_DEFAULT + ":Boolean=true",
        "service.ranking:Integer=1000" })
public final class CreditFactory extends AbstractSchedulerFactory {

    static final String NAME = "credit";
    /** Xen 4.x's XEN_SCHEDULER_CREDIT (public/domctl.h). */
    static final int ID = 5;

    static final ParamSchema DOMAIN = ParamSchema.of(
            ParamSpec.of("weight", ParamUnit.NONE, 1, 65535, 256,
                    "relative share of CPU time among competing domains, per active vcpu").withOption('w'),
            ParamSpec.orOff("cap", ParamUnit.PERCENT, 1, 65535, 0,
                    "most CPU the domain may use, in % of one pCPU (0 = no cap; at most 100 per vcpu)").withOption('c'));

    static final ParamSchema POOL = ParamSchema.of(
            ParamSpec.of("tslice", ParamUnit.MS, 1, 1000, 30,
                    "time slice; the tick is a third of it and accounting runs once per slice").withOption('t'),
            ParamSpec.orOff("ratelimit", ParamUnit.US, 100, 500_000, 1000,
                    "minimum run before a vcpu can be preempted (0 = off; at most tslice)").withOption('r'));

    public CreditFactory() {
        super(NAME, ID, "SMP Credit Scheduler", DOMAIN, POOL);
    }

    @Override
    public Scheduler<?, ?> create(CpuPool pool, ParamValues poolParams) {
        return new CreditScheduler(this, pool, poolParams);
    }
}
