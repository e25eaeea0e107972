package org.oxen.x86.cpu.fpu;

import java.math.BigInteger;

/**
 * Software IEEE arithmetic in the x87 80-bit extended format.
 *
 * <p>Design: a value is a pair (se, m): se = sign bit 15 and biased exponent bits 14..0
 * (bias 16383), m = the 64-bit significand with the explicit integer bit 63. Every operation
 * works on unpacked operands (sign, unbiased exponent e, normalized significand) where the value
 * is m * 2^(e-63), computes an exact or sticky-jammed 128-bit significand, and hands it to
 * {@link #round} which applies the precision control (24, 53 or 64 bits), the rounding control,
 * denormalization, overflow and underflow exactly as the x87 does. Results go to {@link #rse} and
 * {@link #rm}; exceptions accumulate in {@link #exc} (x87 status-word bit positions; C1 in bit 9
 * means "rounded up").
 *
 * <p>One instance belongs to one {@link X87}; it is not thread-safe and allocates nothing except
 * in FPREM/FPREM1 (BigInteger, for exact remainders of any exponent difference).
 */
final class Fp80 {
    static final int IE = 0x01, DE = 0x02, ZE = 0x04, OE = 0x08, UE = 0x10, PE = 0x20, SF = 0x40;
    static final int C1 = 0x200;

    static final int ZERO = 0, DENORMAL = 1, NORMAL = 2, INF = 3, QNAN = 4, SNAN = 5, UNSUPPORTED = 6;

    static final long INT_BIT = 0x8000000000000000L;
    static final long QUIET_BIT = 0x4000000000000000L;
    /** Default NaN ("real indefinite"). */
    static final int INDEF_SE = 0xffff;
    static final long INDEF_M = 0xc000000000000000L;

    static final int BIAS = 16383;
    /** Exponent wrap for unmasked overflow/underflow on register destinations. */
    static final int WRAP = 24576;

    // configuration for the current operation
    int rc;
    int pc = 64;
    boolean oeMasked = true, ueMasked = true;

    // outputs
    int exc;
    int rse;
    long rm;

    // unpacked operands
    private int as, ae, bs, be;
    private long am, bm;
    // 128-bit shift result
    private long sHi, sLo;

    /** The last two-operand operation's result came from a NaN or unsupported operand. */
    boolean nanPath;

    void begin(int fcw) {
        exc = 0;
        nanPath = false;
        loadDenormal = false;
        rc = (fcw >> 10) & 3;
        int p = (fcw >> 8) & 3;
        pc = p == 0 ? 24 : p == 2 ? 53 : 64;
        oeMasked = (fcw & OE) != 0;
        ueMasked = (fcw & UE) != 0;
    }

    static int classify(int se, long m) {
        int e = se & 0x7fff;
        if (e == 0) {
            return m == 0 ? ZERO : DENORMAL;
        }
        if (e == 0x7fff) {
            if (m >= 0) {
                return UNSUPPORTED; // pseudo-infinity / pseudo-NaN
            }
            if (m == INT_BIT) {
                return INF;
            }
            return (m & QUIET_BIT) != 0 ? QNAN : SNAN;
        }
        return m < 0 ? NORMAL : UNSUPPORTED; // unnormal
    }

    static boolean isNaN(int c) {
        return c == QNAN || c == SNAN;
    }

    private void setResult(int se, long m) {
        rse = se;
        rm = m;
    }

    private void defaultNaN() {
        exc |= IE;
        setResult(INDEF_SE, INDEF_M);
    }

    /** Unpacks a finite nonzero operand into (s, e, m) with m normalized. */
    private void unpackA(int se, long m) {
        as = (se >> 15) & 1;
        int e = se & 0x7fff;
        if (e == 0) {
            e = 1;
        }
        int lz = Long.numberOfLeadingZeros(m);
        am = m << lz;
        ae = e - BIAS - lz;
    }

    private void unpackB(int se, long m) {
        bs = (se >> 15) & 1;
        int e = se & 0x7fff;
        if (e == 0) {
            e = 1;
        }
        int lz = Long.numberOfLeadingZeros(m);
        bm = m << lz;
        be = e - BIAS - lz;
    }

