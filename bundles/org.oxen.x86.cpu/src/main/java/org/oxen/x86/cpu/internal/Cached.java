package org.oxen.x86.cpu.internal;

import static org.oxen.x86.cpu.internal.RecordDecoder.*;

import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.PhysicalMemory;
import org.oxen.x86.cpu.CpuOptions;
import org.oxen.x86.cpu.TranslationListener;
import org.oxen.x86.cpu.internal.x64.NativeContext;
import org.oxen.x86.cpu.internal.x64.NativeTier;
import org.oxen.x86.host.RawMemory;

/**
 * The decoded-instruction cache: the common 32-bit instructions (no prefixes but a segment
 * override of a memory operand and a moffs' 67: {@link RecordDecoder}; at most 8 bytes,
 * not in the last 7 bytes of a frame) are decoded once per physical frame and offset into a
 * {@link CodePage} record and executed from it; everything else goes to {@code step()}, which
 * decodes from memory as before.
 *
 * <p>Keyed by physical frame (the fetch window's frame), so remapping a linear code page to
 * another frame cannot run the old frame's decodes. Before every execution the record's bytes
 * are compared with the bytes in RAM (one 8-byte load), so any write to code (self-modifying
 * code, {@code invalidateCode}/DMA, another CPU) is seen at the next execution without any
 * invalidation protocol between CPUs.
 *
 * <p>Hot targets of branches, calls and returns become entries of translated {@link Region}s
 * (see {@link RegionCompiler}): the loop enters them there and follows their exits into other
 * regions of the frame ({@link #hot}, {@link #runRegions}). With the native tier ({@link
 * CpuOptions#nativeTier()}) a region whose entry instruction is in the native subset is
 * compiled to x86-64 code instead ({@link NativeRegion}), while the segments are flat; one
 * that leaves for the other tiers often is compiled for the JVM when it is hot again.
 *
 * <p>Locking: none; a CPU's cache, records and regions are used only by the thread running it.
 */
abstract class Cached extends Events {

    private final RecordDecoder decoder = new RecordDecoder();
    /**
     * Copies of guest code out of host memory for the byte-array readers: an instruction's bytes
     * for the decoder and the census (decoding reads up to 15 bytes), and the whole code page for
     * the translator's plan (translation is rare next to the copy).
     */
    private final byte[] instructionBytes = new byte[32];
    private final byte[] codePageBytes = new byte[0x1000];
    /** The census of interpreted instructions ({@link InstructionCensus}; null: off, the default). */
    InstructionCensus census = InstructionCensus.JVM;

    private static final int CODE_SETS = 256;
    /**
     * Two-way set associative by a hash of the frame number (bounded memory: at most 512 frames'
     * tables per CPU; two frames that share a set, e.g. a caller and a callee, do not evict each
     * other): set i holds {@code codePages[2i]} (most recently looked up) and {@code [2i + 1]}.
     */
    private final CodePage[] codePages = new CodePage[2 * CODE_SETS];

    /**
     * {@link CpuOptions#codeCache()}: false decodes every instruction from memory (tests
     * compare both ways).
     */
    private final boolean codeCache;

    /**
     * The translator ({@link CpuOptions#translator()}). A record becomes a region entry after
     * {@link CpuOptions#translationThreshold()} taken branches, calls or returns arrived at it.
     */
    private final boolean jit;
    private final int jitThreshold;
    /** {@link CpuOptions#shortestStraightRegion()}. */
    private final int shortestStraightRegion;
    /** A frame whose regions died this often (code keeps changing) gets no more. */
    private static final int MAX_REGION_DEATHS = 8, MAX_REGIONS_PER_FRAME = 64;
    /**
     * A region whose slow-path exits ({@link Region#slowExits}) pass this many and come more often
     * than once per 2^SLOW_EXIT_SPACING retired instructions is compiled again with calls. The
     * spacing is an estimate, not a measurement: an exit with the decoded loop's run to the next
     * region entry costs some hundreds of nanoseconds, a loop without calls gains a fraction of a
     * nanosecond per instruction under C1 (docs/PERFORMANCE.md, "Tiered translation measured, and
     * slow paths as exits").
     */
    private static final int SLOW_EXITS_MIN = 64, SLOW_EXIT_SPACING = 9;

    /**
     * Set by every input from another thread that the run loop must see (INTR raised, NMI, stop);
     * cleared by the run loop at each batch before it reads them. While it is clear, a region
     * that used up its batch may take another ({@link #grant}).
     */
    volatile boolean attention;
    /** Instructions regions may still run past their batch in this call of the run loop. */
    long regionGrant;

