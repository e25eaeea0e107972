package org.oxen.x86.cpu.internal;

/**
 * Decoded instructions of one 4 KiB physical frame, keyed by the offset in the frame.
 *
 * <p>{@code at[offset]}: 0 = not decoded yet, 1 = not cacheable (prefixes, 16-bit forms, rare
 * opcodes, crosses the frame end: the interpreter decodes it from memory every time), n &ge; 2 =
 * record n; once an offset has a record it keeps that index (a record whose new bytes are not
 * cacheable gets kind 0). A record is {@link #REC_WORDS} ints in {@code rec}, named by the
 * {@code R_*} word indices: operation word (kind, length, registers, sub-operation), address
 * word, displacement, immediate, the record of the next instruction (fall-through link, 0 = not
 * linked yet), the translator's mark, one spare word, the record of a branch target in this
 * frame (0 = not linked); and the instruction's bytes in {@code raw} (unused bytes zero), which
 * are compared with memory before every execution: a record whose bytes changed (self-modifying
 * code, DMA, another CPU) is decoded again, so no write has to find and invalidate it.
 *
 * <p>Word {@link #R_MARK} of a record is the translator's mark for regions entered there: &ge; 0 counts the
 * taken branches, calls and returns that arrived (hotness), -1 = do not translate here, &le; -2 =
 * the entry of {@code regions[-2 - mark]}.
 */
final class CodePage {

    /** Ints per record in {@link #rec}. */
    static final int REC_WORDS = 8;
    /** Word indices of a record: operation word (kind bits 0-7, length 8-11, register 16-18, sub-operation 20-23, size 24-25, dispatch class 28-31). */
    static final int R_OP = 0;
    /** Address word: base, index, scale and segment of a memory operand ({@code Cached.addr}). */
    static final int R_ADDR = 1;
    /** Displacement of a memory operand. */
    static final int R_DISP = 2;
    /** Immediate operand (for a branch: the relative displacement). */
    static final int R_IMM = 3;
    /** Record of the next instruction in the frame (fall-through link; 0 = not linked yet). */
    static final int R_NEXT = 4;
    /** The translator's mark (see the class comment). */
    static final int R_MARK = 5;
    /** Record of the branch target in this frame (0 = not linked). */
    static final int R_TARGET = 7;

    final long frame;
    final char[] at = new char[4096];
    int[] rec = new int[REC_WORDS * 64];
    long[] raw = new long[2 * 64];
    int count = 2;
    /** Translated regions of this frame (by the index in a record's mark) and how many died. */
    Region[] regions = new Region[4];
    int regionCount;
    int regionDeaths;

    CodePage(long frame) {
        this.frame = frame;
    }

    /** A new record index (grown by doubling: amortised, not per instruction). */
    int allocate() {
        int n = count;
        if (REC_WORDS * n >= rec.length) {
            rec = java.util.Arrays.copyOf(rec, rec.length * 2);
            raw = java.util.Arrays.copyOf(raw, raw.length * 2);
        }
        count = n + 1;
        return n;
    }

    /** Adds a region; returns its index. */
    int addRegion(Region r) {
        if (regionCount == regions.length) regions = java.util.Arrays.copyOf(regions, regionCount * 2);
        regions[regionCount] = r;
        return regionCount++;
    }

}
