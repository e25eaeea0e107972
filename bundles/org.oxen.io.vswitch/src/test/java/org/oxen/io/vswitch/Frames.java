package org.oxen.io.vswitch;

import java.nio.ByteBuffer;

/** Ethernet frames for the switch's tests. */
final class Frames {
    private Frames() {
    }

    static byte[] ethernet(long dst, long src, int type, int payloadLength) {
        byte[] f = new byte[14 + payloadLength];
        MacAddress.write(dst, f, 0);
        MacAddress.write(src, f, 6);
        f[12] = (byte) (type >> 8);
        f[13] = (byte) type;
        for (int i = 14; i < f.length; i++) f[i] = (byte) i;
        return f;
    }

    /** An ARP request "who-has tpa tell spa" from {@code src}, broadcast. */
    static byte[] arpRequest(long src, int spa, int tpa) {
        byte[] f = new byte[42];
        ByteBuffer b = ByteBuffer.wrap(f);
        MacAddress.write(0xFFFFFFFFFFFFL, f, 0);
        MacAddress.write(src, f, 6);
        b.putShort(12, (short) 0x0806).putShort(14, (short) 1).putShort(16, (short) 0x0800);
        b.put(18, (byte) 6).put(19, (byte) 4).putShort(20, (short) 1);
        MacAddress.write(src, f, 22);
        b.putInt(28, spa).putInt(38, tpa);
        return f;
    }

    /** A UDP datagram (IPv4 header checksum right, UDP checksum 0 = none). */
    static byte[] udp(long dst, long src, int sip, int dip, int sport, int dport, byte[] payload) {
        byte[] f = new byte[14 + 20 + 8 + payload.length];
        ByteBuffer b = ByteBuffer.wrap(f);
        MacAddress.write(dst, f, 0);
        MacAddress.write(src, f, 6);
        b.putShort(12, (short) 0x0800);
        b.put(14, (byte) 0x45).putShort(16, (short) (28 + payload.length)).put(22, (byte) 64).put(23, (byte) 17);
        b.putInt(26, sip).putInt(30, dip);
        long s = 0;
        for (int i = 14; i < 34; i += 2) s += (f[i] & 0xFF) << 8 | (f[i + 1] & 0xFF);
        while ((s >> 16) != 0) s = (s & 0xFFFF) + (s >> 16);
        b.putShort(24, (short) ~s);
        b.putShort(34, (short) sport).putShort(36, (short) dport).putShort(38, (short) (8 + payload.length));
        System.arraycopy(payload, 0, f, 42, payload.length);
        return f;
    }

    static int ip(int a, int b, int c, int d) {
        return a << 24 | b << 16 | c << 8 | d;
    }
}
