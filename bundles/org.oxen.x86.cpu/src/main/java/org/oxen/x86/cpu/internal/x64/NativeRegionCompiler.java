package org.oxen.x86.cpu.internal.x64;

import static org.oxen.x86.cpu.internal.x64.X64Assembler.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.oxen.x86.cpu.internal.RegionRecords;
import org.oxen.x86.cpu.internal.RegionRecords.Block;
import org.oxen.x86.cpu.internal.RegionRecords.Insn;

/**
 * Compiles a region of decoded records ({@link RegionRecords}: the JVM translator's plan) to
 * x86-64 code: a function {@code int64_t f(NativeContext *ctx)} returning its exit reason.
 *
 * <p><b>Registers.</b> Inside the region the guest's EAX..EDI live in host registers
 * ({@link #HOST}: EDX, EBX, EBP, ESI, EDI in their own, EAX in R14, ECX in R8, ESP in R9), loaded
 * from the context at entry and stored at the one common exit. RAX holds saved flags, R12 the
 * context, R15 the retired-instruction count (counted by LEA: no flags), RCX the budget (the
 * retired count above which a check point leaves); R10, R11 and R13 are scratch. MUL and DIV,
 * whose EAX operand is implicit, swap R14 and RAX around the one instruction (XCHG: no flags).
 *
 * <p><b>Flags.</b> The guest's arithmetic flags stay in host RFLAGS where the same host
 * instruction sets them as the guest's does (ADD/SUB/ADC/SBB/AND/OR/XOR/CMP/TEST/INC/DEC/NEG/
 * shifts/rotates/MUL/IMUL: x86 on x86-64); the flags the SDM leaves undefined after a multiply,
 * shift, rotate or logic operation are set as the interpreter's where live ({@link NativeUndefinedFlags}). Code that clobbers RFLAGS for its own use (the TLB
 * probe, DIV's checks) first saves them into AX ({@code seto al; lahf}: two cheap instructions,
 * where PUSHF cost most of mix's sieve loop); an instruction that reads flags, or keeps some that
 * are live after it ({@code RegionRecords.Insn#liveOut}, from {@code FlagLiveness}), restores
 * them first ({@code add al, 0x7f} sets OF from AL, {@code sahf} the rest from AH). Every block
 * starts with the flags in RFLAGS; every exit stub leaves them in AX, merged into the context's
 * EFLAGS.
 *
 * <p><b>Memory.</b> Loads and stores go through the soft TLB ({@link NativeContext}): the
 * address in R10, the entry's offset from its bits 12-19, the page of the access's last byte
 * compared with the entry's tag (so a page-crossing access misses), then the host address is
 * R13 (addend) + R10. A miss exits before the instruction did anything ({@code EXIT_TLB_MISS},
 * EIP exact), naming the probe's resume point: when the owner has filled the entry it calls the
 * code again with {@link NativeContext#RESUME} set, and the prologue, instead of starting at the
 * entry, goes to that probe with the address reloaded and the exit's uncounted instructions
 * counted again (every probe comes right after its instruction's address, before anything of
 * the instruction runs, with the flags saved in AX). Segments are taken as flat (base 0, 4 GiB limit): the owner enters native code
 * only when CS, DS, ES and SS are; an FS- or GS-prefixed access adds that segment's base from
 * the context ({@link NativeContext#FS_BASE}), so FS and GS must be flat with any base.
 *
 * <p><b>Sizes.</b> The 32-bit forms are emitted here; byte and word MOVs and shifts, the
 * read-modify-write memory forms, IDIV and every byte form naming AH..BH by
 * {@link NativeSizedForms}, which uses this class's flag and soft-TLB protocol.
 *
 * <p><b>Control.</b> Branches to blocks of the region are host jumps; any other target, a RET,
 * and the first record outside the subset leave with {@code EXIT_END} and the next EIP. Check
 * points (the entry and the loop heads {@code RegionPlan} names) save the flags, compare the
 * retired count with the budget and leave with {@code EXIT_BUDGET} when it is above: the JVM
 * translator's test ({@code RegionCompiler}: the instructions left at least the most the
 * region can retire before its next check), so both tiers end their runs at the same
 * instruction.
 *
 * <p>One compiler per compilation; not thread-safe. The generated code allocates nothing, calls
 * nothing and is position-independent (every branch is relative and inside it).
 */
public final class NativeRegionCompiler {

    /** The host register of each guest register EAX..EDI. */
    public static final int[] HOST = {R14, R8, RDX, RBX, R9, RBP, RSI, RDI};

