package org.oxen.x86.cpu.fpu;

/**
 * The x87 floating-point unit: register stack, control/status/tag words and every ESC
 * (0xD8..0xDF) instruction.
 *
 * <p>Design: registers are kept physically (R0..R7) as a 16-bit sign/exponent and a 64-bit
 * significand; ST(i) = R[(TOP + i) & 7]. Only "empty or not" is stored per register; the full
 * tag word (valid/zero/special/empty) is computed from the contents when it is read, as the
 * hardware does for FSTENV/FSAVE. Arithmetic is true 80-bit extended precision (see
 * {@link Fp80}), honouring precision control (24/53/64 bits) and rounding control, so that
 * results match a real x87 bit for bit. Transcendental instructions (FSIN, FCOS, FSINCOS, FPTAN,
 * FPATAN, F2XM1, FYL2X, FYL2XP1) are computed through Java double and are therefore accurate
 * only to about 53 bits.
 *
 * <p>Exceptions follow the x87 rules: a masked exception delivers the default response and sets
 * its sticky flag; an unmasked invalid, denormal or zero-divide exception aborts the instruction
 * without changing registers or TOP; unmasked overflow/underflow deliver the exponent-wrapped
 * result to register destinations and store nothing to memory. Any unmasked flag sets ES and B;
 * the integer core raises #MF (or IRQ 13) on the next waiting x87 instruction when
 * {@link #hasPendingUnmaskedException()} is true, and handles CR0.EM/TS/MP (#NM) and FWAIT itself.
 *
 * <p>Memory operands are read completely before any state changes, and stores are written before
 * the status/stack update, so a fault signal thrown by the host leaves the FPU unchanged.
 */
public class X87 {
    private static final int C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000;
    private static final int ES = 0x80, B = 0x8000;

    private int fcw;
    /** Status word without TOP. */
    private int fsw;
    private int top;
    /** Bit i set = physical register i is not empty. */
    private int valid;
    private final int[] se = new int[8];
    private final long[] mant = new long[8];
    private int fcs, fip, fds, fdp, fop;
    private int mxcsr = 0x1f80;
    private final Fp80 m = new Fp80();

    public X87() {
        reset();
    }

    /** Power-on / FNINIT state (register contents are kept, all tagged empty). */
    public void reset() {
        fcw = 0x037f;
        fsw = 0;
        top = 0;
        valid = 0;
        fcs = fip = fds = fdp = fop = 0;
    }

    /** FNINIT. */
    public void finit() {
        reset();
    }

    /**
     * The state after a hardware RESET (SDM table 9-1), as opposed to FNINIT: FCW 0x0040 (all
     * exceptions unmasked, 24-bit precision), FSW 0, every register valid and +0 (tag 0x5555).
     */
    public void powerOn() {
        reset();
        fcw = 0x0040;
        valid = 0xff;
        for (int i = 0; i < 8; i++) {
            se[i] = 0;
            mant[i] = 0;
        }
    }

    public boolean hasPendingUnmaskedException() {
        return (fsw & ES) != 0;
    }

    public void setLastInstruction(int cs, int eip, int ds, int dataOffset, int opcode11) {
        fcs = cs & 0xffff;
        fip = eip;
        fds = ds & 0xffff;
        fdp = dataOffset;
        fop = opcode11 & 0x7ff;
    }

    /**
     * True for the no-wait control instructions (FNSTSW, FNSTCW, FNCLEX, FNINIT, FNSTENV,
     * FNSAVE, FNENI/FNDISI/FSETPM), which do not raise a pending #MF; every other ESC
     * instruction checks {@link #hasPendingUnmaskedException()} first.
     */
    public static boolean isNoWait(int opcode, int modrm) {
        int op = opcode & 7;
        int mod = (modrm >> 6) & 3;
        int reg = (modrm >> 3) & 7;
        if (mod != 3) {
            return (op == 1 && (reg == 6 || reg == 7)) || (op == 5 && (reg == 6 || reg == 7));
        }
        return (op == 7 && (modrm & 0xff) == 0xe0) || (op == 3 && reg == 4);
    }

    // ---- register access -------------------------------------------------------------------

    public int getControlWord() {
        return fcw;
    }

    public void setControlWord(int v) {
        fcw = (v & 0x1f7f) | 0x40;
        updateEs();
    }

    public int getStatusWord() {
        return (fsw & ~0x3800) | (top << 11);
    }

    public void setStatusWord(int v) {
        fsw = v & 0xc7ff;
        top = (v >> 11) & 7;
    }

    public int getTop() {
        return top;
    }

    /** The full 16-bit tag word, computed from register contents. */
    public int getTagWord() {
        int tw = 0;
        for (int i = 0; i < 8; i++) {
            tw |= tagOf(i) << (2 * i);
        }
        return tw;
    }

    /** Sets the tag word; only "empty (11) or not" is kept, as on the real FPU. */
    public void setTagWord(int tw) {
        valid = 0;
        for (int i = 0; i < 8; i++) {
            if (((tw >> (2 * i)) & 3) != 3) {
                valid |= 1 << i;
            }
        }
    }

    /** FXSAVE's abridged tag: bit i set = physical register i not empty. */
    public int getAbridgedTag() {
        return valid;
    }

    public void setAbridgedTag(int t) {
        valid = t & 0xff;
    }

    /** Sign and 15-bit exponent of physical register i. */
    public int getRegisterSignExponent(int phys) {
        return se[phys & 7];
    }

    public long getRegisterSignificand(int phys) {
        return mant[phys & 7];
    }

    public void setRegister(int phys, int signExponent, long significand) {
        se[phys & 7] = signExponent & 0xffff;
        mant[phys & 7] = significand;
    }

    public int getFpuInstructionPointer() {
        return fip;
    }

    public int getFpuDataPointer() {
        return fdp;
    }

    public int getFpuOpcode() {
        return fop;
    }

    public int getMxcsr() {
        return mxcsr;
    }

    public void setMxcsr(int v) {
        mxcsr = v;
    }

    private int tagOf(int phys) {
        if ((valid & (1 << phys)) == 0) {
            return 3;
        }
        int e = se[phys] & 0x7fff;
        long mm = mant[phys];
        if (e == 0) {
            return mm == 0 ? 1 : 2;
        }
        if (e == 0x7fff || mm >= 0) {
            return 2;
        }
        return 0;
    }

    private void updateEs() {
        if ((fsw & ~fcw & 0x3f) != 0) {
            fsw |= ES | B;
        } else {
            fsw &= ~(ES | B);
        }
    }

    // ---- stack helpers ---------------------------------------------------------------------

    private int phys(int i) {
        return (top + i) & 7;
    }

    private boolean empty(int i) {
        return (valid & (1 << phys(i))) == 0;
    }

    private int stSe(int i) {
        return se[phys(i)];
    }

    private long stM(int i) {
        return mant[phys(i)];
    }

    private void setSt(int i, int s, long mm) {
        int p = phys(i);
        se[p] = s & 0xffff;
        mant[p] = mm;
        valid |= 1 << p;
    }

    private void push(int s, long mm) {
        top = (top - 1) & 7;
        setSt(0, s, mm);
    }

    private void pop() {
        valid &= ~(1 << top);
        top = (top + 1) & 7;
    }

