package org.oxen.x86.cpu.internal;

import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.PhysicalMemory;

/**
 * Stack operations, segment loads with descriptor checks, far transfers (gates, far RET),
 * IRET (the task switch itself is in {@link Task}).
 */
abstract class Prot extends Alu {

    Prot(PhysicalMemory mem, IoPortDevice io) {
        super(mem, io);
    }

    // ---- stack ----

    // Every implicit stack access addresses SS:stackOffset(ESP) and moves the stack pointer by
    // withStackPointer (Semantics: SP only, wrapping at 64 KiB, on a 16-bit stack). Each push
    // stores before it moves ESP, so a faulting store leaves ESP as it was.

    final void push32(int v) {
        int esp = Semantics.withStackPointer(r[4], r[4] - 4, stack32);
        wr32(SS, Semantics.stackOffset(esp, stack32), v);
        r[4] = esp;
    }

    final void push16(int v) {
        int esp = Semantics.withStackPointer(r[4], r[4] - 2, stack32);
        wr16(SS, Semantics.stackOffset(esp, stack32), v);
        r[4] = esp;
    }

    final void push(int v) {
        if (op32) push32(v); else push16(v);
    }

    final int sp() {
        return Semantics.stackOffset(r[4], stack32);
    }

    final void setSp(int v) {
        r[4] = Semantics.withStackPointer(r[4], v, stack32);
    }

    /**
     * The stack pointer of a stack switch (inter-privilege CALL, INT, IRET, RET), after the new
     * SS is loaded: all of ESP when SS.B is set, else only SP: ESP's upper half keeps the value
     * of the stack left (as hardware and Bochs do: Linux's espfix exists for this).
     */
    final void loadStackPointer(int v) {
        setSp(v);
    }

    final void addSp(int n) {
        setSp(r[4] + n);
    }

    final int pop32() {
        int v = rd32(SS, sp());
        addSp(4);
        return v;
    }

    final int pop16() {
        int v = rd16(SS, sp());
        addSp(2);
        return v;
    }

    final int pop() {
        return op32 ? pop32() : pop16();
    }

    /** Reads the stack at {@code sp()+off} without popping. */
    final int peek(int off, boolean d) {
        int a = Semantics.stackOffset(sp() + off, stack32);
        return d ? rd32(SS, a) : rd16(SS, a);
    }

    // ---- descriptors ----

    static int descBase(int lo, int hi) {
        return (lo >>> 16) | (hi & 0xFF) << 16 | (hi & 0xFF000000);
    }

    static int descLimit(int lo, int hi) {
        int l = (lo & 0xFFFF) | (hi & 0xF0000);
        return (hi & 0x800000) != 0 ? l << 12 | 0xFFF : l;
    }

    static int descAttr(int hi) {
        return (hi >>> 8) & 0xF0FF;
    }

    int descLo, descHi;

    /** Reads the descriptor of {@code sel} into descLo/descHi; #GP(sel) (or vec) when beyond the table. */
    final void readDesc(int sel, int vec) {
        int base, limit;
        if ((sel & 4) != 0) {
            if ((ldtAttr & 0x10000) != 0 || (ldtAttr & 0x80) == 0) {
                throw raise(vec, sel & 0xFFFC);
            }
            base = ldtBase;
            limit = ldtLimit;
        } else {
            base = gdtBase;
            limit = gdtLimit;
        }
        int off = sel & 0xFFF8;
        if (off + 7 > (limit & 0xFFFFFFFFL)) {
            throw raise(vec, sel & 0xFFFC);
        }
        descLo = sysRead32(base + off);
        descHi = sysRead32(base + off + 4);
    }

    final void setAccessed(int sel) {
        if ((descHi & 0x100) == 0) {
            descHi |= 0x100;
            int base = (sel & 4) != 0 ? ldtBase : gdtBase;
            sysWrite32(base + (sel & 0xFFF8) + 4, descHi);
        }
    }

    final void loadHidden(int s, int sel, int lo, int hi) {
        segSel[s] = sel & 0xFFFF;
        segBase[s] = descBase(lo, hi);
        segLimit[s] = descLimit(lo, hi);
        segAttr[s] = descAttr(hi);
        segCache(s);
        if (s == CS) {
            fetchLimit = 0;
        }
    }

    final void loadNull(int s, int sel) {
        segSel[s] = sel & 0xFFFF;
        segAttr[s] = 0x10000;
        segBase[s] = 0;
        segLimit[s] = 0;
        segCache(s);
    }

