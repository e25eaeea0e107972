package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.core.arch.pv.PvVcpu;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.vmm.core.mm.FramePool;

/**
 * Machine memory above 4 GiB (PAE's 36-bit machine addresses): in a 6 GiB pool the allocator
 * serves frames above 4 GiB first, so a domain's RAM, page tables and L3 live there; its
 * shared_info stays below (a 32-bit field of start_info) and the CPU's CR3 names the vcpu's copy
 * of the L3 below 4 GiB. The kit's programs pass, and destruction gives every frame and every
 * committed page back.
 */
class HighMemoryTest {

    static Vmm vmm;

    @BeforeAll
    static void start() {
        vmm = new Vmm(6L << 30, 1);
    }

    @AfterAll
    static void stop() {
        vmm.shutdown();
    }

    @ParameterizedTest
    @ValueSource(strings = {"hello", "paging", "smp", "events", "balloon", "traps"})
    void kitProgramsPassWithTheirFramesAbove4GiB(String program) throws Exception {
        long free = vmm.freeFrames();
        long committed = vmm.pool().ram().committedBytes();
        DomainImpl d = (DomainImpl) vmm.create(DomainConfig.builder("high-" + program)
                .kernel(GuestImages.load(GuestImages.Flavor.PV, program)).memoryMiB(16)
                .vcpus(program.equals("smp") ? 2 : 1).cmdline("expect_mem_mib=16").startPaused(true).build());
        int l3 = PvVcpu.of(d.vcpu(0)).baseL3();
        assertTrue(l3 >= FramePool.LOW_LIMIT_FRAMES, "the boot L3 is above 4 GiB: " + l3);
        assertTrue(d.sharedInfoMfn() < FramePool.LOW_LIMIT_FRAMES, "shared_info is below 4 GiB: " + d.sharedInfoMfn());
        int cr3Frame = d.vcpu(0).cpu().cr(3) >>> 12;
        assertEquals(d.memory().lowL3(0), cr3Frame, "CR3 names the vcpu's low copy of its L3");
        for (int i = 0; i < 4; i++) {
            assertEquals(vmm.pool().ram().read64(((long) l3 << 12) + 8L * i),
                    vmm.pool().ram().read64(((long) cr3Frame << 12) + 8L * i), "L3 entry " + i);
        }
        int above = 0;
        for (int f : vmm.pool().framesOf(d.id())) {
            if (f >= FramePool.LOW_LIMIT_FRAMES) above++;
        }
        assertTrue(above >= 4096, "the domain's 16 MiB are above 4 GiB: " + above + " frames");
        vmm.unpause(d.id());
        boolean done = d.awaitShutdown(60, TimeUnit.SECONDS);
        String out = d.consoleOutput();
        assertTrue(done, "no shutdown within 60 s:\n" + out);
        assertTrue(out.contains("RESULT: PASS"), out);
        vmm.destroy(d.id());
        assertEquals(free, vmm.freeFrames(), "every frame is back");
        assertEquals(committed, vmm.pool().ram().committedBytes(), "every page the domain committed is given back");
        assertEquals(0, vmm.internalErrors());
    }

    /** Shadow mode above 4 GiB: shadow L3s come from below 4 GiB, the guest's tables stay above. */
    @Test
    void shadowModeAbove4GiB() throws Exception {
        long free = vmm.freeFrames();
        DomainImpl d = (DomainImpl) vmm.create(DomainConfig.builder("high-shadow")
                .kernel(GuestImages.load(GuestImages.Flavor.PV, "paging")).memoryMiB(16).startPaused(true).build());
        vmm.shadowEnable(d.id());
        vmm.unpause(d.id());
        assertTrue(d.awaitShutdown(60, TimeUnit.SECONDS), () -> d.consoleOutput() + String.join("\n", vmm.dmesg()));
        assertTrue(d.consoleOutput().contains("RESULT: PASS"), () -> d.shutdownReason() + d.consoleOutput() + String.join("\n", vmm.dmesg()));
        int cr3Frame = d.vcpu(0).cpu().cr(3) >>> 12;
        assertTrue(cr3Frame < FramePool.LOW_LIMIT_FRAMES, "the shadow L3 the CPU ran on is below 4 GiB: " + cr3Frame);
        assertEquals(org.oxen.vmm.abi.Xen.DOMID_XEN, vmm.pool().owner(cr3Frame), "a Xen frame (the shadow L3)");
        assertTrue(PvVcpu.of(d.vcpu(0)).baseL3() >= FramePool.LOW_LIMIT_FRAMES, "the guest's own L3 is above 4 GiB");
        vmm.destroy(d.id());
        assertEquals(free, vmm.freeFrames());
        assertEquals(0, vmm.internalErrors());
    }
}
