package org.oxen.x86.cpu.internal;

import static org.oxen.x86.cpu.internal.Forms.*;

import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.PhysicalMemory;

/**
 * Handlers of the one-byte map's control-transfer, string, flag, port and group 2/3/5 forms
 * ({@link Forms}); the rest of the 0F map goes on to {@link Exec0F}.
 */
abstract class Exec1 extends Exec {

    Exec1(PhysicalMemory mem, IoPortDevice io) {
        super(mem, io);
    }

    @Override
    final void exec1(int f, int m) {
        switch (HANDLER[f]) {
            case H_ESC0F: exec0F(fetch8()); return;
            case H_PREFIX: case H_UD: throw ud();
            case H_STRING: string(OPERATION[f], stringSize(f)); return;
            case H_JCC: {
                int rel = OP1[f] == Jb ? (byte) fetch8() : op32 ? fetch32() : (short) fetch16();
                if (cond(OPERATION[f])) jumpRel(rel);
                return;
            }
            case H_DAA: daa(); return;
            case H_DAS: das(); return;
            case H_AAA: aaa(false); return;
            case H_AAS: aaa(true); return;
            case H_CBW: if (op32) r[0] = (short) r[0]; else setReg16(0, (byte) r[0]); return;
            case H_CWD: if (op32) r[2] = r[0] >> 31; else setReg16(2, (short) r[0] >> 15); return;
            case H_CALL_AP: case H_JMP_AP: {
                int off = op32 ? fetch32() : fetch16();
                int sel = fetch16();
                farJump(sel, off, HANDLER[f] == H_CALL_AP, eip);
                return;
            }
            case H_FWAIT: fwait(); return;
            case H_PUSHF: pushf(); return;
            case H_POPF: popf(); return;
            case H_SAHF: setArith(SF | ZF | AF | PF | CF, (r[0] >>> 8) & 0xD5); return;
            case H_LAHF: setReg8(4, flags() & 0xD7 | 2); return;
            case H_SHIFT: shiftE(f, m); return;
            case H_RET: {
                int imm = OP1[f] == Iw ? fetch16() : 0;
                int t = peek(0, op32);
                if (!op32) t &= 0xFFFF;
                checkEip(t);
                addSp((op32 ? 4 : 2) + imm);
                eip = t;
                return;
            }
            case H_LOAD_FAR: loadFar(OPERATION[f], m); return;
            case H_ENTER: enter(); return;
            case H_LEAVE: {
                int bp = stack32 ? r[5] : r[5] & 0xFFFF;
                int v = op32 ? rd32(SS, bp) : rd16(SS, bp);
                setSp(bp + (op32 ? 4 : 2));
                setRegSz(5, osz(), v);
                return;
            }
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
            case H_LOOP: loop(OPERATION[f]); return;
            case H_IN: {
                int sz = size(OP1[f], osz());
                int port = OP2[f] == DX ? r[2] : fetch8();
                setRegSz(0, sz, ioIn(port, sz));
                return;
            }
            case H_OUT: {
                int sz = size(OP2[f], osz());
                int port = OP1[f] == DX ? r[2] : fetch8();
                ioOut(port, sz, r[0]);
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
            case H_INT1: softInt(1, true); return;
            case H_HLT: hlt(); return;
            case H_CMC: flags(); eflags ^= CF; return;
            case H_CLC: setCF(false); return;
            case H_STC: setCF(true); return;
            case H_CLI: cli(); return;
            case H_STI: sti(); return;
            case H_CLD: eflags &= ~DF; return;
            case H_STD: eflags |= DF; return;
            case H_NOT: case H_NEG: case H_MUL: case H_DIV: group3(f, m); return;
            case H_CALL_E: case H_JMP_E: {
                int t = readE(m, osz());
                checkEip(t);
                if (HANDLER[f] == H_CALL_E) push(eip);
                eip = t;
                return;
            }
            case H_CALLF_M: case H_JMPF_M: {
                if (m >= 0xC0) throw ud();
                int s = eaSeg(m);
                int off = op32 ? rd32(s, eaOff) : rd16(s, eaOff);
                int sel = rd16(s, eaOff + (op32 ? 4 : 2));
                farJump(sel, off, HANDLER[f] == H_CALLF_M, eip);
                return;
            }
            default: exec2(f, m);
        }
    }

    /** Element size of a string form: from its memory operand (X or Y), b or v. */
    private int stringSize(int f) {
        int o = method(OP1[f]) == A_X || method(OP1[f]) == A_Y ? OP1[f] : OP2[f];
        return size(o, osz());
    }

    /** Group 2: ROL..SAR Eb/Ev by Ib, 1 or CL; the address and the immediate before the operand is read. */
    private void shiftE(int f, int m) {
        int sz = size(OP1[f], osz());
        int s = m >= 0xC0 ? -1 : eaSeg(m);
        int o = OP2[f];
        int count = o == CL ? r[1] & 0xFF : o == ONE_ ? 1 : fetch8();
        int v = s < 0 ? regSz(m & 7, sz) : rdSz(s, eaOff, sz);
        int res = shift(OPERATION[f], v, count, sz);
        if (s < 0) setRegSz(m & 7, sz, res); else wrSz(s, eaOff, sz, res);
    }

    /** Group 3: NOT, NEG, MUL, IMUL, DIV, IDIV Eb/Ev (the operation is the reg field). */
    private void group3(int f, int m) {
        int sz = size(OP1[f], osz());
        int kind = OPERATION[f];
        int s = m >= 0xC0 ? -1 : eaSeg(m);
        int v = s < 0 ? regSz(m & 7, sz) : rdSz(s, eaOff, sz);
        switch (kind) {
            case 2: { int res = ~v & MASK[sz]; if (s < 0) setRegSz(m & 7, sz, res); else wrSz(s, eaOff, sz, res); return; }
            case 3: {
                int res = neg(v, sz);
                if (s < 0) setRegSz(m & 7, sz, res); else wrSz(s, eaOff, sz, res);
                return;
            }
            case 4: mul(v, sz, false); return;
            case 5: mul(v, sz, true); return;
            case 6: div(v, sz, false); return;
            default: div(v, sz, true);
        }
    }

    /** LES/LDS/LSS/LFS/LGS Gv,Mp. */
    final void loadFar(int seg, int m) {
        if (m >= 0xC0) throw ud();
        int s = eaSeg(m);
        int off = op32 ? rd32(s, eaOff) : rd16(s, eaOff);
        int sel = rd16(s, eaOff + (op32 ? 4 : 2));
        loadSeg(seg, sel);
        setRegSz((m >>> 3) & 7, osz(), off);
        if (seg == SS) {
            intShadow = true;
            ssShadow = true;
            breakBatch = true;
        }
    }

    private void enter() {
        int size = fetch16();
        int level = fetch8() & 0x1F;
        boolean d = op32;
        int n = d ? 4 : 2;
        int bp = r[5];
        push(bp);
        // FrameTemp: ESP with a 32-bit operand size (the whole register even on a 16-bit stack,
        // SDM ENTER and Bochs' ENTER32), SP with a 16-bit one
        int frame = d ? r[4] : r[4] & 0xFFFF;
        if (level > 0) {
            for (int i = 1; i < level; i++) {
                bp = stack32 ? bp - n : (bp & 0xFFFF) - n;
                int v = d ? rd32(SS, stack32 ? bp : bp & 0xFFFF) : rd16(SS, stack32 ? bp : bp & 0xFFFF);
                push(v);
            }
            push(frame);
        }
        setRegSz(5, d ? 2 : 1, frame);
        setSp(sp() - size);
        if (paging() || !segFlatW[SS]) {
            linW(SS, sp(), 1);
        }
    }

    /** LOOPNE (0), LOOPE (1), LOOP (2), JECXZ (3). */
    private void loop(int kind) {
        int rel = (byte) fetch8();
        boolean take;
        if (kind == 3) {
            take = cnt() == 0;
        } else {
            int c = cnt() - 1;
            setCnt(c);
            if (!addr32) c &= 0xFFFF;
            take = c != 0 && (kind == 2 || (kind == 1) == zfSet());
        }
        if (take) jumpRel(rel);
    }

    private void pushf() {
        if (v86() && iopl() < 3) throw gp(0);
        int f = flags() & ~(VM | RF);
        if (op32) push32(f); else push16(f);
    }

    private void popf() {
        if (v86() && iopl() < 3) throw gp(0);
        int v = op32 ? pop32() : pop16() | (flags() & 0xFFFF0000);
        int mask = CF | PF | AF | ZF | SF | TF | DF | OF | NT | AC | ID;
        if (!pm() || cpl == 0) mask |= IOPL | IF;
        else if (cpl <= iopl()) mask |= IF;
        if (!op32) mask &= 0xFFFF;
        writeFlags((flags() & ~mask) | (v & mask), false);
        breakBatch = true;
    }

    private void cli() {
        if (pm() && cpl > iopl()) throw privileged();
        eflags &= ~IF;
    }

    private void sti() {
        if (pm() && cpl > iopl()) throw privileged();
        if ((eflags & IF) == 0) {
            intShadow = true;
            ssShadow = false;
        }
        eflags |= IF;
        breakBatch = true;
    }

    private void hlt() {
        needCpl0();
        if (hltExit) {
            throw exit(X_HLT);
        }
        halted = true;
        breakBatch = true;
    }

    /** Handlers of the 0F map. */
    abstract void exec2(int f, int m);

    abstract void softInt(int vector, boolean oneByte);

    abstract void x87(int op);

    abstract void fwait();
}
