package org.oxen.x86.cpu.fpu;

import static org.oxen.x86.cpu.fpu.X87State.C1;

/**
 * x87 data transfer: loads and stores in every memory format (single, double, extended, 16/32/64-bit
 * integer with or without truncation, 18-digit packed BCD), register-to-register moves (FLD ST(i),
 * FST/FSTP ST(i), FXCH, FCMOVcc) and the constant loads (FLD1, FLDL2T, ..., FLDZ).
 *
 * <p>Contract: static methods over an {@link X87State}, called by {@link X87}'s decoder. Memory
 * operands are read completely before any state changes, and stores are written before the
 * status/stack update, so a fault thrown by the {@link FpuHost} leaves the FPU unchanged. A load
 * that signals an unmasked invalid operation changes nothing; an unmasked overflow/underflow on a
 * store to memory writes nothing and reports only that flag.
 */
final class X87LoadStore {
    private X87LoadStore() {
    }

    // ---- loads -----------------------------------------------------------------------------

    /** FLD m32fp. */
    static void fldSingle(X87State s, int seg, int off, FpuHost h) {
        int v = h.read32(seg, off);
        Fp80 m = s.m;
        m.begin(s.fcw);
        Fp80Convert.fromF32(m, v);
        loadPush(s, m.rse, m.rm, m.exc);
    }

    /** FLD m64fp. */
    static void fldDouble(X87State s, int seg, int off, FpuHost h) {
        long v = h.read64(seg, off);
        Fp80 m = s.m;
        m.begin(s.fcw);
        Fp80Convert.fromF64(m, v);
        loadPush(s, m.rse, m.rm, m.exc);
    }

    /** FLD m80fp: pushed unchanged. */
    static void fldExtended(X87State s, int seg, int off, FpuHost h) {
        long lo = h.read64(seg, off);
        int hi = h.read16(seg, off + 8);
        s.pushExact(hi & 0xffff, lo);
    }

    /** FILD m16int/m32int/m64int, the value already read (sign-extended). */
    static void fild(X87State s, long v) {
        Fp80 m = s.m;
        m.begin(s.fcw);
        Fp80Convert.fromInt(m, v);
        s.pushExact(m.rse, m.rm);
    }

    /** FBLD: 18 packed BCD digits and a sign byte. */
    static void fbld(X87State s, int seg, int off, FpuHost h) {
        long lo = h.read64(seg, off);
        int hi = h.read16(seg, off + 8);
        long val = 0;
        for (int i = 8; i >= 0; i--) { // 18 digits, most significant byte (at +8) first
            int b = i == 8 ? hi & 0xff : (int) (lo >>> (8 * i)) & 0xff;
            val = val * 100 + ((b >> 4) & 0xf) * 10 + (b & 0xf);
        }
        Fp80 m = s.m;
        m.begin(s.fcw);
        Fp80Convert.fromInt(m, val);
        int sign = m.rse | ((hi & 0x8000) != 0 ? 0x8000 : 0);
        s.pushExact(sign, m.rm);
    }

    /** Pushes a value loaded from memory; SNaN raise IE and are quieted. */
    private static void loadPush(X87State s, int se, long mm, int exc) {
        if (Fp80.classify(se, mm) == Fp80.SNAN) {
            exc |= Fp80.IE;
            mm |= Fp80.QUIET_BIT;
        }
        if (!s.pushOverflowCheck()) {
            return;
        }
        boolean abort = s.raise(exc & ~C1);
        if (abort && (exc & ~s.fcw & Fp80.IE) != 0) {
            return; // an unmasked SNaN aborts; an unmasked denormal still loads
        }
        s.fsw &= ~C1;
        s.push(se, mm);
    }

    // ---- stores ----------------------------------------------------------------------------

    /** FST/FSTP m32fp. */
    static void fstSingle(X87State s, int seg, int off, FpuHost h, boolean popAfter) {
        if (s.empty(0)) {
            if (!s.underflow()) {
                return;
            }
            h.write32(seg, off, 0xffc00000);
            if (popAfter) {
                s.pop();
            }
            return;
        }
        Fp80 m = s.m;
        m.begin(s.fcw);
        int bits = (int) Fp80Convert.toFloat(m, s.stSe(0), s.stM(0), false);
        if ((m.exc & ~s.fcw & 0x1b) != 0) {
            s.raise(storeAbortFlags(s, m.exc));
            return;
        }
        h.write32(seg, off, bits);
        s.raise(m.exc);
        if (popAfter) {
            s.pop();
        }
    }

