package org.oxen.io.blkback.internal;

/**
 * Whether a service thread should spin for its frontend's next request before parking: spinning
 * pays when the frontend answers within the spin (a busy ring: the wake-up is saved), and is
 * pure waste when it does not (a frontend at queue depth 1 on a loaded host: every request then
 * costs the whole spin). So, as adaptive mutexes and Linux's adaptive busy polling do, spin
 * while spins catch requests, and after {@link #MISSES} spins in a row that did not, park at
 * once for the next {@link #BACKED_OFF} idle periods before trying again.
 *
 * <p>Confined to the service thread; no allocation, no clock.
 */
final class AdaptiveSpin {

    /** Spins in a row that caught nothing before backing off. */
    static final int MISSES = 4;
    /** Idle periods that park at once after backing off. */
    static final int BACKED_OFF = 64;

    private int misses;
    private int skip;

    /** Whether to spin before this park. */
    boolean shouldSpin() {
        if (skip == 0) return true;
        skip--;
        return false;
    }

    /** What the spin {@link #shouldSpin} allowed found: a request ({@code caught}) or none. */
    void spun(boolean caught) {
        if (caught) {
            misses = 0;
        } else if (++misses == MISSES) {
            misses = 0;
            skip = BACKED_OFF;
        }
    }
}