    /**
     * Records exceptions (Fp80 bit layout) in the status word, C1 from the round-up bit.
     * @return true if an unmasked invalid/denormal/zero-divide exception aborts the instruction
     */
    private boolean raise(int exc) {
        if ((exc & ~fcw & (Fp80.IE | Fp80.DE | Fp80.ZE)) != 0) {
            // aborted before computing: post-computation flags are not reported
            exc &= Fp80.IE | Fp80.DE | Fp80.ZE | Fp80.SF | ((exc & Fp80.SF) != 0 ? C1 : 0);
        }
        fsw = (fsw & ~C1) | (exc & C1);
        fsw |= exc & 0x7f;
        if ((exc & ~fcw & 0x3f) != 0) {
            fsw |= ES | B;
        }
        return (exc & ~fcw & (Fp80.IE | Fp80.DE | Fp80.ZE)) != 0;
    }

    /** Stack underflow; returns true if masked (caller delivers the default NaN). */
    private boolean underflow() {
        return !raise(Fp80.IE | Fp80.SF);
    }

    /** Stack overflow on push: returns true if the push may go ahead with the default NaN. */
    private boolean pushOverflowCheck() {
        if ((valid & (1 << ((top - 1) & 7))) != 0) {
            if (raise(Fp80.IE | Fp80.SF | C1)) {
                return false;
            }
            push(Fp80.INDEF_SE, Fp80.INDEF_M);
            return false;
        }
        return true;
    }

    // ---- dispatcher ------------------------------------------------------------------------

    /**
     * Executes one ESC instruction.
     * @param opcode 0xD8..0xDF
     * @param modrm the ModR/M byte
     * @param seg segment register index of a memory operand (mod != 3)
     * @param offset effective offset of a memory operand (mod != 3)
     * @throws UnsupportedOperationException for undefined encodings (the core raises #UD)
     */
    public void execute(int opcode, int modrm, int seg, int offset, FpuHost host) {
        int mod = (modrm >> 6) & 3;
        int reg = (modrm >> 3) & 7;
        int rm = modrm & 7;
        if (mod != 3) {
            executeMemory(opcode & 7, reg, seg, offset, host);
        } else {
            executeRegister(opcode & 7, reg, rm, modrm & 0xff, host);
        }
    }

    private void executeMemory(int op, int reg, int seg, int off, FpuHost h) {
        switch (op) {
            case 0: { // m32fp arithmetic
                int v = h.read32(seg, off);
                m.begin(fcw);
                m.fromF32(v);
                arithWithMem(reg, m.rse, m.rm, m.exc);
                return;
            }
            case 4: { // m64fp arithmetic
                long v = h.read64(seg, off);
                m.begin(fcw);
                m.fromF64(v);
                arithWithMem(reg, m.rse, m.rm, m.exc);
                return;
            }
            case 2: { // m32int
                int v = h.read32(seg, off);
                m.begin(fcw);
                m.fromInt(v);
                arithWithMem(reg, m.rse, m.rm, 0);
                return;
            }
            case 6: { // m16int
                int v = (short) h.read16(seg, off);
                m.begin(fcw);
                m.fromInt(v);
                arithWithMem(reg, m.rse, m.rm, 0);
                return;
            }
            case 1:
                memD9(reg, seg, off, h);
                return;
            case 3:
                memDB(reg, seg, off, h);
                return;
            case 5:
                memDD(reg, seg, off, h);
                return;
            default:
                memDF(reg, seg, off, h);
        }
    }

    /** ST(0) = ST(0) op memory operand (reg field op), or compare. */
    private void arithWithMem(int reg, int bSe, long bM, int loadExc) {
        if (reg == 2 || reg == 3) {
            compareSt0(bSe, bM, loadExc, false, reg == 3 ? 1 : 0);
            return;
        }
        if (empty(0)) {
            if (underflow()) {
                setSt(0, Fp80.INDEF_SE, Fp80.INDEF_M);
            }
            return;
        }
        compute(reg, stSe(0), stM(0), bSe, bM, loadExc);
        if (!raise(m.exc)) {
            setSt(0, m.rse, m.rm);
        }
    }

    /** dest op src into m.rse/m.rm; op: 0 add, 1 mul, 4 sub, 5 subr, 6 div, 7 divr. */
    private void compute(int op, int aSe, long aM, int bSe, long bM, int extraExc) {
        m.begin(fcw);
        m.loadDenormal = (extraExc & Fp80.DE) != 0;
        switch (op) {
            case 0:
                m.add(aSe, aM, bSe, bM, false);
                break;
            case 1:
                m.mul(aSe, aM, bSe, bM);
                break;
            case 4:
                m.add(aSe, aM, bSe, bM, true);
                break;
            case 5:
                m.add(bSe, bM, aSe, aM, true);
                break;
            case 6:
                m.div(aSe, aM, bSe, bM);
                break;
            default:
                m.div(bSe, bM, aSe, aM);
                break;
        }
    }

    /** FCOM family: compares ST(0) with b, sets C3/C2/C0, pops 'pops' times. */
    private void compareSt0(int bSe, long bM, int extraExc, boolean unordered, int pops) {
        if (empty(0)) {
            boolean masked = underflow();
            fsw = (fsw & ~C1) | C0 | C2 | C3;
            if (masked) {
                for (int i = 0; i < pops; i++) {
                    pop();
                }
            }
            return;
        }
        int res = compareValues(stSe(0), stM(0), bSe, bM, unordered);
        int exc = ((res == 2 ? extraExc & ~Fp80.DE : extraExc) | cmpExc) & ~C1;
        boolean abort = raise(exc);
        fsw &= ~(C0 | C2 | C3 | C1);
        fsw |= res == 0 ? C3 : res < 0 ? C0 : res == 1 ? 0 : (C0 | C2 | C3);
        if (abort) {
            return;
        }
        for (int i = 0; i < pops; i++) {
            pop();
        }
    }

    private int cmpExc;

    /** Returns -1, 0, 1, or 2 for unordered; exceptions in cmpExc. */
    private int compareValues(int aSe, long aM, int bSe, long bM, boolean unordered) {
        int ca = Fp80.classify(aSe, aM), cb = Fp80.classify(bSe, bM);
        cmpExc = 0;
        if (Fp80.isNaN(ca) || Fp80.isNaN(cb) || ca == Fp80.UNSUPPORTED || cb == Fp80.UNSUPPORTED) {
            if (!unordered || ca == Fp80.SNAN || cb == Fp80.SNAN || ca == Fp80.UNSUPPORTED
                    || cb == Fp80.UNSUPPORTED) {
                cmpExc = Fp80.IE;
            }
            return 2;
        }
        if (ca == Fp80.DENORMAL || cb == Fp80.DENORMAL) {
            cmpExc = Fp80.DE;
        }
        return Fp80.compare(aSe, aM, bSe, bM);
    }

    private void memD9(int reg, int seg, int off, FpuHost h) {
        switch (reg) {
            case 0: { // FLD m32fp
                int v = h.read32(seg, off);
                m.begin(fcw);
                m.fromF32(v);
                loadPush(m.rse, m.rm, m.exc);
                return;
            }
            case 2:
            case 3: { // FST/FSTP m32fp
                if (empty(0)) {
                    if (!underflow()) {
                        return;
                    }
                    h.write32(seg, off, 0xffc00000);
                    if (reg == 3) {
                        pop();
                    }
                    return;
                }
                m.begin(fcw);
                int bits = (int) m.toFloat(stSe(0), stM(0), false);
                if ((m.exc & ~fcw & 0x1b) != 0) {
                    raise(storeAbortFlags(m.exc));
                    return;
                }
                h.write32(seg, off, bits);
                raise(m.exc);
                if (reg == 3) {
                    pop();
                }
                return;
            }
            case 4:
                fldenv(seg, off, h);
                return;
            case 5:
                setControlWord(h.read16(seg, off));
                return;
            case 6:
                fstenv(seg, off, h);
                fcw |= 0x3f;
                updateEs();
                return;
            case 7:
                h.write16(seg, off, fcw);
                return;
            default:
                throw new UnsupportedOperationException("x87: D9 /1 memory");
        }
    }

