package org.oxen.x86.clock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ClocksTest {

    @Test
    void instructionClockAdvancesOnlyWithRetiredInstructionsAndSkips() {
        InstructionClock c = new InstructionClock(10);
        assertEquals(0, c.nanos());
        c.retire(7);
        assertEquals(70, c.nanos());
        c.skipTo(1_000);
        assertEquals(1_000, c.nanos());
        c.skipTo(500); // never goes back
        assertEquals(1_000, c.nanos());
        assertEquals(10, c.instructionsUntil(1_095), "rounded up to reach the deadline");
        assertEquals(1, c.instructionsUntil(0), "a past deadline still runs one instruction");
        assertEquals(Long.MAX_VALUE, c.instructionsUntil(Long.MAX_VALUE));
    }

    @Test
    void instructionClockRefusesANonPositiveCost() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new InstructionClock(0));
        assertTrue(e.getMessage().contains("nanoseconds per instruction"), e.getMessage());
    }

    @Test
    void realClockStartsAtZeroAndIsMonotonic() {
        RealClock c = new RealClock();
        long a = c.nanos();
        long b = c.nanos();
        assertTrue(a >= 0 && b >= a, a + " then " + b);
    }
}
