package org.oxen.x86.cpu.internal;

import static org.oxen.x86.cpu.internal.CpuState.L_ADC;
import static org.oxen.x86.cpu.internal.CpuState.L_ADD;
import static org.oxen.x86.cpu.internal.CpuState.L_DEC;
import static org.oxen.x86.cpu.internal.CpuState.L_INC;
import static org.oxen.x86.cpu.internal.CpuState.L_LOGIC;
import static org.oxen.x86.cpu.internal.CpuState.L_SBB;
import static org.oxen.x86.cpu.internal.CpuState.L_SUB;

/**
 * What the integer instructions compute, written once: results and the flags they produce, as
 * pure static functions of their operands. Every tier uses these: the interpreter's handlers and
 * the decoded-instruction cache's record kinds through {@link Alu} (which adds the lazy-flag
 * bookkeeping of the CPU's fields), and translated code by calling them from the bytecode it
 * emits ({@code RegionCompiler}, with its flag state in JVM locals). How a flag is read back from
 * a lazy record is {@link Flags}.
 *
 * <p>Sizes {@code sz} are 0 (byte), 1 (word), 2 (dword); operands and results are in the low
 * bits, and results are masked to the size. A flag word is the {@code L_SZP} extra word:
 * CF in bit 0, OF in bit 1 (see {@link #flagWord}).
 *
 * <p>Hot paths call these with constant operations and sizes: each is small enough for C2 to
 * inline, after which its {@code switch} folds, so no tier pays for the sharing. Where a hot
 * method calls many of them (the cache's fast loop), it calls the per-operation routines
 * ({@link #add}, {@link #sub}, ... with {@link #ADD_FLAGS} ...), whose inlined bytecode is a few
 * bytes: every inlined byte counts against C2's budget for the caller.
 */
final class Semantics {

    private Semantics() {
    }

    /** The mask of an operand size (a constant after inlining, unlike an array load). */
    static int mask(int sz) {
        return sz == 2 ? -1 : sz == 1 ? 0xFFFF : 0xFF;
    }

    /** The sign bit of an operand size. */
    static int sign(int sz) {
        return sz == 2 ? 0x80000000 : sz == 1 ? 0x8000 : 0x80;
    }

    /** The {@code L_SZP} flag word of a CF and an OF (AF, bit 2, is 0). */
    static int flagWord(boolean cf, boolean of) {
        return (cf ? 1 : 0) | (of ? 2 : 0);
    }

    // ---- operands: register views, effective addresses, the stack pointer ----

    /**
     * The 32-bit register that holds register {@code n} of size {@code sz}: AH, CH, DH, BH (byte
     * registers 4-7) live in EAX..EBX.
     */
    static int viewRegister(int n, int sz) {
        return sz == 0 ? n & 3 : n;
    }

    /** Where register {@code n} of size {@code sz} starts in its 32-bit register: bit 8 for AH..BH, else 0. */
    static int viewShift(int n, int sz) {
        return sz == 0 && n >= 4 ? 8 : 0;
    }

    /**
     * Register {@code n} of size {@code sz} (AL..BH, AX..DI, EAX..EDI) read from {@code full},
     * its 32-bit register. (Each of these is under 35 bytes of bytecode, so C1 and C2 inline
     * them at any call site.)
     */
    static int regView(int full, int n, int sz) {
        return (full >>> viewShift(n, sz)) & mask(sz);
    }

    /** {@code full}, the 32-bit register of register {@code n} of size {@code sz}, with that register set to {@code v}. */
    static int withRegView(int full, int n, int sz, int v) {
        int shift = viewShift(n, sz), m = mask(sz) << shift;
        return (full & ~m) | (v << shift & m);
    }

    /**
     * The offset of a 32-bit memory operand: base + index * 2^scale + disp, with 0 for the base
     * or index its address form has not ({@link Forms#hasBase}, {@link Forms#hasIndex}).
     */
    static int effectiveAddress(int base, int index, int scale, int disp) {
        return base + (index << scale) + disp;
    }

    /**
     * ESP after the stack pointer became {@code sp}: all of it on a 32-bit stack (SS.B), else SP
     * only, wrapping at 64 KiB, and ESP's upper half kept.
     */
    static int withStackPointer(int esp, int sp, boolean stack32) {
        return stack32 ? sp : (esp & 0xFFFF0000) | (sp & 0xFFFF);
    }

    /** The offset in SS that stack pointer {@code esp} addresses: ESP on a 32-bit stack, else SP. */
    static int stackOffset(int esp, boolean stack32) {
        return stack32 ? esp : esp & 0xFFFF;
    }

    // ---- group 1: ADD OR ADC SBB AND SUB XOR CMP (the ModR/M reg field order) ----

