package org.oxen.x86.cpu.fpu;

import java.math.BigInteger;
import static org.oxen.x86.cpu.fpu.Fp80.BIAS;
import static org.oxen.x86.cpu.fpu.Fp80.C1;
import static org.oxen.x86.cpu.fpu.Fp80.DE;
import static org.oxen.x86.cpu.fpu.Fp80.DENORMAL;
import static org.oxen.x86.cpu.fpu.Fp80.IE;
import static org.oxen.x86.cpu.fpu.Fp80.INF;
import static org.oxen.x86.cpu.fpu.Fp80.INT_BIT;
import static org.oxen.x86.cpu.fpu.Fp80.PE;
import static org.oxen.x86.cpu.fpu.Fp80.QUIET_BIT;
import static org.oxen.x86.cpu.fpu.Fp80.SNAN;
import static org.oxen.x86.cpu.fpu.Fp80.UNSUPPORTED;
import static org.oxen.x86.cpu.fpu.Fp80.ZE;
import static org.oxen.x86.cpu.fpu.Fp80.ZERO;
import static org.oxen.x86.cpu.fpu.Fp80.classify;
import static org.oxen.x86.cpu.fpu.Fp80.isNaN;

/**
 * Arithmetic in the x87 80-bit extended format: add/subtract, multiply, divide, square root,
 * round to integer (FRNDINT), scale (FSCALE) and the partial remainders (FPREM/FPREM1).
 *
 * <p>Contract: static methods over one {@link Fp80} unit, which the caller has prepared with
 * {@link Fp80#begin}. Operands are (se, m) pairs; each method handles NaNs, infinities, zeros and
 * unsupported encodings itself, computes an exact or sticky-jammed 128-bit significand for the
 * rest and hands it to {@link Fp80#round}. The result is in fp.rse/fp.rm, the exceptions in
 * fp.exc (C1 = rounded up). Allocates nothing except in {@link #rem} (BigInteger).
 */
final class Fp80Arith {
    private Fp80Arith() {
    }

    /** a + b (sub: a - b). */
    static void add(Fp80 fp, int aSe, long aM, int bSe, long bM, boolean sub) {
        int ca = classify(aSe, aM), cb = classify(bSe, bM);
        if (fp.nanOperands(ca, aSe, aM, cb, bSe, bM)) {
            return;
        }
        if (sub) {
            bSe ^= 0x8000;
        }
        int sa = (aSe >> 15) & 1, sb = (bSe >> 15) & 1;
        if (ca == INF || cb == INF) {
            if (ca == INF && cb == INF) {
                if (sa != sb) {
                    fp.defaultNaN();
                } else {
                    fp.setResult(aSe, aM);
                }
            } else {
                fp.denormalCheck(ca, cb);
                if (ca == INF) {
                    fp.setResult(aSe, aM);
                } else {
                    fp.setResult(bSe, bM);
                }
            }
            return;
        }
        fp.denormalCheck(ca, cb);
        if (ca == ZERO && cb == ZERO) {
            int s = sa == sb ? sa : (fp.rc == 1 ? 1 : 0);
            fp.setResult(s << 15, 0);
            return;
        }
        if (ca == ZERO || cb == ZERO) {
            // x + 0 = x, rounded to the current precision
            if (ca == ZERO) {
                fp.unpackA(bSe, bM);
            } else {
                fp.unpackA(aSe, aM);
            }
            fp.round(fp.as, fp.ae, fp.am, 0, fp.pc, true);
            return;
        }
        fp.unpackA(aSe, aM);
        fp.unpackB(bSe, bM);
        // make a the operand with the larger magnitude exponent
        if (fp.be > fp.ae || (fp.be == fp.ae && Long.compareUnsigned(fp.bm, fp.am) > 0)) {
            int ts = fp.as; fp.as = fp.bs; fp.bs = ts;
            int te = fp.ae; fp.ae = fp.be; fp.be = te;
            long tm = fp.am; fp.am = fp.bm; fp.bm = tm;
        }
        int d = fp.ae - fp.be;
        fp.shr128(fp.bm, 0, d);
        long bh = fp.sHi, bl = fp.sLo;
        long hi, lo;
        int e = fp.ae;
        if (fp.as == fp.bs) {
            lo = bl;
            hi = fp.am + bh;
            if (Long.compareUnsigned(hi, fp.am) < 0) { // carry out
                fp.shr128(hi, lo, 1);
                hi = fp.sHi | INT_BIT;
                lo = fp.sLo;
                e++;
            }
        } else {
            lo = -bl;
            hi = fp.am - bh - (bl != 0 ? 1 : 0);
            if (hi == 0 && lo == 0) {
                fp.setResult((fp.rc == 1 ? 1 : 0) << 15, 0);
                return;
            }
            int lz = hi != 0 ? Long.numberOfLeadingZeros(hi) : 64 + Long.numberOfLeadingZeros(lo);
            if (lz >= 64) {
                hi = lo << (lz - 64);
                lo = 0;
            } else if (lz > 0) {
                hi = (hi << lz) | (lo >>> (64 - lz));
                lo = lo << lz;
            }
            e -= lz;
        }
        fp.round(fp.as, e, hi, lo, fp.pc, true);
    }

