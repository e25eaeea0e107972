package org.oxen.x86.cpu.internal;

import static org.objectweb.asm.Opcodes.*;
import static org.oxen.x86.cpu.internal.CpuState.DS;
import static org.oxen.x86.cpu.internal.CpuState.SS;

import java.util.ArrayList;
import java.util.List;

import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;

/**
 * The building blocks of translated code (see {@link RegionCompiler}): the local-variable layout
 * of {@code Region.run(Cached c, int budget)}, guest registers in locals (8/16/32-bit views),
 * memory operands through the CPU's segment/TLB methods, the 32-bit stack, fault points, and
 * moving registers and lazy flags between the locals and the CPU object.
 */
abstract class RegionEmitter {

    static final String CPU = "org/oxen/x86/cpu/internal/Cached";
    static final String REGION = "org/oxen/x86/cpu/internal/Region";
    static final String FLAGS = "org/oxen/x86/cpu/internal/Flags";
    /** {@link Semantics}: the shared routines translated code calls for what it does not inline. */
    static final String SEMANTICS = "org/oxen/x86/cpu/internal/Semantics";
    static final String FAULT = "org/oxen/x86/cpu/internal/Fault";
    /** {@link UncheckedPage}: the page caches' accesses, without bounds checks (see there). */
    static final String UNCHECKED = "org/oxen/x86/cpu/internal/UncheckedPage";
    /** {@link Paging}: the TLB probe ({@code tlbEntry}, {@code tlbHit}) translated code shares with the accessors. */
    static final String PAGING = "org/oxen/x86/cpu/internal/Paging";
    static final String RUN_DESC = "(L" + CPU + ";I)I";

    // locals of run(Cached c, int budget); LEFT: the instructions the region may still retire
    // (budget minus those retired: one loop-carried counter, compared with a constant)
    // CODE: the host address of the code page the region was entered on (a long: slots 3 and 4)
    static final int THIS = 0, C = 1, BUDGET = 2, CODE = 3, CBASE = 5, LEFT = 6, FIX = 7, FPC = 8,
            R0 = 9, FOP = 17, FSZ = 18, FA = 19, FB = 20, FRES = 21, FCF = 22, NEXT = 23,
            T0 = 24, T1 = 25, T2 = 26, T3 = 27, T4 = 28, LT = 30, EXC = 32,
            ADDR = 35, VAL = 36, LIN = 37, IDX = 38, TAGR = 39, TAGW = 40, TADDR = 41, TSET = 43,
            SB_DS = 44, SB_SS = 45, FR_DS = 46, FW_DS = 47, FR_SS = 48, FW_SS = 49,
            SITE0 = 50;
    /**
     * Memory instructions with a page cache of their own (three locals each from {@link #SITE0}:
     * the linear page last accessed there, and the host address of its RAM page, a long in the
     * other two); the rest probe the TLB every time.
     */
    static final int MAX_SITES = 16;
    static final String[] FLAG_FIELDS = {"lop", "lsz", "la", "lb", "lres", "lcf"};

    final MethodVisitor mv;
    /** Registers the region assigns anywhere (written back at exits). */
    int written;
    /** The instruction of this block whose fault range is open (-1: none yet). */
    int fixSet;
    /** The end of the open fault range (null: none open). */
    private Label rangeEnd;
    /** Every fault point's handler, with the instruction it names (emitted after the method's code). */
    final List<FaultSite> faultSites = new ArrayList<>();

    /** The handler of the fault range of instruction {@code index} of its block, at frame offset {@code offset}. */
    record FaultSite(Label handler, int index, int offset) {
    }
    /**
     * The current instruction stored through a call of the CPU ({@code wr*}, {@code runRecord}),
     * the one way a region's store can reach a frame holding translated code (inline stores
     * never do: such frames have no write tags); reset by the compiler before each instruction.
     */
    boolean storeCalled;
    /** Memory sites given a page cache so far. */
    private int sites;
    /**
     * The region runs only while DS and SS are flat with base 0 ({@code Cached.flatZeroData},
     * tested at entry): a DS or SS access's linear address is its offset.
     */
    final boolean flatZero;
    /**
     * Slow paths leave the region ({@link #exitBeforeInstruction}) instead of calling the CPU:
     * only with {@link #flatZero}, and not for an entry where that was frequent.
     */
    final boolean slowPathExits;

    RegionEmitter(MethodVisitor mv, boolean flatZero, boolean slowPathExits) {
        this.mv = mv;
        this.flatZero = flatZero;
        this.slowPathExits = flatZero && slowPathExits;
    }

