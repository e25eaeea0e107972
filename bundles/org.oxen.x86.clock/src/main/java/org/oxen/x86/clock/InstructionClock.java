package org.oxen.x86.clock;

import org.oxen.x86.api.Clock;

/**
 * Deterministic time: virtual nanoseconds = retired instructions x a fixed cost per
 * instruction, plus the idle time skipped while every CPU is halted.
 *
 * <p>The owner (the board's run loop) reports retired instructions after each batch with
 * {@link #retire(long)} and jumps idle time with {@link #skipTo(long)}; devices read
 * {@link #nanos()}. Inside a batch the time stands still, so a run depends only on the
 * instruction stream. Threading: written by the machine thread only; {@code nanos} is
 * volatile so monitors on other threads see a recent value.
 */
public final class InstructionClock implements Clock {

    /** The default cost of one instruction: 10 ns, a nominal 100 MIPS machine. */
    public static final long DEFAULT_NANOS_PER_INSTRUCTION = 10;

    private final long nanosPerInstruction;
    private volatile long nanos;

    public InstructionClock(long nanosPerInstruction) {
        if (nanosPerInstruction <= 0) {
            throw new IllegalArgumentException("nanoseconds per instruction must be positive: " + nanosPerInstruction);
        }
        this.nanosPerInstruction = nanosPerInstruction;
    }

    public InstructionClock() {
        this(DEFAULT_NANOS_PER_INSTRUCTION);
    }

    public long nanosPerInstruction() {
        return nanosPerInstruction;
    }

    /** Advances time by {@code instructions} retired instructions. */
    public void retire(long instructions) {
        nanos += instructions * nanosPerInstruction;
    }

    /** Jumps forward to {@code deadline} (idle CPUs); never goes back. */
    public void skipTo(long deadline) {
        if (deadline > nanos) {
            nanos = deadline;
        }
    }

    /** Instructions that fit before {@code deadline} (at least 1; {@code Long.MAX_VALUE} for no deadline). */
    public long instructionsUntil(long deadline) {
        if (deadline == Long.MAX_VALUE) {
            return Long.MAX_VALUE;
        }
        long left = deadline - nanos;
        return left <= 0 ? 1 : Math.max(1, (left + nanosPerInstruction - 1) / nanosPerInstruction);
    }

    @Override
    public long nanos() {
        return nanos;
    }

    @Override
    public String toString() {
        return "deterministic:" + nanosPerInstruction;
    }
}