    static void mul(Fp80 fp, int aSe, long aM, int bSe, long bM) {
        int ca = classify(aSe, aM), cb = classify(bSe, bM);
        if (fp.nanOperands(ca, aSe, aM, cb, bSe, bM)) {
            return;
        }
        int s = ((aSe ^ bSe) >> 15) & 1;
        if (ca == INF || cb == INF) {
            if (ca == ZERO || cb == ZERO) {
                fp.defaultNaN();
            } else {
                fp.denormalCheck(ca, cb);
                fp.setResult(s << 15 | 0x7fff, INT_BIT);
            }
            return;
        }
        fp.denormalCheck(ca, cb);
        if (ca == ZERO || cb == ZERO) {
            fp.setResult(s << 15, 0);
            return;
        }
        fp.unpackA(aSe, aM);
        fp.unpackB(bSe, bM);
        long lo = fp.am * fp.bm;
        long hi = Math.multiplyHigh(fp.am, fp.bm) + ((fp.am >> 63) & fp.bm) + ((fp.bm >> 63) & fp.am);
        int e = fp.ae + fp.be + 1;
        if (hi >= 0) {
            hi = (hi << 1) | (lo >>> 63);
            lo <<= 1;
            e--;
        }
        fp.round(s, e, hi, lo, fp.pc, true);
    }

    static void div(Fp80 fp, int aSe, long aM, int bSe, long bM) {
        int ca = classify(aSe, aM), cb = classify(bSe, bM);
        if (fp.nanOperands(ca, aSe, aM, cb, bSe, bM)) {
            return;
        }
        int s = ((aSe ^ bSe) >> 15) & 1;
        if (ca == INF) {
            if (cb == INF) {
                fp.defaultNaN();
            } else {
                fp.denormalCheck(ca, cb);
                fp.setResult(s << 15 | 0x7fff, INT_BIT);
            }
            return;
        }
        if (cb == INF) {
            fp.denormalCheck(ca, cb);
            fp.setResult(s << 15, 0);
            return;
        }
        if (cb == ZERO) {
            if (ca == ZERO) {
                fp.defaultNaN();
            } else {
                fp.exc |= ZE; // no denormal-operand report for x / 0
                fp.setResult(s << 15 | 0x7fff, INT_BIT);
            }
            return;
        }
        fp.denormalCheck(ca, cb);
        if (ca == ZERO) {
            fp.setResult(s << 15, 0);
            return;
        }
        fp.unpackA(aSe, aM);
        fp.unpackB(bSe, bM);
        int e = fp.ae - fp.be;
        long r = fp.am;
        boolean carry = false;
        if (Long.compareUnsigned(fp.am, fp.bm) < 0) {
            e--;
            carry = r < 0;
            r <<= 1;
        }
        long hi = 0, lo = 0;
        for (int i = 0; i < 66; i++) {
            int bit = 0;
            if (carry || Long.compareUnsigned(r, fp.bm) >= 0) {
                r -= fp.bm;
                bit = 1;
            }
            if (i < 64) {
                hi = (hi << 1) | bit;
            } else {
                lo |= (long) bit << (127 - i);
            }
            carry = r < 0;
            r <<= 1;
        }
        if (r != 0 || carry) {
            lo |= 1;
        }
        fp.round(s, e, hi, lo, fp.pc, true);
    }

