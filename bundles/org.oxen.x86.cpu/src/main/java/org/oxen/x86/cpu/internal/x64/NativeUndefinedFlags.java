package org.oxen.x86.cpu.internal.x64;

import static org.oxen.x86.cpu.internal.x64.NativeRegionCompiler.HOST;
import static org.oxen.x86.cpu.internal.x64.NativeRegionCompiler.T1;
import static org.oxen.x86.cpu.internal.x64.NativeRegionCompiler.T2;
import static org.oxen.x86.cpu.internal.x64.X64Assembler.*;

import org.oxen.x86.cpu.internal.RegionRecords.Insn;

/**
 * The arithmetic flags the SDM leaves undefined after a multiply, a shift or a rotate, set by
 * native code to the interpreter's values ({@code Semantics}, {@code Alu}: the reference every
 * tier follows), where the host's instruction sets them otherwise, so that a guest sees the same
 * flags whichever tier ran its code:
 * <ul>
 * <li>AND, OR, XOR and TEST: AF 0 ({@link #logicFlags}), or, when the next flag save comes
 * before anything could see AF (a memory access's probe), cleared in the saved form there
 * ({@code NativeRegionCompiler.afClearedAtNextSave}).
 * <li>MUL and IMUL (one, two or three operands): SF, ZF and PF of the result (its low half), AF
 * 0; CF and OF are the host's (defined).
 * <li>SHL, SHR, SAR by a count other than 0: AF 0; OF, for every count, SHL's the result's sign
 * XOR CF, SHR's the operand's sign, SAR's 0; a byte or word SHL or SHR by its width or more: CF
 * the last bit shifted out of the operand (its bit 0 or sign at the width, 0 past it).
 * <li>ROL, ROR, RCL, RCR by a count other than 0 (their SF ZF AF PF are kept, as the host keeps
 * them): OF for every count, ROL's and RCL's the result's sign XOR CF, ROR's the result's two top
 * bits XORed, RCR's the operand's sign XOR CF before.
 * <li>DIV and IDIV keep every flag, as the interpreter does: native code saves the flags before
 * them and never takes the host's (nothing here).
 * </ul>
 * A count of 1 (an immediate) leaves OF the host's, which is the same. Each correction is
 * emitted only when one of the flags it sets is live after the instruction ({@code Insn#liveOut},
 * from {@code FlagLiveness}): a dead one costs nothing. It works on the saved form of the flags
 * ({@link NativeRegionCompiler}: AH = EFLAGS 7..0 from LAHF, AL = OF) and leaves them there; the
 * next reader restores them (two instructions).
 *
 * <p>Emits into its compiler's assembler; one per compilation, not thread-safe.
 */
final class NativeUndefinedFlags {

    /** EFLAGS' SF ZF AF PF, OF, AF (bit 4: bit 12 of AX in the saved form), CF (bit 0: bit 8 of AX). */
    private static final int SZAP = 0xD4, OF = 0x800, AF = 0x10, CF = 1;

    private final NativeRegionCompiler c;
    private final X64Assembler a;

    NativeUndefinedFlags(NativeRegionCompiler c) {
        this.c = c;
        this.a = c.a;
    }

    /**
     * Whether {@code i}, a group-1 operation ({@code hostOp}, or TEST when {@code test}), is AND,
     * OR, XOR or TEST with AF live after it: AF is undefined after those (SDM), 0 in the
     * interpreter, and must be set so ({@link #logicFlags}).
     */
    boolean logicAf(Insn i, int hostOp, boolean test) {
        return (test || hostOp == AND || hostOp == OR || hostOp == XOR) && (i.liveOut & AF) != 0;
    }

    /**
     * The flags of a logic operation whose result of width {@code w} is in host register {@code
     * r}, as the interpreter's, in RFLAGS: {@code add r, 0} leaves {@code r} as it is and sets
     * every flag, all defined: CF 0, OF 0, AF 0 (no carry out of bit 3), SF ZF PF of the result.
     */
    void logicFlags(int w, int r) {
        a.aluImm(ADD, w, r, 0);
    }

