package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.domain.DomainImpl;

/**
 * The kit's ipi program on two pCPUs: every vcpu moves its vcpu_info out of shared_info
 * (VCPUOP_register_vcpu_info, its refusals first), blocks, and is woken by IPIs from vcpu 0 for
 * 50 rounds; its mmuext TLB_FLUSH_MULTI / INVLPG_MULTI reach only the vcpus of their masks
 * (counted here: vcpus 1 and 3 get 300 more flush requests than vcpu 2, vcpu 0 none).
 */
class IpiGuestTest {

    private static DomainImpl run(Vmm vmm, int vcpus) throws Exception {
        DomainImpl d = (DomainImpl) vmm.create(DomainConfig.builder("ipi" + vcpus)
                .kernel(GuestImages.load(GuestImages.Flavor.PV, "ipi")).memoryMiB(16).vcpus(vcpus).build());
        assertTrue(d.awaitShutdown(120, TimeUnit.SECONDS), d.consoleOutput());
        assertTrue(d.consoleOutput().contains("RESULT: PASS"), d.consoleOutput() + String.join("\n", vmm.dmesg()));
        assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow());
        if (Boolean.getBoolean("oxen.verbose")) System.out.println(d.consoleOutput());
        return d;
    }

    @Test
    void fourVcpusWokenByIpisAndFlushMasksHonoured() throws Exception {
        Vmm vmm = new Vmm(128L << 20, 2);
        try {
            long free = vmm.freeFrames();
            DomainImpl d = run(vmm, 4);
            long v0 = d.vcpu(0).tlbFlushRequests(), v1 = d.vcpu(1).tlbFlushRequests(),
                    v2 = d.vcpu(2).tlbFlushRequests(), v3 = d.vcpu(3).tlbFlushRequests();
            String counts = "flush requests v0..v3: " + v0 + " " + v1 + " " + v2 + " " + v3;
            assertEquals(0, v0, counts); // vcpu 0 is the only one that changes page tables
            assertTrue(v2 >= 100, counts); // INVLPG_MULTI {2} x100 (and the boot's own flushes)
            assertEquals(v1, v3, counts); // TLB_FLUSH_MULTI {1,3} x300 reached both
            assertEquals(300 - 100, v1 - v2, counts); // ... and only them; {2} only vcpu 2
            vmm.destroy(d.id());
            assertEquals(free, vmm.freeFrames());
            assertEquals(0, vmm.internalErrors());
            assertEquals(0, vmm.schedCore().twoPcpuViolations());
        } finally {
            vmm.shutdown();
        }
    }

    @Test
    void thirtyTwoVcpus() throws Exception {
        Vmm vmm = new Vmm(128L << 20, 2);
        try {
            long free = vmm.freeFrames();
            DomainImpl d = run(vmm, 32);
            assertTrue(d.consoleOutput().contains("ipi: 32 vcpus"), d.consoleOutput());
            vmm.destroy(d.id());
            assertEquals(free, vmm.freeFrames());
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.shutdown();
        }
    }
}
