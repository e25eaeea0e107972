package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.api.backend.ForeignMapping;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.mm.PageType;

/**
 * Issue 24's hostile-guest findings as real attacks: the guest kit's {@code hostile} program
 * runs each sequence on the VMM beside a victim domain, checks every answer against Xen's and
 * fails if it gets further than Xen lets it.
 */
class IsolationTest {

    static byte[] hostile() {
        return GuestImages.load(GuestImages.Flavor.PV, "hostile");
    }

    static byte[] frame(Vmm vmm, int mfn) {
        byte[] b = new byte[4096];
        for (int i = 0; i < b.length; i++) b[i] = (byte) vmm.pool().ram().read8(((long) mfn << 12) + i);
        return b;
    }

    /**
     * F1: shared_info held no type reference, so a guest could pin it as its L3, have the #PF
     * bounce write an attacker-chosen PDPTE into it as CR2 and map any machine frame. Xen
     * shares the page with a permanent writable type: every page-table use is -EINVAL.
     */
    @Test
    void sharedInfoCannotBecomeAPageTable_F1() throws Exception {
        Vmm vmm = new Vmm(64L << 20, 1);
        try {
            long free = vmm.freeFrames();
            DomainImpl victim = (DomainImpl) vmm.create(DomainConfig.builder("victim")
                    .kernel(GuestImages.load(GuestImages.Flavor.PV, "hello")).memoryMiB(8).startPaused(true).build());
            int victimMfn = victim.memory().p2m(0);
            byte[] before = frame(vmm, victimMfn);
            DomainImpl h = (DomainImpl) vmm.create(DomainConfig.builder("hostile").kernel(hostile()).memoryMiB(8)
                    .cmdline("attack=shared_info victim_mfn=0x" + Integer.toHexString(victimMfn)).startPaused(true)
                    .build());
            int si = h.sharedInfoMfn();
            int siType, siTypeCount;
            synchronized (vmm.pool()) {
                siType = vmm.pool().type(si) & PageType.TYPE_MASK;
                siTypeCount = vmm.pool().typeCount(si);
            }
            vmm.unpause(h.id());
            String out = awaitPoweroff(h, 60);
            assertTrue(out.contains("MMUEXT_PIN_L3_TABLE(shared_info)"), out);
            assertTrue(!out.contains("where Xen answers"), out);
            assertTrue(out.contains("RESULT: PASS"), out);
            assertArrayEquals(before, frame(vmm, victimMfn), "the victim's frame changed");
            assertEquals(PageType.WRITABLE, siType, "shared_info's type before the guest ran");
            assertEquals(1, siTypeCount, "shared_info's permanent type reference");
            synchronized (vmm.pool()) {
                assertEquals(PageType.WRITABLE, vmm.pool().type(si) & PageType.TYPE_MASK);
                assertTrue(vmm.pool().typeCount(si) >= 1);
            }
            assertEquals(0, vmm.internalErrors());
            vmm.destroy(h.id());
            vmm.destroy(victim.id());
            assertEquals(free, vmm.freeFrames());
        } finally {
            vmm.shutdown();
        }
    }

    /**
     * F1's audit as an attacker tries it: shared_info, a grant-table frame, the console page
     * while Domain-0 maps it (as xenconsoled does) and the page a vcpu_info was moved to, each
     * shaped by the guest as a valid L3 (so also a valid L1 and descriptor page) and mapped
     * read-only, are refused as a page table by every path (pins, NEW_BASEPTR, an L2 or L3 entry
     * pointing at them, set_gdt) and as an LDT page on first use, as Xen refuses them: each holds
     * a writable type reference for as long as the hypervisor or Domain-0 writes it.
     */
    @Test
    void noFrameTheHypervisorWritesCanBecomeATable_F1Audit() throws Exception {
        Vmm vmm = new Vmm(64L << 20, 1);
        try {
            long free = vmm.freeFrames();
            DomainImpl h = (DomainImpl) vmm.create(DomainConfig.builder("frames").kernel(hostile()).memoryMiB(8)
                    .cmdline("attack=xen_frames console_mapped=1").startPaused(true).build());
            ForeignMapping console = vmm.foreignMemory().map(h.id(), h.consoleRing().orElseThrow().mfn());
            vmm.unpause(h.id());
            String out = awaitPoweroff(h, 60);
            for (String frame : new String[] {"shared_info", "grant frame", "console", "vcpu_info"}) {
                for (String step : new String[] {"MMUEXT_PIN_L1_TABLE", "MMUEXT_PIN_L2_TABLE", "MMUEXT_PIN_L3_TABLE",
                        "MMUEXT_NEW_BASEPTR", "mmu_update(L2 entry -> frame)", "mmu_update(L3 slot 1 -> frame)",
                        "set_gdt([frame], 512)"}) {
                    assertTrue(out.matches("(?s).*hostile: " + Pattern.quote(frame) + " +" + Pattern.quote(step)
                            + " +rc=-22 \\(Xen: -22\\).*"), frame + " " + step + "\n" + out);
                }
            }
            assertTrue(out.contains("the console page and the vcpu_info page stayed writable pages"), out);
            assertTrue(out.contains("RESULT: PASS"), out);
            console.close();
            assertEquals(0, vmm.internalErrors());
            vmm.destroy(h.id());
            assertEquals(free, vmm.freeFrames());
        } finally {
            vmm.shutdown();
        }
    }

