package org.oxen.io.netback;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.oxen.io.vswitch.MacAddress;

/**
 * A tiny IPv4 host for test frontends: answers ARP requests for its address and learns from ARP
 * replies, answers ICMP echo requests, echoes UDP datagrams sent to port 7 and hands other UDP
 * datagrams to a listener; it checks the IPv4 header checksum and the UDP checksum of what it
 * receives (bad ones are counted and dropped), so a checksum the backend should have completed
 * and did not is seen. It sends UDP with a complete checksum, or with only the pseudo-header
 * sum in the field when its frontend asks the backend to complete it (NETTXF_csum_blank).
 */
final class TinyIp {

    static final int ECHO_PORT = 7;

    record Datagram(int srcIp, int srcPort, int dstPort, byte[] payload) {
    }

    final long mac;
    final int ip;
    private final boolean csumBlank;
    private Consumer<byte[]> out;
    private final Map<Integer, Long> arp = new ConcurrentHashMap<>();
    private final Map<Integer, Long> pongs = new ConcurrentHashMap<>();
    private volatile Consumer<Datagram> udpListener = d -> {
    };
    /** The frame being received came NETRXF_data_validated (the receiving thread's). */
    private boolean validated;
    final AtomicLong badChecksums = new AtomicLong(), echoed = new AtomicLong(), pingsAnswered = new AtomicLong();
    /** When each ARP request for this host's address arrived ({@code System.nanoTime}), answered or not. */
    final List<Long> arpRequestsSeen = new CopyOnWriteArrayList<>();
    /** Whether ARP requests for this host's address are answered (a host not up yet answers none). */
    volatile boolean answerArp = true;

    TinyIp(long mac, int ip, boolean csumBlank) {
        this.mac = mac;
        this.ip = ip;
        this.csumBlank = csumBlank;
    }

    void output(Consumer<byte[]> out) {
        this.out = out;
    }

    void onUdp(Consumer<Datagram> l) {
        udpListener = l;
    }

    static int ip(int a, int b, int c, int d) {
        return a << 24 | b << 16 | c << 8 | d;
    }

    static long add(long sum, byte[] b, int off, int len) {
        int i = 0;
        for (; i + 1 < len; i += 2) sum += (b[off + i] & 0xFF) << 8 | (b[off + i + 1] & 0xFF);
        if (i < len) sum += (b[off + i] & 0xFF) << 8;
        return sum;
    }

    /** The ones'-complement of the folded sum. */
    static int fold(long sum) {
        while ((sum >>> 16) != 0) sum = (sum & 0xFFFF) + (sum >>> 16);
        return (int) (~sum & 0xFFFF);
    }

    // ---- receive ----

    /** A frame as the frontend received it, with no checksum flags. */
    void receive(byte[] f) {
        receive(f, 0);
    }

    /**
     * A frame as the frontend received it: with NETRXF_data_validated (and csum_blank, when the
     * field holds only the pseudo-header sum) the transport checksum is not checked, as Linux's
     * netfront marks such a frame CHECKSUM_UNNECESSARY or PARTIAL.
     */
    void receive(byte[] f, int rxFlags) {
        validated = (rxFlags & org.oxen.vmm.abi.Netif.NETRXF_DATA_VALIDATED) != 0;
        if (f.length < 14) return;
        ByteBuffer b = ByteBuffer.wrap(f);
        long dst = MacAddress.read(f, 0);
        if (dst != mac && dst != 0xFFFFFFFFFFFFL) return;
        int type = b.getShort(12) & 0xFFFF;
        if (type == 0x0806 && f.length >= 42) arp(b);
        else if (type == 0x0800 && f.length >= 34) ipv4(f, b);
    }

    private void arp(ByteBuffer b) {
        int op = b.getShort(20);
        long sha = MacAddress.read(b.array(), 22);
        int spa = b.getInt(28);
        int tpa = b.getInt(38);
        arp.put(spa, sha);
        if (op == 1 && tpa == ip) {
            arpRequestsSeen.add(System.nanoTime());
            if (answerArp) out.accept(arpFrame(2, sha, spa));
        }
    }

    private byte[] arpFrame(int op, long tha, int tpa) {
        ByteBuffer b = ByteBuffer.allocate(42);
        byte[] a = b.array();
        MacAddress.write(op == 1 ? 0xFFFFFFFFFFFFL : tha, a, 0);
        MacAddress.write(mac, a, 6);
        b.putShort(12, (short) 0x0806).putShort(14, (short) 1).putShort(16, (short) 0x0800);
        b.put(18, (byte) 6).put(19, (byte) 4).putShort(20, (short) op);
        MacAddress.write(mac, a, 22);
        b.putInt(28, ip);
        MacAddress.write(op == 1 ? 0 : tha, a, 32);
        b.putInt(38, tpa);
        return a;
    }

