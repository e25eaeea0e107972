package org.oxen.x86.cpu.fpu;

import static org.oxen.x86.cpu.fpu.Fp80.BIAS;
import static org.oxen.x86.cpu.fpu.Fp80.C1;
import static org.oxen.x86.cpu.fpu.Fp80.DE;
import static org.oxen.x86.cpu.fpu.Fp80.IE;
import static org.oxen.x86.cpu.fpu.Fp80.INF;
import static org.oxen.x86.cpu.fpu.Fp80.INT_BIT;
import static org.oxen.x86.cpu.fpu.Fp80.OE;
import static org.oxen.x86.cpu.fpu.Fp80.PE;
import static org.oxen.x86.cpu.fpu.Fp80.QNAN;
import static org.oxen.x86.cpu.fpu.Fp80.QUIET_BIT;
import static org.oxen.x86.cpu.fpu.Fp80.SNAN;
import static org.oxen.x86.cpu.fpu.Fp80.UE;
import static org.oxen.x86.cpu.fpu.Fp80.UNSUPPORTED;
import static org.oxen.x86.cpu.fpu.Fp80.ZERO;
import static org.oxen.x86.cpu.fpu.Fp80.classify;
import static org.oxen.x86.cpu.fpu.Fp80.isNaN;

/**
 * Conversions between the x87 80-bit extended format and the memory formats: IEEE single and
 * double (loads exact, stores rounded by the rounding control), signed integers of 16/32/64 bits
 * (FIST rounding or FISTTP truncation, integer indefinite when out of range), Java double (for the
 * transcendental functions), and the exponent/significand split used by FXTRACT.
 *
 * <p>Contract: static methods over one {@link Fp80} unit, prepared by the caller with
 * {@link Fp80#begin}. Loads put their result in fp.rse/fp.rm and report a denormal source in
 * fp.exc (DE); stores return the bits and report their exceptions in fp.exc, with the overflow and
 * underflow flags set for unmasked cases so that the caller can suppress the store.
 */
final class Fp80Convert {
    private Fp80Convert() {
    }

    /** Loads an IEEE single; returns its class via exc DE for denormals (SNaN stays signaling). */
    static void fromF32(Fp80 fp, int bits) {
        int s = bits >>> 31;
        int e = (bits >>> 23) & 0xff;
        long f = bits & 0x7fffffL;
        if (e == 0) {
            if (f == 0) {
                fp.setResult(s << 15, 0);
            } else {
                fp.exc |= DE;
                int lz = Long.numberOfLeadingZeros(f);
                fp.setResult(s << 15 | (1 - 127 + BIAS - (lz - 40)), f << lz);
            }
        } else if (e == 0xff) {
            fp.setResult(s << 15 | 0x7fff, INT_BIT | (f << 40));
        } else {
            fp.setResult(s << 15 | (e - 127 + BIAS), INT_BIT | (f << 40));
        }
    }

    static void fromF64(Fp80 fp, long bits) {
        int s = (int) (bits >>> 63);
        int e = (int) ((bits >>> 52) & 0x7ff);
        long f = bits & 0xfffffffffffffL;
        if (e == 0) {
            if (f == 0) {
                fp.setResult(s << 15, 0);
            } else {
                fp.exc |= DE;
                int lz = Long.numberOfLeadingZeros(f);
                fp.setResult(s << 15 | (1 - 1023 + BIAS - (lz - 11)), f << lz);
            }
        } else if (e == 0x7ff) {
            fp.setResult(s << 15 | 0x7fff, INT_BIT | (f << 11));
        } else {
            fp.setResult(s << 15 | (e - 1023 + BIAS), INT_BIT | (f << 11));
        }
    }

    static void fromInt(Fp80 fp, long v) {
        if (v == 0) {
            fp.setResult(0, 0);
            return;
        }
        int s = 0;
        if (v < 0) {
            s = 1;
            v = -v; // Long.MIN_VALUE stays 2^63 as unsigned
        }
        int lz = Long.numberOfLeadingZeros(v);
        fp.setResult(s << 15 | (63 - lz + BIAS), v << lz);
    }

    /** Ext to IEEE single/double bits, rounded by RC; sets stored (false if unmasked abort). */
    static long toFloat(Fp80 fp, int se, long m, boolean dbl) {
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
                fp.exc |= IE;
                // fall through
            case QNAN:
                return packFloat(s, maxE, ((m | QUIET_BIT) << 1) >>> (64 - fracBits), dbl);
            case UNSUPPORTED:
                fp.exc |= IE;
                return dbl ? 0xfff8000000000000L : 0xffc00000L;
            default:
                break;
        }
        fp.unpackA(se, m); // no denormal-operand exception on stores (as the host CPU does)
        int biased = fp.ae + bias;
        boolean unmaskedUnder = biased <= 0 && !fp.ueMasked;
        fp.roundCore(fp.as, biased, fp.am, 0, fracBits + 1, maxE, true);
        if (unmaskedUnder) {
            fp.exc |= UE;
        }
        if (fp.overflowed && !fp.oeMasked) {
            fp.exc |= OE;
        }
        return packFloat(fp.as, fp.outE, (fp.outM << 1) >>> (64 - fracBits), dbl);
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
    static long toInt(Fp80 fp, int se, long m, int bits, boolean truncate) {
        long indefinite = 1L << (bits - 1);
        int c = classify(se, m);
        if (c == ZERO) {
            return 0;
        }
        if (c == INF || isNaN(c) || c == UNSUPPORTED) {
            fp.exc |= IE;
            return indefinite;
        }
        fp.unpackA(se, m); // FIST raises no denormal-operand exception
        int mode = truncate ? 3 : fp.rc;
        // integer part and fraction (with sticky)
        long ip, frac;
        if (fp.ae >= 64) {
            fp.exc |= IE;
            return indefinite;
        }
        if (fp.ae < 0) {
            ip = 0;
            fp.shr128(fp.am, 0, -fp.ae - 1);
            frac = fp.sHi | (fp.sLo != 0 ? 1 : 0);
        } else {
            ip = fp.ae == 63 ? fp.am : fp.am >>> (63 - fp.ae);
            frac = fp.ae == 63 ? 0 : fp.am << (fp.ae + 1);
        }
        boolean inexact = frac != 0;
        boolean up;
        switch (mode) {
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
            if (ip == 0) { // wrapped past 2^64
                fp.exc |= IE;
                return indefinite;
            }
        }
        // range check: magnitude must fit signed 'bits'
        boolean fits;
        if (fp.as == 0) {
            fits = Long.compareUnsigned(ip, indefinite - 1) <= 0 && (bits == 64 ? ip >= 0 : true);
        } else {
            fits = Long.compareUnsigned(ip, indefinite) <= 0;
        }
        if (!fits) {
            fp.exc |= IE;
            return indefinite;
        }
        if (inexact) {
            fp.exc |= PE;
            if (up) {
                fp.exc |= C1;
            }
        }
        return fp.as != 0 ? -ip : ip;
    }

    /** FXTRACT helper: exponent of a finite nonzero value as unbiased int. */
    static int exponentOf(Fp80 fp, int se, long m) {
        fp.unpackA(se, m);
        return fp.ae;
    }

    static long significandOf(Fp80 fp, int se, long m) {
        fp.unpackA(se, m);
        return fp.am;
    }

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
    static void fromDouble(Fp80 fp, double d) {
        fromF64(fp, Double.doubleToRawLongBits(d));
        fp.exc &= ~DE;
    }
}