    /** MOV/POP to a data segment register or SS (not CS). */
    final void loadSeg(int s, int sel) {
        sel &= 0xFFFF;
        if (!pm() || v86()) {
            loadSegReal(s, sel);
            return;
        }
        int rpl = sel & 3;
        if ((sel & 0xFFFC) == 0) {
            if (s == SS) {
                throw gp(0);
            }
            loadNull(s, sel);
            return;
        }
        readDesc(sel, GP);
        int hi = descHi;
        int dpl = (hi >>> 13) & 3;
        int type = (hi >>> 8) & 0x1F;
        if (s == SS) {
            if (rpl != cpl || dpl != cpl || (type & 0x1A) != 0x12) {
                throw gp(sel & 0xFFFC);
            }
            if ((hi & 0x8000) == 0) {
                throw raise(SSF, sel & 0xFFFC);
            }
        } else {
            if ((type & 0x10) == 0 || (type & 0x1A) == 0x18) {
                throw gp(sel & 0xFFFC);
            }
            boolean conformingCode = (type & 0x1C) == 0x1C;
            if (!conformingCode && dpl < Math.max(cpl, rpl)) {
                throw gp(sel & 0xFFFC);
            }
            if ((hi & 0x8000) == 0) {
                throw raise(NP, sel & 0xFFFC);
            }
        }
        setAccessed(sel);
        loadHidden(s, sel, descLo, descHi);
    }

    final void cplSet(int c) {
        cpl = c;
        tlbSet = c == 3 ? TLB_SIZE : 0;
        fetchLimit = 0;
    }

    /** Loads CS from a checked code descriptor at privilege {@code newCpl}. */
    final void loadCs(int sel, int lo, int hi, int newCpl) {
        cplSet(newCpl);
        loadHidden(CS, (sel & 0xFFFC) | newCpl, lo, hi);
    }

    private static final int[] DATA_SEGS = {ES, DS, FS, GS};

    /** After a return to an outer level: null data segments the new CPL may not use. */
    final void nullInaccessible() {
        for (int s : DATA_SEGS) {
            int a = segAttr[s];
            if ((a & 0x10000) != 0) {
                continue;
            }
            int dpl = (a >>> 5) & 3;
            boolean conformingCode = (a & 0x1C) == 0x1C;
            if (!conformingCode && dpl < cpl) {
                loadNull(s, 0);
            }
        }
    }

    /** Reads the inner stack for privilege {@code dpl} from the current TSS into tssSs/tssEsp. */
    int tssSs, tssEsp;

    final void innerStack(int dpl) {
        boolean t32 = (trAttr & 8) != 0;
        int off = t32 ? 4 + dpl * 8 : 2 + dpl * 4;
        int need = t32 ? off + 7 : off + 3;
        if (need > trLimit) {
            throw raise(TS, trSel & 0xFFFC);
        }
        if (t32) {
            tssEsp = sysRead32(trBase + off);
            tssSs = sysRead16(trBase + off + 4);
        } else {
            tssEsp = sysRead16(trBase + off);
            tssSs = sysRead16(trBase + off + 2);
        }
    }

    /** Validates and loads SS for an inner-level stack switch to {@code dpl}. */
    final void loadInnerSs(int ss, int dpl, int errVec) {
        if ((ss & 0xFFFC) == 0) {
            throw raise(TS, ss & 0xFFFC);
        }
        readDesc(ss, TS);
        int hi = descHi;
        if ((ss & 3) != dpl || ((hi >>> 13) & 3) != dpl || ((hi >>> 8) & 0x1A) != 0x12) {
            throw raise(TS, ss & 0xFFFC);
        }
        if ((hi & 0x8000) == 0) {
            throw raise(SSF, ss & 0xFFFC);
        }
        setAccessed(ss);
        loadHidden(SS, ss, descLo, descHi);
    }

    // ---- far JMP / CALL ----

