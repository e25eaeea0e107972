package org.oxen.x86.cpu.diff;

import java.util.Arrays;

/** A growing byte buffer for machine code plus a readable listing. */
final class Code {
    private byte[] b = new byte[32];
    private int n;
    private final StringBuilder text = new StringBuilder();
    private final int[] starts = new int[32];
    private int count;

    Code insn(String mnemonic, int... bytes) {
        if (count < starts.length) {
            starts[count++] = n;
        }
        for (int x : bytes) {
            if (n == b.length) {
                b = Arrays.copyOf(b, n * 2);
            }
            b[n++] = (byte) x;
        }
        if (text.length() > 0) {
            text.append("; ");
        }
        text.append(mnemonic);
        return this;
    }

    /** Start offset of the most recent instruction. */
    int lastStart() {
        return count == 0 ? 0 : starts[count - 1];
    }

    int byteAt(int i) {
        return b[i] & 0xff;
    }

    /** Drops the most recent instruction (used when a generator rejects it). */
    void dropLast() {
        n = starts[--count];
        int cut = text.lastIndexOf("; ");
        text.setLength(cut < 0 ? 0 : cut);
    }

    int length() {
        return n;
    }

    void into(TestCase c) {
        c.code = Arrays.copyOf(b, n);
        c.text = text.toString();
        c.insnStart = Arrays.copyOf(starts, count);
        c.insnCount = count;
    }
}
