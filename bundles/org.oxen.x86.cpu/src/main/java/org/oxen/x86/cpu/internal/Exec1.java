package org.oxen.x86.cpu.internal;

import static org.oxen.x86.cpu.internal.Forms.*;

import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.PhysicalMemory;

/**
 * Handlers of the one-byte map's control-transfer, string, flag, port and group 2/3/5 forms
 * ({@link Forms}); the dispatch over all handlers is {@link Exec0F#exec}.
 */
abstract class Exec1 extends Exec {

    Exec1(PhysicalMemory mem, IoPortDevice io) {
        super(mem, io);
    }


    /** Element size of a string form: from its memory operand (X or Y), b or v. */
    final int stringSize(int f) {
        int o = method(OP1[f]) == A_X || method(OP1[f]) == A_Y ? OP1[f] : OP2[f];
        return size(o, osz());
    }

    /** Group 2: ROL..SAR Eb/Ev by Ib, 1 or CL; the address and the immediate before the operand is read. */
    final void shiftE(int f, int m) {
        int sz = size1(f);
        int s = m >= 0xC0 ? -1 : eaSeg(m);
        int o = OP2[f];
        int count = o == CL ? r[1] & 0xFF : o == ONE_ ? 1 : fetch8();
        int v = s < 0 ? regSz(m & 7, sz) : rdSz(s, eaOff, sz);
        int res = shift(OPERATION[f], v, count, sz);
        if (s < 0) setRegSz(m & 7, sz, res); else wrSz(s, eaOff, sz, res);
    }

    /** Group 3: NOT, NEG, MUL, IMUL, DIV, IDIV Eb/Ev (the operation is the reg field). */
    final void group3(int f, int m) {
        int sz = size1(f);
        if (m >= 0xC0) notNegMulDiv(OPERATION[f], sz, -1, 0, m & 7);
        else notNegMulDiv(OPERATION[f], sz, eaSeg(m), eaOff, 0);
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

    /**
     * ENTER (SDM; Bochs' ENTER16/ENTER32). The pushes and the frame-pointer reads use SP or ESP
     * as SS.B says, whatever the operand size; FrameTemp is ESP with a 32-bit operand size (the
     * whole register even on a 16-bit stack) and SP with a 16-bit one. The final stack pointer
     * is probed for a write (as Bochs' RMW access of SS:eSP): a frame that reaches a page not
     * present faults with its address in CR2. A fault anywhere leaves ESP as it was, so the
     * retried ENTER starts again.
     */
    final void enter() {
        int size = fetch16();
        int level = fetch8() & 0x1F;
        boolean d = op32;
        int n = d ? 4 : 2;
        int bp = r[5];
        int esp0 = r[4];
        try {
            push(bp);
            int frame = d ? r[4] : r[4] & 0xFFFF;
            if (level > 0) {
                for (int i = 1; i < level; i++) {
                    bp -= n;
                    int a = Semantics.stackOffset(bp, stack32);
                    int v = d ? rd32(SS, a) : rd16(SS, a);
                    push(v);
                }
                push(frame);
            }
            int lin = linW(SS, Semantics.stackOffset(sp() - size, stack32), n);
            if (paging()) {
                probeWrite(lin, n);
            }
            setRegSz(5, d ? 2 : 1, frame);
            setSp(sp() - size);
        } catch (Fault f) {
            r[4] = esp0;
            throw f;
        }
    }

    /** LOOPNE (0), LOOPE (1), LOOP (2), JECXZ (3). */
    final void loop(int kind) {
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

    final void pushf() {
        if (v86() && iopl() < 3) throw gp(0);
        int f = flags() & ~(VM | RF);
        if (op32) push32(f); else push16(f);
    }

    final void popf() {
        if (v86() && iopl() < 3) throw gp(0);
        int v = op32 ? pop32() : pop16() | (flags() & 0xFFFF0000);
        int mask = CF | PF | AF | ZF | SF | TF | DF | OF | NT | AC | ID;
        if (!pm() || cpl == 0) mask |= IOPL | IF;
        else if (cpl <= iopl()) mask |= IF;
        if (!op32) mask &= 0xFFFF;
        writeFlags((flags() & ~mask) | (v & mask), false);
        breakBatch = true;
    }

    final void cli() {
        if (pm() && cpl > iopl()) throw privileged();
        eflags &= ~IF;
    }

    final void sti() {
        if (pm() && cpl > iopl()) throw privileged();
        if ((eflags & IF) == 0) {
            intShadow = true;
            ssShadow = false;
        }
        eflags |= IF;
        breakBatch = true;
    }

    final void hlt() {
        needCpl0();
        if (hltExit) {
            throw exit(X_HLT);
        }
        halted = true;
        breakBatch = true;
    }

    abstract void softInt(int vector, boolean oneByte);

    abstract void x87(int op);

    abstract void fwait();
}
