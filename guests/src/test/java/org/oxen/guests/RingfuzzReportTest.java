package org.oxen.guests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

/** The ring fuzzers' console lines, as ringfuzz.c and ringfuzz_net.c print them, read back. */
class RingfuzzReportTest {

    @Test
    void readsTheDoneLineAndEachKindOfBothFuzzers() {
        RingfuzzReport r = RingfuzzReport.of("ringfuzz: seed 3, 64 cases against backend/vbd/1/51712 (backend d0)\n"
                + "ringfuzz: good okay=8 error=0 eopnotsupp=0\n"
                + "ringfuzz: bad-op okay=0 error=2 eopnotsupp=5\n"
                + "ringfuzz: short-frame okay=0 error=12\n"
                + "ringfuzz: fatal-req-prod-overrun reconnected=1\n"
                + "ringfuzz: done 64 cases, sequence 00c0ffee12345678\nRESULT: PASS\n");
        assertEquals(64, r.cases());
        assertEquals("00c0ffee12345678", r.sequence());
        assertEquals(Optional.of(new RingfuzzReport.Counts(8, 0, 0)), r.kind("good"));
        assertEquals(Optional.of(new RingfuzzReport.Counts(0, 2, 5)), r.kind("bad-op"));
        assertEquals(Optional.of(new RingfuzzReport.Counts(0, 12, 0)), r.kind("short-frame"));
        assertTrue(r.kind("fatal-req-prod-overrun").isEmpty(), "a line without counts is no kind");
        assertTrue(r.kind("bad-gref").isEmpty());
    }

    @Test
    void anUnfinishedRunIsRefusedWithItsOutput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RingfuzzReport.of("ringfuzz: good okay=1 error=0\nRESULT: FAIL blkfront stuck\n"));
        assertTrue(e.getMessage().contains("RESULT: FAIL blkfront stuck"), e.getMessage());
    }
}
