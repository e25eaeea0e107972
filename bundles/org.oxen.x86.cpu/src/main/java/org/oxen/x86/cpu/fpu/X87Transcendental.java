package org.oxen.x86.cpu.fpu;

import static org.oxen.x86.cpu.fpu.X87State.C1;
import static org.oxen.x86.cpu.fpu.X87State.C2;

/**
 * x87 transcendental instructions: FSIN, FCOS, FSINCOS, FPTAN, F2XM1 (one operand, ST(0)) and
 * FYL2X, FYL2XP1, FPATAN (two operands, result to ST(1) and pop).
 *
 * <p>Contract: static methods over an {@link X87State}, called by {@link X87}'s decoder. Special
 * operands (zeros, infinities, NaNs, unsupported encodings, out-of-range arguments with C2 set,
 * tiny arguments) are handled exactly as the host x87 does; ordinary results are computed through
 * Java double and are therefore accurate to about 53 bits only (the differential tests compare
 * them with a tolerance). Exceptions and stack faults follow the same rules as the arithmetic.
 */
final class X87Transcendental {
    private X87Transcendental() {
    }

    /** FSIN, FCOS, FSINCOS, FPTAN, F2XM1 (computed through double). */
    static void transcendental1(X87State s, int code) {
        Fp80 m = s.m;
        boolean pushes = code == 2 || code == 11;
        if (s.empty(0)) {
            if (s.underflow()) {
                s.fsw &= ~(C1 | C2);
                s.setSt(0, Fp80.INDEF_SE, Fp80.INDEF_M);
                if (pushes) {
                    s.push(Fp80.INDEF_SE, Fp80.INDEF_M);
                }
            }
            return;
        }
        if (pushes && (s.valid & (1 << ((s.top - 1) & 7))) != 0) {
            if (!s.raise(Fp80.IE | Fp80.SF | C1)) {
                s.setSt(0, Fp80.INDEF_SE, Fp80.INDEF_M);
                s.push(Fp80.INDEF_SE, Fp80.INDEF_M);
            }
            return;
        }
        int se = s.stSe(0);
        long mm = s.stM(0);
        int c = Fp80.classify(se, mm);
        int exc = 0;
        if (c == Fp80.UNSUPPORTED || Fp80.isNaN(c) || (c == Fp80.INF && code != 0)) {
            exc = c == Fp80.QNAN ? 0 : Fp80.IE;
            int rs = c == Fp80.QNAN || c == Fp80.SNAN ? se : Fp80.INDEF_SE;
            long rmm = c == Fp80.QNAN || c == Fp80.SNAN ? mm | Fp80.QUIET_BIT : Fp80.INDEF_M;
            if (s.raise(exc)) {
                return;
            }
            s.fsw &= ~C2;
            s.setSt(0, rs, rmm);
            if (pushes) {
                s.push(rs, rmm);
            }
            return;
        }
        if (code != 0 && c != Fp80.ZERO && (se & 0x7fff) >= Fp80.BIAS + 63) {
            s.fsw |= C2; // out of range: operand unchanged
            return;
        }
        if (c == Fp80.DENORMAL) {
            exc |= Fp80.DE;
        }
        s.fsw &= ~C2;
        if (c == Fp80.ZERO) {
            // sin, tan, 2^x - 1 of a signed zero: the same zero, exactly; cos(0) = 1 (inexact on the x87)
            if (code == 15 || code == 11) {
                exc |= Fp80.PE;
            }
            if (s.raise(exc)) {
                return;
            }
            s.fsw &= ~C1;
            if (code == 15) {
                s.setSt(0, 0x3fff, Fp80.INT_BIT);
            } else {
                s.setSt(0, se, mm);
            }
            if (code == 2) {
                s.push(0x3fff, Fp80.INT_BIT);
            } else if (code == 11) {
                s.push(0x3fff, Fp80.INT_BIT);
            }
            return;
        }
        if (c == Fp80.INF) { // F2XM1 only: 2^-inf - 1 = -1, 2^inf - 1 = inf
            s.fsw &= ~C1;
            s.setSt(0, (se & 0x8000) != 0 ? 0xbfff : 0x7fff, Fp80.INT_BIT);
            return;
        }
        split(s, se, mm);
        boolean neg = (se & 0x8000) != 0;
        if (code == 0 && s.tExp >= 63) {
            // F2XM1 far outside its domain: the host returns the operand (inexact)
            if (s.raise(exc | Fp80.PE)) {
                return;
            }
            s.fsw &= ~C1;
            return;
        }
        if (s.tExp < -40) {
            // tiny arguments: sin x = tan x = x, cos x = 1, 2^x - 1 = x ln 2 (computed in extended precision)
            int rs = se;
            long rmm = mm;
            if (code == 0) {
                m.begin(s.fcw);
                m.pc = 64;
                Fp80Arith.mul(m, se, mm, 0x3ffe, 0xb17217f7d1cf79acL);
                exc |= m.exc & ~C1;
                rs = m.rse;
                rmm = m.rm;
            } else {
                exc |= Fp80.PE;
                if (code != 15 && (se & 0x7fff) == 0) {
                    exc |= Fp80.UE; // a denormal result
                }
            }
            if (s.raise(exc)) {
                return;
            }
            s.fsw &= ~C1;
            if (code == 15) {
                s.setSt(0, 0x3fff, Fp80.INT_BIT);
            } else if (code == 11) {
                s.setSt(0, rs, rmm);
                s.push(0x3fff, Fp80.INT_BIT);
            } else {
                s.setSt(0, rs, rmm);
                if (code == 2) {
                    s.push(0x3fff, Fp80.INT_BIT);
                }
            }
            return;
        }
        double x = (neg ? -1 : 1) * Math.scalb(s.tMant, s.tExp);
        double r1, r2 = 0;
        switch (code) {
            case 0: // F2XM1
                r1 = Math.expm1(x * Math.log(2.0));
                break;
            case 2: // FPTAN
                r1 = Math.tan(x);
                r2 = 1.0;
                break;
            case 11: // FSINCOS: ST1 = sin, ST0 = cos
                r1 = Math.sin(x);
                r2 = Math.cos(x);
                break;
            case 14:
                r1 = Math.sin(x);
                break;
            default:
                r1 = Math.cos(x);
                break;
        }
        exc |= Fp80.PE;
        if (s.raise(exc)) {
            return;
        }
        s.fsw &= ~C1;
        setDouble(s, 0, r1);
        if (pushes) {
            Fp80Convert.fromDouble(m, r2);
            s.push(m.rse, m.rm);
        }
    }

