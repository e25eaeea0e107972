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
import org.oxen.vmm.api.ShutdownReason;

/**
 * The kit's smp (4 vcpus) and events programs on two pCPUs at once: vcpus of one domain run in
 * parallel (smp's spinlock counter, IPI round trips, TLB shootdowns) beside another domain's
 * events. (The timer program needs a pCPU of its own: Xen's periodic timer ticks only while its
 * vcpu is scheduled, so under contention it ticks less than the program expects.)
 */
class SmpGuestTest {

    @Test
    void smpAndEventsOnTwoPcpus() throws Exception {
        Vmm vmm = new Vmm(256L << 20, 2);
        try {
            long free = vmm.freeFrames();
            List<Domain> ds = new ArrayList<>();
            for (int round = 0; round < 2; round++) {
                for (String p : new String[] {"smp", "events", "smp"}) {
                    ds.add(vmm.create(DomainConfig.builder(p + ds.size()).kernel(GuestImages.load(GuestImages.Flavor.PV, p))
                            .memoryMiB(16).vcpus(p.equals("smp") ? 4 : 1).build()));
                }
            }
            for (Domain d : ds) {
                assertTrue(d.awaitShutdown(120, TimeUnit.SECONDS), d.name() + ":\n" + d.consoleOutput());
                assertTrue(d.consoleOutput().contains("RESULT: PASS"), d.name() + ":\n" + d.consoleOutput()
                        + String.join("\n", vmm.dmesg()));
                assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow());
            }
            for (Domain d : ds) vmm.destroy(d.id());
            assertEquals(free, vmm.freeFrames());
            assertEquals(0, vmm.internalErrors());
            assertEquals(0, vmm.schedCore().twoPcpuViolations());
        } finally {
            vmm.shutdown();
        }
    }
}
