package org.oxen.x86.cpu.internal;

import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.PhysicalMemory;

/** The one-byte opcodes 0x80-0xFF. */
abstract class Exec1 extends Exec {

    Exec1(PhysicalMemory mem, IoPortDevice io) {
        super(mem, io);
    }

    @Override
    final void exec1(int op) {
        switch (op) {
            case 0x80: case 0x81: case 0x82: case 0x83: group1(op); return;
            case 0x84: case 0x85: {
                int sz = op == 0x84 ? 0 : osz();
                int m = fetch8();
                int e = m >= 0xC0 ? regSz(m & 7, sz) : rdSz(eaSeg(m), eaOff, sz);
                alu(4, e, regSz((m >>> 3) & 7, sz), sz);
                return;
            }
            case 0x86: case 0x87: {
                int sz = op == 0x86 ? 0 : osz();
                int m = fetch8();
                int g = (m >>> 3) & 7;
                if (m >= 0xC0) {
                    int t = regSz(m & 7, sz);
                    setRegSz(m & 7, sz, regSz(g, sz));
                    setRegSz(g, sz, t);
                } else {
                    int s = eaSeg(m);
                    int t;
                    for (;;) { // XCHG with memory is always locked
                        beginLocked();
                        try {
                            t = rdSz(s, eaOff, sz);
                            wrSz(s, eaOff, sz, regSz(g, sz));
                            break;
                        } catch (LockRetry retry) {
                            Thread.onSpinWait();
                        } finally {
                            locked = false;
                        }
                    }
                    setRegSz(g, sz, t);
                }
                return;
            }
            case 0x88: case 0x89: {
                int sz = op == 0x88 ? 0 : osz();
                int m = fetch8();
                int v = regSz((m >>> 3) & 7, sz);
                if (m >= 0xC0) setRegSz(m & 7, sz, v); else wrSz(eaSeg(m), eaOff, sz, v);
                return;
            }
            case 0x8A: case 0x8B: {
                int sz = op == 0x8A ? 0 : osz();
                int m = fetch8();
                int v = m >= 0xC0 ? regSz(m & 7, sz) : rdSz(eaSeg(m), eaOff, sz);
                setRegSz((m >>> 3) & 7, sz, v);
                return;
            }
            case 0x8C: {
                int m = fetch8();
                int sr = (m >>> 3) & 7;
                if (sr > 5) throw ud();
                if (m >= 0xC0) setRegSz(m & 7, osz(), segSel[sr]); else wr16(eaSeg(m), eaOff, segSel[sr]);
                return;
            }
            case 0x8D: {
                int m = fetch8();
                if (m >= 0xC0) throw ud();
                int off = ea(m);
                setRegSz((m >>> 3) & 7, osz(), off);
                return;
            }
            case 0x8E: {
                int m = fetch8();
                int sr = (m >>> 3) & 7;
                if (sr > 5 || sr == CS) throw ud();
                int v = m >= 0xC0 ? r[m & 7] & 0xFFFF : rd16(eaSeg(m), eaOff);
                loadSeg(sr, v);
                if (sr == SS) {
                    intShadow = true;
                    ssShadow = true;
                    breakBatch = true;
                }
                return;
            }
            case 0x8F: {
                int m = fetch8();
                int sz = osz();
                int v = peek(0, op32);
                if (m >= 0xC0) {
                    addSp(op32 ? 4 : 2);
                    setRegSz(m & 7, sz, v);
                } else {
                    // the address is computed after ESP is incremented
                    int old = r[4];
                    addSp(op32 ? 4 : 2);
                    try {
                        wrSz(eaSeg(m), eaOff, sz, v);
                    } catch (Fault f) {
                        r[4] = old;
                        throw f;
                    }
                }
                return;
            }
            case 0x90:
                return;
            case 0x91: case 0x92: case 0x93: case 0x94: case 0x95: case 0x96: case 0x97: {
                int sz = osz();
                int t = regSz(op & 7, sz);
                setRegSz(op & 7, sz, regSz(0, sz));
                setRegSz(0, sz, t);
                return;
            }
            case 0x98: if (op32) r[0] = (short) r[0]; else setReg16(0, (byte) r[0]); return;
            case 0x99: if (op32) r[2] = r[0] >> 31; else setReg16(2, (short) r[0] >> 15); return;
            case 0x9A: {
                int off = op32 ? fetch32() : fetch16();
                int sel = fetch16();
                farJump(sel, off, true, eip);
                return;
            }
            case 0x9B: fwait(); return;
            case 0x9C: pushf(); return;
            case 0x9D: popf(); return;
            case 0x9E: setArith(SF | ZF | AF | PF | CF, (r[0] >>> 8) & 0xD5); return;
            case 0x9F: setReg8(4, flags() & 0xD7 | 2); return;
            case 0xA0: case 0xA1: case 0xA2: case 0xA3: {
                int sz = (op & 1) == 0 ? 0 : osz();
                int off = addr32 ? fetch32() : fetch16();
                if (op < 0xA2) setRegSz(0, sz, rdSz(dataSeg(), off, sz)); else wrSz(dataSeg(), off, sz, r[0]);
                return;
            }
            case 0xA4: string(0, 0); return;
            case 0xA5: string(0, osz()); return;
            case 0xA6: string(1, 0); return;
            case 0xA7: string(1, osz()); return;
            case 0xA8: alu(4, r[0] & 0xFF, fetch8(), 0); return;
            case 0xA9: { int sz = osz(); alu(4, regSz(0, sz), fetchSz(sz), sz); return; }
            case 0xAA: string(2, 0); return;
            case 0xAB: string(2, osz()); return;
            case 0xAC: string(3, 0); return;
            case 0xAD: string(3, osz()); return;
            case 0xAE: string(4, 0); return;
            case 0xAF: string(4, osz()); return;
            case 0xB0: case 0xB1: case 0xB2: case 0xB3: case 0xB4: case 0xB5: case 0xB6: case 0xB7:
                setReg8(op & 7, fetch8());
                return;
            case 0xB8: case 0xB9: case 0xBA: case 0xBB: case 0xBC: case 0xBD: case 0xBE: case 0xBF:
                if (op32) r[op & 7] = fetch32(); else setReg16(op & 7, fetch16());
                return;
            case 0xC0: case 0xC1: case 0xD0: case 0xD1: case 0xD2: case 0xD3: group2(op); return;
            case 0xC2: case 0xC3: {
                int imm = op == 0xC2 ? fetch16() : 0;
                int t = peek(0, op32);
                if (!op32) t &= 0xFFFF;
                checkEip(t);
                addSp((op32 ? 4 : 2) + imm);
                eip = t;
                return;
            }
            case 0xC4: case 0xC5: loadFar(op == 0xC4 ? ES : DS); return;
            case 0xC6: case 0xC7: {
                int sz = op == 0xC6 ? 0 : osz();
                int m = fetch8();
                if (m >= 0xC0) {
                    setRegSz(m & 7, sz, fetchSz(sz));
                } else {
                    int s = eaSeg(m);
                    wrSz(s, eaOff, sz, fetchSz(sz));
                }
                return;
            }
            case 0xC8: enter(); return;
            case 0xC9: {
                int bp = stack32 ? r[5] : r[5] & 0xFFFF;
                int v = op32 ? rd32(SS, bp) : rd16(SS, bp);
                setSp(bp + (op32 ? 4 : 2));
                setRegSz(5, osz(), v);
                return;
            }
            case 0xCA: farRet(fetch16()); return;
            case 0xCB: farRet(0); return;
            case 0xCC: softInt(3, true); return;
            case 0xCD: softInt(fetch8(), false); return;
            case 0xCE: if (ofSet()) softInt(4, true); return;
            case 0xCF: iret(); nmiBlocked = false; breakBatch = true; return;
            case 0xD4: aam(fetch8()); return;
            case 0xD5: aad(fetch8()); return;
            case 0xD6: setReg8(0, cfSet() ? 0xFF : 0); return;
            case 0xD7: setReg8(0, rd8(dataSeg(), (addr32 ? r[3] : r[3] & 0xFFFF) + (r[0] & 0xFF) & (addr32 ? -1 : 0xFFFF))); return;
            case 0xD8: case 0xD9: case 0xDA: case 0xDB: case 0xDC: case 0xDD: case 0xDE: case 0xDF: x87(op); return;
            case 0xE0: case 0xE1: case 0xE2: case 0xE3: loop(op); return;
            case 0xE4: setReg8(0, ioIn(fetch8(), 0)); return;
            case 0xE5: { int p = fetch8(); setRegSz(0, osz(), ioIn(p, osz())); return; }
            case 0xE6: ioOut(fetch8(), 0, r[0]); return;
            case 0xE7: ioOut(fetch8(), osz(), r[0]); return;
            case 0xE8: {
                int rel = op32 ? fetch32() : (short) fetch16();
                int ret = eip;
                int t = op32 ? eip + rel : (eip + rel) & 0xFFFF;
                checkEip(t);
                push(ret);
                eip = t;
                return;
            }
            case 0xE9: jumpRel(op32 ? fetch32() : (short) fetch16()); return;
            case 0xEA: {
                int off = op32 ? fetch32() : fetch16();
                int sel = fetch16();
                farJump(sel, off, false, eip);
                return;
            }
            case 0xEB: jumpRel((byte) fetch8()); return;
            case 0xEC: setReg8(0, ioIn(r[2], 0)); return;
            case 0xED: setRegSz(0, osz(), ioIn(r[2], osz())); return;
            case 0xEE: ioOut(r[2], 0, r[0]); return;
            case 0xEF: ioOut(r[2], osz(), r[0]); return;
            case 0xF1: softInt(1, true); return;
            case 0xF4: hlt(); return;
            case 0xF5: flags(); eflags ^= CF; return;
            case 0xF6: case 0xF7: group3(op); return;
            case 0xF8: setCF(false); return;
            case 0xF9: setCF(true); return;
            case 0xFA: cli(); return;
            case 0xFB: sti(); return;
            case 0xFC: eflags &= ~DF; return;
            case 0xFD: eflags |= DF; return;
            case 0xFE: case 0xFF: group45(op); return;
            default: throw ud();
        }
    }

