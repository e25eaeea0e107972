package org.oxen.x86.machine.internal;

import org.oxen.x86.api.Clock;
import org.oxen.x86.bus.TimerQueue;
import org.oxen.x86.clock.InstructionClock;

/**
 * Where the board's batches of guest instructions end: after at most {@code maxInstructions},
 * or at the earliest armed device deadline if that comes first, as QEMU bounds its icount budget
 * by {@code qemu_clock_deadline_ns_all}. A deadline armed while a batch runs, before its end,
 * ends it too ({@link TimerQueue#runningUntil}: the board's listener stops the CPU right after
 * the instruction whose device access armed it) and bounds the rest of the round.
 *
 * <p>On the instruction clock a deadline converts to instructions exactly (time stands still
 * within a round and moves by the most any CPU ran). On the real clock it converts through the
 * rate the rounds so far ran at, in instructions per microsecond of host time, so a batch ends
 * near the deadline (early or late by the estimate's error, never later than
 * {@code maxInstructions}); an early end costs one more round, no lost time.
 *
 * <p>Cost: one scan of the timer queue and one compare per round, a division on the real clock;
 * no allocation.
 *
 * <p>Locking: none; the machine thread only.
 */
final class BatchBound {

    /** The real clock's first rate estimate, instructions per microsecond (corrected after the first round). */
    static final long INITIAL_RATE = 100;
    /** Rounds shorter than this do not update the rate (a halted CPU, a stop: too short to time). */
    static final long MIN_SAMPLE = 4096;

    private final Clock clock;
    private final InstructionClock icount; // null on the real clock
    private final TimerQueue timers;
    private final long maxInstructions;
    /** Real clock: instructions per microsecond of host time, at least 1. */
    private long rate = INITIAL_RATE;
    /** Real clock: when the round started. */
    private long roundStart;

    BatchBound(Clock clock, InstructionClock icount, TimerQueue timers, long maxInstructions) {
        this.clock = clock;
        this.icount = icount;
        this.timers = timers;
        this.maxInstructions = maxInstructions;
    }

    /** Starts a round: the instructions each CPU may run in it. */
    long startRound() {
        if (icount == null) {
            roundStart = clock.nanos();
        }
        return bound(maxInstructions);
    }

    /** {@code budget}, or fewer to end at the earliest deadline (at least 1). */
    long bound(long budget) {
        long next = timers.nextDeadline();
        if (next == Long.MAX_VALUE) {
            return budget;
        }
        if (icount != null) {
            return Math.min(budget, icount.instructionsUntil(next));
        }
        long left = next - clock.nanos();
        if (left <= 0) {
            return 1;
        }
        if (left >= budget * 1000 / rate) {
            return budget; // and below, left * rate < budget * 1000: no overflow
        }
        return Math.max(1, Math.min(budget, left * rate / 1000));
    }

    /** The clock time at which a batch of {@code budget} instructions started now ends. */
    long end(long budget) {
        if (icount != null) {
            return icount.nanos() + budget * icount.nanosPerInstruction();
        }
        return clock.nanos() + budget * 1000 / rate;
    }

    /** The round is over; its longest batch ran {@code instructions}: time (or the rate estimate) moves on. */
    void endRound(long instructions) {
        if (icount != null) {
            icount.retire(instructions);
            return;
        }
        long elapsed = clock.nanos() - roundStart;
        if (instructions >= MIN_SAMPLE && elapsed > 0) {
            long sample = Math.max(1, instructions * 1000 / elapsed);
            rate = Math.max(1, (rate + sample) / 2);
        }
    }

    /** Real clock: the rate estimate, instructions per microsecond (tests). */
    long rate() {
        return rate;
    }
}
