package org.oxen.x86.cpu.internal;

import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.PhysicalMemory;

/**
 * Lazy flags and the arithmetic/logic helpers. An arithmetic instruction records its kind,
 * operand size, operands and result; a flag is computed only when read (Jcc, SETcc, ADC, PUSHF).
 * Flags of rarer instructions (shifts, multiplies, BCD) are set as L_SZP: SF/ZF/PF from the
 * result, CF in bit 0 and OF in bit 1 of {@code lcf}, AF in bit 2.
 */
abstract class Alu extends Debug {

    Alu(PhysicalMemory mem, IoPortDevice io) {
        super(mem, io);
    }

    final boolean cfSet() {
        return Flags.cf(lop, lsz, la, lb, lres, lcf, eflags);
    }

    final boolean zfSet() {
        return Flags.zf(lop, lsz, lres, eflags);
    }

    final boolean sfSet() {
        return Flags.sf(lop, lsz, lres, eflags);
    }

    final boolean pfSet() {
        return Flags.pf(lop, lres, eflags);
    }

    final boolean ofSet() {
        return Flags.of(lop, lsz, la, lb, lres, lcf, eflags);
    }

    final boolean afSet() {
        return Flags.af(lop, la, lb, lres, lcf, eflags);
    }

    /** EFLAGS with the arithmetic bits materialized. */
    final int flags() {
        if (lop != L_NONE) {
            int f = eflags & ~ARITH;
            if (cfSet()) f |= CF;
            if (pfSet()) f |= PF;
            if (afSet()) f |= AF;
            if (zfSet()) f |= ZF;
            if (sfSet()) f |= SF;
            if (ofSet()) f |= OF;
            eflags = f;
            lop = L_NONE;
        }
        return eflags;
    }

    /** Replaces the arithmetic flags selected by {@code mask} (others unchanged). */
    final void setArith(int mask, int value) {
        flags();
        eflags = (eflags & ~mask) | (value & mask);
    }

    final void setCF(boolean c) {
        flags();
        eflags = c ? eflags | CF : eflags & ~CF;
    }

    final void szp(int sz, int res, boolean cf, boolean of) {
        lop = L_SZP;
        lsz = sz;
        lres = res;
        lcf = (cf ? 1 : 0) | (of ? 2 : 0);
    }

    final boolean cond(int cc) {
        return Flags.cond(cc, lop, lsz, la, lb, lres, lcf, eflags);
    }

    /** The eight group-1 operations: ADD OR ADC SBB AND SUB XOR CMP. Returns the result. */
    final int alu(int op, int a, int b, int sz) {
        int res;
        switch (op) {
            case 0: res = a + b; lop = L_ADD; break;
            case 1: res = a | b; lop = L_LOGIC; break;
            case 2: {
                int c = cfSet() ? 1 : 0;
                res = a + b + c; lop = L_ADC; lcf = c; break;
            }
            case 3: {
                int c = cfSet() ? 1 : 0;
                res = a - b - c; lop = L_SBB; lcf = c; break;
            }
            case 4: res = a & b; lop = L_LOGIC; break;
            case 5: case 7: res = a - b; lop = L_SUB; break;
            default: res = a ^ b; lop = L_LOGIC; break;
        }
        lsz = sz;
        la = a;
        lb = b;
        lres = res;
        return res & MASK[sz];
    }

    final int inc(int a, int sz) {
        lcf = cfSet() ? 1 : 0;
        lop = L_INC;
        lsz = sz;
        la = a;
        lb = 1;
        lres = a + 1;
        return lres & MASK[sz];
    }

    final int dec(int a, int sz) {
        lcf = cfSet() ? 1 : 0;
        lop = L_DEC;
        lsz = sz;
        la = a;
        lb = 1;
        lres = a - 1;
        return lres & MASK[sz];
    }

    final int neg(int a, int sz) {
        lop = L_SUB;
        lsz = sz;
        la = 0;
        lb = a;
        lres = -a;
        return lres & MASK[sz];
    }

