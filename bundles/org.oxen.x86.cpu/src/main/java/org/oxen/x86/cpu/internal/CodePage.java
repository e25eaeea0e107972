package org.oxen.x86.cpu.internal;

/**
 * Decoded instructions of one 4 KiB physical frame, keyed by the offset in the frame.
 *
 * <p>{@code at[offset]}: 0 = not decoded yet, 1 = not cacheable (most prefixes, 16-bit forms, rare
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
     * Word indices of a record: operation word (its fields below, read through {@link #kind},
     * {@link #length}, ... never by shifts elsewhere).
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

    // ---- the layout of the packed words: each field's first bit and width, the one description
    // every accessor and constructor below reads (constants, so the JIT folds the shifts) ----

    private static final int KIND_AT = 0, KIND_BITS = 8;
    private static final int LENGTH_AT = 8, LENGTH_BITS = 4;
    private static final int REG_A_AT = 12, REG_B_AT = 16, REG_BITS = 3;
    private static final int OPERATION_AT = 20, OPERATION_BITS = 4;
    private static final int SIZE_AT = 24, SIZE_BITS = 2;
    private static final int VARIANT_AT = 26, WORD_SOURCE_AT = 27;
    private static final int DISPATCH_AT = 28, DISPATCH_BITS = 4;

    private static final int ADDRESS_FORM_AT = 0, ADDRESS_FORM_BITS = 2;
    private static final int BASE_AT = 4, INDEX_AT = 8; // REG_BITS wide
    private static final int SCALE_AT = 12, SCALE_BITS = 2;
    private static final int SEGMENT_AT = 16, SEGMENT_BITS = 3;

    private static int field(int word, int at, int bits) {
        return (word >>> at) & ((1 << bits) - 1);
    }

    /** {@code value} placed at a field (checked: a value wider than its field is a decoder defect). */
    private static int place(int value, int at, int bits) {
        if ((value >>> bits) != 0) {
            throw new IllegalArgumentException("record field at bit " + at + " (" + bits + " bits) cannot hold " + value);
        }
        return value << at;
    }

    // ---- the fields of a record's operation word (R_OP) ----

    /** Record kind ({@code RecordDecoder.K_*}, chosen by the table of forms). */
    static int kind(int opw) {
        return field(opw, KIND_AT, KIND_BITS);
    }

    /** Instruction length in bytes (1..8). */
    static int length(int opw) {
        return field(opw, LENGTH_AT, LENGTH_BITS);
    }

    /** First register operand (the destination, or the only one). */
    static int regA(int opw) {
        return field(opw, REG_A_AT, REG_BITS);
    }

    /** Second register operand (the source). */
    static int regB(int opw) {
        return field(opw, REG_B_AT, REG_BITS);
    }

    /** The form's operation ({@code Forms.OPERATION}: ALU op with +8 for no store, shift kind, condition, ...). */
    static int operation(int opw) {
        return field(opw, OPERATION_AT, OPERATION_BITS);
    }

    /** Operand size: 0 byte, 1 word (a MOV with 66), 2 dword. */
    static int size(int opw) {
        return field(opw, SIZE_AT, SIZE_BITS);
    }

    /** The form's variant: IMUL with an immediate, a shift by CL, MOVSX (not MOVZX). */
    static boolean variant(int opw) {
        return (opw & VARIANT) != 0;
    }

    /** Size of a MOVZX/MOVSX source: 0 byte, 1 word. */
    static int sourceSize(int opw) {
        return field(opw, WORD_SOURCE_AT, 1);
    }

    /** The fast loop's dispatch site for the kind ({@code RecordDecoder.dispatchClass}). */
    static int dispatchClass(int opw) {
        return field(opw, DISPATCH_AT, DISPATCH_BITS);
    }

    /** Flag bits of the operation word: {@link #variant}, a word source ({@link #sourceSize} 1). */
    static final int VARIANT = 1 << VARIANT_AT, WORD_SOURCE = 1 << WORD_SOURCE_AT;

    /** An operation word without length and dispatch class (the decoder adds those). */
    static int opWord(int kind, int regA, int regB, int operation, int size) {
        return place(kind, KIND_AT, KIND_BITS) | place(regA, REG_A_AT, REG_BITS) | place(regB, REG_B_AT, REG_BITS)
                | place(operation, OPERATION_AT, OPERATION_BITS) | place(size, SIZE_AT, SIZE_BITS);
    }

    /** The operation word with another kind (a specialisation of the same form). */
    static int withKind(int opw, int kind) {
        return (opw & ~(((1 << KIND_BITS) - 1) << KIND_AT)) | place(kind, KIND_AT, KIND_BITS);
    }

    /** The operation word with its length and dispatch class. */
    static int complete(int opw, int length, int dispatchClass) {
        return opw | place(length, LENGTH_AT, LENGTH_BITS) | place(dispatchClass, DISPATCH_AT, DISPATCH_BITS);
    }

    // ---- the fields of a record's address word (R_ADDR) ----

    /** Which terms the address has: 0 displacement only, 1 base, 2 base + index, 3 index. */
    static int addressForm(int eaw) {
        return field(eaw, ADDRESS_FORM_AT, ADDRESS_FORM_BITS);
    }

    static int base(int eaw) {
        return field(eaw, BASE_AT, REG_BITS);
    }

    static int index(int eaw) {
        return field(eaw, INDEX_AT, REG_BITS);
    }

    /** log2 of the index's scale. */
    static int scale(int eaw) {
        return field(eaw, SCALE_AT, SCALE_BITS);
    }

    /** The segment register (the default by base, or the override). */
    static int segment(int eaw) {
        return field(eaw, SEGMENT_AT, SEGMENT_BITS);
    }

    static int addressWord(int form, int base, int index, int scale, int segment) {
        return place(form, ADDRESS_FORM_AT, ADDRESS_FORM_BITS) | place(base, BASE_AT, REG_BITS)
                | place(index, INDEX_AT, REG_BITS) | place(scale, SCALE_AT, SCALE_BITS)
                | place(segment, SEGMENT_AT, SEGMENT_BITS);
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

    /**
     * Entry offsets whose regions take the CPU's calls on their slow paths instead of leaving
     * (a bit per offset; null: none): set when such exits were frequent ({@code Cached.runRegions}).
     */
    private long[] slowPathCalls;

    /** Whether the region entered at frame offset {@code k} is compiled with calls on its slow paths. */
    boolean slowPathCalls(int k) {
        return slowPathCalls != null && (slowPathCalls[k >>> 6] & 1L << k) != 0;
    }

    /** The region entered at {@code k} is compiled with calls on its slow paths from now on. */
    void useSlowPathCalls(int k) {
        if (slowPathCalls == null) slowPathCalls = new long[4096 / 64];
        slowPathCalls[k >>> 6] |= 1L << k;
    }

    /** Adds a region; returns its index. */
    int addRegion(Region r) {
        if (regionCount == regions.length) regions = java.util.Arrays.copyOf(regions, regionCount * 2);
        regions[regionCount] = r;
        return regionCount++;
    }

}