    /** Pushes op, sz, a, b, res, cf, eflags (the Flags functions' common tail). */
    final void flagArgs() {
        for (int l = FOP; l <= FCF; l++) mv.visitVarInsn(ILOAD, l);
        mv.visitVarInsn(ALOAD, C);
        mv.visitFieldInsn(GETFIELD, CPU, "eflags", "I");
    }

    // ---- memory and stack ----

    /**
     * Pushes the effective offset of a decoded memory operand: {@link Semantics#effectiveAddress}
     * of the base and index locals its form has (the constant 0 for one it has not).
     */
    final void addr(int eaw, int disp) {
        int form = CodePage.addressForm(eaw);
        if (Forms.hasBase(form)) {
            mv.visitVarInsn(ILOAD, R0 + CodePage.base(eaw));
        } else {
            mv.visitInsn(ICONST_0);
        }
        if (Forms.hasIndex(form)) {
            mv.visitVarInsn(ILOAD, R0 + CodePage.index(eaw));
        } else {
            mv.visitInsn(ICONST_0);
        }
        iconst(CodePage.scale(eaw));
        iconst(disp);
        mv.visitMethodInsn(INVOKESTATIC, SEMANTICS, "effectiveAddress", "(IIII)I", false);
    }

    /**
     * Loads, at region entry, what the inline memory fast path reads: the TLB arrays and set,
     * and base and flatness of DS and SS (no instruction of a region changes them).
     */
    final void hoistMemory() {
        for (Object[] f : new Object[][] {{"tagR", "[I", TAGR}, {"tagW", "[I", TAGW}, {"tAddr", "[J", TADDR}}) {
            mv.visitVarInsn(ALOAD, C);
            mv.visitFieldInsn(GETFIELD, CPU, (String) f[0], (String) f[1]);
            mv.visitVarInsn(ASTORE, (Integer) f[2]);
        }
        mv.visitVarInsn(ALOAD, C);
        mv.visitFieldInsn(GETFIELD, CPU, "tlbSet", "I");
        mv.visitVarInsn(ISTORE, TSET);
        for (int i = 0; i < MAX_SITES; i++) { // no page cached: 1 is never a page address
            mv.visitInsn(ICONST_1);
            mv.visitVarInsn(ISTORE, SITE0 + 3 * i);
            mv.visitInsn(LCONST_0); // never read: the tag matches no address
            mv.visitVarInsn(LSTORE, SITE0 + 3 * i + 1);
        }
        for (int[] f : new int[][] {{DS, SB_DS, FR_DS, FW_DS}, {SS, SB_SS, FR_SS, FW_SS}}) {
            String[] arrays = {"segBase", "segFlatR", "segFlatW"};
            for (int k = 0; k < 3; k++) {
                mv.visitVarInsn(ALOAD, C);
                mv.visitFieldInsn(GETFIELD, CPU, arrays[k], k == 0 ? "[I" : "[Z");
                iconst(f[0]);
                mv.visitInsn(k == 0 ? IALOAD : BALOAD);
                mv.visitVarInsn(ISTORE, f[k + 1]);
            }
        }
    }

    /**
     * Pushes the {@code sz} (0, 1, 2) value at {@code seg}:(local {@code off}): a flat segment and
     * a RAM page inline, anything else through the CPU's {@code rd*} (segment checks, page walk,
     * MMIO, page crossing, #AC and data breakpoints, which keep their tags unfilled). The page is
     * the site's cached one when it is the same page as last time here, else the TLB's.
     */
    final void load(int sz, int seg, int off) {
        access(sz, seg, off, -1);
    }

    /** Stores local {@code val} ({@code sz} bytes) at {@code seg}:(local {@code off}); see {@link #load}. */
    final void store(int sz, int seg, int off, int val) {
        access(sz, seg, off, val);
    }