    /** Instructions a faulting region (chain) retired before the fault; read by execBlock's handler. */
    int jitPartial;
    /**
     * Translator statistics: regions compiled, translations that failed, regions dropped (code
     * changed), regions whose class came from {@link SharedRegions}.
     */
    long jitCompiled, jitFailed, jitDropped, jitShared;
    /** Calls of regions, and batches regions ran on without returning to the run loop ({@link #grant}). */
    long jitEntries, jitGrants;
    /** Region entries and stores that compared a region's code bytes with memory ({@code Region.verify}). */
    long jitCodeChecks;
    /** The last translation failure (a translator defect: the guest just runs interpreted). */
    Throwable jitLastFailure;
    /** Told around each translation on this CPU's thread (X86Cpu.setTranslationListener); null: no one. */
    TranslationListener translationListener;
    /**
     * The native tier's statistics: regions compiled to x86-64 code, calls of native code,
     * instructions they retired (TLB entries filled for them: {@code Paging.nativeTlbFills}).
     */
    long nativeCompiled, nativeCalls, nativeRetired;
    /** Why the last native compile refused its region ({@link NativeRegion#compile}'s answer). */
    private final int[] nativeRefusal = new int[1];
    /**
     * The native region that last left at one of its loop heads (a budget exit), at index {@link
     * #headRegionIndex} of {@link #headRegionPage}'s regions, or null: the dispatcher enters it
     * there again ({@link NativeRegion#entersAt}) when EIP is that head, as the next region of a
     * chain or at a batch's start, instead of running the loop in the decoded loop until its
     * entry comes round (a head inside a region is no record's region entry).
     */
    private NativeRegion headRegion;
    private CodePage headRegionPage;
    private int headRegionIndex;

    Cached(PhysicalMemory mem, IoPortDevice io, CpuOptions options) {
        super(mem, io);
        codeCache = options.codeCache();
        jit = options.translator();
        jitThreshold = options.translationThreshold();
        shortestStraightRegion = options.shortestStraightRegion();
        // the context and code arena live as long as this CPU (freed by a cleaner when it is unreachable)
        nativeTier = jit && options.nativeTier() && NativeTier.available() ? new NativeTier(this) : null;
    }

    @Override
    final boolean codeFrame(long f) {
        int i = 2 * (int) ((f * 0x9E3779B97F4A7C15L) >>> 56);
        CodePage a = codePages[i], b = codePages[i + 1];
        return a != null && a.frame == f && a.regionCount > 0 || b != null && b.frame == f && b.regionCount > 0;
    }

    private CodePage lookupCode() {
        long f = fetchFrame;
        int i = 2 * (int) ((f * 0x9E3779B97F4A7C15L) >>> 56);
        CodePage[] t = codePages;
        CodePage cp = t[i];
        if (cp == null || cp.frame != f) {
            CodePage other = t[i + 1];
            if (other != null && other.frame == f) {
                cp = other;
            } else {
                cp = new CodePage(f); // the least recently looked-up table of the set goes
            }
            t[i + 1] = t[i];
            t[i] = cp;
        }
        fetchCode = cp;
        return cp;
    }

    /** Instructions retired by the block that threw (read by the run loop's fault handler). */
    int blockPartial;

