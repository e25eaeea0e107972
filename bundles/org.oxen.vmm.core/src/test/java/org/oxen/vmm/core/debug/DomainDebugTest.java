package org.oxen.vmm.core.debug;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
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
import org.oxen.vmm.api.DomainConfig;
import org.oxen.vmm.api.DomainState;
import org.oxen.vmm.api.ShutdownReason;
import org.oxen.vmm.core.Vmm;
import org.oxen.vmm.core.domain.DomainImpl;

/**
 * {@code xl debug}'s target: a PV domain under Debian's gdb and under a raw remote-protocol
 * client, beside a domain that must run on while the debugged one is stopped.
 */
class DomainDebugTest {

    @TempDir
    Path dir;

    private static DomainImpl create(Vmm vmm, String name, String program, String cmdline) throws Exception {
        return (DomainImpl) vmm.create(DomainConfig.builder(name).kernel(GuestImages.load(GuestImages.Flavor.PV, program))
                .memoryMiB(8).cmdline(cmdline).build());
    }

    private static void awaitConsole(DomainImpl d, String text) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!d.consoleOutput().contains(text) && System.nanoTime() < end) {
            Thread.sleep(5);
        }
        assertTrue(d.consoleOutput().contains(text), d.consoleOutput());
    }

    @FunctionalInterface
    private interface GdbOutput {
        void check(DomainImpl d, String out) throws Exception;
    }

    /**
     * The kit's gdbtarget in a hypervisor of two pCPUs, waiting for a debugger; Debian's gdb runs
     * {@code commands} against it through a stub on the domain and {@code check} reads gdb's
     * output; then the kernel ends: powered off, RESULT: PASS, no internal error.
     */
    private void gdbOnGdbtarget(GdbOutput check, String... commands) throws Exception {
        Vmm vmm = new Vmm(64L << 20, 2);
        try {
            DomainImpl d = create(vmm, "target", "gdbtarget", "");
            awaitConsole(d, "waiting for a debugger");
            Path elf = dir.resolve("gdbtarget.elf");
            Files.write(elf, GuestImages.load(GuestImages.Flavor.PV, "gdbtarget"));
            try (GdbServer stub = GdbServer.start(new DomainDebugTarget(vmm, d), 0)) {
                check.check(d, gdb(elf, stub.port(), commands));
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
    void gdbBreaksInAPvKernelStepsSetsAVariableAndTheKernelPasses() throws Exception {
        gdbOnGdbtarget((d, out) -> {
            assertTrue(out.contains("* 1    Thread 1"), out);
            assertTrue(out.contains("Breakpoint 1, ") && out.contains("tick ()"), out);
            List<String> v = GdbBatch.values(out);
            int tick = printed(d, "tick");
            assertEquals(List.of(hex(tick), "0", hex(tick + 6), "1", "1"), v,
                    "at tick (incl counter: 6 bytes), counter 0, one step later, counter 1, ring 1: " + out);
            assertTrue(out.contains("[Inferior 1 (Remote target) detached]"), out);
        }, HvmDebugTest.BREAK_STEP_DETACH);
    }

    /** Hardware breakpoint and watchpoints; the kernel then counts its five ticks and passes. */
    @Test
    void gdbHardwareBreakpointAndWatchpointsInAPvKernel() throws Exception {
        gdbOnGdbtarget((d, out) -> {
            assertTrue(out.contains("Hardware assisted breakpoint 1 at"), out);
            assertTrue(out.contains("Breakpoint 1, ") && out.contains("tick ()"), out);
            assertTrue(out.contains("Hardware watchpoint 2: *(int*)&counter") && out.contains("New value = 1"), out);
            assertTrue(out.contains("Hardware read watchpoint 3: *(int*)&counter") && out.contains("Value = 2"), out);
            List<String> v = GdbBatch.values(out);
            int tick = printed(d, "tick");
            assertEquals(List.of(hex(tick), "0", "1", "2"), v,
                    "stopped before tick's increment, then after the first and second: " + out);
            assertTrue(out.contains("[Inferior 1 (Remote target) detached]"), out);
        },
                "hbreak tick",
                "set var *(int*)&go = 1",
                "continue",
                "p/x $eip",
                "p *(int*)&counter",
                "delete",
                "watch *(int*)&counter",
                "continue",
                "p *(int*)&counter",
                "delete",
                "rwatch *(int*)&counter",
                "continue",
                "p *(int*)&counter",
                "delete",
                "detach");
    }

    @Test
    void aStoppedDomainIsPausedWhileItsNeighbourRunsOnAndTheGuardRefusesOtherMemory() throws Exception {
        Vmm vmm = new Vmm(64L << 20, 1); // one pCPU: the neighbour can only run if the stop freed it
        try {
            DomainImpl d = create(vmm, "target", "gdbtarget", "");
            DomainImpl other = create(vmm, "other", "cpubench", "loop=2000000000 mix=0");
            awaitConsole(d, "waiting for a debugger");
            long free = vmm.freeFrames();
            try (GdbServer stub = GdbServer.start(new DomainDebugTarget(vmm, d), 0);
                    RemoteProtocolClient c = new RemoteProtocolClient(stub.port())) {
                assertTrue(c.exchange("?").startsWith("T02thread:01;"), "stopped by the attach");
                assertEquals(DomainState.PAUSED, d.state());
                long dCpu = d.cpuTimeNanos(), otherCpu = other.cpuTimeNanos();
                Thread.sleep(300);
                assertEquals(dCpu, d.cpuTimeNanos(), "the stopped domain ran");
                assertTrue(other.cpuTimeNanos() > otherCpu, "the neighbour did not run while the target was stopped");
                assertEquals(DomainState.RUNNING, other.state());

                // the guard: another domain's frame and the target's own page tables are out of reach
                long otherFrame = (long) other.memory().p2m(0) << 12;
                String refused = c.monitor("phys " + Long.toHexString(otherFrame) + " 4");
                assertTrue(refused.contains("is not domain " + d.id() + "'s memory"), refused);
                assertEquals("E0E", c.exchange("Z0," + Integer.toHexString(printed(d, "page tables")) + ",1"),
                        "a breakpoint in a page table (a write the guard refuses)");

                // resume, then Ctrl-C: stopped again, and paused again
                c.send("c");
                assertEquals('+', c.read());
                awaitNotPaused(d, "running after c");
                c.interrupt();
                assertTrue(c.reply().startsWith("T02thread:01;"), "interrupted by Ctrl-C");
                assertEquals(DomainState.PAUSED, d.state());
                assertEquals("OK", c.exchange("D"));
            }
            // the stub detaches after its OK to D: the domain runs on soon after
            awaitNotPaused(d, "the debugger left the domain paused");
            // destroy while a debugger is attached and holds it stopped: every frame comes back
            try (GdbServer stub = GdbServer.start(new DomainDebugTarget(vmm, d), 0);
                    RemoteProtocolClient c = new RemoteProtocolClient(stub.port())) {
                assertTrue(c.exchange("?").startsWith("T02"));
                assertEquals("OK", c.exchange("Z0,"
                        + Integer.toHexString(printed(d, "tick")) + ",1"));
                vmm.destroy(d.id());
            }
            vmm.destroy(other.id());
            assertTrue(vmm.freeFrames() > free, "frames back");
            assertEquals(0, vmm.internalErrors());
        } finally {
            vmm.shutdown();
        }
    }

    /**
     * The stub's stopper thread unpauses the domain after it answered: waits for that (10 s at
     * the most; a host at load 30 once took more than the 50 ms this was read after).
     */
    private static void awaitNotPaused(DomainImpl d, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (d.state() == DomainState.PAUSED && System.nanoTime() < end) {
            Thread.sleep(5);
        }
        assertFalse(d.state() == DomainState.PAUSED, what);
    }

    private static String hex(int v) {
        return "0x" + Integer.toHexString(v);
    }

    /** An address the kernel printed: "NAME at 0x..." (HvmDebugTest's, which waits for the whole number). */
    private static int printed(DomainImpl d, String name) throws InterruptedException {
        return HvmDebugTest.printed(d, name);
    }

    private String gdb(Path elf, int port, String... commands) throws IOException, InterruptedException {
        return GdbBatch.run(elf, port, dir, 60, "", commands);
    }
}
