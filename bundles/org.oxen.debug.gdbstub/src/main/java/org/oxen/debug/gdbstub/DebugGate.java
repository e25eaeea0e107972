package org.oxen.debug.gdbstub;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.oxen.x86.cpu.CpuExit;
import org.oxen.x86.cpu.ExitAction;
import org.oxen.x86.cpu.ExitReason;
import org.oxen.x86.cpu.X86Cpu;

/**
 * The meeting point of a target's run loop and a debugger: breakpoints, single steps and
 * interrupts stop the whole target (all-stop, as gdb's default mode) by parking its run-loop
 * thread in {@link #checkpoint()} until the debugger resumes it.
 *
 * <h2>Locking</h2>
 * One monitor (this). The run loop calls {@link #onDebugException} and {@link #checkpoint()} on
 * its own thread; the debugger thread calls the rest. CPU state and memory belong to the debugger
 * only while {@link #isStopped()}: the monitor hand-over orders the two threads' accesses.
 */
public final class DebugGate {

    /** Why the target stopped (gdb signal numbers). */
    public static final int SIGINT = 2, SIGTRAP = 5;

    private static final int EFLAGS_TF = 0x100;

    private final DebugTarget target;
    /** Linear address -> the byte the INT3 replaced, with its physical address. */
    private final Map<Integer, long[]> breakpoints = new HashMap<>();
    private volatile boolean breakRequested;
    private boolean stopped, released, ended;
    private int stopCpu, stopSignal = SIGTRAP;
    private boolean stopAtBreakpoint;
    /** The CPU single-stepping, -1 for none; its TF before the step. */
    private int steppingCpu = -1;
    private boolean steppingHadTf;
    private String endReason = "";
    private Integer exitStatus;
    private boolean exitsEnabled;

    public DebugGate(DebugTarget target) {
        this.target = target;
    }

    public DebugTarget target() {
        return target;
    }

    // ---- the run loop's side ----

    /**
     * From the target's exit handler, for an EXCEPTION exit of vector 1 (#DB) or 3 (#BP): STOP if
     * it is the debugger's (an inserted breakpoint, the step it asked for), else DELIVER (the
     * guest's own INT3 or #DB goes through its IDT as without a debugger).
     */
    public synchronized ExitAction onDebugException(int cpuIndex, X86Cpu cpu, CpuExit exit) {
        if (exit.reason() != ExitReason.EXCEPTION) {
            return ExitAction.DELIVER;
        }
        if (exit.vector() == 3 && breakpoints.containsKey(exit.eip())) {
            cpu.setEip(exit.eip());
            pendingStop(cpuIndex, SIGTRAP, true);
            return ExitAction.STOP;
        }
        if (exit.vector() == 1 && cpuIndex == steppingCpu) {
            if (!steppingHadTf) {
                cpu.setEflags(cpu.eflags() & ~EFLAGS_TF);
            }
            steppingCpu = -1;
            pendingStop(cpuIndex, SIGTRAP, false);
            return ExitAction.STOP;
        }
        return ExitAction.DELIVER;
    }

    private void pendingStop(int cpuIndex, int signal, boolean breakpoint) {
        stopCpu = cpuIndex;
        stopSignal = signal;
        stopAtBreakpoint = breakpoint;
        breakRequested = true;
    }

    /** Cheap test for the run loop: whether {@link #checkpoint()} would park. */
    public boolean stopPending() {
        return breakRequested;
    }

    /**
     * Called by the run loop between batches with no CPU inside {@link X86Cpu#run}: parks the
     * calling thread while a stop is pending, until the debugger resumes or detaches.
     */
    public void checkpoint() {
        if (!breakRequested) {
            return;
        }
        synchronized (this) {
            if (!exitsEnabled) {
                for (int i = 0; i < target.cpuCount(); i++) {
                    target.cpu(i).setExceptionExit(1, true);
                    target.cpu(i).setExceptionExit(3, true);
                }
                exitsEnabled = true;
            }
            breakRequested = false;
            stopped = true;
            notifyAll();
            while (stopped && !released) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            stopped = false;
            if (released) {
                for (int i = 0; i < target.cpuCount(); i++) {
                    target.cpu(i).setExceptionExit(1, false);
                    target.cpu(i).setExceptionExit(3, false);
                }
                exitsEnabled = false;
            }
        }
    }

