package org.oxen.debug.gdbstub.internal;

/** Hex digits as the gdb remote protocol writes them (lower case; little-endian register values). */
final class Hex {

    private static final char[] DIGITS = "0123456789abcdef".toCharArray();

    private Hex() {
    }

    /** A hex digit's value, -1 if {@code c} is none. */
    static int digit(int c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }

    /** An unsigned hex number of at most 8 digits; IllegalArgumentException otherwise. */
    static int parse(String s) {
        if (s.isEmpty() || s.length() > 8) {
            throw new IllegalArgumentException("not a 32-bit hex number: '" + s + "'");
        }
        return (int) Long.parseLong(s, 16);
    }

    static String byte2(int b) {
        return "" + DIGITS[(b >> 4) & 15] + DIGITS[b & 15];
    }

    static String encode(byte[] b) {
        StringBuilder s = new StringBuilder(b.length * 2);
        for (byte x : b) {
            s.append(DIGITS[(x >> 4) & 15]).append(DIGITS[x & 15]);
        }
        return s.toString();
    }

    static byte[] decode(String s) {
        if ((s.length() & 1) != 0) {
            throw new IllegalArgumentException("odd number of hex digits");
        }
        byte[] b = new byte[s.length() / 2];
        for (int i = 0; i < b.length; i++) {
            int h = digit(s.charAt(2 * i)), l = digit(s.charAt(2 * i + 1));
            if (h < 0 || l < 0) {
                throw new IllegalArgumentException("not hex: '" + s + "'");
            }
            b[i] = (byte) ((h << 4) | l);
        }
        return b;
    }

    /** A 32-bit value as 8 little-endian hex digits. */
    static void le32(StringBuilder s, int v) {
        for (int i = 0; i < 4; i++) {
            s.append(byte2(v >>> (8 * i)));
        }
    }

    /** 8 little-endian hex digits at {@code at} as a 32-bit value. */
    static int le32(String s, int at) {
        int v = 0;
        for (int i = 3; i >= 0; i--) {
            int h = digit(s.charAt(at + 2 * i)), l = digit(s.charAt(at + 2 * i + 1));
            if (h < 0 || l < 0) {
                throw new IllegalArgumentException("not hex at " + at);
            }
            v = (v << 8) | (h << 4) | l;
        }
        return v;
    }
}
