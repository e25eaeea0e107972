package org.oxen.x86.machine.command.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.x86.machine.MachineState;
import org.oxen.x86.machine.internal.Guests;
import org.oxen.x86.machine.internal.MachineManager;
import org.oxen.x86.machine.internal.TestBoards;

/** The machine command over a real board (the Machines service outside OSGi). */
class MachineCommandTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    private String take(ByteArrayOutputStream b) {
        String s = b.toString(StandardCharsets.UTF_8);
        b.reset();
        return s;
    }

    @Test
    void gdbSubcommandServesAStubThatDebianGdbDrives() throws Exception {
        MachineManager m = TestBoards.manager();
        MachineCommand cmd = new MachineCommand(m);
        Path elf = Guests.kernel("gdbtarget", dir);
        assertEquals(0, cmd.run(List.of("boot", elf.toString()), out, err, null), () -> take(errBytes));
        assertEquals("machine 1 (gdbtarget.elf) started\n", take(outBytes));
        assertEquals(1, cmd.run(List.of("gdb", "2"), out, err, null));
        assertTrue(take(errBytes).contains("no machine 2"));
        assertEquals(1, cmd.run(List.of("gdb", "1", "70000"), out, err, null));
        assertTrue(take(errBytes).contains("'70000' is not a TCP port (0..65535)"));
        try {
            assertEquals(0, cmd.run(List.of("gdb", "1"), out, err, null), () -> take(errBytes));
            String said = take(outBytes);
            java.util.regex.Matcher port = java.util.regex.Pattern
                    .compile("machine 1: gdb stub on 127\\.0\\.0\\.1:(\\d+) \\(gdb: target remote :\\1; attaching stops the machine\\)\n")
                    .matcher(said);
            assertTrue(port.matches(), said);
            Process gdb = new ProcessBuilder("gdb", "-nx", "-batch", "-ex", "file " + elf, "-ex",
                    "target remote 127.0.0.1:" + port.group(1), "-ex", "break tick", "-ex", "set var *(int*)&go = 1",
                    "-ex", "continue", "-ex", "p *(int*)&counter", "-ex", "delete", "-ex", "detach")
                    .redirectErrorStream(true).start();
            String gdbOut = new String(gdb.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(gdb.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), gdbOut);
            assertTrue(gdbOut.contains(" in tick ()") && gdbOut.contains("$1 = 0"), gdbOut);
            assertTrue(m.get(1).awaitEnd(Duration.ofSeconds(30)), gdbOut);
            assertEquals(33, m.get(1).exitStatus(), m.get(1).console("debugcon"));
        } finally {
            cmd.deactivate();
            m.get(1).stop();
        }
    }

    @Test
    void commandBootsWatchesListsAndStops() throws Exception {
        MachineManager m = TestBoards.manager();
        MachineCommand cmd = new MachineCommand(m);
        Path uart = Guests.kernel("uart_irq", dir);
        assertEquals(0, cmd.run(List.of("boot", uart.toString(), "--serial", "stdio", "-m", "32", "--cmdline", "quiet"), out, err, null),
                () -> take(errBytes));
        assertEquals("hello from the uart interrupt\nmachine 1 (uart_irq.elf): exited, exit status 33\n", take(outBytes));

        Path forever = Guests.kernel("forever", dir);
        assertEquals(0, cmd.run(List.of("boot", forever.toString(), "-c2", "--deterministic"), out, err, null));
        assertEquals("machine 2 (forever.elf) started\n", take(outBytes));
        assertEquals(MachineState.RUNNING, m.get(2).state());
        assertEquals(2, m.get(2).description().cpus());

        assertEquals(0, cmd.run(List.of("list"), out, err, null));
        String list = take(outBytes);
        assertTrue(list.lines().anyMatch(l -> l.matches("1 +uart_irq.elf +exited +1 +32 .*exited, exit status 33")), list);
        assertTrue(list.lines().anyMatch(l -> l.matches("2 +forever.elf +running +2 +64 .*")), list);

        Path pit = Guests.kernel("pic_pit", dir);
        assertEquals(0, cmd.run(List.of("boot", pit.toString()), out, err, null));
        assertEquals("machine 3 (pic_pit.elf) started\n", take(outBytes));
        assertEquals(0, cmd.run(List.of("console", "3", "-d", "debugcon", "-f"), out, err, null));
        assertEquals("pit via pic: 10 ticks\nmachine 3 (pic_pit.elf): exited, exit status 33\n", take(outBytes));

        assertEquals(0, cmd.run(List.of("console", "1", "-d", "debugcon"), out, err, null));
        assertEquals("uart: done, interrupts 0x1f\n", take(outBytes));
        assertEquals(0, cmd.run(List.of("stop", "2"), out, err, null));
        assertEquals("machine 2 (forever.elf): stopped (stopped)\n", take(outBytes));

        assertEquals(1, cmd.run(List.of("stop", "9"), out, err, null));
        assertEquals("machine: no machine 9 ('machine list' shows them)\n", take(errBytes));
        assertEquals(1, cmd.run(List.of("boot", uart.toString(), "--serail", "stdio"), out, err, null));
        assertEquals("machine: unrecognized option '--serail'\n", take(errBytes));
        assertEquals(1, cmd.run(List.of("boot", uart.toString(), "-d", "com1 iqr=4"), out, err, null));
        assertEquals("machine: device com1 (uart): unknown option 'iqr'\n", take(errBytes));
        assertEquals(0, cmd.run(List.of("devices"), out, err, null));
        assertEquals("debugcon ioapic lapic pci pic pit rtc uart\n", take(outBytes));
        assertNull(m.get(4));
        assertEquals(0, cmd.run(List.of("remove", "1"), out, err, null));
        assertNull(m.get(1));
        assertFalse(m.remove(1));
    }

    /** Issue 12: {@code machine boot <directory>} said "no such file". */
    @Test
    void bootOnADirectorySaysSo() throws Exception {
        MachineCommand cmd = new MachineCommand(TestBoards.manager());
        assertEquals(1, cmd.run(List.of("boot", dir.toString()), out, err, null));
        assertEquals("machine: " + dir + ": is a directory, not a kernel or ROM image\n", take(errBytes));
        Path missing = dir.resolve("nosuch.elf");
        assertEquals(1, cmd.run(List.of("boot", missing.toString()), out, err, null));
        assertEquals("machine: " + missing + ": no such file\n", take(errBytes));
        assertTrue(Files.isDirectory(dir));
    }

    /** Issue 12: a device or FIFO given as the image was read until memory ran out (or forever). */
    @Test
    void bootOnADeviceIsRefused() throws Exception {
        MachineCommand cmd = new MachineCommand(TestBoards.manager());
        assertEquals(1, cmd.run(List.of("boot", "/dev/zero"), out, err, null));
        assertEquals("machine: /dev/zero: not a regular file (a device, FIFO or socket)\n", take(errBytes));
    }
}