    final void farJump(int sel, int off, boolean call, int retEip) {
        sel &= 0xFFFF;
        if (!pm() || v86()) {
            if (call) {
                push(segSel[CS]);
                push(retEip);
            }
            loadSegReal(CS, sel);
            fetchLimit = 0;
            eip = op32 ? off : off & 0xFFFF;
            return;
        }
        if ((sel & 0xFFFC) == 0) {
            throw gp(0);
        }
        readDesc(sel, GP);
        int lo = descLo, hi = descHi;
        int type = (hi >>> 8) & 0x1F;
        int dpl = (hi >>> 13) & 3;
        int rpl = sel & 3;
        if ((type & 0x18) == 0x18) { // code
            if ((type & 4) != 0 ? dpl > cpl : (rpl > cpl || dpl != cpl)) {
                throw gp(sel & 0xFFFC);
            }
            if ((hi & 0x8000) == 0) {
                throw raise(NP, sel & 0xFFFC);
            }
            int target = op32 ? off : off & 0xFFFF;
            if ((target & 0xFFFFFFFFL) > (descLimit(lo, hi) & 0xFFFFFFFFL)) {
                throw gp(0);
            }
            if (call) {
                int oldCs = segSel[CS];
                if (op32) {
                    probeStack(8);
                    push32(oldCs);
                    push32(retEip);
                } else {
                    probeStack(4);
                    push16(oldCs);
                    push16(retEip);
                }
            }
            setAccessed(sel);
            loadCs(sel, lo, descHi, cpl);
            eip = target;
            return;
        }
        switch (type) {
            case 4: case 0xC: // call gate
                callGate(sel, lo, hi, call, retEip);
                return;
            case 5: // task gate
                if (dpl < cpl || dpl < rpl) throw gp(sel & 0xFFFC);
                if ((hi & 0x8000) == 0) throw raise(NP, sel & 0xFFFC);
                taskSwitch(lo >>> 16, call ? TS_CALL : TS_JMP, retEip);
                return;
            case 1: case 9: // available TSS
                if (dpl < cpl || dpl < rpl) throw gp(sel & 0xFFFC);
                if ((hi & 0x8000) == 0) throw raise(NP, sel & 0xFFFC);
                taskSwitch(sel, call ? TS_CALL : TS_JMP, retEip);
                return;
            default:
                throw gp(sel & 0xFFFC);
        }
    }

    /** Checks that {@code n} bytes below the stack pointer can be pushed (#SS, #PF) before a multi-push stores any. */
    final void probeStack(int n) {
        int lin = linW(SS, Semantics.stackOffset(r[4] - n, stack32), n);
        if (paging()) {
            probeWrite(lin, n);
        }
    }

    private void callGate(int sel, int lo, int hi, boolean call, int retEip) {
        int dpl = (hi >>> 13) & 3;
        if (dpl < cpl || dpl < (sel & 3)) {
            throw gp(sel & 0xFFFC);
        }
        if ((hi & 0x8000) == 0) {
            throw raise(NP, sel & 0xFFFC);
        }
        boolean gate32 = (hi & 0x800) != 0;
        int csSel = lo >>> 16;
        int off = gate32 ? (lo & 0xFFFF) | (hi & 0xFFFF0000) : lo & 0xFFFF;
        int params = hi & 0x1F;
        if ((csSel & 0xFFFC) == 0) {
            throw gp(0);
        }
        readDesc(csSel, GP);
        int clo = descLo, chi = descHi;
        int cdpl = (chi >>> 13) & 3;
        if ((chi & 0x1800) != 0x1800 || cdpl > cpl) {
            throw gp(csSel & 0xFFFC);
        }
        if ((chi & 0x8000) == 0) {
            throw raise(NP, csSel & 0xFFFC);
        }
        boolean conforming = (chi & 0x400) != 0;
        if (!call) {
            if (!conforming && cdpl != cpl) {
                throw gp(csSel & 0xFFFC);
            }
            checkLimit(off, clo, chi);
            loadCs(csSel, clo, chi, cpl);
            eip = off;
            return;
        }
        if (!conforming && cdpl < cpl) {
            // inter-privilege call: switch to the inner stack and copy parameters
            innerStack(cdpl);
            int oldSs = segSel[SS], oldEsp = r[4];
            boolean oldStack32 = stack32;
            int[] copy = paramBuf;
            for (int i = 0; i < params; i++) {
                int a = oldStack32 ? oldEsp + (gate32 ? 4 : 2) * i : (oldEsp + (gate32 ? 4 : 2) * i) & 0xFFFF;
                copy[i] = gate32 ? rd32(SS, a) : rd16(SS, a);
            }
            int oldCs = segSel[CS];
            checkLimit(off, clo, chi);
            loadInnerSs(tssSs, cdpl, TS);
            loadCs(csSel, clo, chi, cdpl);
            loadStackPointer(tssEsp);
            if (gate32) {
                push32(oldSs);
                push32(oldEsp);
                for (int i = params - 1; i >= 0; i--) push32(copy[i]);
                push32(oldCs);
                push32(retEip);
            } else {
                push16(oldSs);
                push16(oldEsp);
                for (int i = params - 1; i >= 0; i--) push16(copy[i]);
                push16(oldCs);
                push16(retEip);
            }
            eip = off;
            return;
        }
        checkLimit(off, clo, chi);
        int oldCs = segSel[CS];
        if (gate32) {
            probeStack(8);
            push32(oldCs);
            push32(retEip);
        } else {
            probeStack(4);
            push16(oldCs);
            push16(retEip);
        }
        loadCs(csSel, clo, chi, cpl);
        eip = off;
    }

