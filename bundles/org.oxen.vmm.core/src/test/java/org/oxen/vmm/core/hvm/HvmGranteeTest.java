package org.oxen.vmm.core.hvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

    /** A grantee holding both of a PV granter's grants mapped (hvmmapgrant hold=1), and its granter. */
    private record Held(Domain grantee, Domain granter) {
    }

    private static Held holding(Vmm vmm) throws Exception {
        int granterId = highestId(vmm) + 2;
        Domain hvm = vmm.create(HvmDomainTest.hvm("grantee", "hvmmapgrant", 16, "granter=" + granterId + " hold=1").build());
        Domain granter = vmm.create(DomainConfig.builder("granter").kernel(GuestImages.load(GuestImages.Flavor.PV, "grants"))
                .memoryMiB(16).cmdline("mode=peer hold=1 peer=" + hvm.id()).build());
        assertEquals(granterId, granter.id(), "the granter got the id the grantee was told");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (!hvm.consoleOutput().contains("hvmmapgrant: holding both mappings")
                || !granter.consoleOutput().contains("grants: the peer holds its mappings")) {
            if (System.nanoTime() > end || hvm.shutdownReason().isPresent() || granter.shutdownReason().isPresent()) {
                throw new AssertionError("no mappings held:\n" + hvm.consoleOutput() + "\n--- granter:\n"
                        + granter.consoleOutput() + "\n" + String.join("\n", vmm.dmesg()));
            }
            Thread.sleep(10);
        }
        return new Held(hvm, granter);
    }

    /**
     * Xen does not save an HVM domain with a grant mapped in its physmap (libxc maps every gfn to
     * copy it, and Xen refuses the toolstack a mapping of a p2m_grant_map gfn, so the save
     * fails): oxen refuses, paused or live, before a byte is written, naming the gfns and the
     * granter, so the granter's page never reaches a stream; the domain goes on unchanged.
     */
    @Test
    void anHvmDomainWithAGrantMappedIsNotSavedAndTheGrantersPageReachesNoStream() throws Exception {
        Vmm vmm = HvmTestSupport.withDevices(new Vmm(128L << 20, 2, new CreditFactory()));
        try {
            long free = vmm.freeFrames();
            Held h = holding(vmm);
            DomainImpl grantee = vmm.domain(h.grantee().id());
            int[] gfns = grantee.memory().grantGfns();
            assertEquals(2, gfns.length, "W and R hold the grants");
            vmm.pause(h.grantee().id());
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> vmm.save(h.grantee().id(), out, new byte[0]));
            for (int g : gfns) {
                assertTrue(e.getMessage().contains(String.format("gfn 0x%x (a frame of d%d)", g, h.granter().id())), e.getMessage());
            }
            assertTrue(e.getMessage().contains("must unmap them"), e.getMessage());
            assertEquals(0, out.size(), "nothing is written");
            vmm.unpause(h.grantee().id());
            java.io.ByteArrayOutputStream live = new java.io.ByteArrayOutputStream();
            IllegalStateException l = assertThrows(IllegalStateException.class, () -> vmm.saveLive(h.grantee().id(), live,
                    new byte[0], org.oxen.vmm.api.DomainSaveRestore.LiveOptions.DEFAULT, () -> vmm.pause(h.grantee().id()), r -> {
                    }));
            assertTrue(l.getMessage().contains("maps other domains' grants"), l.getMessage());
            assertEquals(0, live.size(), "nothing is written live either");
            assertFalse(h.grantee().shutdownReason().isPresent(), "the grantee goes on");
            org.oxen.vmm.api.DomainState st = h.grantee().state();
            assertTrue(st == org.oxen.vmm.api.DomainState.RUNNING || st == org.oxen.vmm.api.DomainState.BLOCKED,
                    "running or idle in HLT, not paused: " + st);
            assertEquals(2, grantee.memory().grantGfns().length, "its grants stay mapped");
            assertFalse(h.granter().consoleOutput().contains("mappings went"), h.granter().consoleOutput());
            vmm.destroy(h.grantee().id());
            assertTrue(h.granter().awaitShutdown(180, TimeUnit.SECONDS), h.granter().consoleOutput());
            assertTrue(h.granter().consoleOutput().strip().endsWith("RESULT: PASS"), h.granter().consoleOutput());
            vmm.destroy(h.granter().id());
            assertEquals(free, vmm.freeFrames(), "every frame back in the pool");
            assertEquals(0, vmm.internalErrors(), String.join("\n", vmm.dmesg()));
        } finally {
            vmm.shutdown();
        }
    }

    /**
     * Destroying an HVM grantee with both grants still mapped (gnttab_release_mappings): the
     * granter's flags lose GTF_reading/GTF_writing (the granter sees it and ends its grants),
     * its entries are no longer pinned, and every frame returns to the pool once both are gone.
     */
    @Test
    void destroyingAnHvmGranteeWithLiveMappingsReleasesTheGrantersGrants() throws Exception {
        Vmm vmm = HvmTestSupport.withDevices(new Vmm(128L << 20, 2, new CreditFactory()));
        try {
            long free = vmm.freeFrames();
            Held h = holding(vmm);
            org.oxen.vmm.core.grant.GrantTable gt = vmm.domain(h.granter().id()).grants();
            assertEquals(2, gt.pinnedEntries(), "refs 8 and 9 pinned by the grantee's mappings");
            vmm.destroy(h.grantee().id());
            assertEquals(0, gt.pinnedEntries(), "no entry pinned once the grantee is gone");
            assertTrue(h.granter().awaitShutdown(180, TimeUnit.SECONDS), h.granter().consoleOutput());
            String gout = h.granter().consoleOutput();
            assertTrue(gout.contains("grants: the peer's mappings went without an unmap; both grants ended"), gout);
            assertTrue(gout.strip().endsWith("RESULT: PASS"), gout);
            vmm.destroy(h.granter().id());
            assertEquals(free, vmm.freeFrames(), "every frame back in the pool");
            assertEquals(0, vmm.internalErrors(), String.join("\n", vmm.dmesg()));
        } finally {
            vmm.shutdown();
        }
    }

    /** The highest domain id in use (a fresh Vmm gives ids counting up from 1). */
    private static int highestId(Vmm vmm) {
        return vmm.list().stream().mapToInt(Domain::id).max().orElse(0);
    }
}
