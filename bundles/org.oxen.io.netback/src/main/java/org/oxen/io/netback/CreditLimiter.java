package org.oxen.io.netback;

/**
 * xl.cfg's {@code rate=} as Linux netback applies it to a vif's transmit side (tx_credit_exceeded
 * and tx_add_credit in xen-netback/netback.c): {@code creditBytes} may be sent per
 * {@code intervalNanos}; unused credit carries over up to a burst of max(128 KiB, creditBytes); a
 * packet waits (its request unanswered, the frontend's ring filling) until the credit covers it.
 * A packet larger than any credit could grow is let through once the credit is full, as
 * netback's burst rule lets it through.
 *
 * <p>Not thread-safe: the vif's thread owns it. Time is the caller's (the tests' clock).
 */
final class CreditLimiter {

    static final long MAX_BURST = 131072;

    private final long creditBytes;
    private final long intervalNanos;
    private final long maxCredit;
    private long remaining;
    private long nextReplenish;

    /** {@code creditBytes} 0 means unlimited. */
    CreditLimiter(long creditBytes, long intervalNanos, long now) {
        this.creditBytes = creditBytes;
        this.intervalNanos = intervalNanos;
        this.maxCredit = Math.max(MAX_BURST, creditBytes);
        this.remaining = creditBytes;
        this.nextReplenish = now + intervalNanos;
    }

    static CreditLimiter unlimited() {
        return new CreditLimiter(0, 0, 0);
    }

    boolean limited() {
        return creditBytes > 0;
    }

    /** Takes {@code size} bytes of credit if there is enough at {@code now}. */
    boolean take(int size, long now) {
        if (creditBytes == 0) return true;
        if (now - nextReplenish >= 0) {
            long periods = (now - nextReplenish) / intervalNanos + 1;
            remaining = Math.min(maxCredit, remaining + Math.min(periods, maxCredit / creditBytes + 1) * creditBytes);
            nextReplenish += periods * intervalNanos;
        }
        if (size <= remaining || remaining >= maxCredit) {
            remaining = Math.max(0, remaining - size);
            return true;
        }
        return false;
    }

    /** Nanoseconds from {@code now} to the next replenishment. */
    long waitNanos(long now) {
        return Math.max(0, nextReplenish - now);
    }

    long remaining() {
        return remaining;
    }

    /**
     * Parses the backend's {@code rate} node as libxl writes it and Linux's xen_net_read_rate
     * reads it: {@code "<bytes>,<microseconds>"}.
     *
     * @return {bytes, microseconds}; {0, 0} when the node is absent or empty (no limit)
     * @throws IllegalArgumentException naming what is wrong
     */
    static long[] parseRateNode(String node) {
        if (node == null || node.isEmpty()) return new long[] {0, 0};
        int comma = node.indexOf(',');
        try {
            if (comma < 0) throw new NumberFormatException();
            long bytes = Long.parseLong(node.substring(0, comma));
            long usec = Long.parseLong(node.substring(comma + 1));
            if (bytes < 0 || usec <= 0) throw new NumberFormatException();
            return new long[] {bytes, usec};
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("rate node '" + node + "': expected <bytes>,<microseconds> (libxl's format)");
        }
    }
}
