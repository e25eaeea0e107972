package org.oxen.x86.cpu.fpu;

import static org.oxen.x86.cpu.fpu.X87State.C0;
import static org.oxen.x86.cpu.fpu.X87State.C1;
import static org.oxen.x86.cpu.fpu.X87State.C2;
import static org.oxen.x86.cpu.fpu.X87State.C3;

/**
 * x87 comparisons and classification: FCOM/FCOMP/FCOMPP, FUCOM/FUCOMP/FUCOMPP, FICOM and the
 * memory forms (C3/C2/C0 in the status word), FCOMI/FUCOMI and their popping forms (ZF/PF/CF in
 * EFLAGS through {@link FpuHost#setFlagsFromFcomi}), FTST and FXAM.
 *
 * <p>Contract: static methods over an {@link X87State}, called by {@link X87}'s decoder and by
 * {@link X87Arith} for the memory-operand compares. Unordered results set C3 = C2 = C0 = 1
 * (ZF = PF = CF = 1); the ordered compares signal invalid on any NaN, the unordered ones only on
 * a signaling NaN or an unsupported encoding. An unmasked exception skips the pops.
 */
final class X87Compare {
    private X87Compare() {
    }

    /** FCOM family: compares ST(0) with b, sets C3/C2/C0, pops 'pops' times. */
    static void compareSt0(X87State s, int bSe, long bM, int extraExc, boolean unordered, int pops) {
        if (s.empty(0)) {
            boolean masked = s.underflow();
            s.fsw = (s.fsw & ~C1) | C0 | C2 | C3;
            if (masked) {
                for (int i = 0; i < pops; i++) {
                    s.pop();
                }
            }
            return;
        }
        int res = compareValues(s, s.stSe(0), s.stM(0), bSe, bM, unordered);
        int exc = ((res == 2 ? extraExc & ~Fp80.DE : extraExc) | s.cmpExc) & ~C1;
        boolean abort = s.raise(exc);
        s.fsw &= ~(C0 | C2 | C3 | C1);
        s.fsw |= res == 0 ? C3 : res < 0 ? C0 : res == 1 ? 0 : (C0 | C2 | C3);
        if (abort) {
            return;
        }
        for (int i = 0; i < pops; i++) {
            s.pop();
        }
    }

    /** Returns -1, 0, 1, or 2 for unordered; exceptions in s.cmpExc. */
    static int compareValues(X87State s, int aSe, long aM, int bSe, long bM, boolean unordered) {
        int ca = Fp80.classify(aSe, aM), cb = Fp80.classify(bSe, bM);
        s.cmpExc = 0;
        if (Fp80.isNaN(ca) || Fp80.isNaN(cb) || ca == Fp80.UNSUPPORTED || cb == Fp80.UNSUPPORTED) {
            if (!unordered || ca == Fp80.SNAN || cb == Fp80.SNAN || ca == Fp80.UNSUPPORTED
                    || cb == Fp80.UNSUPPORTED) {
                s.cmpExc = Fp80.IE;
            }
            return 2;
        }
        if (ca == Fp80.DENORMAL || cb == Fp80.DENORMAL) {
            s.cmpExc = Fp80.DE;
        }
        return Fp80.compare(aSe, aM, bSe, bM);
    }

    /** FCOM/FUCOM ST(i) and their popping forms: compares ST(0) with ST(i), pops 'pops' times. */
    static void compareReg(X87State s, int i, boolean unordered, int pops) {
        if (s.empty(0) || s.empty(i)) {
            boolean masked = s.underflow();
            s.fsw = (s.fsw & ~C1) | C0 | C2 | C3;
            if (masked) {
                for (int k = 0; k < pops; k++) {
                    s.pop();
                }
            }
            return;
        }
        compareSt0(s, s.stSe(i), s.stM(i), 0, unordered, pops);
    }

    /** FCOMI/FUCOMI/FCOMIP/FUCOMIP ST(i): the result goes to ZF, PF and CF. */
    static void comi(X87State s, int i, boolean unordered, boolean popAfter, FpuHost h) {
        if (s.empty(0) || s.empty(i)) {
            boolean masked = s.underflow();
            s.fsw &= ~C1;
            h.setFlagsFromFcomi(1, 1, 1);
            if (masked && popAfter) {
                s.pop();
            }
            return;
        }
        int res = compareValues(s, s.stSe(0), s.stM(0), s.stSe(i), s.stM(i), unordered);
        int keepC1 = s.fsw & C1;
        boolean abort = s.raise(s.cmpExc);
        s.fsw = (s.fsw & ~C1) | keepC1;
        if (res == 2) {
            h.setFlagsFromFcomi(1, 1, 1);
        } else {
            h.setFlagsFromFcomi(res == 0 ? 1 : 0, 0, res < 0 ? 1 : 0);
        }
        if (abort) {
            return;
        }
        if (popAfter) {
            s.pop();
        }
    }

    /** FTST: compares a non-empty ST(0) with +0. */
    static void ftst(X87State s) {
        compareSt0(s, 0, 0, 0, false, 0);
    }

    /** FXAM: classifies ST(0) (empty included) into C3/C2/C0, its sign into C1. */
    static void fxam(X87State s) {
        int se = s.stSe(0);
        int c1 = (se & 0x8000) != 0 ? C1 : 0;
        int cc;
        if (s.empty(0)) {
            cc = C3 | C0;
        } else {
            switch (Fp80.classify(se, s.stM(0))) {
                case Fp80.ZERO:
                    cc = C3;
                    break;
                case Fp80.DENORMAL:
                    cc = C3 | C2;
                    break;
                case Fp80.NORMAL:
                    cc = C2;
                    break;
                case Fp80.INF:
                    cc = C2 | C0;
                    break;
                case Fp80.QNAN:
                case Fp80.SNAN:
                    cc = C0;
                    break;
                default:
                    cc = 0;
            }
        }
        s.fsw = (s.fsw & ~(C0 | C1 | C2 | C3)) | cc | c1;
    }
}