    static void sqrt(Fp80 fp, int aSe, long aM) {
        int ca = classify(aSe, aM);
        if (ca == UNSUPPORTED) {
            fp.defaultNaN();
            return;
        }
        if (isNaN(ca)) {
            if (ca == SNAN) {
                fp.exc |= IE;
            }
            fp.setResult(aSe, aM | QUIET_BIT);
            return;
        }
        if (ca == ZERO) {
            fp.setResult(aSe, aM);
            return;
        }
        if ((aSe & 0x8000) != 0) {
            fp.defaultNaN();
            return;
        }
        if (ca == INF) {
            fp.setResult(aSe, aM);
            return;
        }
        if (ca == DENORMAL) {
            fp.exc |= DE;
        }
        fp.unpackA(aSe, aM);
        // value = R * 2^u with u even; R = m or 2m (65 bits)
        int u = fp.ae - 63;
        long rHi = 0, rLo = fp.am;
        if ((u & 1) != 0) {
            rHi = fp.am >>> 63;
            rLo = fp.am << 1;
            u--;
        }
        // digit-by-digit square root of N = R * 2^68: root = floor(sqrt(R) * 2^34), 66-67 bits
        long remHi = 0, remLo = 0, rootHi = 0, rootLo = 0;
        for (int pair = 66; pair >= 0; pair--) {
            int p = 2 * pair - 68; // R bit index of the pair's low bit
            int two = (rBit(rHi, rLo, p + 1) << 1) | rBit(rHi, rLo, p);
            remHi = (remHi << 2) | (remLo >>> 62);
            remLo = (remLo << 2) | two;
            long tHi = (rootHi << 2) | (rootLo >>> 62);
            long tLo = (rootLo << 2) | 1;
            rootHi = (rootHi << 1) | (rootLo >>> 63);
            rootLo <<= 1;
            if (remHi > tHi || (remHi == tHi && Long.compareUnsigned(remLo, tLo) >= 0)) {
                long borrow = Long.compareUnsigned(remLo, tLo) < 0 ? 1 : 0;
                remLo -= tLo;
                remHi = remHi - tHi - borrow;
                rootLo |= 1;
            }
        }
        int len = 64 + 64 - Long.numberOfLeadingZeros(rootHi); // rootHi != 0: the root has >= 66 bits
        int shift = 128 - len;
        long hi = (rootHi << shift) | (rootLo >>> (64 - shift));
        long lo = rootLo << shift;
        if ((remHi | remLo) != 0) {
            lo |= 1;
        }
        fp.round(0, u / 2 - 34 - shift + 127, hi, lo, fp.pc, true);
    }

    private static int rBit(long hi, long lo, int i) {
        if (i < 0) {
            return 0;
        }
        return (int) (i >= 64 ? (hi >>> (i - 64)) & 1 : (lo >>> i) & 1);
    }

    /** FRNDINT: round to an integral value in the extended format. */
    static void roundInt(Fp80 fp, int se, long m) {
        int c = classify(se, m);
        if (c == UNSUPPORTED) {
            fp.defaultNaN();
            return;
        }
        if (isNaN(c)) {
            if (c == SNAN) {
                fp.exc |= IE;
            }
            fp.setResult(se, m | QUIET_BIT);
            return;
        }
        if (c == ZERO || c == INF) {
            fp.setResult(se, m);
            return;
        }
        if (c == DENORMAL) {
            fp.exc |= DE;
        }
        fp.unpackA(se, m);
        if (fp.ae >= 63) {
            fp.setResult(se, m);
            return;
        }
        long ip, frac;
        if (fp.ae < 0) {
            ip = 0;
            fp.shr128(fp.am, 0, -fp.ae - 1);
            frac = fp.sHi | (fp.sLo != 0 ? 1 : 0);
        } else {
            ip = fp.am >>> (63 - fp.ae);
            frac = fp.am << (fp.ae + 1);
        }
        boolean inexact = frac != 0;
        boolean up;
        switch (fp.rc) {
            case 0:
                up = frac < 0 && (frac != INT_BIT || (ip & 1) != 0);
                break;
            case 1:
                up = inexact && fp.as != 0;
                break;
            case 2:
                up = inexact && fp.as == 0;
                break;
            default:
                up = false;
                break;
        }
        if (up) {
            ip++;
        }
        if (inexact) {
            fp.exc |= PE;
            if (up) {
                fp.exc |= C1;
            }
        }
        if (ip == 0) {
            fp.setResult(fp.as << 15, 0);
            return;
        }
        int lz = Long.numberOfLeadingZeros(ip);
        fp.setResult(fp.as << 15 | (63 - lz + BIAS), ip << lz);
    }

