package org.oxen.x86.cpu.internal;

import org.oxen.x86.api.Clock;
import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.PhysicalMemory;
import org.oxen.x86.cpu.CpuidModel;

/** System instructions: descriptor tables, control/debug registers, MSRs, CPUID, SYSENTER. */
abstract class Sys extends Exec0F {

    CpuidModel cpuidModel = new CpuidModel();
    Clock clock;
    /** Retired instructions before the current batch (also the TSC when no clock is set). */
    long icount;
    /**
     * Instructions of the current batch retired before the one executing now, set before each
     * instruction that leaves the fast loop (RDTSC, RDMSR and every exit are among them), so that
     * {@link #retired()} is exact there whatever the batch boundaries were; 0 between batches.
     */
    int batchDone;
    private final int[] cpuidOut = new int[4];

    Sys(PhysicalMemory mem, IoPortDevice io) {
        super(mem, io);
    }

    private void needPm() {
        if (!pm() || v86()) throw ud();
    }

    @Override
    final void group6() {
        int m = fetch8();
        int k = (m >>> 3) & 7;
        needPm();
        int s = m >= 0xC0 ? -1 : eaSeg(m);
        switch (k) {
            case 0: case 1: {
                int v = k == 0 ? ldtSel : trSel;
                if (s < 0) setRegSz(m & 7, osz(), v); else wr16(s, eaOff, v);
                return;
            }
            case 2: case 3: {
                needCpl0();
                int sel = s < 0 ? r[m & 7] & 0xFFFF : rd16(s, eaOff);
                if (k == 2) lldt(sel); else ltr(sel);
                return;
            }
            case 4: case 5: {
                int sel = s < 0 ? r[m & 7] & 0xFFFF : rd16(s, eaOff);
                boolean ok = false;
                if ((sel & 0xFFFC) != 0 && descOk(sel)) {
                    int hi = descHi, type = (hi >>> 8) & 0x1F, dpl = (hi >>> 13) & 3;
                    if ((type & 0x10) != 0) {
                        boolean conf = (type & 0x1C) == 0x1C;
                        boolean privOk = conf || (dpl >= cpl && dpl >= (sel & 3));
                        ok = privOk && (k == 4 ? ((type & 8) == 0 || (type & 2) != 0) : (type & 0x1A) == 0x12);
                    }
                }
                setArith(ZF, ok ? ZF : 0);
                return;
            }
            default: throw ud();
        }
    }

    private boolean descOk(int sel) {
        int base = (sel & 4) != 0 ? ldtBase : gdtBase;
        int limit = (sel & 4) != 0 ? ldtLimit : gdtLimit;
        if ((sel & 4) != 0 && (ldtAttr & 0x10000) != 0) return false;
        if ((sel & 0xFFF8) + 7 > (limit & 0xFFFFFFFFL)) return false;
        descLo = sysRead32(base + (sel & 0xFFF8));
        descHi = sysRead32(base + (sel & 0xFFF8) + 4);
        return true;
    }

    final void lldt(int sel) {
        if ((sel & 0xFFFC) == 0) {
            ldtSel = sel;
            ldtAttr = 0x10000;
            return;
        }
        if ((sel & 4) != 0) throw gp(sel & 0xFFFC);
        readDesc(sel, GP);
        if (((descHi >>> 8) & 0x1F) != 2) throw gp(sel & 0xFFFC);
        if ((descHi & 0x8000) == 0) throw raise(NP, sel & 0xFFFC);
        ldtSel = sel;
        ldtBase = descBase(descLo, descHi);
        ldtLimit = descLimit(descLo, descHi);
        ldtAttr = descAttr(descHi);
    }

    final void ltr(int sel) {
        if ((sel & 0xFFFC) == 0 || (sel & 4) != 0) throw gp(sel & 0xFFFC);
        readDesc(sel, GP);
        int type = (descHi >>> 8) & 0x1F;
        if (type != 1 && type != 9) throw gp(sel & 0xFFFC);
        if ((descHi & 0x8000) == 0) throw raise(NP, sel & 0xFFFC);
        descHi |= 0x200;
        sysWrite32(gdtBase + (sel & 0xFFF8) + 4, descHi);
        trSel = sel;
        trBase = descBase(descLo, descHi);
        trLimit = descLimit(descLo, descHi);
        trAttr = descAttr(descHi);
    }

