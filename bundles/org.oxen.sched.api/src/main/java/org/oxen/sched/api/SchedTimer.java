package org.oxen.sched.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A one-shot timer bound to a pCPU (Xen's {@code struct timer}), made by
 * {@link CpuPool#newTimer}. Its callback runs on (or on behalf of) that pCPU once the clock
 * reaches the expiry; setting it again replaces the expiry.
 */
@ProviderType
public interface SchedTimer {

    /** Arm (or re-arm) the timer for absolute time {@code expiryNs}. */
    void set(long expiryNs);

    /** Disarm; harmless when not armed. */
    void stop();

    boolean isActive();

    /** The armed expiry; meaningless when not active. */
    long expiry();
}
