package org.oxen.x86.cpu.internal;

import org.oxen.x86.cpu.internal.x64.NativeContext;
import org.oxen.x86.cpu.internal.x64.NativeRegionCompiler;
import org.oxen.x86.cpu.internal.x64.NativeTier;

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
 * level; a change of level empties it first ({@link Cached#nativeTlbFor}). The code is entered at
 * the region's entry or, after a budget exit there, at one of its loop heads ({@link #entersAt}:
 * a check point, where the budget is tested as at the entry).
 *
 * <p>Exits ({@link NativeContext}): none faults or leaves an instruction half done, so the state
 * copied out is exact and {@code run} never throws. {@code EXIT_END}: EIP is the next
 * instruction; {@code EXIT_BUDGET}: a loop head with the check-point passes spent; {@code
 * EXIT_TLB_MISS}: the access's page is filled from the CPU's TLB when that entry holds the
 * access's tag ({@link Cached#fillNativeTlb}), otherwise the instruction is left to the decoded
 * loop, whose access walks the page tables (A/D bits), faults with the exact EIP and error code,
 * reaches MMIO, or stores into a frame holding translated code (which moves the code epoch, so
 * the next entry compares the region's bytes); {@code EXIT_SLOW}: a DIV that faults, the
 * interpreter's. After a filled miss the code is called again and resumes at the missed
 * access ({@link NativeContext#RESUME}: QEMU's tlb_fill returning into its block, here as a
 * return and a call), wherever in the region it is, so a kernel's first touch of a page does not
 * leave native code; any other exit goes back to the dispatcher (the next EIP's region or the
 * decoded loop). The budget is the JVM
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
    /**
     * The frame offsets of the check points the code can be entered at besides its entry
     * ({@link NativeRegionCompiler#entryPoints}, sorted), and each one's resume point.
     */
    private final int[] headOffsets, headResumes;
    /** How the last run returned: an {@code EXIT_*} of {@link NativeContext}, 0 if it ran nothing. */
    int lastReason;
    /**
     * Whether the last run ended at a branch out or a return to an instruction it does not hold
     * (not at one it leaves to the decoded loop, a miss or the budget): the dispatcher counts
     * such a target towards translating there.
     */
    boolean endedOut;

    NativeRegion(NativeTier tier, long code, int frameLinear, int span, int[] unsupported, int basedSegments,
            int[] entryPoints) {
        int n = entryPoints.length;
        long[] sorted = new long[n];
        for (int k = 0; k < n; k++) sorted[k] = (long) entryPoints[k] << 32 | (k + 1);
        java.util.Arrays.sort(sorted);
        headOffsets = new int[n];
        headResumes = new int[n];
        for (int k = 0; k < n; k++) {
            headOffsets[k] = (int) (sorted[k] >>> 32);
            headResumes[k] = (int) sorted[k];
        }
        this.unsupported = unsupported;
        this.basedSegments = basedSegments;
        this.tier = tier;
        this.code = code;
        this.generation = tier.generation();
        this.frameLinear = frameLinear;
        this.span = Math.max(1, span);
    }

    /** With the census on ({@link Cached#census}): how the last run returned, an {@code InstructionCensus.NX_*}. */
    int lastExit;

    /**
     * The resume point that enters the code at linear address {@code eip}, one of its loop heads
     * (a check point), or 0 if it has none there.
     */
    int entersAt(int eip) {
        int k = java.util.Arrays.binarySearch(headOffsets, eip - frameLinear);
        return k >= 0 ? headResumes[k] : 0;
    }

    /**
     * Runs the region from EIP: its entry, or one of its loop heads ({@link #entersAt}; the
     * dispatcher comes there after a budget exit at that head).
     */
    @Override
    int run(Cached c, int budget) {
        lastReason = 0;
        endedOut = false;
        int resume = 0;
        if (c.eip != frameLinear + entryOffset) {
            resume = entersAt(c.eip);
            if (resume == 0) return notEntered(c);
        }
        if (generation != tier.generation()) {
            stale = true;
            return notEntered(c);
        }
        if (budget < span || !c.flatNative()) return notEntered(c);
        if (c.fetchEipBase != frameLinear) {
            slowExits++; // the frame at another linear address: often, and it goes to the JVM tier
            return notEntered(c);
        }
        if (basedSegments != 0 && !c.flatWritable(basedSegments)) {
            slowExits++; // FS or GS not flat (or not writable): the JVM tier checks its limit and type
            return notEntered(c);
        }
        if (!enter(c, c.fetchPage)) return notEntered(c);
        c.nativeTlbFor(c.tlbSet);
        NativeTier t = tier;
        if (basedSegments != 0) t.setSegmentBases(c.segBase[CpuState.FS], c.segBase[CpuState.GS]);
        int[] r = c.r;
        for (int g = 0; g < 8; g++) t.setRegister(g, r[g]);
        int flags = c.flags();
        t.setEflags(flags);
        t.setRetired(0);
        t.setBudget(budget - span); // the retired count above which a check point leaves
        InstructionCensus census = c.census;
        if (resume != 0) {
            t.setResume(resume);
            if (census != null) census.headEntries++;
        }
        int reason;
        int done;
        boolean filled;
        for (;;) {
            reason = t.call(code);
            c.nativeCalls++;
            done = (int) t.retired();
            if (reason != NativeContext.EXIT_TLB_MISS) {
                filled = false;
                break;
            }
            long epoch = c.codeEpoch;
            filled = c.fillNativeTlb(t.missAddress(), t.missAccess(), c.tlbSet);
            if (!filled) {
                slowExits++;
                break;
            }
            // resumed at the access (nothing of its instruction ran; the budget's check points are
            // where they were), unless the fill's walk stored into a frame of translated code
            if (c.codeEpoch != epoch) break;
            t.setResume(t.missResume());
            if (census != null) census.missesResumed++;
        }
        for (int g = 0; g < 8; g++) r[g] = t.register(g);
        c.eflags = (flags & ~CpuState.ARITH) | (t.eflags() & CpuState.ARITH);
        int next = t.eip();
        c.eip = next;
        c.nativeRetired += done;
        lastReason = reason;
        boolean leaves = reason == NativeContext.EXIT_END && leavesAt(next - frameLinear);
        if (reason == NativeContext.EXIT_SLOW || leaves) {
            slowExits++;
        }
        endedOut = reason == NativeContext.EXIT_END && !leaves;
        if (census != null) counted(census, reason, leaves || filled, done);
        return done;
    }

    private int notEntered(Cached c) {
        if (c.census != null) counted(c.census, 0, false, 0);
        return 0;
    }

    /**
     * The census's count of a return ({@code reason} 0: not entered) after {@code done}
     * instructions; {@code other}: an END at a record outside the subset, a miss that was filled.
     */
    private void counted(InstructionCensus census, int reason, boolean other, int done) {
        census.inNative += done;
        lastExit = switch (reason) {
            case 0 -> InstructionCensus.NX_NOT_ENTERED;
            case NativeContext.EXIT_END -> other ? InstructionCensus.NX_END_UNSUPPORTED : InstructionCensus.NX_END;
            case NativeContext.EXIT_BUDGET -> InstructionCensus.NX_BUDGET;
            case NativeContext.EXIT_TLB_MISS -> other ? InstructionCensus.NX_MISS_FILLED : InstructionCensus.NX_MISS;
            default -> InstructionCensus.NX_SLOW;
        };
        census.nativeExits[lastExit]++;
    }

    /**
     * The region entered at offset {@code k} of the code frame {@code cp} whose bytes are {@code
     * codePageBytes}, at linear page {@code frameLinear} (the fetch window's), as native code in
     * {@code t}'s arena, or null: its entry instruction is outside the native subset, or it is a
     * straight run shorter than {@code shortestStraightRegion}. The plan is the JVM translator's
     * ({@link RegionRecords}); blocks end their native code at their first instruction outside the
     * subset. Native code sets the flags the SDM leaves undefined as the interpreter does
     * ({@code x64.NativeUndefinedFlags}), so a region runs natively whichever flags are live.
     */
    static NativeRegion compile(NativeTier t, CodePage cp, byte[] codePageBytes, int k, int frameLinear,
            int shortestStraightRegion, int[] refusal) {
        if ((frameLinear & 0xFFF) != 0) return null;
        RegionRecords plan = RegionRecords.plan(codePageBytes, k, RegionPlan.MAX_INSNS);
        if (plan == null) return null;
        if (plan.blocks.get(0).insns.isEmpty() || !NativeRegionCompiler.supported(plan.blocks.get(0).insns.get(0))) {
            refusal[0] = InstructionCensus.JR_ENTRY_OUTSIDE;
            return null;
        }
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
                int seg = cut ? -1 : NativeRegionCompiler.segmentWithBase(i);
                if (seg >= 0) based |= 1 << seg;
            }
        }
        if (!loops && insns < shortestStraightRegion) {
            refusal[0] = InstructionCensus.JR_SHORT;
            return null;
        }
        byte[] bytes = NativeRegionCompiler.compile(plan, frameLinear);
        if (bytes == null) return null;
        long at = t.install(bytes, frameLinear + k);
        InstructionCensus census = InstructionCensus.JVM;
        if (at == 0) { // the arena is full: flushed whole (its regions go stale), then this one goes in
            t.flushCode();
            if (census != null) census.nativeCodeFlushes++;
            at = t.install(bytes, frameLinear + k);
            if (at == 0) return null;
        }
        if (census != null) {
            census.nativeRegionsCompiled++;
            census.nativeCodeBytes += bytes.length;
        }
        int[] leaves = java.util.Arrays.copyOf(unsupported, nu);
        java.util.Arrays.sort(leaves);
        NativeRegion rg = new NativeRegion(t, at, frameLinear, plan.longestRun, leaves, based,
                NativeRegionCompiler.entryPoints(plan));
        rg.entryRecord = cp.at[k];
        rg.entryOffset = k;
        int[] merged = RegionPlan.mergeRanges(ranges);
        rg.translatedFrom(merged, RegionPlan.bytesOf(codePageBytes, 0, merged));
        return rg;
    }

    private boolean leavesAt(int offset) {
        return java.util.Arrays.binarySearch(unsupported, offset) >= 0;
    }
}
