package org.oxen.x86.machine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.debug.gdbstub.GdbServer;
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
            List<String> values = values(out);
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
    void garbageAndBadChecksumsAreRefusedAndTheStubGoesOn() throws Exception {
        MachineManager m = TestBoards.manager();
        Machine machine = m.boot(MachineDescription.pc(), BootImage.read(Guests.kernel("gdbtarget", dir)));
        try (GdbServer stub = GdbServer.start(machine.debugTarget(), 0);
                Socket s = new Socket(InetAddress.getLoopbackAddress(), stub.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write("garbage\u0000\u00ff+-".getBytes(StandardCharsets.ISO_8859_1));
            out.write("$g#00".getBytes(StandardCharsets.US_ASCII)); // wrong checksum
            assertEquals('-', in.read());
            out.write("$g#zz".getBytes(StandardCharsets.US_ASCII)); // not a checksum
            assertEquals('-', in.read());
            byte[] huge = new byte[70_000];
            java.util.Arrays.fill(huge, (byte) 'm');
            out.write('$');
            out.write(huge);
            out.write("#00".getBytes(StandardCharsets.US_ASCII)); // longer than PacketSize
            assertEquals('-', in.read());
            assertEquals("E01", exchange(in, out, "m10zz,4"), "a malformed address");
            assertEquals("E01", exchange(in, out, "Hg99"), "no such thread");
            assertEquals("", exchange(in, out, "vUnknownThing"));
            assertTrue(exchange(in, out, "?").startsWith("T02thread:01;"), "stopped by the attach");
            // continue, then Ctrl-C: the spinning kernel stops again with SIGINT
            send(out, "c");
            assertEquals('+', in.read());
            Thread.sleep(50);
            out.write(0x03);
            out.flush();
            assertTrue(reply(in, out).startsWith("T02thread:01;"), "interrupted by Ctrl-C");
            assertTrue(exchange(in, out, "p8").matches("[0-9a-f]{8}"), "eip readable after the interrupt");
            assertEquals("OK", exchange(in, out, "D"));
        }
        assertFalse(machine.awaitEnd(Duration.ofMillis(200)), "the machine runs on after the hostile client");
        assertEquals(MachineState.RUNNING, machine.state(), machine.reason());
        machine.stop();
        assertTrue(machine.awaitEnd(Duration.ofSeconds(5)));
    }

    /** Sends a packet (ack mode) and returns the reply's payload after checking its checksum. */
    private static String exchange(InputStream in, OutputStream out, String payload) throws IOException {
        send(out, payload);
        assertEquals('+', in.read(), "ack of " + payload);
        return reply(in, out);
    }

    private static void send(OutputStream out, String payload) throws IOException {
        int sum = 0;
        for (char c : payload.toCharArray()) {
            sum += c;
        }
        out.write(String.format("$%s#%02x", payload, sum & 0xFF).getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Reads one reply packet, checks its checksum and acks it. */
    private static String reply(InputStream in, OutputStream out) throws IOException {
        assertEquals('$', in.read());
        StringBuilder reply = new StringBuilder();
        int c;
        int rsum = 0;
        while ((c = in.read()) != '#') {
            reply.append((char) c);
            rsum += c;
        }
        int cs = Integer.parseInt("" + (char) in.read() + (char) in.read(), 16);
        assertEquals(rsum & 0xFF, cs, "checksum of the reply " + reply);
        out.write('+');
        return reply.toString();
    }

    /** The values of gdb's "$N = value" lines, in order. */
    private static List<String> values(String out) {
        List<String> v = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.matches("\\$\\d+ = .*")) {
                v.add(line.substring(line.indexOf("= ") + 2).trim());
            }
        }
        return v;
    }

    private Machine machine;

    private String gdb(Path elf, int port, String... commands) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("gdb", "-nx", "-batch", "-ex", "set confirm off", "-ex",
                "set pagination off", "-ex", "file " + elf, "-ex", "target remote 127.0.0.1:" + port));
        for (String c : commands) {
            cmd.add("-ex");
            cmd.add(c);
        }
        Path log = dir.resolve("gdb.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean done = p.waitFor(60, TimeUnit.SECONDS);
        String out = Files.readString(log);
        if (!done) {
            p.destroyForcibly();
            throw new AssertionError("gdb did not finish within 60 s:\n" + out);
        }
        assertEquals(0, p.exitValue(), out + "\n" + machine.state() + " " + machine.reason());
        return out;
    }
}
