package org.oxen.vmm.core.hvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.sched.credit.CreditFactory;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.Vmm;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.mm.FramePool;

/**
 * Ballooning from an HVM domain (issue 17): the kit's hvmballoon gives pages of its RAM back by
 * GFN through its hypercall page and populates them again (decrease_reservation /
 * populate_physmap / increase_reservation as Xen's translated paths), above its RAM up to its
 * maximum, and checks the holes, the zeroed returns, its kept data and every refusal. Beside it a
 * PV victim keeps its pattern; afterwards the HVM domain's physmap holds only its own frames, each
 * once, none the victim's, its reservation is what the program left, and destroying it gives
 * every frame back.
 */
class HvmBalloonTest {

    @Test
    void anHvmGuestBalloonsByGfnAndItsPhysmapHoldsOnlyItsOwnFrames() throws Exception {
        Vmm vmm = HvmTestSupport.withDevices(new Vmm(256L << 20, 2, new CreditFactory()));
        try {
            long free = vmm.freeFrames();
            Domain victim = vmm.create(DomainConfig.builder("pv-victim").kernel(GuestImages.load(GuestImages.Flavor.PV,
                    "victim")).memoryMiB(16).cmdline("pages=64").build());
            HvmDomainTest.waitFor(() -> victim.consoleOutput().contains("victim: ready pages=64"), vmm, victim);
            long beforeHvm = vmm.freeFrames();
            // maxmem 17 MiB: libxl's slack above the 16 MiB and the two special pages it starts with
            Domain d = vmm.create(HvmDomainTest.hvm("balloon", "hvmballoon", 16, "rounds=3 pages=300")
                    .maxMemoryMiB(17).build());
            DomainImpl di = (DomainImpl) d;
            assertTrue(d.awaitShutdown(180, TimeUnit.SECONDS), d.consoleOutput() + String.join("\n", vmm.dmesg()));
            String out = d.consoleOutput();
            assertTrue(out.strip().endsWith("RESULT: PASS"), out + String.join("\n", vmm.dmesg()));
            assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow());
            for (int r = 1; r <= 3; r++) {
                assertTrue(out.contains("hvmballoon: round " + r + ": 300 pages given back (holes) and populated again"
                        + " (zeroed), 2772 kept their data"), out);
            }
            // RAM 4096 + store and console - the RAM page shared_info replaced = 4097; the maximum 17 MiB;
            // the frame increase_reservation added (no gfn) makes 4098, leaving 254 to populate above RAM
            assertTrue(out.contains("hvmballoon: domain " + d.id() + " reservation 4097 pages, maximum 4352,"
                    + " pool gfns [0x400, 0x1000)"), out);
            assertTrue(out.contains("hvmballoon: 254 pages above RAM populated up to the maximum 4352 and given back"), out);
            assertTrue(out.contains("hvmballoon: reservation 4098 pages, 3072 pool pages verified"), out);
            assertEquals(4098, d.memoryPages(), "xl list's figure: what the guest holds");
            assertEquals(beforeHvm - (16 * 256 + 4) + 1 - 1, vmm.freeFrames(),
                    "the pool lost the domain's frames at creation (RAM, grant frame, shared_info, two special pages),"
                            + " got the RAM page shared_info replaced back and gave the increase_reservation frame");

            // isolation: every gfn with a frame has one of the domain's own, each frame once
            FramePool pool = vmm.pool();
            Set<Integer> seen = new HashSet<>();
            int mapped = 0;
            for (int gfn = 0; gfn < 1 << 20; gfn++) {
                int mfn = di.memory().p2m(gfn);
                if (mfn < 0) continue;
                mapped++;
                assertEquals(d.id(), pool.owner(mfn), "gfn " + Integer.toHexString(gfn) + " -> mfn " + mfn);
                assertTrue(seen.add(mfn), "mfn " + mfn + " at two gfns");
                assertEquals(gfn, pool.m2pGet(mfn), "the M2P of gfn " + Integer.toHexString(gfn));
            }
            // 4095 RAM pages, shared_info and the two special pages
            assertEquals(4098, mapped);
            assertTrue(victim.consoleOutput().contains("victim: ready pages=64"), victim.consoleOutput());
            assertFalse(victim.awaitShutdown(0, TimeUnit.SECONDS), victim.consoleOutput());
            assertFalse(victim.consoleOutput().contains("FAIL"), victim.consoleOutput());
            assertEquals(0, vmm.internalErrors());
            vmm.destroy(d.id());
            vmm.destroy(victim.id());
            assertEquals(free, vmm.freeFrames(), "every frame back in the pool");
            assertFalse(vmm.dmesg().stream().anyMatch(l -> l.contains("BUG")), String.join("\n", vmm.dmesg()));
        } finally {
            vmm.shutdown();
        }
    }
}
