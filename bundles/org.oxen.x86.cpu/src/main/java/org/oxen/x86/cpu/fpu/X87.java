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
 *
 * <p>This class is the public face and the ESC decoder; the state and the instructions live in
 * package-private classes by concern: {@link X87State} (registers, stack, exception signalling),
 * {@link X87LoadStore} (loads, stores, register moves, constants), {@link X87Arith},
 * {@link X87Compare}, {@link X87Transcendental} and {@link X87Environment} (FSTENV/FSAVE/FXSAVE
 * and their restores), all static methods over the one state object.
 */
public class X87 {
    private static final int C1 = X87State.C1;

    private final X87State s = new X87State();

    public X87() {
        reset();
    }

    /** Power-on / FNINIT state (register contents are kept, all tagged empty). */
    public void reset() {
        s.reset();
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
        s.fcw = 0x0040;
        s.valid = 0xff;
        for (int i = 0; i < 8; i++) {
            s.se[i] = 0;
            s.mant[i] = 0;
        }
    }

    public boolean hasPendingUnmaskedException() {
        return (s.fsw & X87State.ES) != 0;
    }

    public void setLastInstruction(int cs, int eip, int ds, int dataOffset, int opcode11) {
        s.fcs = cs & 0xffff;
        s.fip = eip;
        s.fds = ds & 0xffff;
        s.fdp = dataOffset;
        s.fop = opcode11 & 0x7ff;
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
        return s.fcw;
    }

    public void setControlWord(int v) {
        s.setControlWord(v);
    }

    public int getStatusWord() {
        return s.getStatusWord();
    }

    public void setStatusWord(int v) {
        s.setStatusWord(v);
    }

    public int getTop() {
        return s.top;
    }

    /** The full 16-bit tag word, computed from register contents. */
    public int getTagWord() {
        return s.getTagWord();
    }

    /** Sets the tag word; only "empty (11) or not" is kept, as on the real FPU. */
    public void setTagWord(int tw) {
        s.setTagWord(tw);
    }

    /** FXSAVE's abridged tag: bit i set = physical register i not empty. */
    public int getAbridgedTag() {
        return s.valid;
    }

    public void setAbridgedTag(int t) {
        s.valid = t & 0xff;
    }

    /** Sign and 15-bit exponent of physical register i. */
    public int getRegisterSignExponent(int phys) {
        return s.se[phys & 7];
    }

    public long getRegisterSignificand(int phys) {
        return s.mant[phys & 7];
    }

    public void setRegister(int phys, int signExponent, long significand) {
        s.se[phys & 7] = signExponent & 0xffff;
        s.mant[phys & 7] = significand;
    }

    public int getFpuInstructionPointer() {
        return s.fip;
    }

    public int getFpuDataPointer() {
        return s.fdp;
    }

    public int getFpuOpcode() {
        return s.fop;
    }

    public int getMxcsr() {
        return s.mxcsr;
    }

    public void setMxcsr(int v) {
        s.mxcsr = v;
    }

    /** FXSAVE (32-bit layout): x87 part and MXCSR; the XMM area (160..511) is not touched. */
    public void fxsave(int seg, int off, FpuHost h) {
        X87Environment.fxsave(s, seg, off, h);
    }

    public void fxrstor(int seg, int off, FpuHost h) {
        X87Environment.fxrstor(s, seg, off, h);
    }

