package org.oxen.itests.paxexam.broken;

import java.util.Hashtable;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.oxen.sched.api.CpuPool;
import org.oxen.sched.api.ParamSchema;
import org.oxen.sched.api.ParamValues;
import org.oxen.sched.api.Scheduler;
import org.oxen.sched.api.SchedulerFactory;

/**
 * A scheduler bundle that must be refused: its factory claims the highest ranking and the
 * default flag (so, if accepted, it would take over Pool-0), but it has no domain schema and
 * cannot create an instance, so the scheduler SPI's conformance check ({@code
 * org.oxen.sched.api.Conformance}: "a schema is null") fails. RuntimeHotSwapIT packs this class
 * into a jar at test time and drops it into the deploy directory.
 */
public final class StarvingSchedulerActivator implements BundleActivator {

    public static final class Factory implements SchedulerFactory {
        @Override
        public String name() {
            return "starving";
        }

        @Override
        public int id() {
            return 99;
        }

        @Override
        public String description() {
            return "never creates an instance (fails conformance)";
        }

        @Override
        public ParamSchema domainSchema() {
            return null; // the bug the core's check catches
        }

        @Override
        public Scheduler<?, ?> create(CpuPool pool, ParamValues poolParams) {
            throw new UnsupportedOperationException("this scheduler cannot schedule");
        }
    }

    @Override
    public void start(BundleContext context) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(SchedulerFactory.PROP_NAME, "starving");
        props.put(SchedulerFactory.PROP_ID, 99);
        props.put(SchedulerFactory.PROP_DEFAULT, Boolean.TRUE);
        props.put("service.ranking", Integer.MAX_VALUE);
        context.registerService(SchedulerFactory.class, new Factory(), props);
    }

    @Override
    public void stop(BundleContext context) {
    }
}
