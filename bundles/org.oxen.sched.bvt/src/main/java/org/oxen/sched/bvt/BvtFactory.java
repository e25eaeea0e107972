package org.oxen.sched.bvt;

import org.osgi.service.component.annotations.Component;
import org.oxen.sched.api.AbstractSchedulerFactory;
import org.oxen.sched.api.CpuPool;
import org.oxen.sched.api.ParamSchema;
import org.oxen.sched.api.ParamSpec;
import org.oxen.sched.api.ParamUnit;
import org.oxen.sched.api.ParamValues;
import org.oxen.sched.api.Scheduler;
import org.oxen.sched.api.SchedulerFactory;

/** The BVT scheduler's ops table. */
@Component(service = SchedulerFactory.class, property = {
        SchedulerFactory.PROP_NAME + "=" + BvtFactory.NAME,
        SchedulerFactory.PROP_ID + ":Integer=" + BvtFactory.ID })
public final class BvtFactory extends AbstractSchedulerFactory {

    static final String NAME = "bvt";
    /** SCHED_BVT of Xen 2.0's public/sched_ctl.h. */
    static final int ID = 0;

    static final ParamSchema DOMAIN = ParamSchema.of(
            ParamSpec.of("mcu_advance", ParamUnit.NONE, 1, 65535, 10,
                    "virtual time charged per MCU (100 us) run: the inverse of the weight").withOption('m'),
            ParamSpec.flag("warpback", false, "warping allowed (a warped vcpu is favoured by warp_value)").withOption('b'),
            ParamSpec.of("warp_value", ParamUnit.NONE, 0, 1_000_000_000L, 0,
                    "virtual time a warped vcpu borrows (in mcu_advance units per MCU)").withOption('v'),
            ParamSpec.of("warpl", ParamUnit.MS, 0, 1_000_000, 2000,
                    "longest continuous run while warped (0 = no limit)").withOption('l'),
            ParamSpec.of("warpu", ParamUnit.MS, 0, 1_000_000, 1000,
                    "time unwarped after warpl ran out before warping again (0 = never again)").withOption('u'));

    static final ParamSchema POOL = ParamSchema.of(
            ParamSpec.of("ctx_allow", ParamUnit.US, 10, 1_000_000, 5000,
                    "context-switch allowance: how far past a rival's virtual time the running vcpu may go").withOption('a'));

    public BvtFactory() {
        super(NAME, ID, "Borrowed Virtual Time", DOMAIN, POOL);
    }

    @Override
    public Scheduler<?, ?> create(CpuPool pool, ParamValues poolParams) {
        return new BvtScheduler(this, pool, poolParams);
    }
}
