package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.ShutdownReason;

/**
 * The guest kit's balloon driver (lib/pv/balloon.c) on the hypervisor alone, without xenstore:
 * memtarget's bench mode maps all its memory, fills it, gives back and takes back 1,024 pages
 * twice through the driver (unmap, P2M, decrease_reservation; populate_physmap, P2M, remap),
 * finds the pages zeroed and every other page intact. The toolstack half (memory/target) is
 * XlBalloonTest's, in a real Felix.
 */
class BalloonDriverTest {

    @Test
    void theDriverGivesBackAndTakesBackPagesAndTheRestIsIntact() throws Exception {
        Vmm vmm = new Vmm(64L << 20, 1);
        try {
            long free0 = vmm.freeFrames();
            Domain d = vmm.create(DomainConfig.builder("memtarget")
                    .kernel(GuestImages.load(GuestImages.Flavor.PV, "memtarget")).memoryMiB(16).startPaused(true)
                    .cmdline("bench=2 pages=1024").build());
            long free = vmm.freeFrames();
            vmm.unpause(d.id());
            assertTrue(d.awaitShutdown(120, TimeUnit.SECONDS), "no shutdown:\n" + d.consoleOutput());
            String out = d.consoleOutput();
            if (!out.contains("RESULT: PASS") || Boolean.getBoolean("oxen.verbose")) System.out.println(out);
            assertTrue(out.contains("RESULT: PASS"), out);
            assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow());
            assertTrue(out.matches("(?s).*memtarget: ready: \\d+ data pages \\[\\d+, 4096\\), reservation 4096 pages\n.*"),
                    out);
            assertTrue(out.matches("(?s).*memtarget: bench: out \\d+ pages/s, in \\d+ pages/s \\(2 rounds of 1024 pages\\)\n.*"),
                    out);
            assertEquals(16 * 256, d.memoryPages(), "every page came back");
            assertEquals(free, vmm.freeFrames());
            vmm.destroy(d.id());
            assertEquals(free0, vmm.freeFrames());
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.shutdown();
        }
    }
}
