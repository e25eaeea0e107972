package org.oxen.x86.machine.boot;

import static org.oxen.x86.machine.boot.TableBytes.ascii;
import static org.oxen.x86.machine.boot.TableBytes.le16;
import static org.oxen.x86.machine.boot.TableBytes.le32;
import static org.oxen.x86.machine.boot.TableBytes.sum;

import org.oxen.x86.bus.PcMemory;
import org.oxen.x86.machine.MachineException;

/**
 * The Intel MultiProcessor Specification 1.4 tables a PC's firmware leaves for the OS (what
 * SeaBIOS's mptable.c builds for QEMU): the MP floating pointer structure at the start of the
 * EBDA ({@link BootLoader#LOWER_TOP}, the first KiB an OS scans) and, right after it, the MP
 * configuration table: one processor entry per CPU (local APIC ID = CPU index, CPU 0 the
 * bootstrap processor), bus 0 PCI and bus 1 ISA, the I/O APIC (ID = the CPU count, as the
 * {@code ioapic} device defaults, at 0xFEC00000), an I/O interrupt entry per ISA IRQ (IRQ 0 on
 * pin 2, the PC's interrupt source override, as the I/O APIC device wires it; no entry for pin
 * 0), one per pin of PCI slots 1-7 on pins 16-19 (the PIRQ a pin swizzles to, as the PCI host
 * drives them), and the local interrupts: ExtINT (the 8259s) on LINT0 of the BSP, NMI on LINT1
 * of every CPU. With it an OS finds every CPU without ACPI (Linux with {@code acpi=off}).
 */
final class MpTable {

    static final int FLOATING = BootLoader.LOWER_TOP, CONFIG = FLOATING + 16, END = 0xA0000;
    static final long LAPIC = 0xFEE00000L, IOAPIC = 0xFEC00000L;
    static final int LAPIC_VERSION = 0x14, IOAPIC_VERSION = 0x11;
    static final int PCI_BUS = 0, ISA_BUS = 1;
    /** Entry types. */
    static final int PROCESSOR = 0, BUS = 1, IO_APIC = 2, IO_INTERRUPT = 3, LOCAL_INTERRUPT = 4;
    /** Interrupt types. */
    static final int INT = 0, NMI = 1, EXTINT = 3;
    /** The CPUs described: those with an APIC ID below the I/O APIC's (its ID register has 4 bits). */
    static final int MAX_CPUS = 15;
    /** Slots 1..7 of PCI bus 0 get INTx entries (all 31 would not fit the EBDA's KiB beside 15 CPUs). */
    static final int PCI_SLOTS = 8;

    private MpTable() {
    }

    /**
     * Writes both structures for {@code cpus} CPUs (the first {@link #MAX_CPUS} of them) whose CPUID leaf 1 reads {@code signature}
     * (EAX) and {@code features} (EDX).
     *
     * @throws MachineException if the configuration table does not fit in the EBDA's KiB
     */
    static void write(PcMemory ram, int cpus, int signature, int features) {
        if (cpus < 1) {
            throw new IllegalArgumentException("an MP table for " + cpus + " CPUs");
        }
        cpus = Math.min(cpus, MAX_CPUS);
        byte[] t = new byte[END - CONFIG];
        int p = 44; // the header, filled in last
        int entries = 0;
        for (int c = 0; c < cpus; c++) {
            t[p] = PROCESSOR;
            t[p + 1] = (byte) c;                   // local APIC ID
            t[p + 2] = LAPIC_VERSION;
            t[p + 3] = (byte) (c == 0 ? 3 : 1);    // enabled, BSP
            le32(t, p + 4, signature);
            le32(t, p + 8, features);
            p += 20;
            entries++;
        }
        p = bus(t, p, PCI_BUS, "PCI   ");
        p = bus(t, p, ISA_BUS, "ISA   ");
        entries += 2;
        int ioapic = cpus;
        t[p] = IO_APIC;
        t[p + 1] = (byte) ioapic;
        t[p + 2] = IOAPIC_VERSION;
        t[p + 3] = 1;                               // usable
        le32(t, p + 4, (int) IOAPIC);
        p += 8;
        entries++;
        for (int irq = 0; irq < 16; irq++) {
            if (irq == 2) continue;                  // the cascade; pin 2 is IRQ 0's
            p = interrupt(t, p, IO_INTERRUPT, INT, 0, ISA_BUS, irq, ioapic, irq == 0 ? 2 : irq);
            entries++;
        }
        for (int slot = 1; slot < PCI_SLOTS; slot++) {
            for (int pin = 1; pin <= 4; pin++) {
                // PCI's default polarity and trigger (active low, level): flags 0, conforming
                p = interrupt(t, p, IO_INTERRUPT, INT, 0, PCI_BUS, slot << 2 | (pin - 1), ioapic,
                        16 + ((slot - 1 + pin - 1) & 3));
                entries++;
            }
        }
        p = interrupt(t, p, LOCAL_INTERRUPT, EXTINT, 0, ISA_BUS, 0, 0, 0);
        p = interrupt(t, p, LOCAL_INTERRUPT, NMI, 0, ISA_BUS, 0, 0xFF, 1);
        entries += 2;
        if (p > t.length) {
            throw new MachineException("the MP configuration table (" + p + " bytes) does not fit the EBDA's "
                    + t.length + " bytes");
        }
        // ---- the configuration table's header
        ascii(t, 0, "PCMP");
        le16(t, 4, p);                              // base table length
        t[6] = 4;                                   // spec revision 1.4
        ascii(t, 8, "OXEN    ");
        ascii(t, 16, "OXEN PC     ");
        le16(t, 34, entries);
        le32(t, 36, (int) LAPIC);
        t[7] = (byte) -sum(t, 0, p);
        ram.loadRam(CONFIG, t, 0, p);

        // ---- the floating pointer
        byte[] f = new byte[16];
        ascii(f, 0, "_MP_");
        le32(f, 4, CONFIG);
        f[8] = 1;                                   // length in paragraphs
        f[9] = 4;                                   // spec revision 1.4
        // feature byte 1 = 0: a configuration table is present; byte 2 bit 7 = 0: virtual wire mode
        f[10] = (byte) -sum(f, 0, 16);
        ram.loadRam(FLOATING, f, 0, 16);
    }

    private static int bus(byte[] t, int p, int id, String type) {
        t[p] = BUS;
        t[p + 1] = (byte) id;
        ascii(t, p + 2, type);
        return p + 8;
    }

    private static int interrupt(byte[] t, int p, int type, int irqType, int flags, int bus, int busIrq, int apic, int pin) {
        if (p + 8 <= t.length) {
            t[p] = (byte) type;
            t[p + 1] = (byte) irqType;
            le16(t, p + 2, flags);
            t[p + 4] = (byte) bus;
            t[p + 5] = (byte) busIrq;
            t[p + 6] = (byte) apic;
            t[p + 7] = (byte) pin;
        }
        return p + 8;
    }
}