    /** Pushes a value loaded from memory; SNaN raise IE and are quieted. */
    private void loadPush(int s, long mm, int exc) {
        if (Fp80.classify(s, mm) == Fp80.SNAN) {
            exc |= Fp80.IE;
            mm |= Fp80.QUIET_BIT;
        }
        if (!pushOverflowCheck()) {
            return;
        }
        boolean abort = raise(exc & ~C1);
        if (abort && (exc & ~fcw & Fp80.IE) != 0) {
            return; // an unmasked SNaN aborts; an unmasked denormal still loads
        }
        fsw &= ~C1;
        push(s, mm);
    }

    private void pushExact(int s, long mm) {
        if (!pushOverflowCheck()) {
            return;
        }
        fsw &= ~C1;
        push(s, mm);
    }

    private void memDB(int reg, int seg, int off, FpuHost h) {
        switch (reg) {
            case 0: { // FILD m32int
                int v = h.read32(seg, off);
                m.begin(fcw);
                m.fromInt(v);
                pushExact(m.rse, m.rm);
                return;
            }
            case 1:
            case 2:
            case 3: // FISTTP / FIST / FISTP m32int
                storeInt(seg, off, h, 32, reg == 1, reg != 2);
                return;
            case 5: { // FLD m80
                long lo = h.read64(seg, off);
                int hi = h.read16(seg, off + 8);
                pushExact(hi & 0xffff, lo);
                return;
            }
            case 7: { // FSTP m80
                if (empty(0)) {
                    if (!underflow()) {
                        return;
                    }
                    h.write64(seg, off, Fp80.INDEF_M);
                    h.write16(seg, off + 8, Fp80.INDEF_SE);
                    pop();
                    return;
                }
                h.write64(seg, off, stM(0));
                h.write16(seg, off + 8, stSe(0));
                fsw &= ~C1;
                pop();
                return;
            }
            default:
                throw new UnsupportedOperationException("x87: DB /" + reg + " memory");
        }
    }

    /** An unmasked overflow/underflow on a store to memory reports only that flag. */
    private int storeAbortFlags(int exc) {
        if ((exc & ~fcw & (Fp80.IE | Fp80.DE)) == 0) {
            exc &= ~(Fp80.PE | C1);
        }
        return exc;
    }

    private void storeInt(int seg, int off, FpuHost h, int bits, boolean truncate, boolean popAfter) {
        long v;
        int exc;
        if (empty(0)) {
            if (!underflow()) {
                return;
            }
            v = 1L << (bits - 1);
            exc = 0;
        } else {
            m.begin(fcw);
            v = m.toInt(stSe(0), stM(0), bits, truncate);
            exc = m.exc;
            if ((exc & ~fcw & 0x3f & (Fp80.IE | Fp80.DE)) != 0) {
                raise(exc);
                return;
            }
        }
        if (bits == 16) {
            h.write16(seg, off, (int) v);
        } else if (bits == 32) {
            h.write32(seg, off, (int) v);
        } else {
            h.write64(seg, off, v);
        }
        if (!empty(0)) {
            raise(exc);
        }
        if (popAfter) {
            pop();
        }
    }

    private void memDD(int reg, int seg, int off, FpuHost h) {
        switch (reg) {
            case 0: { // FLD m64fp
                long v = h.read64(seg, off);
                m.begin(fcw);
                m.fromF64(v);
                loadPush(m.rse, m.rm, m.exc);
                return;
            }
            case 1: // FISTTP m64int
                storeInt(seg, off, h, 64, true, true);
                return;
            case 2:
            case 3: { // FST/FSTP m64fp
                if (empty(0)) {
                    if (!underflow()) {
                        return;
                    }
                    h.write64(seg, off, 0xfff8000000000000L);
                    if (reg == 3) {
                        pop();
                    }
                    return;
                }
                m.begin(fcw);
                long bits = m.toFloat(stSe(0), stM(0), true);
                if ((m.exc & ~fcw & 0x1b) != 0) {
                    raise(storeAbortFlags(m.exc));
                    return;
                }
                h.write64(seg, off, bits);
                raise(m.exc);
                if (reg == 3) {
                    pop();
                }
                return;
            }
            case 4:
                frstor(seg, off, h);
                return;
            case 6:
                fsave(seg, off, h);
                return;
            case 7:
                h.write16(seg, off, getStatusWord());
                return;
            default:
                throw new UnsupportedOperationException("x87: DD /5 memory");
        }
    }

    private void memDF(int reg, int seg, int off, FpuHost h) {
        switch (reg) {
            case 0: { // FILD m16int
                int v = (short) h.read16(seg, off);
                m.begin(fcw);
                m.fromInt(v);
                pushExact(m.rse, m.rm);
                return;
            }
            case 1:
            case 2:
            case 3:
                storeInt(seg, off, h, 16, reg == 1, reg != 2);
                return;
            case 4: { // FBLD
                long lo = h.read64(seg, off);
                int hi = h.read16(seg, off + 8);
                long val = 0;
                for (int i = 8; i >= 0; i--) { // 18 digits, most significant byte (at +8) first
                    int b = i == 8 ? hi & 0xff : (int) (lo >>> (8 * i)) & 0xff;
                    val = val * 100 + ((b >> 4) & 0xf) * 10 + (b & 0xf);
                }
                m.begin(fcw);
                m.fromInt(val);
                int s = m.rse | ((hi & 0x8000) != 0 ? 0x8000 : 0);
                pushExact(s, m.rm);
                return;
            }
            case 5: { // FILD m64int
                long v = h.read64(seg, off);
                m.begin(fcw);
                m.fromInt(v);
                pushExact(m.rse, m.rm);
                return;
            }
            case 6: { // FBSTP
                fbstp(seg, off, h);
                return;
            }
            default: // FISTP m64int
                storeInt(seg, off, h, 64, false, true);
        }
    }

    private void fbstp(int seg, int off, FpuHost h) {
        long lo;
        int hi;
        int exc = 0;
        if (empty(0)) {
            if (!underflow()) {
                return;
            }
            lo = 0xc000000000000000L;
            hi = 0xffff;
        } else {
            m.begin(fcw);
            long v = m.toInt(stSe(0), stM(0), 64, false);
            exc = m.exc;
            long mag = v < 0 ? -v : v;
            if ((exc & Fp80.IE) != 0 || mag > 999_999_999_999_999_999L || v == Long.MIN_VALUE) {
                exc = (exc | Fp80.IE) & ~(Fp80.PE | C1);
                if ((Fp80.IE & ~fcw) != 0) {
                    raise(exc);
                    return;
                }
                lo = 0xc000000000000000L;
                hi = 0xffff;
            } else {
                lo = 0;
                for (int i = 0; i < 8; i++) {
                    long d = mag % 100;
                    mag /= 100;
                    lo |= ((d / 10) << 4 | (d % 10)) << (8 * i);
                }
                long d = mag % 100;
                hi = (int) ((d / 10) << 4 | (d % 10));
                if ((stSe(0) & 0x8000) != 0) {
                    hi |= 0x8000;
                }
            }
        }
        h.write64(seg, off, lo);
        h.write16(seg, off + 8, hi);
        raise(exc);
        pop();
    }

