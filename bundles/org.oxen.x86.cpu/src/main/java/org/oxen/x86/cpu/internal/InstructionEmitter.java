package org.oxen.x86.cpu.internal;

import static org.objectweb.asm.Opcodes.*;
import static org.oxen.x86.cpu.internal.CpuState.ARITH;
import static org.oxen.x86.cpu.internal.CpuState.CF;
import static org.oxen.x86.cpu.internal.CpuState.L_SUB;
import static org.oxen.x86.cpu.internal.CpuState.L_SZP;
import static org.oxen.x86.cpu.internal.CpuState.OF;
import static org.oxen.x86.cpu.internal.CpuState.PF;
import static org.oxen.x86.cpu.internal.CpuState.SF;
import static org.oxen.x86.cpu.internal.CpuState.ZF;
import static org.oxen.x86.cpu.internal.RecordDecoder.*;

import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;

/**
 * The per-instruction emitters of translated code ({@link RegionCompiler} lays out the region,
 * its blocks and exits, and picks an emitter per record kind): what an instruction computes is a
 * call of its {@link Semantics} routine, each flag and condition a call of its {@link Flags}
 * rule or a compare generated from {@link Flags#relation}, and the lazy-flag locals are
 * assigned only where a written flag is live ({@link FlagLiveness}). The flag producer of the
 * block so far ({@link #prod}) is known statically where an emitter set it, so the calls get
 * its kind as a constant and C2 folds them.
 */
abstract class InstructionEmitter extends RegionEmitter {

    /** {@link #prod} when what set the flag locals last is not known statically. */
    static final int UNKNOWN = -1;

    /**
     * The lazy-flag kind ({@code L_*}, 32-bit) of what set the flag locals last, when known
     * statically inside the current block; {@link #UNKNOWN} otherwise.
     */
    int prod;
    /** Flags live after each instruction of the current block ({@link FlagLiveness}). */
    final int[] liveOut = new int[RegionPlan.MAX_BLOCK];
    /** Flags live after the instruction being emitted. */
    int live;
    /** The form of the instruction being emitted. */
    int form;

    InstructionEmitter(MethodVisitor mv, boolean flatZero, boolean slowPathExits) {
        super(mv, flatZero, slowPathExits);
    }

    /**
     * Whether {@code RegionCompiler.insn} translates a record (operation word {@code opw}) inline
     * without a memory access, a fault point or the interpreter, so that it reads no flag but
     * those of its form; {@link FlagLiveness} counts every other record as reading them all.
     * ROL/ROR by a constant are not among them: they run through {@code runRecord} when their
     * flags cannot stay lazy.
     */
    static boolean registerOnly(int opw) {
        int kind = CodePage.kind(opw), op = CodePage.operation(opw);
        switch (kind) {
            case K_ALU32_RR: case K_ADD32_RR: case K_SUB32_RR: case K_CMP32_RR: case K_XOR32_RR: case K_AND32_RR:
            case K_OR32_RR: case K_TEST32_RR: case K_ALU_RR:
            case K_ALU32_RI: case K_ADD32_RI: case K_SUB32_RI: case K_CMP32_RI: case K_XOR32_RI: case K_AND32_RI:
            case K_OR32_RI: case K_TEST32_RI: case K_ALU_RI:
            case K_MOV32_RR: case K_MOV_RR: case K_MOV32_RI: case K_MOV_RI: case K_LEA: case K_INC_R: case K_DEC_R:
            case K_MOVX_R: case K_IMUL_RR: case K_NOP: case K_SETCC_R: case K_CMOV_R:
                return true;
            case K_SHIFT32_RI:
                return (op & 7) >= 4;
            case K_SHIFT_R: // an 8- or 16-bit shift by a constant (a count in CL: runRecord)
                return (op & 7) >= 4 && !CodePage.variant(opw);
            default:
                return false;
        }
    }

    /** Whether a flag the instruction being emitted writes is live after it. */
    private boolean flagsLive() {
        return (live & Forms.FLAGS_WRITTEN[form] & ARITH) != 0;
    }

