package org.oxen.vmm.core.hvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.sched.credit.CreditFactory;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainType;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.Vmm;
import org.oxen.vmm.core.domain.VcpuImpl;
import org.oxen.x86.cpu.CpuidModel;
import org.oxen.x86.machine.internal.Guests;

/**
 * A 2-vcpu HVM domain: the board's SMP test kernel starts CPU 1 with INIT and STARTUP IPIs
 * through its local APIC, as on the bare machine; vcpu 1 waits offline until then, starts in
 * real mode at the trampoline, and both vcpus read their own APIC base MSR. Both vcpus' CPUID
 * puts them in one package (leaf 1's HTT and logical count), as the board's CPUs.
 */
class HvmSmpTest {

    @Test
    void theBootVcpuStartsTheSecondWithInitAndStartup(@TempDir Path dir) throws Exception {
        byte[] smp = Files.readAllBytes(Guests.kernel("smp", dir));
        Vmm vmm = HvmTestSupport.withDevices(new Vmm(128L << 20, 2, new CreditFactory()));
        try {
            Domain d = vmm.create(DomainConfig.builder("smp").type(DomainType.HVM).kernel(smp).memoryMiB(8).vcpus(2)
                    .startPaused(true).build());
            assertEquals(false, d.vcpus().get(1).online(), "vcpu 1 waits for INIT-STARTUP");
            for (int i = 0; i < 2; i++) {
                // one package, as on the board: Linux takes vcpu 1's delay loop from its sibling
                int[] l1 = new int[4];
                ((VcpuImpl) d.vcpus().get(i)).cpu().cpuidModel().query(1, 0, l1);
                assertEquals(CpuidModel.HTT, l1[3] & CpuidModel.HTT, "HTT on vcpu " + i);
                assertEquals(2, l1[1] >>> 16 & 0xFF, "two logical IDs in vcpu " + i + "'s package");
                assertEquals(i, l1[1] >>> 24, "initial APIC ID of vcpu " + i);
            }
            vmm.unpause(d.id());
            assertTrue(d.awaitShutdown(60, TimeUnit.SECONDS), String.join("\n", vmm.dmesg()));
            String log = String.join("\n", vmm.dmesg());
            assertTrue(log.contains("(d" + d.id() + ") cpu 1 started"), log);
            // IA32_APIC_BASE: the BSP bit on vcpu 0 only, both at 0xFEE00000 and enabled
            assertTrue(log.contains("(d" + d.id() + ") fee00900 fee00800"), log);
            assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow());
            assertTrue(log.contains("d" + d.id() + ": isa-debug-exit: status 33"), log);
            assertTrue(d.vcpus().get(1).instructions() > 0, "vcpu 1 ran");
            vmm.destroy(d.id());
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.shutdown();
        }
    }
}