    /**
     * Executes up to {@code n} instructions (stops early when one sets {@code breakBatch}: after
     * an instruction the interpreter runs, a memory record, or a region);
     * returns the number retired. Decoded records run in this loop with the hottest kinds
     * inline; the rest go through {@link #slowOne}. On a fault, the number retired before the
     * faulting instruction is left in {@link #blockPartial}.
     */
    final int execBlock(int n) {
        if (!codeCache || debugActive) return interpretBlock(n);
        int j = 0;
        try {
            while (j < n) {
                // the fetch window and the page's tables are locals of the fast loop: they change
                // only in slowOne() (window refill, decoding, mode changes), after which they are
                // read again
                CodePage cp = fetchCode;
                if (cp != null && fetchLimit == 0x1000 && code32) {
                    defaults();
                    final char[] at = cp.at;
                    final int[] rec = cp.rec;
                    final long[] raw = cp.raw;
                    final long page = fetchPage;
                    final int base = fetchEipBase;
                    final int[] r = this.r;
                    int e = eip;
                    // eip is kept in e and stored when the loop is left or a handler needs it;
                    // startEip is stored before anything that can fault. The next record comes
                    // from the previous one's link where it has one (no lookup by offset).
                    int k = e - base;
                    int ri = Integer.compareUnsigned(k, 0x1000) < 0 ? at[k] : 0;
                    if (ri >= 2 && jit && j == 0) { // a batch that starts at a region's entry or a native loop head runs it
                        int got = regionAtBatchStart(cp, ri, e, n);
                        if (got > 0) {
                            j = got;
                            if (breakBatch) break;
                            continue;
                        }
                    }
                    while (j < n && ri >= 2) {
                        int b = CodePage.REC_WORDS * ri;
                        int opw = rec[b + CodePage.R_OP];
                        int len = CodePage.length(opw);
                        if (len == 0) break;
                        // a record exists only at an offset up to 16 bytes before the page's end
                        // (RecordDecoder): the eight bytes lie inside the fetch window's page
                        long w = RawMemory.getLong(page + (e - base)) & (-1L >>> (64 - 8 * len));
                        if (w != raw[ri]) break;
                        int a = CodePage.regA(opw);
                        int kd = CodePage.kind(opw);
                        int cls = CodePage.dispatchClass(opw);
                        if (cls == 1) {
                            boolean t;
                            if (kd == K_JMP) {
                                t = true;
                            } else { // K_JCC: the condition code is the operation
                                t = jcc(CodePage.operation(opw));
                            }
                            if (t) {
                                startEip = e;
                                e = target(e + len + rec[b + CodePage.R_IMM]);
                                j++;
                                ri = taken(rec, b, e - base, at);
                                if (ri >= 2 && jit) {
                                    int got = hot(cp, ri, e, n - j);
                                    if (got > 0) {
                                        j += got;
                                        e = eip;
                                        if (breakBatch) break; // a region's store asked for a stop
                                        k = e - base;
                                        ri = Integer.compareUnsigned(k, 0x1000) < 0 ? at[k] : 0;
                                    }
                                }
                                continue;
                            }
                        } else if (cls == 2) {
                            // the 32-bit register ALU kinds, each a constant operation: the
                            // per-operation routine and its flag kind (a few bytes each when inlined;
                            // Alu.alu inlined fourteen times here went past C2's inlining budget)
                            int x = r[a];
                            switch (kd) {
                                case K_ADD32_RR: { int y = r[CodePage.regB(opw)]; r[a] = flagged32(Semantics.ADD_FLAGS, x, y, Semantics.add(x, y)); break; }
                                case K_SUB32_RR: { int y = r[CodePage.regB(opw)]; r[a] = flagged32(Semantics.SUB_FLAGS, x, y, Semantics.sub(x, y)); break; }
                                case K_CMP32_RR: { int y = r[CodePage.regB(opw)]; flagged32(Semantics.SUB_FLAGS, x, y, Semantics.sub(x, y)); break; }
                                case K_XOR32_RR: { int y = r[CodePage.regB(opw)]; r[a] = flagged32(Semantics.LOGIC_FLAGS, x, y, Semantics.xor(x, y)); break; }
                                case K_AND32_RR: { int y = r[CodePage.regB(opw)]; r[a] = flagged32(Semantics.LOGIC_FLAGS, x, y, Semantics.and(x, y)); break; }
                                case K_TEST32_RR: { int y = r[CodePage.regB(opw)]; flagged32(Semantics.LOGIC_FLAGS, x, y, Semantics.and(x, y)); break; }
                                case K_OR32_RR: { int y = r[CodePage.regB(opw)]; r[a] = flagged32(Semantics.LOGIC_FLAGS, x, y, Semantics.or(x, y)); break; }
                                case K_ADD32_RI: { int y = rec[b + CodePage.R_IMM]; r[a] = flagged32(Semantics.ADD_FLAGS, x, y, Semantics.add(x, y)); break; }
                                case K_SUB32_RI: { int y = rec[b + CodePage.R_IMM]; r[a] = flagged32(Semantics.SUB_FLAGS, x, y, Semantics.sub(x, y)); break; }
                                case K_CMP32_RI: { int y = rec[b + CodePage.R_IMM]; flagged32(Semantics.SUB_FLAGS, x, y, Semantics.sub(x, y)); break; }
                                case K_XOR32_RI: { int y = rec[b + CodePage.R_IMM]; r[a] = flagged32(Semantics.LOGIC_FLAGS, x, y, Semantics.xor(x, y)); break; }
                                case K_AND32_RI: { int y = rec[b + CodePage.R_IMM]; r[a] = flagged32(Semantics.LOGIC_FLAGS, x, y, Semantics.and(x, y)); break; }
                                case K_TEST32_RI: { int y = rec[b + CodePage.R_IMM]; flagged32(Semantics.LOGIC_FLAGS, x, y, Semantics.and(x, y)); break; }
                                case K_OR32_RI: { int y = rec[b + CodePage.R_IMM]; r[a] = flagged32(Semantics.LOGIC_FLAGS, x, y, Semantics.or(x, y)); break; }
                                default: throw new IllegalStateException("kind " + kd + " in class " + cls);
                            }
                        } else if (cls == 3) {
                        switch (kd) {
                            case K_MOV32_RR: r[a] = r[CodePage.regB(opw)]; break;
                            case K_MOV32_RI: r[a] = rec[b + CodePage.R_IMM]; break;
                            case K_LEA: r[a] = addr(rec[b + CodePage.R_ADDR], rec[b + CodePage.R_DISP]); break;
                            case K_INC_R: r[a] = inc(r[a], 2); break;
                            case K_DEC_R: r[a] = dec(r[a], 2); break;
                            case K_SHIFT32_RI: r[a] = shift(CodePage.operation(opw) & 7, r[a], rec[b + CodePage.R_IMM], 2); break;
                            default: throw new IllegalStateException("kind " + kd + " in class " + cls);
                        }
                        } else if (cls == 4) {
                        switch (kd) {
                            case K_MOV32_RM:
                                startEip = e;
                                r[a] = rd32(CodePage.segment(rec[b + CodePage.R_ADDR]), addr(rec[b + CodePage.R_ADDR], rec[b + CodePage.R_DISP]));
                                break;
                            case K_MOV32_MR:
                                startEip = e;
                                wr32(CodePage.segment(rec[b + CodePage.R_ADDR]), addr(rec[b + CodePage.R_ADDR], rec[b + CodePage.R_DISP]), r[CodePage.regB(opw)]);
                                break;
                            case K_ALU32_RM: startEip = e; alu32RM(opw, a, rec[b + CodePage.R_ADDR], rec[b + CodePage.R_DISP]); break;
                            case K_ALU32_MR: startEip = e; alu32MR(opw, rec[b + CodePage.R_ADDR], rec[b + CodePage.R_DISP]); break;
                            case K_ALU32_MI: startEip = e; alu32MI(opw, rec[b + CodePage.R_ADDR], rec[b + CodePage.R_DISP], rec[b + CodePage.R_IMM]); break;
                            case K_MOVX_M: startEip = e; movxM(opw, a, rec[b + CodePage.R_ADDR], rec[b + CodePage.R_DISP]); break;
                            case K_MOV32_MI:
                                startEip = e;
                                wr32(CodePage.segment(rec[b + CodePage.R_ADDR]), addr(rec[b + CodePage.R_ADDR], rec[b + CodePage.R_DISP]), rec[b + CodePage.R_IMM]);
                                break;
                            case K_MOV8_MI:
                                startEip = e;
                                wr8(CodePage.segment(rec[b + CodePage.R_ADDR]), addr(rec[b + CodePage.R_ADDR], rec[b + CodePage.R_DISP]), rec[b + CodePage.R_IMM]);
                                break;
                            case K_MOV8_MR:
                                startEip = e;
                                wr8(CodePage.segment(rec[b + CodePage.R_ADDR]), addr(rec[b + CodePage.R_ADDR], rec[b + CodePage.R_DISP]), reg8(CodePage.regB(opw)));
                                break;
                            default: throw new IllegalStateException("kind " + kd + " in class " + cls);
                        }
                        if (breakBatch) { // the access reached a device that asked for a stop after it
                            e += len;
                            j++;
                            break;
                        }
                        } else {
                        switch (kd) {
                            case K_MOVX_R: {
                                int ssz = CodePage.sourceSize(opw);
                                r[a] = Semantics.extend(regSz(CodePage.regB(opw), ssz), ssz, CodePage.variant(opw));
                                break;
                            }
                            case K_NOP: break;
                            default:
                                startEip = e;
                                eip = e + len;
                                run(opw, rec[b + CodePage.R_ADDR], rec[b + CodePage.R_DISP], rec[b + CodePage.R_IMM]);
                                e = eip;
                                j++;
                                if (breakBatch) break; // a device access asked for a stop after it
                                k = e - base;
                                ri = Integer.compareUnsigned(k, 0x1000) < 0 ? at[k] : 0;
                                if (ri >= 2 && jit && (kd == K_CALL || kd == K_RET)) {
                                    int got = hot(cp, ri, e, n - j);
                                    if (got > 0) {
                                        j += got;
                                        e = eip;
                                        if (breakBatch) break;
                                        k = e - base;
                                        ri = Integer.compareUnsigned(k, 0x1000) < 0 ? at[k] : 0;
                                    }
                                }
                                continue;
                        }
                        }
                        e += len;
                        j++;
                        int nx = rec[b + CodePage.R_NEXT];
                        if (nx == 0) {
                            k = e - base;
                            nx = Integer.compareUnsigned(k, 0x1000) < 0 ? at[k] : 0;
                            if (nx >= 2) rec[b + CodePage.R_NEXT] = nx;
                        }
                        ri = nx;
                    }
                    eip = e;
                    if (j >= n || breakBatch) break;
                }
                batchDone = j;
                if (code32 && enterWindow()) {
                    // a jump, call or return to another page: the fast loop runs the record
                    // there, or the region entered there if it has one. Such an arrival counts
                    // towards translating there (a function called from other pages, a return to
                    // a caller on another page): with regions native, a stock Linux boot runs 94
                    // % of its instructions natively instead of 88 % and takes less CPU
                    // (docs/PERFORMANCE.md, "Arrivals counted: a Linux boot in native code"; when
                    // regions were JVM bytecode, counting them cost 1.6x: "Records at page
                    // entries and frame ends")
                    CodePage wc = fetchCode;
                    int wk = eip - fetchEipBase, wr = wc.at[wk];
                    if (wr >= 2 && jit) {
                        int got = hot(wc, wr, eip, n - j);
                        j += got;
                        if (got > 0 && breakBatch) break;
                    }
                    continue;
                }
                slowOne();
                j++;
                if (breakBatch) break;
            }
        } catch (Fault f) {
            blockPartial = j + jitPartial;
            jitPartial = 0;
            if (census != null) census.retired += blockPartial;
            throw f;
        }
        if (census != null) census.retired += j;
        return j;
    }