    /** Group-2 shifts and rotates: ROL ROR RCL RCR SHL SHR SAL SAR. */
    final int shift(int op, int v, int count, int sz) {
        int bits = 8 << sz;
        int m = MASK[sz];
        count &= 0x1F;
        v &= m;
        if (count == 0) {
            return v;
        }
        int res;
        boolean cf, of;
        switch (op) {
            case 0: { // ROL
                int c = count & (bits - 1);
                res = c == 0 ? v : ((v << c) | (v >>> (bits - c))) & m;
                cf = (res & 1) != 0;
                of = (((res >>> (bits - 1)) & 1) != 0) != cf;
                if (!rotFlags(cf, of)) {
                    flags();
                    setFlagBits(cf, of);
                }
                return res;
            }
            case 1: { // ROR
                int c = count & (bits - 1);
                res = c == 0 ? v : ((v >>> c) | (v << (bits - c))) & m;
                cf = (res & SIGN[sz]) != 0;
                of = (((res >>> (bits - 1)) ^ (res >>> (bits - 2))) & 1) != 0;
                if (!rotFlags(cf, of)) {
                    flags();
                    setFlagBits(cf, of);
                }
                return res;
            }
            case 2: { // RCL
                int c = sz == 2 ? count : count % (bits + 1);
                long x = (v & 0xFFFFFFFFL) | (cfSet() ? 1L << bits : 0);
                for (int i = 0; i < c; i++) {
                    long top = (x >>> bits) & 1;
                    x = ((x << 1) | top) & ((1L << (bits + 1)) - 1);
                }
                res = (int) x & m;
                cf = ((x >>> bits) & 1) != 0;
                of = (((res >>> (bits - 1)) & 1) != 0) != cf;
                flags();
                setFlagBits(cf, of);
                return res;
            }
            case 3: { // RCR
                int c = sz == 2 ? count : count % (bits + 1);
                boolean cin = cfSet();
                of = (((v >>> (bits - 1)) & 1) != 0) != cin;
                long x = (v & 0xFFFFFFFFL) | (cin ? 1L << bits : 0);
                for (int i = 0; i < c; i++) {
                    long low = x & 1;
                    x = (x >>> 1) | (low << bits);
                }
                res = (int) x & m;
                cf = ((x >>> bits) & 1) != 0;
                flags();
                setFlagBits(cf, of);
                return res;
            }
            case 4: case 6: { // SHL
                long x = (v & 0xFFFFFFFFL) << count;
                res = (int) x & m;
                cf = ((x >>> bits) & 1) != 0;
                of = (((res >>> (bits - 1)) & 1) != 0) != cf;
                break;
            }
            case 5: { // SHR
                res = (int) ((v & 0xFFFFFFFFL) >>> count) & m;
                cf = (((v & 0xFFFFFFFFL) >>> (count - 1)) & 1) != 0;
                of = (v & SIGN[sz]) != 0;
                break;
            }
            default: { // SAR
                int sv = sz == 0 ? (byte) v : sz == 1 ? (short) v : v;
                res = (sv >> count) & m;
                cf = ((sv >> (count - 1)) & 1) != 0;
                of = false;
                break;
            }
        }
        szp(sz, res, cf, of);
        return res;
    }

    private void setFlagBits(boolean cf, boolean of) {
        eflags = (eflags & ~(CF | OF)) | (cf ? CF : 0) | (of ? OF : 0);
    }

    /** Rotates change only CF and OF: stay lazy when the other flags come from the result record. */
    private boolean rotFlags(boolean cf, boolean of) {
        if (lop == L_LOGIC) {
            lop = L_SZP;
            lcf = (cf ? 1 : 0) | (of ? 2 : 0);
            return true;
        }
        if (lop == L_SZP) {
            lcf = (lcf & 4) | (cf ? 1 : 0) | (of ? 2 : 0);
            return true;
        }
        return false;
    }

    /** SHLD/SHRD (sz 1 or 2). */
    final int shiftDouble(boolean left, int dst, int src, int count, int sz) {
        count &= 0x1F;
        int bits = 8 << sz;
        int m = MASK[sz];
        if (count == 0) {
            return dst & m;
        }
        long d = dst & 0xFFFFFFFFL & m, s = src & 0xFFFFFFFFL & m;
        int res;
        boolean cf;
        if (left) {
            long x = (d << bits) | s; // d:s
            // for 16-bit counts > 16 the result is undefined; use the 32-bit concatenation pattern
            long y = x << count;
            res = (int) (y >>> bits) & m;
            cf = ((x >>> (2 * bits - count)) & 1) != 0;
        } else {
            long x = (s << bits) | d; // s:d
            long y = x >>> count;
            res = (int) y & m;
            cf = ((x >>> (count - 1)) & 1) != 0;
        }
        boolean of = (((res ^ dst) & SIGN[sz]) != 0);
        szp(sz, res, cf, of);
        return res;
    }
}
