package org.oxen.x86.cpu.fpu;

import static org.oxen.x86.cpu.fpu.X87State.C0;
import static org.oxen.x86.cpu.fpu.X87State.C1;
import static org.oxen.x86.cpu.fpu.X87State.C2;
import static org.oxen.x86.cpu.fpu.X87State.C3;

/**
 * x87 basic arithmetic: FADD/FSUB/FSUBR/FMUL/FDIV/FDIVR with register and memory operands (and
 * their popping forms), FSQRT, FRNDINT, FSCALE, FXTRACT, FPREM and FPREM1.
 *
 * <p>Contract: static methods over an {@link X87State}, called by {@link X87}'s decoder. The
 * computation itself is {@link Fp80}'s (true 80-bit extended precision under the current precision
 * and rounding control); these methods apply the x87 rules around it: an empty operand is a stack
 * underflow (masked: the default NaN), an unmasked invalid/denormal/zero-divide exception leaves the
 * registers and TOP unchanged, everything else stores the result and records the flags.
 */
final class X87Arith {
    private X87Arith() {
    }

    /** ST(0) = ST(0) op memory operand (reg field op), or compare. */
    static void arithWithMem(X87State s, int reg, int bSe, long bM, int loadExc) {
        if (reg == 2 || reg == 3) {
            X87Compare.compareSt0(s, bSe, bM, loadExc, false, reg == 3 ? 1 : 0);
            return;
        }
        if (s.empty(0)) {
            if (s.underflow()) {
                s.setSt(0, Fp80.INDEF_SE, Fp80.INDEF_M);
            }
            return;
        }
        compute(s, reg, s.stSe(0), s.stM(0), bSe, bM, loadExc);
        Fp80 m = s.m;
        if (!s.raise(m.exc)) {
            s.setSt(0, m.rse, m.rm);
        }
    }

    /** ST(dst) = ST(dst) op ST(src); pops if requested. */
    static void arithReg(X87State s, int dst, int src, int op, boolean popAfter) {
        if (s.empty(dst) || s.empty(src)) {
            if (s.underflow()) {
                s.setSt(dst, Fp80.INDEF_SE, Fp80.INDEF_M);
                if (popAfter) {
                    s.pop();
                }
            }
            return;
        }
        compute(s, op, s.stSe(dst), s.stM(dst), s.stSe(src), s.stM(src), 0);
        Fp80 m = s.m;
        if (s.raise(m.exc)) {
            return;
        }
        s.setSt(dst, m.rse, m.rm);
        if (popAfter) {
            s.pop();
        }
    }

    /** dest op src into m.rse/m.rm; op: 0 add, 1 mul, 4 sub, 5 subr, 6 div, 7 divr. */
    private static void compute(X87State s, int op, int aSe, long aM, int bSe, long bM, int extraExc) {
        Fp80 m = s.m;
        m.begin(s.fcw);
        m.loadDenormal = (extraExc & Fp80.DE) != 0;
        switch (op) {
            case 0:
                Fp80Arith.add(m, aSe, aM, bSe, bM, false);
                break;
            case 1:
                Fp80Arith.mul(m, aSe, aM, bSe, bM);
                break;
            case 4:
                Fp80Arith.add(m, aSe, aM, bSe, bM, true);
                break;
            case 5:
                Fp80Arith.add(m, bSe, bM, aSe, aM, true);
                break;
            case 6:
                Fp80Arith.div(m, aSe, aM, bSe, bM);
                break;
            default:
                Fp80Arith.div(m, bSe, bM, aSe, aM);
                break;
        }
    }

    /** FSQRT. */
    static void sqrt(X87State s) {
        if (s.empty(0)) {
            if (s.underflow()) {
                s.setSt(0, Fp80.INDEF_SE, Fp80.INDEF_M);
            }
            return;
        }
        Fp80 m = s.m;
        m.begin(s.fcw);
        Fp80Arith.sqrt(m, s.stSe(0), s.stM(0));
        if (!s.raise(m.exc)) {
            s.setSt(0, m.rse, m.rm);
        }
    }

    /** FRNDINT. */
    static void roundInt(X87State s) {
        if (s.empty(0)) {
            if (s.underflow()) {
                s.setSt(0, Fp80.INDEF_SE, Fp80.INDEF_M);
            }
            return;
        }
        Fp80 m = s.m;
        m.begin(s.fcw);
        Fp80Arith.roundInt(m, s.stSe(0), s.stM(0));
        if (!s.raise(m.exc)) {
            s.setSt(0, m.rse, m.rm);
        }
    }

