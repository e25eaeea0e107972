package org.oxen.x86.machine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.debug.gdbstub.GdbServer;
import org.oxen.debug.testing.GdbBatch;
import org.oxen.debug.testing.RemoteProtocolClient;
import org.oxen.x86.machine.BootImage;
import org.oxen.x86.machine.Machine;
import org.oxen.x86.machine.MachineDescription;
import org.oxen.x86.machine.MachineState;

/** The gdb stub on a bare machine, driven by Debian's gdb and by a hostile raw client. */
class GdbStubTest {

    @TempDir
    Path dir;

    @Test
    void gdbBreaksOnASymbolReadsRegistersAndAVariableStepsAndDetaches() throws Exception {
        MachineManager m = TestBoards.manager();
        Path elf = Guests.kernel("gdbtarget", dir);
        Machine machine = m.boot(MachineDescription.pc(), BootImage.read(elf));
        try (GdbServer stub = GdbServer.start(machine.debugTarget(), 0)) {
            this.machine = machine;
            String out = gdb(elf, stub.port(),
                    "info threads",
                    "break tick",
                    "set var *(int*)&go = 1",
                    "continue",
                    "p $eip == (int)&tick",
                    "p *(int*)&counter",
                    "p/x $esp",
                    "stepi",
                    "p $eip == (int)&tick + 6",
                    "p *(int*)&counter",
                    "monitor phys 0x100000 4",
                    "delete",
                    "detach");
            assertTrue(out.contains("* 1    Thread 1"), out);
            assertTrue(out.contains("Breakpoint 1 at 0x"), out);
            assertTrue(out.contains("Breakpoint 1, 0x") && out.contains(" in tick ()"), out);
            List<String> values = GdbBatch.values(out);
            assertEquals("1", values.get(0), "stopped at tick: " + out);
            assertEquals("0", values.get(1), "counter before tick's first increment: " + out);
            assertTrue(values.get(2).startsWith("0x"), out);
            assertEquals("1", values.get(3), "one instruction later: " + out);
            assertEquals("1", values.get(4), "the increment ran once: " + out);
            // the multiboot kernel's first instruction: jmp real_start (eb xx), then padding
            assertTrue(out.contains("00100000: eb"), out);
            assertTrue(out.contains("[Inferior 1 (Remote target) detached]"), out);
        }
        assertTrue(machine.awaitEnd(Duration.ofSeconds(30)), "the machine runs on after detach");
        assertEquals(MachineState.EXITED, machine.state(), machine.reason());
        assertEquals(33, machine.exitStatus(), machine.console("debugcon"));
        assertTrue(machine.console("debugcon").contains("RESULT: PASS"), machine.console("debugcon"));
    }

