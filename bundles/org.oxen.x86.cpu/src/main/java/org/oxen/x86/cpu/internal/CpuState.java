package org.oxen.x86.cpu.internal;

import org.oxen.x86.api.DirectMemory;
import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.PhysicalMemory;
import org.oxen.x86.cpu.fpu.X87;

/**
 * Architectural state of one x86 CPU plus the lazy-flags record.
 *
 * <p>Design: the core is one object whose code is split over a chain of abstract classes
 * (state, MMU, ALU, protection, interpreter) so that each file stays small while every field
 * access in the hot loop is a plain field access of the final leaf class.
 *
 * <p>Locking: none. A CPU is driven by one thread at a time; the only cross-thread inputs are
 * the volatile interrupt request fields in {@link Core}.
 */
abstract class CpuState {

    // segment register indices (hardware encoding)
    static final int ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5;
    // EFLAGS bits
    static final int CF = 1, PF = 4, AF = 0x10, ZF = 0x40, SF = 0x80, TF = 0x100, IF = 0x200, DF = 0x400,
            OF = 0x800, IOPL = 0x3000, NT = 0x4000, RF = 0x10000, VM = 0x20000, AC = 0x40000, VIF = 0x80000,
            VIP = 0x100000, ID = 0x200000;
    static final int ARITH = CF | PF | AF | ZF | SF | OF;
    // exception vectors
    static final int DE = 0, DB = 1, NMI_V = 2, BP = 3, OFV = 4, BR = 5, UD = 6, NM = 7, DF_V = 8, TS = 10, NP = 11,
            SSF = 12, GP = 13, PF_V = 14, MF = 16, AC_V = 17, MC = 18, XM = 19;

    final PhysicalMemory mem;
    final DirectMemory direct;
    final IoPortDevice io;
    final X87 fpu = new X87();

    final int[] r = new int[8];
    int eip;
    /** EFLAGS; the arithmetic bits are valid only when {@code lop == L_NONE}. */
    int eflags = 2;

    // segment registers with hidden parts; attr in VMX access-rights layout:
    // bits 0-3 type, 4 S, 5-6 DPL, 7 P, 12 AVL, 14 D/B, 15 G, 16 unusable
    final int[] segSel = new int[6];
    final int[] segBase = new int[6];
    final int[] segLimit = new int[6];
    final int[] segAttr = new int[6];
    /** Per segment: accesses need no limit/type check (expand-up, 4 GiB limit, usable). */
    final boolean[] segFlatR = new boolean[6];
    final boolean[] segFlatW = new boolean[6];

    int gdtBase, gdtLimit, idtBase, idtLimit = 0xFFFF;
    int ldtSel, ldtBase, ldtLimit, ldtAttr;
    int trSel, trBase, trLimit, trAttr;

    int cr0 = 0x60000010, cr2, cr3, cr4;
    long efer;
    int cpl;
    /** CS.D: default operand and address size 32. */
    boolean code32;
    /** SS.B: ESP (not SP) is the stack pointer. */
    boolean stack32;
    boolean halted;
    /** Ends the current batch so that events are checked (IF changes, CR writes, ...). */
    boolean breakBatch;
    /** NMIs are blocked from NMI delivery to the next IRET. */
    boolean nmiBlocked;
    /** Interrupt shadow after MOV SS / POP SS / STI: no interrupt before the next instruction. */
    boolean intShadow;
    /** PAE PDPTE registers, loaded with CR3. */
    final long[] pdpte = new long[4];
    int dr6 = 0xFFFF0FF0, dr7 = 0x400;
    final int[] dr = new int[4];

    // MSRs the guests touch
    int sysenterCs, sysenterEsp, sysenterEip;
    long tscOffset;
    long apicBase = 0xFEE00900L;
    long pat = 0x0007040600070406L;
    long miscEnable = 1;
    /** IA32_DEBUGCTL: LBR (bit 0) and BTF (bit 1) are kept; branch recording and single-step on branches are not modelled. */
    long debugCtl;
    /** IA32_MTRR_DEF_TYPE: default type (bits 0-7), fixed enable (10), enable (11); 0 at reset. */
    long mtrrDefType;
    /** IA32_MTRR_PHYSBASE0..7 / PHYSMASK0..7 (MSRs 0x200-0x20F, in that order). */
    final long[] mtrrVar = new long[2 * Sys.MTRR_VARIABLE];
    /** The eleven fixed-range MTRRs: 0x250, 0x258, 0x259, 0x268-0x26F. */
    final long[] mtrrFixed = new long[11];

    // lazy flags
    static final int L_NONE = 0, L_ADD = 1, L_ADC = 2, L_SUB = 3, L_SBB = 4, L_LOGIC = 5, L_INC = 6, L_DEC = 7,
            L_SZP = 8;
    int lop, lsz, lres, la, lb, lcf;

