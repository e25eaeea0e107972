package org.oxen.vmm.core.hvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.oxen.guests.GuestImages;
import org.oxen.sched.credit.CreditFactory;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainBuildException;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainState;
import org.oxen.vmm.api.DomainType;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.Vmm;

/**
 * HVM domains: the guest kit's native programs, unmodified multiboot kernels, run as domains of
 * the hypervisor (ring 0, their own pseudo-physical memory and PC devices), scheduled by the
 * pCPU threads beside PV domains.
 */
class HvmDomainTest {

    static DomainConfig.Builder hvm(String name, String program, int mib, String cmdline) {
        return DomainConfig.builder(name).type(DomainType.HVM).kernel(GuestImages.load(GuestImages.Flavor.NATIVE, program))
                .memoryMiB(mib).cmdline(cmdline);
    }

    private static String why(Vmm vmm, Domain d) {
        return d.name() + ":\n" + d.consoleOutput() + "\n--- dmesg:\n" + String.join("\n", vmm.dmesg());
    }

    @Test
    void everyNativeKitProgramPassesAsAnHvmDomainBesidePvDomains() throws Exception {
        Vmm vmm = HvmTestSupport.withDevices(new Vmm(512L << 20, 2, new CreditFactory()));
        try {
            long free = vmm.freeFrames();
            List<Domain> ds = new ArrayList<>();
            // timer counts PIT and RTC interrupts against each other at 1 kHz: it runs alone after
            // the others (its interrupt latency is the host's; Xen would deliver missed ticks late)
            List<String> programs = new ArrayList<>(GuestImages.names(GuestImages.Flavor.NATIVE));
            boolean timer = programs.remove("timer");
            programs.remove("serial"); // waits for keys: HvmSerialTest types them
            programs.remove("gdbtarget"); // waits for a debugger: debug.HvmDebugTest
            programs.remove("logdirty"); // waits for Domain-0's mailbox writes: LogDirtyTest
            programs.remove("hvmhostile"); // attacks the victims it is given: HvmIsolationTest
            programs.remove("hvmfuzz"); // fuzzes beside victims: HvmIsolationTest
            programs.remove("hvmballoon"); // needs a maximum above its memory: HvmBalloonTest
            programs.remove("acpipower"); // ends its domain by ACPI, no RESULT line: HvmAcpiPowerTest
            programs.remove("hvmgrant"); // waits for Domain-0 to map its grants: HvmGrantTest
            programs.remove("blktest"); // PV drivers with a backend to talk to: XlHvmPvDriversTest
            programs.remove("netecho");
            programs.remove("hvmmapgrant"); // maps a PV granter's grants: HvmGranteeTest
            for (String p : programs) {
                // xenhvm: no xenstored without OSGi (XlHvmDomainTest runs it with one)
                // hvmsmp: two vcpus, beside a dozen domains on two pCPUs (its progress checks generous)
                String cmdline = p.equals("cpubench") ? "loop=20000 mix=3" : p.equals("ptbench") ? "ops=5000"
                        : p.equals("xenhvm") ? "xenstore=off" : p.equals("hvmsmp") ? "count=2 stall_checks=50 ipi_wait=4000" : "";
                ds.add(vmm.create(hvm("hvm-" + p, p, 16, cmdline).vcpus(p.equals("hvmsmp") ? 2 : 1).build()));
            }
            Domain pv = vmm.create(DomainConfig.builder("pv-hello").kernel(GuestImages.load(GuestImages.Flavor.PV, "hello"))
                    .memoryMiB(16).build());
            assertTrue(timer && ds.size() >= 4, "native programs: " + GuestImages.names(GuestImages.Flavor.NATIVE));
            for (Domain d : ds) {
                assertTrue(d.awaitShutdown(120, TimeUnit.SECONDS), why(vmm, d));
            }
            ds.add(vmm.create(hvm("hvm-timer", "timer", 16, "").build()));
            for (Domain d : ds) {
                assertTrue(d.awaitShutdown(120, TimeUnit.SECONDS), why(vmm, d));
                assertTrue(d.consoleOutput().contains("RESULT: PASS"), why(vmm, d));
                assertFalse(d.consoleOutput().contains("RESULT: FAIL"), why(vmm, d));
                assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElseThrow(), why(vmm, d));
                assertTrue(vmm.dmesg().stream().anyMatch(l -> l.contains("d" + d.id() + ": isa-debug-exit: status 33")),
                        why(vmm, d));
            }
            assertTrue(pv.awaitShutdown(60, TimeUnit.SECONDS), why(vmm, pv));
            assertTrue(pv.consoleOutput().contains("RESULT: PASS"), why(vmm, pv));
            // the hello program says it is a native kernel with the command line it was given
            Domain hello = ds.get(programs.indexOf("hello"));
            assertTrue(hello.consoleOutput().contains("native"), why(vmm, hello));
            // port 0xE9 (the kit prints there too) reaches the hypervisor log as (dN) lines
            assertTrue(vmm.dmesg().stream().anyMatch(l -> l.contains("(d" + hello.id() + ") RESULT: PASS")), why(vmm, hello));
            for (Domain d : ds) vmm.destroy(d.id());
            vmm.destroy(pv.id());
            assertEquals(free, vmm.freeFrames(), "every frame back in the pool");
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.shutdown();
        }
    }

    @Test
    void pauseUnpauseAndDestroyOfARunningHvmDomainReturnItsFrames() throws Exception {
        Vmm vmm = HvmTestSupport.withDevices(new Vmm(256L << 20, 1, new CreditFactory()));
        try {
            long free = vmm.freeFrames();
            Domain d = vmm.create(hvm("spin", "cpubench", 32, "loop=20000 mix=1 repeat=0").build());
            // its RAM, its first grant frame (every domain gets one at creation, as Xen's grant_table_init),
            // shared_info, and libxc's xenstore and console pages
            assertEquals(free - 32 * 256 - 4, vmm.freeFrames(),
                    "32 MiB of frames, a grant frame, shared_info and two special pages taken from the pool");
            assertEquals(32 * 256 + 2, d.memoryPages());
            waitFor(() -> d.consoleOutput().contains("cpubench: round="), vmm, d);
            vmm.pause(d.id());
            assertEquals(DomainState.PAUSED, d.state());
            long instructions = d.vcpus().get(0).instructions();
            Thread.sleep(200);
            assertEquals(instructions, d.vcpus().get(0).instructions(), "a paused HVM vcpu does not run");
            vmm.unpause(d.id());
            waitFor(() -> d.vcpus().get(0).instructions() > instructions, vmm, d);
            assertFalse(d.awaitShutdown(0, TimeUnit.SECONDS), why(vmm, d));
            vmm.destroy(d.id());
            assertTrue(vmm.find(d.id()).isEmpty());
            assertEquals(free, vmm.freeFrames(), "every frame back in the pool");
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.shutdown();
        }
    }

    @Test
    void anImageThatIsNeitherMultibootNorRomIsRefusedAndNothingLeaks() throws Exception {
        Vmm vmm = HvmTestSupport.vmm(128, 1);
        try {
            long free = vmm.freeFrames();
            // a PV kernel has no multiboot header
            DomainBuildException e = assertThrows(DomainBuildException.class, () -> vmm.create(DomainConfig.builder("pvk")
                    .type(DomainType.HVM).kernel(GuestImages.load(GuestImages.Flavor.PV, "hello")).memoryMiB(8).build()));
            assertTrue(e.getMessage().contains("without a multiboot header"), e.getMessage());
            assertEquals(free, vmm.freeFrames());
            assertTrue(vmm.list().isEmpty());
        } finally {
            vmm.shutdown();
        }
    }

    @Test
    void withoutDeviceBundlesAnHvmDomainIsRefusedNamingTheMissingDevice() throws Exception {
        Vmm vmm = new Vmm(128L << 20, 1);
        try {
            DomainBuildException e = assertThrows(DomainBuildException.class, () -> vmm.create(hvm("h", "hello", 8, "").build()));
            assertTrue(e.getMessage().contains("unknown device type 'pic'"), e.getMessage());
            assertTrue(vmm.list().isEmpty());
        } finally {
            vmm.shutdown();
        }
    }

    static void waitFor(java.util.function.BooleanSupplier c, Vmm vmm, Domain d) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!c.getAsBoolean()) {
            assertTrue(System.nanoTime() < until, "timed out: " + why(vmm, d));
            assertFalse(d.awaitShutdown(2, TimeUnit.MILLISECONDS), why(vmm, d));
        }
    }
}
