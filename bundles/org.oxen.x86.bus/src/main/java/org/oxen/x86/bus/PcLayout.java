package org.oxen.x86.bus;

import java.util.List;
import java.util.Map;

/**
 * The standard PC's devices with their classic ports, addresses and IRQs: the device section
 * of the board's default machine description. Devices never hard-code these; the board passes
 * them as options ({@code io.<region>}, {@code mmio.<region>}, {@code irq}, ...).
 *
 * <pre>
 * id        type      options
 * pic       pic       io.master=0x20 io.slave=0xa0 io.elcr=0x4d0
 * pit       pit       io.pit=0x40 io.speaker=0x61 irq=0
 * rtc       rtc       io.rtc=0x70 irq=8
 * com1      uart      io.uart=0x3f8 irq=4 console=log
 * debugcon  debugcon  io.console=0xe9 io.exit=0xf4 console=log
 * pci       pci       io.config=0xcf8 io.pm=0xb000
 * ioapic    ioapic    mmio.ioapic=0xfec00000
 * lapic     lapic     mmio.apic=0xfee00000
 * </pre>
 */
public final class PcLayout {

    private PcLayout() {
    }

    /** The uniprocessor PC without APICs: PIC, PIT, RTC, COM1, debug console, PCI. */
    public static final List<DeviceEntry> ISA_PC = List.of(
            new DeviceEntry("pic", "pic", Map.of("io.master", "0x20", "io.slave", "0xa0", "io.elcr", "0x4d0")),
            new DeviceEntry("pit", "pit", Map.of("io.pit", "0x40", "io.speaker", "0x61", "irq", "0")),
            new DeviceEntry("rtc", "rtc", Map.of("io.rtc", "0x70", "irq", "8")),
            new DeviceEntry("com1", "uart", Map.of("io.uart", "0x3f8", "irq", "4", "console", "log")),
            new DeviceEntry("debugcon", "debugcon", Map.of("io.console", "0xe9", "io.exit", "0xf4", "console", "log")),
            new DeviceEntry("pci", "pci", Map.of("io.config", "0xcf8", "io.pm", "0xb000")));

    /** {@link #ISA_PC} plus the I/O APIC and one local APIC per CPU (SMP-capable). */
    public static final List<DeviceEntry> APIC_PC = List.of(
            ISA_PC.get(0), ISA_PC.get(1), ISA_PC.get(2), ISA_PC.get(3), ISA_PC.get(4), ISA_PC.get(5),
            new DeviceEntry("ioapic", "ioapic", Map.of("mmio.ioapic", "0xfec00000")),
            new DeviceEntry("lapic", "lapic", Map.of("mmio.apic", "0xfee00000")));

    /** More serial ports, for descriptions that want them. */
    public static final DeviceEntry COM2 = new DeviceEntry("com2", "uart", Map.of("io.uart", "0x2f8", "irq", "3", "console", "none"));
}
