package org.oxen.toolstack.sched.internal;

import java.util.HashMap;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.util.tracker.ServiceTracker;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.vmm.api.CpuPools;
import org.oxen.vmm.api.Domains;

/**
 * Registers one {@code xl sched-<name>} subcommand ({@link SchedCommand}) per scheduler service
 * present, found by its {@code oxen.sched.name} property as {@code xl info} finds them (this
 * bundle imports no scheduler API), and unregisters it when the last service of that name goes.
 *
 * <p>Design/Locking: the tracker's callbacks run on the threads that register and unregister
 * scheduler services. {@link #registrations} and {@link #counts} are guarded by this
 * component's monitor, a leaf lock: services are registered and unregistered outside it (the
 * framework calls other bundles' listeners then). A subcommand registered for a name whose
 * last scheduler left meanwhile is unregistered at once.
 */
@Component(immediate = true)
public final class SchedCommands {

    static final String SCHED_NAME = "oxen.sched.name";
    static final String FILTER = "(&(" + Constants.OBJECTCLASS + "=org.oxen.sched.api.SchedulerFactory)("
            + SCHED_NAME + "=*))";

    private final CpuPools hv;
    private final Domains domains;
    private final BundleContext context;
    private final ServiceTracker<Object, String> tracker;
    private final Map<String, ServiceRegistration<XlSubcommand>> registrations = new HashMap<>();
    private final Map<String, Integer> counts = new HashMap<>();

    @Activate
    public SchedCommands(@Reference CpuPools hv, @Reference Domains domains, BundleContext context) throws InvalidSyntaxException {
        this.hv = hv;
        this.domains = domains;
        this.context = context;
        this.tracker = new ServiceTracker<>(context, context.createFilter(FILTER), null) {
            @Override
            public String addingService(ServiceReference<Object> ref) {
                Object n = ref.getProperty(SCHED_NAME);
                if (!(n instanceof String name) || name.isEmpty()) return null;
                added(name);
                return name;
            }

            @Override
            public void removedService(ServiceReference<Object> ref, String name) {
                removed(name);
            }
        };
        tracker.open(true);
    }

    private void added(String name) {
        synchronized (this) {
            if (counts.merge(name, 1, Integer::sum) != 1) return;
        }
        ServiceRegistration<XlSubcommand> r = context.registerService(XlSubcommand.class, new SchedCommand(name, hv, domains),
                null);
        synchronized (this) {
            if (counts.containsKey(name) && !registrations.containsKey(name)) {
                registrations.put(name, r);
                return;
            }
        }
        unregister(r); // its scheduler left while it was being registered
    }

    private void removed(String name) {
        ServiceRegistration<XlSubcommand> r;
        synchronized (this) {
            if (counts.merge(name, -1, Integer::sum) != 0) return;
            counts.remove(name);
            r = registrations.remove(name);
        }
        if (r != null) unregister(r);
    }

    @Deactivate
    void deactivate() {
        tracker.close();
        java.util.List<ServiceRegistration<XlSubcommand>> left;
        synchronized (this) {
            left = new java.util.ArrayList<>(registrations.values());
            registrations.clear();
            counts.clear();
        }
        left.forEach(SchedCommands::unregister);
    }

    private static void unregister(ServiceRegistration<?> r) {
        try {
            r.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the bundle is stopping
        }
    }
}