    static final int CTX = R12, ADDR = R10, T1 = R11, T2 = R13, SAVED_FLAGS = RAX, RETIRED = R15, BUDGET = RCX;
    private static final int ARITH = RegionRecords.ARITH_FLAGS;
    /**
     * FS and GS ({@code CpuState}'s 4 and 5; ES, CS, SS and DS are 0-3, flat with base 0): flat
     * limits, their bases in the context ({@link NativeContext#FS_BASE}).
     */
    private static final int FS = 4, GS = 5;
    /**
     * CS ({@code CpuState}'s 1): a CS-prefixed access stays outside the subset (a store through
     * the code segment is #GP in protected mode, which native code does not check).
     */
    private static final int CS = 1;
    private static final int DYNAMIC_EIP = -1;
    /**
     * Check points (loop heads) start on a 64-byte line: x86bench's loop ran at half speed when
     * its 40 bytes straddled two lines (5,500 against 10,000 MIPS, measured on the 2-core EPYC).
     */
    private static final int LOOP_ALIGNMENT = 64;
    /** OF's bit in EFLAGS; AF (bit 4: bit 12 of AX in the saved form). */
    private static final int OF_BIT = 11, AF = 0x10;

    /** An out-of-line exit: where its code is, what it stores. */
    private record Stub(Label label, boolean flagsInHost, int eip, int uncount, int reason, int missAccess, int resume) {
    }

    /**
     * A resume point ({@link NativeContext#RESUME}): the soft-TLB probe of one access, after the
     * flags were saved ({@code again}), and the instructions its miss exit uncounted.
     */
    private record ResumePoint(Label again, int uncount) {
    }

    final X64Assembler a = new X64Assembler();
    private final NativeSizedForms sized = new NativeSizedForms(this);
    final NativeUndefinedFlags undefinedFlags = new NativeUndefinedFlags(this);
    private final RegionRecords region;
    private final int frameLinear;
    private final Map<Integer, Label> blocks = new HashMap<>();
    private final List<Stub> stubs = new ArrayList<>();
    /** Resume point {@code k + 1} is {@code resumePoints.get(k)}. */
    private final List<ResumePoint> resumePoints = new ArrayList<>();
    private final Label resumeDispatch = a.newLabel();
    /** The resume point of each check point in {@link #entryPoints}, by frame offset. */
    private final Map<Integer, Label> checkPointEntries = new HashMap<>();
    private final Label exit = a.newLabel();
    /** Whether the guest's flags are in host RFLAGS now (else in R14). */
    private boolean flagsInHost;
    /** Instructions counted at the block's start that have not retired yet (subtracted at an exit). */
    private int uncounted;
    /**
     * The flags are in RFLAGS but AF is the host's after AND/OR/XOR/TEST (undefined) where the
     * interpreter's is 0: the next {@link #saveFlags} clears it in the saved form. Only set when
     * a save comes before anything else could see AF ({@link #afClearedAtNextSave}).
     */
    private boolean afDirty;
    /** The block being emitted (its records in the subset) and the index of the record being emitted. */
    private List<Insn> blockInsns;
    private int insnIndex;

    private NativeRegionCompiler(RegionRecords region, int frameLinear) {
        this.region = region;
        this.frameLinear = frameLinear;
    }

    /**
     * The code of {@code region}, whose frame starts at linear address {@code frameLinear}; null
     * if its entry's first instruction is outside the subset (nothing to run natively there).
     */
    public static byte[] compile(RegionRecords region, int frameLinear) {
        if ((frameLinear & 0xFFF) != 0) throw new IllegalArgumentException("a frame starts on a page: " + Integer.toHexString(frameLinear));
        Block entry = region.blocks.get(0);
        if (entry.insns.isEmpty() || !supported(entry.insns.get(0))) return null;
        return new NativeRegionCompiler(region, frameLinear).emit();
    }

    /**
     * The subset: the record kinds of 32-bit, 16-bit and byte operands (AH..BH through
     * {@link NativeSizedForms}), on flat segments (FS and GS with a base).
     */
    public static boolean supported(Insn i) {
        return kindSupported(i) && (!addressesMemory(i) || i.segment <= GS && i.segment != CS);
    }

    /**
     * The segment with a base of its own (FS 4 or GS 5) that {@code i}'s memory operand goes
     * through, or -1: a region holding such an access runs natively only while that segment is a
     * flat writable data segment, its base written to the context.
     */
    public static int segmentWithBase(Insn i) {
        return addressesMemory(i) && (i.segment == FS || i.segment == GS) ? i.segment : -1;
    }

    /**
     * Why {@code i} is outside the subset, as its shape (mnemonic, register or memory operand and
     * its width, AH..BH, an FS/GS segment), or null when it is inside: what the census
     * ({@code internal.NativeSubsetCensus}) counts.
     */
    public static String refusal(Insn i) {
        if (supported(i)) return null;
        boolean memory = addressesMemory(i);
        int size = i.kind == RegionRecords.K_MOVX_R || i.kind == RegionRecords.K_MOVX_M ? i.sourceSize : i.size;
        StringBuilder s = new StringBuilder(i.name.toLowerCase()).append(memory ? " m" : " r").append(8 << size);
        if (highByte(i)) s.append(" AH-BH");
        if (memory && (i.segment > GS || i.segment == CS)) s.append(" segment " + i.segment);
        return s.toString();
    }