    private final int[] paramBuf = new int[32];

    private void checkLimit(int off, int lo, int hi) {
        if ((off & 0xFFFFFFFFL) > (descLimit(lo, hi) & 0xFFFFFFFFL)) {
            throw gp(0);
        }
    }

    // ---- far RET ----

    final void farRet(int imm) {
        boolean d = op32;
        int n = d ? 4 : 2;
        if (!pm() || v86()) {
            int ip = peek(0, d);
            int cs = peek(n, d) & 0xFFFF;
            addSp(2 * n + imm);
            loadSegReal(CS, cs);
            fetchLimit = 0;
            eip = d ? ip : ip & 0xFFFF;
            return;
        }
        int ip = peek(0, d);
        int cs = peek(n, d) & 0xFFFF;
        int rpl = cs & 3;
        if ((cs & 0xFFFC) == 0) throw gp(0);
        readDesc(cs, GP);
        int lo = descLo, hi = descHi;
        int dpl = (hi >>> 13) & 3;
        if ((hi & 0x1800) != 0x1800 || rpl < cpl) throw gp(cs & 0xFFFC);
        if ((hi & 0x400) != 0 ? dpl > rpl : dpl != rpl) throw gp(cs & 0xFFFC);
        if ((hi & 0x8000) == 0) throw raise(NP, cs & 0xFFFC);
        if (!d) ip &= 0xFFFF;
        if (rpl == cpl) {
            checkLimit(ip, lo, hi);
            addSp(2 * n + imm);
            loadCs(cs, lo, hi, cpl);
            eip = ip;
            return;
        }
        int esp = peek(2 * n + imm, d);
        int ss = peek(3 * n + imm, d) & 0xFFFF;
        checkLimit(ip, lo, hi);
        loadCs(cs, lo, hi, rpl);
        loadOuterSs(ss, rpl);
        loadStackPointer(esp + imm);
        eip = ip;
        nullInaccessible();
    }

    final void loadOuterSs(int ss, int rpl) {
        if ((ss & 0xFFFC) == 0) throw gp(0);
        readDesc(ss, GP);
        int hi = descHi;
        if ((ss & 3) != rpl || ((hi >>> 13) & 3) != rpl || ((hi >>> 8) & 0x1A) != 0x12) throw gp(ss & 0xFFFC);
        if ((hi & 0x8000) == 0) throw raise(SSF, ss & 0xFFFC);
        setAccessed(ss);
        loadHidden(SS, ss, descLo, descHi);
    }

    // ---- IRET ----