    /**
     * With EIP outside the fetch window (a jump, call or return to another page): points the
     * window at EIP's page, with the checks and faults of the fetch of its first byte ({@code
     * startEip} is EIP), and looks the page's records up, so that the instruction there runs
     * from its record rather than the interpreter. False if EIP is inside the window already or
     * its page is not RAM the window can cover.
     */
    private boolean enterWindow() {
        int e = eip;
        if (Integer.compareUnsigned(e - fetchEipBase, fetchLimit) < 0) return false;
        startEip = e;
        if (!fetchWindowAtEip()) return false;
        lookupCode();
        return true;
    }

    /** Counts this CPU's interpreted instructions in {@code c} (tests; the JVM's census is {@link InstructionCensus#JVM}). */
    final void useCensus(InstructionCensus c) {
        census = c;
    }

    /**
     * Copies the fetch window's bytes from offset {@code k} of its page into {@link
     * #instructionBytes}, up to its length and never past the page; returns how many.
     */
    private int copyInstructionBytes(int k) {
        int n = Math.min(instructionBytes.length, 0x1000 - k);
        RawMemory.copyToArray(fetchPage + k, instructionBytes, 0, n);
        return n;
    }

    /** The census's look at the instruction at {@code e}, if the fetch window holds it. */
    private boolean countInterpreted(int e) {
        int k = e - fetchEipBase;
        if (Integer.compareUnsigned(k, fetchLimit) >= 0) return false;
        census.interpreted(instructionBytes, 0, copyInstructionBytes(k), code32);
        return true;
    }