    // ---- ESC decoder -----------------------------------------------------------------------

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
        Fp80 m = s.m;
        switch (op) {
            case 0: { // m32fp arithmetic
                int v = h.read32(seg, off);
                m.begin(s.fcw);
                Fp80Convert.fromF32(m, v);
                X87Arith.arithWithMem(s, reg, m.rse, m.rm, m.exc);
                return;
            }
            case 4: { // m64fp arithmetic
                long v = h.read64(seg, off);
                m.begin(s.fcw);
                Fp80Convert.fromF64(m, v);
                X87Arith.arithWithMem(s, reg, m.rse, m.rm, m.exc);
                return;
            }
            case 2: { // m32int
                int v = h.read32(seg, off);
                m.begin(s.fcw);
                Fp80Convert.fromInt(m, v);
                X87Arith.arithWithMem(s, reg, m.rse, m.rm, 0);
                return;
            }
            case 6: { // m16int
                int v = (short) h.read16(seg, off);
                m.begin(s.fcw);
                Fp80Convert.fromInt(m, v);
                X87Arith.arithWithMem(s, reg, m.rse, m.rm, 0);
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

    private void memD9(int reg, int seg, int off, FpuHost h) {
        switch (reg) {
            case 0:
                X87LoadStore.fldSingle(s, seg, off, h);
                return;
            case 2:
            case 3: // FST/FSTP m32fp
                X87LoadStore.fstSingle(s, seg, off, h, reg == 3);
                return;
            case 4:
                X87Environment.fldenv(s, seg, off, h);
                return;
            case 5: // FLDCW
                s.setControlWord(h.read16(seg, off));
                return;
            case 6:
                X87Environment.fnstenv(s, seg, off, h);
                return;
            case 7: // FNSTCW
                h.write16(seg, off, s.fcw);
                return;
            default:
                throw new UnsupportedOperationException("x87: D9 /1 memory");
        }
    }

    private void memDB(int reg, int seg, int off, FpuHost h) {
        switch (reg) {
            case 0: // FILD m32int
                X87LoadStore.fild(s, h.read32(seg, off));
                return;
            case 1:
            case 2:
            case 3: // FISTTP / FIST / FISTP m32int
                X87LoadStore.storeInt(s, seg, off, h, 32, reg == 1, reg != 2);
                return;
            case 5:
                X87LoadStore.fldExtended(s, seg, off, h);
                return;
            case 7:
                X87LoadStore.fstpExtended(s, seg, off, h);
                return;
            default:
                throw new UnsupportedOperationException("x87: DB /" + reg + " memory");
        }
    }

    private void memDD(int reg, int seg, int off, FpuHost h) {
        switch (reg) {
            case 0:
                X87LoadStore.fldDouble(s, seg, off, h);
                return;
            case 1: // FISTTP m64int
                X87LoadStore.storeInt(s, seg, off, h, 64, true, true);
                return;
            case 2:
            case 3: // FST/FSTP m64fp
                X87LoadStore.fstDouble(s, seg, off, h, reg == 3);
                return;
            case 4:
                X87Environment.frstor(s, seg, off, h);
                return;
            case 6:
                X87Environment.fsave(s, seg, off, h);
                return;
            case 7: // FNSTSW m16
                h.write16(seg, off, s.getStatusWord());
                return;
            default:
                throw new UnsupportedOperationException("x87: DD /5 memory");
        }
    }

    private void memDF(int reg, int seg, int off, FpuHost h) {
        switch (reg) {
            case 0: // FILD m16int
                X87LoadStore.fild(s, (short) h.read16(seg, off));
                return;
            case 1:
            case 2:
            case 3:
                X87LoadStore.storeInt(s, seg, off, h, 16, reg == 1, reg != 2);
                return;
            case 4:
                X87LoadStore.fbld(s, seg, off, h);
                return;
            case 5: // FILD m64int
                X87LoadStore.fild(s, h.read64(seg, off));
                return;
            case 6:
                X87LoadStore.fbstp(s, seg, off, h);
                return;
            default: // FISTP m64int
                X87LoadStore.storeInt(s, seg, off, h, 64, false, true);
        }
    }

    private void executeRegister(int op, int reg, int rm, int modrm, FpuHost h) {
        switch (op) {
            case 0: // D8: ST0 = ST0 op ST(i); FCOM/FCOMP
                if (reg == 2 || reg == 3) {
                    X87Compare.compareReg(s, rm, false, reg == 3 ? 1 : 0);
                } else {
                    X87Arith.arithReg(s, 0, rm, reg, false);
                }
                return;
            case 4: // DC: ST(i) = ST(i) op ST0
                if (reg == 2 || reg == 3) {
                    X87Compare.compareReg(s, rm, false, reg == 3 ? 1 : 0);
                } else {
                    X87Arith.arithReg(s, rm, 0, reg >= 4 ? reg ^ 1 : reg, false);
                }
                return;
            case 6: // DE: ...P
                if (reg == 2) {
                    X87Compare.compareReg(s, rm, false, 1);
                } else if (reg == 3) {
                    if (rm != 1) {
                        throw new UnsupportedOperationException("x87: DE D8+i");
                    }
                    X87Compare.compareReg(s, 1, false, 2);
                } else {
                    X87Arith.arithReg(s, rm, 0, reg >= 4 ? reg ^ 1 : reg, true);
                }
                return;
            case 1:
                regD9(reg, rm, modrm);
                return;
            case 2:
                if (reg < 4) {
                    X87LoadStore.fcmov(s, reg, rm, false, h);
                } else if (modrm == 0xe9) {
                    X87Compare.compareReg(s, 1, true, 2);
                } else {
                    throw new UnsupportedOperationException("x87: DA " + Integer.toHexString(modrm));
                }
                return;
            case 3:
                if (reg < 4) {
                    X87LoadStore.fcmov(s, reg, rm, true, h);
                } else if (reg == 4) {
                    switch (rm) {
                        case 0: // FNENI, FNDISI, FSETPM: no-ops on 387+
                        case 1:
                        case 4:
                            return;
                        case 2: // FNCLEX
                            s.fsw &= ~(0x80ff);
                            return;
                        case 3:
                            reset();
                            return;
                        default:
                            throw new UnsupportedOperationException("x87: DB " + Integer.toHexString(modrm));
                    }
                } else if (reg == 5) {
                    X87Compare.comi(s, rm, true, false, h);
                } else if (reg == 6) {
                    X87Compare.comi(s, rm, false, false, h);
                } else {
                    throw new UnsupportedOperationException("x87: DB " + Integer.toHexString(modrm));
                }
                return;
            case 5:
                switch (reg) {
                    case 0: // FFREE
                        s.fsw &= ~C1;
                        s.valid &= ~(1 << s.phys(rm));
                        return;
                    case 1: // FXCH alias
                        X87LoadStore.fxch(s, rm);
                        return;
                    case 2:
                        X87LoadStore.fstReg(s, rm, false);
                        return;
                    case 3:
                        X87LoadStore.fstReg(s, rm, true);
                        return;
                    case 4:
                        X87Compare.compareReg(s, rm, true, 0);
                        return;
                    case 5:
                        X87Compare.compareReg(s, rm, true, 1);
                        return;
                    default:
                        throw new UnsupportedOperationException("x87: DD " + Integer.toHexString(modrm));
                }
            default: // DF
                switch (reg) {
                    case 0: // FFREEP
                        s.fsw &= ~C1;
                        s.valid &= ~(1 << s.phys(rm));
                        s.pop();
                        return;
                    case 1:
                        X87LoadStore.fxch(s, rm);
                        return;
                    case 2:
                    case 3:
                        X87LoadStore.fstReg(s, rm, true);
                        return;
                    case 4:
                        if (rm != 0) {
                            throw new UnsupportedOperationException("x87: DF " + Integer.toHexString(modrm));
                        }
                        h.setAx(s.getStatusWord());
                        return;
                    case 5:
                        X87Compare.comi(s, rm, true, true, h);
                        return;
                    case 6:
                        X87Compare.comi(s, rm, false, true, h);
                        return;
                    default:
                        throw new UnsupportedOperationException("x87: DF " + Integer.toHexString(modrm));
                }
        }
    }

    private void regD9(int reg, int rm, int modrm) {
        switch (reg) {
            case 0:
                X87LoadStore.fldReg(s, rm);
                return;
            case 1:
                X87LoadStore.fxch(s, rm);
                return;
            case 2:
                if (rm == 0) { // FNOP
                    return;
                }
                throw new UnsupportedOperationException("x87: D9 " + Integer.toHexString(modrm));
            case 3: // FSTP1 alias: with ST0 empty the host (AMD) raises nothing, stores nothing and pops
                if (s.empty(0)) {
                    s.fsw &= ~C1;
                    s.pop();
                    return;
                }
                X87LoadStore.fstReg(s, rm, true);
                return;
            case 4:
                groupD9E0(rm, modrm);
                return;
            case 5:
                X87LoadStore.constant(s, rm, modrm);
                return;
            case 6:
                groupD9F0(rm);
                return;
            default:
                groupD9F8(rm);
        }
    }

    /** D9 E0..E7: FCHS, FABS, FTST, FXAM. */
    private void groupD9E0(int rm, int modrm) {
        if (rm == 5) { // FXAM works on an empty register
            X87Compare.fxam(s);
            return;
        }
        if (rm == 2 || rm == 3 || rm == 6 || rm == 7) {
            throw new UnsupportedOperationException("x87: D9 " + Integer.toHexString(modrm));
        }
        if (s.empty(0)) {
            boolean masked = s.underflow();
            if (rm == 4) {
                s.fsw = (s.fsw & ~C1) | X87State.C0 | X87State.C2 | X87State.C3;
            } else if (masked) {
                s.fsw &= ~C1;
                s.setSt(0, Fp80.INDEF_SE, Fp80.INDEF_M);
            }
            return;
        }
        switch (rm) {
            case 0: // FCHS
                s.fsw &= ~C1;
                s.setSt(0, s.stSe(0) ^ 0x8000, s.stM(0));
                return;
            case 1: // FABS
                s.fsw &= ~C1;
                s.setSt(0, s.stSe(0) & 0x7fff, s.stM(0));
                return;
            default:
                X87Compare.ftst(s);
        }
    }

    /** D9 F0..F7: F2XM1, FYL2X, FPTAN, FPATAN, FXTRACT, FPREM1, FDECSTP, FINCSTP. */
    private void groupD9F0(int rm) {
        switch (rm) {
            case 6: // FDECSTP
                s.fsw &= ~C1;
                s.top = (s.top - 1) & 7;
                return;
            case 7: // FINCSTP
                s.fsw &= ~C1;
                s.top = (s.top + 1) & 7;
                return;
            case 4:
                X87Arith.fxtract(s);
                return;
            case 5:
                X87Arith.fprem(s, true);
                return;
            case 0:
                X87Transcendental.transcendental1(s, rm);
                return;
            case 2: // FPTAN
                X87Transcendental.transcendental1(s, rm);
                return;
            default: // 1 FYL2X, 3 FPATAN
                X87Transcendental.transcendental2(s, rm);
        }
    }

    /** D9 F8..FF: FPREM, FYL2XP1, FSQRT, FSINCOS, FRNDINT, FSCALE, FSIN, FCOS. */
    private void groupD9F8(int rm) {
        switch (rm) {
            case 0:
                X87Arith.fprem(s, false);
                return;
            case 1: // FYL2XP1
                X87Transcendental.transcendental2(s, rm | 8);
                return;
            case 2:
                X87Arith.sqrt(s);
                return;
            case 4:
                X87Arith.roundInt(s);
                return;
            case 5:
                X87Arith.scale(s);
                return;
            default: // 3 FSINCOS, 6 FSIN, 7 FCOS
                X87Transcendental.transcendental1(s, rm | 8);
        }
    }
}