    /** The target ended (its run loop is gone): a waiting debugger learns it. */
    public synchronized void targetEnded(String reason, Integer status) {
        ended = true;
        endReason = reason;
        exitStatus = status;
        notifyAll();
    }

    // ---- the debugger's side ----

    /** Asks the target to stop (Ctrl-C, attach); returns at once. */
    public void requestStop() {
        synchronized (this) {
            if (stopped || ended) {
                return;
            }
            stopCpu = 0;
            stopSignal = SIGINT;
            stopAtBreakpoint = false;
            breakRequested = true;
        }
        target.interruptCpus();
    }

    /** Waits up to {@code timeoutMillis} for the target to stop or end; true if it has. */
    public synchronized boolean awaitStop(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (!stopped && !ended) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    public synchronized boolean isStopped() {
        return stopped;
    }

    public synchronized boolean isEnded() {
        return ended;
    }

    public synchronized String endReason() {
        return endReason;
    }

    /** The exit status the target ended with, or null. */
    public synchronized Integer exitStatus() {
        return exitStatus;
    }

    public synchronized int stopCpu() {
        return stopCpu;
    }

    public synchronized int stopSignal() {
        return stopSignal;
    }

    public synchronized boolean stopAtBreakpoint() {
        return stopAtBreakpoint;
    }

    /** Resumes the stopped target; with {@code stepCpu} &gt;= 0 that CPU executes one instruction and stops again. */
    public synchronized void resume(int stepCpu) {
        if (!stopped) {
            throw new IllegalStateException(target.name() + " is not stopped");
        }
        if (stepCpu >= 0) {
            X86Cpu cpu = target.cpu(stepCpu);
            steppingCpu = stepCpu;
            steppingHadTf = (cpu.eflags() & EFLAGS_TF) != 0;
            cpu.setEflags(cpu.eflags() | EFLAGS_TF);
        }
        stopped = false;
        notifyAll();
    }

    /**
     * Inserts a software breakpoint (INT3) at {@code linear} as {@code cpu} sees it; false if
     * unmapped, or if the target refuses the write (its {@link DebugTarget#physicalMemory()} may
     * refuse with an IllegalArgumentException, e.g. a hypervisor's page-table frame).
     */
    public synchronized boolean insertBreakpoint(int cpuIndex, int linear) {
        requireStopped();
        if (breakpoints.containsKey(linear)) {
            return true;
        }
        long phys = target.cpu(cpuIndex).translateLinear(linear, false, false);
        if (phys < 0 || phys >= target.physicalSize()) {
            return false;
        }
        int original;
        try {
            original = target.physicalMemory().read8(phys);
            target.physicalMemory().write8(phys, 0xCC);
        } catch (IllegalArgumentException refused) {
            return false;
        }
        invalidate(phys);
        breakpoints.put(linear, new long[] {phys, original});
        return true;
    }

    /** Removes the breakpoint at {@code linear}, restoring the byte; false if there is none. */
    public synchronized boolean removeBreakpoint(int linear) {
        requireStopped();
        long[] bp = breakpoints.remove(linear);
        if (bp == null) {
            return false;
        }
        try {
            target.physicalMemory().write8(bp[0], (int) bp[1]);
        } catch (IllegalArgumentException refused) {
            return true; // the frame is no longer the target's to write: nothing to restore
        }
        invalidate(bp[0]);
        return true;
    }

    /** The guest's byte at a breakpoint's physical address (what memory reads show), or -1. */
    public synchronized int originalByteAt(long phys) {
        for (long[] bp : breakpoints.values()) {
            if (bp[0] == phys) {
                return (int) bp[1];
            }
        }
        return -1;
    }

    /** Removes every breakpoint and lets the run loop go for good (detach). */
    public synchronized void release() {
        if (stopped) {
            for (Integer linear : breakpoints.keySet().toArray(new Integer[0])) {
                removeBreakpoint(linear);
            }
            if (steppingCpu >= 0 && !steppingHadTf) {
                X86Cpu cpu = target.cpu(steppingCpu);
                cpu.setEflags(cpu.eflags() & ~EFLAGS_TF);
            }
        }
        steppingCpu = -1;
        breakRequested = false;
        released = true;
        notifyAll();
    }

    private void invalidate(long phys) {
        for (int i = 0; i < target.cpuCount(); i++) {
            target.cpu(i).invalidateCode(phys, 1);
        }
    }

    private void requireStopped() {
        if (!stopped) {
            throw new IllegalStateException(target.name() + " is not stopped");
        }
    }
}
