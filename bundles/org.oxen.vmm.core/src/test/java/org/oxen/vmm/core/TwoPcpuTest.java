package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.Vcpu;

/**
 * Two pCPU threads run vcpus at the same time: two cpubench domains that run until destroyed
 * keep both pCPUs busy while six more (hello, traps, paging twice each) run to PASS beside them.
 */
class TwoPcpuTest {

    @Test
    void bothPcpusRunVcpusWhileGuestKitProgramsPass() throws Exception {
        Vmm vmm = new Vmm(256L << 20, 2);
        try {
            long free = vmm.freeFrames();
            List<Domain> spinners = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                spinners.add(vmm.create(DomainConfig.builder("spin" + i).kernel(GuestImages.load(GuestImages.Flavor.PV,
                        "cpubench")).memoryMiB(16).cmdline("loop=20000 mix=1 repeat=0").build()));
            }
            List<Domain> ds = new ArrayList<>();
            for (int round = 0; round < 2; round++) {
                for (String p : new String[] {"hello", "traps", "paging"}) {
                    ds.add(vmm.create(DomainConfig.builder(p + round).kernel(GuestImages.load(GuestImages.Flavor.PV, p))
                            .memoryMiB(16).build()));
                }
            }

            // both pCPUs seen running a vcpu at one moment (the spinners never stop, so this comes)
            boolean[] seen = new boolean[2];
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!(seen[0] && seen[1]) && System.nanoTime() < deadline) {
                for (Domain d : spinners) {
                    assertFalse(d.awaitShutdown(0, TimeUnit.SECONDS), d.name() + " ended:\n" + d.consoleOutput());
                    for (Vcpu v : d.vcpus()) {
                        int p = v.lastPcpu();
                        if (v.running() && p >= 0) seen[p] = true;
                    }
                }
                Thread.sleep(1);
            }
            assertTrue(seen[0] && seen[1], "pCPUs seen running a vcpu: 0=" + seen[0] + " 1=" + seen[1]);

            for (Domain d : ds) {
                assertTrue(d.awaitShutdown(120, TimeUnit.SECONDS), d.name() + ":\n" + d.consoleOutput());
                assertTrue(d.consoleOutput().contains("RESULT: PASS"), d.name() + ":\n" + d.consoleOutput());
            }
            for (Domain d : spinners) { // still running, and past a checked repeat round
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!d.consoleOutput().contains("cpubench: round=") && System.nanoTime() < until) {
                    assertFalse(d.awaitShutdown(5, TimeUnit.MILLISECONDS), d.name() + " ended:\n" + d.consoleOutput());
                }
                assertFalse(d.awaitShutdown(0, TimeUnit.SECONDS), d.name() + " ended:\n" + d.consoleOutput());
                assertTrue(d.consoleOutput().contains("cpubench: round="), d.name() + ":\n" + d.consoleOutput());
                assertFalse(d.consoleOutput().contains("RESULT: FAIL"), d.name() + ":\n" + d.consoleOutput());
            }
            for (Domain d : spinners) vmm.destroy(d.id());
            for (Domain d : ds) vmm.destroy(d.id());
            assertEquals(free, vmm.freeFrames());
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.shutdown();
        }
    }
}