    /**
     * A load ({@code val} &lt; 0) or a store of local {@code val}. Design of the inline path: LIN
     * = base + off in a flat segment, not crossing its page; if LIN's page is the page this site
     * used last (its locals), the access goes straight to that page's host address; otherwise
     * the TLB entry must have the read (write) tag of LIN's page, and the site caches that entry's
     * page address. A site's cache lives for one call of the region: within it nothing
     * invalidates a TLB entry (no instruction of a region flushes the TLB or changes CR3, and a
     * remote flush stops the CPU, which leaves the region), a tag is only ever filled for a RAM
     * page the access may use without the slow path (write tags not for frames holding
     * translated code, watched pages or clean pages), and the cache keeps the address itself, not
     * the TLB slot, so a later fill of that slot for another page does not change it. Every raw
     * access is at a page address from a TLB entry plus {@code LIN & 0xFFF}, after the tag test
     * has shown the access ends inside the page ({@link UncheckedPage}).
     */
    private void access(int sz, int seg, int off, int val) {
        boolean write = val >= 0, inline = sz != 1 && (seg == DS || seg == SS);
        // compiled for zero-based flat data, an access that misses the inline path leaves the
        // region before its instruction instead of calling the CPU (see exitBeforeInstruction)
        boolean exits = inline && slowPathExits;
        Label slow = exits ? exitBeforeInstruction() : new Label(), done = new Label();
        if (inline) {
            if (flatZero) {
                mv.visitVarInsn(ILOAD, off);
            } else {
                int flat = seg == DS ? write ? FW_DS : FR_DS : write ? FW_SS : FR_SS;
                mv.visitVarInsn(ILOAD, flat);
                mv.visitJumpInsn(IFEQ, slow);
                mv.visitVarInsn(ILOAD, seg == DS ? SB_DS : SB_SS);
                mv.visitVarInsn(ILOAD, off);
                mv.visitInsn(IADD);
            }
            mv.visitVarInsn(ISTORE, LIN);
            int bytes = 1 << sz;
            int site = sites < MAX_SITES ? SITE0 + 3 * sites++ : -1;
            Label hit = new Label(), miss = new Label();
            if (site >= 0) { // the site's page: its host address, the offset
                tlbHit(site, bytes, miss);
                mv.visitLabel(hit);
                mv.visitVarInsn(LLOAD, site + 1);
                uncheckedAccess(sz, write, val);
            } else { // the TLB entry's
                tlb(write ? TAGW : TAGR, bytes, slow);
                mv.visitVarInsn(ALOAD, TADDR);
                mv.visitVarInsn(ILOAD, IDX);
                mv.visitInsn(LALOAD);
                uncheckedAccess(sz, write, val);
            }
            mv.visitJumpInsn(GOTO, done);
            if (site >= 0) { // the site's first access or another page: the TLB, then cache it
                mv.visitLabel(miss);
                tlb(write ? TAGW : TAGR, bytes, slow);
                mv.visitVarInsn(ALOAD, TADDR); // never 0 with a tag hit (Paging fills tags only for RAM pages)
                mv.visitVarInsn(ILOAD, IDX);
                mv.visitInsn(LALOAD);
                mv.visitVarInsn(LSTORE, site + 1);
                mv.visitVarInsn(ILOAD, LIN);
                iconst(0xFFFFF000);
                mv.visitInsn(IAND);
                mv.visitVarInsn(ISTORE, site);
                mv.visitJumpInsn(GOTO, hit);
            }
        }
        if (exits) {
            mv.visitLabel(done);
            return;
        }
        mv.visitLabel(slow);
        mv.visitVarInsn(ALOAD, C);
        iconst(seg);
        mv.visitVarInsn(ILOAD, off);
        if (write) {
            mv.visitVarInsn(ILOAD, val);
            mv.visitMethodInsn(INVOKEVIRTUAL, CPU, sz == 0 ? "wr8" : sz == 1 ? "wr16" : "wr32", "(III)V", false);
            storeCalled = true;
        } else {
            mv.visitMethodInsn(INVOKEVIRTUAL, CPU, sz == 0 ? "rd8" : sz == 1 ? "rd16" : "rd32", "(II)I", false);
        }
        mv.visitLabel(done);
    }

    /**
     * With a page's host address on the stack: the {@code sz} (0 or 2) access at LIN's offset in
     * the page, storing local {@code val} if {@code write}, else pushing the value ({@link
     * UncheckedPage}: no check, the caller's tag test has shown the access ends inside the page).
     */
    private void uncheckedAccess(int sz, boolean write, int val) {
        mv.visitVarInsn(ILOAD, LIN);
        iconst(0xFFF);
        mv.visitInsn(IAND);
        if (write) mv.visitVarInsn(ILOAD, val);
        mv.visitMethodInsn(INVOKESTATIC, UNCHECKED, (write ? "store" : "load") + (sz == 0 ? "8" : "32"),
                write ? "(JII)V" : "(JI)I", false);
    }

