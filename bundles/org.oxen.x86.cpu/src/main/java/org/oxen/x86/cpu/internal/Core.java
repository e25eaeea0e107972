package org.oxen.x86.cpu.internal;

import java.util.BitSet;

import org.oxen.x86.api.Clock;
import org.oxen.x86.api.InterruptAcknowledge;
import org.oxen.x86.api.InterruptLine;
import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.PhysicalMemory;
import org.oxen.x86.cpu.CpuOptions;
import org.oxen.x86.cpu.CpuExit;
import org.oxen.x86.cpu.CpuidModel;
import org.oxen.x86.cpu.ExitAction;
import org.oxen.x86.cpu.ExitHandler;
import org.oxen.x86.cpu.ExitReason;
import org.oxen.x86.cpu.RunResult;
import org.oxen.x86.cpu.X86Cpu;

/**
 * The CPU: run loop, event recognition (INTR, NMI, injected events), exits, and the public
 * state API.
 *
 * <p>Design: {@link #run} executes batches of up to {@value #BATCH} instructions through
 * {@code step()}; an instruction that changes interrupt-relevant state sets {@code breakBatch}.
 * Translated regions that use up a batch go on for another one while no input (INTR raised,
 * NMI, stop) has set {@code attention} since the batch began ({@code Cached.grant}), so a guest
 * loop is not left and entered again every batch.
 * Guest faults unwind by the preallocated {@link Fault}; the loop rewinds EIP and delivers.
 *
 * <p>Locking: none. Cross-thread inputs (INTR level, NMI, stop) are volatile fields read
 * between batches; each also sets the volatile {@code attention}, which the run loop clears
 * before it reads them and the region dispatcher reads at each batch boundary.
 */
public final class Core extends Cached implements X86Cpu {

    static final int BATCH = 4096;
    /** The most instructions regions may run past one batch without returning to the run loop. */
    private static final long MAX_GRANT = 1 << 30;

