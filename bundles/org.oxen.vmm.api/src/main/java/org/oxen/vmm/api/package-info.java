/**
 * The hypervisor as a toolstack sees it: the {@link org.oxen.vmm.api.Hypervisor} service creates
 * domains from a {@link org.oxen.vmm.api.DomainConfig}, pauses, unpauses, lists and destroys
 * them, reports the machine's frame pool and a hypervisor log, and announces lifecycle events.
 * Only the VMM implements these types; toolstacks consume them.
 */
@Export
@Version("1.0.0")
package org.oxen.vmm.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
