package org.oxen.io.netback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.oxen.io.vswitch.Bridge;
import org.oxen.io.vswitch.PortCounters;
import org.oxen.io.vswitch.SwitchPort;

/**
 * Two real domains' Java netfronts on one bridge through netback: ARP, ping both ways, then
 * 100,000 UDP echoes with every datagram accounted for, one host sending over scatter-gather
 * (three slots per frame) with checksums left to the backend (NETTXF_csum_blank).
 */
class NetbackTest {

    static final int ECHOES = Integer.getInteger("oxen.net.echoes", 100_000);
    static final int WINDOW = 48;

    @Test
    void twoDomainsPingAndExchangeUdpEchoesThroughTheSwitch() throws Exception {
        try (NetTestbed bed = new NetTestbed()) {
            FrontendDomain a = bed.domain("neta"), b = bed.domain("netb");
            int ipA = TinyIp.ip(10, 0, 0, 1), ipB = TinyIp.ip(10, 0, 0, 2);
            // A: 3 slots per frame (fragments of 512 bytes), checksums completed by netback
            NetTestbed.Host ha = bed.host(a, 0, 0x00163e000001L, ipA, 512, true, null);
            NetTestbed.Host hb = bed.host(b, 0, 0x00163e000002L, ipB, 4096, false, null);
            assertEquals(java.util.List.of("vif" + a.id() + ".0", "vif" + b.id() + ".0"), bed.netback.connectedVifs());

            long rttAB = ha.ip().ping(ipB, 1, 10_000);
            long rttBA = hb.ip().ping(ipA, 2, 10_000);
            assertEquals(1, hb.ip().pingsAnswered.get());
            assertEquals(1, ha.ip().pingsAnswered.get());

            // 100,000 UDP echoes A -> B:7 -> A, a window of WINDOW in flight; each seq once
            BitSet seen = new BitSet(ECHOES);
            AtomicLong duplicates = new AtomicLong(), wrong = new AtomicLong();
            Semaphore window = new Semaphore(WINDOW);
            ha.ip().onUdp(d -> {
                if (d.srcIp() != ipB || d.srcPort() != TinyIp.ECHO_PORT || d.payload().length != 1000) {
                    wrong.incrementAndGet();
                    return;
                }
                int seq = ByteBuffer.wrap(d.payload()).getInt(0);
                synchronized (seen) {
                    if (seen.get(seq)) duplicates.incrementAndGet();
                    seen.set(seq);
                }
                window.release();
            });
            long macB = ha.ip().resolve(ipB, 10_000);
            byte[] payload = new byte[1000];
            long t0 = System.nanoTime();
            for (int seq = 0; seq < ECHOES; seq++) {
                if (!window.tryAcquire(20, TimeUnit.SECONDS)) {
                    throw new AssertionError("no echo for 20 s after " + seq + " sent; seen " + seen.cardinality()
                            + "; A " + ha.netfront().lastError + " B " + hb.netfront().lastError);
                }
                ByteBuffer.wrap(payload).putInt(0, seq);
                for (int i = 4; i < payload.length; i++) payload[i] = (byte) (seq + i);
                ha.ip().sendUdp(macB, ipB, 5000, TinyIp.ECHO_PORT, payload.clone());
            }
            assertTrue(window.tryAcquire(WINDOW, 20, TimeUnit.SECONDS), "the last echoes");
            long ns = System.nanoTime() - t0;
            assertEquals(ECHOES, seen.cardinality(), "every datagram echoed");
            assertEquals(0, duplicates.get(), "no datagram twice");
            assertEquals(0, wrong.get(), "no stray datagram");
            assertEquals(ECHOES, hb.ip().echoed.get(), "B echoed each once");
            assertEquals(0, ha.ip().badChecksums.get() + hb.ip().badChecksums.get(),
                    "checksums: netback completed A's blank ones; B's were whole");

            // then one way only, so that A's two directions differ: 10 datagrams to B's discard port
            AtomicLong discarded = new AtomicLong();
            hb.ip().onUdp(d -> {
                if (d.dstPort() == 9) discarded.incrementAndGet();
            });
            for (int i = 0; i < 10; i++) ha.ip().sendUdp(macB, ipB, 5000, 9, new byte[1400]);
            NetTestbed.await(() -> discarded.get() == 10, "B took the 10 datagrams");

            Bridge br = bed.switches.find("xenbr0").orElseThrow();
            PortCounters pa = br.port("vif" + a.id() + ".0").map(SwitchPort::counters).orElseThrow();
            PortCounters pb = br.port("vif" + b.id() + ".0").map(SwitchPort::counters).orElseThrow();
            assertEquals(pa.inFrames(), pb.outFrames(), "what A sent, B got (" + pa + " / " + pb + ")");
            assertEquals(pb.inFrames(), pa.outFrames(), "what B sent, A got");
            assertTrue(pa.inFrames() >= ECHOES + 2, pa.toString());
            assertEquals(0, pa.outDropped() + pb.outDropped() + pa.inErrors() + pb.inErrors(), pa + " " + pb);
            assertEquals(0, ha.netfront().txErrors.get() + hb.netfront().txErrors.get());
            assertEquals(2, br.learnedAddresses());
            assertEquals(java.util.List.of(), bed.netback.fatalErrors());

            // BackendStatistics (xl top's NET columns): Linux's vif counters, the backend's side
            java.util.List<org.oxen.vmm.api.backend.BackendStatistics.Device> devs = bed.netback.devices();
            assertEquals(2, devs.size(), devs.toString());
            org.oxen.vmm.api.backend.BackendStatistics.Device da = devs.get(0), db = devs.get(1);
            assertEquals(java.util.List.of("vif", a.id(), 0, true), java.util.List.of(da.type(), da.domid(), da.devid(), da.connected()));
            assertEquals(java.util.List.of("vif", b.id(), 0, true), java.util.List.of(db.type(), db.domid(), db.devid(), db.connected()));
            assertEquals(java.util.List.of("rx_bytes", "rx_packets", "rx_errors", "rx_dropped", "tx_bytes", "tx_packets",
                    "tx_errors", "tx_dropped"), java.util.List.copyOf(da.counters().keySet()));
            assertEquals(pa.inFrames(), da.counter("rx_packets"), "what A's frontend sent is the vif's rx");
            assertEquals(pa.inBytes(), da.counter("rx_bytes"));
            assertEquals(pa.outFrames(), da.counter("tx_packets"), "what A's frontend was given is the vif's tx");
            assertEquals(pa.outBytes(), da.counter("tx_bytes"));
            assertEquals(pb.inBytes(), db.counter("rx_bytes"));
            assertEquals(pb.outBytes(), db.counter("tx_bytes"));
            assertTrue(da.counter("rx_bytes") >= ECHOES * 1042L, da.toString()); // 1000 payload + UDP, IP, Ethernet headers
            assertEquals(0, da.counter("rx_errors") + da.counter("rx_dropped") + da.counter("tx_errors")
                    + da.counter("tx_dropped") + db.counter("rx_errors") + db.counter("tx_dropped"), devs.toString());
            System.out.printf("netback: ping A->B %.1f us, B->A %.1f us; %d UDP echoes (1000 bytes, A over 3 slots) in %.1f ms: "
                    + "%.0f round trips/s%n", rttAB / 1e3, rttBA / 1e3, ECHOES, ns / 1e6, ECHOES * 1e9 / ns);
        }
    }

