package org.oxen.io.vswitch;

/**
 * The one MAC address parser and formatter (xenstore's {@code mac} nodes, xl.cfg's {@code mac=}):
 * six colon-separated pairs of hex digits, a 48-bit value in a long (first octet most
 * significant).
 */
public final class MacAddress {
    private MacAddress() {
    }

    /** Xen's OUI (00:16:3e), which libxl gives vifs whose config names no MAC. */
    public static final long XEN_OUI = 0x00163eL;

    /**
     * @throws IllegalArgumentException naming what is wrong with {@code text}
     */
    public static long parse(String text) {
        if (text == null || text.length() != 17) {
            throw new IllegalArgumentException("MAC address '" + text + "': expected six hex pairs as 00:16:3e:12:34:56");
        }
        long v = 0;
        for (int i = 0; i < 6; i++) {
            int hi = Character.digit(text.charAt(i * 3), 16);
            int lo = Character.digit(text.charAt(i * 3 + 1), 16);
            if (hi < 0 || lo < 0 || (i < 5 && text.charAt(i * 3 + 2) != ':')) {
                throw new IllegalArgumentException("MAC address '" + text + "': expected six hex pairs as 00:16:3e:12:34:56");
            }
            v = (v << 8) | (hi << 4) | lo;
        }
        return v;
    }

    public static String format(long mac) {
        StringBuilder b = new StringBuilder(17);
        for (int i = 5; i >= 0; i--) {
            int o = (int) (mac >>> (i * 8)) & 0xFF;
            b.append(Character.forDigit(o >> 4, 16)).append(Character.forDigit(o & 15, 16));
            if (i > 0) b.append(':');
        }
        return b.toString();
    }

    /** Whether {@code mac} is a group (multicast or broadcast) address: the first octet's low bit. */
    public static boolean isGroup(long mac) {
        return ((mac >>> 40) & 1) != 0;
    }

    /** Reads the six octets at {@code offset} of {@code frame}. */
    public static long read(byte[] frame, int offset) {
        return ((frame[offset] & 0xFFL) << 40) | ((frame[offset + 1] & 0xFFL) << 32) | ((frame[offset + 2] & 0xFFL) << 24)
                | ((frame[offset + 3] & 0xFFL) << 16) | ((frame[offset + 4] & 0xFFL) << 8) | (frame[offset + 5] & 0xFFL);
    }

    /** Writes the six octets of {@code mac} at {@code offset} of {@code frame}. */
    public static void write(long mac, byte[] frame, int offset) {
        for (int i = 0; i < 6; i++) frame[offset + i] = (byte) (mac >>> (40 - 8 * i));
    }
}