    final void iret() {
        boolean d = op32;
        int n = d ? 4 : 2;
        if (!pm()) {
            int ip = peek(0, d), cs = peek(n, d) & 0xFFFF, fl = peek(2 * n, d);
            addSp(3 * n);
            loadSegReal(CS, cs);
            fetchLimit = 0;
            eip = d ? ip : ip & 0xFFFF;
            int keep = d ? VM | VIP | VIF : 0xFFFF0000;
            writeFlags((flags() & keep) | (fl & ~keep & (d ? 0x3F7FD5 : 0x7FD5)) | 2, true);
            return;
        }
        if (v86()) {
            if (iopl() < 3) throw gp(0);
            int ip = peek(0, d), cs = peek(n, d) & 0xFFFF, fl = peek(2 * n, d);
            addSp(3 * n);
            loadSegReal(CS, cs);
            fetchLimit = 0;
            eip = d ? ip : ip & 0xFFFF;
            int keep = VM | IOPL | VIP | VIF | (d ? 0 : 0xFFFF0000);
            writeFlags((flags() & keep) | (fl & ~keep & 0x3F7FD5) | 2, true);
            return;
        }
        if ((eflags & NT) != 0) {
            int link = sysRead16(trBase);
            taskSwitch(link, TS_IRET, eip);
            return;
        }
        int ip = peek(0, d), cs = peek(n, d) & 0xFFFF, fl = peek(2 * n, d);
        if (d && (fl & VM) != 0 && cpl == 0) {
            iretToV86(ip, cs, fl);
            return;
        }
        int rpl = cs & 3;
        if ((cs & 0xFFFC) == 0) throw gp(0);
        readDesc(cs, GP);
        int lo = descLo, hi = descHi;
        int dpl = (hi >>> 13) & 3;
        if ((hi & 0x1800) != 0x1800 || rpl < cpl) throw gp(cs & 0xFFFC);
        if ((hi & 0x400) != 0 ? dpl > rpl : dpl != rpl) throw gp(cs & 0xFFFC);
        if ((hi & 0x8000) == 0) throw raise(NP, cs & 0xFFFC);
        if (!d) {
            ip &= 0xFFFF;
            fl = (flags() & 0xFFFF0000) | (fl & 0xFFFF);
        }
        int oldCpl = cpl;
        if (rpl == cpl) {
            checkLimit(ip, lo, hi);
            addSp(3 * n);
            loadCs(cs, lo, hi, cpl);
        } else {
            int esp = peek(3 * n, d);
            int ss = peek(4 * n, d) & 0xFFFF;
            checkLimit(ip, lo, hi);
            loadCs(cs, lo, hi, rpl);
            loadOuterSs(ss, rpl);
            loadStackPointer(esp);
            nullInaccessible();
        }
        eip = ip;
        int mask = CF | PF | AF | ZF | SF | TF | DF | OF | NT | RF | AC | ID;
        if (oldCpl <= iopl()) mask |= IF;
        if (oldCpl == 0) mask |= IOPL | VIF | VIP;
        writeFlags((flags() & ~mask) | (fl & mask), false);
    }

    /**
     * IRET from CPL 0 with VM set in the popped EFLAGS (32-bit operand size only): pops ESP, SS,
     * ES, DS, FS and GS after EIP/CS/EFLAGS (SDM IRET "RETURN-TO-VIRTUAL-8086-MODE"; Bochs'
     * stack_return_to_v86). Every read happens before any state changes, so a #SS/#PF on the
     * frame leaves the CPU as it was. EIP keeps its low 16 bits; ESP is loaded whole.
     */
    private void iretToV86(int ip, int cs, int fl) {
        int newEsp = peek(12, true);
        int ss = peek(16, true);
        int es = peek(20, true), ds = peek(24, true), fs = peek(28, true), gs = peek(32, true);
        writeFlags(fl, false); // VM set: the segment loads below are V86 loads
        enterV86Segments(cs, ss, es, ds, fs, gs);
        r[4] = newEsp;
        eip = ip & 0xFFFF;
    }

    /**
     * Loads the six segment registers V86-style (base selector*16, limit 0xFFFF, DPL 3) and sets
     * CPL 3; EFLAGS.VM must already be set. Used by IRET to V86 and by a task switch to a task
     * whose EFLAGS has VM.
     */
    final void enterV86Segments(int cs, int ss, int es, int ds, int fs, int gs) {
        cplSet(3);
        loadSegReal(CS, cs);
        loadSegReal(SS, ss);
        loadSegReal(ES, es);
        loadSegReal(DS, ds);
        loadSegReal(FS, fs);
        loadSegReal(GS, gs);
        fetchLimit = 0;
    }

    final void writeFlags(int f, boolean unused) {
        int old = eflags;
        eflags = (f & 0x3F7FD5) | 2;
        lop = L_NONE;
        if (((old ^ eflags) & AC) != 0 || (eflags & RF) != 0) {
            debugUpdate(); // RF: the next instruction skips its instruction breakpoints
            breakBatch = true;
        }
    }

    // ---- task switch (in Task) ----

    static final int TS_JMP = 0, TS_CALL = 1, TS_IRET = 2, TS_INT = 3;

    /**
     * Switches to the task of TSS selector {@code sel} (from JMP/CALL/INT through a task gate or
     * to a TSS, or IRET with NT); {@code retEip} is the EIP saved in the outgoing TSS.
     */
    abstract void taskSwitch(int sel, int source, int retEip);
}