    /** The same for a result in memory (the operation's destination, just written). */
    void logicFlags(int w, Mem m) {
        a.aluImm(ADD, w, m, 0);
    }

    /**
     * After a MUL or IMUL of width {@code w} whose result (its low half) is host register {@code
     * r}, the host's flags in RFLAGS: SF, ZF, PF of {@code r}, AF 0, CF = OF the host's.
     */
    void multiplied(Insn i, int w, int r) {
        if ((i.liveOut & SZAP) == 0) return;
        a.setcc(CC_O, RAX); // AL = OF, which is CF after a multiply
        a.aluImm(ADD, w, r, 0); // SF ZF PF of the result; CF OF AF 0, all defined (TEST leaves AF undefined)
        a.lahf();
        a.orAhAl(); // CF from AL
        c.flagsSaved();
    }

    /**
     * A group-2 shift or rotate of width {@code w} of memory operand {@code m}, or of host register
     * {@code r} when {@code m} is null, by CL (the guest's, from R8, in the host's CL for the one
     * instruction: RCX, the budget, kept in R11) or by the record's immediate; then its undefined
     * flags set as the interpreter's where live. R10, R13 and {@code m} are not needed after it.
     */
    void shift(Insn i, int w, Mem m, int r) {
        int op = i.operation == 6 ? SHL : i.operation; // SAL is SHL
        int count = i.imm & 0x1F;
        boolean rotate = op < SHL;
        // a byte or word SHL/SHR by the width or more: CF undefined (SDM), the interpreter's the
        // last bit shifted out of the operand (0 past it); by CL, known only when it runs
        boolean wideCount = (op == SHL || op == SHR) && w < 32 && (i.variant || count >= w);
        int undefined = (rotate ? 0 : AF) | (!i.variant && count == 1 ? 0 : OF) | (wideCount ? CF : 0);
        int fix = i.liveOut & undefined;
        if (fix == 0 || !i.variant && count == 0) { // nothing to correct (a count of 0 changes no flag)
            c.flagWriter(i);
            hostShift(i, op, w, m, r);
            return;
        }
        Label skip = null;
        if (i.variant) { // by CL: a count of 0 changes nothing, flags included; around all of it
            c.saveFlags();
            a.testImm(8, HOST[1], 0x1F);
            skip = a.newLabel();
            a.jcc(CC_E, skip);
            c.restoreFlags(); // the flags it reads (RCL, RCR) or keeps
        } else {
            c.flagWriter(i);
        }
        if ((fix & (OF | CF)) == 0) { // AF alone (a shift by 1, or OF dead): OF stays the host's, AF 0
            hostShift(i, op, w, m, r);
            a.setcc(CC_O, RAX);
            a.lahf();
            a.aluImm(AND, 32, RAX, ~(AF << 8));
        } else {
            if (op == SHR || op == RCR || wideCount) { // the operand into EAX, sign-extended: its sign
                load(RAX, true, w, m, r);                // in bit 31, its bit 0 in AL (LAHF keeps both)
                if (op == RCR) a.setcc(CC_B, RAX); // AL = CF before
            }
            hostShift(i, op, w, m, r);
            a.lahf(); // AH = the host's SF ZF AF PF CF (CF bit 8 of EAX, SF bit 15)
            if (wideCount) wideCarry(i, op, w, count);
            overflowBit(op, w, m, r); // the interpreter's OF in bit 0 of R11, the rest 0
            a.aluImm(AND, 32, RAX, rotate ? 0xFF00 : 0xFF00 & ~(AF << 8));
            a.alu(OR, 32, RAX, T1);
        }
        if (skip != null) a.bind(skip);
        c.flagsSaved();
    }