    private void executeRegister(int op, int reg, int rm, int modrm, FpuHost h) {
        switch (op) {
            case 0: // D8: ST0 = ST0 op ST(i); FCOM/FCOMP
                if (reg == 2 || reg == 3) {
                    compareReg(rm, false, reg == 3 ? 1 : 0);
                } else {
                    arithReg(0, rm, reg, false);
                }
                return;
            case 4: // DC: ST(i) = ST(i) op ST0
                if (reg == 2 || reg == 3) {
                    compareReg(rm, false, reg == 3 ? 1 : 0);
                } else {
                    arithReg(rm, 0, reg >= 4 ? reg ^ 1 : reg, false);
                }
                return;
            case 6: // DE: ...P
                if (reg == 2) {
                    compareReg(rm, false, 1);
                } else if (reg == 3) {
                    if (rm != 1) {
                        throw new UnsupportedOperationException("x87: DE D8+i");
                    }
                    compareReg(1, false, 2);
                } else {
                    arithReg(rm, 0, reg >= 4 ? reg ^ 1 : reg, true);
                }
                return;
            case 1:
                regD9(reg, rm, modrm);
                return;
            case 2:
                if (reg < 4) {
                    fcmov(reg, rm, false, h);
                } else if (modrm == 0xe9) {
                    compareReg(1, true, 2);
                } else {
                    throw new UnsupportedOperationException("x87: DA " + Integer.toHexString(modrm));
                }
                return;
            case 3:
                if (reg < 4) {
                    fcmov(reg, rm, true, h);
                } else if (reg == 4) {
                    switch (rm) {
                        case 0: // FNENI, FNDISI, FSETPM: no-ops on 387+
                        case 1:
                        case 4:
                            return;
                        case 2: // FNCLEX
                            fsw &= ~(0x80ff);
                            return;
                        case 3:
                            reset();
                            return;
                        default:
                            throw new UnsupportedOperationException("x87: DB " + Integer.toHexString(modrm));
                    }
                } else if (reg == 5) {
                    comi(rm, true, false, h);
                } else if (reg == 6) {
                    comi(rm, false, false, h);
                } else {
                    throw new UnsupportedOperationException("x87: DB " + Integer.toHexString(modrm));
                }
                return;
            case 5:
                switch (reg) {
                    case 0: // FFREE
                        fsw &= ~C1;
                        valid &= ~(1 << phys(rm));
                        return;
                    case 1: // FXCH alias
                        fxch(rm);
                        return;
                    case 2:
                        fstReg(rm, false);
                        return;
                    case 3:
                        fstReg(rm, true);
                        return;
                    case 4:
                        compareReg(rm, true, 0);
                        return;
                    case 5:
                        compareReg(rm, true, 1);
                        return;
                    default:
                        throw new UnsupportedOperationException("x87: DD " + Integer.toHexString(modrm));
                }
            default: // DF
                switch (reg) {
                    case 0: // FFREEP
                        fsw &= ~C1;
                        valid &= ~(1 << phys(rm));
                        pop();
                        return;
                    case 1:
                        fxch(rm);
                        return;
                    case 2:
                    case 3:
                        fstReg(rm, true);
                        return;
                    case 4:
                        if (rm != 0) {
                            throw new UnsupportedOperationException("x87: DF " + Integer.toHexString(modrm));
                        }
                        h.setAx(getStatusWord());
                        return;
                    case 5:
                        comi(rm, true, true, h);
                        return;
                    case 6:
                        comi(rm, false, true, h);
                        return;
                    default:
                        throw new UnsupportedOperationException("x87: DF " + Integer.toHexString(modrm));
                }
        }
    }

    /** ST(dst) = ST(dst) op ST(src); pops if requested. */
    private void arithReg(int dst, int src, int op, boolean popAfter) {
        if (empty(dst) || empty(src)) {
            if (underflow()) {
                setSt(dst, Fp80.INDEF_SE, Fp80.INDEF_M);
                if (popAfter) {
                    pop();
                }
            }
            return;
        }
        compute(op, stSe(dst), stM(dst), stSe(src), stM(src), 0);
        if (raise(m.exc)) {
            return;
        }
        setSt(dst, m.rse, m.rm);
        if (popAfter) {
            pop();
        }
    }

    private void compareReg(int i, boolean unordered, int pops) {
        compareSt0Unordered(i, unordered, pops);
    }

    private void compareSt0Unordered(int i, boolean unordered, int pops) {
        if (empty(0) || empty(i)) {
            boolean masked = underflow();
            fsw = (fsw & ~C1) | C0 | C2 | C3;
            if (masked) {
                for (int k = 0; k < pops; k++) {
                    pop();
                }
            }
            return;
        }
        compareSt0(stSe(i), stM(i), 0, unordered, pops);
    }

    private void comi(int i, boolean unordered, boolean popAfter, FpuHost h) {
        if (empty(0) || empty(i)) {
            boolean masked = underflow();
            fsw &= ~C1;
            h.setFlagsFromFcomi(1, 1, 1);
            if (masked && popAfter) {
                pop();
            }
            return;
        }
        int res = compareValues(stSe(0), stM(0), stSe(i), stM(i), unordered);
        int keepC1 = fsw & C1;
        boolean abort = raise(cmpExc);
        fsw = (fsw & ~C1) | keepC1;
        if (res == 2) {
            h.setFlagsFromFcomi(1, 1, 1);
        } else {
            h.setFlagsFromFcomi(res == 0 ? 1 : 0, 0, res < 0 ? 1 : 0);
        }
        if (abort) {
            return;
        }
        if (popAfter) {
            pop();
        }
    }

    private void fcmov(int cond, int i, boolean negate, FpuHost h) {
        int f = h.eflags();
        boolean cf = (f & 1) != 0, pf = (f & 4) != 0, zf = (f & 0x40) != 0;
        boolean take;
        switch (cond) {
            case 0:
                take = cf;
                break;
            case 1:
                take = zf;
                break;
            case 2:
                take = cf || zf;
                break;
            default:
                take = pf;
                break;
        }
        if (negate) {
            take = !take;
        }
        if (empty(0) || empty(i)) {
            if (underflow()) {
                setSt(0, Fp80.INDEF_SE, Fp80.INDEF_M);
            }
            return;
        }
        if (take) {
            setSt(0, stSe(i), stM(i));
        }
    }

    private void fxch(int i) {
        if (empty(0) || empty(i)) {
            if (!underflow()) {
                return;
            }
            if (empty(0)) {
                setSt(0, Fp80.INDEF_SE, Fp80.INDEF_M);
            }
            if (empty(i)) {
                setSt(i, Fp80.INDEF_SE, Fp80.INDEF_M);
            }
        }
        fsw &= ~C1;
        int p0 = phys(0), pi = phys(i);
        int ts = se[p0];
        long tm = mant[p0];
        se[p0] = se[pi];
        mant[p0] = mant[pi];
        se[pi] = ts;
        mant[pi] = tm;
    }

