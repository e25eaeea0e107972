package org.oxen.vmm.core.debug;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.debug.gdbstub.GdbServer;
import org.oxen.debug.testing.GdbBatch;
import org.oxen.debug.testing.RemoteProtocolClient;
import org.oxen.guests.GuestImages;
import org.oxen.sched.credit.CreditFactory;
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainState;
import org.oxen.vmm.api.DomainType;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.Vmm;
import org.oxen.vmm.core.domain.DomainImpl;
import org.oxen.x86.dev.debugcon.DebugConFactory;
import org.oxen.x86.dev.ioapic.IoApicFactory;
import org.oxen.x86.dev.lapic.LapicFactory;
import org.oxen.x86.dev.pci.PciFactory;
import org.oxen.x86.dev.pic.PicFactory;
import org.oxen.x86.dev.pit.PitFactory;
import org.oxen.x86.dev.rtc.RtcFactory;
import org.oxen.x86.dev.uart.UartFactory;

/**
 * {@code xl debug}'s target over an HVM domain: Debian's gdb breaks in the native gdbtarget
 * kernel running in ring 0 of its own PC, steps over the increment, sets a variable through the
 * guest-physical view, and the kernel passes; the guard answers for the domain's own pages only.
 */
class HvmDebugTest {

    @TempDir
    Path dir;

    /**
     * The gdb session both kinds of guest are debugged with (DomainDebugTest's PV one too): the
     * threads, a breakpoint at the kit's tick, go set, continue, EIP and the counter, one step,
     * EIP and the counter again, the ring, then detach. Printed values: tick, 0, tick+6, 1, ring.
     */
    static final String[] BREAK_STEP_DETACH = {
        "info threads",
        "break tick",
        "set var *(int*)&go = 1",
        "continue",
        "p/x $eip",
        "p *(int*)&counter",
        "stepi",
        "p/x $eip",
        "p *(int*)&counter",
        "p $cs & 3",
        "delete",
        "detach"};

    private static Vmm vmm() {
        Vmm vmm = new Vmm(128L << 20, 2, new CreditFactory());
        vmm.addDeviceFactory("pic", new PicFactory());
        vmm.addDeviceFactory("pit", new PitFactory());
        vmm.addDeviceFactory("rtc", new RtcFactory());
        vmm.addDeviceFactory("uart", new UartFactory());
        vmm.addDeviceFactory("debugcon", new DebugConFactory());
        vmm.addDeviceFactory("pci", new PciFactory());
        vmm.addDeviceFactory("ioapic", new IoApicFactory());
        vmm.addDeviceFactory("lapic", new LapicFactory());
        return vmm;
    }

    private static DomainImpl create(Vmm vmm) throws Exception {
        return (DomainImpl) vmm.create(DomainConfig.builder("hvm-target").type(DomainType.HVM)
                .kernel(GuestImages.load(GuestImages.Flavor.NATIVE, "gdbtarget")).memoryMiB(16).build());
    }

    /**
     * An address the kernel printed ("NAME at 0x...," or ";"), waiting (30 s at most) until the mark after
     * it has arrived: a serial console delivers a line byte by byte, so the digits may still be coming.
     */
    static int printed(DomainImpl d, String name) throws InterruptedException {
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(name + " at 0x([0-9a-f]+)[,;]");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        java.util.regex.Matcher m = p.matcher(d.consoleOutput());
        while (!m.find()) {
            assertTrue(System.nanoTime() < end, d.consoleOutput());
            Thread.sleep(5);
            m = p.matcher(d.consoleOutput());
        }
        return (int) Long.parseLong(m.group(1), 16);
    }

    @Test
    void gdbBreaksInAnHvmKernelStepsSetsAVariableAndTheKernelPasses() throws Exception {
        Vmm vmm = vmm();
        try {
            DomainImpl d = create(vmm);
            int tick = printed(d, "tick");
            Path elf = dir.resolve("gdbtarget.elf");
            Files.write(elf, GuestImages.load(GuestImages.Flavor.NATIVE, "gdbtarget"));
            try (GdbServer stub = GdbServer.start(new DomainDebugTarget(vmm, d), 0)) {
                String out = GdbBatch.run(elf, stub.port(), dir, 60, "", BREAK_STEP_DETACH);
                assertTrue(out.contains("* 1    Thread 1"), out);
                assertTrue(out.contains("Breakpoint 1, ") && out.contains("tick ()"), out);
                assertEquals(List.of(hex(tick), "0", hex(tick + 6), "1", "0"), GdbBatch.values(out),
                        "at tick, counter 0, one step later (incl: 6 bytes), counter 1, ring 0 (HVM): " + out);
                assertTrue(out.contains("[Inferior 1 (Remote target) detached]"), out);
            }
            assertTrue(d.awaitShutdown(30, TimeUnit.SECONDS), d.consoleOutput());
            assertEquals(ShutdownReason.POWEROFF, d.shutdownReason().orElse(null), d.consoleOutput());
            assertTrue(d.consoleOutput().contains("RESULT: PASS"), d.consoleOutput());
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.shutdown();
        }
    }

    @Test
    void theGuardOfAnHvmTargetIsItsOwnGuestPhysicalPages() throws Exception {
        Vmm vmm = vmm();
        try {
            DomainImpl d = create(vmm);
            int go = printed(d, "go");
            try (GdbServer stub = GdbServer.start(new DomainDebugTarget(vmm, d), 0);
                    RemoteProtocolClient c = new RemoteProtocolClient(stub.port())) {
                assertTrue(c.exchange("?").startsWith("T02thread:01;"), "stopped by the attach");
                assertEquals(DomainState.PAUSED, d.state());
                // guest-physical (paging is off: linear = physical): its own variable through the P2M
                String mem = c.monitor("phys " + Integer.toHexString(go) + " 4");
                assertTrue(mem.contains("00000000") || mem.contains("00 00 00 00"), mem);
                // the local APIC's page is a device window, not RAM: refused, never a device access
                String refused = c.monitor("phys fee00000 4");
                assertTrue(refused.contains("has no RAM"), refused);
                assertEquals("OK", c.exchange("D"));
            }
            vmm.destroy(d.id());
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.shutdown();
        }
    }

    private static String hex(int v) {
        return "0x" + Integer.toHexString(v);
    }
}
