package org.oxen.x86.cpu.internal;

import static org.oxen.x86.cpu.internal.Forms.*;

import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.PhysicalMemory;
import org.oxen.x86.host.RawMemory;

/**
 * Handlers of the 0F map's forms ({@link Forms}), and the interpreter's dispatch over every
 * form's handler ({@link #exec}: by dispatch group, then by handler). System instructions live in {@link Sys}.
 */
abstract class Exec0F extends Exec1 {

    Exec0F(PhysicalMemory mem, IoPortDevice io) {
        super(mem, io);
    }

    /**
     * Runs form {@code f}: the interpreter's dispatch, first by the form's group
     * ({@link Forms#DISPATCH}), then by its handler in the group's method. Each group's switch is
     * small enough for C2 to inline its hot handlers; one switch over every handler was not.
     */
    @Override
    final void exec(int f, int m) {
        switch (DISPATCH[f]) {
            case D_ARITH: execArith(f, m); return;
            case D_MOVE: execMove(f, m); return;
            case D_STACK: execStack(f, m); return;
            case D_BRANCH: execBranch(f, m); return;
            default: execOther(f, m);
        }
    }

    private void execArith(int f, int m) {
        switch (HANDLER[f]) {
            case H_ALU_EG: aluEG(f, m); return;
            case H_ALU_GE: aluGE(f, m); return;
            case H_ALU_AI: aluAI(f); return;
            case H_ALU_EI: aluEI(f, m); return;
            case H_INC_Z: incDecZ(false, ZREG[f]); return;
            case H_DEC_Z: incDecZ(true, ZREG[f]); return;
            case H_INCDEC_E: incDecE(f, m); return;
            case H_IMUL_GEI: imulGEI(f, m); return;
            case H_IMUL_GE: imulGE(m); return;
            case H_SHIFT: shiftE(f, m); return;
            case H_NOT: case H_NEG: case H_MUL: case H_DIV: group3(f, m); return;
            case H_CBW: if (op32) r[0] = (short) r[0]; else setReg16(0, (byte) r[0]); return;
            case H_CWD: if (op32) r[2] = r[0] >> 31; else setReg16(2, (short) r[0] >> 15); return;
            case H_BT_EG: bitOp(OPERATION[f], false, m); return;
            case H_BT_EI: bitOp(OPERATION[f], true, m); return;
            case H_SHD: shd(f, m); return;
            case H_CMPXCHG: cmpxchg(size1(f), m); return;
            case H_BSF: bsfBsr(true, m); return;
            case H_BSR: bsfBsr(false, m); return;
            case H_XADD: xadd(size1(f), m); return;
            default: throw noHandler(f);
        }
    }

    private void execMove(int f, int m) {
        switch (HANDLER[f]) {
            case H_MOV_EG: movEG(f, m); return;
            case H_MOV_GE: { int sz = size1(f); setRegSz((m >>> 3) & 7, sz, readE(m, sz)); return; }
            case H_MOV_ES: movES(m); return;
            case H_LEA: lea(m); return;
            case H_MOV_SE: movSE(m); return;
            case H_MOV_AO: case H_MOV_OA: movMoffs(f); return;
            case H_MOV_ZI: { int sz = size1(f); setRegSz(ZREG[f], sz, immediate(OP2[f])); return; }
            case H_MOV_EI: movEI(f, m); return;
            case H_CMOV: cmov(f, m); return;
            case H_SETCC: { int v = cond(OPERATION[f]) ? 1 : 0; if (m >= 0xC0) setReg8(m & 7, v); else wr8(eaSeg(m), eaOff, v); return; }
            case H_MOVX: movx(f, m); return;
            case H_XCHG_EG: xchgEG(f, m); return;
            case H_XCHG_Z: xchgZ(ZREG[f]); return;
            case H_NOP: case H_NOP_E: nopE(f, m); return;
            case H_BSWAP: r[ZREG[f]] = Integer.reverseBytes(r[ZREG[f]]); return;
            default: throw noHandler(f);
        }
    }

    private void execStack(int f, int m) {
        switch (HANDLER[f]) {
            case H_PUSH_Z: if (op32) push32(r[ZREG[f]]); else push16(r[ZREG[f]]); return;
            case H_POP_Z: popZ(ZREG[f]); return;
            case H_PUSH_I: push(immediate(OP1[f])); return;
            case H_PUSH_E: push(readE(m, osz())); return;
            case H_POP_E: popE(m); return;
            case H_PUSH_SEG: push(segSel[OPERATION[f]]); return;
            case H_POP_SEG: popSeg(OPERATION[f]); return;
            case H_PUSHA: pusha(); return;
            case H_POPA: popa(); return;
            case H_PUSHF: pushf(); return;
            case H_POPF: popf(); return;
            case H_ENTER: enter(); return;
            case H_LEAVE: {
                int bp = Semantics.stackOffset(r[5], stack32);
                int v = op32 ? rd32(SS, bp) : rd16(SS, bp);
                setSp(bp + (op32 ? 4 : 2));
                setRegSz(5, osz(), v);
                return;
            }
            default: throw noHandler(f);
        }
    }