    /** Whether a byte register operand of {@code i} is AH, CH, DH or BH (register number 4-7 at byte size). */
    static boolean highByte(Insn i) {
        switch (i.kind) {
            case RegionRecords.K_MOVX_R: return i.sourceSize == 0 && i.regB >= 4;
            case RegionRecords.K_SETCC_R: return i.regA >= 4;
            case RegionRecords.K_MOV8_MR: return i.regB >= 4;
            case RegionRecords.K_ALU_RR: case RegionRecords.K_MOV_RR: return i.size == 0 && (i.regA >= 4 || i.regB >= 4);
            case RegionRecords.K_ALU_MR: case RegionRecords.K_MOV_MR: return i.size == 0 && i.regB >= 4;
            case RegionRecords.K_ALU_RI: case RegionRecords.K_ALU_RM: case RegionRecords.K_MOV_RM: case RegionRecords.K_MOV_RI:
            case RegionRecords.K_INCDEC_R: case RegionRecords.K_SHIFT_R: case RegionRecords.K_GRP3_R:
                return i.size == 0 && i.regA >= 4;
            default: return false;
        }
    }

    /** The record kinds with a memory operand (not the stack's). */
    static boolean addressesMemory(Insn i) {
        switch (i.kind) {
            case RegionRecords.K_ALU32_RM: case RegionRecords.K_ALU32_MR: case RegionRecords.K_ALU32_MI:
            case RegionRecords.K_MOV32_RM: case RegionRecords.K_MOV32_MR: case RegionRecords.K_MOV32_MI:
            case RegionRecords.K_MOV8_MR: case RegionRecords.K_MOV8_MI: case RegionRecords.K_MOVX_M:
            case RegionRecords.K_IMUL_RM: case RegionRecords.K_ALU_RM: case RegionRecords.K_ALU_MR:
            case RegionRecords.K_ALU_MI: case RegionRecords.K_MOV_RM: case RegionRecords.K_MOV_MR:
            case RegionRecords.K_MOV_MI: case RegionRecords.K_INCDEC_M: case RegionRecords.K_SHIFT_M:
            case RegionRecords.K_GRP3_M: case RegionRecords.K_SETCC_M: case RegionRecords.K_CMOV_M:
                return true;
            default:
                return false;
        }
    }

    private static boolean kindSupported(Insn i) {
        switch (i.kind) {
            case RegionRecords.K_ALU32_RR: case RegionRecords.K_ADD32_RR: case RegionRecords.K_SUB32_RR:
            case RegionRecords.K_CMP32_RR: case RegionRecords.K_XOR32_RR: case RegionRecords.K_AND32_RR:
            case RegionRecords.K_OR32_RR: case RegionRecords.K_TEST32_RR: case RegionRecords.K_ALU32_RI:
            case RegionRecords.K_ADD32_RI: case RegionRecords.K_SUB32_RI: case RegionRecords.K_CMP32_RI:
            case RegionRecords.K_XOR32_RI: case RegionRecords.K_AND32_RI: case RegionRecords.K_OR32_RI:
            case RegionRecords.K_TEST32_RI: case RegionRecords.K_ALU32_RM: case RegionRecords.K_ALU32_MR:
            case RegionRecords.K_ALU32_MI: case RegionRecords.K_MOV32_RR: case RegionRecords.K_MOV32_RI:
            case RegionRecords.K_MOV32_RM: case RegionRecords.K_MOV32_MR: case RegionRecords.K_MOV32_MI:
            case RegionRecords.K_MOV8_MI: case RegionRecords.K_LEA: case RegionRecords.K_INC_R:
            case RegionRecords.K_DEC_R: case RegionRecords.K_PUSH_R: case RegionRecords.K_POP_R:
            case RegionRecords.K_PUSH_I: case RegionRecords.K_JCC: case RegionRecords.K_JMP:
            case RegionRecords.K_CALL: case RegionRecords.K_RET: case RegionRecords.K_SHIFT32_RI:
            case RegionRecords.K_IMUL_RR: case RegionRecords.K_CMOV_R: case RegionRecords.K_NOP:
            case RegionRecords.K_IMUL_RM:
                return true;
            case RegionRecords.K_ALU_RR: case RegionRecords.K_ALU_RM: case RegionRecords.K_ALU_MR: // byte or dword
            case RegionRecords.K_ALU_RI: case RegionRecords.K_ALU_MI: // byte (AH..BH: NativeSizedForms) or dword
                return i.size == 2 || i.size == 0;
            case RegionRecords.K_MOV8_MR: case RegionRecords.K_SETCC_R: case RegionRecords.K_MOVX_R: case RegionRecords.K_MOVX_M:
                return true;
            default:
                return NativeSizedForms.supported(i);
        }
    }

