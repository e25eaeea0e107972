package org.oxen.x86.machine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.PortRegion;
import org.oxen.x86.machine.BootImage;
import org.oxen.x86.machine.MachineDescription;
import org.oxen.x86.machine.MachineException;

/** Wrong images and descriptions give a clear message and start nothing. */
class BoardErrorsTest {

    @TempDir
    Path dir;

    private final MachineManager manager = TestBoards.manager();

    private String bootError(MachineDescription d, BootImage image) {
        return assertThrows(MachineException.class, () -> manager.boot(d, image)).getMessage();
    }

    private BootImage someKernel() throws Exception {
        return BootImage.read(Guests.kernel("cli_hlt", dir));
    }

    @Test
    void imageThatIsNeitherElfNorRom() throws Exception {
        Path f = Files.writeString(dir.resolve("notes.txt"), "hello, not a kernel\n");
        assertEquals(f + ": neither a multiboot ELF kernel, a Linux bzImage nor a ROM (expected an i386 ELF with a multiboot"
                + " v1 header, a bzImage with a Linux setup header, or a raw ROM of 4-128 KiB in 4 KiB multiples; got 20 bytes"
                + " starting 68 65 6c 6c)",
                bootError(MachineDescription.pc(), BootImage.read(f)));
        assertTrue(manager.list().isEmpty());
    }

    @Test
    void elfWithoutMultibootHeader() throws Exception {
        Path o = dir.resolve("plain.o");
        Files.writeString(dir.resolve("plain.S"), ".text\n.globl _start\n_start: hlt\n");
        Guests.run(dir, "as", "--32", "-o", o.toString(), "plain.S");
        Guests.run(dir, "ld", "-m", "elf_i386", "-Ttext=0x100000", "-o", "plain.elf", o.toString());
        String msg = bootError(MachineDescription.pc(), BootImage.read(dir.resolve("plain.elf")));
        assertTrue(msg.endsWith("plain.elf: an i386 ELF without a multiboot header (magic 0x1badb002 with a valid checksum"
                + " in its first 8 KiB); expected a multiboot v1 kernel"), msg);
    }

    @Test
    void overlappingPortsNameBothDevicesAndThePort() throws Exception {
        MachineDescription d = MachineDescription.pc().apply("com2:uart io.uart=0x3fc irq=3");
        assertEquals("port 0x3fc: device com2 region 'uart' [0x3fc-0x403] overlaps device com1 region 'uart' [0x3f8-0x3ff]",
                bootError(d, someKernel()));
        assertTrue(manager.list().isEmpty());
    }

    @Test
    void unknownDeviceTypeListsTheInstalledOnes() throws Exception {
        assertEquals("device vga: unknown device type 'vga' (installed: debugcon ioapic lapic pci pic pit rtc uart)",
                bootError(MachineDescription.pc().apply("vga io.vga=0x3c0"), someKernel()));
    }

    @Test
    void unknownOptionAndBadValueNameDeviceAndKey() throws Exception {
        assertEquals("device com1 (uart): unknown option 'iqr'",
                bootError(MachineDescription.pc().apply("com1 iqr=4"), someKernel()));
        assertEquals("device com1 (uart): option 'irq': expected an integer, got 'four'",
                bootError(MachineDescription.pc().apply("com1 irq=four"), someKernel()));
    }

    @Test
    void devicesCreatedBeforeAnErrorAreClosed() throws Exception {
        List<String> closed = new ArrayList<>();
        manager.addFactory("probe", (ctx, cfg) -> {
            cfg.string("io.p", null);
            return new Device() {
                @Override
                public List<PortRegion> portRegions() {
                    return List.of(new PortRegion("p", 1, new IoPortDevice() {
                        @Override
                        public int read8(int offset) {
                            return 0;
                        }

                        @Override
                        public void write8(int offset, int value) {
                        }
                    }));
                }

                @Override
                public void close() {
                    closed.add(cfg.id());
                }
            };
        });
        MachineDescription d = MachineDescription.parse("probe io.p=0x80; nope:frob");
        bootError(d, someKernel());
        assertEquals(List.of("probe"), closed);
        assertTrue(manager.list().isEmpty());
    }

    @Test
    void kernelSegmentOutsideRam() throws Exception {
        Path s = Files.writeString(dir.resolve("high.S"), ".include \"kit.inc\"\nmain: ret\n");
        Guests.run(dir, "as", "--32", "-I", Guests.resources("kernels").toString(), "-o", "high.o", s.toString());
        Guests.run(dir, "ld", "-m", "elf_i386", "-Ttext=0x4000000", "-o", "high.elf", "high.o");
        String msg = bootError(MachineDescription.pc().apply("ram=32"), BootImage.read(dir.resolve("high.elf")));
        assertTrue(msg.contains("high.elf: segment 0 at 0x") && msg.endsWith("does not fit the machine's RAM (0x1000-0x2000000)"), msg);
    }
}
