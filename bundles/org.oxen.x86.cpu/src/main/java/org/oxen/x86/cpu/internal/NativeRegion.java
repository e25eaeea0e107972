package org.oxen.x86.cpu.internal;

import org.oxen.x86.cpu.internal.x64.NativeContext;
import org.oxen.x86.cpu.internal.x64.NativeRegionCompiler;
import org.oxen.x86.cpu.internal.x64.NativeTier;
import org.oxen.x86.cpu.internal.x64.X64Assembler;

/**
 * A region compiled to x86-64 code ({@code x64.NativeRegionCompiler}) in its CPU's code arena,
 * run through the CPU's {@link NativeTier}: the dispatcher's {@link Region} contract kept by a
 * call of native code between a copy of the state in and out.
 *
 * <p>Entry: only while the segments are flat ({@link CpuState#flatNative}: ES, CS, SS, DS base 0
 * and 4 GiB, a 32-bit stack), the fetch window's page is the linear page the code was compiled
 * for (a frame mapped at two addresses runs natively at one), the arena has not been flushed
 * since ({@link #stale} otherwise: the dispatcher drops the region), its code bytes are unchanged
 * ({@link Region#enter}) and the budget allows one check-point pass ({@code span} instructions).
 * The TLB the native code reads was filled from the CPU's TLB set of the current privilege
 * level; a change of level empties it first ({@link Cached#nativeTlbFor}).
 *
 * <p>Exits ({@link NativeContext}): none faults or leaves an instruction half done, so the state
 * copied out is exact and {@code run} never throws. {@code EXIT_END}: EIP is the next
 * instruction; {@code EXIT_BUDGET}: a loop head with the check-point passes spent; {@code
 * EXIT_TLB_MISS}: the access's page is filled from the CPU's TLB when that entry holds the
 * access's tag ({@link Cached#fillNativeTlb}), otherwise the instruction is left to the decoded
 * loop, whose access walks the page tables (A/D bits), faults with the exact EIP and error code,
 * reaches MMIO, or stores into a frame holding translated code (which moves the code epoch, so
 * the next entry compares the region's bytes); {@code EXIT_SLOW}: a DIV that faults, the
 * interpreter's. After a miss filled at the entry the code is called again; any other exit goes
 * back to the dispatcher (the next EIP's region or the decoded loop). The budget is the JVM
 * tier's: a check point leaves unless {@code span} instructions are left. Exits that leave an
 * instruction of the region to the other tiers (a miss not filled, SLOW, an END inside the
 * region's code: at an instruction outside the native subset) count as {@link #slowExits}, so a
 * region that leaves that way often is compiled for the JVM instead ({@code Cached.runRegions}).
 *
 * <p>Locking: none; the region belongs to one CPU and runs on its thread.
 */
final class NativeRegion extends Region {

    private final NativeTier tier;
    private final long code;
    private final int generation;
    /** The linear page (= EIP page: CS base 0) the code was compiled for. */
    private final int frameLinear;
    /**
     * The most instructions the region retires from one check point to the next check or an exit
     * (at most all of them): a check point leaves unless that many are left of the budget.
     */
    private final int span;
    /**
     * The frame offsets, ascending, of the region's instructions outside the native subset that
     * end a block's native code: an {@code EXIT_END} there leaves work of the region to the other
     * tiers.
     */
    private final int[] unsupported;
    /**
     * Bit {@code s} for each segment with a base (FS 4, GS 5) a native access of the region goes
     * through: entered only while those are flat writable data segments, their bases in the context.
     */
    private final int basedSegments;

    NativeRegion(NativeTier tier, long code, int frameLinear, int span, int[] unsupported, int basedSegments) {
        this.unsupported = unsupported;
        this.basedSegments = basedSegments;
        this.tier = tier;
        this.code = code;
        this.generation = tier.generation();
        this.frameLinear = frameLinear;
        this.span = Math.max(1, span);
    }

    @Override
    int run(Cached c, int budget) {
        if (generation != tier.generation()) {
            stale = true;
            return 0;
        }
        if (budget < span || !c.flatNative()) return 0;
        if (c.fetchEipBase != frameLinear) {
            slowExits++; // the frame at another linear address: often, and it goes to the JVM tier
            return 0;
        }
        if (basedSegments != 0 && !c.flatWritable(basedSegments)) {
            slowExits++; // FS or GS not flat (or not writable): the JVM tier checks its limit and type
            return 0;
        }
        if (!enter(c, c.fetchPage)) return 0;
        c.nativeTlbFor(c.tlbSet);
        NativeTier t = tier;
        if (basedSegments != 0) t.setSegmentBases(c.segBase[CpuState.FS], c.segBase[CpuState.GS]);
        int[] r = c.r;
        for (int g = 0; g < 8; g++) t.setRegister(g, r[g]);
        int flags = c.flags();
        t.setEflags(flags);
        t.setRetired(0);
        t.setBudget(budget - span); // the retired count above which a check point leaves
        int entry = frameLinear + entryOffset;
        int reason;
        int done = 0;
        for (;;) {
            reason = t.call(code);
            c.nativeCalls++;
            done = (int) t.retired();
            boolean filled = reason == NativeContext.EXIT_TLB_MISS && c.fillNativeTlb(t.missAddress(), t.missAccess(), c.tlbSet);
            if (reason == NativeContext.EXIT_TLB_MISS && !filled) slowExits++;
            if (!filled || t.eip() != entry || budget - done < span) break; // a miss filled at the entry: again
        }
        for (int g = 0; g < 8; g++) r[g] = t.register(g);
        c.eflags = (flags & ~CpuState.ARITH) | (t.eflags() & CpuState.ARITH);
        int next = t.eip();
        c.eip = next;
        c.nativeRetired += done;
        if (reason == NativeContext.EXIT_SLOW || reason == NativeContext.EXIT_END && leavesAt(next - frameLinear)) {
            slowExits++;
        }
        return done;
    }

