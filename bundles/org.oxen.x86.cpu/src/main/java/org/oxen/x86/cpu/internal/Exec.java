package org.oxen.x86.cpu.internal;

import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.PhysicalMemory;

/** Prefix decoding and the one-byte opcodes 0x00-0x7F. */
abstract class Exec extends Decode {

    Exec(PhysicalMemory mem, IoPortDevice io) {
        super(mem, io);
    }

    /** Executes one instruction (prefixes included). */
    final void step() {
        startEip = eip;
        boolean d = code32;
        op32 = d;
        addr32 = d;
        segOvr = -1;
        rep = 0;
        int op = fetch8();
        if (op < 0x80) {
            if ((op & 0xE7) != 0x26 && (op & 0xFC) != 0x64) {
                exec0(op);
                return;
            }
        } else if ((op & 0xFE) != 0xF2 && op != 0xF0) {
            exec1(op);
            return;
        }
        prefixed(op);
    }

    private void prefixed(int op) {
        lockPfx = false;
        for (int n = 0; ; n++) {
            if (n >= 14) {
                throw gp(0);
            }
            switch (op) {
                case 0x26: segOvr = ES; break;
                case 0x2E: segOvr = CS; break;
                case 0x36: segOvr = SS; break;
                case 0x3E: segOvr = DS; break;
                case 0x64: segOvr = FS; break;
                case 0x65: segOvr = GS; break;
                case 0x66: op32 = !code32; break;
                case 0x67: addr32 = !code32; break;
                case 0xF0: lockPfx = true; break;
                case 0xF2: case 0xF3: rep = op; break;
                default:
                    if (lockPfx) {
                        lockedExec(op);
                    } else if (op < 0x80) {
                        exec0(op);
                    } else {
                        exec1(op);
                    }
                    return;
            }
            op = fetch8();
        }
    }

    private final int[] lockRegs = new int[8];

    /**
     * A LOCK-prefixed instruction: its memory write is a compare-and-set against the value it
     * read, so it is atomic against every other CPU's accesses to that dword; when another CPU
     * changed the operand meanwhile, registers and flags are restored and it runs again.
     */
    private void lockedExec(int op) {
        if (!lockable(op)) {
            throw ud();
        }
        int f = flags();
        int e = eip;
        System.arraycopy(r, 0, lockRegs, 0, 8);
        for (;;) {
            beginLocked();
            try {
                if (op < 0x80) exec0(op); else exec1(op);
                return;
            } catch (LockRetry retry) {
                System.arraycopy(lockRegs, 0, r, 0, 8);
                eflags = f;
                lop = L_NONE;
                eip = e;
                Thread.onSpinWait();
            } finally {
                locked = false;
            }
        }
    }

    /**
     * True when {@code op} (with the bytes after it, which are read and then given back) is one
     * of the forms LOCK may prefix: ADD/ADC/AND/OR/SBB/SUB/XOR r/m,r and r/m,imm, BTC/BTR/BTS,
     * CMPXCHG, CMPXCHG8B, DEC/INC, NEG/NOT, XADD, XCHG, each with a memory destination (SDM Vol. 2,
     * LOCK). Anything else is #UD.
     */
    private boolean lockable(int op) {
        int save = eip;
        try {
            if (op == 0x0F) {
                int op2 = fetch8();
                int m = fetch8();
                if (m >= 0xC0) return false;
                int reg = (m >>> 3) & 7;
                switch (op2) {
                    case 0xAB: case 0xB3: case 0xBB: // BTS/BTR/BTC r/m, r
                    case 0xB0: case 0xB1: // CMPXCHG
                    case 0xC0: case 0xC1: // XADD
                        return true;
                    case 0xBA: return reg >= 5; // BTS/BTR/BTC r/m, imm8 (4 is BT)
                    case 0xC7: return reg == 1; // CMPXCHG8B
                    default: return false;
                }
            }
            if (op < 0x40) {
                // the r/m,r forms of ADD OR ADC SBB AND SUB XOR (not CMP, not the r,r/m forms)
                if ((op & 7) >= 2 || (op & 0x38) == 0x38) return false;
                return fetch8() < 0xC0;
            }
            switch (op) {
                case 0x80: case 0x81: case 0x82: case 0x83: {
                    int m = fetch8();
                    return m < 0xC0 && ((m >>> 3) & 7) != 7; // not CMP
                }
                case 0x86: case 0x87: return fetch8() < 0xC0;
                case 0xF6: case 0xF7: {
                    int m = fetch8();
                    int reg = (m >>> 3) & 7;
                    return m < 0xC0 && (reg == 2 || reg == 3); // NOT, NEG
                }
                case 0xFE: case 0xFF: {
                    int m = fetch8();
                    return m < 0xC0 && ((m >>> 3) & 7) < 2; // INC, DEC
                }
                default: return false;
            }
        } finally {
            eip = save;
        }
    }

