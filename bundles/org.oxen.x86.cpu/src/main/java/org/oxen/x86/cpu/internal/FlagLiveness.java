package org.oxen.x86.cpu.internal;

import static org.oxen.x86.cpu.internal.CpuState.ARITH;

/**
 * Which arithmetic flags (CF PF AF ZF SF OF) are live after each instruction of a translated
 * block, from the flags columns of {@link Forms}: backwards from the block's end, a flag is live
 * if some later instruction reads it before one overwrites it. The translator emits no flag
 * computation for an instruction none of whose written flags is live after it.
 *
 * <p>Where the guest state must be exact, every flag is live: at the block's end (its exits,
 * and the budget check at the start of a loop head, which may leave the region), before an
 * instruction that may fault (a memory operand or the stack: the fault's frame holds the flags
 * before it), and before one the translator runs through the interpreter's record executor
 * ({@code runRecord} reads and writes the CPU's flags). {@link InstructionEmitter#registerOnly}
 * names the record kinds that are neither.
 *
 * <p>A flag an instruction keeps (INC/DEC keep CF, a rotate keeps SF/ZF/PF/AF, a shift by 0
 * keeps all) stays live through it: the written column says what it overwrites
 * ({@link Forms#COUNT_FLAGS}: only when the count is not 0, which for a record is its immediate).
 */
final class FlagLiveness {

    private FlagLiveness() {
    }

    /** Fills {@code out[i]} with the flags live after instruction {@code i} of {@code b}. */
    static void liveOut(CodePage cp, RegionPlan.Block b, int[] out) {
        liveOut(cp, b, out, InstructionEmitter::registerOnly);
    }

    /**
     * The same, where {@code registerOnly} names the operation words that neither fault nor hand
     * the flags to anyone (every other record counts as reading them all): the JVM translator's
     * {@link InstructionEmitter#registerOnly}, or the native compiler's
     * ({@link RegionRecords#nativeRegisterOnly}: its code for rotates and shifts by CL is inline).
     */
    static void liveOut(CodePage cp, RegionPlan.Block b, int[] out, java.util.function.IntPredicate registerOnly) {
        int live = ARITH;
        for (int i = b.n - 1; i >= 0; i--) {
            out[i] = live;
            int rb = CodePage.REC_WORDS * b.ri[i];
            int opw = cp.rec[rb + CodePage.R_OP], form = cp.rec[rb + CodePage.R_FORM];
            if (!registerOnly.test(opw)) {
                live = ARITH;
                continue;
            }
            live = (live & ~overwritten(form, cp.rec[rb + CodePage.R_IMM])) | read(form);
        }
    }

    /** The arithmetic flags form {@code f} reads. */
    static int read(int f) {
        int r = Forms.FLAGS_READ[f];
        return r == Forms.R_CC ? Flags.reads(Forms.OPERATION[f]) : r & ARITH;
    }

    /** The arithmetic flags form {@code f} overwrites, with immediate {@code imm} (a shift count). */
    static int overwritten(int f, int imm) {
        if ((Forms.ATTR[f] & Forms.COUNT_FLAGS) != 0 && (imm & 0x1F) == 0) return 0;
        return Forms.FLAGS_WRITTEN[f] & ARITH;
    }
}
