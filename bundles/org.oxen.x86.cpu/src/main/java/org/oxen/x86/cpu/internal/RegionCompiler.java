package org.oxen.x86.cpu.internal;

import static org.objectweb.asm.Opcodes.*;
import static org.oxen.x86.cpu.internal.RecordDecoder.*;
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
 * {@link Flags} rule or a compare generated from {@link Flags#relation}, with the producer's
 * kind constant where the block knows it ({@link InstructionEmitter}); otherwise
 * {@link Flags#cond} reads the locals. Register results are assigned after
 * the instruction's memory accesses, and each instruction that may fault has a handler of its
 * own (an exception-table range from its fault point), which names it (the locals FIX/FPC) to the
 * common handler, which writes back exactly the state before the faulting instruction; no
 * instruction assigns anything for a fault that does not happen. Records with no
 * inline translation run through {@code Cached.runRecord} between a write-back and a reload.
 *
 * <p>The budget: one local, LEFT, counts down the instructions the region may still retire; only
 * the entry and loop heads ({@link RegionPlan#checkPoints}) compare it, with the most the region
 * can retire before the next such test, so blocks in between run without one. A block that
 * jumps to itself is emitted twice ({@link #block}), so that its loop copy starts from a flag
 * state known statically.
 */
final class RegionCompiler extends InstructionEmitter {

    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();
    /** Bytecode size of a region method at most: well under C2's HugeMethodLimit (8000). */
    private static final int MAX_CODE = 6000;

    private final RegionPlan plan;
    private final CodePage cp;
    private final Label exit = new Label();
    private final Map<Integer, Label> labels = new HashMap<>();
    /** Out-of-line exits of the current block. */
    private final List<Stub> stubs = new ArrayList<>();

    /**
     * An exit of a block: at {@code label}, count {@code retired} of its instructions, leave with
     * EIP at frame offset {@code next}; {@code slow}: count it in {@code Region.slowExits}.
     */
    private record Stub(Label label, int retired, int next, boolean slow) {
        Stub(Label label, int retired, int next) {
            this(label, retired, next, false);
        }
    }

    /** Blocks (emission order) that check the budget ({@link RegionPlan#checkPoints}). */
    private final boolean[] checkPoints;
    /** The budget a check asks for: the most instructions retired before the next check or an exit. */
    private final int span;
    /** The frame offset of the block being emitted. */
    private int current;
    /** The loop copy of the block being emitted, if it jumps to itself (null: none). */
    private Label loopHead;
    /** The flag producer at the end of the block's first copy: the loop copy's at its start. */
    private int loopProd;
    /** The instruction being emitted: its index in the block and its frame offset. */
    private int insnIndex, insnOffset;
    /** Its exit before it ({@link #exitBeforeInstruction}; null: none asked for yet). */
    private Label insnExit;

    private RegionCompiler(RegionPlan plan, CodePage cp, MethodVisitor mv, boolean flatZero, boolean slowPathExits) {
        super(mv, flatZero, slowPathExits);
        this.plan = plan;
        this.cp = cp;
        this.checkPoints = plan.checkPoints();
        this.span = plan.total();
    }

    /**
     * Compiles the region entered at {@code entry} of the frame {@code cp} whose bytes are at
     * {@code arr[pb + offset]}; null if nothing there can be translated or the region would be a
     * straight run shorter than {@code shortestStraight} instructions. {@code flatZero}: DS and SS
     * are flat with base 0 (the region then runs only while they are); its slow paths then leave
     * the region unless the frame asks for calls at this entry ({@link CodePage#slowPathCalls}).
     */
    static Region compile(CodePage cp, byte[] arr, int pb, int entry, int shortestStraight, boolean flatZero)
            throws ReflectiveOperationException {
        boolean exits = flatZero && !cp.slowPathCalls(entry);
        for (int cap = RegionPlan.MAX_INSNS; cap >= 8; cap /= 2) {
            RegionPlan plan = RegionPlan.of(cp, arr, pb, entry, cap, shortestStraight);
            if (plan == null) return null;
            SharedRegions.Key key = SharedRegions.key(plan, cp, flatZero, exits);
            Class<?> shared = SharedRegions.get(key);
            if (shared != null) return instantiate(shared, plan, cp.at[entry], entry, true);
            byte[] bytes = classBytes(plan, cp, flatZero, exits);
            if (bytes != null) {
                Class<?> cls = LOOKUP.defineHiddenClass(bytes, true).lookupClass();
                SharedRegions.put(key, cls);
                return instantiate(cls, plan, cp.at[entry], entry, false);
            }
        }
        return null;
    }

    /** The hidden class of {@code plan}, or null if its method would exceed {@link #MAX_CODE}. */
    private static byte[] classBytes(RegionPlan plan, CodePage cp, boolean flatZero, boolean exits) {
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
        int size = new RegionCompiler(plan, cp, mv, flatZero, exits).method();
        cw.visitEnd();
        return size <= MAX_CODE ? cw.toByteArray() : null;
    }

    private static Region instantiate(Class<?> cls, RegionPlan plan, int entryRecord, int entryOffset, boolean shared)
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
        rg.entryOffset = entryOffset;
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
        if (flatZero) { // compiled for DS and SS flat with base 0; otherwise run nothing
            Label flat = new Label();
            mv.visitVarInsn(ALOAD, C);
            mv.visitMethodInsn(INVOKEVIRTUAL, CPU, "flatZeroData", "()Z", false);
            mv.visitJumpInsn(IFNE, flat);
            mv.visitInsn(ICONST_0);
            mv.visitInsn(IRETURN);
            mv.visitLabel(flat);
        }
        mv.visitVarInsn(ALOAD, C);
        mv.visitFieldInsn(GETFIELD, CPU, "fetchPage", "J");
        mv.visitVarInsn(LSTORE, CODE);
        mv.visitVarInsn(ALOAD, C);
        mv.visitFieldInsn(GETFIELD, CPU, "fetchEipBase", "I");
        mv.visitVarInsn(ISTORE, CBASE);
        // the code check: one compare in the code epoch the region last compared its bytes in
        Label entered = new Label();
        mv.visitVarInsn(ALOAD, THIS);
        mv.visitVarInsn(ALOAD, C);
        mv.visitVarInsn(LLOAD, CODE);
        mv.visitMethodInsn(INVOKEVIRTUAL, REGION, "enter", "(L" + CPU + ";J)Z", false);
        mv.visitJumpInsn(IFNE, entered);
        mv.visitInsn(ICONST_0);
        mv.visitInsn(IRETURN);
        mv.visitLabel(entered);
        for (int l : new int[] {FIX, FPC, NEXT, T0, T1, T2, T3, T4, ADDR, VAL, LIN, IDX}) {
            mv.visitInsn(ICONST_0);
            mv.visitVarInsn(ISTORE, l);
        }
        mv.visitVarInsn(ILOAD, BUDGET);
        mv.visitVarInsn(ISTORE, LEFT);
        mv.visitInsn(LCONST_0);
        mv.visitVarInsn(LSTORE, LT);
        hoistMemory();
        fillRegs();
        fillFlags();
        for (RegionPlan.Block b : plan.blocks.values()) labels.put(b.off, new Label());
        int bi = 0;
        for (RegionPlan.Block b : plan.blocks.values()) block(b, bi++);
        closeFaultRange();
        // normal exit: NEXT is the EIP, BUDGET - LEFT the instructions retired
        mv.visitLabel(exit);
        spillRegs(written);
        spillFlags();
        mv.visitVarInsn(ALOAD, C);
        mv.visitVarInsn(ILOAD, NEXT);
        mv.visitFieldInsn(PUTFIELD, CPU, "eip", "I");
        retired();
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
        retired();
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

    /** Pushes the instructions retired so far: BUDGET - LEFT. */
    private void retired() {
        mv.visitVarInsn(ILOAD, BUDGET);
        mv.visitVarInsn(ILOAD, LEFT);
        mv.visitInsn(ISUB);
    }

    /**
     * Block number {@code bi} (its code was compared on entry, see {@link Region#enter}). A block
     * that jumps to itself (a one-block guest loop) is emitted twice: the first copy runs the
     * first round and jumps into the second, the loop, which only its own back edge and the
     * first copy reach. Both leave the same statically known flag producer at their end, so in
     * the loop the flag words that producer sets to constants are constants and C2 carries no
     * values for them around it.
     */
    private void block(RegionPlan.Block b, int bi) {
        loopHead = plan.loopsToItself(b) ? new Label() : null;
        current = b.off;
        emitBlock(b, labels.get(b.off), checkPoints[bi]);
        if (loopHead != null) emitBlock(b, loopHead, true);
        loopHead = null;
    }

    /** One copy of block {@code b} at {@code start}; {@code check}: it tests the budget first. */
    private void emitBlock(RegionPlan.Block b, Label start, boolean check) {
        mv.visitLabel(start);
        stubs.clear();
        prod = start == loopHead ? loopProd : UNKNOWN;
        fixSet = -1;
        FlagLiveness.liveOut(cp, b, liveOut);
        if (b.n == 0) {
            toExit(b.off, 0);
            return;
        }
        if (check) {
            // budget: at the entry and at loop heads, enough for the longest run to the next
            // check or exit (which the region's size bounds), or leave before the block
            Label over = new Label();
            mv.visitVarInsn(ILOAD, LEFT);
            iconst(span);
            mv.visitJumpInsn(IF_ICMPLT, over);
            stubs.add(new Stub(over, 0, b.off));
        }
        for (int i = 0; i < b.n; i++) {
            int k = b.at[i], ri = b.ri[i], rb = CodePage.REC_WORDS * ri;
            int opw = cp.rec[rb + CodePage.R_OP];
            int len = CodePage.length(opw);
            live = liveOut[i];
            form = cp.rec[rb + CodePage.R_FORM];
            insnIndex = i;
            insnOffset = k;
            insnExit = null;
            storeCalled = false;
            boolean stored = insn(b, i, k, len, opw, cp.rec[rb + CodePage.R_ADDR], cp.rec[rb + CodePage.R_DISP], cp.rec[rb + CodePage.R_IMM]);
            if (stored && storeCalled) {
                // a store that reached a frame holding translated code (Paging.codeWritten: such
                // frames have no write tags, so only a store through the CPU sees it) may have
                // changed any of the region's code: compare it all now; if it changed (the
                // compare marks the region dead), or the store reached a device that asked for a
                // stop after it, leave after the store
                Label clean = new Label(), changed = new Label();
                mv.visitVarInsn(ALOAD, C);
                mv.visitFieldInsn(GETFIELD, CPU, "codeWritten", "Z");
                mv.visitJumpInsn(IFEQ, clean);
                mv.visitVarInsn(ALOAD, THIS);
                mv.visitVarInsn(ALOAD, C);
                mv.visitVarInsn(LLOAD, CODE);
                mv.visitMethodInsn(INVOKEVIRTUAL, REGION, "storeChecked", "(L" + CPU + ";J)Z", false);
                mv.visitJumpInsn(IFEQ, changed);
                stubs.add(new Stub(changed, i + 1, k + len));
                mv.visitLabel(clean);
            }
        }
        if (!b.control) jumpTo(b.end, b.n, false, b.n - 1, b.at[b.n - 1]);
        loopProd = prod; // what the flag words hold at the block's end, in either copy
        for (Stub s : stubs) {
            mv.visitLabel(s.label());
            if (s.slow()) { // counted: the dispatcher compiles the entry with calls when this is frequent
                mv.visitVarInsn(ALOAD, THIS);
                mv.visitInsn(DUP);
                mv.visitFieldInsn(GETFIELD, REGION, "slowExits", "I");
                mv.visitInsn(ICONST_1);
                mv.visitInsn(IADD);
                mv.visitFieldInsn(PUTFIELD, REGION, "slowExits", "I");
            }
            toExit(s.next(), s.retired());
        }
    }

    @Override
    Label exitBeforeInstruction() {
        if (insnExit == null) {
            insnExit = new Label();
            stubs.add(new Stub(insnExit, insnIndex, insnOffset, true));
        }
        return insnExit;
    }

    /** LEFT -= retired; EIP = frame offset {@code off}; leave. */
    private void toExit(int off, int retired) {
        if (retired != 0) mv.visitIincInsn(LEFT, -retired);
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
            if (retired != 0) mv.visitIincInsn(LEFT, -retired);
            mv.visitJumpInsn(GOTO, t == current && loopHead != null ? loopHead : labels.get(t));
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
                read(sz, seg, eaw, disp); // first: an access may leave the region, with nothing on the stack
                mv.visitVarInsn(ISTORE, VAL);
                regSz(a, sz);
                mv.visitVarInsn(ILOAD, VAL);
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
                addSp(4);
                mv.visitVarInsn(ILOAD, T0);
                setReg(a);
                return false;
            case K_SHIFT32_RI: case K_SHIFT_R: // 32-bit, or 8/16-bit by a constant
                if (!CodePage.variant(opw) && shift(sub & 7, a, imm & 0x1F, sz)) return false;
                break; // by CL, RCL/RCR, or a rotate whose flags cannot stay lazy: runRecord
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
            case K_GRP3_R: case K_GRP3_M:
                if (sub != 6 || sz != 2) break; // DIV r/m32 inline; the rest of group 3: runRecord
                divide(i, k, len, opw, eaw, disp, imm, kind == K_GRP3_R ? a : -1, seg);
                return false;
            case K_SETCC_R: case K_SETCC_M: { // the condition's 0 or 1, then a byte register or memory
                if (kind == K_SETCC_M) faultPoint(i, k);
                Label set = new Label(), done = new Label();
                condJump(sub, set);
                iconst(0);
                mv.visitJumpInsn(GOTO, done);
                mv.visitLabel(set);
                iconst(1);
                mv.visitLabel(done);
                if (kind == K_SETCC_R) {
                    setRegSz(a, 0);
                    return false;
                }
                write(0, seg, eaw, disp);
                return true;
            }
            case K_CMOV_R: case K_CMOV_M: { // a memory operand is read whatever the condition
                if (kind == K_CMOV_M) {
                    faultPoint(i, k);
                    read(2, seg, eaw, disp);
                } else {
                    mv.visitVarInsn(ILOAD, R0 + rb);
                }
                mv.visitVarInsn(ISTORE, VAL);
                Label move = new Label(), done = new Label();
                condJump(sub, move);
                mv.visitJumpInsn(GOTO, done);
                mv.visitLabel(move);
                mv.visitVarInsn(ILOAD, VAL);
                setReg(a);
                mv.visitLabel(done);
                return false;
            }
            case K_NOP:
                return false;
            case K_JCC: { // the condition code is the operation
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
                addSp(4);
                mv.visitIincInsn(LEFT, -b.n);
                mv.visitJumpInsn(GOTO, exit);
                return false;
            default:
                break;
        }
        generic(i, k, len, opw, eaw, disp, imm);
        return true;
    }

    /**
     * DIV of EDX:EAX by register {@code reg} (-1: the memory operand): {@link
     * Semantics#divide32}, or, when it would raise #DE ({@link Semantics#divideFaults32}), the
     * record through {@code runRecord}, which raises it as the interpreter does. DIV leaves the
     * flags as they were (the interpreter's choice for flags the SDM leaves undefined), so the
     * flag locals and what is known of their producer are the same after either path. (x86bench
     * mix: two DIVs in each round of its hash loop, each a write-back, a call and a reload before.)
     */
    private void divide(int i, int k, int len, int opw, int eaw, int disp, int imm, int reg, int seg) {
        // for zero-based flat data the #DE path leaves the region before the DIV (no call in the loop)
        Label fault = slowPathExits ? exitBeforeInstruction() : new Label(), done = new Label();
        faultPoint(i, k);
        if (reg >= 0) {
            mv.visitVarInsn(ILOAD, R0 + reg);
        } else {
            read(2, seg, eaw, disp);
        }
        mv.visitVarInsn(ISTORE, T0);
        mv.visitVarInsn(ILOAD, R0 + 2);
        mv.visitVarInsn(ILOAD, T0);
        mv.visitMethodInsn(INVOKESTATIC, SEMANTICS, "divideFaults32", "(II)Z", false);
        mv.visitJumpInsn(IFNE, fault);
        mv.visitVarInsn(ILOAD, R0 + 2);
        mv.visitVarInsn(ILOAD, R0);
        mv.visitVarInsn(ILOAD, T0);
        mv.visitMethodInsn(INVOKESTATIC, SEMANTICS, "divide32", "(III)J", false);
        mv.visitVarInsn(LSTORE, LT);
        mv.visitVarInsn(LLOAD, LT);
        mv.visitInsn(L2I);
        setReg(0);
        mv.visitVarInsn(LLOAD, LT);
        mv.visitIntInsn(BIPUSH, 32);
        mv.visitInsn(LUSHR);
        mv.visitInsn(L2I);
        setReg(2);
        if (slowPathExits) return;
        mv.visitJumpInsn(GOTO, done);
        mv.visitLabel(fault);
        int known = prod;
        generic(i, k, len, opw, eaw, disp, imm);
        prod = known; // the flag locals as before the DIV on both paths (a #DE leaves the region)
        mv.visitLabel(done);
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
        storeCalled = true;
        fillRegs();
        fillFlags();
        written = 0xFF;
        prod = UNKNOWN;
    }
}
