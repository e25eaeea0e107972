package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.oxen.vmm.api.Domain;

/**
 * Deterministic mode through xl: a config with {@code clock = "instructions"} makes the kit's
 * {@code timer} print the same console output, byte for byte, in two runs created with
 * {@code xl create} and read back with {@code xl console}; the same config with
 * {@code clock = "real"} does not.
 */
class XlDeterministicTest extends XlSessionTest {

    @Override
    String domainPrefix() {
        return "xd-";
    }

    private String runTimer(String name, String clock) throws Exception {
        Domain d = createFromConfig(name, "kernel = \"guest:timer\"\nmemory = 16\non_poweroff = \"preserve\"\n"
                + "clock = \"" + clock + "\"\n");
        assertTrue(d.awaitShutdown(120, TimeUnit.SECONDS), d.consoleOutput());
        String console = gogo.run("xl console " + name);
        assertTrue(console.strip().endsWith("RESULT: PASS"), console);
        assertEquals("", gogo.run("xl destroy " + name));
        return console;
    }

    @Test
    void timerPrintsTheSameLinesTwiceWithTheInstructionClock() throws Exception {
        String first = runTimer("xd-timer1", "instructions");
        String second = runTimer("xd-timer2", "instructions");
        assertEquals(first, second);
        assertTrue(first.contains("version 2, wallclock 946684800.000000000"), first);
        assertTrue(first.contains("timer: periodic 10 ms: 20 ticks in 200 ms, stopped ok"), first);
        // each one-shot wakes its blocked vcpu once (a backend's early event does not add one)
        assertEquals(5, first.lines().filter(l -> l.startsWith("timer: one-shot") && l.endsWith(", 1 wake-up(s)")).count(),
                first);
        assertNotEquals(runTimer("xd-real1", "real"), runTimer("xd-real2", "real"));
    }

    @Test
    void aBadClockIsRefusedWithItsPosition() throws Exception {
        Path cfg = dir.resolve("xd-bad.cfg");
        Files.writeString(cfg, "name = \"xd-bad\"\nkernel = \"guest:timer\"\nclock = \"tsc\"\n");
        gogo.run("xl create " + cfg);
        assertEquals(1, gogo.get("xl.status"));
        assertTrue(gogo.err().contains(cfg + ":3:9: 'clock': 'tsc' is not a clock: use real, instructions or default"),
                gogo.err());
        assertTrue(hv.find("xd-bad").isEmpty());
    }
}
