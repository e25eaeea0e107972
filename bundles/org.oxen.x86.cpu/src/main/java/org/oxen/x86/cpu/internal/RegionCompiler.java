package org.oxen.x86.cpu.internal;

import static org.objectweb.asm.Opcodes.*;
import static org.oxen.x86.cpu.internal.RecordDecoder.*;
import static org.oxen.x86.cpu.internal.CpuState.L_ADD;
import static org.oxen.x86.cpu.internal.CpuState.L_DEC;
import static org.oxen.x86.cpu.internal.CpuState.L_INC;
import static org.oxen.x86.cpu.internal.CpuState.L_LOGIC;
import static org.oxen.x86.cpu.internal.CpuState.L_SUB;
import static org.oxen.x86.cpu.internal.CpuState.L_SZP;
import static org.oxen.x86.cpu.internal.CpuState.SS;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;

/**
 * Translates a {@link RegionPlan} to JVM bytecode (ASM) and defines it as a hidden class
 * extending {@link Region} in this package, so the code reaches the CPU's package-private state
 * and memory methods directly and C2 inlines them.
 *
 * <p>Design: guest registers EAX..EDI and the six lazy-flag words are JVM locals, loaded at entry
 * and written back at every exit and in the fault handler. Each flag-setting instruction just
 * assigns the flag locals (C2 drops the assignments nobody reads); a Jcc whose flag producer is
 * known in the same block (CMP/SUB, TEST/AND/OR/XOR, ADD, INC/DEC, shifts) becomes one JVM
 * compare, otherwise it calls {@link Flags#cond} on the locals. Register results are assigned after
 * the instruction's memory accesses, and each instruction that may fault has a handler of its
 * own (an exception-table range from its fault point), which names it (the locals FIX/FPC) to the
 * common handler, which writes back exactly the state before the faulting instruction; no
 * instruction assigns anything for a fault that does not happen. Records with no
 * inline translation run through {@code Cached.runRecord} between a write-back and a reload.
 */
final class RegionCompiler extends RegionEmitter {

    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();
    /** Bytecode size of a region method at most: well under C2's HugeMethodLimit (8000). */
    private static final int MAX_CODE = 6000;

    /** What set the flag locals last, when known statically inside the current block. */
    private static final int P_UNKNOWN = 0, P_SUB32 = 1, P_ADD32 = 2, P_LOGIC32 = 3, P_INCDEC32 = 4, P_SZP32 = 5;

    private final RegionPlan plan;
    private final CodePage cp;
    private final Label exit = new Label();
    private final Map<Integer, Label> labels = new HashMap<>();
    /** Out-of-line exits of the current block. */
    private final List<Stub> stubs = new ArrayList<>();
    private int prod;

    /**
     * An exit of a block: at {@code label}, count {@code retired} of its instructions, leave with
     * EIP at frame offset {@code next}; {@code kill}: the code changed, drop the region.
     */
    private record Stub(Label label, int retired, int next, boolean kill) {
    }

    private RegionCompiler(RegionPlan plan, CodePage cp, MethodVisitor mv) {
        super(mv);
        this.plan = plan;
        this.cp = cp;
    }

    /**
     * Compiles the region entered at {@code entry} of the frame {@code cp} whose bytes are at
     * {@code arr[pb + offset]}; null if nothing there can be translated or the region would be a
     * straight run shorter than {@code shortestStraight} instructions.
     */
    static Region compile(CodePage cp, byte[] arr, int pb, int entry, int shortestStraight)
            throws ReflectiveOperationException {
        for (int cap = RegionPlan.MAX_INSNS; cap >= 8; cap /= 2) {
            RegionPlan plan = RegionPlan.of(cp, arr, pb, entry, cap, shortestStraight);
            if (plan == null) return null;
            SharedRegions.Key key = SharedRegions.key(plan, cp);
            Class<?> shared = SharedRegions.get(key);
            if (shared != null) return instantiate(shared, plan, cp.at[entry], true);
            byte[] bytes = classBytes(plan, cp);
            if (bytes != null) {
                Class<?> cls = LOOKUP.defineHiddenClass(bytes, true).lookupClass();
                SharedRegions.put(key, cls);
                return instantiate(cls, plan, cp.at[entry], false);
            }
        }
        return null;
    }

