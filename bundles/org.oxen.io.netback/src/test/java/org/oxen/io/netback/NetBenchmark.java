package org.oxen.io.netback;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.oxen.vmm.api.backend.BackendFactory;

/**
 * Guest↔guest networking through netback and the switch, beside the host's own UDP loopback in
 * the same run: round-trip time (one echo in flight), echo rate with 64 in flight, one-way UDP
 * throughput (1,400-byte datagrams), and the gap in an echo load while netback is swapped. Not
 * part of the test suite: {@code mvn -B -o test -pl bundles/org.oxen.io.netback -Dtest=NetBenchmark
 * -Doxen.bench=true -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "oxen.bench", matches = "true")
class NetBenchmark {

    @Test
    void guestToGuestBesideHostLoopback() throws Exception {
        try (NetTestbed bed = new NetTestbed()) {
            FrontendDomain a = bed.domain("bencha"), b = bed.domain("benchb");
            int ipA = TinyIp.ip(10, 0, 0, 1), ipB = TinyIp.ip(10, 0, 0, 2);
            NetTestbed.Host ha = bed.host(a, 0, 0x00163e000001L, ipA, 4096, false, null);
            NetTestbed.Host hb = bed.host(b, 0, 0x00163e000002L, ipB, 4096, false, null);
            long macB = ha.ip().resolve(ipB, 10_000);
            for (int round = 0; round < 2; round++) {
                String tag = round == 0 ? " (warm-up)" : "";
                rtt("guest-guest UDP echo, 1 in flight, 64-byte payload" + tag, ha, macB, ipB, 2000);
                rate("guest-guest UDP echo, 64 in flight, 1400-byte payload" + tag, ha, macB, ipB, 20_000);
                stream("guest-guest UDP one way, 1400-byte datagrams" + tag, ha, hb, macB, ipB, 50_000);
                loopback("host loopback UDP echo, 1 in flight, 64-byte payload (java.net)" + tag, 2000);
            }
            swapGap(bed, ha, hb, macB, ipB);
        }
    }

    /**
     * The kit's C netfront (netecho in real domains) guest↔guest, beside host loopback UDP in
     * the same run: one echo in flight (64 bytes), then 64 in flight (1,400 bytes). The guest
     * measures with its own clock (real time).
     */
    @Test
    void kitGuestsBesideHostLoopback() throws Exception {
        try (NetTestbed bed = new NetTestbed()) {
            org.oxen.vmm.api.Domain server = bed.kitDomain("kitsrv", 0x00163e000010L, TinyIp.ip(10, 0, 0, 10), "");
            KitNetfrontTest.awaitLine(server, "netecho: device/vif/0 is");
            int n = 0;
            for (String run : new String[] { "count=3000 window=1 size=64", "count=30000 window=64 size=1400" }) {
                for (int round = 0; round < 2; round++) {
                    n++;
                    org.oxen.vmm.api.Domain c = bed.kitDomain("kitc" + n, 0x00163e000010L + n, TinyIp.ip(10, 0, 0, 10 + n),
                            "udp=10.0.0.10 " + run);
                    if (!c.awaitShutdown(600, TimeUnit.SECONDS)) throw new AssertionError(c.consoleOutput());
                    String line = c.consoleOutput().lines().filter(l -> l.startsWith("netecho: udp 10.0.0.10:")).findFirst()
                            .orElseThrow(() -> new AssertionError(c.consoleOutput()));
                    System.out.printf("kit guest-guest %s%s: %s%n", run, round == 0 ? " (warm-up)" : "",
                            line.substring("netecho: udp 10.0.0.10: ".length()));
                    bed.vmm.destroy(c.id());
                }
            }
            for (int round = 0; round < 2; round++) {
                String tag = round == 0 ? " (warm-up)" : "";
                loopback("host loopback UDP echo, 1 in flight, 64-byte payload (java.net)" + tag, 3000);
                loopbackRate("host loopback UDP echo, 64 in flight, 1400-byte payload (java.net)" + tag, 30_000);
            }
        }
    }

    /** The host's side of {@link #hostToKitGuestOverTapBesideLoopback}: a windowed UDP echo client. */
    static final String ECHO_CLIENT = String.join("\n",
            "import socket, sys, time",
            "host, port, n, window, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])",
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
            "s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)",
            "s.settimeout(1.0)",
            "m = bytes(range(256)) * (size // 256) + bytes(size % 256)",
            "sent = got = lost = bad = 0",
            "t0 = time.time()",
            "while got + lost < n:",
            "    while sent < n and sent - got - lost < window:",
            "        s.sendto(m, (host, port)); sent += 1",
            "    try:",
            "        d, a = s.recvfrom(65536); got += 1; bad += d != m",
            "    except socket.timeout:",
            "        lost += sent - got - lost",
            "dt = time.time() - t0",
            "print('%d echoed %d lost %d bad in %.3f s: %.0f echoes/s, %.2f MB/s each way' % (got, lost, bad, dt, got / dt, got * size / dt / 1e6))");

    /** A UDP echo server for the loopback peer (the same client on both paths). */
    static final String ECHO_SERVER = String.join("\n",
            "import socket, sys",
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
            "s.bind(('127.0.0.1', int(sys.argv[1])))",
            "while True:",
            "    d, a = s.recvfrom(65536); s.sendto(d, a)");

    /**
     * Guest↔host throughput over the TAP uplink beside the host's loopback, in one run: the host's
     * stack, in a network namespace as {@link NetbackTapTest} makes it, runs one windowed UDP echo
     * client (python3, 1,400-byte datagrams, 32 in flight) against a kit guest's netecho through
     * the TAP interface and the switch, then against an echo server on the namespace's loopback.
     * Needs root, as NetbackTapTest.
     */
    @Test
    void hostToKitGuestOverTapBesideLoopback() throws Exception {
        StringBuilder why = new StringBuilder();
        org.junit.jupiter.api.Assumptions.assumeTrue(NetbackTapTest.canRun(why), () -> "cannot run: " + why);
        String ns = "oxen-tapb-" + ProcessHandle.current().pid();
        String ifname = "oxtb" + (ProcessHandle.current().pid() % 100000);
        int n = Integer.getInteger("oxen.bench.echoes", 20_000);
        try (NetTestbed bed = new NetTestbed()) {
            org.oxen.vmm.api.Domain kit = bed.kitDomain("tapbench", 0x00163e007710L, TinyIp.ip(10, 79, 0, 2), "");
            KitNetfrontTest.awaitLine(kit, "netecho: device/vif/0 is 10.79.0.2");
            NetbackTapTest.run(10, "ip", "netns", "add", ns);
            Process server = null;
            try (org.oxen.io.vswitch.Uplink tap = bed.switches.tap("xenbr0", ifname)) {
                NetbackTapTest.run(10, "ip", "link", "set", ifname, "netns", ns);
                NetbackTapTest.run(10, "ip", "netns", "exec", ns, "ip", "addr", "add", "10.79.0.1/24", "dev", ifname);
                NetbackTapTest.run(10, "ip", "netns", "exec", ns, "ip", "link", "set", ifname, "up");
                NetbackTapTest.run(10, "ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
                NetbackTapTest.run(60, "ip", "netns", "exec", ns, "ping", "-c", "3", "-i", "0.2", "-W", "5", "10.79.0.2");
                server = new ProcessBuilder("ip", "netns", "exec", ns, "python3", "-c", ECHO_SERVER, "7007").start();
                for (int round = 0; round < 2; round++) {
                    String tag = round == 0 ? " (warm-up)" : "";
                    int count = round == 0 ? n / 4 : n;
                    String viaTap = NetbackTapTest.run(300, "ip", "netns", "exec", ns, "python3", "-c", ECHO_CLIENT, "10.79.0.2",
                            "7", Integer.toString(count), "32", "1400").get(0);
                    String loop = NetbackTapTest.run(300, "ip", "netns", "exec", ns, "python3", "-c", ECHO_CLIENT, "127.0.0.1",
                            "7007", Integer.toString(count), "32", "1400").get(0);
                    System.out.printf("%-72s %s%n", "host->kit guest over TAP, UDP echo 1400 B, 32 in flight" + tag, viaTap);
                    System.out.printf("%-72s %s%n", "host loopback (same namespace), UDP echo 1400 B, 32 in flight" + tag, loop);
                }
            } finally {
                if (server != null) server.destroy();
                new ProcessBuilder("ip", "netns", "del", ns).start().waitFor(10, TimeUnit.SECONDS);
            }
            KitNetfrontTest.poweroff(bed, kit);
            KitNetfrontTest.passed(kit);
        }
    }

    /** A daemon thread that sends every datagram {@code echo} receives back to its sender, until it is closed. */
    private static void startEcho(DatagramSocket echo) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[2048];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                while (true) {
                    p.setLength(buf.length);
                    echo.receive(p);
                    echo.send(p);
                }
            } catch (Exception e) {
                // closed
            }
        });
        t.setDaemon(true);
        t.start();
    }

    static void loopbackRate(String what, int n) throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (DatagramSocket echo = new DatagramSocket(0, lo); DatagramSocket client = new DatagramSocket(0, lo)) {
            startEcho(echo);
            client.setSoTimeout(5000);
            byte[] out = new byte[1400], in = new byte[2048];
            DatagramPacket rx = new DatagramPacket(in, in.length);
            long t0 = System.nanoTime();
            int sent = 0, got = 0;
            while (got < n) {
                while (sent < n && sent - got < 64) {
                    client.send(new DatagramPacket(out, out.length, lo, echo.getLocalPort()));
                    sent++;
                }
                rx.setLength(in.length);
                client.receive(rx);
                got++;
            }
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf("%-72s %8.0f echoes/s, %6.1f MB/s each way%n", what, n / s, n * 1400 / s / 1e6);
        }
    }

    static void rtt(String what, NetTestbed.Host ha, long macB, int ipB, int n) throws Exception {
        Semaphore s = new Semaphore(0);
        ha.ip().onUdp(d -> s.release());
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            ha.ip().sendUdp(macB, ipB, 5000, TinyIp.ECHO_PORT, new byte[64]);
            if (!s.tryAcquire(10, TimeUnit.SECONDS)) throw new AssertionError("no echo");
            t[i] = System.nanoTime() - t0;
        }
        java.util.Arrays.sort(t);
        System.out.printf("%-72s median %7.1f us, p90 %7.1f us, p99 %7.1f us%n", what, t[n / 2] / 1e3, t[n * 9 / 10] / 1e3,
                t[n * 99 / 100] / 1e3);
    }

    static void rate(String what, NetTestbed.Host ha, long macB, int ipB, int n) throws Exception {
        Semaphore window = new Semaphore(64);
        ha.ip().onUdp(d -> window.release());
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            if (!window.tryAcquire(10, TimeUnit.SECONDS)) throw new AssertionError("no echo");
            ha.ip().sendUdp(macB, ipB, 5000, TinyIp.ECHO_PORT, new byte[1400]);
        }
        if (!window.tryAcquire(64, 10, TimeUnit.SECONDS)) throw new AssertionError("last echoes");
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%-72s %8.0f echoes/s, %6.1f MB/s each way%n", what, n / s, n * 1400 / s / 1e6);
    }

    static void stream(String what, NetTestbed.Host ha, NetTestbed.Host hb, long macB, int ipB, int n) throws Exception {
        AtomicLong got = new AtomicLong();
        hb.ip().onUdp(d -> got.incrementAndGet());
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            while (ha.netfront().queued() > 256) Thread.onSpinWait();
            ha.ip().sendUdp(macB, ipB, 5000, 9, new byte[1400]);
        }
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long last = -1;
        while (System.nanoTime() < end) { // until nothing more arrives for 200 ms
            long g = got.get();
            if (g == n || g == last) break;
            last = g;
            Thread.sleep(200);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%-72s %8.0f datagrams/s, %6.1f MB/s, %d of %d delivered%n", what, got.get() / s,
                got.get() * 1400 / s / 1e6, got.get(), n);
    }

    static void loopback(String what, int n) throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (DatagramSocket echo = new DatagramSocket(0, lo); DatagramSocket client = new DatagramSocket(0, lo)) {
            startEcho(echo);
            byte[] out = new byte[64], in = new byte[2048];
            long[] times = new long[n];
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                client.send(new DatagramPacket(out, out.length, lo, echo.getLocalPort()));
                client.receive(new DatagramPacket(in, in.length));
                times[i] = System.nanoTime() - t0;
            }
            java.util.Arrays.sort(times);
            System.out.printf("%-72s median %7.1f us, p90 %7.1f us, p99 %7.1f us%n", what, times[n / 2] / 1e3,
                    times[n * 9 / 10] / 1e3, times[n * 99 / 100] / 1e3);
        }
    }

    static void swapGap(NetTestbed bed, NetTestbed.Host ha, NetTestbed.Host hb, long macB, int ipB) throws Exception {
        EchoLoad load = new EchoLoad(ha.ip(), macB, ipB, 16, 1_000_000_000L);
        BackendFactory serving = bed.netback;
        long worst = 0, sum = 0;
        int swaps = 10;
        for (int i = 0; i < swaps; i++) {
            long e = load.echoed.get();
            NetTestbed.await(() -> load.echoed.get() > e + 200, "traffic");
            Netback next = new Netback(bed.switches, System::nanoTime);
            long t0 = System.nanoTime();
            bed.xenbus.removeFactory(serving);
            bed.xenbus.addFactory(next, Map.of(BackendFactory.DEVICE_TYPE, "vif", "service.id", 200L + i));
            serving = next;
            NetTestbed.await(() -> next.connectedVifs().size() == 2, "reconnected");
            long dt = System.nanoTime() - t0;
            worst = Math.max(worst, dt);
            sum += dt;
        }
        load.close();
        System.out.printf("%-72s mean %6.1f ms, worst %6.1f ms; %s%n", "netback swap (old closed to both vifs reconnected), 10 swaps",
                sum / 1e6 / swaps, worst / 1e6, load);
    }
}
