package org.oxen.x86.cpu.internal;

import static org.oxen.x86.cpu.internal.Forms.*;

import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.PhysicalMemory;

/**
 * The interpreter's decoder and dispatcher: prefixes, then the opcode's form from the table of
 * instruction forms ({@link Forms}: a group's form by its ModR/M reg field), then the form's
 * handler, with the form's operation and operand forms. The handlers of the data-movement and
 * arithmetic forms live here; control transfer, strings and the rest of the one-byte map in
 * {@link Exec1}; the 0F map and the dispatch over all handlers in {@link Exec0F}; system
 * instructions in {@link Sys}.
 *
 * <p>The ModR/M byte of a form that has one is read by the dispatcher (and passed as {@code m})
 * unless the form's routine reads it itself ({@link Forms#OWN_MODRM}).
 */
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
        if (!PREFIX[op]) {
            execOne(op);
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
            int seg = SEGMENT_OVERRIDE[op];
            if (seg >= 0) {
                segOvr = seg;
                op = fetch8();
                continue;
            }
            switch (op) {
                case 0x66: op32 = !code32; break;
                case 0x67: addr32 = !code32; break;
                case 0xF0: lockPfx = true; break;
                case 0xF2: case 0xF3: rep = op; break;
                default:
                    if (lockPfx) {
                        lockedExec(op);
                    } else {
                        execOne(op);
                    }
                    return;
            }
            op = fetch8();
        }
    }

    /** The one-byte opcode {@code op} (its prefixes consumed): its form, then its handler. */
    final void execOne(int op) {
        int f = ONE[op];
        int m = 0;
        if (ONE_READS_MODRM[op]) {
            m = fetch8();
            if (f < 0) f = group(f, m);
        }
        exec(f, m);
    }

    /** The 0F opcode {@code op}. */
    final void exec0F(int op) {
        int f = TWO[op];
        int m = 0;
        if (TWO_READS_MODRM[op]) {
            m = fetch8();
            if (f < 0) f = group(f, m);
        }
        exec(f, m);
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
                execOne(op);
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
     * True when {@code op} (with the bytes after it, which are read and then given back) is a
     * form LOCK may prefix ({@link Forms#LOCK}) with a memory destination (SDM Vol. 2, LOCK).
     * Anything else is #UD.
     */
    private boolean lockable(int op) {
        int save = eip;
        try {
            int f, m;
            if (op == 0x0F) {
                int op2 = fetch8();
                if (!TWO_MODRM[op2]) return false;
                m = fetch8();
                f = twoByte(op2, m);
            } else {
                if (!ONE_MODRM[op]) return false;
                m = fetch8();
                f = oneByte(op, m);
            }
            return m < 0xC0 && (ATTR[f] & LOCK) != 0;
        } finally {
            eip = save;
        }
    }

    /**
     * Runs form {@code f} (ModR/M {@code m} when the dispatcher read one): by the form's dispatch
     * group, then its handler, in {@link Exec0F} where all handlers are visible.
     */
    abstract void exec(int f, int m);

    // ---- operands by form ----

    /** Size of form {@code f}'s first operand (0 byte, 1 word, 2 dword) at the current operand size. */
    final int size1(int f) {
        int s = SIZE1[f];
        return s >= 0 ? s : op32 ? 2 : 1;
    }

    /** Size of form {@code f}'s second operand. */
    final int size2(int f) {
        int s = SIZE2[f];
        return s >= 0 ? s : op32 ? 2 : 1;
    }

    /** The immediate operand of form code {@code o} (Ib, Ibs, Iw, Iz), fetched now. */
    final int immediate(int o) {
        switch (type(o)) {
            case T_B: return fetch8();
            case T_BS: return (byte) fetch8();
            case T_W: return fetch16();
            default: return op32 ? fetch32() : fetch16();
        }
    }

    /** Reads the E operand of ModR/M {@code m}: a register or memory. */
    final int readE(int m, int sz) {
        return m >= 0xC0 ? regSz(m & 7, sz) : rdSz(eaSeg(m), eaOff, sz);
    }

    // ---- arithmetic ----

    /** ADD..CMP, TEST Eb,Gb / Ev,Gv. */
    final void aluEG(int f, int m) {
        int kind = OPERATION[f], sz = size1(f);
        int g = regSz((m >>> 3) & 7, sz);
        if (m >= 0xC0) {
            int res = alu(kind & 7, regSz(m & 7, sz), g, sz);
            if (Semantics.aluStores(kind)) setRegSz(m & 7, sz, res);
        } else {
            int s = eaSeg(m);
            int res = alu(kind & 7, rdSz(s, eaOff, sz), g, sz);
            if (Semantics.aluStores(kind)) wrSz(s, eaOff, sz, res);
        }
    }

    /** ADD..CMP Gb,Eb / Gv,Ev. */
    final void aluGE(int f, int m) {
        int kind = OPERATION[f], sz = size1(f);
        int e = readE(m, sz);
        int gr = (m >>> 3) & 7;
        int res = alu(kind & 7, regSz(gr, sz), e, sz);
        if (Semantics.aluStores(kind)) setRegSz(gr, sz, res);
    }

    /** ADD..CMP, TEST AL,Ib / eAX,Iz. */
    final void aluAI(int f) {
        int kind = OPERATION[f], sz = size1(f);
        int res = alu(kind & 7, regSz(0, sz), immediate(OP2[f]) & MASK[sz], sz);
        if (Semantics.aluStores(kind)) setRegSz(0, sz, res);
    }

    /** Group 1 (ADD..CMP Eb,Ib / Ev,Iz / Ev,Ibs) and TEST Eb,Ib / Ev,Iz of group 3. */
    final void aluEI(int f, int m) {
        int kind = OPERATION[f], sz = size1(f);
        if (m >= 0xC0) {
            int imm = immediate(OP2[f]);
            int res = alu(kind & 7, regSz(m & 7, sz), imm & MASK[sz], sz);
            if (Semantics.aluStores(kind)) setRegSz(m & 7, sz, res);
        } else {
            int s = eaSeg(m);
            int imm = immediate(OP2[f]);
            int res = alu(kind & 7, rdSz(s, eaOff, sz), imm & MASK[sz], sz);
            if (Semantics.aluStores(kind)) wrSz(s, eaOff, sz, res);
        }
    }

    final void incDecZ(boolean dec, int reg) {
        if (op32) r[reg] = dec ? dec(r[reg], 2) : inc(r[reg], 2);
        else setReg16(reg, dec ? dec(r[reg] & 0xFFFF, 1) : inc(r[reg] & 0xFFFF, 1));
    }

    /** INC/DEC Eb / Ev (groups 4 and 5). */
    final void incDecE(int f, int m) {
        int sz = size1(f);
        int s = m >= 0xC0 ? -1 : eaSeg(m);
        int v = s < 0 ? regSz(m & 7, sz) : rdSz(s, eaOff, sz);
        int res = OPERATION[f] == 0 ? inc(v, sz) : dec(v, sz);
        if (s < 0) setRegSz(m & 7, sz, res); else wrSz(s, eaOff, sz, res);
    }

    /** IMUL Gv,Ev,Iz / Gv,Ev,Ibs. */
    final void imulGEI(int f, int m) {
        int sz = osz();
        int a = readE(m, sz);
        int b = immediate(OP3[f]);
        setRegSz((m >>> 3) & 7, sz, imul2(a, b, sz));
    }

    /** IMUL Gv,Ev. */
    final void imulGE(int m) {
        int sz = osz();
        int v = readE(m, sz);
        int g = (m >>> 3) & 7;
        setRegSz(g, sz, imul2(regSz(g, sz), v, sz));
    }

    // ---- data movement ----

    final void movEG(int f, int m) {
        int sz = size1(f);
        int v = regSz((m >>> 3) & 7, sz);
        if (m >= 0xC0) setRegSz(m & 7, sz, v); else wrSz(eaSeg(m), eaOff, sz, v);
    }

    /** MOV Eb,Ib / Ev,Iz (group 11): the address before the immediate. */
    final void movEI(int f, int m) {
        int sz = size1(f);
        if (m >= 0xC0) {
            setRegSz(m & 7, sz, immediate(OP2[f]));
        } else {
            int s = eaSeg(m);
            wrSz(s, eaOff, sz, immediate(OP2[f]));
        }
    }

    /** MOV Ev,Sw: a register takes the selector at the operand size, memory a word. */
    final void movES(int m) {
        int sr = (m >>> 3) & 7;
        if (sr > 5) throw ud();
        if (m >= 0xC0) setRegSz(m & 7, osz(), segSel[sr]); else wr16(eaSeg(m), eaOff, segSel[sr]);
    }

    /** MOV Sw,Ew (not CS); MOV SS holds interrupts for one instruction. */
    final void movSE(int m) {
        int sr = (m >>> 3) & 7;
        if (sr > 5 || sr == CS) throw ud();
        int v = m >= 0xC0 ? r[m & 7] & 0xFFFF : rd16(eaSeg(m), eaOff);
        loadSeg(sr, v);
        if (sr == SS) {
            intShadow = true;
            ssShadow = true;
            breakBatch = true;
        }
    }

    final void lea(int m) {
        if (m >= 0xC0) throw ud();
        int off = ea(m);
        setRegSz((m >>> 3) & 7, osz(), off);
    }

    /** MOV AL/eAX,Ob/Ov and MOV Ob/Ov,AL/eAX. */
    final void movMoffs(int f) {
        boolean load = HANDLER[f] == H_MOV_AO;
        int sz = load ? size1(f) : size2(f);
        int off = addr32 ? fetch32() : fetch16();
        if (load) setRegSz(0, sz, rdSz(dataSeg(), off, sz)); else wrSz(dataSeg(), off, sz, r[0]);
    }

    final void xchgEG(int f, int m) {
        int sz = size1(f);
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
    }

    final void xchgZ(int reg) {
        int sz = osz();
        int t = regSz(reg, sz);
        setRegSz(reg, sz, regSz(0, sz));
        setRegSz(0, sz, t);
    }

    /** NOP, and the hint NOPs 0F 0D / 0F 18-1F Ev, which compute their address and touch nothing. */
    final void nopE(int f, int m) {
        if (OP1[f] != NO && m < 0xC0) ea(m);
    }

    /** CMOVcc Gv,Ev: the source is read (and may fault) whether or not the condition holds. */
    final void cmov(int f, int m) {
        int sz = osz();
        int v = readE(m, sz);
        if (cond(OPERATION[f])) setRegSz((m >>> 3) & 7, sz, v);
    }

    /** MOVZX/MOVSX Gv,Eb / Gv,Ew. */
    final void movx(int f, int m) {
        int ssz = size2(f);
        setRegSz((m >>> 3) & 7, osz(), Semantics.extend(readE(m, ssz), ssz, OPERATION[f] != 0));
    }

    // ---- stack ----

    final void popZ(int reg) {
        if (op32) {
            int v = pop32();
            r[reg] = v;
        } else {
            int v = pop16();
            setReg16(reg, v);
        }
    }

    /** POP Ev: a memory destination's address is computed after ESP is incremented. */
    final void popE(int m) {
        int sz = osz();
        int v = peek(0, op32);
        if (m >= 0xC0) {
            addSp(op32 ? 4 : 2);
            setRegSz(m & 7, sz, v);
        } else {
            int old = r[4];
            addSp(op32 ? 4 : 2);
            try {
                wrSz(eaSeg(m), eaOff, sz, v);
            } catch (Fault x) {
                r[4] = old;
                throw x;
            }
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
        checkEip(t);
        eip = t;
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

    final void pusha() {
        int esp = r[4];
        if (op32) {
            probeStack(32);
            for (int i = 0; i < 8; i++) push32(i == 4 ? esp : r[i]);
        } else {
            probeStack(16);
            for (int i = 0; i < 8; i++) push16(i == 4 ? esp : r[i]);
        }
    }

    final void popa() {
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

    final void bound(int m) {
        if (m >= 0xC0) throw ud();
        int s = eaSeg(m);
        int idx = op32 ? r[(m >>> 3) & 7] : (short) r[(m >>> 3) & 7];
        int lo = op32 ? rd32(s, eaOff) : (short) rd16(s, eaOff);
        int hi = op32 ? rd32(s, eaOff + (addr32 ? 4 : 2)) : (short) rd16(s, (eaOff + 2) & (addr32 ? -1 : 0xFFFF));
        if (idx < lo || idx > hi) throw raise(BR);
    }

    final void arpl(int m) {
        if (!pm() || v86()) throw ud();
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

}