    /**
     * The region entered at offset {@code k} of the code frame {@code cp} whose bytes are {@code
     * codePageBytes}, at linear page {@code frameLinear} (the fetch window's), as native code in
     * {@code t}'s arena, or null: its entry instruction is outside the native subset, an
     * instruction's host-defined flags are live ({@link #hostDefinedFlags}), or it is a straight
     * run shorter than {@code shortestStraightRegion}. The plan is the JVM translator's ({@link RegionRecords}); blocks
     * end their native code at their first instruction outside the subset.
     */
    static NativeRegion compile(NativeTier t, CodePage cp, byte[] codePageBytes, int k, int frameLinear,
            int shortestStraightRegion) {
        if ((frameLinear & 0xFFF) != 0) return null;
        RegionRecords plan = RegionRecords.plan(codePageBytes, k, RegionPlan.MAX_INSNS);
        if (plan == null) return null;
        int entry = plan.blocks.get(0).offset, insns = 0;
        boolean loops = false;
        int[] unsupported = new int[plan.blocks.size()];
        int nu = 0, based = 0;
        int[] ranges = new int[2 * plan.blocks.size()];
        for (int bi = 0; bi < plan.blocks.size(); bi++) {
            RegionRecords.Block b = plan.blocks.get(bi);
            loops |= bi > 0 && b.checkPoint;
            ranges[2 * bi] = b.offset;
            ranges[2 * bi + 1] = b.end;
            boolean cut = false;
            for (RegionRecords.Insn i : b.insns) {
                insns++;
                if ((i.kind == RegionRecords.K_JCC || i.kind == RegionRecords.K_JMP) && i.end() + i.imm == entry) loops = true;
                if (!cut && !NativeRegionCompiler.supported(i)) {
                    unsupported[nu++] = i.offset;
                    cut = true;
                }
                if (!cut && (i.liveOut & hostDefinedFlags(i)) != 0) return null; // the JVM tier's flags there
                int seg = cut ? -1 : NativeRegionCompiler.segmentWithBase(i);
                if (seg >= 0) based |= 1 << seg;
            }
        }
        if (!loops && insns < shortestStraightRegion) return null;
        byte[] bytes = NativeRegionCompiler.compile(plan, frameLinear);
        if (bytes == null) return null;
        long at = t.install(bytes);
        if (at == 0) { // the arena is full: flushed whole (its regions go stale), then this one goes in
            t.flushCode();
            at = t.install(bytes);
            if (at == 0) return null;
        }
        int[] leaves = java.util.Arrays.copyOf(unsupported, nu);
        java.util.Arrays.sort(leaves);
        NativeRegion rg = new NativeRegion(t, at, frameLinear, plan.longestRun, leaves, based);
        rg.entryRecord = cp.at[k];
        rg.entryOffset = k;
        int[] merged = RegionPlan.mergeRanges(ranges);
        rg.translatedFrom(merged, RegionPlan.bytesOf(codePageBytes, 0, merged));
        return rg;
    }

    /**
     * The arithmetic flags the SDM leaves undefined after {@code i} that the host's instruction
     * (native code runs the guest's own) sets otherwise than the interpreter and the JVM tier
     * ({@link Semantics}): MUL and IMUL's SF, ZF, AF and PF (the interpreter's from the result),
     * DIV's (the interpreter's kept), a shift's AF and a shift's or rotate's OF for a count other
     * than 1 (by CL: either). A region in which such a flag is live after its
     * instruction (read later, or at a block's end or before an access that may fault, where
     * the guest's state must be exact) is compiled for the JVM, so every tier shows a guest the
     * same flags.
     */
    private static int hostDefinedFlags(RegionRecords.Insn i) {
        switch (i.kind) {
            case RegionRecords.K_IMUL_RR: case RegionRecords.K_IMUL_RM:
                return CpuState.SF | CpuState.ZF | CpuState.AF | CpuState.PF;
            case RegionRecords.K_GRP3_R: case RegionRecords.K_GRP3_M: // a dword's MUL..IDIV, of a register or memory
                if (i.operation == X64Assembler.MUL || i.operation == X64Assembler.IMUL1) {
                    return CpuState.SF | CpuState.ZF | CpuState.AF | CpuState.PF;
                }
                return i.operation >= X64Assembler.DIV ? CpuState.ARITH : 0;
            case RegionRecords.K_SHIFT32_RI: case RegionRecords.K_SHIFT_R: case RegionRecords.K_SHIFT_M: {
                // a byte's, word's or dword's, of a register or memory; by one only as the
                // 32-bit immediate form says (the others taken as by CL: either)
                boolean rotate = (i.operation & 7) < 4; // ROL ROR RCL RCR
                boolean byOne = i.kind == RegionRecords.K_SHIFT32_RI && (i.imm & 0x1F) == 1;
                return (rotate ? 0 : CpuState.AF) | (byOne ? 0 : CpuState.OF);
            }
            default:
                return 0;
        }
    }

    private boolean leavesAt(int offset) {
        return java.util.Arrays.binarySearch(unsupported, offset) >= 0;
    }
}