    private void fstReg(int i, boolean popAfter) {
        if (empty(0)) {
            if (!underflow()) {
                return;
            }
            setSt(i, Fp80.INDEF_SE, Fp80.INDEF_M);
        } else {
            fsw &= ~C1;
            setSt(i, stSe(0), stM(0));
        }
        if (popAfter) {
            pop();
        }
    }

    private void regD9(int reg, int rm, int modrm) {
        switch (reg) {
            case 0: { // FLD ST(i)
                if (empty(rm)) {
                    if (underflow()) {
                        push(Fp80.INDEF_SE, Fp80.INDEF_M);
                    }
                    return;
                }
                int s = stSe(rm);
                long mm = stM(rm);
                pushExact(s, mm);
                return;
            }
            case 1:
                fxch(rm);
                return;
            case 2:
                if (rm == 0) { // FNOP
                    return;
                }
                throw new UnsupportedOperationException("x87: D9 " + Integer.toHexString(modrm));
            case 3: // FSTP1 alias: with ST0 empty the host (AMD) raises nothing, stores nothing and pops
                if (empty(0)) {
                    fsw &= ~C1;
                    pop();
                    return;
                }
                fstReg(rm, true);
                return;
            case 4:
                groupD9E0(rm, modrm);
                return;
            case 5:
                constant(rm, modrm);
                return;
            case 6:
                groupD9F0(rm);
                return;
            default:
                groupD9F8(rm);
        }
    }

    private void groupD9E0(int rm, int modrm) {
        if (rm == 5) { // FXAM works on an empty register
            fxam();
            return;
        }
        if (rm == 2 || rm == 3 || rm == 6 || rm == 7) {
            throw new UnsupportedOperationException("x87: D9 " + Integer.toHexString(modrm));
        }
        if (empty(0)) {
            boolean masked = underflow();
            if (rm == 4) {
                fsw = (fsw & ~C1) | C0 | C2 | C3;
            } else if (masked) {
                fsw &= ~C1;
                setSt(0, Fp80.INDEF_SE, Fp80.INDEF_M);
            }
            return;
        }
        switch (rm) {
            case 0: // FCHS
                fsw &= ~C1;
                setSt(0, stSe(0) ^ 0x8000, stM(0));
                return;
            case 1: // FABS
                fsw &= ~C1;
                setSt(0, stSe(0) & 0x7fff, stM(0));
                return;
            default: // FTST
                compareSt0(0, 0, 0, false, 0);
        }
    }

    private void fxam() {
        int s = stSe(0);
        int c1 = (s & 0x8000) != 0 ? C1 : 0;
        int cc;
        if (empty(0)) {
            cc = C3 | C0;
        } else {
            switch (Fp80.classify(s, stM(0))) {
                case Fp80.ZERO:
                    cc = C3;
                    break;
                case Fp80.DENORMAL:
                    cc = C3 | C2;
                    break;
                case Fp80.NORMAL:
                    cc = C2;
                    break;
                case Fp80.INF:
                    cc = C2 | C0;
                    break;
                case Fp80.QNAN:
                case Fp80.SNAN:
                    cc = C0;
                    break;
                default:
                    cc = 0;
            }
        }
        fsw = (fsw & ~(C0 | C1 | C2 | C3)) | cc | c1;
    }

    // 66-bit-accurate constants: [nearest, down/chop, up] significands
    private static final long[][] CONST_M = {
        {0x8000000000000000L, 0x8000000000000000L, 0x8000000000000000L}, // 1
        {0xd49a784bcd1b8afeL, 0xd49a784bcd1b8afeL, 0xd49a784bcd1b8affL}, // log2(10)
        {0xb8aa3b295c17f0bcL, 0xb8aa3b295c17f0bbL, 0xb8aa3b295c17f0bcL}, // log2(e)
        {0xc90fdaa22168c235L, 0xc90fdaa22168c234L, 0xc90fdaa22168c235L}, // pi
        {0x9a209a84fbcff799L, 0x9a209a84fbcff798L, 0x9a209a84fbcff799L}, // log10(2)
        {0xb17217f7d1cf79acL, 0xb17217f7d1cf79abL, 0xb17217f7d1cf79acL}, // ln(2)
        {0, 0, 0}, // +0
    };
    private static final int[] CONST_E = {0x3fff, 0x4000, 0x3fff, 0x4000, 0x3ffd, 0x3ffe, 0};

    private void constant(int rm, int modrm) {
        if (rm == 7) {
            throw new UnsupportedOperationException("x87: D9 " + Integer.toHexString(modrm));
        }
        int rcm = (fcw >> 10) & 3;
        int col = rcm == 0 ? 0 : rcm == 2 ? 2 : 1;
        pushExact(CONST_E[rm], CONST_M[rm][col]);
    }

    private void groupD9F0(int rm) {
        switch (rm) {
            case 6: // FDECSTP
                fsw &= ~C1;
                top = (top - 1) & 7;
                return;
            case 7: // FINCSTP
                fsw &= ~C1;
                top = (top + 1) & 7;
                return;
            case 4:
                fxtract();
                return;
            case 5:
                fprem(true);
                return;
            case 0:
                transcendental1(rm);
                return;
            case 2: // FPTAN
                transcendental1(rm);
                return;
            default: // 1 FYL2X, 3 FPATAN
                transcendental2(rm);
        }
    }

    private void groupD9F8(int rm) {
        switch (rm) {
            case 0:
                fprem(false);
                return;
            case 1: // FYL2XP1
                transcendental2(rm | 8);
                return;
            case 2: { // FSQRT
                if (empty(0)) {
                    if (underflow()) {
                        setSt(0, Fp80.INDEF_SE, Fp80.INDEF_M);
                    }
                    return;
                }
                m.begin(fcw);
                m.sqrt(stSe(0), stM(0));
                if (!raise(m.exc)) {
                    setSt(0, m.rse, m.rm);
                }
                return;
            }
            case 4: { // FRNDINT
                if (empty(0)) {
                    if (underflow()) {
                        setSt(0, Fp80.INDEF_SE, Fp80.INDEF_M);
                    }
                    return;
                }
                m.begin(fcw);
                m.roundInt(stSe(0), stM(0));
                if (!raise(m.exc)) {
                    setSt(0, m.rse, m.rm);
                }
                return;
            }
            case 5: { // FSCALE
                if (empty(0) || empty(1)) {
                    if (underflow()) {
                        setSt(0, Fp80.INDEF_SE, Fp80.INDEF_M);
                    }
                    return;
                }
                m.begin(fcw);
                m.scale(stSe(0), stM(0), stSe(1), stM(1));
                if (!raise(m.exc)) {
                    setSt(0, m.rse, m.rm);
                }
                return;
            }
            default: // 3 FSINCOS, 6 FSIN, 7 FCOS
                transcendental1(rm | 8);
        }
    }

