package org.oxen.vmm.core;

import java.util.List;
import java.util.Optional;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainBuildException;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainListener;
import org.oxen.vmm.api.Hypervisor;

/**
 * Publishes the hypervisor. Framework properties: {@code oxen.memory.mib} (machine memory,
 * default 1024) and {@code oxen.pcpus} (pCPU threads, default the host's cores).
 */
@Component(service = Hypervisor.class, immediate = true)
public final class HypervisorComponent implements Hypervisor {

    private final Vmm vmm;

    @Activate
    public HypervisorComponent(BundleContext context) {
        long mib = property(context, "oxen.memory.mib", 1024);
        int pcpus = (int) property(context, "oxen.pcpus", Runtime.getRuntime().availableProcessors());
        vmm = new Vmm(mib << 20, Math.max(1, pcpus));
    }

    private static long property(BundleContext c, String key, long dflt) {
        String v = c.getProperty(key);
        if (v == null || v.isBlank()) return dflt;
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("framework property " + key + "=" + v + " is not a number", e);
        }
    }

    @Deactivate
    void deactivate() {
        vmm.shutdown();
    }

    @Override
    public Domain create(DomainConfig config) throws DomainBuildException {
        return vmm.create(config);
    }

    @Override
    public void destroy(int domid) {
        vmm.destroy(domid);
    }

    @Override
    public void pause(int domid) {
        vmm.pause(domid);
    }

    @Override
    public void unpause(int domid) {
        vmm.unpause(domid);
    }

    @Override
    public List<Domain> list() {
        return vmm.list();
    }

    @Override
    public Optional<Domain> find(int domid) {
        return vmm.find(domid);
    }

    @Override
    public Optional<Domain> find(String name) {
        return vmm.find(name);
    }

    @Override
    public long totalFrames() {
        return vmm.totalFrames();
    }

    @Override
    public long freeFrames() {
        return vmm.freeFrames();
    }

    @Override
    public String version() {
        return vmm.version();
    }

    @Override
    public String capabilities() {
        return vmm.capabilities();
    }

    @Override
    public int pcpus() {
        return vmm.pcpus();
    }

    @Override
    public List<String> dmesg() {
        return vmm.dmesg();
    }

    @Override
    public long internalErrors() {
        return vmm.internalErrors();
    }

    @Override
    public void addListener(DomainListener listener) {
        vmm.addListener(listener);
    }

    @Override
    public void removeListener(DomainListener listener) {
        vmm.removeListener(listener);
    }
}