    private void alu32RM(int opw, int a, int eaw, int disp) {
        int sub = CodePage.operation(opw);
        int res = alu(sub & 7, r[a], rd32(CodePage.segment(eaw), addr(eaw, disp)), 2);
        if (Semantics.aluStores(sub)) r[a] = res;
    }

    private void alu32MR(int opw, int eaw, int disp) {
        int sub = CodePage.operation(opw);
        int s = CodePage.segment(eaw), off = addr(eaw, disp);
        int res = alu(sub & 7, rd32(s, off), r[CodePage.regB(opw)], 2);
        if (Semantics.aluStores(sub)) wr32(s, off, res);
    }

    private void alu32MI(int opw, int eaw, int disp, int imm) {
        int sub = CodePage.operation(opw);
        int s = CodePage.segment(eaw), off = addr(eaw, disp);
        int res = alu(sub & 7, rd32(s, off), imm, 2);
        if (Semantics.aluStores(sub)) wr32(s, off, res);
    }

    private void movxM(int opw, int a, int eaw, int disp) {
        int s = CodePage.segment(eaw), off = addr(eaw, disp);
        int ssz = CodePage.sourceSize(opw);
        r[a] = Semantics.extend(ssz == 0 ? rd8(s, off) : rd16(s, off), ssz, CodePage.variant(opw));
    }

    // ---- translated regions ----

    /**
     * At a branch, call or return target {@code ri} (EIP {@code e}) of the current frame: counts
     * it, translates it when hot, and runs its region (and the regions it exits into) when it has
     * one. Returns the instructions retired there (EIP updated), 0 if none ran.
     */
    private int hot(CodePage cp, int ri, int e, int budget) {
        if (cp.rec[CodePage.REC_WORDS * ri + CodePage.R_MARK] >= 0 && headRegionAt(cp, e)) {
            eip = e; // a loop head inside the native region that last left there
            return runRegions(cp, headRegionIndex, budget);
        }
        int idx = entryRegion(cp, ri, e - fetchEipBase);
        if (idx < 0) return 0;
        eip = e;
        return runRegions(cp, idx, budget);
    }

    /**
     * The region whose entry is record {@code ri} (frame offset {@code k}) of {@code cp}: its
     * index in {@code cp.regions} if it has one; otherwise this arrival is counted and the entry
     * translated once hot. -1: none (not hot yet, or not translatable).
     */
    private int entryRegion(CodePage cp, int ri, int k) {
        int mb = CodePage.REC_WORDS * ri + CodePage.R_MARK;
        int h = cp.rec[mb];
        if (h >= 0) {
            if (h < jitThreshold) {
                cp.rec[mb] = h + 1;
                return -1;
            }
            h = translate(cp, k);
            cp.rec[mb] = h;
        }
        return h == -1 ? -1 : -2 - h;
    }

    private int translate(CodePage cp, int k) {
        if (cp.regionDeaths >= MAX_REGION_DEATHS || cp.regionCount >= MAX_REGIONS_PER_FRAME) return -1;
        Region rg;
        TranslationListener listener = translationListener;
        if (listener != null) listener.translationBegins();
        long censusStart = NativeSubsetCensus.JVM != null ? System.nanoTime() : 0;
        try {
            RawMemory.copyToArray(fetchPage, codePageBytes, 0, codePageBytes.length);
            int why; // why a JVM region is not native (the census's InstructionCensus.JR_*)
            if (nativeTier != null && flatNative() && !cp.slowPathCalls(k)) {
                nativeRefusal[0] = InstructionCensus.JR_OTHER;
                rg = NativeRegion.compile(nativeTier, cp, codePageBytes, k, fetchEipBase, shortestStraightRegion, nativeRefusal);
                if (rg != null) nativeCompiled++;
                why = nativeRefusal[0];
            } else {
                rg = null;
                why = nativeTier == null ? InstructionCensus.JR_NO_TIER
                        : cp.slowPathCalls(k) ? InstructionCensus.JR_SLOW_EXITS : InstructionCensus.JR_NOT_FLAT;
            }
            if (rg == null) {
                rg = RegionCompiler.compile(cp, codePageBytes, 0, k, shortestStraightRegion, flatZeroData());
                if (rg != null) rg.notNative = (byte) why;
            }
        } catch (Throwable t) { // a translator defect must not stop the guest: it runs interpreted
            jitFailed++;
            jitLastFailure = t;
            return -1;
        } finally {
            if (listener != null) listener.translationEnds();
        }
        if (rg == null) return -1;
        if (NativeSubsetCensus.JVM != null) NativeSubsetCensus.JVM.translated(rg, codePageBytes, k, System.nanoTime() - censusStart);
        jitCompiled++;
        if (rg.shared) jitShared++;
        if (cp.regionCount == 0) holdCodeFrameWrites(cp.frame);
        return -2 - cp.addRegion(rg);
    }

