package org.oxen.x86.bus;

import org.oxen.x86.api.Clock;

/** A clock that moves only when told to: the deterministic clock of tests. */
public final class ManualClock implements Clock {

    private long now;

    @Override
    public long nanos() {
        return now;
    }

    /** Sets the time; never backwards. */
    public void set(long nanos) {
        if (nanos < now) {
            throw new IllegalArgumentException("clock cannot go back from " + now + " to " + nanos);
        }
        now = nanos;
    }

    public void advance(long nanos) {
        set(now + nanos);
    }
}
