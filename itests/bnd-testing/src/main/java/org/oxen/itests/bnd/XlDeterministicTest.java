package org.oxen.itests.bnd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.test.common.annotation.InjectService;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.Hypervisor;

/**
 * Deterministic mode through xl: a config with {@code clock = "instructions"} makes the kit's
 * {@code timer} print the same console output, byte for byte, in two runs created with
 * {@code xl create} and read back with {@code xl console}; the same config with
 * {@code clock = "real"} does not.
 */
class XlDeterministicTest {

    @InjectService(timeout = 10_000)
    CommandProcessor processor;

    @InjectService(timeout = 10_000)
    Hypervisor hv;

    private GogoSession gogo;
    private Path dir;

    @BeforeEach
    void open() throws Exception {
        gogo = new GogoSession(processor);
        dir = Files.createTempDirectory("xl-det");
    }

    @AfterEach
    void close() throws Exception {
        for (Domain d : hv.list()) {
            if (d.name().startsWith("xd-")) gogo.run("xl destroy " + d.name());
        }
        gogo.close();
    }

    private String run(String name, String clock) throws Exception {
        Path cfg = dir.resolve(name + ".cfg");
        Files.writeString(cfg, "name = \"" + name + "\"\nkernel = \"guest:timer\"\nmemory = 16\n"
                + "on_poweroff = \"preserve\"\nclock = \"" + clock + "\"\n");
        assertEquals("", gogo.run("xl create " + cfg), gogo.err());
        assertEquals(0, gogo.get("xl.status"), gogo.err());
        Domain d = hv.find(name).orElseThrow();
        assertTrue(d.awaitShutdown(120, TimeUnit.SECONDS), d.consoleOutput());
        String console = gogo.run("xl console " + name);
        assertTrue(console.strip().endsWith("RESULT: PASS"), console);
        assertEquals("", gogo.run("xl destroy " + name));
        return console;
    }

    @Test
    void timerPrintsTheSameLinesTwiceWithTheInstructionClock() throws Exception {
        String first = run("xd-timer1", "instructions");
        String second = run("xd-timer2", "instructions");
        assertEquals(first, second);
        assertTrue(first.contains("version 2, wallclock 946684800.000000000"), first);
        assertTrue(first.contains("timer: periodic 10 ms: 20 ticks in 200 ms, stopped ok"), first);
        assertNotEquals(run("xd-real1", "real"), run("xd-real2", "real"));
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