    private void shr128(long hi, long lo, int n) {
        if (n <= 0) {
            sHi = hi;
            sLo = lo;
        } else if (n < 64) {
            sLo = (lo >>> n) | (hi << (64 - n)) | ((lo << (64 - n)) != 0 ? 1 : 0);
            sHi = hi >>> n;
        } else if (n == 64) {
            sLo = hi | (lo != 0 ? 1 : 0);
            sHi = 0;
        } else if (n < 128) {
            sLo = (hi >>> (n - 64)) | (((hi << (128 - n)) | lo) != 0 ? 1 : 0);
            sHi = 0;
        } else {
            sLo = (hi | lo) != 0 ? 1 : 0;
            sHi = 0;
        }
    }

    /**
     * Two-operand NaN/unsupported handling shared by the arithmetic operations.
     * @return true if the result was decided here
     */
    private boolean nanOperands(int ca, int aSe, long aM, int cb, int bSe, long bM) {
        nanPath = true;
        if (ca == UNSUPPORTED || cb == UNSUPPORTED) {
            defaultNaN();
            return true;
        }
        boolean na = isNaN(ca), nb = isNaN(cb);
        if (!na && !nb) {
            nanPath = false;
            return false;
        }
        if (ca == SNAN || cb == SNAN) {
            exc |= IE;
        }
        if (na && nb) {
            int c = Long.compareUnsigned(aM & ~QUIET_BIT, bM & ~QUIET_BIT);
            if (ca != cb) {
                c = ca == QNAN ? 1 : -1; // a quiet NaN wins over a signaling one
            } else if (c == 0) {
                c = (aSe & 0x8000) == 0 ? 1 : -1; // equal significands: the positive one (host)
            }
            if (c >= 0) {
                setResult(aSe, aM | QUIET_BIT);
            } else {
                setResult(bSe, bM | QUIET_BIT);
            }
        } else if (na) {
            setResult(aSe, aM | QUIET_BIT);
        } else {
            setResult(bSe, bM | QUIET_BIT);
        }
        return true;
    }

    /** Set by the caller when an operand was a denormal in its memory format. */
    boolean loadDenormal;

    private void denormalCheck(int ca, int cb) {
        if (ca == DENORMAL || cb == DENORMAL || loadDenormal) {
            exc |= DE;
        }
    }

