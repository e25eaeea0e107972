package org.oxen.x86.cpu.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A region of decoded records as read-only values, for a compiler outside this package (the
 * native code generator, {@code internal.x64}): the records of one 4 KiB code frame are made by
 * the {@link RecordDecoder}, the region is planned by {@link RegionPlan} (the same blocks, caps
 * and budget check points the JVM translator uses), and each instruction carries its record's
 * fields (named as {@link CodePage} names them), its form's flag columns ({@link FlagLiveness}
 * read/overwritten) and the flags live after it. The record kinds a compiler dispatches on are
 * re-exported here as constants equal to {@link RecordDecoder}'s (one definition).
 *
 * <p>Compile-time data: made once per region, immutable, safe to share.
 */
public final class RegionRecords {

    public static final int K_ALU32_RR = RecordDecoder.K_ALU32_RR, K_ALU32_RI = RecordDecoder.K_ALU32_RI,
            K_ADD32_RR = RecordDecoder.K_ADD32_RR, K_SUB32_RR = RecordDecoder.K_SUB32_RR,
            K_CMP32_RR = RecordDecoder.K_CMP32_RR, K_XOR32_RR = RecordDecoder.K_XOR32_RR,
            K_AND32_RR = RecordDecoder.K_AND32_RR, K_OR32_RR = RecordDecoder.K_OR32_RR,
            K_TEST32_RR = RecordDecoder.K_TEST32_RR, K_ADD32_RI = RecordDecoder.K_ADD32_RI,
            K_SUB32_RI = RecordDecoder.K_SUB32_RI, K_CMP32_RI = RecordDecoder.K_CMP32_RI,
            K_XOR32_RI = RecordDecoder.K_XOR32_RI, K_AND32_RI = RecordDecoder.K_AND32_RI,
            K_OR32_RI = RecordDecoder.K_OR32_RI, K_TEST32_RI = RecordDecoder.K_TEST32_RI,
            K_ALU32_RM = RecordDecoder.K_ALU32_RM, K_ALU32_MR = RecordDecoder.K_ALU32_MR,
            K_ALU32_MI = RecordDecoder.K_ALU32_MI, K_MOV32_RR = RecordDecoder.K_MOV32_RR,
            K_MOV32_RI = RecordDecoder.K_MOV32_RI, K_MOV32_RM = RecordDecoder.K_MOV32_RM,
            K_MOV32_MR = RecordDecoder.K_MOV32_MR, K_MOV32_MI = RecordDecoder.K_MOV32_MI,
            K_MOV8_MR = RecordDecoder.K_MOV8_MR, K_MOV8_MI = RecordDecoder.K_MOV8_MI, K_LEA = RecordDecoder.K_LEA,
            K_INC_R = RecordDecoder.K_INC_R, K_DEC_R = RecordDecoder.K_DEC_R, K_PUSH_R = RecordDecoder.K_PUSH_R,
            K_POP_R = RecordDecoder.K_POP_R, K_PUSH_I = RecordDecoder.K_PUSH_I, K_JCC = RecordDecoder.K_JCC,
            K_JMP = RecordDecoder.K_JMP, K_CALL = RecordDecoder.K_CALL, K_RET = RecordDecoder.K_RET,
            K_SHIFT32_RI = RecordDecoder.K_SHIFT32_RI, K_SHIFT_R = RecordDecoder.K_SHIFT_R,
            K_IMUL_RR = RecordDecoder.K_IMUL_RR, K_IMUL_RM = RecordDecoder.K_IMUL_RM,
            K_GRP3_R = RecordDecoder.K_GRP3_R, K_SETCC_R = RecordDecoder.K_SETCC_R,
            K_CMOV_R = RecordDecoder.K_CMOV_R, K_MOVX_R = RecordDecoder.K_MOVX_R, K_MOVX_M = RecordDecoder.K_MOVX_M,
            K_NOP = RecordDecoder.K_NOP, K_ALU_RR = RecordDecoder.K_ALU_RR, K_ALU_RI = RecordDecoder.K_ALU_RI,
            K_ALU_RM = RecordDecoder.K_ALU_RM, K_ALU_MR = RecordDecoder.K_ALU_MR, K_ALU_MI = RecordDecoder.K_ALU_MI,
            K_MOV_RR = RecordDecoder.K_MOV_RR, K_MOV_RM = RecordDecoder.K_MOV_RM, K_MOV_MR = RecordDecoder.K_MOV_MR,
            K_MOV_RI = RecordDecoder.K_MOV_RI, K_MOV_MI = RecordDecoder.K_MOV_MI, K_INCDEC_R = RecordDecoder.K_INCDEC_R,
            K_INCDEC_M = RecordDecoder.K_INCDEC_M, K_SHIFT_M = RecordDecoder.K_SHIFT_M, K_GRP3_M = RecordDecoder.K_GRP3_M,
            K_SETCC_M = RecordDecoder.K_SETCC_M, K_CMOV_M = RecordDecoder.K_CMOV_M;