    /**
     * ALU operation {@code sub} (ADD OR ADC SBB AND SUB XOR CMP; +8 = result not stored) on the
     * two operands on the stack; {@code store} consumes the result from the stack.
     */
    final void alu(int sub, int sz, Runnable store) {
        int op = sub & 7;
        mv.visitVarInsn(ISTORE, T1);
        mv.visitVarInsn(ISTORE, T0);
        if (Semantics.aluReadsCarry(op)) {
            carryIn();
            mv.visitVarInsn(ISTORE, T2);
        }
        mv.visitVarInsn(ILOAD, T0);
        mv.visitVarInsn(ILOAD, T1);
        // the result by the shared routine (a few bytes: C1 and C2 both inline it)
        if (Semantics.aluReadsCarry(op)) {
            mv.visitVarInsn(ILOAD, T2);
            mv.visitMethodInsn(INVOKESTATIC, SEMANTICS, Semantics.aluRoutine(op), "(III)I", false);
        } else {
            mv.visitMethodInsn(INVOKESTATIC, SEMANTICS, Semantics.aluRoutine(op), "(II)I", false);
        }
        int lop = Semantics.aluFlagKind(op);
        mv.visitVarInsn(ISTORE, T4);
        if (Semantics.aluStores(sub)) {
            mv.visitVarInsn(ILOAD, T4);
            store.run();
        }
        if (!flagsLive()) return; // overwritten before any read: the locals keep the older record
        iconst(lop);
        mv.visitVarInsn(ISTORE, FOP);
        iconst(sz);
        mv.visitVarInsn(ISTORE, FSZ);
        mv.visitVarInsn(ILOAD, T0);
        mv.visitVarInsn(ISTORE, FA);
        mv.visitVarInsn(ILOAD, T1);
        mv.visitVarInsn(ISTORE, FB);
        mv.visitVarInsn(ILOAD, T4);
        mv.visitVarInsn(ISTORE, FRES);
        if (Semantics.aluReadsCarry(op)) {
            mv.visitVarInsn(ILOAD, T2);
        } else {
            // the other operations ignore the extra word: a constant there ends the life of the
            // previous one (e.g. the CF an INC/DEC kept), which C2 then need not compute at all
            mv.visitInsn(ICONST_0);
        }
        mv.visitVarInsn(ISTORE, FCF);
        prod = sz == 2 ? lop : UNKNOWN;
    }

    /**
     * INC/DEC (32-bit) of the value on the stack by {@link Semantics#inc}/{@link Semantics#dec};
     * leaves the result. CF is kept: the record's extra word is the CF before, computed only
     * when CF is live after the instruction.
     */
    final void incDec(boolean dec) {
        mv.visitVarInsn(ISTORE, T0);
        boolean flags = flagsLive();
        if (flags) {
            if ((live & CF) != 0) {
                carryIn();
            } else {
                mv.visitInsn(ICONST_0); // CF is overwritten before any read: any value
            }
            mv.visitVarInsn(ISTORE, FCF);
            mv.visitVarInsn(ILOAD, T0);
            mv.visitVarInsn(ISTORE, FA);
            iconst(Semantics.INC_DEC_OPERAND);
            mv.visitVarInsn(ISTORE, FB);
            iconst(dec ? Semantics.DEC_FLAGS : Semantics.INC_FLAGS);
            mv.visitVarInsn(ISTORE, FOP);
            iconst(2);
            mv.visitVarInsn(ISTORE, FSZ);
        }
        mv.visitVarInsn(ILOAD, T0);
        mv.visitMethodInsn(INVOKESTATIC, SEMANTICS, dec ? "dec" : "inc", "(I)I", false);
        if (flags) {
            mv.visitInsn(DUP);
            mv.visitVarInsn(ISTORE, FRES);
            prod = dec ? Semantics.DEC_FLAGS : Semantics.INC_FLAGS;
        }
    }

    /** Pushes CF (0 or 1) of the current flag state: {@link Flags#carry}. */
    private void carryIn() {
        flagState();
        mv.visitMethodInsn(INVOKESTATIC, FLAGS, "carry", "(IIIIIII)I", false);
    }