    private void ipv4(byte[] f, ByteBuffer b) {
        int ihl = (f[14] & 0xF) * 4;
        int total = b.getShort(16) & 0xFFFF;
        if (ihl < 20 || 14 + total > f.length || fold(add(0, f, 14, ihl)) != 0) {
            badChecksums.incrementAndGet();
            return;
        }
        int proto = f[23] & 0xFF;
        int src = b.getInt(26);
        int dst = b.getInt(30);
        if (dst != ip) return;
        int l4 = 14 + ihl;
        int l4len = total - ihl;
        if (proto == 1 && l4len >= 8) {
            if (!validated && fold(add(0, f, l4, l4len)) != 0) {
                badChecksums.incrementAndGet();
                return;
            }
            int type = f[l4] & 0xFF;
            if (type == 8) {
                byte[] icmp = new byte[l4len];
                System.arraycopy(f, l4, icmp, 0, l4len);
                icmp[0] = 0;
                icmp[2] = icmp[3] = 0;
                int c = fold(add(0, icmp, 0, icmp.length));
                icmp[2] = (byte) (c >> 8);
                icmp[3] = (byte) c;
                pingsAnswered.incrementAndGet();
                out.accept(ipFrame(MacAddress.read(f, 6), src, 1, icmp));
            } else if (type == 0) {
                int seq = b.getShort(l4 + 6) & 0xFFFF;
                pongs.put(seq, System.nanoTime());
            }
        } else if (proto == 17 && l4len >= 8) {
            int sum = b.getShort(l4 + 6) & 0xFFFF;
            if (!validated && sum != 0 && udpSum(f, 26, l4, l4len) != 0) {
                badChecksums.incrementAndGet();
                return;
            }
            int sport = b.getShort(l4) & 0xFFFF;
            int dport = b.getShort(l4 + 2) & 0xFFFF;
            byte[] payload = new byte[l4len - 8];
            System.arraycopy(f, l4 + 8, payload, 0, payload.length);
            if (dport == ECHO_PORT) {
                echoed.incrementAndGet();
                sendUdp(MacAddress.read(f, 6), src, ECHO_PORT, sport, payload);
            } else {
                udpListener.accept(new Datagram(src, sport, dport, payload));
            }
        }
    }

    /** The folded sum over the pseudo header (addresses at {@code addrs}) and the UDP datagram: 0 if valid. */
    private static int udpSum(byte[] f, int addrs, int l4, int l4len) {
        long s = add(0, f, addrs, 8) + 17 + l4len;
        return fold(add(s, f, l4, l4len));
    }

    // ---- send ----

    private byte[] ipFrame(long dstMac, int dstIp, int proto, byte[] l4) {
        byte[] f = new byte[14 + 20 + l4.length];
        ByteBuffer b = ByteBuffer.wrap(f);
        MacAddress.write(dstMac, f, 0);
        MacAddress.write(mac, f, 6);
        b.putShort(12, (short) 0x0800);
        b.put(14, (byte) 0x45).putShort(16, (short) (20 + l4.length)).put(22, (byte) 64).put(23, (byte) proto);
        b.putInt(26, ip).putInt(30, dstIp);
        int c = fold(add(0, f, 14, 20));
        b.putShort(24, (short) c);
        System.arraycopy(l4, 0, f, 34, l4.length);
        return f;
    }

    void sendUdp(long dstMac, int dstIp, int srcPort, int dstPort, byte[] payload) {
        byte[] udp = new byte[8 + payload.length];
        ByteBuffer u = ByteBuffer.wrap(udp);
        u.putShort(0, (short) srcPort).putShort(2, (short) dstPort).putShort(4, (short) udp.length);
        System.arraycopy(payload, 0, udp, 8, payload.length);
        byte[] f = ipFrame(dstMac, dstIp, 17, udp);
        if (csumBlank) {
            // CHECKSUM_PARTIAL: the field holds the pseudo-header sum only; the backend completes it
            long s = add(0, f, 26, 8) + 17 + udp.length;
            int partial = ~fold(s) & 0xFFFF;
            f[34 + 6] = (byte) (partial >> 8);
            f[34 + 7] = (byte) partial;
        } else {
            int c = udpSum(f, 26, 34, udp.length);
            if (c == 0) c = 0xFFFF;
            f[34 + 6] = (byte) (c >> 8);
            f[34 + 7] = (byte) c;
        }
        out.accept(f);
    }

    /** The MAC of {@code dstIp}, asking by ARP until it answers. */
    long resolve(int dstIp, long timeoutMillis) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (System.nanoTime() < end) {
            Long m = arp.get(dstIp);
            if (m != null) return m;
            out.accept(arpFrame(1, 0, dstIp));
            for (int i = 0; i < 50 && !arp.containsKey(dstIp); i++) Thread.sleep(2);
        }
        throw new AssertionError("no ARP reply from " + ipString(dstIp));
    }

    /** Sends an ICMP echo request and waits for the reply; the round trip in nanoseconds. */
    long ping(int dstIp, int seq, long timeoutMillis) throws InterruptedException {
        long dstMac = resolve(dstIp, timeoutMillis);
        byte[] icmp = new byte[8 + 32];
        ByteBuffer b = ByteBuffer.wrap(icmp);
        b.put(0, (byte) 8).putShort(4, (short) 0x4f58).putShort(6, (short) seq);
        for (int i = 8; i < icmp.length; i++) icmp[i] = (byte) i;
        int c = fold(add(0, icmp, 0, icmp.length));
        b.putShort(2, (short) c);
        long t0 = System.nanoTime();
        out.accept(ipFrame(dstMac, dstIp, 1, icmp));
        long end = t0 + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (System.nanoTime() < end) {
            Long t = pongs.remove(seq);
            if (t != null) return t - t0;
            Thread.sleep(0, 200_000);
        }
        throw new AssertionError("no echo reply from " + ipString(dstIp) + " seq " + seq);
    }

    static String ipString(int ip) {
        return (ip >>> 24) + "." + (ip >>> 16 & 255) + "." + (ip >>> 8 & 255) + "." + (ip & 255);
    }
}