    /** FSCALE: ST(0) = ST(0) * 2^trunc(ST(1)). */
    static void scale(X87State s) {
        if (s.empty(0) || s.empty(1)) {
            if (s.underflow()) {
                s.setSt(0, Fp80.INDEF_SE, Fp80.INDEF_M);
            }
            return;
        }
        Fp80 m = s.m;
        m.begin(s.fcw);
        Fp80Arith.scale(m, s.stSe(0), s.stM(0), s.stSe(1), s.stM(1));
        if (!s.raise(m.exc)) {
            s.setSt(0, m.rse, m.rm);
        }
    }

    /** FXTRACT: ST(0) = exponent, then push the significand. */
    static void fxtract(X87State s) {
        if (s.empty(0)) {
            if (s.underflow()) {
                s.setSt(0, Fp80.INDEF_SE, Fp80.INDEF_M);
                s.push(Fp80.INDEF_SE, Fp80.INDEF_M);
            }
            return;
        }
        if ((s.valid & (1 << ((s.top - 1) & 7))) != 0) {
            if (!s.raise(Fp80.IE | Fp80.SF | C1)) {
                s.setSt(0, Fp80.INDEF_SE, Fp80.INDEF_M);
                s.push(Fp80.INDEF_SE, Fp80.INDEF_M);
            }
            return;
        }
        int se = s.stSe(0);
        long mm = s.stM(0);
        int c = Fp80.classify(se, mm);
        int expSe, sigSe;
        long expM, sigM;
        int exc = 0;
        switch (c) {
            case Fp80.ZERO:
                exc = Fp80.ZE;
                expSe = 0xffff;
                expM = Fp80.INT_BIT;
                sigSe = se;
                sigM = 0;
                break;
            case Fp80.INF:
                expSe = 0x7fff;
                expM = Fp80.INT_BIT;
                sigSe = se;
                sigM = mm;
                break;
            case Fp80.QNAN:
            case Fp80.SNAN:
                exc = c == Fp80.SNAN ? Fp80.IE : 0;
                expSe = sigSe = se;
                expM = sigM = mm | Fp80.QUIET_BIT;
                break;
            case Fp80.UNSUPPORTED:
                exc = Fp80.IE;
                expSe = sigSe = Fp80.INDEF_SE;
                expM = sigM = Fp80.INDEF_M;
                break;
            default: {
                if (c == Fp80.DENORMAL) {
                    exc = Fp80.DE;
                }
                Fp80 m = s.m;
                m.begin(s.fcw);
                int e = Fp80Convert.exponentOf(m, se, mm);
                sigM = Fp80Convert.significandOf(m, se, mm);
                sigSe = (se & 0x8000) | Fp80.BIAS;
                Fp80Convert.fromInt(m, e);
                expSe = m.rse;
                expM = m.rm;
            }
        }
        if (s.raise(exc & ~C1)) {
            return;
        }
        s.fsw &= ~C1;
        s.setSt(0, expSe, expM);
        s.push(sigSe, sigM);
    }

    /** FPREM (ieee false: truncating quotient) and FPREM1 (ieee true: round-to-nearest quotient). */
    static void fprem(X87State s, boolean ieee) {
        if (s.empty(0) || s.empty(1)) {
            s.fsw &= ~C2;
            if (s.underflow()) {
                s.setSt(0, Fp80.INDEF_SE, Fp80.INDEF_M);
            }
            return;
        }
        Fp80 m = s.m;
        m.begin(s.fcw);
        m.rc = 0;
        Fp80Arith.rem(m, s.stSe(0), s.stM(0), s.stSe(1), s.stM(1), ieee);
        int exc = m.exc & ~(C1 | Fp80.PE);
        s.fsw &= ~C2;
        if (s.raise(exc)) {
            return;
        }
        int q = m.quotientBits;
        s.fsw &= ~(C1 | C2);
        if (m.partial) {
            s.fsw &= ~(C0 | C3);
            s.fsw |= C2;
        } else if (q >= 0) {
            s.fsw &= ~(C0 | C3);
            s.fsw |= ((q & 4) != 0 ? C0 : 0) | ((q & 2) != 0 ? C3 : 0) | ((q & 1) != 0 ? C1 : 0);
        }
        s.setSt(0, m.rse, m.rm);
    }
}