    /**
     * The frame offsets of {@code region}'s check points that its code holds (the entry and the
     * loop heads whose first instruction is in the subset), in plan order: resume point {@code
     * k + 1} ({@link NativeContext#RESUME}) enters the code at the {@code k}-th, where the budget
     * is checked, as at the entry. The owner enters a region there after it left at that loop
     * head (a budget exit) instead of running the loop in the decoded loop until the next entry.
     */
    public static int[] entryPoints(RegionRecords region) {
        int[] at = new int[region.blocks.size()];
        int n = 0;
        for (Block b : region.blocks) {
            if (b.checkPoint && !b.insns.isEmpty() && supported(b.insns.get(0))) at[n++] = b.offset;
        }
        return java.util.Arrays.copyOf(at, n);
    }

    private byte[] emit() {
        for (Block b : region.blocks) {
            if (!b.insns.isEmpty() && supported(b.insns.get(0))) blocks.put(b.offset, a.newLabel());
        }
        for (int offset : entryPoints(region)) { // resume points 1..n, bound at their check points
            Label l = a.newLabel();
            resumePoints.add(new ResumePoint(l, 0));
            checkPointEntries.put(offset, l);
        }
        prologue();
        List<Block> emitted = new ArrayList<>(); // blocks without a native first instruction: jumps to them leave
        for (Block b : region.blocks) if (blocks.containsKey(b.offset)) emitted.add(b);
        for (int bi = 0; bi < emitted.size(); bi++) {
            Block b = emitted.get(bi);
            block(b, blocks.get(b.offset), bi + 1 < emitted.size() ? emitted.get(bi + 1).offset : -1);
        }
        for (Stub s : stubs) stub(s);
        resumeDispatch();
        epilogue();
        return a.finish();
    }

    private void prologue() {
        for (int r : new int[] {RBX, RBP, R12, R13, R14, R15}) a.push(r);
        a.mov(64, CTX, RDI);
        a.load(64, BUDGET, mem(CTX, NativeContext.BUDGET));
        a.load(64, RETIRED, mem(CTX, NativeContext.RETIRED));
        // the saved form of the guest's flags: AH = EFLAGS bits 7..0 (SF ZF AF PF CF), AL = OF
        a.movzx(32, RAX, 8, mem(CTX, NativeContext.EFLAGS));
        a.shift(SHL, 32, RAX, 8);
        a.load(32, ADDR, mem(CTX, NativeContext.EFLAGS));
        a.shift(SHR, 32, ADDR, OF_BIT);
        a.aluImm(AND, 32, ADDR, 1);
        a.alu(OR, 32, RAX, ADDR);
        for (int g = 0; g < 8; g++) a.load(32, HOST[g], mem(CTX, NativeContext.REGISTERS + 4 * g));
        // a resume at an access whose miss the owner filled (the flags still in AX's saved form)
        a.load(32, T1, mem(CTX, NativeContext.RESUME));
        a.test(32, T1, T1);
        a.jcc(CC_NE, resumeDispatch);
        flagsInHost = false;
        restoreFlags();
    }

    /**
     * Out of line, for a call with {@link NativeContext#RESUME} set (in R11): cleared, the missed
     * address back in R10 and the instructions its exit uncounted counted again, then on to the
     * resume point's probe, found by a binary search of the points' numbers.
     */
    private void resumeDispatch() {
        a.bind(resumeDispatch);
        a.storeImm(32, mem(CTX, NativeContext.RESUME), 0);
        a.load(32, ADDR, mem(CTX, NativeContext.MISS_ADDRESS));
        if (resumePoints.isEmpty()) { // never set for such a region: leave as the entry would not
            a.jmp(exit);
            return;
        }
        resumeTo(1, resumePoints.size());
    }

    private void resumeTo(int lo, int hi) {
        if (lo == hi) {
            ResumePoint p = resumePoints.get(lo - 1);
            if (p.uncount != 0) a.lea(64, RETIRED, mem(RETIRED, p.uncount));
            a.jmp(p.again);
            return;
        }
        int mid = (lo + hi) >>> 1;
        Label upper = a.newLabel();
        a.aluImm(CMP, 32, T1, mid);
        a.jcc(CC_G, upper);
        resumeTo(lo, mid);
        a.bind(upper);
        resumeTo(mid + 1, hi);
    }

    private void epilogue() {
        a.bind(exit);
        for (int g = 0; g < 8; g++) a.store(32, mem(CTX, NativeContext.REGISTERS + 4 * g), HOST[g]);
        a.load(32, ADDR, mem(CTX, NativeContext.EFLAGS));
        a.aluImm(AND, 32, ADDR, ~ARITH);
        a.mov(32, T1, RAX);
        a.shift(SHR, 32, T1, 8);
        a.aluImm(AND, 32, T1, ARITH & 0xFF); // SF ZF AF PF CF from AH
        a.alu(OR, 32, ADDR, T1);
        a.aluImm(AND, 32, RAX, 1);
        a.shift(SHL, 32, RAX, OF_BIT);
        a.alu(OR, 32, ADDR, RAX);
        a.store(32, mem(CTX, NativeContext.EFLAGS), ADDR);
        a.store(64, mem(CTX, NativeContext.RETIRED), RETIRED);
        a.store(64, mem(CTX, NativeContext.BUDGET), BUDGET);
        a.load(32, RAX, mem(CTX, NativeContext.REASON));
        for (int r : new int[] {R15, R14, R13, R12, RBP, RBX}) a.pop(r);
        a.ret();
    }

