package org.oxen.vmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainType;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.hvm.HvmTestSupport;

/**
 * Issue 24 F2: setting EFLAGS.TF (a ring-3 {@code pushf; orl $0x100,(%esp); popf}, or through
 * the iret hypercall) crashed a PV domain with "triple fault": the CPU delivered the #DB through
 * the PV vcpu's empty IDT. The guest kit's {@code singlestep} program steps code in the kernel's
 * ring and in ring 3 (TF set by popf and by the return itself, a taken jump, call/ret, one trap
 * per iteration of a rep movsb, a hypercall in PV, instructions the hypervisor emulates, which
 * used to lose their trap) and checks every #DB bounce's EIP, ring, ECX
 * and DR6.BS; the native build of the same program checks that an HVM guest gets its own #DB
 * through its own IDT (and passes on QEMU the same way: {@code NativeQemuTest}).
 */
class SingleStepDoesNotKillTheDomainTest {

    private static String run(Vmm vmm, DomainConfig config) throws Exception {
        Domain d = vmm.create(config);
        assertTrue(d.awaitShutdown(60, TimeUnit.SECONDS), config.name() + " never finished: " + d.consoleOutput());
        String out = d.consoleOutput();
        assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow(),
                d.crashMessage().orElse("") + "\n" + out + "\n" + String.join("\n", vmm.dmesg()));
        assertTrue(out.contains("RESULT: PASS"), out);
        vmm.destroy(d.id());
        return out;
    }

    @Test
    void pvSingleStepsBounceToTheTrapTableInRing1AndRing3() throws Exception {
        Vmm vmm = new Vmm(64L << 20, 1);
        try {
            long free = vmm.freeFrames();
            String out = run(vmm, DomainConfig.builder("singlestep")
                    .kernel(GuestImages.load(GuestImages.Flavor.PV, "singlestep")).memoryMiB(8).cmdline("steps=3")
                    .build());
            assertTrue(out.contains("kernel ring, TF by popf            14 #DB ok (ring 1"), out);
            assertTrue(out.contains("kernel ring, TF by iret             4 #DB ok (ring 1"), out);
            assertTrue(out.contains("kernel ring, through a hypercall    6 #DB ok (ring 1"), out);
            // MOV from CR0 and the forced-emulation CPUID, completed by the hypervisor, still trap
            assertTrue(out.contains("kernel ring, emulated instructions  5 #DB ok (ring 1"), out);
            assertTrue(out.contains("ring 3, TF by popf                 14 #DB ok (ring 3"), out);
            assertTrue(out.contains("ring 3, TF by iret                  4 #DB ok (ring 3"), out);
            assertTrue(out.contains("3 round(s): every single-step #DB reached the guest's handler"), out);
            assertEquals(0, vmm.internalErrors());
            assertEquals(free, vmm.freeFrames());
        } finally {
            vmm.shutdown();
        }
    }

    @Test
    void hvmGuestGetsItsOwnSingleStepTrapsThroughItsOwnIdt() throws Exception {
        Vmm vmm = HvmTestSupport.vmm(64, 1);
        try {
            long free = vmm.freeFrames();
            String out = run(vmm, DomainConfig.builder("hvm-singlestep").type(DomainType.HVM)
                    .kernel(GuestImages.load(GuestImages.Flavor.NATIVE, "singlestep")).memoryMiB(16).cmdline("steps=3")
                    .build());
            assertTrue(out.contains("kernel ring, TF by popf            14 #DB ok (ring 0"), out);
            assertTrue(out.contains("kernel ring, emulated instructions  5 #DB ok (ring 0"), out); // IN: I/O
            assertTrue(out.contains("ring 3, TF by iret                  4 #DB ok (ring 3"), out);
            assertTrue(out.contains("3 round(s): every single-step #DB reached the guest's handler"), out);
            assertEquals(0, vmm.internalErrors());
            assertEquals(free, vmm.freeFrames());
        } finally {
            vmm.shutdown();
        }
    }
}
