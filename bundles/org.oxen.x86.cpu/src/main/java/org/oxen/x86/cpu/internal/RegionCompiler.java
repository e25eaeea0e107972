package org.oxen.x86.cpu.internal;

import static org.objectweb.asm.Opcodes.*;
import static org.oxen.x86.cpu.internal.RecordDecoder.*;
import static org.oxen.x86.cpu.internal.CpuState.ARITH;
import static org.oxen.x86.cpu.internal.CpuState.CF;
import static org.oxen.x86.cpu.internal.CpuState.L_SUB;
import static org.oxen.x86.cpu.internal.CpuState.L_SZP;
import static org.oxen.x86.cpu.internal.CpuState.OF;
import static org.oxen.x86.cpu.internal.CpuState.PF;
import static org.oxen.x86.cpu.internal.CpuState.SF;
import static org.oxen.x86.cpu.internal.CpuState.ZF;
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
 * and written back at every exit and in the fault handler. Each flag-setting instruction whose
 * flags are live ({@link FlagLiveness}) assigns the flag locals; one whose flags are all
 * overwritten before any read, exit or fault emits no flag code. What each instruction computes
 * is a call of its {@link Semantics} routine, and every flag and condition a call of its
 * {@link Flags} rule: with the producer known in the same block its kind is a constant
 * argument, so after C2 inlines the call a {@code cmp; jcc} is one JVM compare; otherwise
 * {@link Flags#cond} reads the locals. Register results are assigned after
 * the instruction's memory accesses, and the locals FIX/FPC name the instruction that may fault,
 * so the handler writes back exactly the state before the faulting instruction. Records with no
 * inline translation run through {@code Cached.runRecord} between a write-back and a reload.
 */
final class RegionCompiler extends RegionEmitter {

    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();
    /** Bytecode size of a region method at most: well under C2's HugeMethodLimit (8000). */
    private static final int MAX_CODE = 6000;

    /** {@link #prod} when what set the flag locals last is not known statically. */
    private static final int UNKNOWN = -1;

    private final RegionPlan plan;
    private final CodePage cp;
    private final Label exit = new Label();
    private final Map<Integer, Label> labels = new HashMap<>();
    /** Out-of-line exits of the current block. */
    private final List<Stub> stubs = new ArrayList<>();
    /**
     * The lazy-flag kind ({@code L_*}, 32-bit) of what set the flag locals last, when known
     * statically inside the current block; {@link #UNKNOWN} otherwise.
     */
    private int prod;
    /** Flags live after each instruction of the current block ({@link FlagLiveness}). */
    private final int[] liveOut = new int[RegionPlan.MAX_BLOCK];
    /** Flags live after the instruction being emitted. */
    private int live;
    /** The form of the instruction being emitted. */
    private int form;

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
            if (shared != null) return instantiate(shared, cp.at[entry], true);
            byte[] bytes = classBytes(plan, cp);
            if (bytes != null) {
                Class<?> cls = LOOKUP.defineHiddenClass(bytes, true).lookupClass();
                SharedRegions.put(key, cls);
                return instantiate(cls, cp.at[entry], false);
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

    private static Region instantiate(Class<?> cls, int entryRecord, boolean shared) throws ReflectiveOperationException {
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
        return rg;
    }

    // ---- method skeleton ----

    /** Writes the method; returns its bytecode size. */
    private int method() {
        mv.visitCode();
        Label tryStart = new Label(), tryEnd = new Label(), handler = new Label();
        mv.visitTryCatchBlock(tryStart, tryEnd, handler, FAULT);
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
        for (int l : new int[] {CNT, FIX, FPC, NEXT, T0, T1, T2, T3, T4, ADDR, VAL, LIN, IDX}) {
            mv.visitInsn(ICONST_0);
            mv.visitVarInsn(ISTORE, l);
        }
        mv.visitInsn(LCONST_0);
        mv.visitVarInsn(LSTORE, LT);
        mv.visitInsn(LCONST_0);
        mv.visitVarInsn(LSTORE, VER);
        hoistMemory();
        fillRegs();
        fillFlags();
        mv.visitLabel(tryStart);
        for (RegionPlan.Block b : plan.blocks.values()) labels.put(b.off, new Label());
        int bi = 0;
        for (RegionPlan.Block b : plan.blocks.values()) block(b, bi++);
        mv.visitLabel(tryEnd);
        // normal exit: NEXT is the EIP, CNT the instructions retired
        mv.visitLabel(exit);
        spillRegs(written);
        spillFlags();
        mv.visitVarInsn(ALOAD, C);
        mv.visitVarInsn(ILOAD, NEXT);
        mv.visitFieldInsn(PUTFIELD, CPU, "eip", "I");
        mv.visitVarInsn(ILOAD, CNT);
        mv.visitInsn(IRETURN);
        // fault: the state before instruction FIX of the current block (at frame offset FPC)
        mv.visitLabel(handler);
        mv.visitVarInsn(ASTORE, EXC);
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

    /**
     * Block number {@code bi}. Its bytes are compared with memory the first time it runs in this
     * call of the region and again after a store into a frame holding translated code (bit
     * {@code bi} of the local VER says it was compared since; such stores take the memory slow
     * path, which sets {@code codeWritten}): this CPU's own stores are seen by the next instruction, other CPUs' and
     * DMA writes at the latest when the region is entered again (every batch; x86 asks a CPU to
     * see cross-modified code only after a serializing event).
     */
    private void block(RegionPlan.Block b, int bi) {
        mv.visitLabel(labels.get(b.off));
        stubs.clear();
        prod = UNKNOWN;
        fixSet = -1;
        FlagLiveness.liveOut(cp, b, liveOut);
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
        Label verified = new Label();
        mv.visitVarInsn(LLOAD, VER);
        mv.visitLdcInsn(1L << bi);
        mv.visitInsn(LAND);
        mv.visitInsn(LCONST_0);
        mv.visitInsn(LCMP);
        mv.visitJumpInsn(IFNE, verified);
        check(b.off, b.end, 0, b.off);
        mv.visitVarInsn(LLOAD, VER);
        mv.visitLdcInsn(1L << bi);
        mv.visitInsn(LOR);
        mv.visitVarInsn(LSTORE, VER);
        mv.visitLabel(verified);
        for (int i = 0; i < b.n; i++) {
            int k = b.at[i], ri = b.ri[i], rb = CodePage.REC_WORDS * ri;
            int opw = cp.rec[rb + CodePage.R_OP];
            int len = CodePage.length(opw);
            live = liveOut[i];
            form = cp.rec[rb + CodePage.R_FORM];
            boolean stored = insn(b, i, k, len, opw, cp.rec[rb + CodePage.R_ADDR], cp.rec[rb + CodePage.R_DISP], cp.rec[rb + CodePage.R_IMM]);
            if (stored) {
                // a store that reached a frame holding translated code (Mmu.codeWritten: such
                // frames have no write tags, so the slow path sees it) may have changed this
                // block's rest or any other block: compare the rest now, the others on entry
                Label clean = new Label();
                mv.visitVarInsn(ALOAD, C);
                mv.visitFieldInsn(GETFIELD, CPU, "codeWritten", "Z");
                mv.visitJumpInsn(IFEQ, clean);
                mv.visitVarInsn(ALOAD, C);
                mv.visitInsn(ICONST_0);
                mv.visitFieldInsn(PUTFIELD, CPU, "codeWritten", "Z");
                mv.visitInsn(LCONST_0);
                mv.visitVarInsn(LSTORE, VER);
                if (i + 1 < b.n) check(k + len, b.end, i + 1, k + len);
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

    /** Compares frame bytes [from, to) with their bytes now; a difference exits at {@code next}. */
    private void check(int from, int to, int retired, int next) {
        Label changed = new Label();
        for (int c = from; c < to; c += 8) {
            int at = to - from >= 8 && c + 8 > to ? to - 8 : c;
            int end = Math.min(at + 8, to);
            mv.visitVarInsn(ALOAD, ARR);
            mv.visitVarInsn(ILOAD, PB);
            iconst(at);
            mv.visitInsn(IADD);
            mv.visitMethodInsn(INVOKESTATIC, REGION, "code64", "([BI)J", false);
            if (end - at < 8) {
                mv.visitLdcInsn(-1L >>> (64 - 8 * (end - at)));
                mv.visitInsn(LAND);
            }
            mv.visitLdcInsn(plan.bytes(at, end));
            mv.visitInsn(LCMP);
            mv.visitJumpInsn(IFNE, changed);
        }
        stubs.add(new Stub(changed, retired, next, true));
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
                break; // RCL/RCR, or a rotate whose flags cannot stay lazy: runRecord
            case K_MOVX_R: {
                int ssz = CodePage.sourceSize(opw);
                regSz(rb, ssz);
                extend(ssz, CodePage.variant(opw));
                setReg(a);
                return false;
            }
            case K_MOVX_M: {
                int ssz = CodePage.sourceSize(opw);
                faultPoint(i, k);
                read(ssz, seg, eaw, disp);
                extend(ssz, CodePage.variant(opw));
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
            case K_JCC: case K_JZ: case K_JNZ: { // the condition code is the operation
                int cc = sub;
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
        prod = UNKNOWN;
    }

    /**
     * Whether {@link #insn} translates a record of {@code kind} (operation {@code op}) inline
     * without a memory access, a fault point or the interpreter, so that it reads no flag but
     * those of its form; {@link FlagLiveness} counts every other record as reading them all.
     * ROL/ROR by a constant are not among them: they run through {@code runRecord} when their
     * flags cannot stay lazy.
     */
    static boolean registerOnly(int kind, int op) {
        switch (kind) {
            case K_ALU32_RR: case K_ADD32_RR: case K_SUB32_RR: case K_CMP32_RR: case K_XOR32_RR: case K_AND32_RR:
            case K_OR32_RR: case K_TEST32_RR: case K_ALU_RR:
            case K_ALU32_RI: case K_ADD32_RI: case K_SUB32_RI: case K_CMP32_RI: case K_XOR32_RI: case K_AND32_RI:
            case K_OR32_RI: case K_TEST32_RI: case K_ALU_RI:
            case K_MOV32_RR: case K_MOV_RR: case K_MOV32_RI: case K_MOV_RI: case K_LEA: case K_INC_R: case K_DEC_R:
            case K_MOVX_R: case K_IMUL_RR: case K_NOP:
                return true;
            case K_SHIFT32_RI:
                return (op & 7) >= 4;
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
    private void incDec(boolean dec) {
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
     * it specialises itself: after a known 32-bit SUB/CMP a compare of its operands
     * ({@link Flags#compare32}), after another known producer {@link Flags#test} of the flags
     * {@code cc} reads, each by its rule with the producer's kind constant; otherwise the call.
     */
    private void condJump(int cc, Label taken) {
        iconst(cc);
        if (prod == L_SUB && Flags.byCompare(cc)) {
            mv.visitVarInsn(ILOAD, FA);
            mv.visitVarInsn(ILOAD, FB);
            mv.visitMethodInsn(INVOKESTATIC, FLAGS, "compare32", "(III)Z", false);
        } else if (prod == UNKNOWN) {
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

    /**
     * SHL/SHR/SAR r32 by a constant count, and ROL/ROR when their flags are dead or the flags
     * before are a logic or shift record ({@link Flags#rotateStaysLazy}); false for the rest.
     * Result and flag word come from calls to the shared routines ({@link Semantics#shift},
     * {@link Semantics#shiftFlags} by name) with constant operands, which the JIT inlines.
     */
    private boolean shift32(int op, int a, int count) {
        if (op == 2 || op == 3) return false;
        if (count == 0) return true; // no operation, flags unchanged
        boolean flags = flagsLive(), rotate = op == 0 || op == 1;
        if (rotate && flags && (prod == UNKNOWN || !Flags.rotateStaysLazy(prod))) return false;
        String routine = Semantics.shiftRoutine(op);
        mv.visitVarInsn(ILOAD, R0 + a);
        iconst(count);
        iconst(2);
        mv.visitMethodInsn(INVOKESTATIC, SEMANTICS, routine, "(III)I", false);
        mv.visitVarInsn(ISTORE, T1);
        if (flags) {
            mv.visitVarInsn(ILOAD, R0 + a);
            iconst(count);
            iconst(2);
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
                szpRecord(T1);
            }
        }
        mv.visitVarInsn(ILOAD, T1);
        setReg(a);
        return true;
    }

    /** IMUL r32 = x * y (operands on the stack) by {@link Semantics#imul}: SZP record, CF = OF = overflow. */
    private void imul(int a) {
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
            szpRecord(T0);
        }
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
        prod = L_SZP;
    }

    /** MOVZX/MOVSX of the byte or word ({@code ssz}) on the stack: {@link Semantics#extend}. */
    private void extend(int ssz, boolean signed) {
        iconst(ssz);
        mv.visitInsn(signed ? ICONST_1 : ICONST_0);
        mv.visitMethodInsn(INVOKESTATIC, SEMANTICS, "extend", "(IIZ)I", false);
    }
}