    private void stub(Stub s) {
        a.bind(s.label);
        if (s.flagsInHost) {
            a.setcc(CC_O, RAX);
            a.lahf();
        }
        if (s.uncount != 0) a.lea(64, RETIRED, mem(RETIRED, -s.uncount));
        if (s.eip == DYNAMIC_EIP) {
            a.store(32, mem(CTX, NativeContext.EIP), T1);
        } else {
            a.storeImm(32, mem(CTX, NativeContext.EIP), s.eip);
        }
        a.storeImm(32, mem(CTX, NativeContext.REASON), s.reason);
        if (s.missAccess != 0) {
            a.store(32, mem(CTX, NativeContext.MISS_ADDRESS), ADDR);
            a.storeImm(32, mem(CTX, NativeContext.MISS_ACCESS), s.missAccess);
            a.storeImm(32, mem(CTX, NativeContext.MISS_RESUME), s.resume);
        }
        a.jmp(exit);
    }

    /** An exit from here (flags wherever they are now), leaving at guest frame offset {@code offset}. */
    Label exitTo(int reason, int offset, int missAccess) {
        return exitTo(reason, offset, missAccess, 0);
    }

    private Label exitTo(int reason, int offset, int missAccess, int resume) {
        Label l = a.newLabel();
        stubs.add(new Stub(l, flagsInHost, offset == DYNAMIC_EIP ? DYNAMIC_EIP : frameLinear + offset, uncounted, reason,
                missAccess, resume));
        return l;
    }

    void saveFlags() {
        if (flagsInHost) {
            a.setcc(CC_O, RAX);
            a.lahf();
            if (afDirty) a.aluImm(AND, 32, RAX, ~(AF << 8)); // AF 0, the interpreter's after a logic operation
            flagsInHost = false;
        }
        afDirty = false;
    }

    /**
     * Whether the AF that the logic operation at {@link #insnIndex} leaves undefined can be
     * cleared by the next flag save instead of at once ({@code add r, 0} on the result, which
     * lengthens the result's dependency chain): the records after it in the block touch no flag
     * until a memory access (whose TLB probe saves the flags first, the only point where AF is
     * seen: its miss exit) or until one overwrites AF reading no flag. A block's end, a flag
     * reader, a rotate or anything else first: cleared at once.
     */
    boolean afClearedAtNextSave() {
        for (int j = insnIndex + 1; j < blockInsns.size(); j++) {
            Insn n = blockInsns.get(j);
            if (!supported(n)) return false;
            switch (n.kind) {
                case RegionRecords.K_PUSH_R: case RegionRecords.K_PUSH_I: case RegionRecords.K_POP_R:
                case RegionRecords.K_CALL: case RegionRecords.K_RET:
                    return true; // the stack access's probe comes first
                case RegionRecords.K_JCC: case RegionRecords.K_JMP:
                    return false;
                default:
                    break;
            }
            if (addressesMemory(n)) return true; // address (LEA: no flags), then the probe
            if (n.flagsRead != 0) return false;
            if ((n.flagsOverwritten & AF) != 0) return true;
            if (n.flagsOverwritten != 0) return false; // a rotate: keeps AF, its correction saves the flags itself
            switch (n.kind) { // no flag read or written: those that emit no flag code either
                case RegionRecords.K_MOV32_RR: case RegionRecords.K_MOV32_RI: case RegionRecords.K_MOV_RR:
                case RegionRecords.K_MOV_RI: case RegionRecords.K_LEA: case RegionRecords.K_MOVX_R: case RegionRecords.K_NOP:
                    continue;
                default:
                    return false;
            }
        }
        return false;
    }

    /** AF in RFLAGS is the host's after a logic operation: the next {@link #saveFlags} clears it. */
    void afDirtyUntilSave() {
        afDirty = true;
    }

    /** The flags were left in their saved form (AX) by code emitted outside this class. */
    void flagsSaved() {
        flagsInHost = false;
    }

    void restoreFlags() {
        if (!flagsInHost) {
            a.aluImm(ADD, 8, RAX, 0x7F); // AL 1 (OF was set) + 0x7F overflows: OF; AL 0 does not
            a.sahf();
            flagsInHost = true;
        }
    }

    /** Continues at frame offset {@code target}: a block of the region, or an exit. */
    private void goTo(int target, int fallThrough) {
        restoreFlags();
        Label l = blocks.get(target);
        if (l == null) {
            a.jmp(exitTo(NativeContext.EXIT_END, target, 0));
        } else if (target != fallThrough) {
            a.jmp(l);
        }
    }

