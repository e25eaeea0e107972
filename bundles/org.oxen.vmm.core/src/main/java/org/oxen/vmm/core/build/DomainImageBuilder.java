package org.oxen.vmm.core.build;

import org.oxen.vmm.api.DomainBuildException;
import org.oxen.vmm.core.domain.DomainImpl;

/**
 * How a domain gets its start of day (libxl's domain build step over libxc's xc_dom_*): the
 * SPI the hypervisor builds every domain through. {@link DomainBuilder} is the PV ELF builder,
 * {@link HvmBuilder} the HVM one (pseudo-physical RAM from the pool, the board's boot loader); a
 * restore builder (from a saved image and {@code VcpuContext}s) will be another.
 *
 * <p>Contract: the domain is paused and its vcpus exist; the builder allocates the domain's
 * memory, loads the image and sets up the boot vcpu (initialised and online). On failure it
 * throws, and the caller releases every frame the frame table says the domain owns, so a
 * builder needs no undo of its own.
 */
public interface DomainImageBuilder {

    /** What a build made, for the log. */
    interface Built {
        /** One line for the hypervisor log: where the image went, the entry point. */
        String describe();
    }

    /** Builds {@code d} from {@code image} with {@code nrPages} of memory; the result is for the log and tests. */
    Built build(DomainImpl d, byte[] image, String cmdline, int nrPages) throws DomainBuildException;

    /**
     * After {@link #build}: the domain's grant table exists (an HVM restore maps its frames where
     * the saved guest had them). A failure is the build's: every frame is released.
     */
    default void grantTableReady(DomainImpl d, org.oxen.vmm.core.grant.Grants grants) throws DomainBuildException {
    }
}