    /**
     * Pushes op, sz, a, b, res, cf, eflags of the flag locals, with op and sz as constants when
     * the producer is known (then the {@link Flags} function's switch folds once inlined).
     */
    private void flagState() {
        if (prod == UNKNOWN) {
            flagArgs();
            return;
        }
        iconst(prod);
        iconst(2);
        for (int l = FA; l <= FCF; l++) mv.visitVarInsn(ILOAD, l);
        mv.visitInsn(ICONST_0); // eflags: read only by L_NONE
    }

    /**
     * Jumps to {@code taken} if condition {@code cc} holds: {@link Flags#cond} specialised as
     * it specialises itself. After a known 32-bit SUB/CMP a relation of its operands, after
     * another known producer one of its result and 0 where {@link Flags#againstZero} has it: one
     * JVM compare, generated from {@link Flags#relation} (so C1's code has no call either);
     * otherwise, with the producer known, {@link Flags#test} of the flags {@code cc} reads, each
     * by its rule with the producer's kind constant (C2 folds the calls); else the call.
     */
    final void condJump(int cc, Label taken) {
        int zero = prod == UNKNOWN ? -1 : Flags.againstZero(cc, prod);
        if (prod == L_SUB && Flags.byCompare(cc)) {
            compareJump(Flags.relation(cc), FA, FB, taken);
            return;
        }
        if (zero >= 0) {
            compareJump(Flags.relation(zero), FRES, -1, taken);
            return;
        }
        iconst(cc);
        if (prod == UNKNOWN) {
            flagArgs();
            mv.visitMethodInsn(INVOKESTATIC, FLAGS, "cond", "(IIIIIIII)Z", false);
        } else {
            int r = Flags.reads(cc);
            for (int f : new int[] {OF, CF, ZF, SF, PF}) {
                if ((r & f) == 0) {
                    mv.visitInsn(ICONST_0); // not read by cc
                } else if (f == OF || f == CF) {
                    flagState();
                    mv.visitMethodInsn(INVOKESTATIC, FLAGS, f == OF ? "of" : "cf", "(IIIIIII)Z", false);
                } else {
                    iconst(prod);
                    if (f != PF) iconst(2);
                    mv.visitVarInsn(ILOAD, FRES);
                    mv.visitInsn(ICONST_0);
                    mv.visitMethodInsn(INVOKESTATIC, FLAGS, f == ZF ? "zf" : f == SF ? "sf" : "pf",
                            f == PF ? "(III)Z" : "(IIII)Z", false);
                }
            }
            mv.visitMethodInsn(INVOKESTATIC, FLAGS, "test", "(IZZZZZ)Z", false);
        }
        mv.visitJumpInsn(IFNE, taken);
    }

    /** Jumps to {@code taken} if local {@code x} relates to local {@code y} (-1: the constant 0) by {@code rel} ({@link Flags#relation}). */
    private void compareJump(int rel, int x, int y, Label taken) {
        boolean unsigned = (rel & Flags.UNSIGNED) != 0, zero = y < 0 && !unsigned;
        mv.visitVarInsn(ILOAD, x);
        if (unsigned) flipSign();
        if (!zero) {
            if (y < 0) {
                iconst(0);
            } else {
                mv.visitVarInsn(ILOAD, y);
            }
            if (unsigned) flipSign();
        }
        int op;
        switch (rel & 7) {
            case Flags.EQ: op = zero ? IFEQ : IF_ICMPEQ; break;
            case Flags.NE: op = zero ? IFNE : IF_ICMPNE; break;
            case Flags.LT: op = zero ? IFLT : IF_ICMPLT; break;
            case Flags.GE: op = zero ? IFGE : IF_ICMPGE; break;
            case Flags.LE: op = zero ? IFLE : IF_ICMPLE; break;
            default: op = zero ? IFGT : IF_ICMPGT; break;
        }
        mv.visitJumpInsn(op, taken);
    }

    private void flipSign() {
        iconst(Integer.MIN_VALUE);
        mv.visitInsn(IXOR);
    }

