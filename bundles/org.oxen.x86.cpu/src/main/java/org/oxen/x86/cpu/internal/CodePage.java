package org.oxen.x86.cpu.internal;

/**
 * Decoded instructions of one 4 KiB physical frame, keyed by the offset in the frame.
 *
 * <p>{@code at[offset]}: 0 = not decoded yet, 1 = not cacheable (prefixes, 16-bit forms, rare
 * opcodes, crosses the frame end: the interpreter decodes it from memory every time), n &ge; 2 =
 * record n; once an offset has a record it keeps that index (a record whose new bytes are not
 * cacheable gets kind 0). A record is eight ints in {@code rec}: operation word (kind, length,
 * registers, sub-operation), address word, displacement, immediate, the record of the next
 * instruction (fall-through link, 0 = not linked yet), -, -, the record of a branch target in
 * this frame (0 = not linked); and the instruction's bytes in {@code raw} (unused bytes zero), which
 * are compared with memory before every execution: a record whose bytes changed (self-modifying
 * code, DMA, another CPU) is decoded again, so no write has to find and invalidate it.
 */
final class CodePage {

    final long frame;
    final char[] at = new char[4096];
    int[] rec = new int[8 * 64];
    long[] raw = new long[2 * 64];
    int count = 2;

    CodePage(long frame) {
        this.frame = frame;
    }

    /** A new record index (grown by doubling: amortised, not per instruction). */
    int allocate() {
        int n = count;
        if (8 * n >= rec.length) {
            rec = java.util.Arrays.copyOf(rec, rec.length * 2);
            raw = java.util.Arrays.copyOf(raw, raw.length * 2);
        }
        count = n + 1;
        return n;
    }

}
