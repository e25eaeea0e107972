package org.oxen.io.vswitch.internal;

import java.util.Arrays;

/**
 * The bridge's forwarding database: MAC address (48 bits in a long) to port, with the time each
 * was last seen; entries older than the ageing time are absent. Open addressing with linear
 * probing over arrays sized once, so learning and looking up allocate nothing; when the table is
 * full of live entries a new address is not learned (its frames are flooded, as Linux does when
 * the fdb limit is reached).
 *
 * <p>Locking: the table's monitor guards everything; callers hold it for no longer than one call.
 */
final class MacTable {

    private static final long EMPTY = -1L;
    private final long[] macs;
    private final PortImpl[] ports;
    private final long[] seen;
    private final int mask;
    private final long ageing;

    MacTable(int capacity, long ageingNanos) {
        int n = Integer.highestOneBit(Math.max(16, capacity - 1) << 1);
        macs = new long[n];
        ports = new PortImpl[n];
        seen = new long[n];
        mask = n - 1;
        ageing = ageingNanos;
        Arrays.fill(macs, EMPTY);
    }

    private static int hash(long mac) {
        long h = mac * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    private boolean live(int i, long now) {
        return macs[i] != EMPTY && now - seen[i] < ageing;
    }

    /** Records that {@code mac} was seen on {@code port} at {@code now}. */
    synchronized void learn(long mac, PortImpl port, long now) {
        int i = hash(mac) & mask;
        int free = -1;
        for (int probe = 0; probe <= mask; probe++, i = (i + 1) & mask) {
            if (macs[i] == mac) {
                ports[i] = port;
                seen[i] = now;
                return;
            }
            if (macs[i] == EMPTY) {
                if (free < 0) free = i;
                break;
            }
            if (free < 0 && !live(i, now)) free = i;
        }
        if (free < 0) return; // full of live entries
        macs[free] = mac;
        ports[free] = port;
        seen[free] = now;
    }

    /** The port {@code mac} was last seen on, or null if unknown or aged out. */
    synchronized PortImpl lookup(long mac, long now) {
        int i = hash(mac) & mask;
        for (int probe = 0; probe <= mask; probe++, i = (i + 1) & mask) {
            if (macs[i] == EMPTY) return null;
            if (macs[i] == mac) return live(i, now) ? ports[i] : null;
        }
        return null;
    }

    /**
     * Forgets every address of {@code port}. Entries become tombstones that stay in probe chains
     * (aged) so later lookups still find what follows them.
     */
    synchronized void forget(PortImpl port) {
        for (int i = 0; i <= mask; i++) {
            if (ports[i] == port) {
                ports[i] = null;
                seen[i] = Long.MIN_VALUE / 2; // aged out, slot reusable by learn
            }
        }
    }

    synchronized int live(long now) {
        int n = 0;
        for (int i = 0; i <= mask; i++) {
            if (live(i, now) && ports[i] != null) n++;
        }
        return n;
    }
}