    /**
     * IDX = LIN's TLB entry ({@link Paging#tlbEntry}); to {@code slow} unless its tag in
     * {@code tags} lets an access of {@code bytes} at LIN use its page ({@link Paging#tlbHit}).
     */
    private void tlb(int tags, int bytes, Label slow) {
        mv.visitVarInsn(ILOAD, TSET);
        mv.visitVarInsn(ILOAD, LIN);
        mv.visitMethodInsn(INVOKESTATIC, PAGING, "tlbEntry", "(II)I", false);
        mv.visitVarInsn(ISTORE, IDX);
        mv.visitVarInsn(ALOAD, tags);
        mv.visitVarInsn(ILOAD, IDX);
        mv.visitInsn(IALOAD);
        tlbHit(-1, bytes, slow);
    }

    /**
     * To {@code miss} unless {@link Paging#tlbHit} of the tag in local {@code tag} (-1: on the
     * stack), LIN and {@code bytes}, emitted from its parts as two compares and jumps: the tag
     * is LIN's page ({@link Paging#PAGE_FRAME}) and the access ends by {@link Paging#lastOffset}
     * (always, for a byte).
     */
    private void tlbHit(int tag, int bytes, Label miss) {
        if (tag >= 0) mv.visitVarInsn(ILOAD, tag);
        mv.visitVarInsn(ILOAD, LIN);
        iconst(Paging.PAGE_FRAME);
        mv.visitInsn(IAND);
        mv.visitJumpInsn(IF_ICMPNE, miss);
        if (Paging.lastOffset(bytes) < ~Paging.PAGE_FRAME) {
            mv.visitVarInsn(ILOAD, LIN);
            iconst(~Paging.PAGE_FRAME);
            mv.visitInsn(IAND);
            iconst(Paging.lastOffset(bytes));
            mv.visitJumpInsn(IF_ICMPGT, miss);
        }
    }

    /** Pushes the value of a decoded memory operand. */
    final void read(int sz, int seg, int eaw, int disp) {
        addr(eaw, disp);
        mv.visitVarInsn(ISTORE, ADDR);
        load(sz, seg, ADDR);
    }

    /** Stores the value on the stack at a decoded memory operand. */
    final void write(int sz, int seg, int eaw, int disp) {
        mv.visitVarInsn(ISTORE, VAL);
        addr(eaw, disp);
        mv.visitVarInsn(ISTORE, ADDR);
        store(sz, seg, ADDR, VAL);
    }

    /** Writes the value on the stack at seg:offLocal. */
    final void writeAt(int sz, int seg, int offLocal) {
        mv.visitVarInsn(ISTORE, VAL);
        store(sz, seg, offLocal, VAL);
    }

    /**
     * PUSH of local {@code v} on the stack (regions run only on a 32-bit stack): the store at
     * the new stack pointer ({@link Semantics#withStackPointer}, {@link Semantics#stackOffset}),
     * then ESP.
     */
    final void push(int v) {
        movedStackPointer(-4);
        mv.visitVarInsn(ISTORE, T4);
        mv.visitVarInsn(ILOAD, T4);
        mv.visitInsn(ICONST_1);
        mv.visitMethodInsn(INVOKESTATIC, SEMANTICS, "stackOffset", "(IZ)I", false);
        mv.visitVarInsn(ISTORE, ADDR);
        store(2, SS, ADDR, v);
        mv.visitVarInsn(ILOAD, T4);
        setReg(4);
    }

    /** Pushes the dword at the top of the stack (SS:{@link Semantics#stackOffset} of ESP). */
    final void top() {
        mv.visitVarInsn(ILOAD, R0 + 4);
        mv.visitInsn(ICONST_1);
        mv.visitMethodInsn(INVOKESTATIC, SEMANTICS, "stackOffset", "(IZ)I", false);
        mv.visitVarInsn(ISTORE, ADDR);
        load(2, SS, ADDR);
    }

    /** ESP += {@code delta} by {@link Semantics#withStackPointer} (after the access that may fault). */
    final void addSp(int delta) {
        movedStackPointer(delta);
        setReg(4);
    }

    /** Pushes ESP moved by {@code delta} on the (32-bit) stack. */
    private void movedStackPointer(int delta) {
        mv.visitVarInsn(ILOAD, R0 + 4);
        mv.visitVarInsn(ILOAD, R0 + 4);
        iconst(delta);
        mv.visitInsn(IADD);
        mv.visitInsn(ICONST_1);
        mv.visitMethodInsn(INVOKESTATIC, SEMANTICS, "withStackPointer", "(IIZ)I", false);
    }

