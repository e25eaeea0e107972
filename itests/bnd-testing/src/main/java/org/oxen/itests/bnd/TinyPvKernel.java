package org.oxen.itests.bnd;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A PV kernel assembled in the test (the guest kit has no program that reboots): it writes one
 * line with console_io, spins a little (so a restart loop does not spin the host), then calls
 * SCHEDOP_shutdown with the reason it was built with. An ELF32 image with Xen notes in a
 * PT_NOTE, loaded at 0xC0000000, code in the first page, the hypercall page second.
 */
final class TinyPvKernel {

    static final int POWEROFF = 0;
    static final int REBOOT = 1;
    static final int CRASH = 3;

    private static final int BASE = 0xC0000000;
    private static final int MESSAGE = 0x200;

    private TinyPvKernel() {
    }

    static byte[] image(String line, int shutdownReason) {
        byte[] msg = (line + "\n").getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream c = new ByteArrayOutputStream();
        movImm(c, 0, 18); // console_io
        movImm(c, 3, 0); // CONSOLEIO_write
        movImm(c, 1, msg.length);
        movImm(c, 2, BASE + MESSAGE);
        c.write(0xCD);
        c.write(0x82);
        movImm(c, 1, 1_000_000); // spin: dec %ecx; jnz
        c.write(0x49);
        c.write(0x75);
        c.write(0xFD);
        movImm(c, 0, 6); // sched_op_compat(SCHEDOP_shutdown, reason)
        movImm(c, 3, 2);
        movImm(c, 1, shutdownReason);
        c.write(0xCD);
        c.write(0x82);
        c.write(0xEB); // jmp .
        c.write(0xFE);
        byte[] code = c.toByteArray();

        ByteArrayOutputStream notes = new ByteArrayOutputStream();
        note(notes, 6, str("tiny"));
        note(notes, 5, str("xen-3.0"));
        note(notes, 8, str("generic"));
        note(notes, 9, str("yes"));
        note(notes, 10, str(""));
        note(notes, 1, le(BASE));
        note(notes, 2, le(BASE + 0x1000));
        note(notes, 3, le(BASE));
        note(notes, 4, le(BASE));
        byte[] n = notes.toByteArray();

        ByteBuffer f = ByteBuffer.allocate(0x3000).order(ByteOrder.LITTLE_ENDIAN);
        f.put(new byte[] {0x7F, 'E', 'L', 'F', 1, 1, 1});
        f.putShort(16, (short) 2).putShort(18, (short) 3).putInt(20, 1).putInt(24, BASE).putInt(28, 52)
                .putInt(32, 0).putShort(40, (short) 52).putShort(42, (short) 32).putShort(44, (short) 2)
                .putShort(46, (short) 40).putShort(48, (short) 0);
        f.putInt(52, 1).putInt(56, 0x1000).putInt(60, BASE).putInt(64, BASE).putInt(68, 0x2000).putInt(72, 0x2000)
                .putInt(76, 7).putInt(80, 0x1000); // PT_LOAD
        f.putInt(84, 4).putInt(88, 0x100).putInt(92, 0).putInt(96, 0).putInt(100, n.length).putInt(104, n.length)
                .putInt(108, 4).putInt(112, 4); // PT_NOTE
        f.position(0x100);
        f.put(n);
        f.position(0x1000);
        f.put(code);
        f.position(0x1000 + MESSAGE);
        f.put(msg);
        return f.array();
    }

    private static void movImm(ByteArrayOutputStream c, int reg, int v) {
        c.write(0xB8 + reg);
        c.writeBytes(le(v));
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
        for (int i = desc.length; (i & 3) != 0; i++) {
            out.write(0);
        }
    }
}