    /**
     * Backend frames in the trace: with the backend class traced, each frame a vif takes from its
     * guest is a TRC_OXEN_NETBACK_TX record and each frame it gives the guest a
     * TRC_OXEN_NETBACK_RX record (domid, devid, bytes, status), as many and as large as the vif's
     * own counters say; with tracing off, none.
     */
    @Test
    void eachFrameEitherWayIsATraceRecord() throws Exception {
        try (NetTestbed bed = new NetTestbed()) {
            FrontendDomain a = bed.domain("tra"), b = bed.domain("trb");
            int ipA = TinyIp.ip(10, 0, 0, 1), ipB = TinyIp.ip(10, 0, 0, 2);
            NetTestbed.Host ha = bed.host(a, 0, 0x00163e000011L, ipA, 4096, false, null);
            bed.host(b, 0, 0x00163e000012L, ipB, 4096, false, null);
            bed.vmm.trace().drain((buf, ns, ev, x, n) -> { });
            java.util.Map<String, Long> before = vifCounters(bed, a.id());
            bed.vmm.trace().enable(org.oxen.vmm.abi.Trace.TRC_OXEN_BACKEND);
            ha.ip().ping(ipB, 1, 10_000);
            bed.vmm.trace().enable(0);
            java.util.Map<String, Long> after = vifCounters(bed, a.id());
            long[] tx = new long[2], rx = new long[2]; // frames, bytes
            bed.vmm.trace().drain((buf, ns, ev, x, n) -> {
                if (n != 4 || x[0] != a.id() || x[1] != 0) return;
                if (ev == org.oxen.vmm.abi.Trace.TRC_OXEN_NETBACK_TX || ev == org.oxen.vmm.abi.Trace.TRC_OXEN_NETBACK_RX) {
                    assertEquals(0, x[3], "status NETIF_RSP_OKAY");
                    long[] c = ev == org.oxen.vmm.abi.Trace.TRC_OXEN_NETBACK_TX ? tx : rx;
                    c[0]++;
                    c[1] += x[2];
                }
            });
            assertTrue(tx[0] >= 1 && rx[0] >= 1, "the echo request out, the reply in: " + tx[0] + " " + rx[0]);
            // netback's counters are the backend's side: what the guest sends is its rx
            assertEquals(after.get("rx_packets") - before.get("rx_packets"), tx[0]);
            assertEquals(after.get("rx_bytes") - before.get("rx_bytes"), tx[1]);
            assertEquals(after.get("tx_packets") - before.get("tx_packets"), rx[0]);
            assertEquals(after.get("tx_bytes") - before.get("tx_bytes"), rx[1]);
        }
    }

