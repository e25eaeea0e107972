package org.oxen.sched.api;

import java.util.Objects;

/**
 * The ops table every scheduler bundle provides, less its one algorithm-specific method: name,
 * id, description and the two parameter schemas are fixed at construction, so a factory is
 * stateless and returns the same schema objects on every call, as {@link Conformance} requires.
 * A scheduler bundle subclasses it, implements {@link #create(CpuPool, ParamValues)}, and
 * registers it as a {@link SchedulerFactory} DS component with the {@value SchedulerFactory#PROP_NAME}
 * and {@value SchedulerFactory#PROP_ID} properties (DS annotations need them as constants, so
 * the subclass keeps its name and id in two {@code static final} fields used by both).
 */
public abstract class AbstractSchedulerFactory implements SchedulerFactory {

    private final String name;
    private final int id;
    private final String description;
    private final ParamSchema domainSchema;
    private final ParamSchema poolSchema;

    /**
     * @param name         as xl spells it ({@code credit})
     * @param id           Xen's {@code XEN_SCHEDULER_*} value where Xen had the algorithm
     * @param description  one line for {@code xl info} and dumps
     * @param domainSchema per-domain parameters, with their {@code xl sched-<name>} option letters
     * @param poolSchema   per-pool parameters ({@link ParamSchema#empty()} if none)
     */
    protected AbstractSchedulerFactory(String name, int id, String description, ParamSchema domainSchema,
            ParamSchema poolSchema) {
        this.name = Objects.requireNonNull(name, "name");
        this.id = id;
        this.description = Objects.requireNonNull(description, "description");
        this.domainSchema = Objects.requireNonNull(domainSchema, "domainSchema");
        this.poolSchema = Objects.requireNonNull(poolSchema, "poolSchema");
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final int id() {
        return id;
    }

    @Override
    public final String description() {
        return description;
    }

    @Override
    public final ParamSchema domainSchema() {
        return domainSchema;
    }

    @Override
    public final ParamSchema poolSchema() {
        return poolSchema;
    }

    @Override
    public String toString() {
        return name + " (" + description + ", id " + id + ")";
    }
}
