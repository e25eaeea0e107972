package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.jupiter.api.Test;
import org.osgi.test.common.annotation.InjectService;
import org.oxen.vmm.api.Hypervisor;

/**
 * CI's short hostile-guest campaign (issue 22) through the real {@code fuzz} command: the guest
 * kit's fuzzer, two seeds of 1,500 calls with malformed xs_wire messages, beside a victim domain,
 * then the isolation oracle's line (printed, with the seeds, for the CI log). And a fuzzer that
 * ends with a fatal act dies alone, and one that storms makes the campaign FAIL with its state. A mixed campaign adds the ring fuzzer against the real
 * blkback and netback and the HVM fuzzer. The long campaigns are benchmarks (docs/PERFORMANCE.md).
 */
class FuzzCampaignTest {

    @InjectService(timeout = 10_000)
    CommandProcessor processor;

    @InjectService(timeout = 10_000)
    Hypervisor hv;

    @InjectService(cardinality = 2, timeout = 10_000)
    List<org.oxen.vmm.api.backend.BackendStatistics> stats;

    /**
     * Runs {@code command} in Gogo and checks its campaign passed with {@code passLine} (printed,
     * with the seeds, for the CI log) and gave back every frame; returns what it printed.
     */
    private String passingCampaign(String command, String passLine) throws Exception {
        long free = hv.freeFrames();
        String out;
        try (GogoSession gogo = new GogoSession(processor)) {
            out = gogo.run(command);
            System.out.println(out);
            assertTrue(out.contains("fuzz campaign: PASS " + passLine), out + gogo.err());
            assertEquals(0, gogo.get("fuzz.status"));
        }
        assertEquals(free, hv.freeFrames());
        assertEquals(0, hv.internalErrors());
        return out;
    }

    @Test
    void shortCampaignPassesTheIsolationOracle() throws Exception {
        String out = passingCampaign("fuzz -s 22 -n 2 -c 1500 -v 1 --xs",
                "seeds 22..23 x 1500 calls beside 1 victim: 3000 hypercalls");
        assertTrue(out.contains("fuzz: seed 22: 1500 calls"), out);
    }

    /**
     * {@code -p 2}: two workers take three seeds, two fuzzer domains alive at once (each pinned to
     * a pCPU of its own), every seed judged and followed by the victim's check as one at a time;
     * one PASS line counting all three seeds' calls.
     */
    @Test
    void twoFuzzersAtOnceEachSeedJudged() throws Exception {
        String out = passingCampaign("fuzz -s 40 -n 3 -c 1500 -v 1 -p 2",
                "seeds 40..42 x 1500 calls beside 1 victim, 2 workers (at most 2 fuzzers at once): 4500 hypercalls");
        for (int seed = 40; seed <= 42; seed++) assertTrue(out.contains("fuzz: seed " + seed + ": 1500 calls"), out);
    }

    /**
     * A short mixed campaign from Gogo: beside a victim, one seed of the PV hypercall fuzzer, the
     * kit's ringfuzz against the real blkback (a raw disk) and netback (a vif on xenbr0), and
     * hvmfuzz in an HVM domain, each created through xl's toolstack; one PASS line with the counts
     * of each, and afterwards no device of theirs left in blkback or netback.
     */
    @Test
    void aMixedCampaignDrivesTheRingsAndAnHvmGuestToo() throws Exception {
        String out = passingCampaign("fuzz -s 22 -n 1 -c 1000 -v 1 --blk 40 --net 40 --hvm 400",
                "seeds 22..22 x 1000 calls beside 1 victim: 1000 hypercalls");
        for (String what : new String[] { "blk", "net", "hvm" }) {
            assertTrue(out.contains("fuzz: seed 22: " + what + " fuzzer passed"), what + ": " + out);
        }
        java.util.regex.Matcher blk = java.util.regex.Pattern
                .compile("blkback ringfuzz 40 cases \\(okay (\\d+), error (\\d+), eopnotsupp (\\d+)\\)").matcher(out);
        assertTrue(blk.find(), out);
        // every eighth case a good write and read-back (OKAY), every other refused
        assertEquals(40 / 8, Integer.parseInt(blk.group(1)), out);
        assertEquals(40 - 40 / 8, Integer.parseInt(blk.group(2)) + Integer.parseInt(blk.group(3)), out);
        java.util.regex.Matcher net = java.util.regex.Pattern
                .compile("netback ringfuzz 40 cases \\(okay (\\d+), error (\\d+), (\\d+) reconnects\\)").matcher(out);
        assertTrue(net.find(), out);
        assertTrue(Integer.parseInt(net.group(2)) > 0 && Integer.parseInt(net.group(3)) > 0, out);
        assertTrue(out.contains("hvmfuzz 400 ops (hypercalls ok "), out);
        for (org.oxen.vmm.api.backend.BackendStatistics s : stats) {
            assertEquals(List.of(), s.devices(), "a backend still serves a device of a destroyed fuzzer");
        }
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

    /**
     * The campaign's storm detector: fuzzers that end in an upcall storm on purpose ({@code
     * --storm}: vcpu_info moved behind the kit's back, as seed 6003's storm is suspected of) make
     * the campaign FAIL at the first seed with the storm named and the vcpu's state as the
     * hypervisor reads it (where vcpu_info is and the VA mapping it, the flags, the last
     * hypercalls: all iret), long before the seed's time limit; the fuzzer is destroyed and every
     * frame comes back.
     */
    @Test
    void anUpcallStormIsAFailWithTheVcpusEventState() throws Exception {
        long free = hv.freeFrames();
        try (GogoSession gogo = new GogoSession(processor)) {
            String out = gogo.run("fuzz -s 22 -n 2 -c 300 -v 1 --storm");
            System.out.println(out);
            assertTrue(out.contains("fuzz campaign: FAIL seeds 22..23 x 300 calls (storm) beside 1 victim"), out + gogo.err());
            assertTrue(out.contains("seed 22: the fuzzer made no progress: an upcall storm: "), out);
            assertTrue(out.contains("(moved by VCPUOP_register_vcpu_info"), out);
            assertTrue(out.contains("evtchn_upcall_pending 1"), out);
            assertTrue(out.contains("last hypercalls [23("), out);
            assertTrue(!out.contains("seed 23"), "no seed after the first problem: " + out);
            assertEquals(1, gogo.get("fuzz.status"));
        }
        assertEquals(free, hv.freeFrames());
        assertEquals(0, hv.internalErrors());
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
