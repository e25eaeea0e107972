package org.oxen.x86.machine.boot;

import static org.oxen.x86.machine.boot.TableBytes.ascii;
import static org.oxen.x86.machine.boot.TableBytes.le16;
import static org.oxen.x86.machine.boot.TableBytes.le32;
import static org.oxen.x86.machine.boot.TableBytes.sum;

import java.io.ByteArrayOutputStream;

import org.oxen.x86.api.device.DeviceContext;
import org.oxen.x86.bus.PcMemory;

/**
 * The ACPI tables a PC's firmware leaves for the OS, the minimal set SeaBIOS and Xen's
 * hvmloader build: in the BIOS area at {@link #BASE} (RAM the memory map reserves, where an OS
 * looks for the RSDP between 0xE0000 and 0xFFFFF), an RSDP (ACPI 2.0, pointing to both an RSDT
 * and an XSDT), the FACS, the FADT (revision 4: the PM1a event and control blocks and the PM
 * timer of the pci device's ACPI PM registers, the SCI on IRQ 9, the 0xCF9 reset register, no
 * SMI command port so the board is always in ACPI mode, no 8042 and no VGA), the MADT (a local
 * APIC per CPU with ACPI processor ID and APIC ID = CPU index, the I/O APIC with ID = the CPU
 * count at GSI base 0, the ISA overrides IRQ 0 to GSI 2 and the SCI level/active-high, NMI on
 * LINT1 of every CPU) and a DSDT: the S5 sleep package {@code \_S5} (SLP_TYP 7, as hvmloader's
 * DSDT: SLP_EN with it in PM1a_CNT powers off), a Processor object per CPU and the PCI root bridge PCI0
 * (PNP0A03) with its _CRS windows and a _PRT routing each slot's INTA-D to GSI 16-19 as the
 * PCI host swizzles them (the MP table's routing, {@link MpTable}).
 */
final class AcpiTables {

    static final int BASE = 0xF0000, LIMIT = 0x100000;
    /** SCI: ISA IRQ 9, as the pci device's ACPI PM registers drive it by default. */
    static final int SCI_IRQ = 9;
    /** The PCI host's reset control register (PIIX3 RCR) and the value that resets the board. */
    static final int RESET_PORT = 0xCF9, RESET_VALUE = 0x06;
    /** The PCI memory window the _CRS offers (above the largest RAM a machine may have, below the I/O APIC). */
    static final long PCI_MEM = 0xE000_0000L, PCI_MEM_END = 0xFEBF_FFFFL;
    static final int FADT_LENGTH = 244, FACS_LENGTH = 64, RSDP_LENGTH = 36, HEADER = 36;
    /** FADT flags: WBINVD, PROC_C1, PWR_BUTTON and SLP_BUTTON (none fixed), FIX_RTC, TMR_VAL_EXT, RESET_REG_SUP. */
    static final int FADT_FLAGS = 1 | 1 << 2 | 1 << 4 | 1 << 5 | 1 << 6 | 1 << 8 | 1 << 10;
    /** IAPC_BOOT_ARCH: LEGACY_DEVICES, VGA not present (no 8042: bit 1 clear). */
    static final int BOOT_ARCH = 1 | 1 << 2;

    /** Where write put each table (for the tests). */
    record Layout(int rsdp, int facs, int rsdt, int xsdt, int fadt, int madt, int dsdt, int end) {
    }

    private AcpiTables() {
    }

