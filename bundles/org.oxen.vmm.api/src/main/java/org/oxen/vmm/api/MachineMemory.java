package org.oxen.vmm.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The machine's memory (1.5, split out of {@link Hypervisor}): the frame pool domains are built
 * from, as {@code xl info} shows it (Xen's physinfo). Thread-safe.
 */
@ProviderType
public interface MachineMemory {

    /** Machine frames (4 KiB) in the pool. */
    long totalFrames();

    /**
     * All machine frames (4 KiB): the pool plus the hypervisor's own (M2P table, reserved pages),
     * i.e. the configured machine memory, as Xen's physinfo total_pages.
     *
     * @since 1.2
     */
    long machineFrames();

    /** Machine frames not owned by any domain nor by the hypervisor. */
    long freeFrames();
}
