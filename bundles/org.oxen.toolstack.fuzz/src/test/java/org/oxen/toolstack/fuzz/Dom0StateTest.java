package org.oxen.toolstack.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    }

    @Test
    void judgingAFuzzerThatStoppedEarly() {
        assertTrue(Campaign.DONE.matcher("fuzz: done 10 calls in 5 ms of guest time, 1 sane batches, sequence 00ff").find());
        assertTrue(Campaign.RESULTS.matcher("fuzz: results n=10 ok=3 -22=7").find());
    }
}
