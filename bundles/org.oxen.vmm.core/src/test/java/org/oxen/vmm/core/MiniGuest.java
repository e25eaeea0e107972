package org.oxen.vmm.core;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A tiny PV kernel assembled in the test: an ELF32 image with Xen notes (PT_NOTE only, no
 * section headers), loaded at 0xC0000000 with the code in the first page and the hypercall
 * page second. For hostile sequences, crashes and the null-hypercall benchmark.
 */
final class MiniGuest {

    static final int BASE = 0xC0000000;
    static final int HYPERCALL_PAGE = BASE + 0x1000;

    private final ByteArrayOutputStream code = new ByteArrayOutputStream();
    private String features = "";
    private String paeMode = "yes";

    MiniGuest bytes(int... b) {
        for (int x : b) code.write(x);
        return this;
    }

    MiniGuest imm32(int v) {
        return bytes(v & 0xFF, (v >>> 8) & 0xFF, (v >>> 16) & 0xFF, v >>> 24);
    }

    /** mov $v, %eax..%edi (reg = hardware number). */
    MiniGuest movImm(int reg, int v) {
        return bytes(0xB8 + reg).imm32(v);
    }

    MiniGuest int82() {
        return bytes(0xCD, 0x82);
    }

    /** hypercall nr(a1, a2) straight through int $0x82. */
    MiniGuest hypercall(int nr, int a1, int a2) {
        return movImm(0, nr).movImm(3, a1).movImm(1, a2).int82();
    }

    /** sched_op_compat(SCHEDOP_shutdown, reason). */
    MiniGuest shutdown(int reason) {
        return hypercall(6, 2, reason);
    }

    /** Pads with NOPs up to {@code offset} from the image start. */
    MiniGuest at(int offset) {
        while (code.size() < offset) code.write(0x90);
        return this;
    }

    int here() {
        return BASE + code.size();
    }

    MiniGuest features(String f) {
        features = f;
        return this;
    }

    MiniGuest paeMode(String m) {
        paeMode = m;
        return this;
    }

    byte[] image() {
        ByteArrayOutputStream notes = new ByteArrayOutputStream();
        note(notes, 6, str("mini"));
        note(notes, 5, str("xen-3.0"));
        note(notes, 8, str("generic"));
        note(notes, 9, str(paeMode));
        note(notes, 10, str(features));
        note(notes, 1, le(BASE));
        note(notes, 2, le(HYPERCALL_PAGE));
        note(notes, 3, le(BASE));
        note(notes, 4, le(BASE));
        byte[] n = notes.toByteArray();
        byte[] c = code.toByteArray();
        ByteBuffer f = ByteBuffer.allocate(0x3000).order(ByteOrder.LITTLE_ENDIAN);
        f.put(new byte[] {0x7F, 'E', 'L', 'F', 1, 1, 1});
        f.putShort(16, (short) 2).putShort(18, (short) 3).putInt(20, 1).putInt(24, BASE).putInt(28, 52)
                .putInt(32, 0).putShort(40, (short) 52).putShort(42, (short) 32).putShort(44, (short) 2)
                .putShort(46, (short) 40).putShort(48, (short) 0);
        // PT_LOAD: two pages at 0xC0000000
        f.putInt(52, 1).putInt(56, 0x1000).putInt(60, BASE).putInt(64, BASE).putInt(68, 0x2000).putInt(72, 0x2000)
                .putInt(76, 7).putInt(80, 0x1000);
        // PT_NOTE
        f.putInt(84, 4).putInt(88, 0x100).putInt(92, 0).putInt(96, 0).putInt(100, n.length).putInt(104, n.length)
                .putInt(108, 4).putInt(112, 4);
        f.position(0x100);
        f.put(n);
        f.position(0x1000);
        f.put(c);
        return f.array();
    }

    private static byte[] str(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        byte[] z = new byte[b.length + 1];
        System.arraycopy(b, 0, z, 0, b.length);
        return z;
    }

    private static byte[] le(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }

    private static void note(ByteArrayOutputStream out, int type, byte[] desc) {
        ByteBuffer h = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(4).putInt(desc.length).putInt(type).put(new byte[] {'X', 'e', 'n', 0});
        out.writeBytes(h.array());
        out.writeBytes(desc);
        for (int i = desc.length; (i & 3) != 0; i++) out.write(0);
    }
}
