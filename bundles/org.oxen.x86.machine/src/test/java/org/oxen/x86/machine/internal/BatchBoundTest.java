package org.oxen.x86.machine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.oxen.x86.api.device.Timer;
import org.oxen.x86.bus.ManualClock;
import org.oxen.x86.bus.TimerQueue;
import org.oxen.x86.clock.InstructionClock;

/** Where the board's batches end: at the earliest device deadline, in instructions. */
class BatchBoundTest {

    final TimerQueue timers = new TimerQueue();
    final Timer timer = timers.newTimer("t", now -> { });

    @Test
    void onTheInstructionClockABatchEndsExactlyAtTheDeadline() {
        InstructionClock icount = new InstructionClock(10);
        BatchBound b = new BatchBound(icount, icount, timers, 50_000);
        assertEquals(50_000, b.startRound(), "no deadline: the longest batch");
        b.endRound(50_000);
        timer.armAt(icount.nanos() + 10_005);
        assertEquals(1_001, b.startRound(), "10,005 ns at 10 ns an instruction: the deadline's instruction included");
        assertEquals(icount.nanos() + 10_010, b.end(1_001));
        timer.armAt(icount.nanos() + 1_000_000);
        assertEquals(50_000, b.startRound(), "a deadline beyond the longest batch");
    }

    @Test
    void onTheRealClockTheRateOfTheRoundsSoFarConvertsTheDeadline() {
        ManualClock host = new ManualClock();
        BatchBound b = new BatchBound(host, null, timers, 50_000);
        assertEquals(50_000, b.startRound());
        host.advance(100_000);                        // 50,000 instructions in 100 us: 500 per us
        b.endRound(50_000);
        assertEquals((BatchBound.INITIAL_RATE + 500) / 2, b.rate(), "the estimate moves halfway to each sample");
        for (int i = 0; i < 20; i++) {
            b.startRound();
            host.advance(100_000);
            b.endRound(50_000);
        }
        assertEquals(499, b.rate(), "and settles at the rate the rounds run at (rounded down)");
        timer.armAt(host.nanos() + 20_000);
        assertEquals(20_000 * 499 / 1000, b.startRound(), "20 us ahead: 20 us of instructions");
        assertEquals(host.nanos() + 9_980 * 1000 / 499, b.end(9_980));
        host.advance(20_000);
        assertEquals(1, b.bound(9_980), "a deadline already past: one instruction, then the timers");
        b.endRound(100);                              // too short a round to time
        assertEquals(499, b.rate());
    }
}
