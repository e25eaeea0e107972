package org.oxen.x86.cpu.internal;

import org.oxen.x86.api.Clock;
import org.oxen.x86.api.InterruptAcknowledge;
import org.oxen.x86.api.InterruptLine;
import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.PhysicalMemory;
import org.oxen.x86.cpu.CpuOptions;
import org.oxen.x86.cpu.CpuidModel;
import org.oxen.x86.cpu.RunResult;

/**
 * The CPU: run loop, event recognition (INTR, NMI, injected events), and the public state API;
 * exits (to the owner's handler) are {@link Exits}'.
 *
 * <p>Design: {@link #run} executes batches of up to {@value #BATCH} instructions through
 * {@code step()}; an instruction that changes interrupt-relevant state sets {@code breakBatch}.
 * Translated regions that use up a batch go on for another one while no input (INTR raised,
 * NMI, stop) has set {@code attention} since the batch began ({@code Cached.grant}), so a guest
 * loop is not left and entered again every batch.
 * Guest faults unwind by the preallocated {@link Fault}; the loop rewinds EIP and delivers.
 *
 * <p>A stop asked for by the thread running the CPU, from inside an instruction (a device
 * its access reached armed a deadline: {@link #requestStopAfterInstruction}), also sets the
 * plain {@code breakBatch} and {@code codeWritten}: the interpreter and the decoded loop test
 * {@code breakBatch} after each instruction that can reach a device (port I/O and memory
 * records; nothing per register instruction), a translated region tests {@code codeWritten}
 * after each store through the CPU as it always did and then leaves after that store
 * ({@code Region.storeChecked}), and the region dispatcher tests {@code breakBatch} after each
 * region: the run returns STOPPED before the next instruction.
 *
 * <p>Locking: none. Cross-thread inputs (INTR level, NMI, stop) are volatile fields read
 * between batches; each also sets the volatile {@code attention}, which the run loop clears
 * before it reads them and the region dispatcher reads at each batch boundary. {@code runner}
 * is written by the running thread; another thread may read a stale value of it, which can
 * only make its stop request set the two plain hints as well (an early end of an inner batch,
 * an extra code compare: both harmless).
 */
public final class Core extends Exits {

    static final int BATCH = 4096;
    /** The most instructions regions may run past one batch without returning to the run loop. */
    private static final long MAX_GRANT = 1 << 30;

    private volatile boolean intrLevel;
    private volatile boolean nmiPending;
    private volatile boolean stopRequested;
    private InterruptAcknowledge pic;
    private int injectVector = -1, injectError = -1;
    private boolean injectIsException;
    private boolean running;
    /** The thread inside {@link #run} (null outside it). */
    private Thread runner;

    private final InterruptLine intrLine = new InterruptLine() {
        @Override
        public void set(boolean high) {
            intrLevel = high;
            if (high) attention = true;
        }
    };

    public Core(PhysicalMemory mem, IoPortDevice io, CpuOptions options) {
        super(mem, io, options);
        reset();
    }

    @Override
    public void reset() {
        for (int i = 0; i < 8; i++) r[i] = 0;
        r[2] = 0x600; // EDX: family/model/stepping
        eflags = 2;
        lop = L_NONE;
        cr0 = 0x60000010;
        cr2 = cr3 = cr4 = 0;
        efer = 0;
        for (int s = 0; s < 6; s++) {
            segSel[s] = 0;
            segBase[s] = 0;
            segLimit[s] = 0xFFFF;
            segAttr[s] = s == CpuState.CS ? 0x9B : 0x93;
            segCache(s);
        }
        segSel[CpuState.CS] = 0xF000;
        segBase[CpuState.CS] = 0xFFFF0000;
        eip = 0xFFF0;
        gdtBase = idtBase = 0;
        gdtLimit = idtLimit = 0xFFFF;
        ldtSel = ldtBase = 0;
        ldtLimit = 0xFFFF;
        ldtAttr = 0x82;
        trSel = trBase = 0;
        trLimit = 0xFFFF;
        trAttr = 0x8B;
        dr6 = 0xFFFF0FF0;
        dr7 = 0x400;
        debugUpdate();
        halted = false;
        shutdown = false;
        intShadow = false;
        nmiBlocked = false;
        injectVector = -1;
        cplSet(0);
        flushTlb(true);
        fpu.reset();
    }

    // ---- run loop ----

