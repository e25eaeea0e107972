package org.oxen.vmm.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives lifecycle events, in order, on the hypervisor's event thread (never a pCPU thread),
 * so a listener may call back into the {@link Hypervisor}: destroy a domain that shut down, as
 * xl's on_poweroff=destroy does. A slow listener delays the events after it, nothing else.
 */
@ConsumerType
@FunctionalInterface
public interface DomainListener {

    void domainEvent(DomainEvent event);
}
