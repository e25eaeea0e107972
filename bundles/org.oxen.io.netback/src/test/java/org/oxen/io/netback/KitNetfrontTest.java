package org.oxen.io.netback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.ShutdownReason;

/**
 * The guest kit's netfront (C, lib/pv/netfront.c) and IP layer (lib/pv/netip.c) in real
 * domains running {@code netecho}, against netback and the switch without a framework: a Java
 * host pings a kit guest and streams UDP echoes to it, and two kit guests ping each other and
 * exchange a UDP echo stream, every datagram accounted for by the guest itself.
 */
class KitNetfrontTest {

    static final long MAC_KIT = 0x00163e0000a2L, MAC_KIT2 = 0x00163e0000a3L, MAC_JAVA = 0x00163e0000a1L;
    static final int IP_JAVA = TinyIp.ip(10, 0, 0, 1), IP_KIT = TinyIp.ip(10, 0, 0, 2), IP_KIT2 = TinyIp.ip(10, 0, 0, 3);

    static void awaitLine(Domain d, String text) throws InterruptedException {
        NetTestbed.await(() -> d.consoleOutput().contains(text), d.name() + " printing \"" + text + "\":\n"
                + d.consoleOutput());
    }

    static void poweroff(NetTestbed bed, Domain d) throws Exception {
        bed.toolstack.write("/local/domain/" + d.id() + "/control/shutdown", "poweroff");
        assertTrue(d.awaitShutdown(60, TimeUnit.SECONDS), d.name() + " did not shut down:\n" + d.consoleOutput());
    }

