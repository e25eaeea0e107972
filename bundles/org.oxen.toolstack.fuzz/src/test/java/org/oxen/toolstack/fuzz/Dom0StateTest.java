package org.oxen.toolstack.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

/** The oracle's comparison of Domain-0's state names each thing a campaign failed to give back. */
class Dom0StateTest {

    static Dom0State state(long free, long errors, String... nodes) {
        return new Dom0State(free, List.of("0:Domain-0"), new TreeSet<>(List.of(nodes)), errors);
    }

    @Test
    void equalStatesDifferInNothing() {
        assertEquals(List.of(), state(100, 0, "/", "/local").differences(state(100, 0, "/", "/local")));
    }

    @Test
    void leaksAreNamed() {
        List<String> d = state(100, 0, "/", "/local").differences(state(98, 1, "/", "/local", "/local/domain/7"));
        assertEquals(3, d.size(), d.toString());
        assertTrue(d.get(0).contains("100 free frames before, 98 after (+2 leaked)"), d.get(0));
        assertTrue(d.get(1).contains("internal errors: 0 before, 1 after"), d.get(1));
        assertTrue(d.get(2).contains("xenstore nodes left behind: [/local/domain/7]"), d.get(2));
    }

    @Test
    void theParserTakesTheCommandsWords() {
        Campaign.Spec s = FuzzCommand.parse(List.of("-s", "7", "-n", "3", "-c", "100", "-v", "2", "--xs", "--die"));
        assertEquals(new Campaign.Spec(7, 3, 100, 2, true, true), s);
        assertEquals(new Campaign.Spec(1, 1, 5000, 1, false, false), FuzzCommand.parse(List.of()));
        assertEquals(new Campaign.Spec(2, 1, 5000, 1, false, false, new DeviceAndHvmRuns.Spec(40, 32, 500), 2, 1),
                FuzzCommand.parse(List.of("-s", "2", "--blk", "40", "--net", "32", "--hvm", "500")));
        assertEquals(new Campaign.Spec(1026, 1, 100, 1, false, false, DeviceAndHvmRuns.Spec.NONE, 1, 1),
                FuzzCommand.parse(List.of("-s", "1026", "-c", "100", "--rng", "1")));
        assertEquals(new Campaign.Spec(3000, 8, 200000, 2, false, false, DeviceAndHvmRuns.Spec.NONE, 2, 2),
                FuzzCommand.parse(List.of("-s", "3000", "-n", "8", "-c", "200000", "-v", "2", "-p", "2")));
        assertEquals(new Campaign.Spec(22, 2, 300, 1, false, false, DeviceAndHvmRuns.Spec.NONE, 2, 1, true),
                FuzzCommand.parse(List.of("-s", "22", "-n", "2", "-c", "300", "--storm")));
        IllegalArgumentException stormDie = assertThrows(IllegalArgumentException.class,
                () -> FuzzCommand.parse(List.of("--storm", "--die")));
        assertTrue(stormDie.getMessage().contains("--storm and --die: a fuzzer ends one way"), stormDie.getMessage());
        IllegalArgumentException p0 = assertThrows(IllegalArgumentException.class, () -> FuzzCommand.parse(List.of("-p", "0")));
        assertTrue(p0.getMessage().contains("-p 0: 1..64 fuzzers at once"), p0.getMessage());
        IllegalArgumentException pMixed = assertThrows(IllegalArgumentException.class,
                () -> FuzzCommand.parse(List.of("-p", "2", "--blk", "40")));
        assertTrue(pMixed.getMessage().contains("the device and HVM runs go one at a time"), pMixed.getMessage());
        IllegalArgumentException rng = assertThrows(IllegalArgumentException.class,
                () -> FuzzCommand.parse(List.of("--rng", "3")));
        assertTrue(rng.getMessage().contains("--rng 3: 1 or 2"), rng.getMessage());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FuzzCommand.parse(List.of("--net", "-1")));
        assertTrue(e.getMessage().contains("--net -1"), e.getMessage());
    }

    @Test
    void theMixedRunsCountsReadTheKitsLines() {
        java.util.TreeMap<String, Long> m = new java.util.TreeMap<>();
        m.put("blk cases", 40L);
        m.put("blk error", 30L);
        m.put("blk okay", 5L);
        m.put("blk eopnotsupp", 5L);
        m.put("hvm ops", 500L);
        assertEquals("; blkback ringfuzz 40 cases (okay 5, error 30, eopnotsupp 5); hvmfuzz 500 ops (hypercalls ok 0, refused 0)",
                Campaign.mixedCounts(m));
        assertEquals("", Campaign.mixedCounts(new java.util.TreeMap<>()));
        assertTrue(DeviceAndHvmRuns.NET_RECONNECTS.matcher("ringfuzz: netfront 3 reconnects").find());
        assertTrue(DeviceAndHvmRuns.HVM_DONE.matcher("hvmfuzz: done 500 ops, sequence 0123456789abcdef").find());
    }

    @Test
    void judgingAFuzzerThatStoppedEarly() {
        assertTrue(Campaign.DONE.matcher("fuzz: done 10 calls in 5 ms of guest time, 1 sane batches, sequence 00ff").find());
        assertTrue(Campaign.RESULTS.matcher("fuzz: results n=10 ok=3 -22=7").find());
    }
}