    final void exec0(int op) {
        if (op < 0x40 && (op & 7) < 6) {
            aluForm(op);
            return;
        }
        switch (op) {
            case 0x06: case 0x0E: case 0x16: case 0x1E: push(segSel[op >>> 3]); return;
            case 0x07: case 0x17: case 0x1F: popSeg(op >>> 3); return;
            case 0x0F: exec0F(fetch8()); return;
            case 0x27: daa(); return;
            case 0x2F: das(); return;
            case 0x37: aaa(false); return;
            case 0x3F: aaa(true); return;
            case 0x40: case 0x41: case 0x42: case 0x43: case 0x44: case 0x45: case 0x46: case 0x47:
                if (op32) r[op & 7] = inc(r[op & 7], 2); else setReg16(op & 7, inc(r[op & 7] & 0xFFFF, 1));
                return;
            case 0x48: case 0x49: case 0x4A: case 0x4B: case 0x4C: case 0x4D: case 0x4E: case 0x4F:
                if (op32) r[op & 7] = dec(r[op & 7], 2); else setReg16(op & 7, dec(r[op & 7] & 0xFFFF, 1));
                return;
            case 0x50: case 0x51: case 0x52: case 0x53: case 0x54: case 0x55: case 0x56: case 0x57:
                if (op32) push32(r[op & 7]); else push16(r[op & 7]);
                return;
            case 0x58: case 0x59: case 0x5A: case 0x5B: case 0x5C: case 0x5D: case 0x5E: case 0x5F:
                if (op32) {
                    int v = pop32();
                    r[op & 7] = v;
                } else {
                    int v = pop16();
                    setReg16(op & 7, v);
                }
                return;
            case 0x60: pusha(); return;
            case 0x61: popa(); return;
            case 0x62: bound(); return;
            case 0x63: arpl(); return;
            case 0x68: push(op32 ? fetch32() : fetch16()); return;
            case 0x69: case 0x6B: {
                int m = fetch8();
                int sz = osz();
                int a = m >= 0xC0 ? regSz(m & 7, sz) : rdSz(eaSeg(m), eaOff, sz);
                int b = op == 0x69 ? fetchSz(sz) : (byte) fetch8();
                setRegSz((m >>> 3) & 7, sz, imul2(a, b, sz));
                return;
            }
            case 0x6A: push((byte) fetch8()); return;
            case 0x6C: string(5, 0); return;
            case 0x6D: string(5, osz()); return;
            case 0x6E: string(6, 0); return;
            case 0x6F: string(6, osz()); return;
            default:
                if (op >= 0x70) {
                    int rel = (byte) fetch8();
                    if (cond(op & 0xF)) {
                        jumpRel(rel);
                    }
                    return;
                }
                throw ud();
        }
    }

    int eaOff;

    /** Decodes a memory operand into eaOff and returns its segment. */
    final int eaSeg(int modrm) {
        eaOff = ea(modrm);
        return eaSeg;
    }

    final void jumpRel(int rel) {
        int t = eip + rel;
        if (!op32) {
            t &= 0xFFFF;
        }
        if ((t & 0xFFFFFFFFL) > (segLimit[CS] & 0xFFFFFFFFL)) {
            throw gp(0);
        }
        eip = t;
    }

