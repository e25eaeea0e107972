package org.oxen.io.netback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.vmm.abi.Netif.NETRXF_CSUM_BLANK;
import static org.oxen.vmm.abi.Netif.NETRXF_DATA_VALIDATED;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.io.vswitch.Bridge;
import org.oxen.io.vswitch.FrameChecksum;

/**
 * Scatter-gather and checksum offload both ways through real domains' Java netfronts: a jumbo
 * UDP datagram (a 9,042-byte frame) sent over three tx slots with NETTXF_csum_blank reaches
 *
 * <ul>
 * <li>B (feature-sg, checksum offload) over three rx slots chained by NETRXF_more_data, its
 * first slot flagged NETRXF_csum_blank | NETRXF_data_validated and its checksum field holding the
 * pseudo-header sum (completing it as a NIC would gives the checksum the frame needs);
 * <li>C (feature-sg, feature-no-csum-offload) over three slots, flags 0, its checksum complete;
 * <li>not D (no feature-sg): the frame is over its MTU, the switch drops it and counts it; D's
 * own 2,000-byte frame is refused by netback with NETIF_RSP_ERROR;
 * </ul>
 * and B's jumbo echo comes back to A whole. The capture of the run, read by tcpdump -vv, has every
 * UDP checksum right.
 */
class OffloadTest {

    static final int JUMBO_PAYLOAD = 9000; // a 9,042-byte frame: three slots

