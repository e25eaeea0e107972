package org.oxen.io.consoleback;

import java.util.Dictionary;
import java.util.Hashtable;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.oxen.vmm.api.Dom0EventChannels;
import org.oxen.vmm.api.Domains;
import org.oxen.vmm.api.GuestConsole;
import org.oxen.vmm.api.backend.ForeignMemory;

/**
 * The console backend in the runtime: {@link Consoled} over the VMM's services, each domain's
 * console registered as a {@link GuestConsole} service with {@value GuestConsole#DOMID}. Stopping
 * the bundle ends every console (rings DISCONNECTED: guests fall back to console_io) and
 * withdraws the services; starting it again connects every running domain.
 */
@Component(immediate = true)
public final class ConsolebackComponent {

    private final Consoled consoled;

    @Activate
    public ConsolebackComponent(@Reference Domains domains, @Reference Dom0EventChannels evtchn,
            @Reference ForeignMemory foreign, BundleContext context) {
        consoled = new Consoled(domains, evtchn, foreign, console -> {
            Dictionary<String, Object> props = new Hashtable<>();
            props.put(GuestConsole.DOMID, console.domid());
            ServiceRegistration<GuestConsole> reg = context.registerService(GuestConsole.class, console, props);
            return () -> {
                try {
                    reg.unregister();
                } catch (IllegalStateException e) {
                    // already gone with the bundle
                }
            };
        }, System.err::println, System::nanoTime, Consoled.Settings.DEFAULT);
        consoled.start();
    }

    @Deactivate
    void deactivate() {
        consoled.stop();
    }
}
