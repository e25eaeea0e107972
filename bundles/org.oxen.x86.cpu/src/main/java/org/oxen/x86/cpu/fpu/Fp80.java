package org.oxen.x86.cpu.fpu;

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
 *
 * <p>This class holds the unit's state (configuration, outputs, unpacked operands) and what every
 * operation shares: classification, unpacking, NaN propagation and {@link #round}. The operation
 * families are static methods over an instance: {@link Fp80Arith} (add, subtract, multiply,
 * divide, square root, round to integer, scale, partial remainder) and {@link Fp80Convert}
 * (IEEE single/double, integer and double conversions).
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
    int as, ae, bs, be;
    long am, bm;
    // 128-bit shift result
    long sHi, sLo;

    void begin(int fcw) {
        exc = 0;
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

    void setResult(int se, long m) {
        rse = se;
        rm = m;
    }

    void defaultNaN() {
        exc |= IE;
        setResult(INDEF_SE, INDEF_M);
    }

    /** Unpacks a finite nonzero operand into (s, e, m) with m normalized. */
    void unpackA(int se, long m) {
        as = (se >> 15) & 1;
        int e = se & 0x7fff;
        if (e == 0) {
            e = 1;
        }
        int lz = Long.numberOfLeadingZeros(m);
        am = m << lz;
        ae = e - BIAS - lz;
    }

    void unpackB(int se, long m) {
        bs = (se >> 15) & 1;
        int e = se & 0x7fff;
        if (e == 0) {
            e = 1;
        }
        int lz = Long.numberOfLeadingZeros(m);
        bm = m << lz;
        be = e - BIAS - lz;
    }

    void shr128(long hi, long lo, int n) {
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
    boolean nanOperands(int ca, int aSe, long aM, int cb, int bSe, long bM) {
        if (ca == UNSUPPORTED || cb == UNSUPPORTED) {
            defaultNaN();
            return true;
        }
        boolean na = isNaN(ca), nb = isNaN(cb);
        if (!na && !nb) {
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

    void denormalCheck(int ca, int cb) {
        if (ca == DENORMAL || cb == DENORMAL || loadDenormal) {
            exc |= DE;
        }
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

    boolean overflowed;
    int outE;
    long outM;

    /**
     * Core rounding for any binary format whose significand is held like the extended one
     * (integer bit at 63, p significant bits). maxBiased is the all-ones exponent.
     */
    void roundCore(int sign, int biased, long hi, long lo, int p, int maxBiased, boolean masked) {
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









    /**
     * Outputs of FPREM/FPREM1 ({@link Fp80Arith#rem}): the quotient's low three bits (-1: none)
     * and C2 (the remainder is partial).
     */
    int quotientBits;
    boolean partial;





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
}
