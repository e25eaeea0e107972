package org.oxen.x86.cpu.internal;

import org.oxen.x86.api.InterruptLine;
import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.PhysicalMemory;
import org.oxen.x86.cpu.fpu.FpuHost;

/**
 * Interrupt and exception delivery (real-mode IVT, protected-mode IDT gates with stack switch
 * through the TSS, task gates), double and triple fault, software interrupts and the x87 entry.
 */
abstract class Events extends Sys implements FpuHost {

    static final int T_SOFT = 0, T_EXC = 1, T_EXT = 2, T_ICEBP = 3;
    boolean shutdown;
    boolean[] softIntExit;
    InterruptLine ferr;

    Events(PhysicalMemory mem, IoPortDevice io) {
        super(mem, io);
    }

    @Override
    final void softInt(int vector, boolean oneByte) {
        if (!oneByte && softIntExit != null && softIntExit[vector]) {
            exitIndex = vector;
            throw exit(X_SOFTINT);
        }
        if (oneByte && (exceptionExitMask & (1 << vector)) != 0) {
            exitIndex = vector; // INT3 / INTO / INT1 as an exception exit (a trap: EIP after it)
            throw exit(X_TRAP);
        }
        if (v86() && iopl() < 3 && !oneByte) throw gp(0);
        interrupt(vector, oneByte && vector == 1 ? T_ICEBP : T_SOFT, false, 0);
    }

    private int svCs, svCsBase, svCsLimit, svCsAttr, svSs, svSsBase, svSsLimit, svSsAttr, svEsp, svCpl, svFlags, svEip;

    /** Delivers vector through the IVT/IDT; EIP must already be the return address. */
    final void interrupt(int vec, int type, boolean hasErr, int err) {
        halted = false;
        if (!protectedMode()) {
            int lin = idtBase + vec * 4;
            if (vec * 4 + 3 > idtLimit) throw gp(0);
            int ip = sysRead16(lin), cs = sysRead16(lin + 2);
            int f = flags();
            boolean d = op32;
            op32 = false;
            push16(f);
            push16(segSel[CS]);
            push16(eip);
            op32 = d;
            eflags &= ~(IF | TF | AC | RF);
            loadSegReal(CS, cs);
            fetchLimit = 0;
            eip = ip;
            return;
        }
        svCs = segSel[CS]; svCsBase = segBase[CS]; svCsLimit = segLimit[CS]; svCsAttr = segAttr[CS];
        svSs = segSel[SS]; svSsBase = segBase[SS]; svSsLimit = segLimit[SS]; svSsAttr = segAttr[SS];
        svEsp = r[4]; svCpl = cpl; svFlags = flags(); svEip = eip;
        try {
            pmInterrupt(vec, type, hasErr, err);
        } catch (Fault f) {
            segSel[CS] = svCs; segBase[CS] = svCsBase; segLimit[CS] = svCsLimit; segAttr[CS] = svCsAttr;
            segSel[SS] = svSs; segBase[SS] = svSsBase; segLimit[SS] = svSsLimit; segAttr[SS] = svSsAttr;
            segCache(CS);
            segCache(SS);
            r[4] = svEsp;
            cplSet(svCpl);
            eflags = svFlags;
            eip = svEip;
            throw f;
        }
    }

    private void pmInterrupt(int vec, int type, boolean hasErr, int err) {
        int ext = type == T_SOFT ? 0 : 1;
        int gateErr = vec * 8 + 2 + ext;
        if (vec * 8 + 7 > idtLimit) throw gp(gateErr);
        int lo = sysRead32(idtBase + vec * 8), hi = sysRead32(idtBase + vec * 8 + 4);
        int gtype = (hi >>> 8) & 0x1F;
        int gdpl = (hi >>> 13) & 3;
        if (gtype != 5 && gtype != 6 && gtype != 7 && gtype != 0xE && gtype != 0xF) throw gp(gateErr);
        if (type == T_SOFT && gdpl < cpl) throw gp(vec * 8 + 2);
        if ((hi & 0x8000) == 0) throw raise(NP, gateErr);
        if (gtype == 5) {
            taskSwitch(lo >>> 16, TS_INT, eip);
            if (hasErr) { // the error code's size follows the new TSS's (as Bochs does)
                if ((trAttr & 8) != 0) push32(err); else push16(err);
            }
            return;
        }
        boolean gate32 = (gtype & 8) != 0;
        int csSel = lo >>> 16;
        int off = gate32 ? (lo & 0xFFFF) | (hi & 0xFFFF0000) : lo & 0xFFFF;
        if ((csSel & 0xFFFC) == 0) throw gp(ext);
        readDesc(csSel, GP);
        int clo = descLo, chi = descHi;
        int dpl = (chi >>> 13) & 3;
        if ((chi & 0x1800) != 0x1800 || dpl > cpl) throw gp((csSel & 0xFFFC) + ext);
        if ((chi & 0x8000) == 0) throw raise(NP, (csSel & 0xFFFC) + ext);
        int f = flags();
        int oldCs = segSel[CS], oldEip = eip;
        boolean saveOp = op32;
        op32 = gate32;
        boolean fromV86 = v86();
        if (fromV86 && ((chi & 0x400) != 0 || dpl != 0)) {
            // from virtual-8086 mode only to a nonconforming ring-0 handler (SDM INT n)
            throw gp((csSel & 0xFFFC) + ext);
        }
        if ((chi & 0x400) == 0 && dpl < cpl) {
            innerStack(dpl);
            int oldSs = segSel[SS], oldEsp = r[4];
            if (fromV86) {
                eflags &= ~VM; // the pushes below go to the ring-0 stack with protected-mode checks
            }
            loadInnerSs(tssSs, dpl, TS);
            loadCs(csSel, clo, chi, dpl);
            loadStackPointer(tssEsp);
            if (fromV86) {
                push(segSel[GS]);
                push(segSel[FS]);
                push(segSel[DS]);
                push(segSel[ES]);
            }
            push(oldSs);
            push(oldEsp);
        } else {
            loadCs(csSel, clo, chi, cpl);
        }
        checkEip(off);
        push(f);
        push(oldCs);
        push(oldEip);
        if (hasErr) push(err);
        op32 = saveOp;
        eip = off;
        if (fromV86) {
            // the handler starts with null data segments (their V86 values are on its stack)
            loadNull(GS, 0);
            loadNull(FS, 0);
            loadNull(DS, 0);
            loadNull(ES, 0);
        }
        eflags &= ~(TF | NT | RF | VM);
        if ((gtype & 1) == 0) eflags &= ~IF;
    }

