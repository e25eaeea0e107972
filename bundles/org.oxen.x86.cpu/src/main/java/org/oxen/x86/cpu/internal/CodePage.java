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
 * linked yet), the translator's mark, the instruction's form in the table ({@link Forms}), the record of a branch target in this
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
    /**
     * Word indices of a record: operation word (kind bits 0-7, length 8-11, register A 12-14,
     * register B 16-18, operation 20-23, size 24-25, variant 26, word source 27, dispatch class
     * 28-31; read through {@link #kind}, {@link #length}, ... never by shifts elsewhere).
     */
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
    /** The instruction's form: its row in {@link Forms} (attributes, flags, operands). */
    static final int R_FORM = 6;
    /** Record of the branch target in this frame (0 = not linked). */
    static final int R_TARGET = 7;

    // ---- the fields of a record's operation word (R_OP) ----

    /** Record kind ({@code RecordDecoder.K_*}, chosen by the table of forms). */
    static int kind(int opw) {
        return opw & 0xFF;
    }

    /** Instruction length in bytes (1..8). */
    static int length(int opw) {
        return (opw >>> 8) & 15;
    }

    /** First register operand (the destination, or the only one). */
    static int regA(int opw) {
        return (opw >>> 12) & 7;
    }

    /** Second register operand (the source). */
    static int regB(int opw) {
        return (opw >>> 16) & 7;
    }

    /** The form's operation ({@code Forms.OPERATION}: ALU op with +8 for no store, shift kind, condition, ...). */
    static int operation(int opw) {
        return (opw >>> 20) & 15;
    }

    /** Operand size: 0 byte, 2 dword (records are never 16-bit). */
    static int size(int opw) {
        return (opw >>> 24) & 3;
    }

    /** The form's variant: IMUL with an immediate, a shift by CL, MOVSX (not MOVZX). */
    static boolean variant(int opw) {
        return (opw & VARIANT) != 0;
    }

    /** Size of a MOVZX/MOVSX source: 0 byte, 1 word. */
    static int sourceSize(int opw) {
        return (opw >>> 27) & 1;
    }

    /** The fast loop's dispatch site for the kind ({@code RecordDecoder.dispatchClass}). */
    static int dispatchClass(int opw) {
        return opw >>> 28;
    }

    static final int VARIANT = 1 << 26, WORD_SOURCE = 1 << 27;

    /** An operation word without length and dispatch class (the decoder adds those). */
    static int opWord(int kind, int regA, int regB, int operation, int size) {
        return kind | regA << 12 | regB << 16 | operation << 20 | size << 24;
    }

    /** The operation word with another kind (a specialisation of the same form). */
    static int withKind(int opw, int kind) {
        return (opw & ~0xFF) | kind;
    }

    /** The operation word with its length and dispatch class. */
    static int complete(int opw, int length, int dispatchClass) {
        return opw | length << 8 | dispatchClass << 28;
    }

    // ---- the fields of a record's address word (R_ADDR) ----

    /** Which terms the address has: 0 displacement only, 1 base, 2 base + index, 3 index. */
    static int addressForm(int eaw) {
        return eaw & 3;
    }

    static int base(int eaw) {
        return (eaw >>> 4) & 7;
    }

    static int index(int eaw) {
        return (eaw >>> 8) & 7;
    }

    /** log2 of the index's scale. */
    static int scale(int eaw) {
        return (eaw >>> 12) & 3;
    }

    /** The segment register (the default by base, or the override). */
    static int segment(int eaw) {
        return (eaw >>> 16) & 7;
    }

    static int addressWord(int form, int base, int index, int scale, int segment) {
        return form | base << 4 | index << 8 | scale << 12 | segment << 16;
    }

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
