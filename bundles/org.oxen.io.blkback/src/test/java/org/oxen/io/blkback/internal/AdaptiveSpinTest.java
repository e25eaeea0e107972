package org.oxen.io.blkback.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The service thread's spin policy: spins while they catch requests, backs off after misses. */
class AdaptiveSpinTest {

    @Test
    void spinsWhileSpinsCatchRequestsAndParksAtOnceForAWhileAfterMisses() {
        AdaptiveSpin s = new AdaptiveSpin();
        for (int i = 0; i < 1000; i++) { // a busy frontend: every spin catches its next batch
            assertTrue(s.shouldSpin(), "idle period " + i);
            s.spun(i % AdaptiveSpin.MISSES != 0); // a miss now and then, never MISSES in a row
        }
        for (int i = 0; i < AdaptiveSpin.MISSES; i++) { // a frontend that stopped answering within a spin
            assertTrue(s.shouldSpin(), "miss " + i + " still spins");
            s.spun(false);
        }
        for (int i = 0; i < AdaptiveSpin.BACKED_OFF; i++) {
            assertFalse(s.shouldSpin(), "backed off: idle period " + i + " parks at once");
        }
        assertTrue(s.shouldSpin(), "then it tries again");
        s.spun(true); // caught: spinning pays again
        for (int i = 0; i < AdaptiveSpin.MISSES - 1; i++) {
            assertTrue(s.shouldSpin());
            s.spun(false);
        }
        assertTrue(s.shouldSpin(), "fewer misses in a row than MISSES do not back off");
    }
}
