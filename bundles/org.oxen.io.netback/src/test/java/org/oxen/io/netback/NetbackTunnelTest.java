package org.oxen.io.netback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;

import org.junit.jupiter.api.Test;
import org.oxen.io.vswitch.Uplink;

/**
 * Two oxen runtimes on one machine (two VMMs, two xenstoreds, two netbacks, two switches), their
 * xenbr0 bridges joined by the UDP tunnel uplink on loopback: a guest in each reaches the other
 * (ARP, ping both ways, 2,000 UDP echoes, every one accounted for).
 */
class NetbackTunnelTest {

    static int freePort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void guestsOfTwoRuntimesReachEachOtherOverTheUdpTunnel() throws Exception {
        try (NetTestbed east = new NetTestbed(); NetTestbed west = new NetTestbed()) {
            InetAddress lo = InetAddress.getLoopbackAddress();
            InetSocketAddress ea = new InetSocketAddress(lo, freePort()), wa = new InetSocketAddress(lo, freePort());
            Uplink eu = east.switches.udpTunnel("xenbr0", ea, wa);
            Uplink wu = west.switches.udpTunnel("xenbr0", wa, ea);
            FrontendDomain e = east.domain("east"), w = west.domain("west");
            int ipE = TinyIp.ip(192, 168, 7, 1), ipW = TinyIp.ip(192, 168, 7, 2);
            NetTestbed.Host he = east.host(e, 0, 0x00163e00e001L, ipE, 4096, false, null);
            NetTestbed.Host hw = west.host(w, 0, 0x00163e00e002L, ipW, 4096, false, null);

            long rtt1 = he.ip().ping(ipW, 1, 10_000);
            long rtt2 = hw.ip().ping(ipE, 2, 10_000);
            EchoLoad load = new EchoLoad(he.ip(), he.ip().resolve(ipW, 10_000), ipW, 16, 5_000_000_000L);
            NetTestbed.await(() -> load.echoed.get() >= 2000, "2,000 echoes over the tunnel: " + load);
            load.close();
            assertEquals(load.sent.get(), load.echoed.get(), "none lost on loopback: " + load);
            assertEquals(0, load.duplicates.get());
            assertTrue(eu.port().counters().inFrames() >= load.echoed.get() && wu.port().counters().inFrames() >= load.sent.get(),
                    eu.port().counters() + " / " + wu.port().counters());
            assertEquals(0, eu.malformed() + wu.malformed());
            System.out.printf("netback tunnel: ping east->west %.1f us, west->east %.1f us; %s%n", rtt1 / 1e3, rtt2 / 1e3, load);
        }
    }
}