    @Override
    final void group7() {
        int m = fetch8();
        int k = (m >>> 3) & 7;
        if ((m == 0xC1 || m == 0xD9) && vmcallExit) { // VMCALL, VMMCALL: the hypervisor's hypercall
            exitIndex = m;
            throw exit(X_VMCALL);
        }
        if (m >= 0xC0 && k != 4 && k != 6) throw ud();
        int s = m >= 0xC0 ? -1 : eaSeg(m);
        switch (k) {
            case 0: case 1: {
                int lim = k == 0 ? gdtLimit : idtLimit, base = k == 0 ? gdtBase : idtBase;
                int lin = linW(s, eaOff, 6);
                probeWrite(lin, 6);
                wr16(s, eaOff, lim);
                wr32(s, eaOff + 2, op32 ? base : base & 0xFFFFFF);
                return;
            }
            case 2: case 3: {
                needCpl0();
                int lim = rd16(s, eaOff);
                int base = rd32(s, eaOff + 2);
                if (!op32) base &= 0xFFFFFF;
                if (k == 2) { gdtLimit = lim; gdtBase = base; } else { idtLimit = lim; idtBase = base; }
                return;
            }
            case 4: {
                int v = cr0;
                if (s < 0) setRegSz(m & 7, osz(), op32 ? v : v & 0xFFFF); else wr16(s, eaOff, v);
                return;
            }
            case 6: {
                needCpl0();
                int v = s < 0 ? r[m & 7] & 0xFFFF : rd16(s, eaOff);
                if ((crExitMask & (1 << 16)) != 0) {
                    exitIndex = 0;
                    exitPort = -1;
                    exitWrite = true;
                    exitValue = (cr0 & ~0xE) | (v & 0xF) | (cr0 & 1);
                    throw exit(X_CR);
                }
                // LMSW cannot clear PE
                writeCr0((cr0 & ~0xE) | (v & 0xF) | (cr0 & 1));
                return;
            }
            case 7: {
                needCpl0();
                invlpg(segBase[s] + eaOff);
                return;
            }
            default: throw ud();
        }
    }

    @Override
    final void larLsl(boolean lar) {
        needPm();
        int m = fetch8();
        int sel = m >= 0xC0 ? r[m & 7] & 0xFFFF : rd16(eaSeg(m), eaOff);
        boolean ok = false;
        if ((sel & 0xFFFC) != 0 && descOk(sel)) {
            int hi = descHi, type = (hi >>> 8) & 0x1F, dpl = (hi >>> 13) & 3;
            boolean valid;
            if ((type & 0x10) != 0) {
                valid = true;
                if ((type & 0x1C) != 0x1C && (dpl < cpl || dpl < (sel & 3))) valid = false;
            } else {
                int t = type & 0xF;
                valid = lar ? (t == 1 || t == 2 || t == 3 || t == 4 || t == 5 || t == 9 || t == 0xB || t == 0xC)
                        : (t == 1 || t == 2 || t == 3 || t == 9 || t == 0xB);
                if (dpl < cpl || dpl < (sel & 3)) valid = false;
            }
            if (valid) {
                ok = true;
                int v = lar ? hi & 0x00F0FF00 : descLimit(descLo, hi);
                setRegSz((m >>> 3) & 7, osz(), v);
            }
        }
        setArith(ZF, ok ? ZF : 0);
    }

    @Override
    final void clts() {
        needCpl0();
        cr0 &= ~8;
    }

    final void writeCr0(int v) {
        v |= 0x10;
        if (v < 0 && (v & 1) == 0) throw gp(0);
        int changed = cr0 ^ v;
        cr0 = v;
        if ((changed & 0x80010001) != 0) {
            loadPdptes();
            flushTlb(true);
        }
        if ((changed & AM) != 0) {
            debugUpdate();
        }
        breakBatch = true;
    }

    final void writeCr4(int v) {
        // VME and PVI are reserved: CPUID announces neither (V86 runs without VME)
        if ((v & ~0x000006FC) != 0) throw gp(0);
        int changed = cr4 ^ v;
        cr4 = v;
        if ((changed & 0xB0) != 0) {
            loadPdptes();
            flushTlb(true);
        }
        if ((changed & CR4_DE) != 0) {
            debugUpdate(); // R/W 10: I/O breakpoints with DE, nothing without
        }
    }

    final void writeCr3(int v) {
        cr3 = v;
        loadPdptes();
        flushTlb(false);
    }