    private void group1(int op) {
        int sz = (op & 1) == 0 ? 0 : osz();
        int m = fetch8();
        int kind = (m >>> 3) & 7;
        if (m >= 0xC0) {
            int imm = op == 0x81 ? fetchSz(sz) : (byte) fetch8();
            int res = alu(kind, regSz(m & 7, sz), imm & MASK[sz], sz);
            if (kind != 7) setRegSz(m & 7, sz, res);
        } else {
            int s = eaSeg(m);
            int imm = op == 0x81 ? fetchSz(sz) : (byte) fetch8();
            int res = alu(kind, rdSz(s, eaOff, sz), imm & MASK[sz], sz);
            if (kind != 7) wrSz(s, eaOff, sz, res);
        }
    }

    private void group2(int op) {
        int sz = (op & 1) == 0 ? 0 : osz();
        int m = fetch8();
        int kind = (m >>> 3) & 7;
        int s = m >= 0xC0 ? -1 : eaSeg(m);
        int count = op <= 0xC1 ? fetch8() : op <= 0xD1 ? 1 : r[1] & 0xFF;
        int v = s < 0 ? regSz(m & 7, sz) : rdSz(s, eaOff, sz);
        int res = shift(kind, v, count, sz);
        if (s < 0) setRegSz(m & 7, sz, res); else wrSz(s, eaOff, sz, res);
    }

