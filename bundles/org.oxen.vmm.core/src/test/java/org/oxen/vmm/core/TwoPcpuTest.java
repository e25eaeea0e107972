package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;

/** Two pCPU threads, eight domains at once (each program twice): all pass, the pool comes back. */
class TwoPcpuTest {

    @Test
    void guestKitProgramsRunConcurrently() throws Exception {
        Vmm vmm = new Vmm(256L << 20, 2);
        try {
            long free = vmm.freeFrames();
            List<Domain> ds = new ArrayList<>();
            for (int round = 0; round < 2; round++) {
                for (String p : new String[] {"hello", "traps", "paging", "cpubench"}) {
                    ds.add(vmm.create(DomainConfig.builder(p + round).kernel(GuestImages.load(GuestImages.Flavor.PV, p))
                            .memoryMiB(16).cmdline(p.equals("cpubench") ? "loop=200000 mix=2" : "").build()));
                }
            }
            for (Domain d : ds) {
                assertTrue(d.awaitShutdown(120, TimeUnit.SECONDS), d.name() + ":\n" + d.consoleOutput());
                assertTrue(d.consoleOutput().contains("RESULT: PASS"), d.name() + ":\n" + d.consoleOutput());
            }
            assertTrue(ds.stream().flatMap(d -> d.vcpus().stream()).mapToInt(v -> v.lastPcpu()).distinct().count()
                    >= 1);
            for (Domain d : ds) vmm.destroy(d.id());
            assertEquals(free, vmm.freeFrames());
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.shutdown();
        }
    }
}
