package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.domain.DomainImpl;

/**
 * Shadow mode for PV domains (issue 15): the kit's paging (with and without writable page
 * tables) and ptwrite run on shadow page tables and pass, with every hypercall answer and
 * every hostile store's outcome the same as in direct mode; the shadow was really used (faults
 * fixed, accessed and dirty bits propagated to the guest's entries: paging checks them), and
 * its frames go back to the pool.
 */
class ShadowModeTest {

    static Vmm vmm;

    @BeforeAll
    static void start() {
        vmm = new Vmm(128L << 20, 1);
    }

    @AfterAll
    static void stop() {
        vmm.shutdown();
    }

    /** Runs {@code program} in direct or shadow mode; returns its console output (RESULT: PASS checked). */
    static String run(String program, String cmdline, boolean shadow) throws Exception {
        long free = vmm.freeFrames();
        DomainImpl d = (DomainImpl) vmm.create(DomainConfig.builder(program + (shadow ? "-shadow" : "-direct"))
                .kernel(GuestImages.load(GuestImages.Flavor.PV, program)).memoryMiB(16).cmdline(cmdline).startPaused(true)
                .build());
        if (shadow) {
            vmm.shadowEnable(d.id());
            assertThrows(IllegalStateException.class, () -> vmm.shadowEnable(d.id()));
            int cr3 = d.vcpu(0).cpu().cr(3) >>> 12;
            assertTrue(cr3 != org.oxen.vmm.core.arch.pv.PvVcpu.of(d.vcpu(0)).baseL3(), "the CPU runs on a shadow L3, not the guest's");
        }
        vmm.unpause(d.id());
        boolean done = d.awaitShutdown(60, TimeUnit.SECONDS);
        String out = d.consoleOutput();
        String stats = vmm.shadowStatistics(d.id());
        if (!out.contains("RESULT: PASS") || Boolean.getBoolean("oxen.verbose")) {
            System.out.println("---- " + d.name() + " ----\n" + out + "\n" + stats);
            vmm.dmesg().forEach(System.out::println);
        }
        assertTrue(done, "no shutdown:\n" + out);
        assertTrue(out.contains("RESULT: PASS"), out);
        assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow());
        if (shadow) {
            assertNotNull(stats);
            Matcher m = Pattern.compile("(\\d+) faults fixed, \\d+ passed to the guest, (\\d+) blows, 0 refused").matcher(stats);
            assertTrue(m.find() && Long.parseLong(m.group(1)) > 100 && Long.parseLong(m.group(2)) > 0, stats);
        } else {
            assertNull(stats);
        }
        vmm.destroy(d.id());
        assertEquals(free, vmm.freeFrames(), "every frame (shadow tables too) back in the pool");
        assertEquals(0, vmm.internalErrors());
        return out;
    }

    /**
     * Shadow mode on and off again on a paused domain: the shadow frames go back to the pool,
     * the vcpu's CR3 is the guest's L3 again, and the guest then passes in direct mode.
     */
    @Test
    void shadowModeOffGivesTheFramesBackAndTheGuestRunsDirect() throws Exception {
        long free = vmm.freeFrames();
        DomainImpl d = (DomainImpl) vmm.create(DomainConfig.builder("paging-onoff")
                .kernel(GuestImages.load(GuestImages.Flavor.PV, "paging")).memoryMiB(16).startPaused(true).build());
        long built = vmm.freeFrames();
        vmm.shadowEnable(d.id());
        assertTrue(vmm.freeFrames() < built, "the shadow L3 and L2s come from the pool");
        vmm.shadowDisable(d.id());
        assertEquals(built, vmm.freeFrames());
        assertEquals(org.oxen.vmm.core.arch.pv.PvVcpu.of(d.vcpu(0)).baseL3(), d.vcpu(0).cpu().cr(3) >>> 12, "CR3 is the guest's L3 again");
        assertNull(vmm.shadowStatistics(d.id()));
        assertThrows(IllegalStateException.class, () -> vmm.shadowDisable(d.id()));
        vmm.unpause(d.id());
        assertTrue(d.awaitShutdown(60, TimeUnit.SECONDS));
        assertTrue(d.consoleOutput().contains("RESULT: PASS"), d.consoleOutput());
        vmm.destroy(d.id());
        assertEquals(free, vmm.freeFrames());
    }

    /** The lines that state a hypervisor answer or a fault the guest saw. */
    static List<String> outcomes(String out) {
        return out.lines().filter(l -> l.contains(" -> ") || l.contains("#PF") || l.contains("error"))
                .map(l -> l.replaceAll("(mfn|mfn=|pte|entry|half) 0x[0-9a-f]+", "$1 (frame)")).toList(); // frames differ per domain
    }

    @Test
    void pagingPassesInShadowModeWithTheSameAnswersAsDirectMode() throws Exception {
        String direct = run("paging", "", false);
        String shadow = run("paging", "", true);
        assertTrue(outcomes(direct).size() > 20, direct);
        assertEquals(outcomes(direct), outcomes(shadow));
    }

    @Test
    void pagingWithWritablePageTablesPassesInShadowMode() throws Exception {
        String direct = run("paging", "wpt", false);
        String shadow = run("paging", "wpt", true);
        assertEquals(outcomes(direct), outcomes(shadow));
    }

    /** ptwrite's hostile stores (foreign frame, MMIO, L1 writable through itself, L2 at a data page) fault back as in direct mode. */
    @Test
    void hostilePageTableWritesGetTheSameOutcomeInShadowMode() throws Exception {
        DomainImpl victim = (DomainImpl) vmm.create(DomainConfig.builder("victim")
                .kernel(GuestImages.load(GuestImages.Flavor.PV, "hello")).memoryMiB(8).startPaused(true).build());
        try {
            int foreign = victim.memory().p2m(0);
            byte[] before = IsolationTest.frame(vmm, foreign);
            String cmd = "foreign=0x" + Integer.toHexString(foreign);
            String direct = run("ptwrite", cmd, false);
            String shadow = run("ptwrite", cmd, true);
            assertEquals(outcomes(direct), outcomes(shadow));
            assertTrue(shadow.matches("(?s).*map a frame of another domain[^\\n]* store -> #PF 0x3 at 0x[0-9a-f]+; mmu_update -> -\\d+\n.*"),
                    shadow);
            assertArrayEquals(before, IsolationTest.frame(vmm, foreign));
        } finally {
            vmm.destroy(victim.id());
        }
    }
}
