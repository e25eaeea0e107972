package org.oxen.x86.cpu.internal;

import org.oxen.x86.api.ByteArrayAtomics;
import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.PhysicalMemory;

/** The two-byte opcodes 0x0F xx. System instructions live in {@link Sys}. */
abstract class Exec0F extends Exec1 {

    Exec0F(PhysicalMemory mem, IoPortDevice io) {
        super(mem, io);
    }

    @Override
    final void exec0F(int op) {
        if (op >= 0x80 && op <= 0x8F) {
            int rel = op32 ? fetch32() : (short) fetch16();
            if (cond(op & 0xF)) jumpRel(rel);
            return;
        }
        if (op >= 0x40 && op <= 0x4F) {
            int m = fetch8();
            int sz = osz();
            int v = m >= 0xC0 ? regSz(m & 7, sz) : rdSz(eaSeg(m), eaOff, sz);
            if (cond(op & 0xF)) setRegSz((m >>> 3) & 7, sz, v);
            return;
        }
        if (op >= 0x90 && op <= 0x9F) {
            int m = fetch8();
            int v = cond(op & 0xF) ? 1 : 0;
            if (m >= 0xC0) setReg8(m & 7, v); else wr8(eaSeg(m), eaOff, v);
            return;
        }
        if (op >= 0xC8) {
            r[op & 7] = Integer.reverseBytes(r[op & 7]);
            return;
        }
        switch (op) {
            case 0x00: group6(); return;
            case 0x01: group7(); return;
            case 0x02: case 0x03: larLsl(op == 0x02); return;
            case 0x06: clts(); return;
            case 0x08: case 0x09: needCpl0(); return;
            case 0x0B: case 0xB9: case 0xFF: throw ud();
            case 0x0D: case 0x18: case 0x19: case 0x1A: case 0x1B: case 0x1C: case 0x1D: case 0x1E: case 0x1F: {
                int m = fetch8();
                if (m < 0xC0) ea(m);
                return;
            }
            case 0x20: case 0x21: case 0x22: case 0x23: movCrDr(op); return;
            case 0x30: wrmsr(); return;
            case 0x31: rdtsc(); return;
            case 0x32: rdmsr(); return;
            case 0x34: sysenter(); return;
            case 0x35: sysexit(); return;
            case 0xA0: push(segSel[FS]); return;
            case 0xA1: popSeg(FS); return;
            case 0xA2: cpuid(); return;
            case 0xA3: bitOp(0, false); return;
            case 0xA4: case 0xA5: case 0xAC: case 0xAD: shd(op); return;
            case 0xA8: push(segSel[GS]); return;
            case 0xA9: popSeg(GS); return;
            case 0xAB: bitOp(1, false); return;
            case 0xAE: group15(); return;
            case 0xAF: {
                int m = fetch8();
                int sz = osz();
                int v = m >= 0xC0 ? regSz(m & 7, sz) : rdSz(eaSeg(m), eaOff, sz);
                int g = (m >>> 3) & 7;
                setRegSz(g, sz, imul2(regSz(g, sz), v, sz));
                return;
            }
            case 0xB0: case 0xB1: cmpxchg(op == 0xB0 ? 0 : osz()); return;
            case 0xB2: loadFarOf(SS); return;
            case 0xB3: bitOp(2, false); return;
            case 0xB4: loadFarOf(FS); return;
            case 0xB5: loadFarOf(GS); return;
            case 0xB6: case 0xB7: case 0xBE: case 0xBF: {
                int m = fetch8();
                int ssz = (op & 1) == 0 ? 0 : 1;
                int v = m >= 0xC0 ? regSz(m & 7, ssz) : rdSz(eaSeg(m), eaOff, ssz);
                if (op >= 0xBE) v = ssz == 0 ? (byte) v : (short) v;
                setRegSz((m >>> 3) & 7, osz(), v);
                return;
            }
            case 0xBA: bitOp(-1, true); return;
            case 0xBB: bitOp(3, false); return;
            case 0xBC: case 0xBD: bsfBsr(op == 0xBC); return;
            case 0xC0: case 0xC1: xadd(op == 0xC0 ? 0 : osz()); return;
            case 0xC7: cmpxchg8b(); return;
            default: throw ud();
        }
    }

    private void shd(int op) {
        int m = fetch8();
        int sz = osz();
        int s = m >= 0xC0 ? -1 : eaSeg(m);
        int count = (op & 1) == 0 ? fetch8() : r[1] & 0xFF;
        int v = s < 0 ? regSz(m & 7, sz) : rdSz(s, eaOff, sz);
        int res = shiftDouble(op < 0xA8, v, regSz((m >>> 3) & 7, sz), count, sz);
        if ((count & 0x1F) == 0) return;
        if (s < 0) setRegSz(m & 7, sz, res); else wrSz(s, eaOff, sz, res);
    }

