package org.oxen.x86.machine.boot;

import java.nio.charset.StandardCharsets;

/** Little-endian fields, ASCII strings and byte checksums of the firmware's tables (MP, ACPI). */
final class TableBytes {

    private TableBytes() {
    }

    /** The sum of {@code b[from..to)} modulo 256 (a table is valid when its bytes sum to 0). */
    static int sum(byte[] b, int from, int to) {
        int s = 0;
        for (int i = from; i < to; i++) {
            s += b[i];
        }
        return s & 0xFF;
    }

    static void ascii(byte[] b, int at, String s) {
        byte[] a = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(a, 0, b, at, a.length);
    }

    static void le16(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
    }

    static void le32(byte[] b, int at, int v) {
        le16(b, at, v);
        le16(b, at + 2, v >>> 16);
    }
}