    @Override
    public RunResult run(long maxInstructions) {
        if (running) throw new IllegalStateException("run() re-entered (from an exit handler?)");
        running = true;
        runner = Thread.currentThread();
        try {
            return runLoop(maxInstructions);
        } finally {
            running = false;
            runner = null;
        }
    }

    private RunResult runLoop(long maxInstructions) {
        long end = icount + maxInstructions;
        for (;;) {
            // cleared before the inputs are read: an input raised after this read sets it again
            attention = false;
            codeEpoch++; // a new batch: regions compare their code again on entry (other CPUs, DMA)
            if (shutdown) return RunResult.SHUTDOWN;
            if (stopRequested) {
                stopRequested = false;
                return RunResult.STOPPED;
            }
            boolean shadow = intShadow;
            intShadow = false;
            try {
                if (injectVector >= 0 || nmiPending || (intrLevel && !shadow)) {
                    events(shadow);
                    if (shutdown) continue;
                }
            } catch (Fault f) {
                // delivery of an external event faulted: treat as an exception at the current EIP
                startEip = eip;
                if (handleFault()) return RunResult.EXIT;
                continue;
            }
            if (halted) return RunResult.HALTED;
            long left = end - icount;
            if (left <= 0) return RunResult.INSTRUCTION_LIMIT;
            boolean singleStep = (eflags & TF) != 0;
            boolean debug = debugActive; // breakpoints: one instruction at a time
            int n = shadow || singleStep || debug ? 1 : (int) Math.min(left, BATCH);
            // a translated region may run on past the batch, a batch at a time, while no input
            // asks for attention (Cached.grant), up to the run's limit (and an int's range)
            regionGrant = n == 1 ? 0 : Math.min(left - n, MAX_GRANT);
            breakBatch = false;
            int i = 0;
            blockPartial = 0;
            try {
                int db = debug ? beforeInstruction(shadow) : 0; // BT of a task gate's switch comes first
                if (db == 0) {
                    i = execBlock(n);
                    db = (singleStep || debugActive) && i > 0 ? trapBits(singleStep) : 0;
                }
                if (db != 0) {
                    // single-step (TF set before the instruction), data breakpoints, task T bit: #DB trap
                    batchDone = 0;
                    icount += i;
                    i = 0;
                    dr6Trap(db);
                    startEip = eip;
                    if (debugExit()) return RunResult.EXIT;
                }
            } catch (Fault f) {
                batchDone = 0;
                icount += i + blockPartial;
                i = 0;
                end--; // a fault retires nothing: charge it so that a resumed faulting loop still ends
                if (handleFault()) return RunResult.EXIT;
            }
            batchDone = 0;
            icount += i;
        }
    }

    private void events(boolean shadow) {
        if (injectVector >= 0) {
            int v = injectVector, e = injectError;
            boolean exc = injectIsException;
            injectVector = -1;
            halted = false;
            if (exc) {
                startEip = eip;
                exception(v, e >= 0, e);
            } else {
                interrupt(v, T_EXT, false, 0);
            }
            return;
        }
        if (nmiPending && !nmiBlocked && !shadow) {
            nmiPending = false;
            halted = false;
            interrupt(NMI_V, T_EXT, false, 0);
            nmiBlocked = true; // until the next IRET
            return;
        }
        if (intrLevel && !shadow && (eflags & IF) != 0 && pic != null) {
            int v = pic.acknowledge() & 0xFF;
            halted = false;
            interrupt(v, T_EXT, false, 0);
        }
    }

    @Override
    public void requestStop() {
        stopRequested = true;
        attention = true;
    }

    @Override
    public void requestStopAfterInstruction() {
        stopRequested = true;
        attention = true;
        if (Thread.currentThread() == runner) {
            breakBatch = true; // the interpreter's and the decoded loop's test after a device access
            codeWritten = true; // a region's test after a store through the CPU (Region.storeChecked)
        }
    }

    @Override
    public long instructionCount() {
        return retired();
    }

    @Override
    public boolean isHalted() {
        return halted;
    }

    @Override
    public void setHalted(boolean h) {
        halted = h;
    }

    @Override
    public InterruptLine intr() {
        return intrLine;
    }

    @Override
    public void setInterruptController(InterruptAcknowledge controller) {
        pic = controller;
    }

    @Override
    public void nmi() {
        nmiPending = true;
        attention = true;
    }