    /** The hidden class of {@code plan}, or null if its method would exceed {@link #MAX_CODE}. */
    private static byte[] classBytes(RegionPlan plan, CodePage cp) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES) {
            @Override
            protected String getCommonSuperClass(String a, String b) {
                return "java/lang/Object"; // only ever asked for locals of one type each
            }
        };
        cw.visit(V17, ACC_FINAL | ACC_SUPER | ACC_SYNTHETIC, REGION + "$T", null, REGION, null);
        MethodVisitor init = cw.visitMethod(0, "<init>", "()V", null, null);
        init.visitCode();
        init.visitVarInsn(ALOAD, 0);
        init.visitMethodInsn(INVOKESPECIAL, REGION, "<init>", "()V", false);
        init.visitInsn(RETURN);
        init.visitMaxs(0, 0);
        init.visitEnd();
        MethodVisitor mv = cw.visitMethod(ACC_FINAL, "run", RUN_DESC, null, null);
        int size = new RegionCompiler(plan, cp, mv).method();
        cw.visitEnd();
        return size <= MAX_CODE ? cw.toByteArray() : null;
    }

    private static Region instantiate(Class<?> cls, RegionPlan plan, int entryRecord, boolean shared)
            throws ReflectiveOperationException {
        Region rg;
        try {
            rg = (Region) LOOKUP.findConstructor(cls, MethodType.methodType(void.class)).invoke();
        } catch (ReflectiveOperationException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        rg.entryRecord = entryRecord;
        rg.shared = shared;
        int[] ranges = plan.codeRanges();
        rg.translatedFrom(ranges, plan.code(ranges));
        return rg;
    }

    // ---- method skeleton ----

    /** Writes the method; returns its bytecode size. */
    private int method() {
        mv.visitCode();
        // the stack instructions assume a 32-bit stack (SS.B); otherwise run nothing
        Label ok = new Label();
        mv.visitVarInsn(ALOAD, C);
        mv.visitFieldInsn(GETFIELD, CPU, "stack32", "Z");
        mv.visitJumpInsn(IFNE, ok);
        mv.visitInsn(ICONST_0);
        mv.visitInsn(IRETURN);
        mv.visitLabel(ok);
        mv.visitVarInsn(ALOAD, C);
        mv.visitFieldInsn(GETFIELD, CPU, "fetchArr", "[B");
        mv.visitVarInsn(ASTORE, ARR);
        mv.visitVarInsn(ALOAD, C);
        mv.visitFieldInsn(GETFIELD, CPU, "fetchEipBase", "I");
        mv.visitInsn(DUP);
        mv.visitVarInsn(ISTORE, CBASE);
        mv.visitVarInsn(ALOAD, C);
        mv.visitFieldInsn(GETFIELD, CPU, "fetchDelta", "I");
        mv.visitInsn(IADD);
        mv.visitVarInsn(ISTORE, PB);
        // the code check: one compare in the code epoch the region last compared its bytes in
        Label entered = new Label();
        mv.visitVarInsn(ALOAD, THIS);
        mv.visitVarInsn(ALOAD, C);
        mv.visitVarInsn(ALOAD, ARR);
        mv.visitVarInsn(ILOAD, PB);
        mv.visitMethodInsn(INVOKEVIRTUAL, REGION, "enter", "(L" + CPU + ";[BI)Z", false);
        mv.visitJumpInsn(IFNE, entered);
        mv.visitInsn(ICONST_0);
        mv.visitInsn(IRETURN);
        mv.visitLabel(entered);
        for (int l : new int[] {CNT, FIX, FPC, NEXT, T0, T1, T2, T3, T4, ADDR, VAL, LIN, IDX}) {
            mv.visitInsn(ICONST_0);
            mv.visitVarInsn(ISTORE, l);
        }
        mv.visitInsn(LCONST_0);
        mv.visitVarInsn(LSTORE, LT);
        hoistMemory();
        fillRegs();
        fillFlags();
        for (RegionPlan.Block b : plan.blocks.values()) labels.put(b.off, new Label());
        int bi = 0;
        for (RegionPlan.Block b : plan.blocks.values()) block(b, bi++);
        closeFaultRange();
        // normal exit: NEXT is the EIP, CNT the instructions retired
        mv.visitLabel(exit);
        spillRegs(written);
        spillFlags();
        mv.visitVarInsn(ALOAD, C);
        mv.visitVarInsn(ILOAD, NEXT);
        mv.visitFieldInsn(PUTFIELD, CPU, "eip", "I");
        mv.visitVarInsn(ILOAD, CNT);
        mv.visitInsn(IRETURN);
        // fault: the state before instruction FIX of the current block (at frame offset FPC), which
        // each fault point's own handler sets (so the loop never assigns them)
        Label handler = new Label();
        for (FaultSite f : faultSites) {
            mv.visitLabel(f.handler());
            mv.visitVarInsn(ASTORE, EXC);
            iconst(f.index());
            mv.visitVarInsn(ISTORE, FIX);
            iconst(f.offset());
            mv.visitVarInsn(ISTORE, FPC);
            mv.visitJumpInsn(GOTO, handler);
        }
        mv.visitLabel(handler);
        spillRegs(written);
        spillFlags();
        for (String f : new String[] {"startEip", "eip"}) {
            mv.visitVarInsn(ALOAD, C);
            mv.visitVarInsn(ILOAD, CBASE);
            mv.visitVarInsn(ILOAD, FPC);
            mv.visitInsn(IADD);
            mv.visitFieldInsn(PUTFIELD, CPU, f, "I");
        }
        mv.visitVarInsn(ALOAD, C);
        mv.visitVarInsn(ILOAD, CNT);
        mv.visitVarInsn(ILOAD, FIX);
        mv.visitInsn(IADD);
        mv.visitFieldInsn(PUTFIELD, CPU, "jitPartial", "I");
        mv.visitVarInsn(ALOAD, EXC);
        mv.visitInsn(ATHROW);
        Label end = new Label();
        mv.visitLabel(end);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        return end.getOffset();
    }

    /** Block number {@code bi} (its code was compared on entry, see {@link Region#enter}). */
    private void block(RegionPlan.Block b, int bi) {
        mv.visitLabel(labels.get(b.off));
        stubs.clear();
        prod = P_UNKNOWN;
        fixSet = -1;
        if (b.n == 0) {
            toExit(b.off, 0);
            return;
        }
        // budget: the whole block or nothing
        Label over = new Label();
        mv.visitVarInsn(ILOAD, CNT);
        iconst(b.n);
        mv.visitInsn(IADD);
        mv.visitVarInsn(ILOAD, BUDGET);
        mv.visitJumpInsn(IF_ICMPGT, over);
        stubs.add(new Stub(over, 0, b.off, false));
        for (int i = 0; i < b.n; i++) {
            int k = b.at[i], ri = b.ri[i], rb = CodePage.REC_WORDS * ri;
            int opw = cp.rec[rb + CodePage.R_OP];
            int len = CodePage.length(opw);
            boolean stored = insn(b, i, k, len, opw, cp.rec[rb + CodePage.R_ADDR], cp.rec[rb + CodePage.R_DISP], cp.rec[rb + CodePage.R_IMM]);
            if (stored) {
                // a store that reached a frame holding translated code (Mmu.codeWritten: such
                // frames have no write tags, so the slow path sees it) may have changed any of
                // the region's code: compare it all now; if it changed, leave after the store
                Label clean = new Label(), changed = new Label();
                mv.visitVarInsn(ALOAD, C);
                mv.visitFieldInsn(GETFIELD, CPU, "codeWritten", "Z");
                mv.visitJumpInsn(IFEQ, clean);
                mv.visitVarInsn(ALOAD, THIS);
                mv.visitVarInsn(ALOAD, C);
                mv.visitVarInsn(ALOAD, ARR);
                mv.visitVarInsn(ILOAD, PB);
                mv.visitMethodInsn(INVOKEVIRTUAL, REGION, "verify", "(L" + CPU + ";[BI)Z", false);
                mv.visitJumpInsn(IFEQ, changed);
                stubs.add(new Stub(changed, i + 1, k + len, true));
                mv.visitLabel(clean);
            }
        }
        if (!b.control) jumpTo(b.end, b.n, false, b.n - 1, b.at[b.n - 1]);
        for (Stub s : stubs) {
            mv.visitLabel(s.label());
            if (s.kill()) {
                mv.visitVarInsn(ALOAD, THIS);
                mv.visitInsn(ICONST_1);
                mv.visitFieldInsn(PUTFIELD, REGION, "dead", "Z");
            }
            toExit(s.next(), s.retired());
        }
    }

    /** CNT += retired; EIP = frame offset {@code off}; leave. */
    private void toExit(int off, int retired) {
        if (retired != 0) mv.visitIincInsn(CNT, retired);
        mv.visitVarInsn(ILOAD, CBASE);
        iconst(off);
        mv.visitInsn(IADD);
        mv.visitVarInsn(ISTORE, NEXT);
        mv.visitJumpInsn(GOTO, exit);
    }

    /**
     * Continues at frame offset {@code t} after {@code retired} instructions of this block: a jump
     * to its block, or an exit. A taken {@code branch} (instruction {@code i} at {@code k}) to a
     * target outside the frame, whose whole range is inside the CS limit, checks the limit as the
     * branch does; a fall-through leaves that to the next instruction's fetch.
     */
    private void jumpTo(int t, int retired, boolean branch, int i, int k) {
        RegionPlan.Block tb = plan.blocks.get(t);
        if (tb != null && tb.n > 0) {
            if (retired != 0) mv.visitIincInsn(CNT, retired);
            mv.visitJumpInsn(GOTO, labels.get(t));
            return;
        }
        if (branch && (t < 0 || t >= 4096)) {
            faultPoint(i, k);
            mv.visitVarInsn(ALOAD, C);
            mv.visitVarInsn(ILOAD, CBASE);
            iconst(t);
            mv.visitInsn(IADD);
            mv.visitMethodInsn(INVOKEVIRTUAL, CPU, "checkEip", "(I)V", false);
        }
        toExit(t, retired);
    }

    // ---- instructions ----

    /** Emits instruction {@code i} of {@code b}; returns true if it may have stored to memory. */
    private boolean insn(RegionPlan.Block b, int i, int k, int len, int opw, int eaw, int disp, int imm) {
        int kind = CodePage.kind(opw), a = CodePage.regA(opw), rb = CodePage.regB(opw), sub = CodePage.operation(opw);
        int sz = CodePage.size(opw);
        int seg = CodePage.segment(eaw);
        switch (kind) {
            case K_ALU32_RR: case K_ADD32_RR: case K_SUB32_RR: case K_CMP32_RR: case K_XOR32_RR: case K_AND32_RR:
            case K_OR32_RR: case K_TEST32_RR: case K_ALU_RR:
                regSz(a, sz);
                regSz(rb, sz);
                alu(sub, sz, () -> setRegSz(a, sz));
                return false;
            case K_ALU32_RI: case K_ADD32_RI: case K_SUB32_RI: case K_CMP32_RI: case K_XOR32_RI: case K_AND32_RI:
            case K_OR32_RI: case K_TEST32_RI: case K_ALU_RI:
                regSz(a, sz);
                iconst(imm);
                alu(sub, sz, () -> setRegSz(a, sz));
                return false;
            case K_ALU32_RM: case K_ALU_RM:
                faultPoint(i, k);
                regSz(a, sz);
                read(sz, seg, eaw, disp);
                alu(sub, sz, () -> setRegSz(a, sz));
                return false;
            case K_ALU32_MR: case K_ALU_MR: case K_ALU32_MI: case K_ALU_MI: {
                faultPoint(i, k);
                addr(eaw, disp);
                mv.visitVarInsn(ISTORE, T3);
                load(sz, seg, T3);
                if (kind == K_ALU32_MR || kind == K_ALU_MR) regSz(rb, sz); else iconst(imm);
                alu(sub, sz, () -> writeAt(sz, seg, T3));
                return sub < 8;
            }
            case K_MOV32_RR: case K_MOV_RR:
                regSz(rb, sz);
                setRegSz(a, sz);
                return false;
            case K_MOV32_RI: case K_MOV_RI:
                iconst(imm);
                setRegSz(a, sz);
                return false;
            case K_MOV32_RM: case K_MOV_RM:
                faultPoint(i, k);
                read(sz, seg, eaw, disp);
                setRegSz(a, sz);
                return false;
            case K_MOV32_MR: case K_MOV8_MR:
                faultPoint(i, k);
                regSz(rb, kind == K_MOV8_MR ? 0 : 2);
                write(kind == K_MOV8_MR ? 0 : 2, seg, eaw, disp);
                return true;
            case K_MOV32_MI: case K_MOV8_MI:
                faultPoint(i, k);
                iconst(imm);
                write(kind == K_MOV8_MI ? 0 : 2, seg, eaw, disp);
                return true;
            case K_LEA:
                addr(eaw, disp);
                setReg(a);
                return false;
            case K_INC_R: case K_DEC_R:
                mv.visitVarInsn(ILOAD, R0 + a);
                incDec(kind == K_DEC_R);
                setReg(a);
                return false;
            case K_PUSH_R: case K_PUSH_I:
                faultPoint(i, k);
                if (kind == K_PUSH_R) {
                    mv.visitVarInsn(ILOAD, R0 + a);
                } else {
                    iconst(imm);
                }
                mv.visitVarInsn(ISTORE, T0);
                push(T0);
                return true;
            case K_POP_R:
                faultPoint(i, k);
                top();
                mv.visitVarInsn(ISTORE, T0);
                mv.visitIincInsn(R0 + 4, 4);
                written |= 1 << 4;
                mv.visitVarInsn(ILOAD, T0);
                setReg(a);
                return false;
            case K_SHIFT32_RI:
                if (shift32(sub & 7, a, imm & 0x1F)) return false;
                break;
            case K_MOVX_R: {
                int ssz = CodePage.sourceSize(opw);
                regSz(rb, ssz);
                if (CodePage.variant(opw)) mv.visitInsn(ssz == 0 ? I2B : I2S);
                setReg(a);
                return false;
            }
            case K_MOVX_M: {
                int ssz = CodePage.sourceSize(opw);
                faultPoint(i, k);
                read(ssz, seg, eaw, disp);
                if (CodePage.variant(opw)) mv.visitInsn(ssz == 0 ? I2B : I2S);
                setReg(a);
                return false;
            }
            case K_IMUL_RR: case K_IMUL_RM: {
                boolean three = CodePage.variant(opw);
                if (kind == K_IMUL_RM) {
                    faultPoint(i, k);
                    read(2, seg, eaw, disp);
                } else {
                    mv.visitVarInsn(ILOAD, R0 + rb);
                }
                if (three) {
                    iconst(imm);
                } else {
                    mv.visitVarInsn(ILOAD, R0 + a);
                }
                imul(a);
                return false;
            }
            case K_NOP:
                return false;
            case K_JCC: case K_JZ: case K_JNZ: {
                int cc = kind == K_JZ ? 4 : kind == K_JNZ ? 5 : sub;
                Label taken = new Label();
                condJump(cc, taken);
                jumpTo(k + len, b.n, false, i, k);
                mv.visitLabel(taken);
                jumpTo(k + len + imm, b.n, true, i, k);
                return false;
            }
            case K_JMP:
                jumpTo(k + len + imm, b.n, true, i, k);
                return false;
            case K_CALL: {
                int t = k + len + imm;
                faultPoint(i, k);
                if (t < 0 || t >= 4096) {
                    mv.visitVarInsn(ALOAD, C);
                    mv.visitVarInsn(ILOAD, CBASE);
                    iconst(t);
                    mv.visitInsn(IADD);
                    mv.visitMethodInsn(INVOKEVIRTUAL, CPU, "checkEip", "(I)V", false);
                }
                mv.visitVarInsn(ILOAD, CBASE);
                iconst(k + len);
                mv.visitInsn(IADD);
                mv.visitVarInsn(ISTORE, T0);
                push(T0);
                if (plan.blocks.containsKey(t) && plan.blocks.get(t).n > 0) {
                    jumpTo(t, b.n, false, i, k); // a block of this region: inside the frame
                } else {
                    toExit(t, b.n);
                }
                return true;
            }
            case K_RET:
                faultPoint(i, k);
                top();
                mv.visitInsn(DUP);
                mv.visitVarInsn(ISTORE, NEXT);
                mv.visitVarInsn(ALOAD, C);
                mv.visitInsn(SWAP);
                mv.visitMethodInsn(INVOKEVIRTUAL, CPU, "checkEip", "(I)V", false);
                mv.visitIincInsn(R0 + 4, 4);
                written |= 1 << 4;
                mv.visitIincInsn(CNT, b.n);
                mv.visitJumpInsn(GOTO, exit);
                return false;
            default:
                break;
        }
        generic(i, k, len, opw, eaw, disp, imm);
        return true;
    }

    /** Any other record: write back, run it in the interpreter's record executor, reload. */
    private void generic(int i, int k, int len, int opw, int eaw, int disp, int imm) {
        faultPoint(i, k);
        spillRegs(0xFF);
        spillFlags();
        for (int[] f : new int[][] {{0, k}, {1, k + len}}) {
            mv.visitVarInsn(ALOAD, C);
            mv.visitVarInsn(ILOAD, CBASE);
            iconst(f[1]);
            mv.visitInsn(IADD);
            mv.visitFieldInsn(PUTFIELD, CPU, f[0] == 0 ? "startEip" : "eip", "I");
        }
        mv.visitVarInsn(ALOAD, C);
        iconst(opw);
        iconst(eaw);
        iconst(disp);
        iconst(imm);
        mv.visitMethodInsn(INVOKEVIRTUAL, CPU, "runRecord", "(IIII)V", false);
        fillRegs();
        fillFlags();
        written = 0xFF;
        prod = P_UNKNOWN;
    }

    /**
     * ALU operation {@code sub} (ADD OR ADC SBB AND SUB XOR CMP; +8 = result not stored) on the
     * two operands on the stack; {@code store} consumes the result from the stack.
     */
    private void alu(int sub, int sz, Runnable store) {
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
        prod = sz != 2 ? P_UNKNOWN : lop == L_ADD ? P_ADD32 : lop == L_SUB ? P_SUB32 : lop == L_LOGIC ? P_LOGIC32
                : P_UNKNOWN;
    }

    /** INC/DEC (32-bit) of the value on the stack; leaves the result. CF is kept. */
    private void incDec(boolean dec) {
        mv.visitVarInsn(ISTORE, T0);
        carryIn();
        mv.visitVarInsn(ISTORE, FCF);
        mv.visitVarInsn(ILOAD, T0);
        mv.visitVarInsn(ISTORE, FA);
        mv.visitInsn(ICONST_1);
        mv.visitVarInsn(ISTORE, FB);
        mv.visitVarInsn(ILOAD, T0);
        mv.visitInsn(ICONST_1);
        mv.visitInsn(dec ? ISUB : IADD);
        mv.visitInsn(DUP);
        mv.visitVarInsn(ISTORE, FRES);
        iconst(dec ? L_DEC : L_INC);
        mv.visitVarInsn(ISTORE, FOP);
        iconst(2);
        mv.visitVarInsn(ISTORE, FSZ);
        prod = P_INCDEC32;
    }

    /** Pushes CF (0 or 1) of the current flag state. */
    private void carryIn() {
        switch (prod) {
            case P_LOGIC32:
                mv.visitInsn(ICONST_0);
                return;
            case P_INCDEC32:
                mv.visitVarInsn(ILOAD, FCF);
                return;
            case P_SZP32:
                mv.visitVarInsn(ILOAD, FCF);
                mv.visitInsn(ICONST_1);
                mv.visitInsn(IAND);
                return;
            case P_SUB32: case P_ADD32:
                // x <u y without a branch: the sign of (x - y) computed on the zero-extended values
                unsignedLong(prod == P_SUB32 ? FA : FRES);
                unsignedLong(prod == P_SUB32 ? FB : FA);
                mv.visitInsn(LSUB);
                iconst(63);
                mv.visitInsn(LUSHR);
                mv.visitInsn(L2I);
                return;
            default:
                flagArgs();
                mv.visitMethodInsn(INVOKESTATIC, FLAGS, "carry", "(IIIIIII)I", false);
        }
    }

    /** Pushes local {@code l} zero-extended to a long. */
    private void unsignedLong(int l) {
        mv.visitVarInsn(ILOAD, l);
        mv.visitInsn(I2L);
        mv.visitLdcInsn(0xFFFFFFFFL);
        mv.visitInsn(LAND);
    }

    /** Jumps to {@code taken} if condition {@code cc} holds. */
    private void condJump(int cc, Label taken) {
        if (prod == P_SUB32) {
            int op = -1;
            boolean unsigned = false;
            switch (cc) {
                case 2: op = IF_ICMPLT; unsigned = true; break;
                case 3: op = IF_ICMPGE; unsigned = true; break;
                case 4: op = IF_ICMPEQ; break;
                case 5: op = IF_ICMPNE; break;
                case 6: op = IF_ICMPLE; unsigned = true; break;
                case 7: op = IF_ICMPGT; unsigned = true; break;
                case 0xC: op = IF_ICMPLT; break;
                case 0xD: op = IF_ICMPGE; break;
                case 0xE: op = IF_ICMPLE; break;
                case 0xF: op = IF_ICMPGT; break;
                default: break;
            }
            if (op >= 0) {
                mv.visitVarInsn(ILOAD, FA);
                if (unsigned) flipSign();
                mv.visitVarInsn(ILOAD, FB);
                if (unsigned) flipSign();
                mv.visitJumpInsn(op, taken);
                return;
            }
        }
        // conditions on the result alone: ZF = res == 0, SF = res < 0 for every 32-bit producer
        int op = -1;
        if (prod != P_UNKNOWN) {
            switch (cc) {
                case 4: op = IFEQ; break;
                case 5: op = IFNE; break;
                case 8: op = IFLT; break;
                case 9: op = IFGE; break;
                default: break;
            }
        }
        if (prod == P_LOGIC32) { // CF = OF = 0
            switch (cc) {
                case 0: case 2: return; // never
                case 1: case 3: mv.visitJumpInsn(GOTO, taken); return;
                case 6: op = IFEQ; break;
                case 7: op = IFNE; break;
                case 0xC: op = IFLT; break;
                case 0xD: op = IFGE; break;
                case 0xE: op = IFLE; break;
                case 0xF: op = IFGT; break;
                default: break;
            }
        }
        if (op >= 0) {
            mv.visitVarInsn(ILOAD, FRES);
            mv.visitJumpInsn(op, taken);
            return;
        }
        iconst(cc);
        flagArgs();
        mv.visitMethodInsn(INVOKESTATIC, FLAGS, "cond", "(IIIIIIII)Z", false);
        mv.visitJumpInsn(IFNE, taken);
    }

    private void flipSign() {
        iconst(Integer.MIN_VALUE);
        mv.visitInsn(IXOR);
    }

    /**
     * SHL/SHR/SAR r32 by a constant count, and ROL/ROR when the flags before are a logic or shift
     * result (they stay lazy, as {@code Alu.shift} keeps them); false for the rest. Result and
     * flag word come from calls to the shared routines ({@link Semantics#shl} ...) with constant
     * operands, which the JIT inlines.
     */
    private boolean shift32(int op, int a, int count) {
        if (op == 2 || op == 3) return false;
        if ((op == 0 || op == 1) && prod != P_LOGIC32 && prod != P_SZP32) return false;
        if (count == 0) return true; // no operation, flags unchanged
        String routine = op == 0 ? "rol" : op == 1 ? "ror" : op == 5 ? "shr" : op == 7 ? "sar" : "shl";
        mv.visitVarInsn(ILOAD, R0 + a);
        iconst(count);
        iconst(2);
        mv.visitMethodInsn(INVOKESTATIC, SEMANTICS, routine, "(III)I", false);
        mv.visitVarInsn(ISTORE, T1);
        mv.visitVarInsn(ILOAD, R0 + a);
        iconst(count);
        iconst(2);
        mv.visitMethodInsn(INVOKESTATIC, SEMANTICS, routine + "Flags", "(III)I", false);
        if (op == 0 || op == 1) { // only CF and OF change: the record stays a logic/shift one
            if (prod == P_SZP32) { // keep AF of the shift record
                mv.visitVarInsn(ILOAD, FCF);
                iconst(4);
                mv.visitInsn(IAND);
                mv.visitInsn(IOR);
            }
            mv.visitVarInsn(ISTORE, FCF);
            iconst(L_SZP);
            mv.visitVarInsn(ISTORE, FOP);
            prod = P_SZP32;
        } else {
            szpRecord(T1);
        }
        mv.visitVarInsn(ILOAD, T1);
        setReg(a);
        return true;
    }

    /** IMUL r32 = x * y (operands on the stack) by {@link Semantics#imul}: SZP record, CF = OF = overflow. */
    private void imul(int a) {
        mv.visitVarInsn(ISTORE, T1);
        mv.visitVarInsn(ISTORE, T2);
        for (String routine : new String[] {"imul", "imulFlags"}) {
            mv.visitVarInsn(ILOAD, T2);
            mv.visitVarInsn(ILOAD, T1);
            iconst(2);
            mv.visitMethodInsn(INVOKESTATIC, SEMANTICS, routine, "(III)I", false);
            if (routine.equals("imul")) mv.visitVarInsn(ISTORE, T0);
        }
        szpRecord(T0);
        mv.visitVarInsn(ILOAD, T0);
        setReg(a);
    }

    /** The flag record of a shift or multiply: CF|OF&lt;&lt;1 on the stack, result in local {@code res}. */
    private void szpRecord(int res) {
        mv.visitVarInsn(ISTORE, FCF);
        mv.visitVarInsn(ILOAD, res);
        mv.visitVarInsn(ISTORE, FRES);
        iconst(L_SZP);
        mv.visitVarInsn(ISTORE, FOP);
        iconst(2);
        mv.visitVarInsn(ISTORE, FSZ);
        prod = P_SZP32;
    }

}