    /** Runs region {@code idx} of {@code cp} and then the regions it exits into, within budget. */
    private int runRegions(CodePage cp, int idx, int budget) {
        int done = 0;
        try {
            int nativeExit = -1; // with the census: the last native region's return, counted with what follows it
            for (;;) {
                Region rg = cp.regions[idx];
                if (nativeExit >= 0) nativeExit = census.followedBy(nativeExit, rg instanceof NativeRegion);
                int got = rg.run(this, budget - done);
                done += got;
                if (census != null) {
                    census.inRegions += got;
                    if (rg instanceof NativeRegion nr) nativeExit = nr.lastExit;
                    else census.jvmRetiredBy[rg.notNative] += got;
                }
                if (rg instanceof NativeRegion nr && nr.lastReason == NativeContext.EXIT_BUDGET) {
                    headRegion = nr;
                    headRegionPage = cp;
                    headRegionIndex = idx;
                }
                rg.retired += got;
                jitEntries++;
                if (rg.dead) {
                    cp.rec[CodePage.REC_WORDS * rg.entryRecord + CodePage.R_MARK] = 0;
                    cp.regions[idx] = null;
                    cp.regionDeaths++;
                    jitDropped++;
                } else if (rg.stale) { // a native region whose arena was flushed: translated again when hot
                    cp.rec[CodePage.REC_WORDS * rg.entryRecord + CodePage.R_MARK] = 0;
                    cp.regions[idx] = null;
                } else if (rg.slowExits > SLOW_EXITS_MIN && rg.slowExits > rg.retired >>> SLOW_EXIT_SPACING) {
                    // it leaves for its slow paths more often than once per 2^SLOW_EXIT_SPACING
                    // instructions: the entry is translated again (when hot again) with calls there
                    cp.useSlowPathCalls(rg.entryOffset);
                    cp.rec[CodePage.REC_WORDS * rg.entryRecord + CodePage.R_MARK] = 0;
                    cp.regions[idx] = null;
                }
                if (breakBatch) return done; // it left after a store that asked for a stop
                if (budget - done < RegionPlan.MAX_INSNS) { // a region's run might not fit: ask for another batch
                    int more = grant(budget);
                    if (more == budget) return done;
                    budget = more;
                } else if (got == 0) {
                    return done;
                }
                int k = eip - fetchEipBase;
                if (Integer.compareUnsigned(k, 0x1000) >= 0) return done;
                int ri = cp.at[k];
                int h = ri < 2 ? 0 : cp.rec[CodePage.REC_WORDS * ri + CodePage.R_MARK];
                if (h <= -2) {
                    idx = -2 - h;
                } else if (headRegionAt(cp, eip)) {
                    idx = headRegionIndex;
                } else if (ri >= 2 && h >= 0 && cp == fetchCode && rg instanceof NativeRegion nr && nr.endedOut) {
                    // a native region's branch out or return to an instruction of this page that
                    // is no entry (the continuation after a call): counted as a branch to it is,
                    // and run here when it becomes an entry, instead of by the decoded loop (not
                    // an instruction a region left to the decoded loop: a region there would leave
                    // at once)
                    idx = entryRegion(cp, ri, k);
                    if (idx < 0) return done;
                } else {
                    return done;
                }
            }
        } catch (Fault f) {
            jitPartial += done;
            throw f;
        }
    }

    /** Whether {@link #headRegion} is still region {@link #headRegionIndex} of {@code cp} and has a loop head at {@code e}. */
    private boolean headRegionAt(CodePage cp, int e) {
        NativeRegion nr = headRegion;
        return nr != null && headRegionPage == cp && cp.regions[headRegionIndex] == nr && nr.entersAt(e) != 0;
    }

    /**
     * At a batch's start at {@code e} (record {@code ri} of {@code cp}, the fetch window's): runs
     * the region entered there, its own or a loop head of {@link #headRegion}, and the regions it
     * exits into; returns the instructions they retired (0: none ran).
     */
    private int regionAtBatchStart(CodePage cp, int ri, int e, int budget) {
        int h = cp.rec[CodePage.REC_WORDS * ri + CodePage.R_MARK];
        int idx;
        if (h <= -2) idx = -2 - h;
        else if (headRegionAt(cp, e)) idx = headRegionIndex;
        else return 0;
        eip = e;
        return runRegions(cp, idx, budget);
    }

    /**
     * A region (or the chain of regions) used up {@code budget}: returns a budget one batch
     * larger if nothing asked for the run loop's attention and the run's limit allows, else
     * {@code budget} (the chain returns to the run loop).
     */
    final int grant(int budget) {
        if (attention || regionGrant <= 0) return budget;
        int more = (int) Math.min(regionGrant, Core.BATCH);
        regionGrant -= more;
        jitGrants++;
        return budget + more;
    }

    /** Executes one decoded record (translated code's path for kinds it does not inline). */
    final void runRecord(int opw, int eaw, int disp, int imm) {
        run(opw, eaw, disp, imm);
    }