    private void fxtract() {
        if (empty(0)) {
            if (underflow()) {
                setSt(0, Fp80.INDEF_SE, Fp80.INDEF_M);
                push(Fp80.INDEF_SE, Fp80.INDEF_M);
            }
            return;
        }
        if ((valid & (1 << ((top - 1) & 7))) != 0) {
            if (!raise(Fp80.IE | Fp80.SF | C1)) {
                setSt(0, Fp80.INDEF_SE, Fp80.INDEF_M);
                push(Fp80.INDEF_SE, Fp80.INDEF_M);
            }
            return;
        }
        int s = stSe(0);
        long mm = stM(0);
        int c = Fp80.classify(s, mm);
        int expSe, sigSe;
        long expM, sigM;
        int exc = 0;
        switch (c) {
            case Fp80.ZERO:
                exc = Fp80.ZE;
                expSe = 0xffff;
                expM = Fp80.INT_BIT;
                sigSe = s;
                sigM = 0;
                break;
            case Fp80.INF:
                expSe = 0x7fff;
                expM = Fp80.INT_BIT;
                sigSe = s;
                sigM = mm;
                break;
            case Fp80.QNAN:
            case Fp80.SNAN:
                exc = c == Fp80.SNAN ? Fp80.IE : 0;
                expSe = sigSe = s;
                expM = sigM = mm | Fp80.QUIET_BIT;
                break;
            case Fp80.UNSUPPORTED:
                exc = Fp80.IE;
                expSe = sigSe = Fp80.INDEF_SE;
                expM = sigM = Fp80.INDEF_M;
                break;
            default: {
                if (c == Fp80.DENORMAL) {
                    exc = Fp80.DE;
                }
                m.begin(fcw);
                int e = m.exponentOf(s, mm);
                sigM = m.significandOf(s, mm);
                sigSe = (s & 0x8000) | Fp80.BIAS;
                m.fromInt(e);
                expSe = m.rse;
                expM = m.rm;
            }
        }
        if (raise(exc & ~C1)) {
            return;
        }
        fsw &= ~C1;
        setSt(0, expSe, expM);
        push(sigSe, sigM);
    }

    private void fprem(boolean ieee) {
        if (empty(0) || empty(1)) {
            fsw &= ~C2;
            if (underflow()) {
                setSt(0, Fp80.INDEF_SE, Fp80.INDEF_M);
            }
            return;
        }
        m.begin(fcw);
        m.rc = 0;
        m.rem(stSe(0), stM(0), stSe(1), stM(1), ieee);
        int exc = m.exc & ~(C1 | Fp80.PE);
        fsw &= ~C2;
        if (raise(exc)) {
            return;
        }
        int q = m.quotientBits;
        fsw &= ~(C1 | C2);
        if (m.partial) {
            fsw &= ~(C0 | C3);
            fsw |= C2;
        } else if (q >= 0) {
            fsw &= ~(C0 | C3);
            fsw |= ((q & 4) != 0 ? C0 : 0) | ((q & 2) != 0 ? C3 : 0) | ((q & 1) != 0 ? C1 : 0);
        }
        setSt(0, m.rse, m.rm);
    }

    /** FSIN, FCOS, FSINCOS, FPTAN, F2XM1 (computed through double). */
    private void transcendental1(int code) {
        boolean pushes = code == 2 || code == 11;
        if (empty(0)) {
            if (underflow()) {
                fsw &= ~(C1 | C2);
                setSt(0, Fp80.INDEF_SE, Fp80.INDEF_M);
                if (pushes) {
                    push(Fp80.INDEF_SE, Fp80.INDEF_M);
                }
            }
            return;
        }
        if (pushes && (valid & (1 << ((top - 1) & 7))) != 0) {
            if (!raise(Fp80.IE | Fp80.SF | C1)) {
                setSt(0, Fp80.INDEF_SE, Fp80.INDEF_M);
                push(Fp80.INDEF_SE, Fp80.INDEF_M);
            }
            return;
        }
        int s = stSe(0);
        long mm = stM(0);
        int c = Fp80.classify(s, mm);
        int exc = 0;
        if (c == Fp80.UNSUPPORTED || Fp80.isNaN(c) || (c == Fp80.INF && code != 0)) {
            exc = c == Fp80.QNAN ? 0 : Fp80.IE;
            int rs = c == Fp80.QNAN || c == Fp80.SNAN ? s : Fp80.INDEF_SE;
            long rmm = c == Fp80.QNAN || c == Fp80.SNAN ? mm | Fp80.QUIET_BIT : Fp80.INDEF_M;
            if (raise(exc)) {
                return;
            }
            fsw &= ~C2;
            setSt(0, rs, rmm);
            if (pushes) {
                push(rs, rmm);
            }
            return;
        }
        if (code != 0 && c != Fp80.ZERO && (s & 0x7fff) >= Fp80.BIAS + 63) {
            fsw |= C2; // out of range: operand unchanged
            return;
        }
        if (c == Fp80.DENORMAL) {
            exc |= Fp80.DE;
        }
        fsw &= ~C2;
        if (c == Fp80.ZERO) {
            // sin, tan, 2^x - 1 of a signed zero: the same zero, exactly; cos(0) = 1 (inexact on the x87)
            if (code == 15 || code == 11) {
                exc |= Fp80.PE;
            }
            if (raise(exc)) {
                return;
            }
            fsw &= ~C1;
            if (code == 15) {
                setSt(0, 0x3fff, Fp80.INT_BIT);
            } else {
                setSt(0, s, mm);
            }
            if (code == 2) {
                push(0x3fff, Fp80.INT_BIT);
            } else if (code == 11) {
                push(0x3fff, Fp80.INT_BIT);
            }
            return;
        }
        if (c == Fp80.INF) { // F2XM1 only: 2^-inf - 1 = -1, 2^inf - 1 = inf
            fsw &= ~C1;
            setSt(0, (s & 0x8000) != 0 ? 0xbfff : 0x7fff, Fp80.INT_BIT);
            return;
        }
        split(s, mm);
        boolean neg = (s & 0x8000) != 0;
        if (code == 0 && tExp >= 63) {
            // F2XM1 far outside its domain: the host returns the operand (inexact)
            if (raise(exc | Fp80.PE)) {
                return;
            }
            fsw &= ~C1;
            return;
        }
        if (tExp < -40) {
            // tiny arguments: sin x = tan x = x, cos x = 1, 2^x - 1 = x ln 2 (computed in extended precision)
            int rs = s;
            long rmm = mm;
            if (code == 0) {
                m.begin(fcw);
                m.pc = 64;
                m.mul(s, mm, 0x3ffe, 0xb17217f7d1cf79acL);
                exc |= m.exc & ~C1;
                rs = m.rse;
                rmm = m.rm;
            } else {
                exc |= Fp80.PE;
                if (code != 15 && (s & 0x7fff) == 0) {
                    exc |= Fp80.UE; // a denormal result
                }
            }
            if (raise(exc)) {
                return;
            }
            fsw &= ~C1;
            if (code == 15) {
                setSt(0, 0x3fff, Fp80.INT_BIT);
            } else if (code == 11) {
                setSt(0, rs, rmm);
                push(0x3fff, Fp80.INT_BIT);
            } else {
                setSt(0, rs, rmm);
                if (code == 2) {
                    push(0x3fff, Fp80.INT_BIT);
                }
            }
            return;
        }
        double x = (neg ? -1 : 1) * Math.scalb(tMant, tExp);
        double r1, r2 = 0;
        switch (code) {
            case 0: // F2XM1
                r1 = Math.expm1(x * Math.log(2.0));
                break;
            case 2: // FPTAN
                r1 = Math.tan(x);
                r2 = 1.0;
                break;
            case 11: // FSINCOS: ST1 = sin, ST0 = cos
                r1 = Math.sin(x);
                r2 = Math.cos(x);
                break;
            case 14:
                r1 = Math.sin(x);
                break;
            default:
                r1 = Math.cos(x);
                break;
        }
        exc |= Fp80.PE;
        if (raise(exc)) {
            return;
        }
        fsw &= ~C1;
        setDouble(0, r1);
        if (pushes) {
            m.fromDouble(r2);
            push(m.rse, m.rm);
        }
    }

