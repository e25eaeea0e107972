package org.oxen.x86.cpu.internal;

import static org.oxen.x86.cpu.internal.Forms.*;

import org.oxen.x86.api.ByteArrayAtomics;
import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.PhysicalMemory;

/** Handlers of the 0F map's forms ({@link Forms}). System instructions live in {@link Sys}. */
abstract class Exec0F extends Exec1 {

    Exec0F(PhysicalMemory mem, IoPortDevice io) {
        super(mem, io);
    }

    @Override
    final void exec2(int f, int m) {
        switch (HANDLER[f]) {
            case H_GRP6: group6(); return;
            case H_GRP7: group7(); return;
            case H_LAR: larLsl(true); return;
            case H_LSL: larLsl(false); return;
            case H_CLTS: clts(); return;
            case H_INVD: needCpl0(); return;
            case H_MOV_CRDR: movCrDr(OPERATION[f]); return;
            case H_WRMSR: wrmsr(); return;
            case H_RDTSC: rdtsc(); return;
            case H_RDMSR: rdmsr(); return;
            case H_SYSENTER: sysenter(); return;
            case H_SYSEXIT: sysexit(); return;
            case H_CPUID: cpuid(); return;
            case H_BT_EG: bitOp(OPERATION[f], false, m); return;
            case H_BT_EI: bitOp(OPERATION[f], true, m); return;
            case H_SHD: shd(f, m); return;
            case H_GRP15: group15(); return;
            case H_CMPXCHG: cmpxchg(size(OP1[f], osz()), m); return;
            case H_BSF: bsfBsr(true, m); return;
            case H_BSR: bsfBsr(false, m); return;
            case H_XADD: xadd(size(OP1[f], osz()), m); return;
            case H_CMPXCHG8B: cmpxchg8b(m); return;
            case H_BSWAP: r[ZREG[f]] = Integer.reverseBytes(r[ZREG[f]]); return;
            default: throw new IllegalStateException("form " + f + " (" + NAME[f] + ") has no handler " + HANDLER[f]);
        }
    }

    /** SHLD (operation 0) / SHRD (1) Ev,Gv,Ib / Ev,Gv,CL. */
    private void shd(int f, int m) {
        int sz = osz();
        int s = m >= 0xC0 ? -1 : eaSeg(m);
        int count = OP3[f] == CL ? r[1] & 0xFF : fetch8();
        int v = s < 0 ? regSz(m & 7, sz) : rdSz(s, eaOff, sz);
        int res = shiftDouble(OPERATION[f] == 0, v, regSz((m >>> 3) & 7, sz), count, sz);
        if ((count & 0x1F) == 0) return;
        if (s < 0) setRegSz(m & 7, sz, res); else wrSz(s, eaOff, sz, res);
    }

    /** kind: 0 BT 1 BTS 2 BTR 3 BTC; {@code imm}: Ev,Ib (group 8), else Ev,Gv (the bit offset may leave the operand). */
    private void bitOp(int kind, boolean imm, int m) {
        int sz = osz();
        int bits = 8 << sz;
        int s = m >= 0xC0 ? -1 : eaSeg(m);
        int bit;
        int off = eaOff;
        if (imm) {
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

    private void bsfBsr(boolean fwd, int m) {
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

    private void cmpxchg(int sz, int m) {
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

    private void xadd(int sz, int m) {
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

    private void cmpxchg8b(int m) {
        if (m >= 0xC0) throw ud();
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