    /** kind: 0 BT 1 BTS 2 BTR 3 BTC; -1 = group 8 (kind from reg field, immediate offset). */
    private void bitOp(int kind, boolean imm) {
        int m = fetch8();
        int sz = osz();
        int bits = 8 << sz;
        int s = m >= 0xC0 ? -1 : eaSeg(m);
        int bit;
        int off = eaOff;
        if (imm) {
            int k = (m >>> 3) & 7;
            if (k < 4) throw ud();
            kind = k - 4;
            bit = fetch8() & (bits - 1);
        } else {
            int b = regSz((m >>> 3) & 7, sz);
            if (sz == 1) b = (short) b;
            if (s >= 0) {
                off += (b >> (sz == 2 ? 5 : 4)) * (bits / 8);
                if (!addr32) off &= 0xFFFF;
            }
            bit = b & (bits - 1);
        }
        int v = s < 0 ? regSz(m & 7, sz) : rdSz(s, off, sz);
        boolean c = ((v >>> bit) & 1) != 0;
        int nv;
        switch (kind) {
            case 0: setCF(c); return;
            case 1: nv = v | 1 << bit; break;
            case 2: nv = v & ~(1 << bit); break;
            default: nv = v ^ 1 << bit; break;
        }
        if (s < 0) setRegSz(m & 7, sz, nv); else wrSz(s, off, sz, nv);
        setCF(c);
    }

    private void bsfBsr(boolean fwd) {
        int m = fetch8();
        int sz = osz();
        int v = m >= 0xC0 ? regSz(m & 7, sz) : rdSz(eaSeg(m), eaOff, sz);
        flags();
        if (v == 0) {
            eflags |= ZF;
            return;
        }
        eflags &= ~ZF;
        int idx = fwd ? Integer.numberOfTrailingZeros(v) : 31 - Integer.numberOfLeadingZeros(v);
        setRegSz((m >>> 3) & 7, sz, idx);
    }

    private void cmpxchg(int sz) {
        int m = fetch8();
        int s = m >= 0xC0 ? -1 : eaSeg(m);
        int dst = s < 0 ? regSz(m & 7, sz) : rdSz(s, eaOff, sz);
        int acc = regSz(0, sz);
        alu(7, acc, dst, sz);
        if (acc == dst) {
            int src = regSz((m >>> 3) & 7, sz);
            if (s < 0) setRegSz(m & 7, sz, src); else wrSz(s, eaOff, sz, src);
        } else {
            if (s >= 0) wrSz(s, eaOff, sz, dst);
            setRegSz(0, sz, dst);
        }
    }

    private void xadd(int sz) {
        int m = fetch8();
        int g = (m >>> 3) & 7;
        int s = m >= 0xC0 ? -1 : eaSeg(m);
        int dst = s < 0 ? regSz(m & 7, sz) : rdSz(s, eaOff, sz);
        int src = regSz(g, sz);
        int sum = alu(0, dst, src, sz);
        if (s < 0) {
            setRegSz(g, sz, dst);
            setRegSz(m & 7, sz, sum);
        } else {
            wrSz(s, eaOff, sz, sum);
            setRegSz(g, sz, dst);
        }
    }

    private void cmpxchg8b() {
        int m = fetch8();
        if (m >= 0xC0 || ((m >>> 3) & 7) != 1) throw ud();
        int s = eaSeg(m);
        if (locked) {
            // LOCK CMPXCHG8B on an aligned RAM qword: one 64-bit compare-and-exchange
            int lin = linW(s, eaOff, 8);
            int i = translate(lin, ACC_WRITE, tlbSet);
            alignCheck8(lin);
            if (tagW[i] == (lin & 0xFFFFF000) && (lin & 7) == 0) {
                long expect = (r[2] & 0xFFFFFFFFL) << 32 | (r[0] & 0xFFFFFFFFL);
                long repl = (r[1] & 0xFFFFFFFFL) << 32 | (r[3] & 0xFFFFFFFFL);
                long seen = ByteArrayAtomics.compareAndExchange64(tArr[i], tOff[i] + (lin & 0xFFF), expect, repl);
                flags();
                if (seen == expect) {
                    eflags |= ZF;
                } else {
                    r[0] = (int) seen;
                    r[2] = (int) (seen >>> 32);
                    eflags &= ~ZF;
                }
                return;
            }
        }
        int lo = rd32(s, eaOff), hi = rd32(s, eaOff + 4);
        alignCheck8(linR(s, eaOff, 8));
        flags();
        if (lo == r[0] && hi == r[2]) {
            int lin = linW(s, eaOff, 8);
            probeWrite(lin, 8);
            wr32(s, eaOff, r[3]);
            wr32(s, eaOff + 4, r[1]);
            eflags |= ZF;
        } else {
            int lin = linW(s, eaOff, 8);
            probeWrite(lin, 8);
            wr32(s, eaOff, lo);
            wr32(s, eaOff + 4, hi);
            r[0] = lo;
            r[2] = hi;
            eflags &= ~ZF;
        }
    }

    abstract void group6();

    abstract void group7();

    abstract void larLsl(boolean lar);

    abstract void clts();

    abstract void movCrDr(int op);

    abstract void wrmsr();

    abstract void rdmsr();

    abstract void rdtsc();

    abstract void sysenter();

    abstract void sysexit();

    abstract void cpuid();

    abstract void group15();
}
