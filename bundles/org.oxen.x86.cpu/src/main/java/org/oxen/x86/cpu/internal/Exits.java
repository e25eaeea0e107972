package org.oxen.x86.cpu.internal;

import java.util.BitSet;

import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.PhysicalMemory;
import org.oxen.x86.cpu.CpuExit;
import org.oxen.x86.cpu.CpuOptions;
import org.oxen.x86.cpu.ExitAction;
import org.oxen.x86.cpu.ExitHandler;
import org.oxen.x86.cpu.ExitReason;
import org.oxen.x86.cpu.X86Cpu;

/**
 * Exits: which events leave the CPU for its owner's {@link ExitHandler} (the exit
 * configuration of {@link X86Cpu}), and what the run loop does with a guest fault or an exit
 * signal: the handler's {@link ExitAction} (RESUME, COMPLETE, DELIVER, STOP), completing an
 * instruction with the handler's value, or doing natively what the CPU would have done.
 *
 * <p>Locking: none; called on the CPU's thread only (the run loop and its handler).
 */
abstract class Exits extends Cached implements X86Cpu {

    private ExitHandler handler;
    private final CpuExit lastExit = new CpuExit();
    private boolean privGpExit;
    private int[] pfRanges = new int[0];
    private BitSet pfFrames;

    Exits(PhysicalMemory mem, IoPortDevice io, CpuOptions options) {
        super(mem, io, options);
    }

    /**
     * A #DB that {@link #setExceptionExit} asks to see (a trap after the instruction, or an
     * instruction breakpoint before it: DR6 already says which) leaves the CPU like any other
     * exception, EIP where the #DB frame would return to; true when run() must return EXIT.
     */
    final boolean debugExit() {
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

    /** Handles the fault signal; true when run() must return EXIT. */
    final boolean handleFault() {
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
}