    /** Sets s.tExp and s.tMant: value = +-tMant * 2^tExp, tMant in [1, 2) (53 bits kept). */
    private static void split(X87State s, int se, long mm) {
        Fp80 m = s.m;
        s.tExp = Fp80Convert.exponentOf(m, se, mm);
        s.tMant = (double) (Fp80Convert.significandOf(m, se, mm) >>> 11) * 0x1p-52;
    }

    private static void setDouble(X87State s, int i, double d) {
        Fp80 m = s.m;
        Fp80Convert.fromDouble(m, d);
        s.setSt(i, m.rse, m.rm);
    }

    /** FYL2X (1), FPATAN (3), FYL2XP1 (9): ST1 = f(ST1, ST0), pop. */
    static void transcendental2(X87State s, int code) {
        Fp80 m = s.m;
        if (s.empty(0) || s.empty(1)) {
            if (s.underflow()) {
                s.setSt(1, Fp80.INDEF_SE, Fp80.INDEF_M);
                s.pop();
            }
            return;
        }
        int s0 = s.stSe(0), s1 = s.stSe(1);
        long m0 = s.stM(0), m1 = s.stM(1);
        int c0 = Fp80.classify(s0, m0), c1 = Fp80.classify(s1, m1);
        if (Fp80.isNaN(c0) || Fp80.isNaN(c1) || c0 == Fp80.UNSUPPORTED || c1 == Fp80.UNSUPPORTED) {
            m.begin(s.fcw);
            Fp80Arith.add(m, s1, m1, s0, m0, false); // NaN propagation only
            if (s.raise(m.exc & ~C1)) {
                return;
            }
            s.setSt(1, m.rse, m.rm);
            s.pop();
            return;
        }
        int exc = (c0 == Fp80.DENORMAL || c1 == Fp80.DENORMAL) ? Fp80.DE : 0;
        boolean neg0 = (s0 & 0x8000) != 0;
        m.begin(s.fcw);
        m.pc = 64;
        if (code == 3) { // FPATAN: atan2(ST1, ST0)
            if (c0 != Fp80.ZERO && c0 != Fp80.INF && c1 != Fp80.ZERO && c1 != Fp80.INF) {
                split(s, s1, m1);
                int ey = s.tExp;
                double ym = s.tMant;
                split(s, s0, m0);
                int d = Math.max(-2000, Math.min(2000, ey - s.tExp));
                if (d < -62 && !neg0) {
                    Fp80Arith.div(m, s1, m1, s0, m0); // atan(y/x) = y/x for tiny ratios, in extended precision
                    exc |= m.exc & ~C1;
                } else {
                    double r = Math.atan2(((s1 & 0x8000) != 0 ? -1 : 1) * Math.scalb(ym, d), (neg0 ? -1 : 1) * s.tMant);
                    Fp80Convert.fromDouble(m, r);
                    exc |= Fp80.PE;
                }
            } else {
                double r = Math.atan2(signedUnit(s1, c1), signedUnit(s0, c0));
                Fp80Convert.fromDouble(m, r);
                if (r != 0) {
                    exc |= Fp80.PE;
                }
            }
        } else {
            // FYL2X: ST1 * log2(ST0); FYL2XP1: ST1 * log2(ST0 + 1); the logarithm l, then l * y exactly rounded
            int lSe;
            long lM;
            boolean exact = false;
            if (code == 1 && c0 != Fp80.ZERO && neg0) {
                lSe = Fp80.INDEF_SE;
                lM = Fp80.INDEF_M;
                exc |= Fp80.IE;
            } else if (code == 1 && c0 == Fp80.ZERO) {
                if (c1 == Fp80.ZERO) {
                    exc |= Fp80.IE;
                } else if (c1 != Fp80.INF) {
                    exc = Fp80.ZE; // log2(0) * y: a zero divide, no denormal report
                }
                lSe = 0xffff;
                lM = Fp80.INT_BIT;
                exact = true;
            } else if (c0 == Fp80.INF) {
                if (neg0) {
                    exc |= Fp80.IE;
                }
                lSe = neg0 ? Fp80.INDEF_SE : 0x7fff;
                lM = neg0 ? Fp80.INDEF_M : Fp80.INT_BIT;
                exact = true;
            } else if (code == 9 && c0 == Fp80.ZERO) {
                lSe = s0;
                lM = m0;
                exact = true;
            } else if (code == 9 && neg0 && (s0 & 0x7fff) >= Fp80.BIAS + 63) {
                // far below the domain: the host returns x itself (inexact), or a signed zero for y = 0
                boolean zeroY = c1 == Fp80.ZERO;
                if (s.raise(zeroY ? exc : exc | Fp80.PE)) {
                    return;
                }
                s.fsw &= ~C1;
                if (zeroY) {
                    s.setSt(1, (s0 ^ s1) & 0x8000, 0);
                } else {
                    s.setSt(1, s0, m0);
                }
                s.pop();
                return;
            } else {
                split(s, s0, m0);
                if (code == 1 || s.tExp >= 63) { // log2(x), also log2(1 + x) = log2(x) for huge x
                    exact = code == 1 && Fp80Convert.significandOf(m, s0, m0) == Fp80.INT_BIT; // a power of two
                    double l;
                    if (s.tExp == -1 || s.tExp == 0) {
                        // x in [0.5, 2): x - 1 is exact, log1p avoids the cancellation of e + log2(m)
                        l = Math.log1p(Math.scalb(s.tMant, s.tExp) - 1) / Math.log(2.0);
                    } else {
                        l = s.tExp + Math.log(s.tMant) / Math.log(2.0);
                    }
                    Fp80Convert.fromDouble(m, l);
                    lSe = m.rse;
                    lM = m.rm;
                } else if (s.tExp < -60) {
                    m.begin(s.fcw);
                    m.pc = 64;
                    Fp80Arith.mul(m, s0, m0, 0x3fff, 0xb8aa3b295c17f0bcL); // log2(1 + x) = x log2(e) for tiny x
                    lSe = m.rse;
                    lM = m.rm;
                } else {
                    double x = (neg0 ? -1 : 1) * Math.scalb(s.tMant, s.tExp);
                    if (x <= -1) {
                        exc |= Fp80.IE;
                        lSe = Fp80.INDEF_SE;
                        lM = Fp80.INDEF_M;
                    } else {
                        Fp80Convert.fromDouble(m, Math.log1p(x) / Math.log(2.0));
                        lSe = m.rse;
                        lM = m.rm;
                    }
                }
            }
            if ((exc & Fp80.IE) == 0) {
                m.begin(s.fcw);
                m.pc = 64;
                Fp80Arith.mul(m, lSe, lM, s1, m1);
                exc |= m.exc & ~(C1 | (code == 1 && c0 == Fp80.ZERO ? Fp80.DE : 0));
                if (!exact && (m.exc & Fp80.IE) == 0) {
                    exc |= Fp80.PE;
                }
            } else {
                m.begin(s.fcw);
                Fp80Arith.mul(m, Fp80.INDEF_SE, Fp80.INDEF_M, 0x3fff, Fp80.INT_BIT);
            }
        }
        if ((exc & Fp80.IE) != 0) {
            exc &= ~(Fp80.DE | Fp80.PE); // an invalid operation reports nothing else
        }
        if (s.raise(exc)) {
            return;
        }
        s.fsw &= ~C1;
        s.setSt(1, m.rse, m.rm);
        s.pop();
    }

    /** For FPATAN with a zero or infinite operand: the value, or +-1 for a finite nonzero one. */
    private static double signedUnit(int se, int cls) {
        double sign = (se & 0x8000) != 0 ? -1 : 1;
        if (cls == Fp80.ZERO) {
            return sign * 0.0;
        }
        if (cls == Fp80.INF) {
            return sign * Double.POSITIVE_INFINITY;
        }
        return sign;
    }
}
