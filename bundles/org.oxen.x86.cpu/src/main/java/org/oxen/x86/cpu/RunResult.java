package org.oxen.x86.cpu;

/** Why {@link X86Cpu#run(long)} returned. */
public enum RunResult {
    /** The instruction budget is used up. */
    INSTRUCTION_LIMIT,
    /** HLT with nothing to wake the CPU (no INTR with IF=1, no NMI, no injected event). */
    HALTED,
    /** An exit whose handler returned {@link ExitAction#STOP} (or no handler is set); see {@link X86Cpu#lastExit()}. */
    EXIT,
    /** Triple fault: the CPU entered shutdown. */
    SHUTDOWN,
    /** {@link X86Cpu#requestStop()} was called. */
    STOPPED
}