    /**
     * A page-table type taken while another vcpu of the domain still holds a writable TLB entry
     * for the frame: vcpu 1 stores a PTE of a victim's frame into page P, over and over, while
     * vcpu 0's one mmu_update batch makes P read-only and hooks it into an L2 slot (validated as
     * an L1). Xen flushes the domain's TLBs before a frame that was writable takes a page-table
     * type (get_page_type's tlbflush_timestamp check); without that flush a store lands after
     * the validation and the slot maps the victim's frame.
     */
    @Test
    void aStaleWritableTlbEntryCannotReachAValidatedTable() throws Exception {
        Vmm vmm = new Vmm(64L << 20, 2);
        try {
            long free = vmm.freeFrames();
            DomainImpl victim = (DomainImpl) vmm.create(DomainConfig.builder("victim")
                    .kernel(GuestImages.load(GuestImages.Flavor.PV, "hello")).memoryMiB(8).startPaused(true).build());
            int victimMfn = victim.memory().p2m(0);
            byte[] before = frame(vmm, victimMfn);
            DomainImpl h = (DomainImpl) vmm.create(DomainConfig.builder("stale").kernel(hostile()).memoryMiB(8).vcpus(2)
                    .cmdline("attack=stale_tlb rounds=" + Integer.getInteger("oxen.staletlb.rounds", 100)
                            + " victim_mfn=0x" + Integer.toHexString(victimMfn))
                    .build());
            String out = awaitPoweroff(h, 120);
            assertTrue(out.contains("RESULT: PASS"), out);
            assertArrayEquals(before, frame(vmm, victimMfn), "the victim's frame changed");
            assertEquals(0, vmm.internalErrors());
            vmm.destroy(h.id());
            vmm.destroy(victim.id());
            assertEquals(free, vmm.freeFrames());
        } finally {
            vmm.shutdown();
        }
    }

    /**
     * Issue 22: the MMU hypercalls flush only what the guest asks for (UVMF_INVLPG one page: a
     * translation unmapped with UVMF_NONE survives it, as on hardware), yet a frame unmapped
     * without a flush and given back by decrease_reservation is unreachable at once: a read and
     * a store at its old address fault (every vcpu flushed before the frame left the domain).
     */
    @Test
    void noTranslationOutlivesItsFrameLeavingTheDomain() throws Exception {
        Vmm vmm = new Vmm(64L << 20, 1);
        try {
            long free = vmm.freeFrames();
            String out = run(vmm, "stale_release", "attack=stale_release");
            assertTrue(out.contains("B's translation outlived the INVLPG of A"), out);
            assertTrue(out.contains("a read and a store at"), out);
            assertEquals(0, vmm.internalErrors());
            assertEquals(free, vmm.freeFrames());
        } finally {
            vmm.shutdown();
        }
    }

    /**
     * F2: a #DB the CPU raised itself (TF single step from a popf in ring 3 or through the iret
     * hypercall, a DR0 breakpoint) went through the PV guest's empty IDT and triple-faulted the
     * domain. Every #DB, INT1 in both rings and #AC from ring 3 now reach the trap table, and
     * set_debugreg/get_debugreg work with Xen's refusals.
     */
    @Test
    void singleStepAndEveryDebugTrapReachTheTrapTable_F2() throws Exception {
        Vmm vmm = new Vmm(64L << 20, 1);
        try {
            long free = vmm.freeFrames();
            String out = run(vmm, "debug", "attack=debug");
            assertTrue(out.contains("every #DB and #AC reached the trap table"), out);
            assertEquals(0, vmm.internalErrors());
            assertEquals(free, vmm.freeFrames());
        } finally {
            vmm.shutdown();
        }
    }

    static String run(Vmm vmm, String name, String cmdline) throws Exception {
        Domain d = vmm.create(DomainConfig.builder(name).kernel(hostile()).memoryMiB(8).cmdline(cmdline).build());
        String out = awaitPoweroff(d, 60);
        assertTrue(out.contains("RESULT: PASS"), out);
        vmm.destroy(d.id());
        return out;
    }

    /** Waits for {@code d}'s end (at most {@code seconds}): a clean poweroff, or the crash and output say why not. Its output. */
    static String awaitPoweroff(Domain d, int seconds) throws InterruptedException {
        assertTrue(d.awaitShutdown(seconds, TimeUnit.SECONDS), d.name() + " never finished");
        String out = d.consoleOutput();
        assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow(),
                d.crashMessage().orElse("") + "\n" + out);
        return out;
    }
}
