package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainState;

/**
 * Issue 24 F3/F4 with the guest kit's {@code hostile attack=long_mmu}: one multicall entry
 * holding one mmu_update over up to 16M requests (a 256 MiB window aliasing one page of
 * requests that hook and unhook an L1).
 */
class PreemptionTest {

    static DomainConfig longMmu(String name, int reqs, boolean forever) {
        return DomainConfig.builder(name).kernel(GuestImages.load(GuestImages.Flavor.PV, "hostile")).memoryMiB(8)
                .cmdline("attack=long_mmu reqs=" + reqs + (forever ? " forever=1" : "")).build();
    }

    /**
     * F3: the mmu_update inside the multicall used to run to its end in one go (24.8 s for
     * 13.1M requests). It now continues itself through the multicall: every request is done,
     * and the entry holds its last continuation's arguments (count | MMU_UPDATE_PREEMPTED), as
     * Xen leaves them.
     */
    @Test
    void longMmuUpdateInAMulticallIsPreempted_F3() throws Exception {
        Vmm vmm = new Vmm(64L << 20, 1);
        try {
            long free = vmm.freeFrames();
            String out = IsolationTest.run(vmm, "long", "attack=long_mmu reqs=200000");
            assertTrue(out.contains("(preempted)"), out);
            assertEquals(0, vmm.internalErrors());
            assertEquals(free, vmm.freeFrames());
        } finally {
            vmm.shutdown();
        }
    }

    /**
     * F4: destroying a domain whose vcpu sits in such a call used to fail ("did not leave its
     * pCPU within 10 s"), leave it dying for good with its frames, and ignore a second destroy.
     * Now its vcpu stops at the next preemption point: destroy completes, every frame returns,
     * a second destroy says the domain is gone, racing destroys are harmless, and the
     * hypervisor shuts down without errors. Its neighbour keeps running throughout.
     */
    @Test
    void aDomainInALongHypercallIsDestroyedAndItsFramesReturn_F4() throws Exception {
        Vmm vmm = new Vmm(64L << 20, 1);
        try {
            long free = vmm.freeFrames();
            for (int round = 0; round < 3; round++) {
                Domain d = vmm.create(longMmu("busy" + round, 1 << 24, true));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!d.consoleOutput().contains("long multicalls running") && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertTrue(d.consoleOutput().contains("long multicalls running"), d.consoleOutput());
                Thread.sleep(100); // inside the multicall by now
                assertEquals(DomainState.RUNNING, d.state());
                if (round < 2) {
                    vmm.destroy(d.id());
                } else {
                    // two destroys racing
                    CountDownLatch go = new CountDownLatch(1);
                    List<Throwable> errors = new ArrayList<>();
                    Thread[] t = new Thread[2];
                    for (int i = 0; i < 2; i++) {
                        t[i] = new Thread(() -> {
                            try {
                                go.await();
                                vmm.destroy(d.id());
                            } catch (IllegalArgumentException gone) {
                                // the other one finished first
                            } catch (Throwable e) {
                                synchronized (errors) {
                                    errors.add(e);
                                }
                            }
                        });
                        t[i].start();
                    }
                    go.countDown();
                    for (Thread x : t) x.join(30_000);
                    assertTrue(errors.isEmpty(), errors.toString());
                }
                assertFalse(vmm.find(d.id()).isPresent(), "still listed after destroy");
                assertEquals(free, vmm.freeFrames(), "frames of round " + round);
                assertThrows(IllegalArgumentException.class, () -> vmm.destroy(d.id()));
            }
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.shutdown();
        }
        for (String line : vmm.dmesg()) {
            assertFalse(line.contains("BUG") || line.contains("Exception") || line.contains("failed"), line);
        }
    }
}
