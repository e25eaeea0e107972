package org.oxen.sched.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A scheduling algorithm: the stateless ops table of Xen's {@code struct sched_ops}. One OSGi
 * service per algorithm, registered with {@value #PROP_NAME} (e.g. {@code credit}) and
 * {@value #PROP_ID} (a {@link SchedIds} value); the default scheduler also carries
 * {@value #PROP_DEFAULT}{@code =true} and the highest {@code service.ranking}.
 *
 * <p>The core runs {@link Conformance#require(SchedulerFactory)} once when a factory appears and
 * ignores factories that fail it. Then it calls {@link #create} once per CPU pool using the
 * algorithm.
 *
 * <p>Implementations are stateless and thread-safe, and return the same schema objects on every
 * call.
 */
@ConsumerType
public interface SchedulerFactory {

    /** Service property: the scheduler name, as {@code xl} and xl.cfg spell it. */
    String PROP_NAME = "oxen.sched.name";
    /** Service property: the scheduler id ({@link SchedIds}). */
    String PROP_ID = "oxen.sched.id";
    /** Service property on the default scheduler: {@code true}. */
    String PROP_DEFAULT = "oxen.sched.default";

    /** {@code credit}, {@code rr}, {@code bvt}, {@code sedf}, {@code atropos}, ... */
    String name();

    /** The {@link SchedIds} value. */
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
