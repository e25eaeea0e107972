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
        szp(sz, res, Semantics.flagWord(cf, of));
    }

    /** The lazy record of a shift, rotate or multiply: result and its flag word (CF, OF). */
    final void szp(int sz, int res, int flagWord) {
        lop = L_SZP;
        lsz = sz;
        lres = res;
        lcf = flagWord;
    }

    final boolean cond(int cc) {
        return Flags.cond(cc, lop, lsz, la, lb, lres, lcf, eflags);
    }

    /** CF as 0 or 1 (ADC/SBB carry-in, the CF INC/DEC keep): {@link Flags#carry}. */
    final int carry() {
        return Flags.carry(lop, lsz, la, lb, lres, lcf, eflags);
    }

    /**
     * Group-1 operation {@code op} (ADD OR ADC SBB AND SUB XOR CMP, {@link Semantics#alu}) and its
     * lazy flags. Returns the result (the caller stores it unless the operation is CMP/TEST).
     */
    final int alu(int op, int a, int b, int sz) {
        int c = Semantics.aluReadsCarry(op) ? carry() : 0;
        int res = Semantics.alu(op, a, b, c);
        lop = Semantics.aluFlagKind(op);
        if (Semantics.aluReadsCarry(op)) lcf = c;
        lsz = sz;
        la = a;
        lb = b;
        lres = res;
        return res & Semantics.mask(sz);
    }

    /**
     * The lazy flags of a 32-bit result {@code res} of {@code a} and {@code b} whose flag kind
     * is {@code kind} (a {@link Semantics} {@code *_FLAGS}, not ADC/SBB); returns the result.
     */
    final int flagged32(int kind, int a, int b, int res) {
        lop = kind;
        lsz = 2;
        la = a;
        lb = b;
        lres = res;
        return res;
    }

    /** INC: CF is kept (the record's carry word). */
    final int inc(int a, int sz) {
        lcf = carry();
        lop = Semantics.INC_FLAGS;
        lsz = sz;
        la = a;
        lb = Semantics.INC_DEC_OPERAND;
        lres = Semantics.inc(a);
        return lres & Semantics.mask(sz);
    }

    /** DEC: CF is kept. */
    final int dec(int a, int sz) {
        lcf = carry();
        lop = Semantics.DEC_FLAGS;
        lsz = sz;
        la = a;
        lb = Semantics.INC_DEC_OPERAND;
        lres = Semantics.dec(a);
        return lres & Semantics.mask(sz);
    }

    /** NEG: SUB from 0. */
    final int neg(int a, int sz) {
        return alu(5, 0, a, sz);
    }

    /** Group-2 shifts and rotates: ROL ROR RCL RCR SHL SHR SAL SAR. */
    final int shift(int op, int v, int count, int sz) {
        count &= 0x1F;
        v &= Semantics.mask(sz);
        if (count == 0) {
            return v;
        }
        switch (op) {
            case 0: case 1: { // ROL, ROR: only CF and OF change
                int res = Semantics.shift(op, v, count, sz);
                rotated(Semantics.shiftFlags(op, v, count, sz));
                return res;
            }
            case 2: return rcl(v, count, sz);
            case 3: return rcr(v, count, sz);
            default: { // SHL SHR SAL SAR
                int res = Semantics.shift(op, v, count, sz);
                szp(sz, res, Semantics.shiftFlags(op, v, count, sz));
                return res;
            }
        }
    }

    private int rcl(int v, int count, int sz) {
        int bits = 8 << sz;
        int c = sz == 2 ? count : count % (bits + 1);
        long x = (v & 0xFFFFFFFFL) | (cfSet() ? 1L << bits : 0);
        for (int i = 0; i < c; i++) {
            long top = (x >>> bits) & 1;
            x = ((x << 1) | top) & ((1L << (bits + 1)) - 1);
        }
        int res = (int) x & Semantics.mask(sz);
        boolean cf = ((x >>> bits) & 1) != 0;
        boolean of = (((res >>> (bits - 1)) & 1) != 0) != cf;
        flags();
        setFlagBits(cf, of);
        return res;
    }

    private int rcr(int v, int count, int sz) {
        int bits = 8 << sz;
        int c = sz == 2 ? count : count % (bits + 1);
        boolean cin = cfSet();
        boolean of = (((v >>> (bits - 1)) & 1) != 0) != cin;
        long x = (v & 0xFFFFFFFFL) | (cin ? 1L << bits : 0);
        for (int i = 0; i < c; i++) {
            long low = x & 1;
            x = (x >>> 1) | (low << bits);
        }
        int res = (int) x & Semantics.mask(sz);
        boolean cf = ((x >>> bits) & 1) != 0;
        flags();
        setFlagBits(cf, of);
        return res;
    }

    private void setFlagBits(boolean cf, boolean of) {
        eflags = (eflags & ~(CF | OF)) | (cf ? CF : 0) | (of ? OF : 0);
    }

    /**
     * A rotate's flag word (CF, OF): stays lazy when the other flags come from a logic or shift
     * record (their SF/ZF/PF/AF are unchanged by it); otherwise the flags are materialised.
     */
    private void rotated(int flagWord) {
        if (Flags.rotateStaysLazy(lop)) {
            lcf = Flags.rotatedExtra(lop, lcf, flagWord);
            lop = L_SZP;
        } else {
            flags();
            setFlagBits((flagWord & 1) != 0, (flagWord & 2) != 0);
        }
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