    @Override
    final void movCrDr(int op) {
        int m = fetch8();
        int n = (m >>> 3) & 7;
        needCpl0();
        int reg = m & 7;
        boolean write = (op & 2) != 0;
        if (op <= 0x21 + 1 && (op & 1) == 0) {
            if (n == 1 || n > 4) throw ud();
            if ((crExitMask & (1 << (n + (write ? 16 : 0)))) != 0) {
                exitIndex = n;
                exitWrite = write;
                exitValue = r[reg];
                exitPort = reg;
                throw exit(X_CR);
            }
            if (!write) {
                r[reg] = n == 0 ? cr0 : n == 2 ? cr2 : n == 3 ? cr3 : cr4;
            } else {
                int v = r[reg];
                switch (n) {
                    case 0: writeCr0(v); break;
                    case 2: cr2 = v; break;
                    case 3: writeCr3(v); break;
                    default: writeCr4(v); break;
                }
            }
            return;
        }
        // debug registers (breakpoints: Debug): #GP (CPL), then #UD (DR4/DR5 with CR4.DE: without
        // it they alias DR6/DR7), then the general-detect #DB (SDM Vol. 3, 18.2.2, 18.2.4)
        if ((n == 4 || n == 5) && (cr4 & CR4_DE) != 0) throw ud();
        generalDetect();
        if (!write) {
            r[reg] = readDr(n);
        } else {
            writeDr(n, r[reg]);
            breakBatch = true;
        }
    }

    /** Instructions retired so far: exact before every instruction outside the fast loop. */
    final long retired() {
        return icount + batchDone;
    }

    final long tsc() {
        long t = clock != null ? clock.nanos() : retired();
        return t + tscOffset;
    }

    @Override
    final void rdtsc() {
        if ((cr4 & 4) != 0 && cpl != 0) throw privileged();
        long t = tsc();
        breakBatch = true; // keeps the instruction-count TSC moving between two RDTSCs
        r[0] = (int) t;
        r[2] = (int) (t >>> 32);
    }

    @Override
    final void rdmsr() {
        needCpl0();
        int idx = r[1];
        if (msrExit || msrExitFor(idx)) {
            exitIndex = idx;
            exitWrite = false;
            throw exit(X_MSR);
        }
        long v = readMsr(idx);
        r[0] = (int) v;
        r[2] = (int) (v >>> 32);
    }

    @Override
    final void wrmsr() {
        needCpl0();
        int idx = r[1];
        long v = (r[0] & 0xFFFFFFFFL) | (long) r[2] << 32;
        if (msrExit || msrExitFor(idx)) {
            exitIndex = idx;
            exitWrite = true;
            exitValue64 = v;
            throw exit(X_MSR);
        }
        writeMsr(idx, v);
    }

    /** MSR indices that exit (besides the all-MSR switch). */
    int[] msrExits = new int[0];

    final boolean msrExitFor(int idx) {
        for (int m : msrExits) {
            if (m == idx) return true;
        }
        return false;
    }

    // ---- MSR indices (Intel SDM vol. 4) ----
    static final int IA32_MTRRCAP = 0xFE, IA32_DEBUGCTL = 0x1D9, IA32_MISC_ENABLE = 0x1A0,
            IA32_MTRR_PHYSBASE0 = 0x200, IA32_MTRR_DEF_TYPE = 0x2FF;
    /** Variable-range MTRR pairs (MTRRcap.VCNT). */
    static final int MTRR_VARIABLE = 8;
    /** MTRRcap: VCNT 8, fixed ranges (bit 8), write-combining (bit 10); no SMRR. */
    static final long MTRRCAP = MTRR_VARIABLE | 1 << 8 | 1 << 10;
    /** Physical-address bits (CPUID reports none above leaf 0x80000004: 36 with PAE). */
    private static final long PHYS_MASK = (1L << 36) - 1;

    /** Index of a fixed-range MTRR in {@code mtrrFixed}, or -1. */
    private static int fixedMtrr(int idx) {
        if (idx == 0x250) return 0;
        if (idx == 0x258 || idx == 0x259) return idx - 0x257;
        if (idx >= 0x268 && idx <= 0x26F) return idx - 0x265;
        return -1;
    }

    /** A memory type an MTRR may hold: UC, WC, WT, WP, WB. */
    private static boolean mtrrType(long t) {
        return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
    }

    /** Reads an MSR; #GP(0) for MSRs this CPU does not have. */
    final long readMsr(int idx) {
        if (idx >= IA32_MTRR_PHYSBASE0 && idx < IA32_MTRR_PHYSBASE0 + 2 * MTRR_VARIABLE) {
            return mtrrVar[idx - IA32_MTRR_PHYSBASE0];
        }
        int fixed = fixedMtrr(idx);
        if (fixed >= 0) return mtrrFixed[fixed];
        switch (idx) {
            case 0x10: return tsc();
            case 0x1B: return apicBase;
            case 0x174: return sysenterCs & 0xFFFFFFFFL;
            case 0x175: return sysenterEsp & 0xFFFFFFFFL;
            case 0x176: return sysenterEip & 0xFFFFFFFFL;
            case IA32_MISC_ENABLE: return miscEnable;
            case 0x277: return pat;
            case IA32_MTRRCAP: return MTRRCAP;
            case IA32_MTRR_DEF_TYPE: return mtrrDefType;
            case IA32_DEBUGCTL: return debugCtl;
            case 0x8B: case 0x17: return 0;
            case 0xC0000080: return efer;
            default: throw gp(0);
        }
    }