    /** The lazy-flag kinds ({@code L_*}, read back by {@link Flags}) the group-1 operations leave. */
    static final int ADD_FLAGS = L_ADD, ADC_FLAGS = L_ADC, SUB_FLAGS = L_SUB, SBB_FLAGS = L_SBB, LOGIC_FLAGS = L_LOGIC;

    static int add(int a, int b) {
        return a + b;
    }

    static int sub(int a, int b) {
        return a - b;
    }

    static int adc(int a, int b, int carry) {
        return a + b + carry;
    }

    static int sbb(int a, int b, int carry) {
        return a - b - carry;
    }

    static int and(int a, int b) {
        return a & b;
    }

    static int or(int a, int b) {
        return a | b;
    }

    static int xor(int a, int b) {
        return a ^ b;
    }

    /**
     * The result of group-1 operation {@code op} (0..7; TEST is AND, CMP is SUB) before masking;
     * {@code carry} (0 or 1) is CF for ADC and SBB, ignored by the others.
     */
    static int alu(int op, int a, int b, int carry) {
        switch (op & 7) {
            case 0: return add(a, b);
            case 1: return or(a, b);
            case 2: return adc(a, b, carry);
            case 3: return sbb(a, b, carry);
            case 4: return and(a, b);
            case 6: return xor(a, b);
            default: return sub(a, b); // SUB, CMP
        }
    }

    /**
     * The routine {@link #alu} runs for {@code op}, by name, for code generators that call it
     * directly: {@code (II)I}, or {@code (III)I} with the carry for ADC and SBB.
     */
    static String aluRoutine(int op) {
        return ALU_ROUTINE[op & 7];
    }

    private static final String[] ALU_ROUTINE = {"add", "or", "adc", "sbb", "and", "sub", "xor", "sub"};

    private static final int[] ALU_FLAG_KIND = {ADD_FLAGS, LOGIC_FLAGS, ADC_FLAGS, SBB_FLAGS, LOGIC_FLAGS, SUB_FLAGS,
        LOGIC_FLAGS, SUB_FLAGS};

    /** The lazy-flag kind operation {@code op} leaves. */
    static int aluFlagKind(int op) {
        return ALU_FLAG_KIND[op & 7];
    }

    /** True for ADC (2) and SBB (3), which read CF (and keep it as their record's carry-in). */
    static boolean aluReadsCarry(int op) {
        return (op & 6) == 2;
    }

    /**
     * True when a form's operation (Forms.OPERATION of an ALU form) stores its result: 8 is added
     * for CMP and TEST, which only set flags.
     */
    static boolean aluStores(int operation) {
        return operation < 8;
    }

    // ---- INC, DEC: CF is kept (the lazy record's extra word holds it), the rest as ADD/SUB of 1 ----

    /** The lazy-flag kinds of INC and DEC, and the second operand their records hold. */
    static final int INC_FLAGS = L_INC, DEC_FLAGS = L_DEC, INC_DEC_OPERAND = 1;

    static int inc(int a) {
        return a + INC_DEC_OPERAND;
    }

    static int dec(int a) {
        return a - INC_DEC_OPERAND;
    }

    // ---- group 3: NOT (NEG is SUB from 0) ----

    static int not(int v, int sz) {
        return ~v & mask(sz);
    }

    // ---- group 2: ROL ROR (RCL RCR: Alu) SHL SHR SAL SAR ----
    // v is masked to the size; the count is already masked to 5 bits and is not 0 (a zero
    // count changes nothing, flags included: the callers test it)

    /** The result of shift or rotate {@code op} (0 ROL, 1 ROR, 4/6 SHL, 5 SHR, 7 SAR). */
    static int shift(int op, int v, int count, int sz) {
        switch (op) {
            case 0: return rol(v, count, sz);
            case 1: return ror(v, count, sz);
            case 5: return shr(v, count, sz);
            case 7: return sar(v, count, sz);
            default: return shl(v, count, sz);
        }
    }

    /** The flag word (CF, OF) of shift or rotate {@code op}. */
    static int shiftFlags(int op, int v, int count, int sz) {
        switch (op) {
            case 0: return rolFlags(v, count, sz);
            case 1: return rorFlags(v, count, sz);
            case 5: return shrFlags(v, count, sz);
            case 7: return sarFlags(v, count, sz);
            default: return shlFlags(v, count, sz);
        }
    }

    /**
     * The routine {@link #shift} runs for {@code op} (and, with "Flags" appended, the one
     * {@link #shiftFlags} runs), by name, for code generators that call it directly: {@code (III)I}.
     */
    static String shiftRoutine(int op) {
        return SHIFT_ROUTINE[op & 7];
    }

    private static final String[] SHIFT_ROUTINE = {"rol", "ror", null, null, "shl", "shr", "shl", "sar"};

