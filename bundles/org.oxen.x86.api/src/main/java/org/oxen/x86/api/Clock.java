package org.oxen.x86.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The machine's notion of time, in nanoseconds since the machine was created.
 *
 * <p>Two sources exist: real (the host's monotonic clock) and deterministic (derived from the
 * count of retired instructions, so that tests of timers hold on a noisy host). The emulated
 * TSC and every timer device derive from the same clock.
 */
@ProviderType
public interface Clock {

    /** Current time in nanoseconds; monotonic, never negative. */
    long nanos();
}