    @Test
    void gdbHardwareBreakpointAndWatchpointsStopWhereTheyShould() throws Exception {
        MachineManager m = TestBoards.manager();
        Path elf = Guests.kernel("gdbtarget", dir);
        Machine machine = m.boot(MachineDescription.pc(), BootImage.read(elf));
        try (GdbServer stub = GdbServer.start(machine.debugTarget(), 0)) {
            this.machine = machine;
            String out = gdb(elf, stub.port(),
                    "hbreak tick",
                    "set var *(int*)&go = 1",
                    "continue",
                    "p $eip == (int)&tick",
                    "p *(int*)&counter",
                    "delete",
                    "watch *(int*)&counter",
                    "continue",
                    "p *(int*)&counter",
                    "p $eip == (int)&tick + 6",
                    "delete",
                    "rwatch *(int*)&counter",
                    "continue",
                    "p *(int*)&counter",
                    "delete",
                    "awatch *(int*)&counter",
                    "continue",
                    "p *(int*)&counter",
                    "delete",
                    "detach");
            assertTrue(out.contains("Hardware assisted breakpoint 1 at 0x"), out);
            assertTrue(out.contains("\nBreakpoint 1, 0x00") && out.contains(" in tick ()"), out);
            assertTrue(out.contains("Hardware watchpoint 2: *(int*)&counter"), out);
            assertTrue(out.contains("Old value = 0") && out.contains("New value = 1"), out);
            assertTrue(out.contains("Hardware read watchpoint 3: *(int*)&counter"), out);
            assertTrue(out.contains("Hardware access (read/write) watchpoint 4: *(int*)&counter"), out);
            List<String> values = GdbBatch.values(out);
            assertEquals("1", values.get(0), "the execute breakpoint stops before tick's first instruction: " + out);
            assertEquals("0", values.get(1), "counter before the first increment: " + out);
            assertEquals("1", values.get(2), "the write watchpoint stops after the increment: " + out);
            assertEquals("1", values.get(3), "right after tick's incl: " + out);
            assertEquals("2", values.get(4), "the read watchpoint stops after the next tick's incl read it: " + out);
            assertEquals("3", values.get(5), "the access watchpoint stops at the third increment: " + out);
            assertTrue(out.contains("[Inferior 1 (Remote target) detached]"), out);
        }
        assertTrue(machine.awaitEnd(Duration.ofSeconds(30)), "the machine runs on after detach");
        assertEquals(33, machine.exitStatus(), "the kernel counted five ticks: " + machine.console("debugcon"));
        assertTrue(machine.console("debugcon").contains("RESULT: PASS"), machine.console("debugcon"));
    }

    @Test
    void garbageAndBadChecksumsAreRefusedAndTheStubGoesOn() throws Exception {
        MachineManager m = TestBoards.manager();
        Machine machine = m.boot(MachineDescription.pc(), BootImage.read(Guests.kernel("gdbtarget", dir)));
        try (GdbServer stub = GdbServer.start(machine.debugTarget(), 0);
                RemoteProtocolClient c = new RemoteProtocolClient(stub.port())) {
            c.raw("garbage\u0000\u00ff+-".getBytes(StandardCharsets.ISO_8859_1));
            c.raw("$g#00".getBytes(StandardCharsets.US_ASCII)); // wrong checksum
            assertEquals('-', c.read());
            c.raw("$g#zz".getBytes(StandardCharsets.US_ASCII)); // not a checksum
            assertEquals('-', c.read());
            byte[] huge = new byte[70_000];
            java.util.Arrays.fill(huge, (byte) 'm');
            c.raw(new byte[] {'$'});
            c.raw(huge);
            c.raw("#00".getBytes(StandardCharsets.US_ASCII)); // longer than PacketSize
            assertEquals('-', c.read());
            assertEquals("E01", c.exchange("m10zz,4"), "a malformed address");
            assertEquals("E01", c.exchange("Hg99"), "no such thread");
            assertEquals("", c.exchange("vUnknownThing"));
            assertTrue(c.exchange("?").startsWith("T02thread:01;"), "stopped by the attach");
            // continue, then Ctrl-C: the spinning kernel stops again with SIGINT
            c.send("c");
            assertEquals('+', c.read());
            Thread.sleep(50);
            c.interrupt();
            assertTrue(c.reply().startsWith("T02thread:01;"), "interrupted by Ctrl-C");
            assertTrue(c.exchange("p8").matches("[0-9a-f]{8}"), "eip readable after the interrupt");
            assertEquals("OK", c.exchange("D"));
        }
        assertFalse(machine.awaitEnd(Duration.ofMillis(200)), "the machine runs on after the hostile client");
        assertEquals(MachineState.RUNNING, machine.state(), machine.reason());
        machine.stop();
        assertTrue(machine.awaitEnd(Duration.ofSeconds(5)));
    }

    private Machine machine;

    private String gdb(Path elf, int port, String... commands) throws IOException, InterruptedException {
        return GdbBatch.run(elf, port, dir, 60, machine.state() + " " + machine.reason(), commands);
    }
}