    @Test
    void aJumboFrameCrossesOnSeveralSlotsWithItsChecksumFlagsBothWays(@TempDir Path dir) throws Exception {
        try (NetTestbed bed = new NetTestbed()) {
            FrontendDomain a = bed.domain("sga"), b = bed.domain("sgb"), c = bed.domain("sgc"), d = bed.domain("nosg");
            int ipA = TinyIp.ip(10, 0, 0, 1), ipB = TinyIp.ip(10, 0, 0, 2), ipC = TinyIp.ip(10, 0, 0, 3),
                    ipD = TinyIp.ip(10, 0, 0, 4);
            Path pcap = dir.resolve("offload.pcap");
            Bridge br = bed.switches.bridge("xenbr0");
            br.startCapture(pcap);
            NetTestbed.Host ha = bed.host(a, 0, 0x00163e0000a1L, ipA, 4096, true, null, "xenbr0", true, false);
            NetTestbed.Host hb = bed.host(b, 0, 0x00163e0000b2L, ipB, 4096, false, null, "xenbr0", true, true);
            NetTestbed.Host hc = bed.host(c, 0, 0x00163e0000c3L, ipC, 4096, false, null, "xenbr0", true, false);
            NetTestbed.Host hd = bed.host(d, 0, 0x00163e0000d4L, ipD, 4096, false, null, "xenbr0", false, false);
            String vifB = "vif" + b.id() + ".0", vifD = "vif" + d.id() + ".0";
            Vif vb = bed.netback.vif(vifB), vd = bed.netback.vif(vifD);
            assertTrue(vb.scatterGather() && vb.checksumOffload(), "B's features read at connect");
            assertFalse(vd.scatterGather(), "D said no feature-sg");
            assertEquals(Bridge.MAX_JUMBO_FRAME, br.port(vifB).orElseThrow().maxFrame());
            assertEquals(Bridge.MAX_FRAME, br.port(vifD).orElseThrow().maxFrame());

            List<byte[]> atB = new CopyOnWriteArrayList<>(), atC = new CopyOnWriteArrayList<>();
            List<Integer> flagsB = new CopyOnWriteArrayList<>(), flagsC = new CopyOnWriteArrayList<>();
            hb.netfront().spy = (f, flags) -> {
                if (f.length > 4096) {
                    atB.add(f);
                    flagsB.add(flags);
                }
            };
            hc.netfront().spy = (f, flags) -> {
                if (f.length > 4096) {
                    atC.add(f);
                    flagsC.add(flags);
                }
            };
            AtomicLong jumboAtB = new AtomicLong(), jumboAtC = new AtomicLong(), atD = new AtomicLong(),
                    echoesAtA = new AtomicLong();
            byte[] payload = new byte[JUMBO_PAYLOAD];
            for (int i = 0; i < payload.length; i++) payload[i] = (byte) (i * 13 + 5);
            hb.ip().onUdp(dg -> {
                if (dg.dstPort() == 9 && java.util.Arrays.equals(dg.payload(), payload)) jumboAtB.incrementAndGet();
            });
            hc.ip().onUdp(dg -> {
                if (dg.dstPort() == 9 && java.util.Arrays.equals(dg.payload(), payload)) jumboAtC.incrementAndGet();
            });
            hd.ip().onUdp(dg -> atD.incrementAndGet());
            ha.ip().onUdp(dg -> {
                if (dg.srcPort() == TinyIp.ECHO_PORT && java.util.Arrays.equals(dg.payload(), payload)) echoesAtA.incrementAndGet();
            });
            long macB = ha.ip().resolve(ipB, 10_000), macC = ha.ip().resolve(ipC, 10_000), macD = ha.ip().resolve(ipD, 10_000);
            long droppedAtD = br.port(vifD).orElseThrow().counters().outDropped();

            ha.ip().sendUdp(macB, ipB, 5000, 9, payload);
            ha.ip().sendUdp(macC, ipC, 5000, 9, payload);
            ha.ip().sendUdp(macD, ipD, 5000, 9, payload);
            ha.ip().sendUdp(macB, ipB, 5000, TinyIp.ECHO_PORT, payload);
            NetTestbed.await(() -> jumboAtB.get() == 1 && jumboAtC.get() == 1 && echoesAtA.get() == 1,
                    "B and C took the jumbo datagram, A its echo");
            NetTestbed.await(() -> br.port(vifD).orElseThrow().counters().outDropped() == droppedAtD + 1,
                    "the switch dropped the frame over D's MTU");
            assertEquals(0, atD.get(), "D never saw the jumbo frame");

            // B: several slots, csum_blank | data_validated, the field holding the pseudo-header sum
            assertEquals(2, atB.size(), "the datagram and the echo request");
            byte[] f = atB.get(0);
            assertEquals(14 + 20 + 8 + JUMBO_PAYLOAD, f.length);
            assertEquals(NETRXF_CSUM_BLANK | NETRXF_DATA_VALIDATED, flagsB.get(0) & (NETRXF_CSUM_BLANK | NETRXF_DATA_VALIDATED));
            assertTrue(hb.netfront().rxMultiSlot.get() >= 2 && hb.netfront().rxCsumBlank.get() >= 2,
                    "B: " + hb.netfront().rxMultiSlot + " frames over several slots, " + hb.netfront().rxCsumBlank + " csum_blank");
            assertFalse(FrameChecksum.verify(f, 0, f.length), "B's copy is still partial");
            byte[] done = f.clone();
            assertTrue(FrameChecksum.complete(done, 0, done.length));
            assertTrue(FrameChecksum.verify(done, 0, done.length), "completing B's partial frame gives its checksum");
            // C: several slots, no flags, complete as on a wire
            assertEquals(1, atC.size());
            assertEquals(0, flagsC.get(0) & (NETRXF_CSUM_BLANK | NETRXF_DATA_VALIDATED));
            assertTrue(FrameChecksum.verify(atC.get(0), 0, atC.get(0).length), "C's copy has its checksum complete");
            assertTrue(hc.netfront().rxMultiSlot.get() >= 1);
            assertEquals(0, hc.netfront().rxCsumBlank.get() + hc.netfront().rxDataValidated.get(), "C asked for no offload");
            assertEquals(0, ha.ip().badChecksums.get() + hb.ip().badChecksums.get() + hc.ip().badChecksums.get());
            assertEquals(1, hb.ip().echoed.get());

            // D cannot send a frame over its MTU either: answered NETIF_RSP_ERROR, counted by netback
            long errors = hd.netfront().txErrors.get();
            hd.ip().sendUdp(hd.ip().resolve(ipA, 10_000), ipA, 5000, 9, new byte[2000]);
            NetTestbed.await(() -> hd.netfront().txErrors.get() == errors + 1, "D's oversized frame refused");
            assertEquals(List.of(), bed.netback.fatalErrors());

            br.stopCapture();
            List<String> lines = CaptureReader.tcpdump(pcap, "-vv");
            String text = String.join("\n", lines);
            assertFalse(text.contains("bad udp cksum"), text);
            long jumbo = lines.stream().filter(l -> l.contains("UDP, length " + JUMBO_PAYLOAD)).count();
            assertEquals(5, jumbo, "A's four jumbo datagrams and B's echo:\n" + text);
            long ok = lines.stream().filter(l -> l.contains("[udp sum ok] UDP, length " + JUMBO_PAYLOAD)).count();
            assertEquals(5, ok, "tcpdump found every jumbo datagram's checksum right:\n" + text);
            assertTrue(Files.size(pcap) > 5 * 9000);
        }
    }
}