    @Override
    public void setFerrLine(InterruptLine line) {
        ferr = line;
    }

    @Override
    public void injectException(int vector, int errorCode) {
        injectVector = vector;
        injectError = errorCode;
        injectIsException = true;
    }

    @Override
    public org.oxen.x86.cpu.CpuEvents events() {
        return new org.oxen.x86.cpu.CpuEvents(intShadow, nmiBlocked, nmiPending, injectVector, injectError,
                injectIsException);
    }

    @Override
    public void setEvents(org.oxen.x86.cpu.CpuEvents e) {
        intShadow = e.interruptShadow();
        nmiBlocked = e.nmiBlocked();
        nmiPending = e.nmiPending();
        injectVector = e.injectVector();
        injectError = e.injectError();
        injectIsException = e.injectException();
        breakBatch = true;
    }

    @Override
    public void injectInterrupt(int vector) {
        injectVector = vector;
        injectError = -1;
        injectIsException = false;
    }

    // ---- state ----

    @Override
    public int gpr(int index) {
        return r[index];
    }

    @Override
    public void setGpr(int index, int value) {
        r[index] = value;
    }

    @Override
    public int eip() {
        return eip;
    }

    @Override
    public void setEip(int v) {
        eip = v;
    }

    @Override
    public void setEflags(int f) {
        eflags = (f & 0x3F7FD5) | 2;
        lop = L_NONE;
        debugUpdate();
    }

    @Override
    public org.oxen.x86.cpu.SegmentState segment(int s) {
        return new org.oxen.x86.cpu.SegmentState(segSel[s], segBase[s], segLimit[s], segAttr[s]);
    }

    @Override
    public void setSegment(int s, org.oxen.x86.cpu.SegmentState st) {
        segSel[s] = st.selector;
        segBase[s] = st.base;
        segLimit[s] = st.limit;
        segAttr[s] = st.attributes;
        segCache(s);
        if (s == CpuState.CS) {
            cplSet(pm() ? ((st.attributes & 0x1C) == 0x1C ? st.selector & 3 : st.dpl()) : 0);
        }
    }

    @Override
    public boolean loadSegment(int s, int selector) {
        try {
            if (s == CpuState.CS) {
                if (pm()) {
                    readDesc(selector, GP);
                    loadCs(selector, descLo, descHi, selector & 3);
                } else {
                    loadSegReal(CpuState.CS, selector);
                    fetchLimit = 0;
                }
            } else {
                loadSeg(s, selector);
            }
            return true;
        } catch (Fault f) {
            return false;
        }
    }

    @Override
    public org.oxen.x86.cpu.SegmentState ldtr() {
        return new org.oxen.x86.cpu.SegmentState(ldtSel, ldtBase, ldtLimit, ldtAttr);
    }

    @Override
    public void setLdtr(org.oxen.x86.cpu.SegmentState s) {
        ldtSel = s.selector;
        ldtBase = s.base;
        ldtLimit = s.limit;
        ldtAttr = s.attributes;
    }

    @Override
    public org.oxen.x86.cpu.SegmentState tr() {
        return new org.oxen.x86.cpu.SegmentState(trSel, trBase, trLimit, trAttr);
    }

    @Override
    public void setTr(org.oxen.x86.cpu.SegmentState s) {
        trSel = s.selector;
        trBase = s.base;
        trLimit = s.limit;
        trAttr = s.attributes;
    }

    @Override
    public int gdtBase() {
        return gdtBase;
    }

    @Override
    public int gdtLimit() {
        return gdtLimit;
    }

    @Override
    public void setGdt(int base, int limit) {
        gdtBase = base;
        gdtLimit = limit;
    }

    @Override
    public int idtBase() {
        return idtBase;
    }

    @Override
    public int idtLimit() {
        return idtLimit;
    }

    @Override
    public void setIdt(int base, int limit) {
        idtBase = base;
        idtLimit = limit;
    }

    @Override
    public int cpl() {
        return cpl;
    }

    @Override
    public void setCpl(int c) {
        cplSet(c);
    }

    @Override
    public int cr(int n) {
        switch (n) {
            case 0: return cr0;
            case 2: return cr2;
            case 3: return cr3;
            case 4: return cr4;
            default: throw new IllegalArgumentException("CR" + n);
        }
    }

