package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * CI's short soak (issue 22): {@link Soak} for {@code oxen.soak.seconds} (30) beside 8 busy
 * domains; every kind of round ran and passed, and nothing leaked (frames, host RAM pages,
 * domains, threads, file handles, internal errors, destroyed domains still reachable; the heap
 * is reported).
 */
class SoakTest {

    @Test
    void thirtySecondsOfChurnLeakNothing() throws Exception {
        Soak.Report r = Soak.run(8, Long.getLong("oxen.soak.seconds", 30), System.out);
        System.out.println(r);
        assertTrue(r.failures().isEmpty(), r.toString());
        assertTrue(r.created() > 0 && r.ballooned() > 0 && r.restored() > 0 && r.migrated() > 0 && r.swaps() > 0, r.toString());
        assertEquals(r.freeFramesBefore(), r.freeFramesAfter(), r.toString());
        assertEquals(r.ramBytesBefore(), r.ramBytesAfter(), r.toString());
        assertEquals(0, r.domainsAfter(), r.toString());
        assertTrue(r.threadsAfter() <= r.threadsBefore(), r.toString());
        assertTrue(r.fdsAfter() <= r.fdsBefore(), r.toString());
        assertEquals(0, r.internalErrors(), r.toString());
        assertEquals(0, r.reachableAfter(), r.toString()); // every destroyed domain was garbage
        assertTrue(r.leakFree(), r.toString());
    }
}