    /** The last {@link #split}: value = +-tMant * 2^tExp, tMant in [1, 2) (53 bits kept). */
    private int tExp;
    private double tMant;

    private void split(int se, long mm) {
        tExp = m.exponentOf(se, mm);
        tMant = (double) (m.significandOf(se, mm) >>> 11) * 0x1p-52;
    }

    private void setDouble(int i, double d) {
        m.fromDouble(d);
        setSt(i, m.rse, m.rm);
    }

    /** FYL2X (1), FPATAN (3), FYL2XP1 (9): ST1 = f(ST1, ST0), pop. */
    private void transcendental2(int code) {
        if (empty(0) || empty(1)) {
            if (underflow()) {
                setSt(1, Fp80.INDEF_SE, Fp80.INDEF_M);
                pop();
            }
            return;
        }
        int s0 = stSe(0), s1 = stSe(1);
        long m0 = stM(0), m1 = stM(1);
        int c0 = Fp80.classify(s0, m0), c1 = Fp80.classify(s1, m1);
        if (Fp80.isNaN(c0) || Fp80.isNaN(c1) || c0 == Fp80.UNSUPPORTED || c1 == Fp80.UNSUPPORTED) {
            m.begin(fcw);
            m.add(s1, m1, s0, m0, false); // NaN propagation only
            if (raise(m.exc & ~C1)) {
                return;
            }
            setSt(1, m.rse, m.rm);
            pop();
            return;
        }
        int exc = (c0 == Fp80.DENORMAL || c1 == Fp80.DENORMAL) ? Fp80.DE : 0;
        boolean neg0 = (s0 & 0x8000) != 0;
        m.begin(fcw);
        m.pc = 64;
        if (code == 3) { // FPATAN: atan2(ST1, ST0)
            if (c0 != Fp80.ZERO && c0 != Fp80.INF && c1 != Fp80.ZERO && c1 != Fp80.INF) {
                split(s1, m1);
                int ey = tExp;
                double ym = tMant;
                split(s0, m0);
                int d = Math.max(-2000, Math.min(2000, ey - tExp));
                if (d < -62 && !neg0) {
                    m.div(s1, m1, s0, m0); // atan(y/x) = y/x for tiny ratios, in extended precision
                    exc |= m.exc & ~C1;
                } else {
                    double r = Math.atan2(((s1 & 0x8000) != 0 ? -1 : 1) * Math.scalb(ym, d), (neg0 ? -1 : 1) * tMant);
                    m.fromDouble(r);
                    exc |= Fp80.PE;
                }
            } else {
                double r = Math.atan2(signedUnit(s1, c1), signedUnit(s0, c0));
                m.fromDouble(r);
                if (r != 0) {
                    exc |= Fp80.PE;
                }
            }
        } else {
            // FYL2X: ST1 * log2(ST0); FYL2XP1: ST1 * log2(ST0 + 1); the logarithm l, then l * y exactly rounded
            int lSe;
            long lM;
            boolean exact = false;
            if (code == 1 && c0 != Fp80.ZERO && neg0) {
                lSe = Fp80.INDEF_SE;
                lM = Fp80.INDEF_M;
                exc |= Fp80.IE;
            } else if (code == 1 && c0 == Fp80.ZERO) {
                if (c1 == Fp80.ZERO) {
                    exc |= Fp80.IE;
                } else if (c1 != Fp80.INF) {
                    exc = Fp80.ZE; // log2(0) * y: a zero divide, no denormal report
                }
                lSe = 0xffff;
                lM = Fp80.INT_BIT;
                exact = true;
            } else if (c0 == Fp80.INF) {
                if (neg0) {
                    exc |= Fp80.IE;
                }
                lSe = neg0 ? Fp80.INDEF_SE : 0x7fff;
                lM = neg0 ? Fp80.INDEF_M : Fp80.INT_BIT;
                exact = true;
            } else if (code == 9 && c0 == Fp80.ZERO) {
                lSe = s0;
                lM = m0;
                exact = true;
            } else if (code == 9 && neg0 && (s0 & 0x7fff) >= Fp80.BIAS + 63) {
                // far below the domain: the host returns x itself (inexact), or a signed zero for y = 0
                boolean zeroY = c1 == Fp80.ZERO;
                if (raise(zeroY ? exc : exc | Fp80.PE)) {
                    return;
                }
                fsw &= ~C1;
                if (zeroY) {
                    setSt(1, (s0 ^ s1) & 0x8000, 0);
                } else {
                    setSt(1, s0, m0);
                }
                pop();
                return;
            } else {
                split(s0, m0);
                if (code == 1 || tExp >= 63) { // log2(x), also log2(1 + x) = log2(x) for huge x
                    exact = code == 1 && m.significandOf(s0, m0) == Fp80.INT_BIT; // a power of two
                    double l;
                    if (tExp == -1 || tExp == 0) {
                        // x in [0.5, 2): x - 1 is exact, log1p avoids the cancellation of e + log2(m)
                        l = Math.log1p(Math.scalb(tMant, tExp) - 1) / Math.log(2.0);
                    } else {
                        l = tExp + Math.log(tMant) / Math.log(2.0);
                    }
                    m.fromDouble(l);
                    lSe = m.rse;
                    lM = m.rm;
                } else if (tExp < -60) {
                    m.begin(fcw);
                    m.pc = 64;
                    m.mul(s0, m0, 0x3fff, 0xb8aa3b295c17f0bcL); // log2(1 + x) = x log2(e) for tiny x
                    lSe = m.rse;
                    lM = m.rm;
                } else {
                    double x = (neg0 ? -1 : 1) * Math.scalb(tMant, tExp);
                    if (x <= -1) {
                        exc |= Fp80.IE;
                        lSe = Fp80.INDEF_SE;
                        lM = Fp80.INDEF_M;
                    } else {
                        m.fromDouble(Math.log1p(x) / Math.log(2.0));
                        lSe = m.rse;
                        lM = m.rm;
                    }
                }
            }
            if ((exc & Fp80.IE) == 0) {
                m.begin(fcw);
                m.pc = 64;
                m.mul(lSe, lM, s1, m1);
                exc |= m.exc & ~(C1 | (code == 1 && c0 == Fp80.ZERO ? Fp80.DE : 0));
                if (!exact && (m.exc & Fp80.IE) == 0) {
                    exc |= Fp80.PE;
                }
            } else {
                m.begin(fcw);
                m.mul(Fp80.INDEF_SE, Fp80.INDEF_M, 0x3fff, Fp80.INT_BIT);
            }
        }
        if ((exc & Fp80.IE) != 0) {
            exc &= ~(Fp80.DE | Fp80.PE); // an invalid operation reports nothing else
        }
        if (raise(exc)) {
            return;
        }
        fsw &= ~C1;
        setSt(1, m.rse, m.rm);
        pop();
    }

    /** For FPATAN with a zero or infinite operand: the value, or +-1 for a finite nonzero one. */
    private static double signedUnit(int se, int cls) {
        double sign = (se & 0x8000) != 0 ? -1 : 1;
        if (cls == Fp80.ZERO) {
            return sign * 0.0;
        }
        if (cls == Fp80.INF) {
            return sign * Double.POSITIVE_INFINITY;
        }
        return sign;
    }