    /** The arithmetic flags (CF PF AF ZF SF OF) as EFLAGS bits. */
    public static final int ARITH_FLAGS = CpuState.ARITH;

    /** One decoded instruction of a block. */
    public static final class Insn {
        /** Frame offset and length in bytes. */
        public final int offset, length;
        /** Record kind and the operation word's fields ({@link CodePage}). */
        public final int kind, regA, regB, operation, size, sourceSize;
        public final boolean variant;
        /** The memory operand: which terms it has, its registers, log2 scale, segment, displacement. */
        public final boolean hasBase, hasIndex;
        public final int base, index, scale, segment, disp;
        /** The immediate (a branch's displacement from the next instruction). */
        public final int imm;
        /** The form's mnemonic, the arithmetic flags it reads and overwrites, the flags live after it. */
        public final String name;
        public final int flagsRead, flagsOverwritten, liveOut;

        Insn(CodePage cp, int ri, int offset, int liveOut) {
            int b = CodePage.REC_WORDS * ri;
            int opw = cp.rec[b + CodePage.R_OP], eaw = cp.rec[b + CodePage.R_ADDR], form = cp.rec[b + CodePage.R_FORM];
            this.offset = offset;
            length = CodePage.length(opw);
            kind = CodePage.kind(opw);
            regA = CodePage.regA(opw);
            regB = CodePage.regB(opw);
            operation = CodePage.operation(opw);
            size = CodePage.size(opw);
            sourceSize = CodePage.sourceSize(opw);
            variant = CodePage.variant(opw);
            int af = CodePage.addressForm(eaw);
            hasBase = Forms.hasBase(af);
            hasIndex = Forms.hasIndex(af);
            base = CodePage.base(eaw);
            index = CodePage.index(eaw);
            scale = CodePage.scale(eaw);
            segment = CodePage.segment(eaw);
            disp = cp.rec[b + CodePage.R_DISP];
            imm = cp.rec[b + CodePage.R_IMM];
            name = Forms.NAME[form];
            flagsRead = FlagLiveness.read(form);
            flagsOverwritten = FlagLiveness.overwritten(form, imm);
            this.liveOut = liveOut;
        }

        /** The frame offset of the next instruction. */
        public int end() {
            return offset + length;
        }

        @Override
        public String toString() {
            return Integer.toHexString(offset) + ": " + name;
        }
    }

    /** A straight-line run of instructions; {@code control}: its last one transfers control. */
    public static final class Block {
        public final int offset, end;
        public final boolean control;
        /** The block checks the budget at its start (every cycle of blocks passes one such check). */
        public final boolean checkPoint;
        public final List<Insn> insns;

        Block(int offset, int end, boolean control, boolean checkPoint, List<Insn> insns) {
            this.offset = offset;
            this.end = end;
            this.control = control;
            this.checkPoint = checkPoint;
            this.insns = insns;
        }
    }

    /** Blocks in emission order, the entry first. */
    public final List<Block> blocks;
    /** The most instructions a run from one check point to the next can retire. */
    public final int longestRun;

    private RegionRecords(List<Block> blocks, int longestRun) {
        this.blocks = blocks;
        this.longestRun = longestRun;
    }