    /** a + b (sub: a - b). */
    void add(int aSe, long aM, int bSe, long bM, boolean sub) {
        int ca = classify(aSe, aM), cb = classify(bSe, bM);
        if (nanOperands(ca, aSe, aM, cb, bSe, bM)) {
            return;
        }
        if (sub) {
            bSe ^= 0x8000;
        }
        int sa = (aSe >> 15) & 1, sb = (bSe >> 15) & 1;
        if (ca == INF || cb == INF) {
            if (ca == INF && cb == INF) {
                if (sa != sb) {
                    defaultNaN();
                } else {
                    setResult(aSe, aM);
                }
            } else {
                denormalCheck(ca, cb);
                if (ca == INF) {
                    setResult(aSe, aM);
                } else {
                    setResult(bSe, bM);
                }
            }
            return;
        }
        denormalCheck(ca, cb);
        if (ca == ZERO && cb == ZERO) {
            int s = sa == sb ? sa : (rc == 1 ? 1 : 0);
            setResult(s << 15, 0);
            return;
        }
        if (ca == ZERO || cb == ZERO) {
            // x + 0 = x, rounded to the current precision
            if (ca == ZERO) {
                unpackA(bSe, bM);
            } else {
                unpackA(aSe, aM);
            }
            round(as, ae, am, 0, pc, true);
            return;
        }
        unpackA(aSe, aM);
        unpackB(bSe, bM);
        // make a the operand with the larger magnitude exponent
        if (be > ae || (be == ae && Long.compareUnsigned(bm, am) > 0)) {
            int ts = as; as = bs; bs = ts;
            int te = ae; ae = be; be = te;
            long tm = am; am = bm; bm = tm;
        }
        int d = ae - be;
        shr128(bm, 0, d);
        long bh = sHi, bl = sLo;
        long hi, lo;
        int e = ae;
        if (as == bs) {
            lo = bl;
            hi = am + bh;
            if (Long.compareUnsigned(hi, am) < 0) { // carry out
                shr128(hi, lo, 1);
                hi = sHi | INT_BIT;
                lo = sLo;
                e++;
            }
        } else {
            lo = -bl;
            hi = am - bh - (bl != 0 ? 1 : 0);
            if (hi == 0 && lo == 0) {
                setResult((rc == 1 ? 1 : 0) << 15, 0);
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
        round(as, e, hi, lo, pc, true);
    }

    void mul(int aSe, long aM, int bSe, long bM) {
        int ca = classify(aSe, aM), cb = classify(bSe, bM);
        if (nanOperands(ca, aSe, aM, cb, bSe, bM)) {
            return;
        }
        int s = ((aSe ^ bSe) >> 15) & 1;
        if (ca == INF || cb == INF) {
            if (ca == ZERO || cb == ZERO) {
                defaultNaN();
            } else {
                denormalCheck(ca, cb);
                setResult(s << 15 | 0x7fff, INT_BIT);
            }
            return;
        }
        denormalCheck(ca, cb);
        if (ca == ZERO || cb == ZERO) {
            setResult(s << 15, 0);
            return;
        }
        unpackA(aSe, aM);
        unpackB(bSe, bM);
        long lo = am * bm;
        long hi = Math.multiplyHigh(am, bm) + ((am >> 63) & bm) + ((bm >> 63) & am);
        int e = ae + be + 1;
        if (hi >= 0) {
            hi = (hi << 1) | (lo >>> 63);
            lo <<= 1;
            e--;
        }
        round(s, e, hi, lo, pc, true);
    }

    void div(int aSe, long aM, int bSe, long bM) {
        int ca = classify(aSe, aM), cb = classify(bSe, bM);
        if (nanOperands(ca, aSe, aM, cb, bSe, bM)) {
            return;
        }
        int s = ((aSe ^ bSe) >> 15) & 1;
        if (ca == INF) {
            if (cb == INF) {
                defaultNaN();
            } else {
                denormalCheck(ca, cb);
                setResult(s << 15 | 0x7fff, INT_BIT);
            }
            return;
        }
        if (cb == INF) {
            denormalCheck(ca, cb);
            setResult(s << 15, 0);
            return;
        }
        if (cb == ZERO) {
            if (ca == ZERO) {
                defaultNaN();
            } else {
                exc |= ZE; // no denormal-operand report for x / 0
                setResult(s << 15 | 0x7fff, INT_BIT);
            }
            return;
        }
        denormalCheck(ca, cb);
        if (ca == ZERO) {
            setResult(s << 15, 0);
            return;
        }
        unpackA(aSe, aM);
        unpackB(bSe, bM);
        int e = ae - be;
        long r = am;
        boolean carry = false;
        if (Long.compareUnsigned(am, bm) < 0) {
            e--;
            carry = r < 0;
            r <<= 1;
        }
        long hi = 0, lo = 0;
        for (int i = 0; i < 66; i++) {
            int bit = 0;
            if (carry || Long.compareUnsigned(r, bm) >= 0) {
                r -= bm;
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
        round(s, e, hi, lo, pc, true);
    }

    void sqrt(int aSe, long aM) {
        int ca = classify(aSe, aM);
        if (ca == UNSUPPORTED) {
            defaultNaN();
            return;
        }
        if (isNaN(ca)) {
            if (ca == SNAN) {
                exc |= IE;
            }
            setResult(aSe, aM | QUIET_BIT);
            return;
        }
        if (ca == ZERO) {
            setResult(aSe, aM);
            return;
        }
        if ((aSe & 0x8000) != 0) {
            defaultNaN();
            return;
        }
        if (ca == INF) {
            setResult(aSe, aM);
            return;
        }
        if (ca == DENORMAL) {
            exc |= DE;
        }
        unpackA(aSe, aM);
        // value = R * 2^u with u even; R = m or 2m (65 bits)
        int u = ae - 63;
        long rHi = 0, rLo = am;
        if ((u & 1) != 0) {
            rHi = am >>> 63;
            rLo = am << 1;
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
        round(0, u / 2 - 34 - shift + 127, hi, lo, pc, true);
    }

    private static int rBit(long hi, long lo, int i) {
        if (i < 0) {
            return 0;
        }
        return (int) (i >= 64 ? (hi >>> (i - 64)) & 1 : (lo >>> i) & 1);
    }

    /**
     * Rounds sign * (hi + lo/2^64) * 2^(e-63), hi normalized (bit 63 set), to p significant bits
     * in the extended exponent range; result in rse/rm, exceptions in exc.
     * @param regDest the destination is a register (unmasked OE/UE deliver a wrapped exponent)
     */
    void round(int sign, int e, long hi, long lo, int p, boolean regDest) {
        int biased = e + BIAS;
        if (biased <= 0 && !ueMasked && regDest) {
            exc |= UE;
            if (biased + WRAP <= 0) { // beyond the wrap range: signed zero (host behaviour)
                exc |= PE;
                setResult(sign << 15, 0);
                return;
            }
            roundCore(sign, biased + WRAP, hi, lo, p, 0x7fff, false);
            return;
        }
        roundCore(sign, biased, hi, lo, p, 0x7fff, true);
        if (overflowed && !oeMasked && regDest) {
            if (biased - WRAP >= 0x7fff) { // beyond the wrap range: infinity (host behaviour)
                exc |= C1;
                setResult(sign << 15 | 0x7fff, INT_BIT);
                return;
            }
            exc &= ~(C1 | PE); // the wrapped result decides inexactness
            roundCore(sign, biased - WRAP, hi, lo, p, 0x7fff, true);
            exc |= OE;
        }
    }

    private boolean overflowed;
    private int outE;
    private long outM;

    /**
     * Core rounding for any binary format whose significand is held like the extended one
     * (integer bit at 63, p significant bits). maxBiased is the all-ones exponent.
     */
    private void roundCore(int sign, int biased, long hi, long lo, int p, int maxBiased, boolean masked) {
        overflowed = false;
        boolean tiny = false;
        if (biased <= 0) {
            tiny = true;
            shr128(hi, lo, 1 - biased);
            hi = sHi;
            lo = sLo;
            biased = 0;
        }
        int sh = 64 - p;
        long mask = sh == 0 ? 0 : (-1L >>> (64 - sh));
        long rbits = hi & mask;
        boolean inexact = rbits != 0 || lo != 0;
        boolean up;
        switch (rc) {
            case 0:
                if (sh == 0) {
                    up = lo < 0 && (lo != INT_BIT || (hi & 1) != 0);
                } else {
                    long half = 1L << (sh - 1);
                    up = rbits > half || (rbits == half && (lo != 0 || (hi & (1L << sh)) != 0));
                }
                break;
            case 1:
                up = inexact && sign != 0;
                break;
            case 2:
                up = inexact && sign == 0;
                break;
            default:
                up = false;
                break;
        }
        hi &= ~mask;
        if (up) {
            long nh = hi + (1L << sh);
            if (Long.compareUnsigned(nh, hi) < 0) {
                nh = INT_BIT;
                biased++;
            }
            hi = nh;
        }
        if (biased == 0 && hi < 0) {
            biased = 1;
        }
        if (biased >= maxBiased) {
            overflowed = true;
            exc |= OE | PE;
            boolean toInf = rc == 0 || (rc == 1 && sign != 0) || (rc == 2 && sign == 0);
            if (toInf) {
                biased = maxBiased;
                hi = INT_BIT;
                exc |= C1;
            } else {
                biased = maxBiased - 1;
                hi = ~mask;
            }
        } else {
            if (inexact) {
                exc |= PE;
                if (up) {
                    exc |= C1;
                }
                if (tiny) {
                    exc |= UE;
                }
            }
        }
        outE = biased;
        outM = hi;
        rse = sign << 15 | (biased & 0x7fff);
        rm = hi;
    }

    // ---- conversions from memory formats ---------------------------------------------------

    /** Loads an IEEE single; returns its class via exc DE for denormals (SNaN stays signaling). */
    void fromF32(int bits) {
        int s = bits >>> 31;
        int e = (bits >>> 23) & 0xff;
        long f = bits & 0x7fffffL;
        if (e == 0) {
            if (f == 0) {
                setResult(s << 15, 0);
            } else {
                exc |= DE;
                int lz = Long.numberOfLeadingZeros(f);
                setResult(s << 15 | (1 - 127 + BIAS - (lz - 40)), f << lz);
            }
        } else if (e == 0xff) {
            setResult(s << 15 | 0x7fff, INT_BIT | (f << 40));
        } else {
            setResult(s << 15 | (e - 127 + BIAS), INT_BIT | (f << 40));
        }
    }

    void fromF64(long bits) {
        int s = (int) (bits >>> 63);
        int e = (int) ((bits >>> 52) & 0x7ff);
        long f = bits & 0xfffffffffffffL;
        if (e == 0) {
            if (f == 0) {
                setResult(s << 15, 0);
            } else {
                exc |= DE;
                int lz = Long.numberOfLeadingZeros(f);
                setResult(s << 15 | (1 - 1023 + BIAS - (lz - 11)), f << lz);
            }
        } else if (e == 0x7ff) {
            setResult(s << 15 | 0x7fff, INT_BIT | (f << 11));
        } else {
            setResult(s << 15 | (e - 1023 + BIAS), INT_BIT | (f << 11));
        }
    }

    void fromInt(long v) {
        if (v == 0) {
            setResult(0, 0);
            return;
        }
        int s = 0;
        if (v < 0) {
            s = 1;
            v = -v; // Long.MIN_VALUE stays 2^63 as unsigned
        }
        int lz = Long.numberOfLeadingZeros(v);
        setResult(s << 15 | (63 - lz + BIAS), v << lz);
    }

    /** Ext to IEEE single/double bits, rounded by RC; sets stored (false if unmasked abort). */
    long toFloat(int se, long m, boolean dbl) {
        int c = classify(se, m);
        int s = (se >> 15) & 1;
        int fracBits = dbl ? 52 : 23;
        int maxE = dbl ? 0x7ff : 0xff;
        int bias = dbl ? 1023 : 127;
        switch (c) {
            case ZERO:
                return (long) s << (dbl ? 63 : 31);
            case INF:
                return packFloat(s, maxE, 0, dbl);
            case SNAN:
                exc |= IE;
                // fall through
            case QNAN:
                return packFloat(s, maxE, ((m | QUIET_BIT) << 1) >>> (64 - fracBits), dbl);
            case UNSUPPORTED:
                exc |= IE;
                return dbl ? 0xfff8000000000000L : 0xffc00000L;
            default:
                break;
        }
        unpackA(se, m); // no denormal-operand exception on stores (as the host CPU does)
        int biased = ae + bias;
        boolean unmaskedUnder = biased <= 0 && !ueMasked;
        roundCore(as, biased, am, 0, fracBits + 1, maxE, true);
        if (unmaskedUnder) {
            exc |= UE;
        }
        if (overflowed && !oeMasked) {
            exc |= OE;
        }
        return packFloat(as, outE, (outM << 1) >>> (64 - fracBits), dbl);
    }

    private static long packFloat(int s, int e, long frac, boolean dbl) {
        if (dbl) {
            return (long) s << 63 | (long) e << 52 | frac;
        }
        return ((long) s << 31 | (long) e << 23 | frac) & 0xffffffffL;
    }

    /**
     * Ext to a signed integer of the given width, rounded by RC (or truncated); returns the
     * integer indefinite (and IE) when out of range.
     */
    long toInt(int se, long m, int bits, boolean truncate) {
        long indefinite = 1L << (bits - 1);
        int c = classify(se, m);
        if (c == ZERO) {
            return 0;
        }
        if (c == INF || isNaN(c) || c == UNSUPPORTED) {
            exc |= IE;
            return indefinite;
        }
        unpackA(se, m); // FIST raises no denormal-operand exception
        int mode = truncate ? 3 : rc;
        // integer part and fraction (with sticky)
        long ip, frac;
        if (ae >= 64) {
            exc |= IE;
            return indefinite;
        }
        if (ae < 0) {
            ip = 0;
            shr128(am, 0, -ae - 1);
            frac = sHi | (sLo != 0 ? 1 : 0);
        } else {
            ip = ae == 63 ? am : am >>> (63 - ae);
            frac = ae == 63 ? 0 : am << (ae + 1);
        }
        boolean inexact = frac != 0;
        boolean up;
        switch (mode) {
            case 0:
                up = frac < 0 && (frac != INT_BIT || (ip & 1) != 0);
                break;
            case 1:
                up = inexact && as != 0;
                break;
            case 2:
                up = inexact && as == 0;
                break;
            default:
                up = false;
                break;
        }
        if (up) {
            ip++;
            if (ip == 0) { // wrapped past 2^64
                exc |= IE;
                return indefinite;
            }
        }
        // range check: magnitude must fit signed 'bits'
        boolean fits;
        if (as == 0) {
            fits = Long.compareUnsigned(ip, indefinite - 1) <= 0 && (bits == 64 ? ip >= 0 : true);
        } else {
            fits = Long.compareUnsigned(ip, indefinite) <= 0;
        }
        if (!fits) {
            exc |= IE;
            return indefinite;
        }
        if (inexact) {
            exc |= PE;
            if (up) {
                exc |= C1;
            }
        }
        return as != 0 ? -ip : ip;
    }

    /** FRNDINT: round to an integral value in the extended format. */
    void roundInt(int se, long m) {
        int c = classify(se, m);
        if (c == UNSUPPORTED) {
            defaultNaN();
            return;
        }
        if (isNaN(c)) {
            if (c == SNAN) {
                exc |= IE;
            }
            setResult(se, m | QUIET_BIT);
            return;
        }
        if (c == ZERO || c == INF) {
            setResult(se, m);
            return;
        }
        if (c == DENORMAL) {
            exc |= DE;
        }
        unpackA(se, m);
        if (ae >= 63) {
            setResult(se, m);
            return;
        }
        long ip, frac;
        if (ae < 0) {
            ip = 0;
            shr128(am, 0, -ae - 1);
            frac = sHi | (sLo != 0 ? 1 : 0);
        } else {
            ip = am >>> (63 - ae);
            frac = am << (ae + 1);
        }
        boolean inexact = frac != 0;
        boolean up;
        switch (rc) {
            case 0:
                up = frac < 0 && (frac != INT_BIT || (ip & 1) != 0);
                break;
            case 1:
                up = inexact && as != 0;
                break;
            case 2:
                up = inexact && as == 0;
                break;
            default:
                up = false;
                break;
        }
        if (up) {
            ip++;
        }
        if (inexact) {
            exc |= PE;
            if (up) {
                exc |= C1;
            }
        }
        if (ip == 0) {
            setResult(as << 15, 0);
            return;
        }
        int lz = Long.numberOfLeadingZeros(ip);
        setResult(as << 15 | (63 - lz + BIAS), ip << lz);
    }

    /** FSCALE: a * 2^trunc(b). */
    void scale(int aSe, long aM, int bSe, long bM) {
        int ca = classify(aSe, aM), cb = classify(bSe, bM);
        if (nanOperands(ca, aSe, aM, cb, bSe, bM)) {
            return;
        }
        int sb = (bSe >> 15) & 1;
        if (cb == INF) {
            if (ca == INF) {
                if (sb != 0) {
                    defaultNaN();
                } else {
                    setResult(aSe, aM);
                }
            } else if (ca == ZERO) {
                if (sb == 0) {
                    defaultNaN();
                } else {
                    setResult(aSe, aM);
                }
            } else {
                denormalCheck(ca, cb);
                if (sb != 0) {
                    setResult(aSe & 0x8000, 0);
                } else {
                    setResult((aSe & 0x8000) | 0x7fff, INT_BIT);
                }
            }
            return;
        }
        denormalCheck(ca, cb);
        if (ca == ZERO || ca == INF) {
            setResult(aSe, aM);
            return;
        }
        long n;
        if (cb == ZERO) {
            n = 0;
        } else {
            unpackB(bSe, bM);
            if (be >= 30) {
                n = sb != 0 ? -(1L << 30) : (1L << 30);
            } else if (be < 0) {
                n = 0;
            } else {
                n = bm >>> (63 - be);
                if (sb != 0) {
                    n = -n;
                }
            }
        }
        unpackA(aSe, aM);
        round(as, (int) (ae + n), am, 0, 64, true);
    }

    /** FPREM (ieee=false, truncating quotient) and FPREM1; returns quotient low bits and C2. */
    int quotientBits;
    boolean partial;

    void rem(int aSe, long aM, int bSe, long bM, boolean ieee) {
        quotientBits = -1;
        partial = false;
        int ca = classify(aSe, aM), cb = classify(bSe, bM);
        if (nanOperands(ca, aSe, aM, cb, bSe, bM)) {
            return;
        }
        if (ca == INF || cb == ZERO) {
            defaultNaN();
            return;
        }
        quotientBits = 0;
        denormalCheck(ca, cb);
        if (ca == ZERO) {
            setResult(aSe, aM);
            return;
        }
        unpackA(aSe, aM);
        if (cb == INF) {
            round(as, ae, am, 0, 64, true);
            return;
        }
        unpackB(bSe, bM);
        int d = ae - be;
        if (d < 0 && !(ieee && d == -1)) {
            round(as, ae, am, 0, 64, true); // exact; normalizes pseudo-denormals, wraps for unmasked #U
            return;
        }
        BigInteger a = BigInteger.valueOf(am >>> 1).shiftLeft(1).or(BigInteger.valueOf(am & 1));
        BigInteger b = BigInteger.valueOf(bm >>> 1).shiftLeft(1).or(BigInteger.valueOf(bm & 1));
        if (d >= 64) {
            // partial remainder: reduce the exponent by d - n, n in 32..63 (as the x87 does)
            partial = true;
            int n = 32 + (d % 32);
            BigInteger[] qr = a.shiftLeft(n).divideAndRemainder(b);
            quotientBits = qr[0].intValue() & 7;
            pack(as, ae - 63 - n, qr[1]);
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
        quotientBits = q.intValue() & 7;
        int rs = as;
        if (r.signum() < 0) {
            rs ^= 1;
            r = r.negate();
        }
        if (r.signum() == 0) {
            setResult(as << 15, 0);
            return;
        }
        pack(rs, be - 63 - (d >= 0 ? 0 : 1), r);
    }

    /** Packs sign * r * 2^exp2 exactly (r fits in 64 bits, result is representable). */
    private void pack(int sign, int exp2, BigInteger r) {
        if (r.signum() == 0) {
            setResult(sign << 15, 0);
            return;
        }
        int len = r.bitLength();
        long v = r.shiftLeft(64 - len).longValue();
        int e = exp2 + len - 1;
        round(sign, e, v, 0, 64, true);
    }

    /** FXTRACT helper: exponent of a finite nonzero value as unbiased int. */
    int exponentOf(int se, long m) {
        unpackA(se, m);
        return ae;
    }

    long significandOf(int se, long m) {
        unpackA(se, m);
        return am;
    }

    /** Signed comparison of two non-NaN values: -1, 0, 1. */
    static int compare(int aSe, long aM, int bSe, long bM) {
        int ca = classify(aSe, aM), cb = classify(bSe, bM);
        boolean za = ca == ZERO, zb = cb == ZERO;
        if (za && zb) {
            return 0;
        }
        int sa = za ? 0 : (aSe >> 15) & 1;
        int sb = zb ? 0 : (bSe >> 15) & 1;
        if (za) {
            return sb != 0 ? 1 : -1;
        }
        if (zb) {
            return sa != 0 ? -1 : 1;
        }
        if (sa != sb) {
            return sa != 0 ? -1 : 1;
        }
        int c = compareMagnitude(aSe, aM, bSe, bM);
        return sa != 0 ? -c : c;
    }

    private static int compareMagnitude(int aSe, long aM, int bSe, long bM) {
        int ea = aSe & 0x7fff, eb = bSe & 0x7fff;
        // normalize denormals (exponent 0 means 1)
        if (ea == 0) {
            ea = 1;
        }
        if (eb == 0) {
            eb = 1;
        }
        int la = Long.numberOfLeadingZeros(aM), lb = Long.numberOfLeadingZeros(bM);
        long ex = (long) ea - la, ey = (long) eb - lb;
        if (ex != ey) {
            return ex < ey ? -1 : 1;
        }
        return Long.compareUnsigned(aM << la, bM << lb);
    }

    // ---- transcendental functions, computed through double ----------------------------------

    static double toDouble(int se, long m) {
        int c = classify(se, m);
        double sign = (se & 0x8000) != 0 ? -1.0 : 1.0;
        switch (c) {
            case ZERO:
                return sign * 0.0;
            case INF:
                return sign * Double.POSITIVE_INFINITY;
            case QNAN:
            case SNAN:
            case UNSUPPORTED:
                return Double.NaN;
            default:
                int e = se & 0x7fff;
                if (e == 0) {
                    e = 1;
                }
                // m * 2^(e - BIAS - 63), split to keep precision and range
                double hiPart = (double) (m >>> 11) * 2048.0 + (double) (m & 0x7ff);
                return sign * Math.scalb(hiPart, e - BIAS - 63);
        }
    }

    /** Converts a double into the extended result registers (exact). */
    void fromDouble(double d) {
        fromF64(Double.doubleToRawLongBits(d));
        exc &= ~DE;
    }
}