    // ---- environment and state images ------------------------------------------------------

    private void fstenv(int seg, int off, FpuHost h) {
        boolean o32 = h.operandSize32();
        boolean pm = h.protectedMode();
        int tw = getTagWord();
        int sw = getStatusWord();
        if (o32) {
            h.write32(seg, off, fcw | 0xffff0000);
            h.write32(seg, off + 4, sw | 0xffff0000);
            h.write32(seg, off + 8, tw | 0xffff0000);
            if (pm) {
                h.write32(seg, off + 12, fip);
                h.write32(seg, off + 16, fcs | (fop << 16));
                h.write32(seg, off + 20, fdp);
                h.write32(seg, off + 24, fds | 0xffff0000);
            } else {
                h.write32(seg, off + 12, (fip & 0xffff) | 0xffff0000);
                h.write32(seg, off + 16, ((fip >>> 16) << 12) | fop);
                h.write32(seg, off + 20, (fdp & 0xffff) | 0xffff0000);
                h.write32(seg, off + 24, (fdp >>> 16) << 12);
            }
        } else {
            h.write16(seg, off, fcw);
            h.write16(seg, off + 2, sw);
            h.write16(seg, off + 4, tw);
            if (pm) {
                h.write16(seg, off + 6, fip);
                h.write16(seg, off + 8, fcs);
                h.write16(seg, off + 10, fdp);
                h.write16(seg, off + 12, fds);
            } else {
                h.write16(seg, off + 6, fip);
                h.write16(seg, off + 8, (((fip >>> 16) & 0xf) << 12) | fop);
                h.write16(seg, off + 10, fdp);
                h.write16(seg, off + 12, ((fdp >>> 16) & 0xf) << 12);
            }
        }
    }

    private int envSize(FpuHost h) {
        return h.operandSize32() ? 28 : 14;
    }

    /** Reads an environment image into an array (cw, sw, tw, fip, fcs, fop, fdp, fds). */
    private int[] readEnv(int seg, int off, FpuHost h) {
        int[] e = new int[8];
        boolean pm = h.protectedMode();
        if (h.operandSize32()) {
            e[0] = h.read32(seg, off) & 0xffff;
            e[1] = h.read32(seg, off + 4) & 0xffff;
            e[2] = h.read32(seg, off + 8) & 0xffff;
            int ip = h.read32(seg, off + 12);
            int cs = h.read32(seg, off + 16);
            int dp = h.read32(seg, off + 20);
            int ds = h.read32(seg, off + 24);
            if (pm) {
                e[3] = ip;
                e[4] = cs & 0xffff;
                e[5] = (cs >>> 16) & 0x7ff;
                e[6] = dp;
                e[7] = ds & 0xffff;
            } else {
                e[3] = (ip & 0xffff) | ((cs >>> 12) << 16);
                e[5] = cs & 0x7ff;
                e[6] = (dp & 0xffff) | ((ds >>> 12) << 16);
            }
        } else {
            e[0] = h.read16(seg, off) & 0xffff;
            e[1] = h.read16(seg, off + 2) & 0xffff;
            e[2] = h.read16(seg, off + 4) & 0xffff;
            int ip = h.read16(seg, off + 6) & 0xffff;
            int cs = h.read16(seg, off + 8) & 0xffff;
            int dp = h.read16(seg, off + 10) & 0xffff;
            int ds = h.read16(seg, off + 12) & 0xffff;
            if (pm) {
                e[3] = ip;
                e[4] = cs;
                e[6] = dp;
                e[7] = ds;
            } else {
                e[3] = ip | ((cs >>> 12) << 16);
                e[5] = cs & 0x7ff;
                e[6] = dp | ((ds >>> 12) << 16);
            }
        }
        return e;
    }

    private void applyEnv(int[] e) {
        fcw = (e[0] & 0x1f7f) | 0x40;
        setStatusWord(e[1]);
        setTagWord(e[2]);
        fip = e[3];
        fcs = e[4];
        fop = e[5];
        fdp = e[6];
        fds = e[7];
        updateEs();
    }

    private void fldenv(int seg, int off, FpuHost h) {
        applyEnv(readEnv(seg, off, h));
    }

    private void fsave(int seg, int off, FpuHost h) {
        fstenv(seg, off, h);
        int base = off + envSize(h);
        for (int i = 0; i < 8; i++) {
            int p = phys(i);
            h.write64(seg, base + 10 * i, mant[p]);
            h.write16(seg, base + 10 * i + 8, se[p]);
        }
        reset();
    }

    private void frstor(int seg, int off, FpuHost h) {
        int[] e = readEnv(seg, off, h);
        int base = off + envSize(h);
        long[] mm = new long[8];
        int[] ss = new int[8];
        for (int i = 0; i < 8; i++) {
            mm[i] = h.read64(seg, base + 10 * i);
            ss[i] = h.read16(seg, base + 10 * i + 8) & 0xffff;
        }
        applyEnv(e);
        for (int i = 0; i < 8; i++) {
            int p = phys(i);
            mant[p] = mm[i];
            se[p] = ss[i];
        }
    }

    /** FXSAVE (32-bit layout): x87 part and MXCSR; the XMM area (160..511) is not touched. */
    public void fxsave(int seg, int off, FpuHost h) {
        h.write16(seg, off, fcw);
        h.write16(seg, off + 2, getStatusWord());
        h.write16(seg, off + 4, valid);
        h.write16(seg, off + 6, fop);
        h.write32(seg, off + 8, fip);
        h.write32(seg, off + 12, fcs);
        h.write32(seg, off + 16, fdp);
        h.write32(seg, off + 20, fds);
        h.write32(seg, off + 24, mxcsr);
        h.write32(seg, off + 28, 0xffbf);
        for (int i = 0; i < 8; i++) {
            int p = phys(i);
            int a = off + 32 + 16 * i;
            h.write64(seg, a, mant[p]);
            h.write16(seg, a + 8, se[p]);
            h.write16(seg, a + 10, 0);
            h.write32(seg, a + 12, 0);
        }
    }

    public void fxrstor(int seg, int off, FpuHost h) {
        int cw = h.read16(seg, off) & 0xffff;
        int sw = h.read16(seg, off + 2) & 0xffff;
        int tw = h.read8(seg, off + 4) & 0xff;
        int op = h.read16(seg, off + 6) & 0x7ff;
        int ip = h.read32(seg, off + 8);
        int cs = h.read16(seg, off + 12) & 0xffff;
        int dp = h.read32(seg, off + 16);
        int ds = h.read16(seg, off + 20) & 0xffff;
        int mx = h.read32(seg, off + 24);
        long[] mm = new long[8];
        int[] ss = new int[8];
        for (int i = 0; i < 8; i++) {
            mm[i] = h.read64(seg, off + 32 + 16 * i);
            ss[i] = h.read16(seg, off + 32 + 16 * i + 8) & 0xffff;
        }
        fcw = (cw & 0x1f7f) | 0x40;
        setStatusWord(sw);
        valid = tw;
        fop = op;
        fip = ip;
        fcs = cs;
        fdp = dp;
        fds = ds;
        mxcsr = mx;
        for (int i = 0; i < 8; i++) {
            int p = phys(i);
            mant[p] = mm[i];
            se[p] = ss[i];
        }
        updateEs();
    }
}