    /** FSCALE: a * 2^trunc(b). */
    static void scale(Fp80 fp, int aSe, long aM, int bSe, long bM) {
        int ca = classify(aSe, aM), cb = classify(bSe, bM);
        if (fp.nanOperands(ca, aSe, aM, cb, bSe, bM)) {
            return;
        }
        int sb = (bSe >> 15) & 1;
        if (cb == INF) {
            if (ca == INF) {
                if (sb != 0) {
                    fp.defaultNaN();
                } else {
                    fp.setResult(aSe, aM);
                }
            } else if (ca == ZERO) {
                if (sb == 0) {
                    fp.defaultNaN();
                } else {
                    fp.setResult(aSe, aM);
                }
            } else {
                fp.denormalCheck(ca, cb);
                if (sb != 0) {
                    fp.setResult(aSe & 0x8000, 0);
                } else {
                    fp.setResult((aSe & 0x8000) | 0x7fff, INT_BIT);
                }
            }
            return;
        }
        fp.denormalCheck(ca, cb);
        if (ca == ZERO || ca == INF) {
            fp.setResult(aSe, aM);
            return;
        }
        long n;
        if (cb == ZERO) {
            n = 0;
        } else {
            fp.unpackB(bSe, bM);
            if (fp.be >= 30) {
                n = sb != 0 ? -(1L << 30) : (1L << 30);
            } else if (fp.be < 0) {
                n = 0;
            } else {
                n = fp.bm >>> (63 - fp.be);
                if (sb != 0) {
                    n = -n;
                }
            }
        }
        fp.unpackA(aSe, aM);
        fp.round(fp.as, (int) (fp.ae + n), fp.am, 0, 64, true);
    }

    static void rem(Fp80 fp, int aSe, long aM, int bSe, long bM, boolean ieee) {
        fp.quotientBits = -1;
        fp.partial = false;
        int ca = classify(aSe, aM), cb = classify(bSe, bM);
        if (fp.nanOperands(ca, aSe, aM, cb, bSe, bM)) {
            return;
        }
        if (ca == INF || cb == ZERO) {
            fp.defaultNaN();
            return;
        }
        fp.quotientBits = 0;
        fp.denormalCheck(ca, cb);
        if (ca == ZERO) {
            fp.setResult(aSe, aM);
            return;
        }
        fp.unpackA(aSe, aM);
        if (cb == INF) {
            fp.round(fp.as, fp.ae, fp.am, 0, 64, true);
            return;
        }
        fp.unpackB(bSe, bM);
        int d = fp.ae - fp.be;
        if (d < 0 && !(ieee && d == -1)) {
            fp.round(fp.as, fp.ae, fp.am, 0, 64, true); // exact; normalizes pseudo-denormals, wraps for unmasked #U
            return;
        }
        BigInteger a = BigInteger.valueOf(fp.am >>> 1).shiftLeft(1).or(BigInteger.valueOf(fp.am & 1));
        BigInteger b = BigInteger.valueOf(fp.bm >>> 1).shiftLeft(1).or(BigInteger.valueOf(fp.bm & 1));
        if (d >= 64) {
            // partial remainder: reduce the exponent by d - n, n in 32..63 (as the x87 does)
            fp.partial = true;
            int n = 32 + (d % 32);
            BigInteger[] qr = a.shiftLeft(n).divideAndRemainder(b);
            fp.quotientBits = qr[0].intValue() & 7;
            pack(fp, fp.as, fp.ae - 63 - n, qr[1]);
            return;
        }
        BigInteger num = d >= 0 ? a.shiftLeft(d) : a;
        BigInteger den = d >= 0 ? b : b.shiftLeft(1);
        BigInteger[] qr = num.divideAndRemainder(den);
        BigInteger q = qr[0];
        BigInteger r = qr[1];
        if (ieee) {
            int cmp = r.shiftLeft(1).compareTo(den);
            if (cmp > 0 || (cmp == 0 && q.testBit(0))) {
                q = q.add(BigInteger.ONE);
                r = r.subtract(den);
            }
        }
        fp.quotientBits = q.intValue() & 7;
        int rs = fp.as;
        if (r.signum() < 0) {
            rs ^= 1;
            r = r.negate();
        }
        if (r.signum() == 0) {
            fp.setResult(fp.as << 15, 0);
            return;
        }
        pack(fp, rs, fp.be - 63 - (d >= 0 ? 0 : 1), r);
    }

    /** Packs sign * r * 2^exp2 exactly (r fits in 64 bits, result is representable). */
    private static void pack(Fp80 fp, int sign, int exp2, BigInteger r) {
        if (r.signum() == 0) {
            fp.setResult(sign << 15, 0);
            return;
        }
        int len = r.bitLength();
        long v = r.shiftLeft(64 - len).longValue();
        int e = exp2 + len - 1;
        fp.round(sign, e, v, 0, 64, true);
    }
}
