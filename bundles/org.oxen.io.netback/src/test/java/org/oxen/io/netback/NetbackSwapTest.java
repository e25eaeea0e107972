package org.oxen.io.netback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.oxen.vmm.api.backend.BackendFactory;

/**
 * The vif backend swapped 20 times under a steady UDP echo load, as a bundle update swaps it
 * (ServiceBindGreedyTest's pattern at the xenbus level): each time the serving netback leaves
 * (xenbus closes its vifs: Closing, Closed) and a new one arrives; the frontends reconnect,
 * resend what was unanswered, and the load goes on. Every datagram is accounted for (echoed or
 * lost); the loss is bounded by what was on the wire at each swap, and reported with the longest
 * gap in traffic.
 */
class NetbackSwapTest {

    static final int SWAPS = 20;
    static final int WINDOW = 16;

    @Test
    void netbackReplacedTwentyTimesUnderAnEchoLoad() throws Exception {
        try (NetTestbed bed = new NetTestbed()) {
            FrontendDomain a = bed.domain("swapa"), b = bed.domain("swapb");
            int ipA = TinyIp.ip(10, 0, 0, 1), ipB = TinyIp.ip(10, 0, 0, 2);
            NetTestbed.Host ha = bed.host(a, 0, 0x00163e000001L, ipA, 4096, false, null);
            NetTestbed.Host hb = bed.host(b, 0, 0x00163e000002L, ipB, 4096, false, null);
            String beA = NetTestbed.be(a.id(), 0), beB = NetTestbed.be(b.id(), 0);
            long macB = ha.ip().resolve(ipB, 10_000);
            EchoLoad load = new EchoLoad(ha.ip(), macB, ipB, WINDOW, 1_000_000_000L);
            long swapNanos = 0, worstSwap = 0;
            BackendFactory serving = bed.netback;
            long before = 0;
            for (int i = 0; i < SWAPS; i++) {
                long echoed = load.echoed.get();
                NetTestbed.await(() -> load.echoed.get() > echoed + 50, "traffic before swap " + i + ": " + load);
                Netback next = new Netback(bed.switches, System::nanoTime);
                long t0 = System.nanoTime();
                bed.xenbus.removeFactory(serving); // the bundle stops: its vifs are closed
                bed.xenbus.addFactory(next, Map.of(BackendFactory.DEVICE_TYPE, "vif", "service.id", 100L + i));
                serving = next;
                final Netback n = next;
                NetTestbed.await(() -> n.connectedVifs().size() == 2 && bed.state(beA).equals("4")
                        && bed.state(beB).equals("4"), "both vifs on netback #" + (i + 2));
                long t = System.nanoTime() - t0;
                swapNanos += t;
                worstSwap = Math.max(worstSwap, t);
                assertEquals(Map.of(beA, n, beB, n), bed.xenbus.bound());
            }
            long echoed = load.echoed.get();
            NetTestbed.await(() -> load.echoed.get() > echoed + 50, "traffic after the last swap");
            load.close();
            System.out.printf("netback swap: %d swaps under load: %s; swap to both reconnected mean %.1f ms, worst %.1f ms; "
                    + "longest gap between echoes %.1f ms (lost datagrams are given up after 1 s); reconnects A %d B %d, "
                    + "resent A %d B %d%n", SWAPS, load, swapNanos / 1e6 / SWAPS, worstSwap / 1e6, load.maxGapNanos() / 1e6, ha.netfront().connects.get(), hb.netfront().connects.get(),
                    ha.netfront().resent.get(), hb.netfront().resent.get());
            assertEquals(load.sent.get(), load.echoed.get() + load.lost.get(), "every datagram echoed or lost: " + load);
            assertTrue(load.lost.get() <= (long) SWAPS * WINDOW, "loss bounded by what was on the wire at the swaps: " + load);
            assertEquals(SWAPS + 1, ha.netfront().connects.get());
            assertEquals(SWAPS + 1, hb.netfront().connects.get());
            assertEquals(null, load.failure);
            assertEquals(java.util.List.of(), bed.netback.fatalErrors());
        }
    }
}
