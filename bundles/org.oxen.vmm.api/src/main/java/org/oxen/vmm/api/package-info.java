/**
 * The hypervisor as a toolstack sees it: the {@link org.oxen.vmm.api.Hypervisor} service creates
 * domains from a {@link org.oxen.vmm.api.DomainConfig}, pauses, unpauses, lists and destroys
 * them, reports the machine's frame pool and a hypervisor log, announces lifecycle events,
 * and (1.1) manages CPU pools and their schedulers' parameters ({@link org.oxen.vmm.api.CpuPoolInfo},
 * {@link org.oxen.vmm.api.SchedulerInfo}; 1.3: each parameter's xl option letter and column, and
 * the pool parameters), and (1.4) Domain-0's event channels for Java backends
 * ({@link org.oxen.vmm.api.Dom0EventChannels}, {@link org.oxen.vmm.api.EventPort},
 * {@link org.oxen.vmm.api.EventListener}).
 * Only the VMM implements these types (but {@link org.oxen.vmm.api.DomainListener} and
 * {@link org.oxen.vmm.api.EventListener}, which consumers implement).
 */
@Export
@Version("1.5.0")
package org.oxen.vmm.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