    /** FST/FSTP m64fp. */
    static void fstDouble(X87State s, int seg, int off, FpuHost h, boolean popAfter) {
        if (s.empty(0)) {
            if (!s.underflow()) {
                return;
            }
            h.write64(seg, off, 0xfff8000000000000L);
            if (popAfter) {
                s.pop();
            }
            return;
        }
        Fp80 m = s.m;
        m.begin(s.fcw);
        long bits = Fp80Convert.toFloat(m, s.stSe(0), s.stM(0), true);
        if ((m.exc & ~s.fcw & 0x1b) != 0) {
            s.raise(storeAbortFlags(s, m.exc));
            return;
        }
        h.write64(seg, off, bits);
        s.raise(m.exc);
        if (popAfter) {
            s.pop();
        }
    }

    /** FSTP m80fp: stored unchanged. */
    static void fstpExtended(X87State s, int seg, int off, FpuHost h) {
        if (s.empty(0)) {
            if (!s.underflow()) {
                return;
            }
            h.write64(seg, off, Fp80.INDEF_M);
            h.write16(seg, off + 8, Fp80.INDEF_SE);
            s.pop();
            return;
        }
        h.write64(seg, off, s.stM(0));
        h.write16(seg, off + 8, s.stSe(0));
        s.fsw &= ~C1;
        s.pop();
    }

    /** An unmasked overflow/underflow on a store to memory reports only that flag. */
    private static int storeAbortFlags(X87State s, int exc) {
        if ((exc & ~s.fcw & (Fp80.IE | Fp80.DE)) == 0) {
            exc &= ~(Fp80.PE | C1);
        }
        return exc;
    }

    /** FIST/FISTP/FISTTP to a 16-, 32- or 64-bit integer. */
    static void storeInt(X87State s, int seg, int off, FpuHost h, int bits, boolean truncate, boolean popAfter) {
        long v;
        int exc;
        if (s.empty(0)) {
            if (!s.underflow()) {
                return;
            }
            v = 1L << (bits - 1);
            exc = 0;
        } else {
            Fp80 m = s.m;
            m.begin(s.fcw);
            v = Fp80Convert.toInt(m, s.stSe(0), s.stM(0), bits, truncate);
            exc = m.exc;
            if ((exc & ~s.fcw & 0x3f & (Fp80.IE | Fp80.DE)) != 0) {
                s.raise(exc);
                return;
            }
        }
        if (bits == 16) {
            h.write16(seg, off, (int) v);
        } else if (bits == 32) {
            h.write32(seg, off, (int) v);
        } else {
            h.write64(seg, off, v);
        }
        if (!s.empty(0)) {
            s.raise(exc);
        }
        if (popAfter) {
            s.pop();
        }
    }

    /** FBSTP: 18 packed BCD digits, or the BCD indefinite when out of range. */
    static void fbstp(X87State s, int seg, int off, FpuHost h) {
        long lo;
        int hi;
        int exc = 0;
        if (s.empty(0)) {
            if (!s.underflow()) {
                return;
            }
            lo = 0xc000000000000000L;
            hi = 0xffff;
        } else {
            Fp80 m = s.m;
            m.begin(s.fcw);
            long v = Fp80Convert.toInt(m, s.stSe(0), s.stM(0), 64, false);
            exc = m.exc;
            long mag = v < 0 ? -v : v;
            if ((exc & Fp80.IE) != 0 || mag > 999_999_999_999_999_999L || v == Long.MIN_VALUE) {
                exc = (exc | Fp80.IE) & ~(Fp80.PE | C1);
                if ((Fp80.IE & ~s.fcw) != 0) {
                    s.raise(exc);
                    return;
                }
                lo = 0xc000000000000000L;
                hi = 0xffff;
            } else {
                lo = 0;
                for (int i = 0; i < 8; i++) {
                    long d = mag % 100;
                    mag /= 100;
                    lo |= ((d / 10) << 4 | (d % 10)) << (8 * i);
                }
                long d = mag % 100;
                hi = (int) ((d / 10) << 4 | (d % 10));
                if ((s.stSe(0) & 0x8000) != 0) {
                    hi |= 0x8000;
                }
            }
        }
        h.write64(seg, off, lo);
        h.write16(seg, off + 8, hi);
        s.raise(exc);
        s.pop();
    }

