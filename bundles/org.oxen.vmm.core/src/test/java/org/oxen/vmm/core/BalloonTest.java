package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.domain.DomainImpl;

/**
 * The hypervisor half of ballooning (issue 15): memory_op increase_reservation,
 * decrease_reservation and populate_physmap driven by the kit's balloon program.
 */
class BalloonTest {

    /**
     * XENMEM_exchange (the kit's balloon runs it before keeping pages out): contiguous extents
     * below an address limit, an order-1 extent split, partial progress, and every refusal with
     * Xen's result and nr_exchanged; the reservation does not move, the victim's frame is
     * untouched and every frame is back in the pool at destruction (the asserts below).
     *
     * Three rounds of giving back and taking back 32 pages (populate_physmap and
     * increase_reservation), the guest checking its data each time; the refusals (a mapped page,
     * shared_info, the L3 in use, a victim domain's frame, order 10, another domain's
     * reservation) move nothing; increase stops at the maximum; the 16 pages kept out show in
     * the domain's reservation and in the pool's free frames, and come back at destruction.
     */
    @Test
    void balloonDownAndUpThreeTimesAndKeepSomeOut() throws Exception {
        Vmm vmm = new Vmm(128L << 20, 1);
        try {
            long free0 = vmm.freeFrames();
            DomainImpl victim = (DomainImpl) vmm.create(DomainConfig.builder("victim")
                    .kernel(GuestImages.load(GuestImages.Flavor.PV, "hello")).memoryMiB(8).startPaused(true).build());
            int foreign = victim.memory().p2m(0);
            byte[] before = IsolationTest.frame(vmm, foreign);
            Domain d = vmm.create(DomainConfig.builder("balloon").kernel(GuestImages.load(GuestImages.Flavor.PV, "balloon"))
                    .memoryMiB(16).maxMemoryMiB(17).startPaused(true)
                    .cmdline("pages=32 rounds=3 keep_out=16 foreign=0x" + Integer.toHexString(foreign) + " victim=" + victim.id())
                    .build());
            long pages = d.memoryPages();
            long free = vmm.freeFrames();
            assertEquals(16 * 256, pages);
            vmm.unpause(d.id());
            assertTrue(d.awaitShutdown(60, TimeUnit.SECONDS), "no shutdown");
            String out = d.consoleOutput();
            if (!out.contains("RESULT: PASS") || Boolean.getBoolean("oxen.verbose")) System.out.println(out);
            assertTrue(out.contains("RESULT: PASS"), out);
            assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow());
            for (int r = 1; r <= 3; r++) {
                assertTrue(out.contains("balloon: round " + r + ": gave back 32 pages, reservation " + (pages - 32)), out);
            }
            assertTrue(out.contains("increase by 257 with room for 256 -> 256 extents"), out);
            assertTrue(out.contains("balloon: final reservation " + (pages - 16)), out);
            String[][] exchanges = {
                {"8 pages for 2 order-2 extents", "0", "8"}, {"an order-1 extent for 2 pages", "0", "1"},
                {"4 pages, the third still mapped", "-22", "2"}, {"order 10", "-1", "0"},
                {"in.domid != out.domid", "-22", "0"}, {"2 pages for 1", "-22", "0"}, {"nr_exchanged past the input", "-22", "3"},
                {"output list in the hypervisor hole", "-14", "0"}, {"argument in the hypervisor hole", "-14", "0"},
                {"a frame named twice", "-22", "0"}, {"address bits 13", "-12", "0"}, {"a frame of another domain", "-22", "0"},
                {"shared_info", "-22", "0"}, {"the L3 in use", "-22", "0"}, {"another domain's memory", "-1", "0"},
                {"no such domain", "-3", "0"},
            };
            for (String[] x : exchanges) {
                assertTrue(out.matches("(?s).*balloon: exchange " + java.util.regex.Pattern.quote(x[0]) + " +-> rc " + x[1]
                        + " nr_exchanged " + x[2] + "\n.*"), x[0] + ":\n" + out);
            }
            assertEquals(pages - 16, d.memoryPages());
            assertEquals(free + 16, vmm.freeFrames(), "the pages kept out are back in the pool");
            assertArrayEquals(before, IsolationTest.frame(vmm, foreign));
            vmm.destroy(d.id());
            vmm.destroy(victim.id());
            assertEquals(free0, vmm.freeFrames());
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.shutdown();
        }
    }
}