    private void execBranch(int f, int m) {
        switch (HANDLER[f]) {
            case H_JCC: {
                int rel = OP1[f] == Jb ? (byte) fetch8() : op32 ? fetch32() : (short) fetch16();
                if (cond(OPERATION[f])) jumpRel(rel);
                return;
            }
            case H_CALL_J: {
                int rel = op32 ? fetch32() : (short) fetch16();
                int ret = eip;
                int t = op32 ? eip + rel : (eip + rel) & 0xFFFF;
                checkEip(t);
                push(ret);
                eip = t;
                return;
            }
            case H_JMP_J: jumpRel(OP1[f] == Jb ? (byte) fetch8() : op32 ? fetch32() : (short) fetch16()); return;
            case H_RET: {
                int imm = OP1[f] == Iw ? fetch16() : 0;
                int t = peek(0, op32);
                if (!op32) t &= 0xFFFF;
                checkEip(t);
                addSp((op32 ? 4 : 2) + imm);
                eip = t;
                return;
            }
            case H_CALL_E: case H_JMP_E: {
                int t = readE(m, osz());
                checkEip(t);
                if (HANDLER[f] == H_CALL_E) push(eip);
                eip = t;
                return;
            }
            case H_LOOP: loop(OPERATION[f]); return;
            default: throw noHandler(f);
        }
    }

    /** The forms a program runs rarely: prefixes and 0F escape, BCD, far transfers, I/O, flags, system. */
    private void execOther(int f, int m) {
        switch (HANDLER[f]) {
            case H_ESC0F: exec0F(fetch8()); return;
            case H_PREFIX: case H_UD: throw ud();
            case H_STRING: string(OPERATION[f], stringSize(f)); return;
            case H_BOUND: bound(m); return;
            case H_ARPL: arpl(m); return;
            case H_DAA: daa(); return;
            case H_DAS: das(); return;
            case H_AAA: aaa(false); return;
            case H_AAS: aaa(true); return;
            case H_CALL_AP: case H_JMP_AP: {
                int off = op32 ? fetch32() : fetch16();
                int sel = fetch16();
                farJump(sel, off, HANDLER[f] == H_CALL_AP, eip);
                return;
            }
            case H_FWAIT: fwait(); return;
            case H_SAHF: setArith(SF | ZF | AF | PF | CF, (r[0] >>> 8) & 0xD5); return;
            case H_LAHF: setReg8(4, flags() & 0xD7 | 2); return;
            case H_LOAD_FAR: loadFar(OPERATION[f], m); return;
            case H_RETF: farRet(OP1[f] == Iw ? fetch16() : 0); return;
            case H_INT3: softInt(3, true); return;
            case H_INT: softInt(fetch8(), false); return;
            case H_INTO: if (ofSet()) softInt(4, true); return;
            case H_IRET: iret(); nmiBlocked = false; breakBatch = true; return;
            case H_AAM: aam(fetch8()); return;
            case H_AAD: aad(fetch8()); return;
            case H_SALC: setReg8(0, cfSet() ? 0xFF : 0); return;
            case H_XLAT: setReg8(0, rd8(dataSeg(), (addr32 ? r[3] : r[3] & 0xFFFF) + (r[0] & 0xFF) & (addr32 ? -1 : 0xFFFF))); return;
            case H_X87: x87(0xD8 + OPERATION[f]); return;
            case H_IN: {
                int sz = size1(f);
                int port = OP2[f] == DX ? r[2] : fetch8();
                setRegSz(0, sz, ioIn(port, sz));
                return;
            }
            case H_OUT: {
                int sz = size2(f);
                int port = OP1[f] == DX ? r[2] : fetch8();
                ioOut(port, sz, r[0]);
                return;
            }
            case H_INT1: softInt(1, true); return;
            case H_HLT: hlt(); return;
            case H_CMC: flags(); eflags ^= CF; return;
            case H_CLC: setCF(false); return;
            case H_STC: setCF(true); return;
            case H_CLI: cli(); return;
            case H_STI: sti(); return;
            case H_CLD: eflags &= ~DF; return;
            case H_STD: eflags |= DF; return;
            case H_CALLF_M: case H_JMPF_M: {
                if (m >= 0xC0) throw ud();
                int s = eaSeg(m);
                int off = op32 ? rd32(s, eaOff) : rd16(s, eaOff);
                int sel = rd16(s, eaOff + (op32 ? 4 : 2));
                farJump(sel, off, HANDLER[f] == H_CALLF_M, eip);
                return;
            }
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
            case H_GRP15: group15(); return;
            case H_CMPXCHG8B: cmpxchg8b(m); return;
            default: throw noHandler(f);
        }
    }

    private static IllegalStateException noHandler(int f) {
        return new IllegalStateException("form " + f + " (" + NAME[f] + ") has no handler " + HANDLER[f]
                + " in its dispatch group " + DISPATCH[f]);
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

    /** Stores {@code update} in the aligned RAM qword at host {@code address} if it holds {@code expect}; returns what it held. */
    private static long compareAndExchange64(long address, long expect, long update) {
        for (;;) {
            long seen = RawMemory.getLongVolatile(address);
            if (seen != expect || RawMemory.compareAndSetLong(address, expect, update)) {
                return seen;
            }
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
                long seen = compareAndExchange64(tAddr[i] + (lin & 0xFFF), expect, repl);
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