    private void block(Block b, Label l, int next) {
        if (b.checkPoint) a.align(LOOP_ALIGNMENT);
        a.bind(l);
        flagsInHost = true;
        uncounted = 0;
        if (b.checkPoint) { // the flags saved (restored by the first instruction that needs them)
            saveFlags();
            Label entry = checkPointEntries.get(b.offset);
            if (entry != null) a.bind(entry); // a resume point: the flags in AX, nothing uncounted
            a.alu(CMP, 64, RETIRED, BUDGET);
            a.jcc(CC_G, exitTo(NativeContext.EXIT_BUDGET, b.offset, 0));
        }
        int n = 0;
        while (n < b.insns.size() && supported(b.insns.get(n))) n++;
        a.lea(64, RETIRED, mem(RETIRED, n));
        uncounted = n;
        blockInsns = b.insns.subList(0, n);
        afDirty = false;
        for (int i = 0; i < n; i++) {
            Insn insn = b.insns.get(i);
            insnIndex = i;
            if (instruction(insn, next)) return; // a control transfer ended the block
            uncounted--;
        }
        goTo(n < b.insns.size() ? b.insns.get(n).offset : b.end, next);
    }

    // ---- memory ----

    /** The guest address of {@code i}'s memory operand into R10 (32-bit, wrapping as the guest's). */
    void address(Insn i) {
        address(i, ADDR);
        if (i.segment == FS || i.segment == GS) { // a flat segment with a base: LEA keeps the flags and wraps at 32 bits
            a.load(32, T1, mem(CTX, i.segment == FS ? NativeContext.FS_BASE : NativeContext.GS_BASE));
            a.lea(32, ADDR, mem(ADDR, T1, 0, 0));
        }
    }

    private void address(Insn i, int dst) {
        if (i.hasBase || i.hasIndex) {
            a.lea(32, dst, mem(i.hasBase ? HOST[i.base] : -1, i.hasIndex ? HOST[i.index] : -1, i.scale, i.disp));
        } else {
            a.movImm(32, dst, i.disp);
        }
    }

    /**
     * The soft-TLB probe of the access at R10 of {@code size} bytes: on a hit the host address is
     * {@code [R13 + R10]} (returned); a miss or a page crossing leaves before instruction {@code i}.
     */
    Mem probe(Insn i, int size, boolean write) {
        saveFlags();
        // the resume point of a miss the owner fills: nothing of the instruction has run, the
        // flags are in AX, the address in R10 (from the context), the rest in host registers
        Label again = a.newLabel();
        a.bind(again);
        resumePoints.add(new ResumePoint(again, uncounted));
        a.mov(32, T1, ADDR);
        a.shift(SHR, 32, T1, 12 - 4);
        a.aluImm(AND, 32, T1, (NativeContext.TLB_ENTRIES - 1) * NativeContext.TLB_ENTRY_BYTES);
        if (size == 1) a.mov(32, T2, ADDR);
        else a.lea(32, T2, mem(ADDR, size - 1));
        a.aluImm(AND, 32, T2, ~0xFFF);
        a.alu(CMP, 32, T2, mem(CTX, T1, 0, NativeContext.TLB + (write ? NativeContext.TLB_WRITE_TAG : NativeContext.TLB_READ_TAG)));
        a.jcc(CC_NE, exitTo(NativeContext.EXIT_TLB_MISS, i.offset, size | (write ? NativeContext.MISS_WRITE : 0),
                resumePoints.size()));
        a.load(64, T2, mem(CTX, T1, 0, NativeContext.TLB + NativeContext.TLB_ADDEND));
        return mem(T2, ADDR, 0, 0);
    }

    /**
     * Before a host instruction that sets the flags {@code i} overwrites: the flags it reads, or
     * keeps while they are live after it, must be in RFLAGS. After it they are.
     */
    void flagWriter(Insn i) {
        if (i.flagsRead != 0 || (ARITH & ~i.flagsOverwritten & i.liveOut) != 0) restoreFlags();
        flagsInHost = true;
        if ((i.flagsOverwritten & AF) != 0) afDirty = false;
    }

    // ---- instructions ----

