package org.oxen.pool.internal;

import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.oxen.pool.internal.xl.PoolCommands;
import org.oxen.pool.internal.xl.PoolTopView;
import org.oxen.toolstack.xl.ConfigTextCreator;
import org.oxen.toolstack.xl.TopTables;
import org.oxen.toolstack.xl.TopView;
import org.oxen.toolstack.xl.XlSubcommand;
import org.oxen.vmm.api.CpuPools;
import org.oxen.vmm.api.DomainListener;
import org.oxen.vmm.api.Domains;
import org.oxen.vmm.api.MachineMemory;

/**
 * Joins the pool the framework properties name ({@link PoolSettings}) once the hypervisor and
 * xl are there, and registers the pool's xl subcommands, ranked above the host's own, and its
 * {@link TopView} (xl top over every host). Without
 * {@code oxen.pool} it does nothing at all: the runtime is what it is without this bundle. A
 * refusal (bad setting, wrong secret, name taken, no ZooKeeper) is one line on stderr and the
 * runtime goes on alone.
 *
 * <p>Design: immediate; the pool lives from activation to deactivation (the hypervisor or xl
 * going away deactivates it, which leaves the pool: the master then restarts the domains).
 * Locking: activation and deactivation are serialised by SCR; the subcommand list is volatile.
 */
@Component(immediate = true, service = {})
public final class PoolComponent {

    /** Above the xl bundle's subcommands (ranking 0). */
    static final int RANKING = 100;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile List<XlSubcommand> subcommands = List.of();

    private final Domains domains;
    private EmbeddedZooKeeper embedded;
    private PoolMember member;
    private DomainListener listener;
    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();

    @Activate
    public PoolComponent(BundleContext context, @Reference Domains domains, @Reference MachineMemory memory,
            @Reference CpuPools cpus, @Reference ConfigTextCreator creator, @Reference TopTables tops) {
        this.domains = domains;
        PoolSettings settings;
        try {
            settings = PoolSettings.from(context::getProperty);
        } catch (IllegalArgumentException e) {
            System.err.println("oxen: pool: " + e.getMessage() + "; this runtime runs alone");
            return;
        }
        if (settings == null) {
            return; // no pool: nothing here runs
        }
        LocalSubcommands local = new LocalSubcommands(() -> subcommands);
        ClassLoader before = Thread.currentThread().getContextClassLoader();
        try {
            if (settings.embeddedPort() > 0) {
                embedded = new EmbeddedZooKeeper(settings.embeddedPort(), settings.tls());
                System.err.println("oxen: pool: embedded ZooKeeper on 127.0.0.1:" + settings.embeddedPort()
                        + (settings.tls() != null ? " (TLS only)" : ""));
            }
            // the ZooKeeper client, like its server, loads classes by name through the context loader
            Thread.currentThread().setContextClassLoader(PoolComponent.class.getClassLoader());
            member = new PoolMember(settings, new OsgiLocalHost(domains, memory, cpus, creator, local, tops,
                    migrationAddress(context)), System.err);
            member.start();
        } catch (Exception e) {
            Throwable cause = e.getCause();
            System.err.println("oxen: " + e.getMessage() + (cause != null && cause.getMessage() != null
                    && !e.getMessage().contains(cause.getMessage()) ? " (" + cause.getMessage() + ")" : "")
                    + "; this runtime runs alone");
            member = null;
            closeEmbedded();
            return;
        } finally {
            Thread.currentThread().setContextClassLoader(before);
        }
        listener = event -> member.schedule();
        domains.addListener(listener);
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(Constants.SERVICE_RANKING, RANKING);
        for (XlSubcommand c : PoolCommands.all(member, local)) {
            registrations.add(context.registerService(XlSubcommand.class, c, props));
        }
        registrations.add(context.registerService(TopView.class, new PoolTopView(member), props));
    }

    /** Where this runtime's migration receiver listens (its framework properties), or empty. */
    static String migrationAddress(BundleContext context) {
        String port = context.getProperty("oxen.migration.port");
        if (port == null || port.isBlank() || port.trim().equals("0")) {
            return "";
        }
        String address = context.getProperty("oxen.migration.address");
        return (address == null || address.isBlank() ? "127.0.0.1" : address.trim()) + ":" + port.trim();
    }

    @Deactivate
    void deactivate() {
        registrations.forEach(r -> {
            try {
                r.unregister();
            } catch (IllegalStateException e) {
                // gone with the bundle
            }
        });
        registrations.clear();
        if (listener != null) {
            domains.removeListener(listener);
        }
        if (member != null) {
            member.close();
        }
        closeEmbedded();
    }

    private void closeEmbedded() {
        if (embedded != null) {
            embedded.close();
            embedded = null;
        }
    }
}
