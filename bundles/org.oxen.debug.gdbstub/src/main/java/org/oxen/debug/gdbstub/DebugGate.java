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

    /** gdb's Z types: hardware breakpoint, write, read and access watchpoints. */
    public static final int HW_BREAK = 1, WATCH_WRITE = 2, WATCH_READ = 3, WATCH_ACCESS = 4;
    private static final int EFLAGS_RF = 0x10000;
    /**
     * The debugger's debug-register slots (DR0-DR3, the same slot on every CPU): the Z type
     * using slot n, or 0 when it is free; its linear address and length. A slot whose enable
     * bits the guest has set in any CPU's DR7 is the guest's and never taken.
     */
    private final int[] hwType = new int[4], hwAddr = new int[4], hwLen = new int[4];
    /** The slot whose hit stopped the target, -1 for none. */
    private int stopSlot = -1;

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
        if (exit.vector() == 1) {
            int dr6 = cpu.dr(6);
            int ours = dr6 & debuggerSlots();
            if (ours != 0) {
                int slot = Integer.numberOfTrailingZeros(ours);
                cpu.setDr(6, dr6 & ~ours);
                if (hwType[slot] == HW_BREAK) {
                    // a fault before the instruction: RF lets it run once when the target resumes
                    cpu.setEip(exit.eip());
                    cpu.setEflags(cpu.eflags() | EFLAGS_RF);
                }
                if (cpuIndex == steppingCpu) {
                    if (!steppingHadTf) cpu.setEflags(cpu.eflags() & ~EFLAGS_TF);
                    steppingCpu = -1;
                }
                pendingStop(cpuIndex, SIGTRAP, false);
                stopSlot = slot;
                return ExitAction.STOP;
            }
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
        stopSlot = -1;
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
            stopSlot = -1;
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

    /**
     * What hardware breakpoint or watchpoint stopped the target (1.2): {type, linear address} with
     * a type of {@link #HW_BREAK}..{@link #WATCH_ACCESS}, or null when none did.
     */
    public synchronized int[] stopWatch() {
        return stopSlot < 0 || hwType[stopSlot] == 0 ? null : new int[] {hwType[stopSlot], hwAddr[stopSlot]};
    }

    /** Bit n set when DRn is the debugger's. */
    private int debuggerSlots() {
        int m = 0;
        for (int i = 0; i < 4; i++) {
            if (hwType[i] != 0) m |= 1 << i;
        }
        return m;
    }

    /**
     * Sets a hardware breakpoint ({@link #HW_BREAK}) or watchpoint (1.2) through the CPUs' debug
     * registers: a free DR0-DR3 slot on every CPU of the target, with DR7's R/W and LEN as the
     * Intel SDM gives them (execute; write; read or write, as x86 has no read-only watch, so a
     * read watchpoint also reports writes, as gdb's own x86 code does). Costs nothing while none
     * is set (the CPU checks data accesses only while a DR7 data breakpoint is enabled).
     *
     * @return false if the length is not 1, 2 or 4 aligned to it (1 for an execute
     *     breakpoint), or every slot is taken (by the debugger or the guest's own DR7)
     */
    public synchronized boolean insertHardware(int type, int linear, int length) {
        requireStopped();
        if (type < HW_BREAK || type > WATCH_ACCESS) throw new IllegalArgumentException("Z type " + type);
        if (type == HW_BREAK ? length != 1 && length != 0 : length != 1 && length != 2 && length != 4 || (linear & (length - 1)) != 0) {
            return false;
        }
        int len = type == HW_BREAK ? 1 : length;
        for (int i = 0; i < 4; i++) {
            if (hwType[i] == type && hwAddr[i] == linear && hwLen[i] == len) return true;
        }
        for (int i = 0; i < 4; i++) {
            if (hwType[i] != 0 || guestUses(i)) continue;
            hwType[i] = type;
            hwAddr[i] = linear;
            hwLen[i] = len;
            int rw = type == HW_BREAK ? 0 : type == WATCH_WRITE ? 1 : 3;
            int lenBits = len == 1 ? 0 : len == 2 ? 1 : 3;
            for (int c = 0; c < target.cpuCount(); c++) {
                X86Cpu cpu = target.cpu(c);
                cpu.setDr(i, linear);
                int dr7 = cpu.dr(7) & ~(0xF << (16 + 4 * i));
                cpu.setDr(7, dr7 | (rw | lenBits << 2) << (16 + 4 * i) | 1 << (2 * i));
            }
            return true;
        }
        return false;
    }

    /** Removes a hardware breakpoint or watchpoint (1.2); false if there is none such. */
    public synchronized boolean removeHardware(int type, int linear, int length) {
        requireStopped();
        int len = type == HW_BREAK ? 1 : length;
        for (int i = 0; i < 4; i++) {
            if (hwType[i] == type && hwAddr[i] == linear && hwLen[i] == len) {
                freeSlot(i);
                return true;
            }
        }
        return false;
    }

    private void freeSlot(int i) {
        hwType[i] = 0;
        for (int c = 0; c < target.cpuCount(); c++) {
            X86Cpu cpu = target.cpu(c);
            cpu.setDr(7, cpu.dr(7) & ~(0xF << (16 + 4 * i)) & ~(3 << (2 * i)));
            cpu.setDr(i, 0);
        }
    }

    /** Whether the guest enabled DRn (L or G) on any CPU. */
    private boolean guestUses(int i) {
        for (int c = 0; c < target.cpuCount(); c++) {
            if ((target.cpu(c).dr(7) & 3 << (2 * i)) != 0) return true;
        }
        return false;
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
            for (int i = 0; i < 4; i++) {
                if (hwType[i] != 0) freeSlot(i);
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
