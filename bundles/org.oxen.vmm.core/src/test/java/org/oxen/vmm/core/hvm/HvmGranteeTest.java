package org.oxen.vmm.core.hvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.sched.credit.CreditFactory;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.Vmm;
import org.oxen.vmm.core.domain.DomainImpl;

/**
 * An HVM domain as a grantee (Xen's create_grant_p2m_mapping): the kit's hvmmapgrant maps a PV
 * domain's grants (the kit's {@code grants mode=peer}) into its own physmap at GFNs it gave back,
 * reads and writes the read-write one, cannot change the read-only one, copies by GFN both ways,
 * is refused with Xen's statuses (a GFN at 4 GiB or holding RAM, device_map, a read-only grant
 * writable, a handle never given, the wrong address), and unmaps: the GFNs are holes again. The
 * granter sees GTF_reading/GTF_writing while mapped and its flags clear after. Afterwards every
 * frame is back in the pool.
 */
class HvmGranteeTest {

    @Test
    void anHvmDomainMapsAPvDomainsGrantsIntoItsPhysmapAndUnmapsThem() throws Exception {
        Vmm vmm = HvmTestSupport.withDevices(new Vmm(128L << 20, 2, new CreditFactory()));
        try {
            long free = vmm.freeFrames();
            // the grantee first (the granter's grants name it), told the id the granter gets next;
            // it waits, retrying its first map, until the granter is there and has granted
            int granterId = highestId(vmm) + 2;
            Domain hvm = vmm.create(HvmDomainTest.hvm("grantee", "hvmmapgrant", 16, "granter=" + granterId).build());
            Domain granter = vmm.create(DomainConfig.builder("granter").kernel(GuestImages.load(GuestImages.Flavor.PV, "grants"))
                    .memoryMiB(16).cmdline("mode=peer peer=" + hvm.id()).build());
            assertEquals(granterId, granter.id(), "the granter got the id the grantee was told");
            for (Domain d : new Domain[] {hvm, granter}) {
                assertTrue(d.awaitShutdown(180, TimeUnit.SECONDS), d.name() + ":\n" + d.consoleOutput() + "\n"
                        + String.join("\n", vmm.dmesg()));
            }
            String out = hvm.consoleOutput(), gout = granter.consoleOutput();
            assertTrue(out.strip().endsWith("RESULT: PASS"), out + "\n--- granter:\n" + gout);
            assertTrue(gout.strip().endsWith("RESULT: PASS"), gout + "\n--- grantee:\n" + out);
            assertEquals(ShutdownReason.POWEROFF, hvm.shutdownReason().orElseThrow());
            assertTrue(out.contains("hvmmapgrant: refusals:") && out.contains("hvmmapgrant: copies by GFN both ways")
                    && out.contains("hvmmapgrant: unmapped; W and R are holes again"), out);
            assertTrue(gout.contains("grants: peer unmapped both; its copy arrived; page B unchanged"), gout);
            assertEquals(0, vmm.internalErrors(), String.join("\n", vmm.dmesg()));
            vmm.destroy(hvm.id());
            vmm.destroy(granter.id());
            assertEquals(free, vmm.freeFrames(), "every frame back in the pool");
        } finally {
            vmm.shutdown();
        }
    }

    /** The highest domain id in use (a fresh Vmm gives ids counting up from 1). */
    private static int highestId(Vmm vmm) {
        return vmm.list().stream().mapToInt(Domain::id).max().orElse(0);
    }
}