    /**
     * Writes the tables for {@code cpus} CPUs (the first {@link MpTable#MAX_CPUS}) whose ACPI PM
     * registers (PM1a_EVT at +0, PM1a_CNT at +4, PM_TMR at +8) are at port {@code pmPort}.
     */
    static Layout write(PcMemory ram, int cpus, int pmPort) {
        if (cpus < 1) {
            throw new IllegalArgumentException("ACPI tables for " + cpus + " CPUs");
        }
        if (pmPort <= 0 || pmPort > 0xFFFF - 12) {
            throw new IllegalArgumentException(String.format("ACPI PM registers at port 0x%x", pmPort));
        }
        cpus = Math.min(cpus, MpTable.MAX_CPUS);
        int rsdp = BASE;
        int facs = align(rsdp + RSDP_LENGTH, 64);
        int rsdt = align(facs + FACS_LENGTH, 16);
        int xsdt = align(rsdt + HEADER + 2 * 4, 16);
        int fadt = align(xsdt + HEADER + 2 * 8, 16);
        int madt = align(fadt + FADT_LENGTH, 16);
        byte[] madtBytes = madt(cpus);
        int dsdt = align(madt + madtBytes.length, 16);
        byte[] dsdtBytes = dsdt(cpus);
        int end = dsdt + dsdtBytes.length;
        if (end > LIMIT) {
            throw new IllegalStateException("the ACPI tables (" + (end - BASE) + " bytes) do not fit the BIOS area");
        }
        byte[] f = new byte[FACS_LENGTH];
        ascii(f, 0, "FACS");
        le32(f, 4, FACS_LENGTH);
        f[32] = 1;                                                 // version (ACPI 2.0+)
        ram.loadRam(facs, f, 0, f.length);
        ram.loadRam(fadt, fadt(facs, dsdt, pmPort), 0, FADT_LENGTH);
        ram.loadRam(madt, madtBytes, 0, madtBytes.length);
        ram.loadRam(dsdt, dsdtBytes, 0, dsdtBytes.length);
        byte[] r = table("RSDT", 1, HEADER + 8);
        le32(r, HEADER, fadt);
        le32(r, HEADER + 4, madt);
        ram.loadRam(rsdt, checksummed(r), 0, r.length);
        byte[] x = table("XSDT", 1, HEADER + 16);
        le32(x, HEADER, fadt);
        le32(x, HEADER + 8, madt);
        ram.loadRam(xsdt, checksummed(x), 0, x.length);
        byte[] p = new byte[RSDP_LENGTH];
        ascii(p, 0, "RSD PTR ");
        ascii(p, 9, "OXEN  ");
        p[15] = 2;                                                 // revision: ACPI 2.0+
        le32(p, 16, rsdt);
        le32(p, 20, RSDP_LENGTH);
        le32(p, 24, xsdt);
        p[8] = (byte) -sum(p, 0, 20);
        p[32] = (byte) -sum(p, 0, RSDP_LENGTH);
        ram.loadRam(rsdp, p, 0, p.length);
        return new Layout(rsdp, facs, rsdt, xsdt, fadt, madt, dsdt, end);
    }

    private static byte[] fadt(int facs, int dsdt, int pm) {
        byte[] t = table("FACP", 4, FADT_LENGTH);
        le32(t, 36, facs);
        le32(t, 40, dsdt);
        le16(t, 46, SCI_IRQ);
        le32(t, 56, pm);                                           // PM1a_EVT_BLK
        le32(t, 64, pm + 4);                                       // PM1a_CNT_BLK
        le32(t, 76, pm + 8);                                       // PM_TMR_BLK
        t[88] = 4;                                                 // PM1_EVT_LEN
        t[89] = 2;                                                 // PM1_CNT_LEN
        t[91] = 4;                                                 // PM_TMR_LEN
        le16(t, 96, 0x0FFF);                                       // P_LVL2_LAT: no C2
        le16(t, 98, 0x0FFF);                                       // P_LVL3_LAT: no C3
        le16(t, 109, BOOT_ARCH);
        le32(t, 112, FADT_FLAGS);
        gas(t, 116, 8, 1, RESET_PORT);                             // RESET_REG, byte access
        t[128] = RESET_VALUE;
        // X_FIRMWARE_CTRL stays 0: "if the FIRMWARE_CTRL field contains a non zero value then this
        // field must be zero" (ACPI 6.5, 5.2.9); with both, Linux installs the FACS twice
        le32(t, 140, dsdt);                                        // X_DSDT
        gas(t, 148, 32, 0, pm);                                    // X_PM1a_EVT_BLK
        gas(t, 172, 16, 0, pm + 4);                                // X_PM1a_CNT_BLK
        gas(t, 208, 32, 0, pm + 8);                                // X_PM_TMR_BLK
        return checksummed(t);
    }

    private static byte[] madt(int cpus) {
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        for (int c = 0; c < cpus; c++) {
            e.writeBytes(new byte[] {0, 8, (byte) c, (byte) c, 1, 0, 0, 0});  // processor local APIC, enabled
        }
        byte[] io = {1, 12, (byte) cpus, 0, 0, 0, 0, 0, 0, 0, 0, 0};        // I/O APIC, GSI base 0
        le32(io, 4, (int) MpTable.IOAPIC);
        e.writeBytes(io);
        e.writeBytes(override(0, 2, 0));                                    // IRQ 0 on pin 2, bus-conforming
        e.writeBytes(override(SCI_IRQ, SCI_IRQ, 0x000D));                   // the SCI: level, active high
        e.writeBytes(new byte[] {4, 6, (byte) 0xFF, 0, 0, 1});              // NMI on LINT1 of every CPU
        byte[] body = e.toByteArray();
        byte[] t = table("APIC", 1, HEADER + 8 + body.length);
        le32(t, 36, (int) MpTable.LAPIC);
        le32(t, 40, 1);                                                     // PCAT_COMPAT: 8259s present
        System.arraycopy(body, 0, t, HEADER + 8, body.length);
        return checksummed(t);
    }

    private static byte[] override(int irq, int gsi, int flags) {
        byte[] o = {2, 10, 0, (byte) irq, 0, 0, 0, 0, 0, 0};
        le32(o, 4, gsi);
        le16(o, 8, flags);
        return o;
    }

