package org.oxen.x86.cpu;

/** What the CPU does after an {@link ExitHandler} returns. */
public enum ExitAction {
    /** Continue at the CPU's current EIP (the instruction start unless the handler changed it). */
    RESUME,
    /**
     * The handler emulated the instruction: EIP moves to {@link CpuExit#nextEip()} and, for reads
     * (IN, RDMSR, MOV from CR), the result is {@link CpuExit#value()} as set by the handler.
     * Not valid for EXCEPTION exits.
     */
    COMPLETE,
    /** Do what the CPU would have done without the exit (deliver through the IDT, access the bus, ...). */
    DELIVER,
    /** Leave {@link X86Cpu#run(long)} with {@link RunResult#EXIT}; EIP stays at the instruction. */
    STOP
}