    final void writeMsr(int idx, long v) {
        if (idx >= IA32_MTRR_PHYSBASE0 && idx < IA32_MTRR_PHYSBASE0 + 2 * MTRR_VARIABLE) {
            boolean mask = ((idx - IA32_MTRR_PHYSBASE0) & 1) != 0;
            long allowed = mask ? (PHYS_MASK & ~0xFFFL) | 0x800 : (PHYS_MASK & ~0xFFFL) | 0xFF;
            if ((v & ~allowed) != 0 || !mask && !mtrrType(v & 0xFF)) throw gp(0);
            mtrrVar[idx - IA32_MTRR_PHYSBASE0] = v;
            return;
        }
        int fixed = fixedMtrr(idx);
        if (fixed >= 0) {
            for (int i = 0; i < 8; i++) {
                if (!mtrrType(v >>> (8 * i) & 0xFF)) throw gp(0);
            }
            mtrrFixed[fixed] = v;
            return;
        }
        switch (idx) {
            case 0x10: tscOffset = v - (tsc() - tscOffset); return;
            case 0x1B: apicBase = v; return;
            case 0x174: sysenterCs = (int) v; return;
            case 0x175: sysenterEsp = (int) v; return;
            case 0x176: sysenterEip = (int) v; return;
            case IA32_MISC_ENABLE: miscEnable = v; return;
            case 0x277: pat = v; return;
            case IA32_MTRR_DEF_TYPE:
                if ((v & ~0xCFFL) != 0 || !mtrrType(v & 0xFF)) throw gp(0);
                mtrrDefType = v;
                return;
            case IA32_DEBUGCTL:
                if ((v & ~3L) != 0) throw gp(0);
                debugCtl = v;
                return;
            case 0x8B: return;
            case 0xC0000080:
                if ((v & ~0x800L) != 0) throw gp(0);
                if (((efer ^ v) & 0x800) != 0) flushTlb(true);
                efer = v;
                return;
            default: throw gp(0);
        }
    }

    private void flatSeg(int s, int sel, int attr) {
        segSel[s] = sel;
        segBase[s] = 0;
        segLimit[s] = -1;
        segAttr[s] = attr;
        segCache(s);
    }

    @Override
    final void sysenter() {
        if (!pm() || (sysenterCs & 0xFFFC) == 0) throw gp(0);
        flags();
        eflags &= ~(VM | IF | RF);
        cplSet(0);
        flatSeg(CS, sysenterCs & 0xFFFC, 0xC09B);
        flatSeg(SS, (sysenterCs + 8) & 0xFFFC, 0xC093);
        r[4] = sysenterEsp;
        eip = sysenterEip;
        fetchLimit = 0;
    }

    @Override
    final void sysexit() {
        if (!pm() || cpl != 0 || v86() || (sysenterCs & 0xFFFC) == 0) throw gp(0);
        cplSet(3);
        flatSeg(CS, ((sysenterCs + 16) & 0xFFFC) | 3, 0xC0FB);
        flatSeg(SS, ((sysenterCs + 24) & 0xFFFC) | 3, 0xC0F3);
        r[4] = r[1];
        eip = r[2];
        fetchLimit = 0;
    }

    @Override
    final void cpuid() {
        int[] o = cpuidOut;
        cpuidModel.query(r[0], r[1], o);
        r[0] = o[0];
        r[3] = o[1];
        r[1] = o[2];
        r[2] = o[3];
    }

    @Override
    final void group15() {
        int m = fetch8();
        int k = (m >>> 3) & 7;
        if (m >= 0xC0) {
            if (k >= 5) return; // LFENCE, MFENCE, SFENCE
            throw ud();
        }
        int s = eaSeg(m);
        switch (k) {
            case 0: case 1:
                fpuAvailable();
                if ((eaOff & 0xF) != 0) throw gp(0);
                try {
                    if (k == 0) fpu.fxsave(s, eaOff, fpuHost()); else fpu.fxrstor(s, eaOff, fpuHost());
                } catch (UnsupportedOperationException e) {
                    throw ud();
                }
                return;
            case 7: return; // CLFLUSH
            default: throw ud();
        }
    }

    /** #NM when CR0.EM or CR0.TS. */
    final void fpuAvailable() {
        if ((cr0 & 0xC) != 0) throw raise(NM);
    }

    abstract org.oxen.x86.cpu.fpu.FpuHost fpuHost();
}
