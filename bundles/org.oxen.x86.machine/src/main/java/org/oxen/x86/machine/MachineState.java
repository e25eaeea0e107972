package org.oxen.x86.machine;

/** The life of a machine. Every state but {@link #RUNNING} is final. */
public enum MachineState {
    /** The CPUs run (or wait in HLT for an interrupt). */
    RUNNING,
    /** The guest wrote the exit port (0xF4): {@link Machine#exitStatus()} is {@code (v << 1) | 1}. */
    EXITED,
    /** A CPU triple-faulted (shutdown cycle). */
    SHUTDOWN,
    /** Every CPU halted with nothing left to wake it (HLT with interrupts off, no timer armed). */
    HALTED,
    /** Stopped from outside ({@link Machine#stop()}). */
    STOPPED,
    /** The board itself failed (a bug): see {@link Machine#reason()}. */
    FAILED
}
