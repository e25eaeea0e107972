package org.oxen.vmm.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Called when a guest sends an event to a Domain-0 port. It runs on the sender's thread (the
 * pCPU thread of the sending vcpu, or the Java thread that sent): it must return quickly and
 * must not wait for a guest; it may call {@link EventPort#send}. Events that arrive while a
 * call is in progress for the same port are not queued behind it: calls may overlap when the
 * guest sends from several vcpus; coalescing is the listener's business, as with Xen's
 * pending bit.
 */
@ConsumerType
@FunctionalInterface
public interface EventListener {
    void onEvent(EventPort port);
}