    /** Emits {@code i}; true if it transferred control (the block ends with it). */
    private boolean instruction(Insn i, int next) {
        int ra = HOST[i.regA], rb = HOST[i.regB];
        int op = i.operation & 7;
        boolean stores = (i.operation & 8) == 0;
        switch (i.kind) {
            case RegionRecords.K_ALU32_RR: case RegionRecords.K_ADD32_RR: case RegionRecords.K_SUB32_RR:
            case RegionRecords.K_CMP32_RR: case RegionRecords.K_XOR32_RR: case RegionRecords.K_AND32_RR:
            case RegionRecords.K_OR32_RR: case RegionRecords.K_TEST32_RR:
                return alu(i, RR, 32, ra, rb, op, stores);
            case RegionRecords.K_ALU32_RI: case RegionRecords.K_ADD32_RI: case RegionRecords.K_SUB32_RI:
            case RegionRecords.K_CMP32_RI: case RegionRecords.K_XOR32_RI: case RegionRecords.K_AND32_RI:
            case RegionRecords.K_OR32_RI: case RegionRecords.K_TEST32_RI:
                return alu(i, RI, 32, ra, rb, op, stores);
            case RegionRecords.K_ALU32_RM: return alu(i, RM, 32, ra, rb, op, stores);
            case RegionRecords.K_ALU32_MR: return alu(i, MR, 32, ra, rb, op, stores);
            case RegionRecords.K_ALU32_MI: return alu(i, MI, 32, ra, rb, op, stores);
            case RegionRecords.K_ALU_RR: case RegionRecords.K_ALU_RI: case RegionRecords.K_ALU_RM: case RegionRecords.K_ALU_MR:
            case RegionRecords.K_ALU_MI: {
                int shape = i.kind == RegionRecords.K_ALU_RR ? RR : i.kind == RegionRecords.K_ALU_RI ? RI
                        : i.kind == RegionRecords.K_ALU_RM ? RM : i.kind == RegionRecords.K_ALU_MR ? MR : MI;
                if (highByte(i)) return sized.byteAlu(i, shape, op, stores);
                return alu(i, shape, i.size == 0 ? 8 : 32, ra, rb, op, stores);
            }
            case RegionRecords.K_MOV32_RR: a.mov(32, ra, rb); return false;
            case RegionRecords.K_MOV32_RI: a.movImm(32, ra, i.imm); return false;
            case RegionRecords.K_MOV32_RM: address(i); a.load(32, ra, probe(i, 4, false)); return false;
            case RegionRecords.K_MOV32_MR: address(i); a.store(32, probe(i, 4, true), rb); return false;
            case RegionRecords.K_MOV32_MI: address(i); a.storeImm(32, probe(i, 4, true), i.imm); return false;
            case RegionRecords.K_MOV8_MR: if (highByte(i)) return sized.instruction(i); address(i); a.store(8, probe(i, 1, true), rb); return false;
            case RegionRecords.K_MOV8_MI: address(i); a.storeImm(8, probe(i, 1, true), i.imm); return false;
            case RegionRecords.K_MOVX_R:
                if (highByte(i)) return sized.instruction(i);
                if (i.variant) a.movsx(32, ra, i.sourceSize == 0 ? 8 : 16, rb);
                else a.movzx(32, ra, i.sourceSize == 0 ? 8 : 16, rb);
                return false;
            case RegionRecords.K_MOVX_M: {
                int size = i.sourceSize == 0 ? 1 : 2;
                address(i);
                Mem m = probe(i, size, false);
                if (i.variant) a.movsx(32, ra, 8 * size, m);
                else a.movzx(32, ra, 8 * size, m);
                return false;
            }
            case RegionRecords.K_LEA:
                address(i, ra);
                return false;
            case RegionRecords.K_NOP: return false;
            case RegionRecords.K_INC_R: flagWriter(i); a.inc(32, ra); return false;
            case RegionRecords.K_DEC_R: flagWriter(i); a.dec(32, ra); return false;
            case RegionRecords.K_SHIFT32_RI:
                undefinedFlags.shift(i, 32, null, ra);
                return false;
            case RegionRecords.K_IMUL_RR:
                flagWriter(i);
                if (i.variant) a.imul(32, ra, rb, i.imm);
                else a.imul(32, ra, rb);
                undefinedFlags.multiplied(i, 32, ra);
                return false;
            case RegionRecords.K_IMUL_RM: {
                address(i);
                Mem m = probe(i, 4, false);
                flagWriter(i);
                if (i.variant) a.imul(32, ra, m, i.imm);
                else a.imul(32, ra, m);
                undefinedFlags.multiplied(i, 32, ra);
                return false;
            }
            case RegionRecords.K_GRP3_R:
                if (i.size != 2 || i.operation == IDIV) return sized.instruction(i);
                return group3(i, ra);
            case RegionRecords.K_SETCC_R: if (highByte(i)) return sized.instruction(i); restoreFlags(); a.setcc(i.operation, ra); return false;
            case RegionRecords.K_CMOV_R: restoreFlags(); a.cmov(i.operation, 32, ra, rb); return false;
            case RegionRecords.K_PUSH_R:
            case RegionRecords.K_PUSH_I:
                a.lea(32, ADDR, mem(HOST[4], -4));
                if (i.kind == RegionRecords.K_PUSH_R) a.store(32, probe(i, 4, true), ra);
                else a.storeImm(32, probe(i, 4, true), i.imm);
                a.mov(32, HOST[4], ADDR);
                return false;
            case RegionRecords.K_POP_R:
                a.mov(32, ADDR, HOST[4]);
                a.load(32, T1, probe(i, 4, false));
                a.lea(32, HOST[4], mem(HOST[4], 4));
                a.mov(32, ra, T1);
                return false;
            case RegionRecords.K_JCC:
                restoreFlags();
                uncounted--; // a branch has retired wherever it goes
                int target = i.end() + i.imm;
                Label l = blocks.get(target);
                a.jcc(i.operation, l != null ? l : exitTo(NativeContext.EXIT_END, target, 0));
                goTo(i.end(), next);
                return true;
            case RegionRecords.K_JMP:
                uncounted--;
                goTo(i.end() + i.imm, next);
                return true;
            case RegionRecords.K_CALL:
                a.lea(32, ADDR, mem(HOST[4], -4));
                a.storeImm(32, probe(i, 4, true), frameLinear + i.end());
                a.mov(32, HOST[4], ADDR);
                uncounted--;
                goTo(i.end() + i.imm, next);
                return true;
            case RegionRecords.K_RET:
                a.mov(32, ADDR, HOST[4]);
                a.load(32, T1, probe(i, 4, false));
                a.lea(32, HOST[4], mem(HOST[4], 4));
                uncounted--;
                a.jmp(exitTo(NativeContext.EXIT_END, DYNAMIC_EIP, 0));
                return true;
            default:
                return sized.instruction(i);
        }
    }

