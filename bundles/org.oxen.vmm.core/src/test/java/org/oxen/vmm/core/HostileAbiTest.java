package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.ShutdownReason;

/**
 * PV ABI registrations Xen accepts and only checks when they are used, from the kit's hostile
 * program: an event callback at a selector of the empty GDT (callback_op: 0) and a kernel stack
 * in the hypervisor hole (stack_switch: 0). When the hypervisor then has to use them only that
 * domain crashes: the upcall's return to the callback selector fails, so (as Xen's
 * compat_failsafe_callback) the kit's failsafe callback runs and the guest crashes itself; the
 * trap from ring 3 cannot write its frame and the hypervisor crashes the domain with the reason.
 * A neighbour on the other pCPU runs to PASS and every frame comes back.
 */
class HostileAbiTest {

    @Test
    void unusableCallbackSelectorAndKernelStackInTheHoleCrashOnlyTheirDomain() throws Exception {
        Vmm vmm = new Vmm(96L << 20, 2);
        try {
            long free = vmm.freeFrames();
            Domain neighbour = vmm.create(DomainConfig.builder("neighbour")
                    .kernel(GuestImages.load(GuestImages.Flavor.PV, "cpubench")).memoryMiB(8)
                    .cmdline("loop=300000 mix=3").build());
            String[][] attacks = { // attack, the hypervisor's crash message or the guest's last line
                {"callback_cs", "RESULT: FAIL failsafe callback: the hypervisor could not load a segment register"},
                {"stack_hole", "cannot write the exception frame"},
            };
            for (String[] a : attacks) {
                Domain h = vmm.create(DomainConfig.builder("hostile-" + a[0])
                        .kernel(GuestImages.load(GuestImages.Flavor.PV, "hostile")).memoryMiB(8)
                        .cmdline("attack=" + a[0]).build());
                assertTrue(h.awaitShutdown(60, TimeUnit.SECONDS), h.consoleOutput());
                String out = h.consoleOutput();
                assertEquals(ShutdownReason.CRASH, h.shutdownReason().orElseThrow(), out);
                String why = h.crashMessage().orElse("");
                assertTrue(out.contains("expect a crash"), out);
                if (a[1].startsWith("RESULT:")) {
                    assertTrue(out.contains(a[1]), a[0] + ": crashed with '" + why + "'\n" + out);
                } else {
                    assertTrue(why.contains(a[1]), a[0] + ": crashed with '" + why + "'\n" + out);
                    assertFalse(out.contains("RESULT:"), out);
                }
                vmm.destroy(h.id());
            }
            assertTrue(neighbour.awaitShutdown(120, TimeUnit.SECONDS), neighbour.consoleOutput());
            assertTrue(neighbour.consoleOutput().contains("RESULT: PASS"), neighbour.consoleOutput());
            vmm.destroy(neighbour.id());
            assertEquals(0, vmm.internalErrors());
            assertEquals(free, vmm.freeFrames());
        } finally {
            vmm.shutdown();
        }
    }
}