    @Override
    public void setCr(int n, int v) {
        switch (n) {
            case 0: cr0 = v | 0x10; loadPdptes(); flushTlb(true); debugUpdate(); break;
            case 2: cr2 = v; break;
            case 3: cr3 = v; loadPdptes(); flushTlb(false); break;
            case 4: cr4 = v; loadPdptes(); flushTlb(true); debugUpdate(); break;
            default: throw new IllegalArgumentException("CR" + n);
        }
    }

    @Override
    public int dr(int n) {
        return readDr(n);
    }

    @Override
    public void setDr(int n, int v) {
        writeDr(n, v);
    }

    @Override
    public long msr(int index) {
        try {
            return readMsr(index);
        } catch (Fault f) {
            throw new IllegalArgumentException("no MSR " + Integer.toHexString(index));
        }
    }

    @Override
    public void setMsr(int index, long value) {
        try {
            writeMsr(index, value);
        } catch (Fault f) {
            throw new IllegalArgumentException("no MSR " + Integer.toHexString(index) + " or bad value");
        }
    }

    @Override
    public void saveFpu(byte[] image) {
        fpu.fxsave(0, 0, new ArrayFpuHost(image, this));
    }

    @Override
    public void restoreFpu(byte[] image) {
        fpu.fxrstor(0, 0, new ArrayFpuHost(image, this));
    }

    @Override
    public CpuidModel cpuidModel() {
        return cpuidModel;
    }

    @Override
    public void setCpuidModel(CpuidModel model) {
        cpuidModel = model;
    }

    @Override
    public void setClock(Clock c) {
        clock = c;
    }

    @Override
    public void flushTlb() {
        flushTlb(true);
    }

    @Override
    public void invalidatePage(int linear) {
        invlpg(linear);
    }

    @Override
    public void invalidateCode(long physAddress, int length) {
        fetchLimit = 0;
        codeEpoch++;
    }

    /** The byte at CS:EIP (for test support), or -1 if it cannot be read. */
    public int peekCode() {
        try {
            return lread8(segBase[CpuState.CS] + eip, tlbSet);
        } catch (Fault f) {
            return -1;
        }
    }

    @Override
    public void setTranslationListener(org.oxen.x86.cpu.TranslationListener listener) {
        translationListener = listener;
    }

    @Override
    public org.oxen.x86.cpu.TranslationStatistics translationStatistics() {
        return new org.oxen.x86.cpu.TranslationStatistics(jitCompiled, jitFailed, jitDropped, jitShared, jitEntries,
                jitGrants, jitCodeChecks, nativeCompiled, nativeCalls, nativeRetired, nativeTlbFills,
                nativeTier == null ? 0 : nativeTier.codeFlushes());
    }

    /** The last translation failure (a translator defect), or null: for tests in this bundle. */
    public Throwable translatorFailure() {
        return jitLastFailure;
    }

    /** The x87 unit (for tests in this bundle, e.g. the differential tester, to read FPU state). */
    public org.oxen.x86.cpu.fpu.X87 x87() {
        return fpu;
    }

    @Override
    public long translateLinear(int linear, boolean write, boolean user) {
        try {
            return physOf(linear, write ? ACC_WRITE : ACC_READ, user ? TLB_SIZE : 0);
        } catch (Fault f) {
            return -1L - faultError;
        }
    }

    @Override
    public boolean readLinear(int linear, byte[] dst, int offset, int length, boolean user) {
        for (int done = 0; done < length;) {
            int lin = linear + done;
            int n = Math.min(length - done, 0x1000 - (lin & 0xFFF));
            long pa = translateLinear(lin, false, user);
            if (pa < 0) return false;
            for (int k = 0; k < n; k++) dst[offset + done + k] = (byte) mem.read8(pa + k);
            done += n;
        }
        return true;
    }

    @Override
    public boolean writeLinear(int linear, byte[] src, int offset, int length, boolean user) {
        for (int done = 0; done < length;) {
            int lin = linear + done;
            int n = Math.min(length - done, 0x1000 - (lin & 0xFFF));
            if (translateLinear(lin, true, user) < 0) return false;
            done += n;
        }
        for (int done = 0; done < length;) {
            int lin = linear + done;
            int n = Math.min(length - done, 0x1000 - (lin & 0xFFF));
            long pa = translateLinear(lin, true, user);
            for (int k = 0; k < n; k++) mem.write8(pa + k, src[offset + done + k]);
            done += n;
        }
        invalidateCode(0, 0);
        return true;
    }
}
