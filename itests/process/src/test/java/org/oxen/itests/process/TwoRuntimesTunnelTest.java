package org.oxen.itests.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two oxen runtimes, each its own process ({@code java -jar oxen.jar}), their xenbr0 bridges
 * joined by the UDP tunnel on loopback ({@code vswitch:udp}, as QEMU's {@code -netdev socket}):
 * a kit domain in each ({@code netecho}, xl.cfg {@code vif = [...]}) pings the other and
 * streams 2,000 UDP echoes to it across the tunnel, every datagram echoed.
 */
class TwoRuntimesTunnelTest {

    @TempDir
    Path dir;

    static int freeUdpPort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * netecho pinging and streaming UDP echoes to {@code peer}. A ping's reply and a datagram's
     * echo may take 10 s before they count as missing (ping_ms, lost_ms; 1 s by default): two
     * runtimes on a host at load 34 once stalled a guest past 1 s (232 of 2,000 "lost", once "no
     * reply in 1 s"); a datagram the tunnel really drops is still lost and fails the run.
     */
    private String config(String name, String mac, String ip, String peer) throws Exception {
        Path cfg = dir.resolve(name + ".cfg");
        Files.writeString(cfg, "name = \"" + name + "\"\nkernel = \"guest:netecho\"\nmemory = 16\n"
                + "extra = \"ip=" + ip + " ping=" + peer + " pings=10 udp=" + peer
                + " count=2000 window=16 arp_s=120 linger_ms=10000 ping_ms=10000 lost_ms=10000\"\n"
                + "on_poweroff = \"preserve\"\non_crash = \"preserve\"\nvif = [ 'mac=" + mac + ", bridge=xenbr0' ]\n");
        return cfg.toString();
    }

    private CompletableFuture<OxenProcess.Result> runtime(String name, int local, int remote, String cfg) {
        String script = "vswitch:udp xenbr0 " + local + " 127.0.0.1:" + remote + "; xl create " + cfg + "; xl console " + name
                + "; stop 0";
        return CompletableFuture.supplyAsync(() -> {
            try {
                return OxenProcess.script(dir, script, List.of("-Doxen.domains.dir=none", "-Doxen.memory.mib=64",
                        "-Xmx512m"), Map.of(), 300);
            } catch (Exception e) {
                throw new AssertionError(name + "'s runtime", e);
            }
        });
    }

    @Test
    void aGuestInEachOfTwoRuntimesReachesTheOtherOverTheUdpTunnel() throws Exception {
        assertTrue(Files.isRegularFile(OxenProcess.JAR), OxenProcess.JAR + " (built by the runtime module)");
        int pa = freeUdpPort(), pb = freeUdpPort();
        CompletableFuture<OxenProcess.Result> a = runtime("tun-a", pa, pb, config("tun-a", "00:16:3e:00:40:01", "10.40.0.1", "10.40.0.2"));
        CompletableFuture<OxenProcess.Result> b = runtime("tun-b", pb, pa, config("tun-b", "00:16:3e:00:40:02", "10.40.0.2", "10.40.0.1"));
        // both runtimes' output in every failure: a direction of the tunnel that carries nothing
        // shows only when the two sides are read together
        OxenProcess.Result ra = a.get(330, TimeUnit.SECONDS), rb = b.get(330, TimeUnit.SECONDS);
        String both = "tun-a stdout:\n" + ra.out() + "\ntun-a stderr:\n" + ra.err() + "\ntun-b stdout:\n" + rb.out()
                + "\ntun-b stderr:\n" + rb.err();
        for (var e : Map.of("10.40.0.2", ra, "10.40.0.1", rb).entrySet()) {
            OxenProcess.Result r = e.getValue();
            String all = "pinging " + e.getKey() + "\n" + both;
            assertEquals(0, r.status(), all);
            assertTrue(r.out().contains("netecho: ping " + e.getKey() + ": 10 sent, 10 replies"), all);
            assertTrue(r.out().contains("netecho: udp sent 2000, echoed 2000, lost 0, duplicates 0"), all);
            assertTrue(r.out().contains("RESULT: PASS"), all);
            r.out().lines().filter(l -> l.startsWith("netecho: udp " + e.getKey()) || l.startsWith("netecho: ping"))
                    .forEach(l -> System.out.println("two runtimes: " + l));
        }
    }
}
