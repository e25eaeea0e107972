package org.oxen.io.netback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.oxen.io.vswitch.SwitchPort;

/**
 * xl.cfg's rate= as the backend's {@code rate} node ("bytes,microseconds"), applied to what a vif
 * sends, on a deterministic clock: a frame waits, unanswered, until the credit covers it.
 */
class NetbackRateTest {

    @Test
    void aVifSendsNoMoreThanItsCreditPerInterval() throws Exception {
        AtomicLong clock = new AtomicLong(1_000_000_000L);
        try (NetTestbed bed = new NetTestbed(clock::get)) {
            FrontendDomain a = bed.domain("slow"), b = bed.domain("sink");
            int ipA = TinyIp.ip(10, 0, 0, 1), ipB = TinyIp.ip(10, 0, 0, 2);
            // 1000 bytes per second
            NetTestbed.Host ha = bed.host(a, 0, 0x00163e000001L, ipA, 4096, false, "1000,1000000");
            NetTestbed.Host hb = bed.host(b, 0, 0x00163e000002L, ipB, 4096, false, null);
            AtomicLong got = new AtomicLong();
            hb.ip().onUdp(d -> got.incrementAndGet());
            long macB = ha.ip().resolve(ipB, 10_000); // A's ARP request: 42 bytes of credit, 958 left
            for (int i = 0; i < 5; i++) ha.ip().sendUdp(macB, ipB, 5000, 9, new byte[400]); // 442-byte frames
            SwitchPort pa = bed.switches.find("xenbr0").orElseThrow().port("vif" + a.id() + ".0").orElseThrow();

            NetTestbed.await(() -> got.get() == 2, "two frames within the first second's credit");
            Thread.sleep(300); // the clock does not move: nothing more may pass
            assertEquals(2, got.get());
            assertEquals(3, pa.counters().inFrames(), "ARP + 2 frames entered the bridge");
            assertEquals(0, ha.netfront().queued(), "the other three wait in the frontend's ring, not its queue");

            clock.addAndGet(1_000_000_000L); // 74 + 1000 bytes: two more
            NetTestbed.await(() -> got.get() == 4, "two more after one interval");
            Thread.sleep(300);
            assertEquals(4, got.get());
            clock.addAndGet(1_000_000_000L);
            NetTestbed.await(() -> got.get() == 5, "the last one");
            assertEquals(0, ha.netfront().txErrors.get());
        }
    }

    @Test
    void creditCarriesOverUpToABurstAndTheRateNodeIsChecked() {
        CreditLimiter c = new CreditLimiter(1000, 1_000_000, 0);
        assertEquals(true, c.take(1000, 0));
        assertEquals(false, c.take(1, 0));
        assertEquals(1_000_000, c.waitNanos(0));
        // idle for a long time: the credit grows to the 128 KiB burst, not beyond
        assertEquals(true, c.take((int) CreditLimiter.MAX_BURST, 10_000_000_000L));
        assertEquals(false, c.take(1, 10_000_000_000L));
        // a packet larger than any credit passes once the credit is full (netback's burst rule)
        CreditLimiter big = new CreditLimiter(200_000, 1_000_000, 0);
        assertEquals(true, big.take(150_000, 0));
        assertEquals(false, big.take(60_000, 0));
        assertEquals(true, big.take(60_000, 1_000_000));
        assertEquals(true, CreditLimiter.unlimited().take(65535, 0));
        assertEquals(0, CreditLimiter.parseRateNode("")[0]);
        assertEquals(12500000L, CreditLimiter.parseRateNode("12500000,50000")[0]);
        for (String bad : new String[] {"10", "a,b", "10,0", "-1,5", "10,"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CreditLimiter.parseRateNode(bad));
            assertEquals(true, e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }
}