    /** The record at the branch target offset {@code k} (linked on first use), or 0. */
    private static int taken(int[] rec, int b, int k, char[] at) {
        int t = rec[b + CodePage.R_TARGET];
        if (t != 0) return t;
        if (Integer.compareUnsigned(k, 0x1000) >= 0) return 0;
        t = at[k];
        if (t >= 2) rec[b + CodePage.R_TARGET] = t;
        return t;
    }

    private int target(int t) {
        checkEip(t);
        return t;
    }

    private int interpretBlock(int n) {
        int j = 0;
        try {
            while (j < n) {
                batchDone = j;
                step();
                j++;
                if (breakBatch) break;
            }
        } catch (Fault f) {
            blockPartial = j;
            throw f;
        }
        return j;
    }

    /** The per-instruction state the decoded kinds assume (32-bit code; a record's segment is in its address word). */
    private void defaults() {
        op32 = true;
        addr32 = true;
        segOvr = -1;
        rep = 0;
    }

    /** One instruction outside the fast loop: look up the page, decode, or interpret. */
    private void slowOne() {
        int e = eip;
        int k = e - fetchEipBase;
        if (Integer.compareUnsigned(k, fetchLimit) < 0 && code32) {
            CodePage cp = fetchCode;
            if (cp == null) cp = lookupCode();
            int ri = cp.at[k];
            if (ri != 1) {
                copyInstructionBytes(k);
                ri = decoder.decode(cp, k, instructionBytes, 0, ri);
                if (ri > 1) {
                    int[] rec = cp.rec;
                    int b = CodePage.REC_WORDS * ri;
                    int opw = rec[b + CodePage.R_OP];
                    defaults();
                    startEip = e;
                    eip = e + (CodePage.length(opw));
                    run(opw, rec[b + CodePage.R_ADDR], rec[b + CodePage.R_DISP], rec[b + CodePage.R_IMM]);
                    return;
                }
            }
        }
        // every serializing instruction (CPUID, IRET, MOV CR, WRMSR, LGDT, ...) comes here: after
        // one, regions compare their code again (another CPU may have changed it, x86's rule for
        // cross-modifying code)
        codeEpoch++;
        boolean counted = census != null && countInterpreted(e);
        step();
        if (census != null && !counted && !countInterpreted(e)) census.interpreted(null, 0, 0, code32);
        if (fetchCode == null && fetchLimit == 0x1000 && code32) {
            lookupCode(); // a new window: the next instruction can come from the fast loop
        }
    }

    /** Jcc condition {@code cc}: {@link Flags#cond}, which computes only the flags it reads. */
    private boolean jcc(int cc) {
        return cond(cc);
    }

    // ---- execution ----

    /** The offset of a record's memory operand: {@link Semantics#effectiveAddress}. */
    private int addr(int eaw, int disp) {
        int form = CodePage.addressForm(eaw);
        return Semantics.effectiveAddress(Forms.hasBase(form) ? r[CodePage.base(eaw)] : 0,
                Forms.hasIndex(form) ? r[CodePage.index(eaw)] : 0, CodePage.scale(eaw), disp);
    }

    private void run(int opw, int eaw, int disp, int imm) {
        int a = CodePage.regA(opw), b = CodePage.regB(opw), sub = CodePage.operation(opw), sz = CodePage.size(opw);
        switch (CodePage.kind(opw)) {
            case K_ADD32_RR: case K_SUB32_RR: case K_CMP32_RR: case K_XOR32_RR: case K_AND32_RR: case K_OR32_RR:
            case K_TEST32_RR:
            case K_ALU32_RR: {
                int res = alu(sub & 7, r[a], r[b], 2);
                if (Semantics.aluStores(sub)) r[a] = res;
                return;
            }
            case K_ADD32_RI: case K_SUB32_RI: case K_CMP32_RI: case K_XOR32_RI: case K_AND32_RI: case K_OR32_RI:
            case K_TEST32_RI:
            case K_ALU32_RI: {
                int res = alu(sub & 7, r[a], imm, 2);
                if (Semantics.aluStores(sub)) r[a] = res;
                return;
            }
            case K_MOV32_RR: r[a] = r[b]; return;
            case K_MOV32_RM: r[a] = rd32(CodePage.segment(eaw), addr(eaw, disp)); return;
            case K_MOV32_MR: wr32(CodePage.segment(eaw), addr(eaw, disp), r[b]); return;
            case K_MOV_RI: setRegSz(a, sz, imm); return;
            case K_LEA: r[a] = addr(eaw, disp); return;
            case K_INC_R: r[a] = inc(r[a], 2); return;
            case K_DEC_R: r[a] = dec(r[a], 2); return;
            case K_JCC: if (jcc(sub)) jump(imm); return;
            case K_JMP: jump(imm); return;
            default: run2(opw, eaw, disp, imm, a, b, sub, sz);
        }
    }

    private void jump(int rel) {
        int t = eip + rel;
        checkEip(t);
        eip = t;
    }

