package org.oxen.io.vswitch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.io.vswitch.BridgeTest.Recorder;
import org.oxen.io.vswitch.internal.Switches;

/**
 * A bridge's pcap capture read back by Debian's tcpdump (installed by this bundle's
 * setup-host.sh), and the UDP tunnel joining the bridges of two switches on loopback.
 */
class CaptureAndTunnelTest {

    static final long M1 = BridgeTest.M1, M2 = BridgeTest.M2;

    static List<String> tcpdump(Path file) throws Exception {
        Path bin = Path.of("/usr/bin/tcpdump");
        assertTrue(Files.isExecutable(bin), "tcpdump is missing: bundles/org.oxen.io.vswitch/setup-host.sh installs it "
                + "(./oxen test runs it)");
        Process p = new ProcessBuilder(bin.toString(), "-r", file.toString(), "-nn", "-e", "-t").redirectErrorStream(false)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "tcpdump -r: " + err);
        return out.lines().toList();
    }

    @Test
    void captureOfEveryPortOpensInTcpdump(@TempDir Path dir) throws Exception {
        Switches sw = new Switches();
        Bridge br = sw.bridge("xenbr0");
        Recorder r1 = new Recorder(), r2 = new Recorder();
        SwitchPort p1 = br.attach("vif1.0", r1), p2 = br.attach("vif2.0", r2);
        Path pcap = dir.resolve("xenbr0.pcap");
        br.startCapture(pcap);
        assertEquals(pcap, br.capture().orElseThrow());
        int ip1 = Frames.ip(10, 0, 0, 1), ip2 = Frames.ip(10, 0, 0, 2);
        byte[] arp = Frames.arpRequest(M1, ip1, ip2);
        p1.send(arp, 0, arp.length);
        byte[] udp = Frames.udp(M1, M2, ip2, ip1, 4000, 7, "hello".getBytes(StandardCharsets.US_ASCII));
        p2.send(udp, 0, udp.length);
        p2.send(new byte[10], 0, 10); // a runt: refused by the port, not captured
        br.stopCapture();
        assertTrue(br.capture().isEmpty());
        p1.send(arp, 0, arp.length); // after the capture: not in the file
        assertEquals(24 + 16 + 42 + 16 + udp.length, Files.size(pcap), "header and two records");

        List<String> lines = tcpdump(pcap);
        assertEquals(2, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).contains("00:16:3e:00:00:01 > ff:ff:ff:ff:ff:ff") && lines.get(0).contains("ARP")
                && lines.get(0).contains("Request who-has 10.0.0.2 tell 10.0.0.1"), lines.get(0));
        assertTrue(lines.get(1).contains("00:16:3e:00:00:02 > 00:16:3e:00:00:01")
                && lines.get(1).contains("10.0.0.2.4000 > 10.0.0.1.7: UDP, length 5"), lines.get(1));
        sw.shutdown();
    }

    static int freePort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static void await(java.util.function.BooleanSupplier c, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out: " + what);
            Thread.sleep(2);
        }
    }

    @Test
    void udpTunnelJoinsTwoSwitches() throws Exception {
        Switches east = new Switches(), west = new Switches();
        InetAddress lo = InetAddress.getLoopbackAddress();
        InetSocketAddress ea = new InetSocketAddress(lo, freePort()), wa = new InetSocketAddress(lo, freePort());
        Uplink eu = east.udpTunnel("xenbr0", ea, wa);
        Uplink wu = west.udpTunnel("xenbr0", wa, ea);
        assertEquals("udp:" + ea.getPort(), eu.port().name());
        Recorder re = new Recorder(), rw = new Recorder();
        SwitchPort pe = east.bridge("xenbr0").attach("vif1.0", re);
        SwitchPort pw = west.bridge("xenbr0").attach("vif1.0", rw);

        // a broadcast from the east host crosses the tunnel; the answer comes back to it alone
        byte[] arp = Frames.arpRequest(M1, 1, 2);
        pe.send(arp, 0, arp.length);
        await(() -> !rw.got.isEmpty(), "the broadcast on the west bridge");
        assertEquals(List.of(M1), rw.take());
        for (int i = 0; i < 100; i++) {
            byte[] f = Frames.ethernet(M1, M2, 0x0800, 200 + i);
            pw.send(f, 0, f.length);
        }
        await(() -> re.got.size() == 100, "100 frames back east: " + re.got.size());
        assertEquals(101, wu.port().counters().inFrames() + eu.port().counters().inFrames(),
                "frames that entered a bridge from its tunnel: 1 west + 100 east");
        assertEquals(2, east.bridge("xenbr0").learnedAddresses(), "M1 on the vif, M2 on the tunnel port");

        // a datagram from a stranger is not a frame for the bridge
        try (DatagramSocket stranger = new DatagramSocket(0, lo)) {
            byte[] f = Frames.ethernet(M1, 0x00163e0000ffL, 0x0800, 100);
            stranger.send(new DatagramPacket(f, f.length, ea));
        }
        await(() -> eu.malformed() == 1, "the stranger's datagram counted");
        List<Long> east1 = re.take();
        assertEquals(100, east1.size());
        assertTrue(east1.stream().allMatch(m -> m == M2), "nothing from the stranger reached the east host");
        assertEquals(100, eu.port().counters().inFrames());
        eu.close();
        wu.close();
        assertEquals(List.of(pe), east.bridge("xenbr0").ports());
        east.shutdown();
        west.shutdown();
    }
}
