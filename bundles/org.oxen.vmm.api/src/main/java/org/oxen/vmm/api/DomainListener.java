package org.oxen.vmm.api;

import org.osgi.annotation.versioning.ConsumerType;

/** Receives lifecycle events (on the thread that caused them: return quickly). */
@ConsumerType
@FunctionalInterface
public interface DomainListener {

    void domainEvent(DomainEvent event);
}