    private void group3(int op) {
        int sz = op == 0xF6 ? 0 : osz();
        int m = fetch8();
        int kind = (m >>> 3) & 7;
        int s = m >= 0xC0 ? -1 : eaSeg(m);
        int v = s < 0 ? regSz(m & 7, sz) : rdSz(s, eaOff, sz);
        switch (kind) {
            case 0: case 1: alu(4, v, fetchSz(sz), sz); return;
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

    private void group45(int op) {
        int m = fetch8();
        int kind = (m >>> 3) & 7;
        if (op == 0xFE && kind > 1) throw ud();
        int sz = op == 0xFE ? 0 : osz();
        int s = m >= 0xC0 ? -1 : eaSeg(m);
        switch (kind) {
            case 0: case 1: {
                int v = s < 0 ? regSz(m & 7, sz) : rdSz(s, eaOff, sz);
                int res = kind == 0 ? inc(v, sz) : dec(v, sz);
                if (s < 0) setRegSz(m & 7, sz, res); else wrSz(s, eaOff, sz, res);
                return;
            }
            case 2: {
                int t = s < 0 ? regSz(m & 7, sz) : rdSz(s, eaOff, sz);
                checkEip(t);
                push(eip);
                eip = t;
                return;
            }
            case 4: {
                int t = s < 0 ? regSz(m & 7, sz) : rdSz(s, eaOff, sz);
                checkEip(t);
                eip = t;
                return;
            }
            case 3: case 5: {
                if (s < 0) throw ud();
                int off = op32 ? rd32(s, eaOff) : rd16(s, eaOff);
                int sel = rd16(s, eaOff + (op32 ? 4 : 2));
                farJump(sel, off, kind == 3, eip);
                return;
            }
            case 6: {
                int v = s < 0 ? regSz(m & 7, sz) : rdSz(s, eaOff, sz);
                push(v);
                return;
            }
            default: throw ud();
        }
    }

    private void loadFar(int seg) {
        int m = fetch8();
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

    final void loadFarOf(int seg) {
        loadFar(seg);
    }

    /**
     * ENTER (SDM; Bochs' ENTER16/ENTER32). The pushes and the frame-pointer reads use SP or ESP
     * as SS.B says, whatever the operand size; FrameTemp is ESP with a 32-bit operand size (the
     * whole register even on a 16-bit stack) and SP with a 16-bit one. The final stack pointer
     * is probed for a write (as Bochs' RMW access of SS:eSP): a frame that reaches a page not
     * present faults with its address in CR2. A fault anywhere leaves ESP as it was, so the
     * retried ENTER starts again.
     */
    private void enter() {
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
                    bp = stack32 ? bp - n : (bp & 0xFFFF) - n;
                    int v = d ? rd32(SS, stack32 ? bp : bp & 0xFFFF) : rd16(SS, stack32 ? bp : bp & 0xFFFF);
                    push(v);
                }
                push(frame);
            }
            int lin = linW(SS, sp() - size & (stack32 ? -1 : 0xFFFF), n);
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

    private void loop(int op) {
        int rel = (byte) fetch8();
        boolean take;
        if (op == 0xE3) {
            take = cnt() == 0;
        } else {
            int c = cnt() - 1;
            setCnt(c);
            if (!addr32) c &= 0xFFFF;
            take = c != 0 && (op == 0xE2 || (op == 0xE1) == zfSet());
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

    abstract void softInt(int vector, boolean oneByte);

    abstract void x87(int op);

    abstract void fwait();
}