    /**
     * SHL/SHR/SAR of a 32- or 16-bit register ({@code sz} 2 or 1) by a constant count (already
     * masked to 5 bits, as the SDM masks it whatever the size), and ROL/ROR when their flags are
     * dead or the flags before are a logic or shift record ({@link Flags#rotateStaysLazy});
     * false for the rest. Result and flag word come from calls to the shared routines
     * ({@link Semantics#shift}, {@link Semantics#shiftFlags} by name) with constant operands,
     * which the JIT inlines; a 16-bit operand is the register's low word, and only that word is
     * written back.
     */
    final boolean shift(int op, int a, int count, int sz) {
        if (op == 2 || op == 3) return false;
        if (count == 0) return true; // no operation, flags unchanged
        boolean flags = flagsLive(), rotate = op == 0 || op == 1;
        if (rotate && flags && (prod == UNKNOWN || !Flags.rotateStaysLazy(prod))) return false;
        String routine = Semantics.shiftRoutine(op);
        regSz(a, sz);
        mv.visitInsn(DUP);
        mv.visitVarInsn(ISTORE, T0);
        iconst(count);
        iconst(sz);
        mv.visitMethodInsn(INVOKESTATIC, SEMANTICS, routine, "(III)I", false);
        mv.visitVarInsn(ISTORE, T1);
        if (flags) {
            mv.visitVarInsn(ILOAD, T0);
            iconst(count);
            iconst(sz);
            mv.visitMethodInsn(INVOKESTATIC, SEMANTICS, routine + "Flags", "(III)I", false);
            if (rotate) { // only CF and OF change: the record becomes (or stays) a shift record
                mv.visitVarInsn(ISTORE, T2);
                iconst(prod);
                mv.visitVarInsn(ILOAD, FCF);
                mv.visitVarInsn(ILOAD, T2);
                mv.visitMethodInsn(INVOKESTATIC, FLAGS, "rotatedExtra", "(III)I", false);
                mv.visitVarInsn(ISTORE, FCF);
                iconst(L_SZP);
                mv.visitVarInsn(ISTORE, FOP);
                prod = L_SZP;
            } else {
                szpRecord(T1, sz);
            }
        }
        mv.visitVarInsn(ILOAD, T1);
        setRegSz(a, sz);
        return true;
    }

    /** IMUL r32 = x * y (operands on the stack) by {@link Semantics#imul}: SZP record, CF = OF = overflow. */
    final void imul(int a) {
        mv.visitVarInsn(ISTORE, T1);
        mv.visitVarInsn(ISTORE, T2);
        mv.visitVarInsn(ILOAD, T2);
        mv.visitVarInsn(ILOAD, T1);
        iconst(2);
        mv.visitMethodInsn(INVOKESTATIC, SEMANTICS, "imul", "(III)I", false);
        mv.visitVarInsn(ISTORE, T0);
        if (flagsLive()) {
            mv.visitVarInsn(ILOAD, T2);
            mv.visitVarInsn(ILOAD, T1);
            iconst(2);
            mv.visitMethodInsn(INVOKESTATIC, SEMANTICS, "imulFlags", "(III)I", false);
            szpRecord(T0, 2);
        }
        mv.visitVarInsn(ILOAD, T0);
        setReg(a);
    }

    /**
     * The flag record of a shift or multiply of size {@code sz}: CF|OF&lt;&lt;1 on the stack,
     * result in local {@code res}. {@link #prod} is known for a 32-bit record only.
     */
    private void szpRecord(int res, int sz) {
        mv.visitVarInsn(ISTORE, FCF);
        mv.visitVarInsn(ILOAD, res);
        mv.visitVarInsn(ISTORE, FRES);
        iconst(L_SZP);
        mv.visitVarInsn(ISTORE, FOP);
        iconst(sz);
        mv.visitVarInsn(ISTORE, FSZ);
        prod = sz == 2 ? L_SZP : UNKNOWN;
    }

    /** MOVZX/MOVSX of the byte or word ({@code ssz}) on the stack: {@link Semantics#extend}. */
    final void extend(int ssz, boolean signed) {
        iconst(ssz);
        mv.visitInsn(signed ? ICONST_1 : ICONST_0);
        mv.visitMethodInsn(INVOKESTATIC, SEMANTICS, "extend", "(IIZ)I", false);
    }
}
