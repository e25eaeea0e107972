package org.oxen.x86.api.device;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A one-shot timer of one device, fired by the board between CPU batches. Re-arming is
 * allocation-free; a periodic device re-arms from its callback.
 */
@ProviderType
public interface Timer {

    /** Arms (or re-arms) the timer to fire once at the absolute clock time {@code deadline}. */
    void armAt(long deadlineNanos);

    /** Disarms the timer; harmless if not armed. */
    void cancel();

    /** Whether the timer is armed. */
    boolean armed();

    /** The armed deadline, or {@link Long#MAX_VALUE} if not armed. */
    long deadline();
}