    static int shl(int v, int count, int sz) {
        return (v << count) & mask(sz);
    }

    /** CF: the last bit shifted out (0 past the operand's width); OF: CF != the result's sign. */
    static int shlFlags(int v, int count, int sz) {
        int bits = 8 << sz;
        int cf = count <= bits ? (v >>> (bits - count)) & 1 : 0;
        int of = ((shl(v, count, sz) >>> (bits - 1)) & 1) ^ cf;
        return cf | of << 1;
    }

    static int shr(int v, int count, int sz) {
        return v >>> count;
    }

    /** CF: the last bit shifted out; OF: the operand's sign. */
    static int shrFlags(int v, int count, int sz) {
        return ((v >>> (count - 1)) & 1) | ((v & sign(sz)) != 0 ? 2 : 0);
    }

    private static int signExtend(int v, int sz) {
        return sz == 0 ? (byte) v : sz == 1 ? (short) v : v;
    }

    static int sar(int v, int count, int sz) {
        return (signExtend(v, sz) >> count) & mask(sz);
    }

    /** CF: the last bit shifted out; OF: 0. */
    static int sarFlags(int v, int count, int sz) {
        return (signExtend(v, sz) >> (count - 1)) & 1;
    }

    static int rol(int v, int count, int sz) {
        int bits = 8 << sz, c = count & (bits - 1);
        return c == 0 ? v : ((v << c) | (v >>> (bits - c))) & mask(sz);
    }

    /** CF: bit 0 of the result; OF: CF != the result's sign. */
    static int rolFlags(int v, int count, int sz) {
        int res = rol(v, count, sz), cf = res & 1;
        return cf | (((res >>> ((8 << sz) - 1)) & 1) ^ cf) << 1;
    }

    static int ror(int v, int count, int sz) {
        int bits = 8 << sz, c = count & (bits - 1);
        return c == 0 ? v : ((v >>> c) | (v << (bits - c))) & mask(sz);
    }

    /** CF: the result's sign; OF: the result's two top bits differ. */
    static int rorFlags(int v, int count, int sz) {
        int res = ror(v, count, sz), bits = 8 << sz;
        return ((res >>> (bits - 1)) & 1) | (((res >>> (bits - 1)) ^ (res >>> (bits - 2))) & 1) << 1;
    }

    // ---- multiply, extend ----

    /** IMUL with two or three operands (word or dword): the product truncated to the size. */
    static int imul(int a, int b, int sz) {
        return sz == 2 ? a * b : ((short) a * (short) b) & 0xFFFF;
    }

    /** CF = OF = the product does not fit the size (signed): {@link #mulOverflows}. */
    static int imulFlags(int a, int b, int sz) {
        return mulOverflows(product(a, b, sz, true), sz, true) ? 3 : 0;
    }

    /**
     * The whole product of two operands of size {@code sz}, signed or unsigned (MUL/IMUL: AX,
     * DX:AX, EDX:EAX hold it).
     */
    static long product(int a, int b, int sz, boolean signed) {
        if (signed) return (long) signExtend(a, sz) * signExtend(b, sz);
        return (a & (mask(sz) & 0xFFFFFFFFL)) * (b & (mask(sz) & 0xFFFFFFFFL));
    }

    /** CF = OF of a multiply: the product does not fit the operand size (as a signed or unsigned value). */
    static boolean mulOverflows(long p, int sz, boolean signed) {
        return signed ? p != signExtend((int) p, sz) : p >>> (8 << sz) != 0;
    }

    /**
     * DIV r/m32: whether EDX:EAX ({@code hi}:lo) divided by {@code divisor} raises #DE: a zero
     * divisor, or a quotient that does not fit 32 bits (unsigned: {@code hi >= divisor}).
     */
    static boolean divideFaults32(int hi, int divisor) {
        return divisor == 0 || Integer.compareUnsigned(hi, divisor) >= 0;
    }

    /**
     * DIV r/m32 that does not fault ({@link #divideFaults32}): EDX:EAX ({@code hi}:{@code lo})
     * divided by {@code divisor}, unsigned; the quotient (the new EAX) in the low half, the
     * remainder (EDX) in the high half.
     */
    static long divide32(int hi, int lo, int divisor) {
        long n = (long) hi << 32 | (lo & 0xFFFFFFFFL);
        long d = divisor & 0xFFFFFFFFL;
        long q = Long.divideUnsigned(n, d);
        return (q & 0xFFFFFFFFL) | (n - q * d) << 32;
    }

    /** MOVZX/MOVSX: a byte ({@code ssz} 0) or word source, zero- or sign-extended. */
    static int extend(int v, int ssz, boolean signed) {
        return ssz == 0 ? (signed ? (byte) v : v & 0xFF) : (signed ? (short) v : v & 0xFFFF);
    }
}
