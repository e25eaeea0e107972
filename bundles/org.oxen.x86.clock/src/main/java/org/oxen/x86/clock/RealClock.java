package org.oxen.x86.clock;

import org.oxen.x86.api.Clock;

/** Host monotonic time ({@link System#nanoTime()}) since the clock was created. */
public final class RealClock implements Clock {

    private final long origin = System.nanoTime();

    @Override
    public long nanos() {
        return Math.max(0, System.nanoTime() - origin);
    }

    @Override
    public String toString() {
        return "real";
    }
}