    private static java.util.Map<String, Long> vifCounters(NetTestbed bed, int domid) {
        return bed.netback.devices().stream().filter(d -> d.domid() == domid && d.devid() == 0).findFirst().orElseThrow()
                .counters();
    }

    @Test
    void aDomainWithTwoVifsOnTwoBridges() throws Exception {
        try (NetTestbed bed = new NetTestbed()) {
            FrontendDomain a = bed.domain("twovifs"), b = bed.domain("onbr0"), c = bed.domain("onbr1");
            int a0 = TinyIp.ip(10, 0, 0, 1), a1 = TinyIp.ip(10, 1, 0, 1), ipB = TinyIp.ip(10, 0, 0, 2), ipC = TinyIp.ip(10, 1, 0, 3);
            NetTestbed.Host ha0 = bed.host(a, 0, 0x00163e00a000L, a0, 4096, false, null, "xenbr0");
            NetTestbed.Host ha1 = bed.host(a, 1, 0x00163e00a001L, a1, 4096, false, null, "xenbr1");
            NetTestbed.Host hb = bed.host(b, 0, 0x00163e00b000L, ipB, 4096, false, null, "xenbr0");
            NetTestbed.Host hc = bed.host(c, 0, 0x00163e00c000L, ipC, 4096, false, null, "xenbr1");
            assertEquals(java.util.List.of("vif" + a.id() + ".0", "vif" + a.id() + ".1", "vif" + b.id() + ".0",
                    "vif" + c.id() + ".0"), bed.netback.connectedVifs());
            ha0.ip().ping(ipB, 1, 10_000);
            ha1.ip().ping(ipC, 2, 10_000);
            hb.ip().ping(a0, 3, 10_000);
            hc.ip().ping(a1, 4, 10_000);
            // the bridges are apart: B's ARP for C never reaches xenbr1
            AssertionError e = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> hb.ip().resolve(ipC, 500));
            assertTrue(e.getMessage().contains("no ARP reply from 10.1.0.3"), e.getMessage());
            Bridge br0 = bed.switches.find("xenbr0").orElseThrow(), br1 = bed.switches.find("xenbr1").orElseThrow();
            assertEquals(java.util.List.of("vif" + a.id() + ".0", "vif" + b.id() + ".0"),
                    br0.ports().stream().map(SwitchPort::name).toList());
            assertEquals(java.util.List.of("vif" + a.id() + ".1", "vif" + c.id() + ".0"),
                    br1.ports().stream().map(SwitchPort::name).toList());
            assertEquals(0, br1.port("vif" + c.id() + ".0").orElseThrow().counters().outFrames()
                    - hc.netfront().received.get(), "C got exactly what xenbr1 delivered to it");
            assertEquals(java.util.List.of(), bed.netback.fatalErrors());
        }
    }
}
