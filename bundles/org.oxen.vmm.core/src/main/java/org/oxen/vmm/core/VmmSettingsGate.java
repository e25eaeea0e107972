package org.oxen.vmm.core;

import org.osgi.annotation.bundle.Capability;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * Checks the hypervisor's framework properties once and registers {@link VmmSettings} only when
 * they are good; otherwise it prints one line on stderr and the hypervisor is not started (its
 * component waits for the settings). Without this gate, a bad {@code oxen.memory.mib} threw from
 * the hypervisor's activation, which SCR logged with a stack trace at every attempt of each
 * consumer: thousands of lines. (The capability tells the resolver this bundle provides the
 * settings service the hypervisor component requires.)
 */
@Capability(namespace = "osgi.service", attribute = "objectClass:List<String>=org.oxen.vmm.core.VmmSettings")
@Component(immediate = true, service = {})
public final class VmmSettingsGate {

    private ServiceRegistration<VmmSettings> registration;

    @Activate
    public VmmSettingsGate(BundleContext context) {
        try {
            VmmSettings s = VmmSettings.read(context::getProperty, Runtime.getRuntime().maxMemory() >> 20);
            registration = context.registerService(VmmSettings.class, s, null);
        } catch (IllegalArgumentException e) {
            System.err.println("oxen: the hypervisor is not started: " + e.getMessage());
        }
    }

    @Deactivate
    void deactivate() {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException gone) {
                // the bundle is stopping
            }
        }
    }
}
