package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.jupiter.api.Test;
import org.osgi.test.common.annotation.InjectService;
import org.oxen.vmm.api.Hypervisor;

/**
 * CI's short hostile-guest campaign (issue 22) through the real {@code fuzz} command: the guest
 * kit's fuzzer, two seeds of 1,500 calls with malformed xs_wire messages, beside a victim domain,
 * then the isolation oracle's line (printed, with the seeds, for the CI log). And a fuzzer that
 * ends with a fatal act dies alone. The long campaigns are benchmarks (docs/PERFORMANCE.md).
 */
class FuzzCampaignTest {

    @InjectService(timeout = 10_000)
    CommandProcessor processor;

    @InjectService(timeout = 10_000)
    Hypervisor hv;

    @Test
    void shortCampaignPassesTheIsolationOracle() throws Exception {
        long free = hv.freeFrames();
        try (GogoSession gogo = new GogoSession(processor)) {
            String out = gogo.run("fuzz -s 22 -n 2 -c 1500 -v 1 --xs");
            System.out.println(out);
            assertTrue(out.contains("fuzz campaign: PASS seeds 22..23 x 1500 calls beside 1 victim: 3000 hypercalls"),
                    out + gogo.err());
            assertEquals(0, gogo.get("fuzz.status"));
            assertTrue(out.contains("fuzz: seed 22: 1500 calls"), out);
        }
        assertEquals(free, hv.freeFrames());
        assertEquals(0, hv.internalErrors());
    }

    @Test
    void aFatalActKillsOnlyTheFuzzer() throws Exception {
        try (GogoSession gogo = new GogoSession(processor)) {
            String out = gogo.run("fuzz -s 3 -n 3 -c 300 -v 1 --die");
            System.out.println(out);
            assertTrue(out.contains("fuzz campaign: PASS seeds 3..5 x 300 calls (die) beside 1 victim"), out + gogo.err());
            assertEquals(0, gogo.get("fuzz.status"));
        }
    }

    @Test
    void badArgumentsAreRefusedWithUsage() throws Exception {
        try (GogoSession gogo = new GogoSession(processor)) {
            gogo.run("fuzz -c many");
            assertEquals(2, gogo.get("fuzz.status"));
            assertTrue(gogo.err().contains("fuzz: -c 'many' is not a whole number"), gogo.err());
        }
    }
}
