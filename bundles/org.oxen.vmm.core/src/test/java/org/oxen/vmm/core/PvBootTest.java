package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.ShutdownReason;

/** The guest kit's PV programs boot on the hypervisor (outside OSGi; the itests do it in Felix). */
class PvBootTest {

    static Vmm vmm;

    @BeforeAll
    static void start() {
        vmm = new Vmm(256L << 20, 1);
    }

    @AfterAll
    static void stop() {
        vmm.shutdown();
    }

    @ParameterizedTest
    @ValueSource(strings = {"hello", "traps", "paging", "cpubench", "ptbench", "events", "timer", "smp", "privop", "symtab"})
    void bootsAndPasses(String program) throws Exception {
        long free = vmm.freeFrames();
        Domain d = vmm.create(DomainConfig.builder("t-" + program).kernel(GuestImages.load(GuestImages.Flavor.PV,
                program)).memoryMiB(16).vcpus(program.equals("smp") ? 2 : 1).cmdline(program.equals("cpubench") ? "loop=100000 mix=2 expect=0x58c9852b"
                        : program.equals("ptbench") ? "ops=5000" : "expect_mem_mib=16").build());
        boolean done = d.awaitShutdown(60, TimeUnit.SECONDS);
        String out = d.consoleOutput();
        if (!out.contains("RESULT: PASS") || Boolean.getBoolean("oxen.verbose")) {
            System.out.println("---- " + program + " ----\n" + out);
            vmm.dmesg().forEach(System.out::println);
        }
        assertTrue(done, "no shutdown within 60 s:\n" + out);
        assertTrue(out.contains("RESULT: PASS"), out);
        assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow());
        vmm.destroy(d.id());
        assertEquals(free, vmm.freeFrames());
        assertEquals(0, vmm.internalErrors());
    }
}
