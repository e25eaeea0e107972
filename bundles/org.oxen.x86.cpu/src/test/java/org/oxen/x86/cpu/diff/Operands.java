package org.oxen.x86.cpu.diff;

import java.util.SplittableRandom;

/** Random operands with a bias towards the edge cases where implementations go wrong. */
final class Operands {
    private static final int[] EDGE32 = {
        0, 1, 2, 3, -1, -2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
        0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0x55555555, 0xaaaaaaaa, 31, 32, 33, 63, 64, 9, 10, 0x99, 0x0f, 0xf0,
    };

    private Operands() {
    }

    static int int32(SplittableRandom r) {
        switch (r.nextInt(8)) {
            case 0:
            case 1:
                return EDGE32[r.nextInt(EDGE32.length)];
            case 2:
                return 1 << r.nextInt(32);
            case 3:
                return (1 << r.nextInt(32)) - 1 + (r.nextBoolean() ? 0 : 2);
            case 4:
                return r.nextInt(256) - 128;
            case 5:
                return r.nextInt() >> r.nextInt(32);
            default:
                return r.nextInt();
        }
    }

    /** A random 80-bit value as {sign/exponent, significand}. */
    static void f80(SplittableRandom r, int[] se, long[] m, int i) {
        int s = r.nextBoolean() ? 0x8000 : 0;
        long mm;
        int e;
        switch (r.nextInt(16)) {
            case 0: { // small integer
                long v = r.nextInt(2001);
                if (v == 0) {
                    se[i] = s;
                    m[i] = 0;
                    return;
                }
                int lz = Long.numberOfLeadingZeros(v);
                se[i] = s | (16383 + 63 - lz);
                m[i] = v << lz;
                return;
            }
            case 1: // zero
                se[i] = s;
                m[i] = 0;
                return;
            case 2: // infinity
                se[i] = s | 0x7fff;
                m[i] = 0x8000000000000000L;
                return;
            case 3: // NaN (quiet or signaling) or the default NaN
                se[i] = s | 0x7fff;
                switch (r.nextInt(3)) {
                    case 0:
                        m[i] = 0xc000000000000000L;
                        break;
                    case 1:
                        m[i] = 0xc000000000000000L | (r.nextLong() >>> 2);
                        break;
                    default:
                        mm = r.nextLong() >>> 2;
                        m[i] = 0x8000000000000000L | (mm == 0 ? 1 : mm);
                        break;
                }
                return;
            case 4: // denormal
                se[i] = s;
                m[i] = (r.nextLong() >>> 1) >>> r.nextInt(63);
                if (m[i] == 0) {
                    m[i] = 1;
                }
                return;
            case 5: // near the extremes of the exponent range
                e = r.nextBoolean() ? 1 + r.nextInt(80) : 0x7ffe - r.nextInt(80);
                se[i] = s | e;
                m[i] = 0x8000000000000000L | r.nextLong();
                return;
            case 6: // from a double
            case 7: {
                double d = r.nextBoolean() ? (r.nextDouble() - 0.5) * Math.pow(2, r.nextInt(80) - 40)
                        : Double.longBitsToDouble(r.nextLong());
                if (Double.isNaN(d) || Double.isInfinite(d) || d == 0) {
                    d = 1.5;
                }
                long bits = Double.doubleToRawLongBits(d);
                int de = (int) ((bits >>> 52) & 0x7ff);
                long f = bits & 0xfffffffffffffL;
                if (de == 0) {
                    int lz = Long.numberOfLeadingZeros(f);
                    se[i] = (int) (bits >>> 48) & 0x8000 | (1 - 1023 + 16383 - (lz - 11));
                    m[i] = f << lz;
                } else {
                    se[i] = (int) (bits >>> 48) & 0x8000 | (de - 1023 + 16383);
                    m[i] = 0x8000000000000000L | (f << 11);
                }
                return;
            }
            case 8: { // integer +- fractions (conversion and rounding edges)
                int bits = r.nextInt(64);
                long v = r.nextLong() >>> (63 - bits) | (1L << bits);
                int frac = r.nextInt(4);
                int sh = Math.min(Long.numberOfLeadingZeros(v), 2);
                long mant = v << sh;
                if (frac == 1 && sh >= 1) {
                    mant |= 1L << (sh - 1); // x.5
                } else if (frac == 2 && sh >= 2) {
                    mant |= 1L << (sh - 2); // x.25
                }
                int lz = Long.numberOfLeadingZeros(mant);
                se[i] = s | (16383 + 63 - sh - (lz));
                m[i] = mant << lz;
                if (m[i] >= 0) {
                    m[i] |= 0x8000000000000000L;
                }
                return;
            }
            case 9: { // rounding-boundary patterns at 24/53/64 bits
                int p = new int[] {24, 53, 64}[r.nextInt(3)];
                mm = 0x8000000000000000L | r.nextLong();
                if (p < 64) {
                    long low = 1L << (64 - p - 1);
                    long mask = (1L << (64 - p)) - 1;
                    long[] pats = {0, low, low - 1, low + 1, mask};
                    mm = (mm & ~mask) | pats[r.nextInt(pats.length)];
                }
                se[i] = s | (16383 + r.nextInt(40) - 20);
                m[i] = mm;
                return;
            }
            case 10: // pseudo-denormal / unnormal / pseudo-NaN (rare, invalid formats)
                if (r.nextInt(4) != 0) {
                    e = 16383 + r.nextInt(20) - 10;
                    se[i] = s | e;
                    m[i] = 0x8000000000000000L | r.nextLong();
                    return;
                }
                switch (r.nextInt(3)) {
                    case 0:
                        se[i] = s;
                        m[i] = 0x8000000000000000L | r.nextLong();
                        return;
                    case 1:
                        se[i] = s | (1 + r.nextInt(0x7ffd));
                        m[i] = r.nextLong() >>> 1;
                        return;
                    default:
                        se[i] = s | 0x7fff;
                        m[i] = r.nextLong() >>> 1;
                        return;
                }
            default: // ordinary values
                e = 16383 + r.nextInt(130) - 65;
                se[i] = s | e;
                m[i] = 0x8000000000000000L | r.nextLong();
        }
    }

