package org.oxen.x86.machine.boot;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The few ACPI Machine Language encodings the firmware's DSDT needs (ACPI 6.5, chapter 20):
 * Scope, Device, Processor, Name, Package, Buffer, integers and name strings. Each method
 * returns the encoded term; a package length ({@link #pkgLength}) counts its own bytes, as the
 * specification requires. What iasl would emit for the same ASL, byte for byte.
 */
final class Aml {

    static final int ZERO_OP = 0x00, ONE_OP = 0x01, NAME_OP = 0x08, BYTE_PREFIX = 0x0A, WORD_PREFIX = 0x0B,
            DWORD_PREFIX = 0x0C, QWORD_PREFIX = 0x0E, SCOPE_OP = 0x10, BUFFER_OP = 0x11, PACKAGE_OP = 0x12,
            EXT_OP = 0x5B, DEVICE_OP = 0x82, PROCESSOR_OP = 0x83, ROOT_CHAR = 0x5C;

    private Aml() {
    }

    /** {@code Scope (path) { body }}. */
    static byte[] scope(String path, byte[]... body) {
        return op(new int[] {SCOPE_OP}, cat(nameString(path), cat(body)));
    }

    /** {@code Device (name) { body }}. */
    static byte[] device(String name, byte[]... body) {
        return op(new int[] {EXT_OP, DEVICE_OP}, cat(nameString(name), cat(body)));
    }

    /** {@code Processor (name, id, 0, 0)}: no P_BLK (the board has no processor control registers). */
    static byte[] processor(String name, int id) {
        return op(new int[] {EXT_OP, PROCESSOR_OP}, cat(nameString(name), new byte[] {(byte) id, 0, 0, 0, 0, 0}));
    }

    /** {@code Name (name, value)}. */
    static byte[] name(String name, byte[] value) {
        return cat(new byte[] {NAME_OP}, nameString(name), value);
    }

    /** {@code Package () { elements }}. */
    static byte[] pkg(byte[]... elements) {
        if (elements.length > 255) {
            throw new IllegalArgumentException("a Package of " + elements.length + " elements (VarPackage not built)");
        }
        return op(new int[] {PACKAGE_OP}, cat(new byte[] {(byte) elements.length}, cat(elements)));
    }

    /** {@code Buffer () { data }}. */
    static byte[] buffer(byte[] data) {
        return op(new int[] {BUFFER_OP}, cat(integer(data.length), data));
    }

    /** The shortest encoding of an integer constant (ZeroOp, OneOp or a prefixed constant). */
    static byte[] integer(long v) {
        if (v == 0) {
            return new byte[] {ZERO_OP};
        } else if (v == 1) {
            return new byte[] {ONE_OP};
        } else if ((v & ~0xFFL) == 0) {
            return new byte[] {BYTE_PREFIX, (byte) v};
        } else if ((v & ~0xFFFFL) == 0) {
            return new byte[] {WORD_PREFIX, (byte) v, (byte) (v >>> 8)};
        } else if ((v & ~0xFFFF_FFFFL) == 0) {
            return new byte[] {DWORD_PREFIX, (byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
        }
        byte[] b = new byte[9];
        b[0] = QWORD_PREFIX;
        for (int i = 0; i < 8; i++) {
            b[1 + i] = (byte) (v >>> 8 * i);
        }
        return b;
    }

    /**
     * {@code EisaId ("PNP0A03")}: three letters compressed to 5 bits each (big-endian) and four
     * hex digits, as the DWORD iasl emits (0x030AD041 for PNP0A03).
     */
    static byte[] eisaId(String id) {
        if (!id.matches("[A-Z]{3}[0-9A-F]{4}")) {
            throw new IllegalArgumentException("not an EISA id: '" + id + "'");
        }
        int vendor = (id.charAt(0) - 0x40) << 10 | (id.charAt(1) - 0x40) << 5 | (id.charAt(2) - 0x40);
        int product = Integer.parseInt(id.substring(3), 16);
        long v = (vendor >> 8 & 0xFF) | (vendor & 0xFF) << 8 | (product >> 8 & 0xFF) << 16 | (long) (product & 0xFF) << 24;
        return integer(v);
    }

    /** A name string: an optional root prefix and one or more 4-character segments separated by '.', padded with '_'. */
    static byte[] nameString(String path) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String rest = path;
        if (rest.startsWith("\\")) {
            out.write(ROOT_CHAR);
            rest = rest.substring(1);
        }
        String[] segs = rest.split("\\.");
        if (segs.length == 2) {
            out.write(0x2E); // DualNamePrefix
        } else if (segs.length > 2) {
            out.write(0x2F); // MultiNamePrefix
            out.write(segs.length);
        }
        for (String s : segs) {
            if (!s.matches("[A-Z_][A-Z0-9_]{0,3}")) {
                throw new IllegalArgumentException("not an AML name segment: '" + s + "' in '" + path + "'");
            }
            out.writeBytes((s + "___").substring(0, 4).getBytes(StandardCharsets.US_ASCII));
        }
        return out.toByteArray();
    }

    /** The PkgLength of a body of {@code n} bytes: the encoding's own 1-4 bytes included. */
    static byte[] pkgLength(int n) {
        if (n + 1 < 0x40) {
            return new byte[] {(byte) (n + 1)};
        }
        for (int extra = 1; extra <= 3; extra++) {
            int total = n + 1 + extra;
            if (total < 1 << 4 + 8 * extra) {
                byte[] b = new byte[1 + extra];
                b[0] = (byte) (extra << 6 | total & 0x0F);
                for (int i = 1; i <= extra; i++) {
                    b[i] = (byte) (total >>> 4 + 8 * (i - 1));
                }
                return b;
            }
        }
        throw new IllegalArgumentException("an AML package of " + n + " bytes");
    }

    private static byte[] op(int[] opcode, byte[] body) {
        byte[] len = pkgLength(body.length);
        byte[] b = new byte[opcode.length + len.length + body.length];
        for (int i = 0; i < opcode.length; i++) {
            b[i] = (byte) opcode[i];
        }
        System.arraycopy(len, 0, b, opcode.length, len.length);
        System.arraycopy(body, 0, b, opcode.length + len.length, body.length);
        return b;
    }

    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