    private volatile boolean intrLevel;
    private volatile boolean nmiPending;
    private volatile boolean stopRequested;
    private InterruptAcknowledge pic;
    private ExitHandler handler;
    private final CpuExit lastExit = new CpuExit();
    private int injectVector = -1, injectError = -1;
    private boolean injectIsException;
    private boolean privGpExit;
    private int[] pfRanges = new int[0];
    private BitSet pfFrames;
    private boolean running;

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
        try {
            return runLoop(maxInstructions);
        } finally {
            running = false;
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

    /**
     * A #DB that {@link #setExceptionExit} asks to see (a trap after the instruction, or an
     * instruction breakpoint before it: DR6 already says which) leaves the CPU like any other
     * exception, EIP where the #DB frame would return to; true when run() must return EXIT.
     */
    private boolean debugExit() {
        if ((exceptionExitMask & (1 << DB)) == 0) {
            exception(DB, false, 0);
            return false;
        }
        lastExit.set(ExitReason.EXCEPTION, DB, -1, 0, 0, 0, false, 0, 0, -1, eip, eip);
        ExitAction a = handler == null ? ExitAction.STOP : handler.onExit(this, lastExit);
        switch (a) {
            case STOP: return true;
            case DELIVER:
                exception(DB, false, 0);
                return false;
            default: return false;
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

    /** Handles the fault signal; true when run() must return EXIT. */
    private boolean handleFault() {
        int vec = faultVector;
        boolean priv = privFault;
        privFault = false;
        eip = startEip;
        if (vec == EXIT) {
            return doExit();
        }
        boolean hasErr = faultHasError;
        int err = faultError, addr = faultAddr;
        if (exceptionExits(vec, priv)) {
            lastExit.set(ExitReason.EXCEPTION, vec, hasErr ? err : -1, vec == PF_V ? addr : 0, 0,
                    0, false, 0, 0, -1, startEip, startEip);
            ExitAction a = handler == null ? ExitAction.STOP : handler.onExit(this, lastExit);
            switch (a) {
                case STOP: return true;
                case DELIVER: break;
                default: return false;
            }
            faultAddr = addr; // the handler may have used translateLinear
        }
        faultEntry(vec); // RF=1 in the pushed EFLAGS (but for #DB, which clears DR7.GD)
        exception(vec, hasErr, err);
        return false;
    }

    private boolean exceptionExits(int vec, boolean priv) {
        if ((exceptionExitMask & (1 << vec)) != 0) return true;
        if (vec == GP && priv && privGpExit) return true;
        if (vec == PF_V) {
            int a = faultAddr;
            for (int i = 0; i < pfRanges.length; i += 2) {
                if (Integer.compareUnsigned(a, pfRanges[i]) >= 0 && Integer.compareUnsigned(a, pfRanges[i + 1]) < 0) {
                    return true;
                }
            }
            if (pfFrames != null && (faultError & 1) != 0) {
                long fr = frameOf(a);
                return fr >= 0 && fr < Integer.MAX_VALUE && pfFrames.get((int) fr);
            }
        }
        return false;
    }

    private boolean doExit() {
        ExitReason reason;
        long value = 0;
        int reg = -1, index = 0, port = 0, size = 0, vector = -1;
        boolean write = false;
        switch (exitReason) {
            case X_SOFTINT: reason = ExitReason.SOFTWARE_INTERRUPT; vector = exitIndex; break;
            case X_TRAP:
                reason = ExitReason.EXCEPTION;
                vector = exitIndex;
                eip = exitNextEip; // a trap: the CPU stands after the instruction
                break;
            case X_HLT: reason = ExitReason.HLT; break;
            case X_VMCALL: reason = ExitReason.VMCALL; index = exitIndex; break;
            case X_IO:
                reason = ExitReason.IO;
                port = exitPort;
                size = exitSize;
                write = exitWrite;
                value = write ? exitValue & 0xFFFFFFFFL : 0;
                break;
            case X_CR:
                reason = ExitReason.CR_ACCESS;
                index = exitIndex;
                write = exitWrite;
                value = write ? exitValue & 0xFFFFFFFFL : 0;
                reg = exitPort;
                break;
            default:
                reason = ExitReason.MSR_ACCESS;
                index = exitIndex;
                write = exitWrite;
                value = write ? exitValue64 : 0;
                break;
        }
        lastExit.set(reason, vector, -1, 0, port, size, write, value, index, reg, startEip, exitNextEip);
        ExitAction a = handler == null ? ExitAction.STOP : handler.onExit(this, lastExit);
        switch (a) {
            case STOP: return true;
            case RESUME: return false;
            case COMPLETE:
                try {
                    complete(lastExit.value());
                } catch (Fault f) { // INS storing the handler's value
                    return handleFault();
                }
                return false;
            default:
                try {
                    deliverNatively();
                } catch (Fault f) {
                    return handleFault();
                }
                return false;
        }
    }

    private void complete(long value) {
        CpuExit x = lastExit;
        if (x.reason() == ExitReason.IO && exitString) {
            finishStringIo((int) value, false, x.eip(), x.nextEip());
            return;
        }
        if (!x.write()) {
            switch (x.reason()) {
                case IO: setRegSz(0, x.size() == 1 ? 0 : x.size() == 2 ? 1 : 2, (int) value); break;
                case MSR_ACCESS: r[0] = (int) value; r[2] = (int) (value >>> 32); break;
                case CR_ACCESS: if (x.register() >= 0) r[x.register()] = (int) value; break;
                case VMCALL: r[0] = (int) value; break;
                default: break;
            }
        }
        eip = x.nextEip();
    }

    private void deliverNatively() {
        CpuExit x = lastExit;
        startEip = x.eip();
        switch (x.reason()) {
            case EXCEPTION: // INT3/INTO/INT1 trap exits
            case SOFTWARE_INTERRUPT:
                eip = x.nextEip();
                if (v86() && iopl() < 3) throw gp(0);
                interrupt(x.vector(), T_SOFT, false, 0);
                return;
            case HLT:
                eip = x.nextEip();
                halted = true;
                return;
            case VMCALL: // not a hypercall after all: what the CPU does outside VMX/SVM operation
                eip = x.eip();
                throw ud();
            case IO: {
                if (exitString) {
                    finishStringIo(0, true, x.eip(), x.nextEip());
                    return;
                }
                int sz = x.size() == 1 ? 0 : x.size() == 2 ? 1 : 2;
                if (x.write()) {
                    switch (sz) {
                        case 0: io.write8(x.port(), (int) x.value()); break;
                        case 1: io.write16(x.port(), (int) x.value()); break;
                        default: io.write32(x.port(), (int) x.value());
                    }
                } else {
                    setRegSz(0, sz, sz == 0 ? io.read8(x.port()) : sz == 1 ? io.read16(x.port()) : io.read32(x.port()));
                }
                eip = x.nextEip();
                return;
            }
            case CR_ACCESS:
                if (x.write()) {
                    setCrChecked(x.index(), (int) x.value());
                } else if (x.register() >= 0) {
                    r[x.register()] = cr(x.index());
                }
                eip = x.nextEip();
                return;
            case MSR_ACCESS:
                if (x.write()) {
                    writeMsr(x.index(), x.value());
                } else {
                    long v = readMsr(x.index());
                    r[0] = (int) v;
                    r[2] = (int) (v >>> 32);
                }
                eip = x.nextEip();
                return;
            default:
                return;
        }
    }

    private void setCrChecked(int n, int v) {
        switch (n) {
            case 0: writeCr0(v); break;
            case 2: cr2 = v; break;
            case 3: writeCr3(v); break;
            default: writeCr4(v); break;
        }
    }

    @Override
    public void completeExit(long value) {
        try {
            complete(value);
        } catch (Fault f) { // INS storing the value: the fault is delivered when the CPU runs
            eip = lastExit.eip();
            injectException(faultVector, faultHasError ? faultError : -1);
        }
    }

    @Override
    public void requestStop() {
        stopRequested = true;
        attention = true;
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

    // ---- exit configuration ----

    @Override
    public void setExitHandler(ExitHandler h) {
        handler = h;
    }

    @Override
    public void setSoftwareInterruptExit(int vector, boolean on) {
        if (softIntExit == null) softIntExit = new boolean[256];
        softIntExit[vector & 0xFF] = on;
    }

    @Override
    public void setExceptionExit(int vector, boolean on) {
        exceptionExitMask = on ? exceptionExitMask | 1 << vector : exceptionExitMask & ~(1 << vector);
    }

    @Override
    public void setPrivilegedGpExit(boolean on) {
        privGpExit = on;
    }

    @Override
    public void addPageFaultExitRange(int start, int end) {
        int[] n = java.util.Arrays.copyOf(pfRanges, pfRanges.length + 2);
        n[n.length - 2] = start;
        n[n.length - 1] = end;
        pfRanges = n;
    }

    @Override
    public void setPageFaultExitFrame(long frame, boolean on) {
        if (pfFrames == null) pfFrames = new BitSet();
        pfFrames.set((int) frame, on);
    }

    @Override
    public void clearPageFaultExits() {
        pfRanges = new int[0];
        pfFrames = null;
    }

    @Override
    public void setHltExit(boolean on) {
        hltExit = on;
    }

    @Override
    public void setIoExit(int port, boolean on) {
        if (ioExit == null) ioExit = new boolean[65536];
        ioExit[port & 0xFFFF] = on;
    }

    @Override
    public void setCrExit(int cr, boolean read, boolean write) {
        int rb = 1 << cr, wb = 1 << (cr + 16);
        crExitMask = (crExitMask & ~(rb | wb)) | (read ? rb : 0) | (write ? wb : 0);
    }

    @Override
    public void setVmcallExit(boolean on) {
        vmcallExit = on;
    }

    @Override
    public void setMsrExit(boolean on) {
        msrExit = on;
    }

    @Override
    public void setMsrExit(int index, boolean on) {
        int[] cur = msrExits;
        int n = 0;
        int[] next = new int[cur.length + 1];
        for (int m : cur) {
            if (m != index) next[n++] = m;
        }
        if (on) next[n++] = index;
        msrExits = java.util.Arrays.copyOf(next, n);
    }

    @Override
    public CpuExit lastExit() {
        return lastExit;
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
    public org.oxen.x86.cpu.TranslationStatistics translationStatistics() {
        return new org.oxen.x86.cpu.TranslationStatistics(jitCompiled, jitFailed, jitDropped, jitShared, jitEntries,
                jitGrants, jitCodeChecks);
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
