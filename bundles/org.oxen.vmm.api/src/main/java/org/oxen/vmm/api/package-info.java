/**
 * The hypervisor as a toolstack sees it: the {@link org.oxen.vmm.api.Hypervisor} service creates
 * domains from a {@link org.oxen.vmm.api.DomainConfig}, pauses, unpauses, lists and destroys
 * them, reports the machine's frame pool and a hypervisor log, announces lifecycle events,
 * and (1.1) manages CPU pools and their schedulers' parameters ({@link org.oxen.vmm.api.CpuPoolInfo},
 * {@link org.oxen.vmm.api.SchedulerInfo}; 1.3: each parameter's xl option letter and column, and
 * the pool parameters), and (1.4) Domain-0's event channels for Java backends
 * ({@link org.oxen.vmm.api.Dom0EventChannels}, {@link org.oxen.vmm.api.EventPort},
 * {@link org.oxen.vmm.api.EventListener}).
 * Since 1.5 the service is split by concern: {@link org.oxen.vmm.api.Domains},
 * {@link org.oxen.vmm.api.CpuPools}, {@link org.oxen.vmm.api.HypervisorLog},
 * {@link org.oxen.vmm.api.MachineMemory} and {@link org.oxen.vmm.api.Dom0EventChannels} are
 * services of their own ({@link org.oxen.vmm.api.Hypervisor} extends the first four), and a
 * guest's own console is a {@link org.oxen.vmm.api.GuestConsole} service per domain that a
 * console backend provides. The backend API is {@code org.oxen.vmm.api.backend}.
 * 1.6: a domain is PV or HVM ({@link org.oxen.vmm.api.DomainType}, {@code DomainConfig.type()}
 * and an HVM domain's {@code serial}); a domain's uuid ({@link org.oxen.vmm.api.Domain#uuid},
 * {@link org.oxen.vmm.api.DomainConfig#uuid}) and Domain-0's remote shutdown
 * ({@link org.oxen.vmm.api.Domains#shutdown}); a domain's time source,
 * {@link org.oxen.vmm.api.GuestClock} ({@link org.oxen.vmm.api.DomainConfig#clock()}: real or deterministic).
 * 1.7: {@link org.oxen.vmm.api.GuestConsole#broken()} and {@link org.oxen.vmm.api.Domain#consoleRing()}
 * ({@link org.oxen.vmm.api.PvConsoleRing}), where a console backend finds that ring.
 * 1.8: {@link org.oxen.vmm.api.Domains#setMaxMemory} (XEN_DOMCTL_max_mem: xl mem-max, mem-set).
 * 1.9: {@link org.oxen.vmm.api.Domain#consoleInput}, keys for an HVM domain's serial console.
 * 1.10: counters for metrics: a vcpu's hypercalls by number, exits by {@link org.oxen.vmm.api.VcpuExit},
 * upcalls and events sent; a domain's events delivered.
 * 1.11: {@link org.oxen.vmm.api.DomainSaveRestore}: save, restore, live save and resume of PV domains;
 * {@link org.oxen.vmm.api.Domains#rename}, {@link org.oxen.vmm.api.DomainEvent.Type#RESUMED}.
 * 1.12: pages mapped: {@link org.oxen.vmm.api.Domain#grantedPagesMapped}, {@link org.oxen.vmm.api.Domain#grantMapsHeld},
 * {@link org.oxen.vmm.api.Domain#foreignPagesMapped}.
 * 1.13: {@link org.oxen.vmm.api.HypervisorMetrics}, the switch of those counters ({@code oxen.metrics}).
 * 1.14: {@link org.oxen.vmm.api.DomainSaveRestore#guestSuspends} (HVM domains are saved paused).
 * 1.16: {@link org.oxen.vmm.api.Vcpu#eventState()} ({@link org.oxen.vmm.api.VcpuEventState}): a vcpu's
 * vcpu_info, pending and mask words and last hypercalls as the hypervisor reads them.
 * Only the VMM implements these types (but {@link org.oxen.vmm.api.DomainListener} and
 * {@link org.oxen.vmm.api.EventListener} and {@link org.oxen.vmm.api.ConsoleViewer}, which consumers implement).
 */
@Export
@Version("1.16.0")
package org.oxen.vmm.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
