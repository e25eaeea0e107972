package org.oxen.sched.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A scheduling algorithm: the stateless ops table of Xen's {@code struct sched_ops}. One OSGi
 * service per algorithm, registered with {@value #PROP_NAME} (e.g. {@code credit}) and
 * {@value #PROP_ID} (its id); the default scheduler also carries
 * {@value #PROP_DEFAULT}{@code =true} and the highest {@code service.ranking}.
 *
 * <p>The core runs {@link Conformance#require(SchedulerFactory)} once when a factory appears and
 * ignores factories that fail it. Then it calls {@link #create} once per CPU pool using the
 * algorithm.
 *
 * <p>Implementations are stateless and thread-safe, and return the same schema objects on every
 * call: extend {@link AbstractSchedulerFactory}.
 */
@ConsumerType
public interface SchedulerFactory {

    /** Service property: the scheduler name, as {@code xl} and xl.cfg spell it. */
    String PROP_NAME = "oxen.sched.name";
    /**
     * Service property: the scheduler id. Xen's {@code XEN_SCHEDULER_*} value where Xen has the
     * algorithm (credit 5, credit2 6, ARINC 653 7, RTDS 8, null 9 in Xen 4.x's
     * {@code public/domctl.h}; sEDF 4 until its removal in 4.6); schedulers retired earlier keep
     * the ids of Xen 2.0's {@code public/sched_ctl.h} (BVT 0, Atropos 2, round robin 3). Each
     * scheduler bundle declares its own.
     */
    String PROP_ID = "oxen.sched.id";
    /** Service property on the default scheduler: {@code true}. */
    String PROP_DEFAULT = "oxen.sched.default";

    /** {@code credit}, {@code rr}, {@code bvt}, {@code sedf}, {@code atropos}, ... */
    String name();

    /** Its id ({@value #PROP_ID}). */
    int id();

    /** One line for {@code xl info} and dumps. */
    String description();

    /** Per-domain parameters ({@code xl sched-<name> -d DOM ...}). */
    ParamSchema domainSchema();

    /** Per-pool parameters ({@code xl sched-<name> -s}), e.g. Credit's tslice; none by default. */
    default ParamSchema poolSchema() {
        return ParamSchema.empty();
    }

    /**
     * A new scheduler instance for {@code pool}.
     *
     * @param poolParams values of {@link #poolSchema()}
     */
    Scheduler<?, ?> create(CpuPool pool, ParamValues poolParams);

    /** A new instance with the default pool parameters. */
    default Scheduler<?, ?> create(CpuPool pool) {
        return create(pool, poolSchema().defaults());
    }
}