    static int f32(SplittableRandom r) {
        switch (r.nextInt(10)) {
            case 0:
                return r.nextBoolean() ? 0 : 0x80000000;
            case 1:
                return (r.nextBoolean() ? 0 : 0x80000000) | 0x7f800000;
            case 2:
                return (r.nextBoolean() ? 0 : 0x80000000) | 0x7f800000 | (r.nextInt(0x7fffff) + 1);
            case 3:
                return (r.nextBoolean() ? 0 : 0x80000000) | (r.nextInt(0x7fffff) + 1);
            case 4:
                return Float.floatToRawIntBits((float) (r.nextInt(2001) - 1000));
            default:
                return (r.nextBoolean() ? 0 : 0x80000000) | ((r.nextInt(254) + 1) << 23) | r.nextInt(0x800000);
        }
    }

    static long f64(SplittableRandom r) {
        long s = r.nextBoolean() ? 0 : 0x8000000000000000L;
        switch (r.nextInt(10)) {
            case 0:
                return s;
            case 1:
                return s | 0x7ff0000000000000L;
            case 2:
                return s | 0x7ff0000000000000L | ((r.nextLong() >>> 12) | 1);
            case 3:
                return s | ((r.nextLong() >>> 12) | 1);
            case 4:
                return Double.doubleToRawLongBits(r.nextInt(2001) - 1000);
            case 5:
                return s | ((long) (r.nextInt(2046) + 1) << 52) | (r.nextLong() >>> 12);
            default:
                return s | ((long) (1023 + r.nextInt(200) - 100) << 52) | (r.nextLong() >>> 12);
        }
    }
}
