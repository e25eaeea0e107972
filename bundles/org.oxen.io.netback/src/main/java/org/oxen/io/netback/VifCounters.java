package org.oxen.io.netback;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One vif's statistics as Linux keeps them on the backend's {@code vif<domid>.<devid>} net
 * device (what {@code /proc/net/dev} shows and xentop reads), from the backend's side: {@code rx}
 * is what the frontend sent (taken off its tx ring), {@code tx} what the backend delivered into
 * its rx ring. Like the net device, they live as long as the backend device, across the
 * frontend's reconnects.
 *
 * <p>Locking: the volatile fields are written only by the thread of the vif serving the device
 * (one at a time: a reconnect's vif starts after the previous one's thread was joined);
 * {@code txDropped} is counted by whichever sender's thread the bridge delivers on, so it is
 * atomic. Read by anyone; no allocation on the data path.
 */
final class VifCounters {

    volatile long rxPackets, rxBytes, rxErrors, rxDropped;
    volatile long txPackets, txBytes, txErrors;
    final AtomicLong txDropped = new AtomicLong();

    /** Linux's names ({@code struct rtnl_link_stats64}), in /proc/net/dev's order. */
    Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("rx_bytes", rxBytes);
        m.put("rx_packets", rxPackets);
        m.put("rx_errors", rxErrors);
        m.put("rx_dropped", rxDropped);
        m.put("tx_bytes", txBytes);
        m.put("tx_packets", txPackets);
        m.put("tx_errors", txErrors);
        m.put("tx_dropped", txDropped.get());
        return m;
    }
}