    /**
     * A label that leaves the region before the current instruction, with the state before it
     * (every instruction assigns its registers and flag locals after its memory accesses, as
     * its fault handler assumes too), so the decoded loop runs that instruction. Translated
     * code for zero-based flat data jumps there where it would otherwise call the CPU for an
     * access off the inline path (a TLB miss, a page without the tag, MMIO, a page crossing) or
     * for a DIV that raises #DE: with no call on those paths, nothing lives across a call in a
     * guest loop, and C1 keeps the loop's values in registers instead of spilling them around
     * each rarely taken call (x86bench's sieve loop: 70 host instructions a round with the calls).
     */
    abstract Label exitBeforeInstruction();

    /**
     * Instruction {@code i} of the block, at frame offset {@code k}, may fault from here on: opens
     * an exception-table range, up to the next fault point, whose handler names that instruction.
     * Every instruction that may throw a guest fault calls this before its first access, so the
     * ranges cover all that can throw; what else they cover throws none.
     */
    final void faultPoint(int i, int k) {
        if (fixSet == i) return;
        Label start = new Label(), end = new Label(), handler = new Label();
        mv.visitTryCatchBlock(start, end, handler, FAULT);
        closeFaultRange();
        mv.visitLabel(start);
        rangeEnd = end;
        faultSites.add(new FaultSite(handler, i, k));
        fixSet = i;
    }

    /** Ends the open fault range here. */
    final void closeFaultRange() {
        if (rangeEnd != null) {
            mv.visitLabel(rangeEnd);
            rangeEnd = null;
        }
    }

    // ---- registers ----

    final void setReg(int n) {
        mv.visitVarInsn(ISTORE, R0 + n);
        written |= 1 << n;
    }

    /**
     * Pushes register {@code n} of size {@code sz}: {@link Semantics#regView} of its 32-bit
     * local (a 32-bit register is the local itself).
     */
    final void regSz(int n, int sz) {
        mv.visitVarInsn(ILOAD, R0 + Semantics.viewRegister(n, sz));
        if (sz == 2) return;
        iconst(n);
        iconst(sz);
        mv.visitMethodInsn(INVOKESTATIC, SEMANTICS, "regView", "(III)I", false);
    }

    /**
     * Stores the value on the stack into register n of size sz (8-bit: AL..BH):
     * {@link Semantics#withRegView} of its 32-bit local.
     */
    final void setRegSz(int n, int sz) {
        if (sz == 2) {
            setReg(n);
            return;
        }
        int full = Semantics.viewRegister(n, sz);
        mv.visitVarInsn(ISTORE, VAL);
        mv.visitVarInsn(ILOAD, R0 + full);
        iconst(n);
        iconst(sz);
        mv.visitVarInsn(ILOAD, VAL);
        mv.visitMethodInsn(INVOKESTATIC, SEMANTICS, "withRegView", "(IIII)I", false);
        setReg(full);
    }

    final void fillRegs() {
        mv.visitVarInsn(ALOAD, C);
        mv.visitFieldInsn(GETFIELD, CPU, "r", "[I");
        for (int n = 0; n < 8; n++) {
            mv.visitInsn(DUP);
            iconst(n);
            mv.visitInsn(IALOAD);
            mv.visitVarInsn(ISTORE, R0 + n);
        }
        mv.visitInsn(POP);
    }

    final void spillRegs(int mask) {
        if (mask == 0) return;
        mv.visitVarInsn(ALOAD, C);
        mv.visitFieldInsn(GETFIELD, CPU, "r", "[I");
        for (int n = 0; n < 8; n++) {
            if ((mask & (1 << n)) == 0) continue;
            mv.visitInsn(DUP);
            iconst(n);
            mv.visitVarInsn(ILOAD, R0 + n);
            mv.visitInsn(IASTORE);
        }
        mv.visitInsn(POP);
    }

    final void fillFlags() {
        for (int f = 0; f < 6; f++) {
            mv.visitVarInsn(ALOAD, C);
            mv.visitFieldInsn(GETFIELD, CPU, FLAG_FIELDS[f], "I");
            mv.visitVarInsn(ISTORE, FOP + f);
        }
    }

    final void spillFlags() {
        for (int f = 0; f < 6; f++) {
            mv.visitVarInsn(ALOAD, C);
            mv.visitVarInsn(ILOAD, FOP + f);
            mv.visitFieldInsn(PUTFIELD, CPU, FLAG_FIELDS[f], "I");
        }
    }

    final void iconst(int v) {
        if (v >= -1 && v <= 5) {
            mv.visitInsn(ICONST_0 + v);
        } else if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) {
            mv.visitIntInsn(BIPUSH, v);
        } else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
            mv.visitIntInsn(SIPUSH, v);
        } else {
            mv.visitLdcInsn(v);
        }
    }
}