    /**
     * CF (EAX bit 8, after LAHF) as the interpreter's after a byte or word SHL or SHR of width
     * {@code w} by a count of at least {@code w}: the operand's bit 0 (SHL) or sign (SHR, EAX bit
     * 31) when the count is the width, else 0. The result is 0 then, so the host's SF, ZF and PF
     * are already the interpreter's, and SHL's OF (SF ^ CF, {@link #overflowBit}) follows the CF
     * set here. By CL the count is tested when the code runs (below the width the host's CF is
     * defined and kept); R11 is free after the shift.
     */
    private void wideCarry(Insn i, int op, int w, int count) {
        if (!i.variant) {
            if (count == w) lastBitOut(op);
            else a.aluImm(AND, 32, RAX, ~0x100); // past the width: every bit shifted out was 0
            return;
        }
        Label done = a.newLabel(), exact = a.newLabel();
        a.mov(32, T1, HOST[1]);
        a.aluImm(AND, 32, T1, 0x1F);
        a.aluImm(CMP, 32, T1, w);
        a.jcc(CC_B, done);
        a.jcc(CC_E, exact);
        a.aluImm(AND, 32, RAX, ~0x100);
        a.jmp(done);
        a.bind(exact);
        lastBitOut(op);
        a.bind(done);
    }

    /** CF (EAX bit 8) = the operand's bit 0 (SHL) or sign (SHR): the last bit out of a shift by the width. */
    private void lastBitOut(int op) {
        a.mov(32, T1, RAX);
        if (op == SHR) a.shift(SHR, 32, T1, 31);
        else a.aluImm(AND, 32, T1, 1);
        a.shift(SHL, 32, T1, 8);
        a.aluImm(AND, 32, RAX, ~0x100);
        a.alu(OR, 32, RAX, T1);
    }

    /** OF as the interpreter sets it, into R11 (0 or 1), from EAX (AH the flags after, bit 31 / AL: see {@link #shift}). */
    private void overflowBit(int op, int w, Mem m, int r) {
        switch (op) {
            case SHL: // SF ^ CF: EAX bit 15 ^ bit 8
                a.mov(32, T1, RAX);
                a.shift(SHR, 32, T1, 7);
                a.alu(XOR, 32, T1, RAX);
                a.shift(SHR, 32, T1, 8);
                break;
            case SHR: // the operand's sign
                a.mov(32, T1, RAX);
                a.shift(SHR, 32, T1, 31);
                break;
            case SAR:
                a.alu(XOR, 32, T1, T1);
                break;
            case RCR: // the operand's sign ^ CF before (AL)
                a.mov(32, T1, RAX);
                a.shift(SHR, 32, T1, 31);
                a.alu(XOR, 32, T1, RAX);
                break;
            case ROR: // the result's top two bits
                load(T1, false, w, m, r); // the result, zero-extended
                a.mov(32, T2, T1);
                a.shift(SHR, 32, T2, 1);
                a.alu(XOR, 32, T1, T2);
                a.shift(SHR, 32, T1, w - 2);
                break;
            default: // ROL, RCL: the result's sign ^ CF (EAX bit 8)
                load(T1, false, w, m, r); // the result, zero-extended
                a.shift(SHR, 32, T1, w - 1);
                a.mov(32, T2, RAX);
                a.shift(SHR, 32, T2, 8);
                a.alu(XOR, 32, T1, T2);
                break;
        }
        a.aluImm(AND, 32, T1, 1);
    }

    /**
     * The operand of width {@code w} (memory {@code m}, or host register {@code r} when it is null)
     * into host register {@code dst}, sign- or zero-extended to 32 bits (no flag changes).
     */
    private void load(int dst, boolean signExtend, int w, Mem m, int r) {
        if (w == 32) {
            if (m != null) a.load(32, dst, m);
            else a.mov(32, dst, r);
        } else if (signExtend) {
            if (m != null) a.movsx(32, dst, w, m);
            else a.movsx(32, dst, w, r);
        } else if (m != null) {
            a.movzx(32, dst, w, m);
        } else {
            a.movzx(32, dst, w, r);
        }
    }

    /** The host's own shift or rotate (flags as the host sets them). */
    private void hostShift(Insn i, int op, int w, Mem m, int r) {
        if (i.variant) {
            a.mov(64, T1, RCX);
            a.mov(32, RCX, HOST[1]);
            if (m != null) a.shiftCl(op, w, m);
            else a.shiftCl(op, w, r);
            a.mov(64, RCX, T1);
        } else if (m != null) {
            a.shift(op, w, m, i.imm & 0xFF);
        } else {
            a.shift(op, w, r, i.imm & 0xFF);
        }
    }
}
