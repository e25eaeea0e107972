package org.oxen.x86.machine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.x86.machine.BootImage;
import org.oxen.x86.machine.Machine;
import org.oxen.x86.machine.MachineDescription;
import org.oxen.x86.machine.MachineException;
import org.oxen.x86.machine.MachineState;
import org.oxen.x86.machine.boot.BootLoader;

/**
 * The Linux x86 boot protocol on the bare machine: a bzImage-format test kernel entered at its
 * 32-bit entry sees __BOOT_CS/__BOOT_DS, the zero page in %esi with type_of_loader 0xFF, its
 * command line, an e820 map of the PC and its initrd.
 */
class LinuxBootTest {

    @TempDir
    Path dir;

    private String boot(BootImage image, int mib) throws Exception {
        Machine m = TestBoards.manager().boot(MachineDescription.pc().withRam(mib), image, null);
        assertTrue(m.awaitEnd(Duration.ofSeconds(60)), m.reason());
        assertEquals(MachineState.EXITED, m.state(), m.reason() + "\n" + m.console("debugcon"));
        assertEquals(33, m.exitStatus(), m.console("debugcon"));
        return m.console("debugcon");
    }

    @Test
    void bzImageWithCommandLineAndInitrd() throws Exception {
        Path img = Guests.bzImage("bzimage", dir);
        byte[] initrd = new byte[5000];
        byte[] line = "INITRD-CONTENT 42\n".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(line, 0, initrd, 0, line.length);
        BootImage image = new BootImage("bzimage", Files.readAllBytes(img), "console=ttyS0 acpi=off",
                List.of(new BootImage.Module("initrd.img", initrd)));
        assertEquals(BootLoader.Kind.LINUX, BootLoader.kind(image));
        assertEquals("bz: cmdline=console=ttyS0 acpi=off\nbz: e820 entries=00000006 ram above 1 MiB=01f00000\n"
                + "bz: initrd=INITRD-CONTENT 42 size=00001388\n", boot(image, 32));
    }

    @Test
    void withoutInitrdTheKernelSeesNone() throws Exception {
        BootImage image = new BootImage("bzimage", Files.readAllBytes(Guests.bzImage("bzimage", dir)), "", List.of());
        assertEquals("bz: cmdline=\nbz: e820 entries=00000006 ram above 1 MiB=00f00000\nbz: initrd= size=00000000\n",
                boot(image, 16));
    }

    @Test
    void tooOldAProtocolAndTooLongACommandLineAreRefused() throws Exception {
        byte[] b = Files.readAllBytes(Guests.bzImage("bzimage", dir));
        MachineException e = assertThrows(MachineException.class, () -> TestBoards.manager().boot(MachineDescription.pc(),
                new BootImage("bz", b, "x".repeat(300), List.of()), null));
        assertTrue(e.getMessage().contains("longer than the kernel's cmdline_size 255"), e.getMessage());
        byte[] old = b.clone();
        old[0x206] = 0x04; // 2.04
        e = assertThrows(MachineException.class, () -> TestBoards.manager().boot(MachineDescription.pc(),
                new BootImage("bz", old, "", List.of()), null));
        assertTrue(e.getMessage().contains("Linux boot protocol 2.04; this loader needs 2.06"), e.getMessage());
    }
}