    static String passed(Domain d) {
        String out = d.consoleOutput();
        assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow(), out);
        assertTrue(out.strip().endsWith("RESULT: PASS"), out);
        return out;
    }

    @Test
    void aJavaHostPingsAKitGuestAndItEchoesEveryDatagram() throws Exception {
        try (NetTestbed bed = new NetTestbed()) {
            Domain kit = bed.kitDomain("kitecho", MAC_KIT, IP_KIT, "");
            awaitLine(kit, "netecho: device/vif/0 is 10.0.0.2");
            assertEquals("4", bed.state(NetTestbed.be(kit.id(), 0)));
            assertEquals("4", bed.state(NetTestbed.fe(kit.id(), 0)));
            NetTestbed.Host java = bed.host(bed.domain("javahost"), 0, MAC_JAVA, IP_JAVA, 4096, false, null);

            assertEquals(MAC_KIT, java.ip().resolve(IP_KIT, 10_000), "the kit guest answers ARP with its vif's mac");
            for (int seq = 0; seq < 20; seq++) java.ip().ping(IP_KIT, seq, 5_000);

            EchoLoad load = new EchoLoad(java.ip(), MAC_KIT, IP_KIT, 16, 2_000_000_000L);
            NetTestbed.await(() -> load.echoed.get() >= 5_000, "5,000 echoes from the kit guest: " + load);
            load.close();
            assertEquals(load.sent.get(), load.echoed.get(), "every datagram echoed: " + load);
            assertEquals(0, load.lost.get() + load.duplicates.get(), load.toString());
            assertEquals(0, java.ip().badChecksums.get(), "the kit guest's checksums");

            poweroff(bed, kit);
            String out = passed(kit);
            Matcher m = Pattern.compile("ip: (\\d+) arp answered, (\\d+) pings answered, (\\d+) udp echoed, (\\d+) bad checksums")
                    .matcher(out);
            assertTrue(m.find(), out);
            assertEquals(20, Long.parseLong(m.group(2)), out);
            assertEquals(load.sent.get(), Long.parseLong(m.group(3)), out);
            assertEquals(0, Long.parseLong(m.group(4)), out);
            // netfront closed its vif on the way out, the backend followed
            assertEquals("6", bed.state(NetTestbed.be(kit.id(), 0)));
        }
    }

    /**
     * A kit guest resolving a peer that does not answer yet asks by ARP once a second (Linux's
     * neighbour retrans_time), not at every event it wakes for. netecho used to send a request
     * at each wakeup, its own requests' tx responses among them: thousands a second, which in
     * TwoRuntimesTunnelTest overflowed the peer's rx queue (netback's tx_dropped) and dropped
     * the first ping behind them ("ping 0: no reply in 10000 ms"). Once the peer answers, the
     * guest resolves it and pings, and every request it counts reached the peer.
     */
    @Test
    void aKitGuestAsksForASilentPeerByArpOnceASecond() throws Exception {
        try (NetTestbed bed = new NetTestbed()) {
            NetTestbed.Host java = bed.host(bed.domain("silenthost"), 0, MAC_JAVA, IP_JAVA, 4096, false, null);
            java.ip().answerArp = false;
            List<Long> seen = java.ip().arpRequestsSeen;
            Domain kit = bed.kitDomain("kitasker", MAC_KIT, IP_KIT, "ping=10.0.0.1 pings=1 arp_s=60");
            NetTestbed.await(() -> !seen.isEmpty(), "the kit guest's first ARP request:\n" + kit.consoleOutput());
            long first = seen.get(0);
            Thread.sleep(3_000);
            long inWindow = seen.stream().filter(t -> t - first <= 3_000_000_000L).count();
            // one a second: 4 in 3 s at most, and one more for a request that reached us late
            assertTrue(inWindow <= 5, inWindow + " ARP requests in the 3 s after the first (one a second expected)");
            NetTestbed.await(() -> seen.size() >= 2, "a second ARP request after an unanswered one:\n" + kit.consoleOutput());
            java.ip().answerArp = true;
            assertTrue(kit.awaitShutdown(60, TimeUnit.SECONDS), "the kit guest did not finish:\n" + kit.consoleOutput());
            String out = passed(kit);
            assertTrue(out.contains("netecho: ping 10.0.0.1: 1 sent, 1 replies"), out);
            Matcher m = Pattern.compile("(\\d+) arp requests sent").matcher(out);
            assertTrue(m.find(), out);
            assertEquals(seen.size(), Long.parseLong(m.group(1)), "every request the guest sent reached the peer: " + out);
        }
    }

    @Test
    void twoKitGuestsPingEachOtherAndExchangeUdpEchoes() throws Exception {
        try (NetTestbed bed = new NetTestbed()) {
            Domain server = bed.kitDomain("kitserver", MAC_KIT, IP_KIT, "");
            awaitLine(server, "netecho: device/vif/0 is");
            Domain client = bed.kitDomain("kitclient", MAC_KIT2, IP_KIT2, "ping=10.0.0.2 pings=10 udp=10.0.0.2 count=20000 window=16");
            assertTrue(client.awaitShutdown(300, TimeUnit.SECONDS), "the client did not finish:\n" + client.consoleOutput());
            String out = passed(client);
            assertTrue(out.contains("netecho: ping 10.0.0.2: 10 sent, 10 replies"), out);
            assertTrue(out.contains("netecho: udp sent 20000, echoed 20000, lost 0, duplicates 0"), out);
            out.lines().filter(l -> l.startsWith("netecho: udp") || l.startsWith("netecho: ping")).forEach(System.out::println);
            poweroff(bed, server);
            String sout = passed(server);
            assertTrue(sout.contains("10 pings answered, 20000 udp echoed, 0 bad checksums"), sout);
        }
    }

    /**
     * The kit's netfront with scatter-gather and checksum offload (what it asks for by
     * default): jumbo UDP echoes (8,042-byte frames, four 2 KiB tx slots and two rx slots each)
     * between two kit guests, every UDP checksum left to the backend and handed over
     * NETRXF_csum_blank; a third guest that asks for neither (sg=0 csum=0) echoes through the
     * same server with frames that fit one slot and whole checksums. tcpdump -vv finds every UDP
     * checksum right in the capture.
     */
    @Test
    void kitGuestsExchangeJumboFramesOverSeveralSlotsWithChecksumOffload(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        try (NetTestbed bed = new NetTestbed()) {
            java.nio.file.Path pcap = dir.resolve("jumbo.pcap");
            bed.switches.bridge("xenbr0").startCapture(pcap);
            Domain server = bed.kitDomain("jumboserver", MAC_KIT, IP_KIT, "");
            awaitLine(server, "netecho: device/vif/0 is");
            assertTrue(server.consoleOutput().contains("sg 1, csum offload 1, max frame 9014"), server.consoleOutput());
            Domain client = bed.kitDomain("jumboclient", MAC_KIT2, IP_KIT2, "udp=10.0.0.2 count=500 window=8 size=8000");
            Domain plain = bed.kitDomain("plainclient", 0x00163e0000a4L, TinyIp.ip(10, 0, 0, 4),
                    "sg=0 csum=0 udp=10.0.0.2 count=500 window=8 size=1400");
            assertTrue(client.awaitShutdown(300, TimeUnit.SECONDS), "the client did not finish:\n" + client.consoleOutput());
            assertTrue(plain.awaitShutdown(300, TimeUnit.SECONDS), "the plain client did not finish:\n" + plain.consoleOutput());
            String out = passed(client), pout = passed(plain);
            assertTrue(out.contains("netecho: udp sent 500, echoed 500, lost 0, duplicates 0"), out);
            assertTrue(pout.contains("netecho: udp sent 500, echoed 500, lost 0, duplicates 0"), pout);
            Pattern offloads = Pattern.compile("offloads: sg (\\d), csum (\\d); (\\d+) frames sent over several slots, (\\d+) "
                    + "csum_blank; (\\d+) received over several slots, (\\d+) csum_blank, (\\d+) data_validated");
            Matcher m = offloads.matcher(out);
            assertTrue(m.find(), out);
            assertEquals("1 1", m.group(1) + " " + m.group(2), out);
            assertEquals(500, Long.parseLong(m.group(3)), "every jumbo datagram over several tx slots: " + m.group());
            assertTrue(Long.parseLong(m.group(4)) >= 500, m.group());
            assertEquals(500, Long.parseLong(m.group(5)), "every jumbo echo over several rx slots: " + m.group());
            assertEquals(500, Long.parseLong(m.group(6)), "the server's echoes came csum_blank: " + m.group());
            assertTrue(Long.parseLong(m.group(7)) >= 500, m.group());
            Matcher p = offloads.matcher(pout);
            assertTrue(p.find(), pout);
            assertEquals("0 0 0 0 0 0 0", String.join(" ", p.group(1), p.group(2), p.group(3), p.group(4), p.group(5),
                    p.group(6), p.group(7)), "no offload asked for, none given: " + p.group());
            poweroff(bed, server);
            String sout = passed(server);
            assertTrue(sout.contains("1000 udp echoed, 0 bad checksums"), sout);
            bed.switches.bridge("xenbr0").stopCapture();
            java.util.List<String> lines = CaptureReader.tcpdump(pcap, "-vv");
            String text = String.join("\n", lines);
            assertTrue(!text.contains("bad udp cksum"), text.lines().filter(l -> l.contains("bad udp")).limit(5).toList().toString());
            assertEquals(1000, lines.stream().filter(l -> l.contains("[udp sum ok] UDP, length 8000")).count(),
                    "the jumbo datagrams and their echoes, checksums right");
            assertEquals(1000, lines.stream().filter(l -> l.contains("[udp sum ok] UDP, length 1400")).count());
            m.reset();
            System.out.println("kit jumbo: " + (m.find() ? m.group() : ""));
        }
    }

    /**
     * The kit's netfront across backend swaps (the vif factory replaced as a bundle update
     * replaces it): each time both kit guests' vifs reconnect, the unanswered frames are sent
     * again and the client's stream goes on; at the end it accounts for every datagram.
     */
    @Test
    void kitGuestsReconnectAndGoOnWhenNetbackIsReplaced() throws Exception {
        int swaps = 5, window = 8;
        try (NetTestbed bed = new NetTestbed()) {
            Domain server = bed.kitDomain("swapserver", MAC_KIT, IP_KIT, "");
            awaitLine(server, "netecho: device/vif/0 is");
            Domain client = bed.kitDomain("swapclient", MAC_KIT2, IP_KIT2,
                    "udp=10.0.0.2 count=0 window=" + window + " report_ms=50 maxlost=" + swaps * window);
            awaitLine(client, "netecho: progress sent");
            org.oxen.vmm.api.backend.BackendFactory serving = bed.netback;
            String beS = NetTestbed.be(server.id(), 0), beC = NetTestbed.be(client.id(), 0);
            for (int i = 0; i < swaps; i++) {
                int progress = progressLines(client);
                NetTestbed.await(() -> progressLines(client) > progress + 2, "the stream before swap " + i);
                Netback next = new Netback(bed.switches, System::nanoTime);
                bed.xenbus.removeFactory(serving);
                bed.xenbus.addFactory(next, java.util.Map.of(org.oxen.vmm.api.backend.BackendFactory.DEVICE_TYPE, "vif",
                        "service.id", 100L + i));
                serving = next;
                NetTestbed.await(() -> next.connectedVifs().size() == 2 && bed.state(beS).equals("4")
                        && bed.state(beC).equals("4"), "both kit vifs on netback #" + (i + 2) + ":\n" + client.consoleOutput()
                        + "\n" + server.consoleOutput());
                int r = i + 1;
                awaitLine(client, "netfront: device/vif/0: reconnected (" + r + ")");
                awaitLine(server, "netfront: device/vif/0: reconnected (" + r + ")");
            }
            long echoedBefore = echoed(client);
            NetTestbed.await(() -> echoed(client) > echoedBefore + 100, "the stream after the last swap");
            poweroff(bed, client);
            String out = passed(client);
            Matcher m = Pattern.compile("netecho: udp sent (\\d+), echoed (\\d+), lost (\\d+), duplicates (\\d+)").matcher(out);
            assertTrue(m.find(), out);
            assertEquals(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)) + Long.parseLong(m.group(3)), out);
            assertTrue(out.contains(swaps + " reconnects"), out);
            System.out.println("kit netfront swap: " + m.group() + " over " + swaps + " swaps");
            poweroff(bed, server);
            passed(server);
        }
    }

    /**
     * xl network-detach's removal (libxl: online 0 and Closing in one transaction, the backend's
     * Closed awaited, both directories removed) is not a backend swap: the kit's netfront closes
     * for good instead of waiting for a new backend, and the guest runs on.
     */
    @Test
    void aRemovedVifClosesForGoodAndTheGuestRunsOn() throws Exception {
        try (NetTestbed bed = new NetTestbed()) {
            Domain kit = bed.kitDomain("kitdetach", MAC_KIT, IP_KIT, "");
            awaitLine(kit, "netecho: device/vif/0 is 10.0.0.2");
            NetTestbed.Host java = bed.host(bed.domain("javahost2"), 0, MAC_JAVA, IP_JAVA, 4096, false, null);
            java.ip().ping(IP_KIT, 1, 5_000);
            String fe = NetTestbed.fe(kit.id(), 0), be = NetTestbed.be(kit.id(), 0);
            var t = bed.toolstack.transaction();
            t.write(be + "/online", "0");
            t.write(be + "/state", "5");
            assertTrue(t.commit());
            NetTestbed.await(() -> bed.state(be).equals("6"), "the backend Closed after the frontend");
            assertEquals("6", bed.state(fe));
            bed.toolstack.rm(be);
            bed.toolstack.rm(fe);
            awaitLine(kit, "netfront: device/vif/0: the device was removed; 0 frames unsent");
            Thread.sleep(500);
            assertTrue(kit.shutdownReason().isEmpty(), kit.consoleOutput());
            assertTrue(!kit.consoleOutput().contains("reconnecting"), kit.consoleOutput());
            poweroff(bed, kit);
            String out = passed(kit);
            assertTrue(out.contains("1 pings answered"), out);
            assertTrue(out.contains(" 0 reconnects"), out);
        }
    }

    static int progressLines(Domain d) {
        return (int) d.consoleOutput().lines().filter(l -> l.startsWith("netecho: progress")).count();
    }

    static long echoed(Domain d) {
        Matcher m = Pattern.compile("netecho: progress sent \\d+, echoed (\\d+)").matcher(d.consoleOutput());
        long e = -1;
        while (m.find()) e = Long.parseLong(m.group(1));
        return e;
    }
}