    /** The operand shapes of a group-1 ALU record: destination register or memory, source register, immediate or memory. */
    static final int RR = 0, RI = 1, RM = 2, MR = 3, MI = 4;

    /**
     * A group-1 operation (ADD .. CMP, and TEST: AND that does not store) of {@code width} bits in
     * operand shape {@code shape}, as the host's same instruction.
     */
    private boolean alu(Insn i, int shape, int width, int ra, int rb, int op, boolean stores) {
        boolean test = !stores && op == AND;
        int hostOp = stores ? op : CMP;
        // the memory operand (a store's probe for a destination that is stored to), then the flags
        Mem m = null;
        if (shape >= RM) {
            address(i);
            m = probe(i, width / 8, shape != RM && stores);
        }
        flagWriter(i);
        boolean logicAf = undefinedFlags.logicAf(i, hostOp, test);
        if (logicAf && afClearedAtNextSave()) {
            logicAf = false;
            afDirty = true;
        }
        if (test && logicAf && !(shape == RR && ra == rb)) { // the AND into R11, whose ADD 0 sets the flags
            switch (shape) {
                case RR: a.mov(width, T1, ra); a.alu(AND, width, T1, rb); break;
                case RI: a.mov(width, T1, ra); a.aluImm(AND, width, T1, i.imm); break;
                case RM: a.load(width, T1, m); a.alu(AND, width, T1, ra); break;
                case MR: a.load(width, T1, m); a.alu(AND, width, T1, rb); break;
                default: a.load(width, T1, m); a.aluImm(AND, width, T1, i.imm); break; // MI
            }
            undefinedFlags.logicFlags(width, T1);
            return false;
        }
        switch (shape) {
            case RR: if (test) a.test(width, ra, rb); else a.alu(hostOp, width, ra, rb); break;
            case RI: if (test) a.testImm(width, ra, i.imm); else a.aluImm(hostOp, width, ra, i.imm); break;
            case RM: if (test) a.test(width, m, ra); else a.alu(hostOp, width, ra, m); break;
            case MR: if (test) a.test(width, m, rb); else a.alu(hostOp, width, m, rb); break;
            default: if (test) a.testImm(width, m, i.imm); else a.aluImm(hostOp, width, m, i.imm); break; // MI
        }
        if (logicAf) { // the result: TEST r, r's own register, else the destination
            if (shape <= RM) undefinedFlags.logicFlags(width, ra);
            else undefinedFlags.logicFlags(width, m);
        }
        return false;
    }

    /**
     * Group-3 {@code op} of host register {@code r} with the guest's EAX in RAX, where the
     * instruction's implicit operand is: R14 and RAX swapped around it (XCHG changes no flag).
     */
    private void withGuestEaxInRax(int op, int r) {
        a.xchg(64, HOST[0], RAX);
        a.unary(op, 32, r == HOST[0] ? RAX : r);
        a.xchg(64, HOST[0], RAX);
    }

    /** NOT, NEG, MUL, IMUL and DIV of a 32-bit register (IDIV is outside the subset). */
    boolean group3(Insn i, int r) {
        switch (i.operation) {
            case NOT: a.unary(NOT, 32, r); return false;
            case NEG: flagWriter(i); a.unary(NEG, 32, r); return false;
            case MUL: case IMUL1:
                flagWriter(i);
                withGuestEaxInRax(i.operation, r);
                undefinedFlags.multiplied(i, 32, HOST[0]); // the product's low half: EAX
                return false;
            case DIV: // #DE (divisor 0, quotient above 32 bits) is the interpreter's: leave before it
                saveFlags();
                a.test(32, r, r);
                a.jcc(CC_E, exitTo(NativeContext.EXIT_SLOW, i.offset, 0));
                a.alu(CMP, 32, RDX, r);
                a.jcc(CC_AE, exitTo(NativeContext.EXIT_SLOW, i.offset, 0));
                withGuestEaxInRax(DIV, r);
                return false; // the flags (undefined after DIV) stay those saved before it
            default:
                throw new IllegalStateException("group 3 /" + i.operation + " is outside the native subset");
        }
    }
}
