package org.oxen.io.netback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.oxen.io.vswitch.Bridge;
import org.oxen.io.vswitch.Uplink;

/**
 * The host's own network stack reaches a guest through the TAP uplink: a TAP interface attached
 * to xenbr0 is moved into a network namespace this test creates and given 10.77.0.1/24 there;
 * the host (in that namespace) pings the guest (a Java netfront with a tiny IP stack behind
 * netback) and sends it UDP datagrams that the guest echoes; the bridge's capture of the run
 * opens in tcpdump with the ARP, ICMP and UDP packets. Needs root (CI runs as root), /dev/net/tun,
 * ip and ping (setup-host.sh installs ping); says which is missing otherwise. Also prints the
 * host's ping round trip to the guest beside the same ping on the namespace's loopback.
 */
class NetbackTapTest {

    static List<String> run(long timeoutSeconds, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(timeoutSeconds, TimeUnit.SECONDS), String.join(" ", cmd) + " hung");
        if (p.exitValue() != 0) throw new AssertionError(String.join(" ", cmd) + " exited " + p.exitValue() + ":\n" + out);
        return out.lines().toList();
    }

    static boolean canRun(StringBuilder why) throws Exception {
        Process id = new ProcessBuilder("id", "-u").start();
        String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        id.waitFor();
        if (!uid.equals("0")) why.append("not root (uid ").append(uid).append("): a TAP interface and a network namespace need root; ");
        if (!Files.exists(Path.of("/dev/net/tun"))) why.append("no /dev/net/tun (the tun module); ");
        for (String tool : new String[] {"/usr/sbin/ip", "/usr/bin/ping", "/usr/bin/tcpdump", "/usr/bin/python3"}) {
            if (!Files.isExecutable(Path.of(tool)) && !Files.isExecutable(Path.of(tool.replace("/usr/sbin/", "/sbin/")))) {
                why.append("no ").append(tool).append(" (setup-host.sh installs ping and tcpdump); ");
            }
        }
        return why.length() == 0;
    }

    @Test
    void theHostPingsAGuestAndSendsItUdpThroughTheTapUplink() throws Exception {
        StringBuilder why = new StringBuilder();
        Assumptions.assumeTrue(canRun(why), () -> "NetbackTapTest cannot run: " + why);
        String ns = "oxen-tap-" + ProcessHandle.current().pid();
        String ifname = "oxtap" + (ProcessHandle.current().pid() % 100000);
        try (NetTestbed bed = new NetTestbed()) {
            Bridge br = bed.switches.bridge("xenbr0");
            Path pcap = Path.of("target", "netback-tap.pcap"); // kept for a look after the run
            br.startCapture(pcap);
            FrontendDomain g = bed.domain("tapguest");
            int ipG = TinyIp.ip(10, 77, 0, 2);
            NetTestbed.Host hg = bed.host(g, 0, 0x00163e007702L, ipG, 4096, false, null);
            run(10, "ip", "netns", "add", ns);
            try (Uplink tap = bed.switches.tap("xenbr0", ifname)) {
                assertEquals("tap:" + ifname, tap.port().name());
                run(10, "ip", "link", "set", ifname, "netns", ns);
                run(10, "ip", "netns", "exec", ns, "ip", "addr", "add", "10.77.0.1/24", "dev", ifname);
                run(10, "ip", "netns", "exec", ns, "ip", "link", "set", ifname, "up");
                run(10, "ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");

                List<String> ping = run(60, "ip", "netns", "exec", ns, "ping", "-c", "5", "-i", "0.2", "-W", "5", "-w", "30", "10.77.0.2");
                assertTrue(ping.stream().anyMatch(l -> l.contains("5 packets transmitted, 5 received")), String.join("\n", ping));
                assertEquals(5, hg.ip().pingsAnswered.get());

                // UDP from the host's stack to the guest's echo port: each datagram comes back
                String py = "import socket\n"
                        + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                        + "s.settimeout(5)\n"
                        + "ok = 0\n"
                        + "for i in range(20):\n"
                        + "    m = ('oxen %d' % i).encode()\n"
                        + "    s.sendto(m, ('10.77.0.2', 7))\n"
                        + "    d, a = s.recvfrom(2048)\n"
                        + "    ok += d == m and a == ('10.77.0.2', 7)\n"
                        + "print('echoed', ok)\n";
                List<String> udp = run(60, "ip", "netns", "exec", ns, "python3", "-c", py);
                assertEquals(List.of("echoed 20"), udp);
                assertEquals(20, hg.ip().echoed.get());
                assertEquals(0, hg.ip().badChecksums.get(), "the host's checksums arrived whole");

                // round trips: host -> guest through the TAP uplink, beside the namespace's loopback, one run
                List<String> viaTap = run(60, "ip", "netns", "exec", ns, "ping", "-q", "-c", "50", "-i", "0.01", "10.77.0.2");
                List<String> loopback = run(60, "ip", "netns", "exec", ns, "ping", "-q", "-c", "50", "-i", "0.01", "127.0.0.1");
                System.out.println("netback tap: host->guest " + viaTap.get(viaTap.size() - 1));
                System.out.println("netback tap: host loopback " + loopback.get(loopback.size() - 1));
                assertTrue(tap.port().counters().inFrames() >= 5 + 20 + 50, tap.port().counters().toString());
            } finally {
                br.stopCapture();
                new ProcessBuilder("ip", "netns", "del", ns).start().waitFor(10, TimeUnit.SECONDS);
            }
            List<String> lines = CaptureReader.tcpdump(pcap);
            List<String> expected = new ArrayList<>(List.of("ethertype ARP (0x0806), length 42: Request who-has 10.77.0.2 tell 10.77.0.1",
                    "ethertype ARP (0x0806), length 42: Reply 10.77.0.2 is-at 00:16:3e:00:77:02", "10.77.0.1 > 10.77.0.2: ICMP echo request",
                    "10.77.0.2 > 10.77.0.1: ICMP echo reply", "> 10.77.0.2.7: UDP, length 6", "10.77.0.2.7 > 10.77.0.1."));
            for (String e : expected) {
                assertTrue(lines.stream().anyMatch(l -> l.contains(e)), "no '" + e + "' in the capture:\n"
                        + String.join("\n", lines.subList(0, Math.min(30, lines.size()))));
            }
            long requests = lines.stream().filter(l -> l.contains("10.77.0.1 > 10.77.0.2: ICMP echo request")).count();
            long replies = lines.stream().filter(l -> l.contains("10.77.0.2 > 10.77.0.1: ICMP echo reply")).count();
            assertEquals(55, requests, "5 + 50 pings captured");
            assertEquals(55, replies);
        }
    }

    /**
     * The same through the kit's C netfront: the host's real {@code ping} and UDP reach a guest
     * running {@code netecho}, whose own counts agree when xl shutdown's poweroff ends it.
     */
    @Test
    void theHostPingsAKitGuestAndItEchoesUdpThroughTheTapUplink() throws Exception {
        StringBuilder why = new StringBuilder();
        Assumptions.assumeTrue(canRun(why), () -> "NetbackTapTest cannot run: " + why);
        String ns = "oxen-kit-" + ProcessHandle.current().pid();
        String ifname = "oxkit" + (ProcessHandle.current().pid() % 100000);
        try (NetTestbed bed = new NetTestbed()) {
            Bridge br = bed.switches.bridge("xenbr0");
            Path pcap = Path.of("target", "netback-tap-kit.pcap");
            br.startCapture(pcap);
            org.oxen.vmm.api.Domain kit = bed.kitDomain("tapkit", 0x00163e007703L, TinyIp.ip(10, 78, 0, 2), "");
            KitNetfrontTest.awaitLine(kit, "netecho: device/vif/0 is 10.78.0.2");
            run(10, "ip", "netns", "add", ns);
            try (Uplink tap = bed.switches.tap("xenbr0", ifname)) {
                run(10, "ip", "link", "set", ifname, "netns", ns);
                run(10, "ip", "netns", "exec", ns, "ip", "addr", "add", "10.78.0.1/24", "dev", ifname);
                run(10, "ip", "netns", "exec", ns, "ip", "link", "set", ifname, "up");

                // -w 30: wait for every reply up to 30 s (without it, iputils' ping waits two round
                // trips for the last one: at load 34 the guest's 10th echo came later and counted lost)
                List<String> ping = run(60, "ip", "netns", "exec", ns, "ping", "-c", "10", "-i", "0.2", "-W", "5", "-w", "30", "10.78.0.2");
                assertTrue(ping.stream().anyMatch(l -> l.contains("10 packets transmitted, 10 received")), String.join("\n", ping));
                String py = "import socket\n"
                        + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                        + "s.settimeout(5)\n"
                        + "ok = 0\n"
                        + "for i in range(200):\n"
                        + "    m = ('oxen kit %d ' % i).encode() * (1 + i % 90)\n"
                        + "    s.sendto(m, ('10.78.0.2', 7))\n"
                        + "    d, a = s.recvfrom(2048)\n"
                        + "    ok += d == m and a == ('10.78.0.2', 7)\n"
                        + "print('echoed', ok)\n";
                assertEquals(List.of("echoed 200"), run(120, "ip", "netns", "exec", ns, "python3", "-c", py));
                List<String> rtt = run(60, "ip", "netns", "exec", ns, "ping", "-q", "-c", "50", "-i", "0.01", "10.78.0.2");
                System.out.println("netback tap: host->kit guest " + rtt.get(rtt.size() - 1));
            } finally {
                br.stopCapture();
                new ProcessBuilder("ip", "netns", "del", ns).start().waitFor(10, TimeUnit.SECONDS);
            }
            KitNetfrontTest.poweroff(bed, kit);
            String out = KitNetfrontTest.passed(kit);
            assertTrue(out.contains("60 pings answered, 200 udp echoed, 0 bad checksums"), out);
            List<String> lines = CaptureReader.tcpdump(pcap);
            assertEquals(60, lines.stream().filter(l -> l.contains("10.78.0.2 > 10.78.0.1: ICMP echo reply")).count(),
                    String.join("\n", lines.subList(0, Math.min(30, lines.size()))));
            assertEquals(200, lines.stream().filter(l -> l.contains("10.78.0.2.7 > 10.78.0.1.")).count());
            assertTrue(lines.stream().anyMatch(l -> l.contains("Reply 10.78.0.2 is-at 00:16:3e:00:77:03")), "the kit's ARP reply");
        }
    }
}
