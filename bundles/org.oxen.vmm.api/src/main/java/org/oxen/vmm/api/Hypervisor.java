package org.oxen.vmm.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The whole hypervisor: every concern's service in one object, plus what Xen reports about
 * itself. New code should depend on the one concern it uses ({@link Domains}, {@link CpuPools},
 * {@link HypervisorLog}, {@link MachineMemory}, {@link Dom0EventChannels}); the VMM registers
 * its one object under each of those interfaces and this one.
 *
 * <p>All methods are thread-safe.
 */
@ProviderType
public interface Hypervisor extends Domains, CpuPools, HypervisorLog, MachineMemory {

    /** The Xen version oxen presents, as xl info shows it: major.minor plus extraversion ("4.1.0-oxen"). */
    String version();

    /** The guest ABIs it runs (xen_caps): "xen-3.0-x86_32p". */
    String capabilities();

    /**
     * Domain-0's event channels (1.4): how Java components of the host (split-driver backends,
     * consoles) bind ports to a guest, send it events and are called back on its events. Since
     * 1.5 also registered as a {@link Dom0EventChannels} service.
     */
    Dom0EventChannels eventChannels();
}
