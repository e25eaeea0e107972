package org.oxen.x86.cpu.internal;

import static org.oxen.x86.cpu.internal.CpuState.L_ADC;
import static org.oxen.x86.cpu.internal.CpuState.L_ADD;
import static org.oxen.x86.cpu.internal.CpuState.L_DEC;
import static org.oxen.x86.cpu.internal.CpuState.L_INC;
import static org.oxen.x86.cpu.internal.CpuState.L_LOGIC;
import static org.oxen.x86.cpu.internal.CpuState.L_NONE;
import static org.oxen.x86.cpu.internal.CpuState.L_SBB;
import static org.oxen.x86.cpu.internal.CpuState.L_SUB;
import static org.oxen.x86.cpu.internal.CpuState.L_SZP;
import static org.oxen.x86.cpu.internal.CpuState.AF;
import static org.oxen.x86.cpu.internal.CpuState.CF;
import static org.oxen.x86.cpu.internal.CpuState.OF;
import static org.oxen.x86.cpu.internal.CpuState.PF;
import static org.oxen.x86.cpu.internal.CpuState.SF;
import static org.oxen.x86.cpu.internal.CpuState.ZF;

/**
 * The lazy-flag rules as pure functions of an explicit flag state: the last flag-setting
 * operation {@code op} (an {@code L_*} kind), its operand size {@code sz} (0, 1, 2), operands
 * {@code a}, {@code b}, result {@code res} and the extra word {@code cf} (carry-in of ADC/SBB,
 * CF of INC/DEC, CF|OF&lt;&lt;1|AF&lt;&lt;2 of {@code L_SZP}), with {@code eflags} for {@code L_NONE};
 * and the condition codes of Jcc/SETcc/CMOVcc over those flags ({@link #test}, {@link #reads}).
 *
 * <p>The interpreter ({@link Alu}) calls them with its fields; translated code calls them with
 * the JVM locals that hold the same state inside a region, with {@code op} and {@code sz} as
 * constants where the producer is known: each function is small and its {@code switch} on
 * {@code op} folds after inlining (masks by {@link Semantics#mask}, not an array, for that), so
 * a translated {@code cmp; jz} is one compare. One definition for every tier.
 */
final class Flags {

    private Flags() {
    }

    /** 1 if {@code x < y} unsigned, else 0, without a branch (the sign of the 64-bit difference). */
    static int below(int x, int y) {
        return (int) (((x & 0xFFFFFFFFL) - (y & 0xFFFFFFFFL)) >>> 63);
    }

    /** CF as 0 or 1 (carry-in of ADC/SBB, CF kept by INC/DEC). */
    static int carry(int op, int sz, int a, int b, int res, int cf, int eflags) {
        int m = Semantics.mask(sz);
        switch (op) {
            case L_NONE: return eflags & CF;
            case L_ADD: return below(res & m, a & m);
            case L_ADC: return cf != 0 ? 1 - below(a & m, res & m) : below(res & m, a & m);
            case L_SUB: return below(a & m, b & m);
            case L_SBB: return cf != 0 ? 1 - below(b & m, a & m) : below(a & m, b & m);
            case L_LOGIC: return 0;
            case L_INC: case L_DEC: return cf;
            default: return cf & 1;
        }
    }

    static boolean cf(int op, int sz, int a, int b, int res, int cf, int eflags) {
        return carry(op, sz, a, b, res, cf, eflags) != 0;
    }

    static boolean zf(int op, int sz, int res, int eflags) {
        return op == L_NONE ? (eflags & ZF) != 0 : (res & Semantics.mask(sz)) == 0;
    }

    static boolean sf(int op, int sz, int res, int eflags) {
        return op == L_NONE ? (eflags & SF) != 0 : (res & Semantics.sign(sz)) != 0;
    }

    static boolean pf(int op, int res, int eflags) {
        return op == L_NONE ? (eflags & PF) != 0 : (Integer.bitCount(res & 0xFF) & 1) == 0;
    }

    static boolean of(int op, int sz, int a, int b, int res, int cf, int eflags) {
        int s = Semantics.sign(sz);
        switch (op) {
            case L_NONE: return (eflags & OF) != 0;
            case L_ADD: case L_ADC: case L_INC: return ((a ^ res) & (b ^ res) & s) != 0;
            case L_SUB: case L_SBB: case L_DEC: return ((a ^ b) & (a ^ res) & s) != 0;
            case L_LOGIC: return false;
            default: return (cf & 2) != 0;
        }
    }

    static boolean af(int op, int a, int b, int res, int cf, int eflags) {
        switch (op) {
            case L_NONE: return (eflags & AF) != 0;
            case L_LOGIC: return false;
            case L_SZP: return (cf & 4) != 0;
            default: return ((a ^ b ^ res) & 0x10) != 0;
        }
    }

    // ---- rotates: ROL/ROR change only CF and OF ----