    // ---- register moves --------------------------------------------------------------------

    /** FLD ST(i). */
    static void fldReg(X87State s, int i) {
        if (s.empty(i)) {
            if (s.underflow()) {
                s.push(Fp80.INDEF_SE, Fp80.INDEF_M);
            }
            return;
        }
        int se = s.stSe(i);
        long mm = s.stM(i);
        s.pushExact(se, mm);
    }

    /** FST/FSTP ST(i). */
    static void fstReg(X87State s, int i, boolean popAfter) {
        if (s.empty(0)) {
            if (!s.underflow()) {
                return;
            }
            s.setSt(i, Fp80.INDEF_SE, Fp80.INDEF_M);
        } else {
            s.fsw &= ~C1;
            s.setSt(i, s.stSe(0), s.stM(0));
        }
        if (popAfter) {
            s.pop();
        }
    }

    /** FXCH ST(i); an empty operand becomes the default NaN when underflow is masked. */
    static void fxch(X87State s, int i) {
        if (s.empty(0) || s.empty(i)) {
            if (!s.underflow()) {
                return;
            }
            if (s.empty(0)) {
                s.setSt(0, Fp80.INDEF_SE, Fp80.INDEF_M);
            }
            if (s.empty(i)) {
                s.setSt(i, Fp80.INDEF_SE, Fp80.INDEF_M);
            }
        }
        s.fsw &= ~C1;
        int p0 = s.phys(0), pi = s.phys(i);
        int ts = s.se[p0];
        long tm = s.mant[p0];
        s.se[p0] = s.se[pi];
        s.mant[p0] = s.mant[pi];
        s.se[pi] = ts;
        s.mant[pi] = tm;
    }

    /**
     * FCMOVcc ST(0), ST(i). cond: 0 B, 1 E, 2 BE, 3 U; negate for the NB/NE/NBE/NU forms (DB).
     */
    static void fcmov(X87State s, int cond, int i, boolean negate, FpuHost h) {
        int f = h.eflags();
        boolean cf = (f & 1) != 0, pf = (f & 4) != 0, zf = (f & 0x40) != 0;
        boolean take;
        switch (cond) {
            case 0:
                take = cf;
                break;
            case 1:
                take = zf;
                break;
            case 2:
                take = cf || zf;
                break;
            default:
                take = pf;
                break;
        }
        if (negate) {
            take = !take;
        }
        if (s.empty(0) || s.empty(i)) {
            if (s.underflow()) {
                s.setSt(0, Fp80.INDEF_SE, Fp80.INDEF_M);
            }
            return;
        }
        if (take) {
            s.setSt(0, s.stSe(i), s.stM(i));
        }
    }

    // ---- constants -------------------------------------------------------------------------

    // 66-bit-accurate constants: [nearest, down/chop, up] significands
    private static final long[][] CONST_M = {
        {0x8000000000000000L, 0x8000000000000000L, 0x8000000000000000L}, // 1
        {0xd49a784bcd1b8afeL, 0xd49a784bcd1b8afeL, 0xd49a784bcd1b8affL}, // log2(10)
        {0xb8aa3b295c17f0bcL, 0xb8aa3b295c17f0bbL, 0xb8aa3b295c17f0bcL}, // log2(e)
        {0xc90fdaa22168c235L, 0xc90fdaa22168c234L, 0xc90fdaa22168c235L}, // pi
        {0x9a209a84fbcff799L, 0x9a209a84fbcff798L, 0x9a209a84fbcff799L}, // log10(2)
        {0xb17217f7d1cf79acL, 0xb17217f7d1cf79abL, 0xb17217f7d1cf79acL}, // ln(2)
        {0, 0, 0}, // +0
    };
    private static final int[] CONST_E = {0x3fff, 0x4000, 0x3fff, 0x4000, 0x3ffd, 0x3ffe, 0};

    /** D9 E8+rm: FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ (rm 7 is undefined). */
    static void constant(X87State s, int rm, int modrm) {
        if (rm == 7) {
            throw new UnsupportedOperationException("x87: D9 " + Integer.toHexString(modrm));
        }
        int rcm = (s.fcw >> 10) & 3;
        int col = rcm == 0 ? 0 : rcm == 2 ? 2 : 1;
        s.pushExact(CONST_E[rm], CONST_M[rm][col]);
    }
}