    private void run2(int opw, int eaw, int disp, int imm, int a, int b, int sub, int sz) {
        switch (CodePage.kind(opw)) {
            case K_ALU_RR: {
                int res = alu(sub & 7, regSz(a, sz), regSz(b, sz), sz);
                if (Semantics.aluStores(sub)) setRegSz(a, sz, res);
                return;
            }
            case K_ALU_RI: {
                int res = alu(sub & 7, regSz(a, sz), imm, sz);
                if (Semantics.aluStores(sub)) setRegSz(a, sz, res);
                return;
            }
            case K_ALU_MR: {
                int s = CodePage.segment(eaw), off = addr(eaw, disp);
                int res = alu(sub & 7, rdSz(s, off, sz), regSz(b, sz), sz);
                if (Semantics.aluStores(sub)) wrSz(s, off, sz, res);
                return;
            }
            case K_ALU_RM: {
                int res = alu(sub & 7, regSz(a, sz), rdSz(CodePage.segment(eaw), addr(eaw, disp), sz), sz);
                if (Semantics.aluStores(sub)) setRegSz(a, sz, res);
                return;
            }
            case K_ALU_MI: {
                int s = CodePage.segment(eaw), off = addr(eaw, disp);
                int res = alu(sub & 7, rdSz(s, off, sz), imm, sz);
                if (Semantics.aluStores(sub)) wrSz(s, off, sz, res);
                return;
            }
            case K_MOV_RR: setRegSz(a, sz, regSz(b, sz)); return;
            case K_MOV_RM: setRegSz(a, sz, rdSz(CodePage.segment(eaw), addr(eaw, disp), sz)); return;
            case K_MOV_MR: wrSz(CodePage.segment(eaw), addr(eaw, disp), sz, regSz(b, sz)); return;
            case K_MOV32_MI: case K_MOV8_MI:
            case K_MOV_MI: wrSz(CodePage.segment(eaw), addr(eaw, disp), sz, imm); return;
            case K_MOV8_MR: wr8(CodePage.segment(eaw), addr(eaw, disp), reg8(b)); return;
            // SETcc and CMOVcc (the condition code is the operation), as Exec0F's H_SETCC and Exec.cmov:
            // CMOV reads its memory operand whatever the condition (SDM Vol. 2, CMOVcc)
            case K_SETCC_R: setReg8(a, cond(sub) ? 1 : 0); return;
            case K_SETCC_M: wr8(CodePage.segment(eaw), addr(eaw, disp), cond(sub) ? 1 : 0); return;
            case K_CMOV_R: if (cond(sub)) r[a] = r[b]; return;
            case K_CMOV_M: {
                int v = rd32(CodePage.segment(eaw), addr(eaw, disp));
                if (cond(sub)) r[a] = v;
                return;
            }
            case K_INCDEC_R: {
                int v = regSz(a, sz);
                setRegSz(a, sz, sub == 0 ? inc(v, sz) : dec(v, sz));
                return;
            }
            case K_INCDEC_M: {
                int s = CodePage.segment(eaw), off = addr(eaw, disp);
                int v = rdSz(s, off, sz);
                wrSz(s, off, sz, sub == 0 ? inc(v, sz) : dec(v, sz));
                return;
            }
            case K_PUSH_R: push32(r[a]); return;
            case K_POP_R: {
                int v = pop32();
                r[a] = v;
                return;
            }
            case K_PUSH_I: push32(imm); return;
            case K_CALL: {
                int t = eip + imm;
                checkEip(t);
                push32(eip);
                eip = t;
                return;
            }
            case K_RET: {
                int t = peek(0, true);
                checkEip(t);
                addSp(4);
                eip = t;
                return;
            }
            case K_SHIFT_R: {
                int count = CodePage.variant(opw) ? r[1] & 0xFF : imm;
                setRegSz(a, sz, shift(sub, regSz(a, sz), count, sz));
                return;
            }
            case K_GRP3_R: notNegMulDiv(sub, sz, -1, 0, a); return;
            case K_GRP3_M: notNegMulDiv(sub, sz, CodePage.segment(eaw), addr(eaw, disp), 0); return;
            case K_SHIFT_M: {
                int s = CodePage.segment(eaw), off = addr(eaw, disp);
                int count = CodePage.variant(opw) ? r[1] & 0xFF : imm;
                int v = rdSz(s, off, sz);
                wrSz(s, off, sz, shift(sub, v, count, sz));
                return;
            }
            case K_MOVX_R: {
                int ssz = CodePage.sourceSize(opw);
                r[a] = Semantics.extend(regSz(b, ssz), ssz, CodePage.variant(opw));
                return;
            }
            case K_MOVX_M: movxM(opw, a, eaw, disp); return;
            case K_IMUL_RR: r[a] = imul2(CodePage.variant(opw) ? r[b] : r[a], CodePage.variant(opw) ? imm : r[b], 2); return;
            case K_IMUL_RM: {
                int v = rd32(CodePage.segment(eaw), addr(eaw, disp));
                r[a] = imul2(CodePage.variant(opw) ? v : r[a], CodePage.variant(opw) ? imm : v, 2);
                return;
            }
            case K_NOP: return;
            case K_MOV32_RI: r[a] = imm; return;
            case K_SHIFT32_RI: r[a] = shift(sub & 7, r[a], imm, 2); return;
            case K_ALU32_RM: alu32RM(opw, a, eaw, disp); return;
            case K_ALU32_MR: alu32MR(opw, eaw, disp); return;
            case K_ALU32_MI: alu32MI(opw, eaw, disp, imm); return;
            default: throw new IllegalStateException("bad decoded record " + opw);
        }
    }

}