    // current-instruction decode state
    int startEip;
    boolean op32, addr32;
    int segOvr;
    int rep;
    boolean lockPfx;
    int eaSeg;

    // fault signal
    final Fault fault = new Fault();
    int faultVector, faultError;
    boolean faultHasError;
    int faultAddr;

    CpuState(PhysicalMemory mem, IoPortDevice io) {
        this.mem = mem;
        this.direct = mem instanceof DirectMemory ? (DirectMemory) mem : null;
        this.io = io;
    }

    static final int[] MASK = {0xFF, 0xFFFF, 0xFFFFFFFF};
    static final int[] SIGN = {0x80, 0x8000, 0x80000000};

    // ---- faults ----

    final Fault raise(int vector) {
        faultVector = vector;
        faultHasError = false;
        faultError = 0;
        return fault;
    }

    final Fault raise(int vector, int error) {
        faultVector = vector;
        faultHasError = true;
        faultError = error;
        return fault;
    }

    final Fault gp(int error) {
        return raise(GP, error);
    }

    final Fault ud() {
        return raise(UD);
    }

    final boolean pm() {
        return (cr0 & 1) != 0;
    }

    final boolean v86() {
        return (eflags & VM) != 0;
    }

    final int iopl() {
        return (eflags >>> 12) & 3;
    }

    // ---- 8/16/32-bit register access: Semantics' register views ----

    final int reg8(int n) {
        return Semantics.regView(r[Semantics.viewRegister(n, 0)], n, 0);
    }

    final void setReg8(int n, int v) {
        int f = Semantics.viewRegister(n, 0);
        r[f] = Semantics.withRegView(r[f], n, 0, v);
    }

    final int reg16(int n) {
        return Semantics.regView(r[n], n, 1);
    }

    final void setReg16(int n, int v) {
        r[n] = Semantics.withRegView(r[n], n, 1, v);
    }

    final int regSz(int n, int sz) {
        return Semantics.regView(r[Semantics.viewRegister(n, sz)], n, sz);
    }

    final void setRegSz(int n, int sz, int v) {
        int f = Semantics.viewRegister(n, sz);
        r[f] = Semantics.withRegView(r[f], n, sz, v);
    }

    /** Recomputes the per-segment fast-path flags from the hidden parts. */
    /**
     * DS and SS are flat for reading and writing (expand-up data, 4 GiB limit) with base 0, as
     * every flat-model kernel has them: translated code compiled under this assumption
     * ({@code RegionCompiler}) adds no base and tests no flatness at its memory accesses, and
     * checks this once at entry.
     */
    final boolean flatZeroData() {
        return segBase[DS] == 0 && segBase[SS] == 0 && segFlatW[DS] && segFlatW[SS];
    }

    /**
     * The segments native code takes as flat ({@code x64.NativeRegionCompiler}: ES, CS, SS and
     * DS, base 0 and 4 GiB) are, and its stack operations' 32-bit stack pointer is right
     * (SS.B): {@link #flatZeroData} and the same of ES and CS. Checked at every native entry.
     */
    final boolean flatNative() {
        return flatZeroData() && stack32 && segBase[ES] == 0 && segFlatW[ES] && segBase[CS] == 0 && segFlatR[CS];
    }

    /**
     * Whether every segment in {@code mask} (bit {@code s} for segment {@code s}) is a flat
     * writable data segment, whatever its base: what native code's FS/GS-prefixed accesses need,
     * which add the base and check no limit. Checked at a native entry beside {@link #flatNative}.
     */
    final boolean flatWritable(int mask) {
        for (int s = 0; s < segFlatW.length; s++) {
            if ((mask & 1 << s) != 0 && !segFlatW[s]) return false;
        }
        return true;
    }

    final void segCache(int s) {
        int a = segAttr[s];
        boolean usable = (a & 0x10000) == 0 && (a & 0x80) != 0;
        boolean flat = usable && segLimit[s] == -1;
        boolean code = (a & 8) != 0;
        boolean expandDown = !code && (a & 4) != 0;
        segFlatR[s] = flat && !expandDown && (!code || (a & 2) != 0);
        segFlatW[s] = flat && !expandDown && !code && (a & 2) != 0;
        if (s == CS) {
            code32 = (a & 0x4000) != 0;
        } else if (s == SS) {
            stack32 = (a & 0x4000) != 0;
        }
    }

    /** Real-mode / V86 style segment load: base = sel*16, limit and attributes kept but usable. */
    final void loadSegReal(int s, int sel) {
        sel &= 0xFFFF;
        segSel[s] = sel;
        segBase[s] = sel << 4;
        if (v86()) {
            segLimit[s] = 0xFFFF;
            segAttr[s] = s == CS ? 0xFB : 0xF3;
        } else {
            segAttr[s] = (segAttr[s] & ~0x10000) | 0x80;
        }
        segCache(s);
    }
}