    static boolean contributory(int v) {
        return v == DE || (v >= TS && v <= GP);
    }

    /** Delivers an exception raised by an instruction (EIP at the instruction), with #DF/triple fault. */
    final void exception(int vec, boolean hasErr, int err) {
        for (;;) {
            try {
                if (vec == PF_V) cr2 = faultAddr;
                interrupt(vec, T_EXC, hasErr, err);
                return;
            } catch (Fault f) {
                int nv = faultVector;
                if (nv < 0) {
                    throw new IllegalStateException("exit during event delivery");
                }
                if (vec == DF_V) {
                    shutdown = true;
                    return;
                }
                if ((contributory(vec) && contributory(nv)) || (vec == PF_V && (contributory(nv) || nv == PF_V))) {
                    vec = DF_V;
                    hasErr = true;
                    err = 0;
                } else {
                    vec = nv;
                    hasErr = faultHasError;
                    err = faultError;
                }
            }
        }
    }

    // ---- x87 ----

    private static boolean noWait(int op, int m) {
        switch (op) {
            case 0xD9: return m < 0xC0 && ((m >>> 3) & 7) >= 6;
            case 0xDB: return m == 0xE2 || m == 0xE3;
            case 0xDD: return m < 0xC0 && ((m >>> 3) & 7) >= 6;
            case 0xDF: return m == 0xE0;
            default: return false;
        }
    }

    @Override
    final void x87(int op) {
        int m = fetch8();
        int seg = 0, off = 0;
        if (m < 0xC0) {
            seg = eaSeg(m);
            off = eaOff;
        }
        fpuAvailable();
        boolean nw = noWait(op, m);
        if (!nw && fpu.hasPendingUnmaskedException()) {
            fpuError();
        }
        if (!nw) {
            fpu.setLastInstruction(segSel[CS], startEip, m < 0xC0 ? segSel[seg] : 0, off, ((op & 7) << 8) | m);
        }
        try {
            fpu.execute(op, m, seg, off, this);
        } catch (UnsupportedOperationException e) {
            throw ud();
        }
    }

    private void fpuError() {
        if ((cr0 & 0x20) != 0) throw raise(MF);
        if (ferr != null) ferr.raise();
    }

    @Override
    final void fwait() {
        if ((cr0 & 0xA) == 0xA) throw raise(NM);
        if (fpu.hasPendingUnmaskedException()) fpuError();
    }

    @Override
    final FpuHost fpuHost() {
        return this;
    }

    // FpuHost

    @Override
    public final int read8(int seg, int offset) {
        return rd8(seg, offset);
    }

    @Override
    public final int read16(int seg, int offset) {
        return rd16(seg, offset);
    }

    @Override
    public final int read32(int seg, int offset) {
        return rd32(seg, offset);
    }

    @Override
    public final long read64(int seg, int offset) {
        return (rd32(seg, offset) & 0xFFFFFFFFL) | (long) rd32(seg, offset + 4) << 32;
    }

    @Override
    public final void write8(int seg, int offset, int v) {
        wr8(seg, offset, v);
    }

    @Override
    public final void write16(int seg, int offset, int v) {
        wr16(seg, offset, v);
    }

    @Override
    public final void write32(int seg, int offset, int v) {
        wr32(seg, offset, v);
    }

    @Override
    public final void write64(int seg, int offset, long v) {
        int lin = linW(seg, offset, 8);
        probeWrite(lin, 8);
        wr32(seg, offset, (int) v);
        wr32(seg, offset + 4, (int) (v >>> 32));
    }

    @Override
    public final void setAx(int value16) {
        setReg16(0, value16);
    }

    @Override
    public final void setFlagsFromFcomi(int zf, int pf, int cf) {
        flags();
        eflags = (eflags & ~(ZF | PF | CF | OF | SF | AF)) | (zf != 0 ? ZF : 0) | (pf != 0 ? PF : 0) | (cf != 0 ? CF : 0);
    }

    @Override
    public final int eflags() {
        return flags();
    }

    @Override
    public final boolean operandSize32() {
        return op32;
    }

    @Override
    public final boolean protectedMode() {
        return (cr0 & 1) != 0;
    }
}