    private void aluForm(int op) {
        int kind = op >>> 3;
        switch (op & 7) {
            case 0: case 1: {
                int sz = (op & 1) == 0 ? 0 : osz();
                int m = fetch8();
                int g = regSz((m >>> 3) & 7, sz);
                if (m >= 0xC0) {
                    int res = alu(kind, regSz(m & 7, sz), g, sz);
                    if (kind != 7) setRegSz(m & 7, sz, res);
                } else {
                    int s = eaSeg(m);
                    int res = alu(kind, rdSz(s, eaOff, sz), g, sz);
                    if (kind != 7) wrSz(s, eaOff, sz, res);
                }
                return;
            }
            case 2: case 3: {
                int sz = (op & 1) == 0 ? 0 : osz();
                int m = fetch8();
                int e = m >= 0xC0 ? regSz(m & 7, sz) : rdSz(eaSeg(m), eaOff, sz);
                int gr = (m >>> 3) & 7;
                int res = alu(kind, regSz(gr, sz), e, sz);
                if (kind != 7) setRegSz(gr, sz, res);
                return;
            }
            case 4: {
                int res = alu(kind, r[0] & 0xFF, fetch8(), 0);
                if (kind != 7) setReg8(0, res);
                return;
            }
            default: {
                int sz = osz();
                int res = alu(kind, regSz(0, sz), fetchSz(sz), sz);
                if (kind != 7) setRegSz(0, sz, res);
            }
        }
    }

    final void popSeg(int s) {
        int v = op32 ? peek(0, true) : peek(0, false);
        loadSeg(s, v & 0xFFFF);
        addSp(op32 ? 4 : 2);
        if (s == SS) {
            intShadow = true;
            ssShadow = true;
            breakBatch = true;
        }
    }

    private void pusha() {
        int esp = r[4];
        if (op32) {
            probeStack(32);
            for (int i = 0; i < 8; i++) push32(i == 4 ? esp : r[i]);
        } else {
            probeStack(16);
            for (int i = 0; i < 8; i++) push16(i == 4 ? esp : r[i]);
        }
    }

    final void probeStack(int n) {
        int a = stack32 ? r[4] - n : (r[4] - n) & 0xFFFF;
        int lin = linW(SS, a, n);
        probeWrite(lin, n);
    }

    private void popa() {
        boolean d = op32;
        int n = d ? 4 : 2;
        int[] v = popaBuf;
        for (int i = 0; i < 8; i++) v[i] = peek(n * i, d);
        for (int i = 0; i < 8; i++) {
            if (7 - i != 4) setRegSz(7 - i, d ? 2 : 1, v[i]);
        }
        addSp(8 * n);
    }

    private final int[] popaBuf = new int[8];

    private void bound() {
        int m = fetch8();
        if (m >= 0xC0) throw ud();
        int s = eaSeg(m);
        int idx = op32 ? r[(m >>> 3) & 7] : (short) r[(m >>> 3) & 7];
        int lo = op32 ? rd32(s, eaOff) : (short) rd16(s, eaOff);
        int hi = op32 ? rd32(s, eaOff + (addr32 ? 4 : 2)) : (short) rd16(s, (eaOff + 2) & (addr32 ? -1 : 0xFFFF));
        if (idx < lo || idx > hi) throw raise(BR);
    }

    private void arpl() {
        if (!pm() || v86()) throw ud();
        int m = fetch8();
        int src = r[(m >>> 3) & 7] & 0xFFFF;
        int dst;
        int s = 0;
        if (m >= 0xC0) dst = r[m & 7] & 0xFFFF; else { s = eaSeg(m); dst = rd16(s, eaOff); }
        if ((dst & 3) < (src & 3)) {
            dst = (dst & ~3) | (src & 3);
            if (m >= 0xC0) setReg16(m & 7, dst); else wr16(s, eaOff, dst);
            flags();
            eflags |= ZF;
        } else {
            flags();
            eflags &= ~ZF;
        }
    }

    abstract void exec1(int op);

    abstract void exec0F(int op);
}