    /**
     * The region entered at offset {@code entry} of a code frame whose 4096 bytes are
     * {@code frame}, of at most {@code maxInsns} instructions; null if no record can be made
     * there. Records are decoded along every path from the entry (fall-through, branch and call
     * targets inside the frame) as the decoded-instruction cache would have made them.
     */
    public static RegionRecords plan(byte[] frame, int entry, int maxInsns) {
        if (frame.length != 4096) throw new IllegalArgumentException("a code frame is 4096 bytes, not " + frame.length);
        if (entry < 0 || entry >= 4096) throw new IllegalArgumentException("entry offset " + entry + " is outside the frame");
        byte[] arr = java.util.Arrays.copyOf(frame, 4096 + 16); // the decoder reads up to 15 bytes ahead
        CodePage cp = new CodePage(0);
        RecordDecoder decoder = new RecordDecoder();
        ArrayDeque<Integer> work = new ArrayDeque<>();
        work.add(entry);
        int decoded = 0;
        while (!work.isEmpty() && decoded < 4 * maxInsns) {
            int k = work.poll();
            if (k < 0 || k >= 4096 || cp.at[k] != 0) continue;
            int ri = decoder.decode(cp, k, arr, k, 0);
            decoded++;
            if (ri < 2) continue;
            int b = CodePage.REC_WORDS * ri, opw = cp.rec[b + CodePage.R_OP];
            int next = k + CodePage.length(opw), kind = CodePage.kind(opw);
            if ((Forms.ATTR[cp.rec[b + CodePage.R_FORM]] & Forms.BRANCH) != 0) {
                if (kind != RecordDecoder.K_RET) work.add(next + cp.rec[b + CodePage.R_IMM]);
                if (kind == RecordDecoder.K_JCC) work.add(next);
            } else {
                work.add(next);
            }
        }
        RegionPlan p = RegionPlan.of(cp, arr, 0, entry, maxInsns, 0);
        if (p == null) return null;
        boolean[] checks = p.checkPoints();
        List<Block> out = new ArrayList<>();
        int bi = 0;
        int[] live = new int[RegionPlan.MAX_BLOCK];
        for (RegionPlan.Block b : p.blocks.values()) {
            FlagLiveness.liveOut(cp, b, live, RegionRecords::nativeRegisterOnly);
            List<Insn> insns = new ArrayList<>();
            for (int i = 0; i < b.n; i++) insns.add(new Insn(cp, b.ri[i], b.at[i], live[i]));
            out.add(new Block(b.off, b.end, b.control, checks[bi] || p.loopsToItself(b), Collections.unmodifiableList(insns)));
            bi++;
        }
        return new RegionRecords(Collections.unmodifiableList(out), p.total());
    }

    /**
     * Whether the native compiler's code for the record with operation word {@code opw} neither
     * leaves the region (no memory operand, no fault: DIV and IDIV leave before a #DE) nor hands
     * the flags to anyone, so that {@link FlagLiveness} need not count it as reading every flag:
     * the register forms of the native subset, rotates and shifts by CL included (inline there,
     * where the JVM translator runs some through the interpreter's record executor and keeps its
     * own {@link InstructionEmitter#registerOnly}).
     */
    static boolean nativeRegisterOnly(int opw) {
        int kind = CodePage.kind(opw);
        switch (kind) {
            case RecordDecoder.K_SHIFT32_RI: case RecordDecoder.K_SHIFT_R: case RecordDecoder.K_INCDEC_R:
                return true;
            case RecordDecoder.K_GRP3_R: { // NOT NEG MUL IMUL (of a byte or a dword): DIV and IDIV may leave
                int op = CodePage.operation(opw) & 7, size = CodePage.size(opw);
                return (size == 2 || size == 0) && op >= 2 && op <= 5;
            }
            case RecordDecoder.K_ALU_RR: case RecordDecoder.K_ALU_RI: // byte or dword: the native subset's sizes
                return CodePage.size(opw) != 1;
            default:
                return InstructionEmitter.registerOnly(opw);
        }
    }
}
