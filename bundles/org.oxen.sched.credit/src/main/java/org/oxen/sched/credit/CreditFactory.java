package org.oxen.sched.credit;

import org.osgi.service.component.annotations.Component;
import org.oxen.sched.api.CpuPool;
import org.oxen.sched.api.ParamSchema;
import org.oxen.sched.api.ParamSpec;
import org.oxen.sched.api.ParamUnit;
import org.oxen.sched.api.ParamValues;
import org.oxen.sched.api.SchedIds;
import org.oxen.sched.api.Scheduler;
import org.oxen.sched.api.SchedulerFactory;

/** The Credit scheduler's ops table: the default scheduler (highest ranking). */
@Component(service = SchedulerFactory.class, property = {
        SchedulerFactory.PROP_NAME + "=" + CreditFactory.NAME,
        SchedulerFactory.PROP_ID + ":Integer=" + SchedIds.CREDIT,
        SchedulerFactory.PROP_DEFAULT + ":Boolean=true",
        "service.ranking:Integer=1000" })
public final class CreditFactory implements SchedulerFactory {

    static final String NAME = "credit";

    static final ParamSchema DOMAIN = ParamSchema.of(
            ParamSpec.of("weight", ParamUnit.NONE, 1, 65535, 256,
                    "relative share of CPU time among competing domains, per active vcpu"),
            ParamSpec.orOff("cap", ParamUnit.PERCENT, 1, 65535, 0,
                    "most CPU the domain may use, in % of one pCPU (0 = no cap; at most 100 per vcpu)"));

    static final ParamSchema POOL = ParamSchema.of(
            ParamSpec.of("tslice", ParamUnit.MS, 1, 1000, 30,
                    "time slice; the tick is a third of it and accounting runs once per slice"),
            ParamSpec.orOff("ratelimit", ParamUnit.US, 100, 500_000, 1000,
                    "minimum run before a vcpu can be preempted (0 = off; at most tslice)"));

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int id() {
        return SchedIds.CREDIT;
    }

    @Override
    public String description() {
        return "SMP Credit Scheduler";
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
        return new CreditScheduler(this, pool, poolParams);
    }
}