    private static byte[] dsdt(int cpus) {
        byte[][] sb = new byte[cpus + 1][];
        for (int c = 0; c < cpus; c++) {
            sb[c] = Aml.processor(String.format("CP%02X", c), c);
        }
        byte[][] prt = new byte[31 * 4][];
        for (int slot = 1; slot < 32; slot++) {
            for (int pin = 0; pin < 4; pin++) {
                // {address (slot, any function), pin (0 = INTA), source (none: a GSI), GSI}
                prt[(slot - 1) * 4 + pin] = Aml.pkg(Aml.integer((long) slot << 16 | 0xFFFF), Aml.integer(pin),
                        Aml.integer(0), Aml.integer(16 + ((slot - 1 + pin) & 3)));
            }
        }
        sb[cpus] = Aml.device("PCI0",
                Aml.name("_HID", Aml.eisaId("PNP0A03")),
                Aml.name("_ADR", Aml.integer(0)),
                Aml.name("_UID", Aml.integer(0)),
                Aml.name("_CRS", Aml.buffer(pciResources())),
                Aml.name("_PRT", Aml.pkg(prt)));
        // \_S5 and \_SB at the root, as iasl optimizes them: S5's SLP_TYP for PM1a and PM1b (none)
        byte[] s5 = Aml.name("_S5", Aml.pkg(Aml.integer(DeviceContext.ACPI_S5_SLP_TYP),
                Aml.integer(DeviceContext.ACPI_S5_SLP_TYP), Aml.integer(0), Aml.integer(0)));
        byte[] aml = Aml.cat(s5, Aml.scope("_SB", sb));
        byte[] t = table("DSDT", 2, HEADER + aml.length);
        System.arraycopy(aml, 0, t, HEADER, aml.length);
        return checksummed(t);
    }

    /**
     * The root bridge's resources (ACPI 6.5, 6.4 resource data types): bus numbers 0-255, the
     * configuration ports, the I/O ports around them, the legacy VGA window and the PCI memory
     * window, then the end tag.
     */
    static byte[] pciResources() {
        ByteArrayOutputStream r = new ByteArrayOutputStream();
        r.writeBytes(wordAddress(2, 0, 0x00, 0xFF));                // WordBusNumber
        r.writeBytes(new byte[] {0x47, 1, (byte) 0xF8, 0x0C, (byte) 0xF8, 0x0C, 1, 8}); // IO (Decode16, 0xCF8, 8)
        r.writeBytes(wordAddress(1, 3, 0x0000, 0x0CF7));            // WordIO, EntireRange
        r.writeBytes(wordAddress(1, 3, 0x0D00, 0xFFFF));
        r.writeBytes(dwordMemory(0xA0000, 0xBFFFF));
        r.writeBytes(dwordMemory(PCI_MEM, PCI_MEM_END));
        r.writeBytes(new byte[] {0x79, 0});                         // end tag, checksum 0 (not computed)
        return r.toByteArray();
    }

    /** A Word Address Space descriptor of {@code type} (1 I/O, 2 bus numbers), producer, MinFixed, MaxFixed. */
    private static byte[] wordAddress(int type, int typeFlags, int min, int max) {
        byte[] d = new byte[16];
        d[0] = (byte) 0x88;
        le16(d, 1, 13);
        d[3] = (byte) type;
        d[4] = 0x0C;
        d[5] = (byte) typeFlags;
        le16(d, 8, min);
        le16(d, 10, max);
        le16(d, 14, max - min + 1);
        return d;
    }

    /** A DWord Memory descriptor: producer, MinFixed, MaxFixed, cacheable, read/write. */
    private static byte[] dwordMemory(long min, long max) {
        byte[] d = new byte[26];
        d[0] = (byte) 0x87;
        le16(d, 1, 23);
        d[3] = 0;
        d[4] = 0x0C;
        d[5] = 0x03;
        le32(d, 10, (int) min);
        le32(d, 14, (int) max);
        le32(d, 22, (int) (max - min + 1));
        return d;
    }

    /** A Generic Address Structure in system I/O space. */
    private static void gas(byte[] t, int at, int bits, int accessSize, int port) {
        t[at] = 1;
        t[at + 1] = (byte) bits;
        t[at + 3] = (byte) accessSize;
        le32(t, at + 4, port);
    }

    /** A table with its standard header filled in but for the checksum. */
    private static byte[] table(String signature, int revision, int length) {
        byte[] t = new byte[length];
        ascii(t, 0, signature);
        le32(t, 4, length);
        t[8] = (byte) revision;
        ascii(t, 10, "OXEN  ");
        ascii(t, 16, "OXEN PC ");
        le32(t, 24, 1);
        ascii(t, 28, "OXEN");
        le32(t, 32, 1);
        return t;
    }

    private static byte[] checksummed(byte[] t) {
        t[9] = 0;
        t[9] = (byte) -sum(t, 0, t.length);
        return t;
    }

    private static int align(int v, int a) {
        return (v + a - 1) & -a;
    }
}
