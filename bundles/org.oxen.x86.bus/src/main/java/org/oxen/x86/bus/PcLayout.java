package org.oxen.x86.bus;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.oxen.x86.api.device.DeviceConfig;

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
 * pci       pci       io.config=0xcf8
 * ioapic    ioapic    mmio.ioapic=0xfec00000
 * lapic     lapic     mmio.apic=0xfee00000
 * </pre>
 */
public final class PcLayout {

    private PcLayout() {
    }

    /** One device entry of a machine description. */
    public record Entry(String id, String type, Map<String, String> options) {
        public Entry {
            options = Map.copyOf(options);
        }

        /** A fresh configuration (its used-key tracking starts empty). */
        public DeviceConfig config() {
            return DeviceConfig.of(id, type, options);
        }

        /** This entry with {@code key} set to {@code value}. */
        public Entry with(String key, String value) {
            Map<String, String> m = new LinkedHashMap<>(options);
            m.put(key, value);
            return new Entry(id, type, m);
        }
    }

    /** The uniprocessor PC without APICs: PIC, PIT, RTC, COM1, debug console, PCI. */
    public static final List<Entry> ISA_PC = List.of(
            new Entry("pic", "pic", Map.of("io.master", "0x20", "io.slave", "0xa0", "io.elcr", "0x4d0")),
            new Entry("pit", "pit", Map.of("io.pit", "0x40", "io.speaker", "0x61", "irq", "0")),
            new Entry("rtc", "rtc", Map.of("io.rtc", "0x70", "irq", "8")),
            new Entry("com1", "uart", Map.of("io.uart", "0x3f8", "irq", "4", "console", "log")),
            new Entry("debugcon", "debugcon", Map.of("io.console", "0xe9", "io.exit", "0xf4", "console", "log")),
            new Entry("pci", "pci", Map.of("io.config", "0xcf8")));

    /** {@link #ISA_PC} plus the I/O APIC and one local APIC per CPU (SMP-capable). */
    public static final List<Entry> APIC_PC = List.of(
            ISA_PC.get(0), ISA_PC.get(1), ISA_PC.get(2), ISA_PC.get(3), ISA_PC.get(4), ISA_PC.get(5),
            new Entry("ioapic", "ioapic", Map.of("mmio.ioapic", "0xfec00000")),
            new Entry("lapic", "lapic", Map.of("mmio.apic", "0xfee00000")));

    /** More serial ports, for descriptions that want them. */
    public static final Entry COM2 = new Entry("com2", "uart", Map.of("io.uart", "0x2f8", "irq", "3", "console", "none"));
}