    /**
     * Whether a rotate's flags can stay lazy after a record of kind {@code op}: a logic or
     * shift/multiply record, whose SF/ZF/PF/AF the rotate keeps, becomes an {@code L_SZP} record
     * with the rotate's CF and OF ({@link #rotatedExtra}); after any other kind the flags are
     * materialised first.
     */
    static boolean rotateStaysLazy(int op) {
        return op == L_LOGIC || op == L_SZP;
    }

    /** The extra word of the {@code L_SZP} record a rotate with flag word {@code flagWord} (CF, OF) leaves after {@code op}. */
    static int rotatedExtra(int op, int extra, int flagWord) {
        return op == L_SZP ? (extra & 4) | flagWord : flagWord;
    }

    // ---- condition codes (the low nibble of Jcc, SETcc, CMOVcc; SDM Vol. 2, Jcc) ----

    /** The flags condition {@code cc} tests, by {@code cc >> 1}: O, B, Z, BE, S, P, L, LE. */
    private static final int[] CC_READS = {OF, CF, ZF, CF | ZF, SF, PF, SF | OF, ZF | SF | OF};

    /** The EFLAGS bits condition {@code cc} reads. */
    static int reads(int cc) {
        return CC_READS[(cc >> 1) & 7];
    }

    /**
     * Condition {@code cc} of materialised flags: the one condition table. A flag {@code cc}
     * does not read ({@link #reads}) may be passed as anything.
     */
    static boolean test(int cc, boolean of, boolean cf, boolean zf, boolean sf, boolean pf) {
        boolean v;
        switch ((cc >> 1) & 7) {
            case 0: v = of; break;
            case 1: v = cf; break;
            case 2: v = zf; break;
            case 3: v = cf | zf; break;
            case 4: v = sf; break;
            case 5: v = pf; break;
            case 6: v = sf != of; break;
            default: v = zf | sf != of; break;
        }
        return v != ((cc & 1) != 0);
    }

    // relations of a compare x REL y, for the shortcuts below and for code generators
    static final int EQ = 0, NE = 1, LT = 2, GE = 3, LE = 4, GT = 5, UNSIGNED = 8;

    /** Condition {@code cc} after CMP x, y (32-bit) as a relation of x and y; -1: not a relation (O, NO, S, NS, P, NP). */
    private static final int[] RELATION = {-1, -1, LT | UNSIGNED, GE | UNSIGNED, EQ, NE, LE | UNSIGNED, GT | UNSIGNED,
        -1, -1, -1, -1, LT, GE, LE, GT};

    /** The relation ({@link #EQ} ... {@link #GT}, with {@link #UNSIGNED}) condition {@code cc} is after CMP x, y; -1 if none. */
    static int relation(int cc) {
        return RELATION[cc & 15];
    }

    /** Whether condition {@code cc} after a 32-bit SUB/CMP of {@code a} and {@code b} is a relation of the two. */
    static boolean byCompare(int cc) {
        return relation(cc) >= 0;
    }

    /** Condition {@code cc} ({@link #byCompare}) after a 32-bit SUB/CMP {@code a - b}: {@link #test} of its flags. */
    static boolean compare32(int cc, int a, int b) {
        int rel = relation(cc);
        if ((rel & UNSIGNED) != 0) {
            a ^= Integer.MIN_VALUE;
            b ^= Integer.MIN_VALUE;
        }
        switch (rel & 7) {
            case EQ: return a == b;
            case NE: return a != b;
            case LT: return a < b;
            case GE: return a >= b;
            case LE: return a <= b;
            default: return a > b;
        }
    }

    /**
     * The condition of CMP res, 0 that equals condition {@code cc} after a 32-bit producer of
     * kind {@code op} (not {@code L_NONE}) with result res, or -1. ZF and SF depend on the result
     * alone for every kind: E/NE are that compare's E/NE, S/NS its L/GE (a compare with 0 does
     * not overflow). After a logic operation CF = OF = 0 as after CMP res, 0, so every relation
     * condition is that compare's.
     */
    static int againstZero(int cc, int op) {
        if (op == L_LOGIC && byCompare(cc)) return cc;
        switch (cc) {
            case 4: case 5: return cc;
            case 8: return 0xC;
            case 9: return 0xD;
            default: return -1;
        }
    }

    /** Condition {@code cc} of the flag state: each flag it reads by its lazy rule, then {@link #test}. */
    static boolean cond(int cc, int op, int sz, int a, int b, int res, int cf, int eflags) {
        if (op == L_SUB && sz == 2 && byCompare(cc)) return compare32(cc, a, b);
        if (sz == 2 && op != L_NONE) {
            int z = againstZero(cc, op);
            if (z >= 0) return compare32(z, res, 0);
        }
        int r = reads(cc);
        return test(cc, (r & OF) != 0 && of(op, sz, a, b, res, cf, eflags),
                (r & CF) != 0 && cf(op, sz, a, b, res, cf, eflags), (r & ZF) != 0 && zf(op, sz, res, eflags),
                (r & SF) != 0 && sf(op, sz, res, eflags), (r & PF) != 0 && pf(op, res, eflags));
    }
}
