package org.oxen.x86.machine.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.oxen.x86.api.Ram;
import org.oxen.x86.bus.MmioMap;
import org.oxen.x86.bus.PcMemory;
import org.oxen.x86.machine.MachineDescription;

/**
 * The ACPI tables as an OS finds and checks them (Linux's acpi_find_root_pointer over
 * 0xE0000-0xFFFFF, ACPICA's table checksums and lengths, its FADT conversion, the MADT walk of
 * arch/x86/kernel/acpi/boot.c): signatures, checksums, lengths, every pointer, the FADT's PM
 * blocks and reset register, the MADT's entries, and the DSDT's AML byte for byte against what
 * iasl compiles from the same ASL.
 */
class AcpiTablesTest {

    private final Ram ram = new Ram(8 << 20);
    private final PcMemory mem = new PcMemory(ram, ram.size(), new MmioMap());

    @Test
    void theRsdpIsFoundWhereAnOsScansAndEveryTableChecksums() {
        AcpiTables.write(mem, 2, 0xb000);
        int rsdp = scanRsdp();
        assertEquals(AcpiTables.BASE, rsdp);
        assertEquals(0, sum(rsdp, 20), "ACPI 1.0 checksum");
        assertEquals(0, sum(rsdp, 36), "extended checksum");
        assertEquals(2, mem.read8(rsdp + 15), "revision 2: an XSDT too");
        assertEquals(36, mem.read32(rsdp + 20));
        int rsdt = mem.read32(rsdp + 16);
        long xsdt = mem.read64(rsdp + 24);
        assertEquals(List.of("FACP", "APIC"), entries(rsdt, "RSDT", 4));
        assertEquals(List.of("FACP", "APIC"), entries((int) xsdt, "XSDT", 8));
        for (int i = 0; i < 2; i++) {
            assertEquals(mem.read32(rsdt + 36 + 4 * i), (int) mem.read64(xsdt + 36 + 8 * i), "RSDT and XSDT agree");
        }
        int tablesEnd = 0;
        for (String sig : List.of("FACP", "APIC")) {
            int t = table(rsdt, sig);
            tablesEnd = Math.max(tablesEnd, t + mem.read32(t + 4));
        }
        assertTrue(tablesEnd <= 0x100000, "inside the BIOS area");
    }

    @Test
    void theFadtNamesThePmRegistersTheSciAndTheResetRegister() {
        AcpiTables.write(mem, 1, 0xb000);
        int fadt = table(mem.read32(scanRsdp() + 16), "FACP");
        assertEquals(244, mem.read32(fadt + 4));
        assertEquals(4, mem.read8(fadt + 8), "revision 4");
        assertEquals(9, mem.read16(fadt + 46), "SCI_INT");
        assertEquals(0, mem.read32(fadt + 48), "no SMI_CMD: always in ACPI mode");
        assertEquals(0xb000, mem.read32(fadt + 56), "PM1a_EVT_BLK");
        assertEquals(0xb004, mem.read32(fadt + 64), "PM1a_CNT_BLK");
        assertEquals(0xb008, mem.read32(fadt + 76), "PM_TMR_BLK");
        assertEquals(0, mem.read32(fadt + 60) | mem.read32(fadt + 68) | mem.read32(fadt + 80), "no PM1b, no GPE0");
        assertEquals(4, mem.read8(fadt + 88));
        assertEquals(2, mem.read8(fadt + 89));
        assertEquals(4, mem.read8(fadt + 91));
        assertEquals(0x100, mem.read32(fadt + 112) & 0x100, "TMR_VAL_EXT: a 32-bit PM timer");
        assertEquals(0x400, mem.read32(fadt + 112) & 0x400, "RESET_REG_SUP");
        assertEquals(0, mem.read16(fadt + 109) & 2, "no 8042");
        assertGas(fadt + 116, 8, 0xCF9, "RESET_REG");
        assertEquals(0x06, mem.read8(fadt + 128), "RESET_VALUE");
        assertGas(fadt + 148, 32, 0xb000, "X_PM1a_EVT_BLK");
        assertGas(fadt + 172, 16, 0xb004, "X_PM1a_CNT_BLK");
        assertGas(fadt + 208, 32, 0xb008, "X_PM_TMR_BLK");
        int facs = mem.read32(fadt + 36), dsdt = mem.read32(fadt + 40);
        assertEquals(0, mem.read64(fadt + 132), "X_FIRMWARE_CTRL zero beside a FIRMWARE_CTRL (ACPI 6.5, 5.2.9)");
        assertEquals(dsdt, (int) mem.read64(fadt + 140), "X_DSDT = DSDT");
        assertEquals(0, facs & 63, "the FACS 64-byte aligned");
        assertEquals("FACS", ascii(facs, 4));
        assertEquals(64, mem.read32(facs + 4));
        assertEquals("DSDT", ascii(dsdt, 4));
        assertEquals(0, sum(dsdt, mem.read32(dsdt + 4)));
        assertEquals(2, mem.read8(dsdt + 8), "revision 2: 64-bit integers");
    }

    @Test
    void theMadtHasEveryCpuTheIoApicAndTheIsaOverrides() {
        AcpiTables.write(mem, 3, 0xb000);
        int madt = table(mem.read32(scanRsdp() + 16), "APIC");
        assertEquals(0xFEE00000, mem.read32(madt + 36), "local APIC address");
        assertEquals(1, mem.read32(madt + 40), "PCAT_COMPAT");
        List<String> e = new ArrayList<>();
        int end = madt + mem.read32(madt + 4);
        for (int p = madt + 44; p < end; p += mem.read8(p + 1)) {
            int type = mem.read8(p), len = mem.read8(p + 1);
            assertTrue(len >= 2 && p + len <= end, "entry length at +" + (p - madt));
            e.add(switch (type) {
                case 0 -> "lapic uid " + mem.read8(p + 2) + " id " + mem.read8(p + 3) + " flags " + mem.read32(p + 4);
                case 1 -> "ioapic " + mem.read8(p + 2) + " at " + Integer.toHexString(mem.read32(p + 4)) + " gsi " + mem.read32(p + 8);
                case 2 -> "override bus " + mem.read8(p + 2) + " irq " + mem.read8(p + 3) + " gsi " + mem.read32(p + 4)
                        + " flags " + Integer.toHexString(mem.read16(p + 8));
                case 4 -> "nmi uid " + Integer.toHexString(mem.read8(p + 2)) + " lint " + mem.read8(p + 5);
                default -> "type " + type;
            });
        }
        assertEquals(List.of("lapic uid 0 id 0 flags 1", "lapic uid 1 id 1 flags 1", "lapic uid 2 id 2 flags 1",
                "ioapic 3 at fec00000 gsi 0", "override bus 0 irq 0 gsi 2 flags 0", "override bus 0 irq 9 gsi 9 flags d",
                "nmi uid ff lint 1"), e);
    }

    @Test
    void sixteenCpusAreCutToTheFifteenTheIoApicIdLeaves() {
        AcpiTables.write(mem, 16, 0xb000);
        int madt = table(mem.read32(scanRsdp() + 16), "APIC");
        int lapics = 0;
        for (int p = madt + 44; p < madt + mem.read32(madt + 4); p += mem.read8(p + 1)) {
            lapics += mem.read8(p) == 0 ? 1 : 0;
        }
        assertEquals(15, lapics);
    }

    /**
     * The DSDT's AML, byte for byte, is what iasl (Debian's acpica-tools 20200925) compiles from
     * {@code dsdt-2cpus.asl} beside this test (the same \_S5 package and Processor objects, PCI0 with its _HID,
     * _ADR, _UID, the _CRS resource template and the 124-entry _PRT): only the header's creator
     * fields (iasl's "INTL") and so the checksum differ. iasl -p dsdt-2cpus dsdt-2cpus.asl made
     * the .aml.
     */
    @Test
    void theDsdtIsTheAmlIaslCompilesFromTheSameAsl() throws Exception {
        byte[] iasl;
        try (var in = getClass().getResourceAsStream("dsdt-2cpus.aml")) {
            iasl = in.readAllBytes();
        }
        AcpiTables.Layout l = AcpiTables.write(mem, 2, 0xb000);
        int dsdt = l.dsdt();
        assertEquals(iasl.length, mem.read32(dsdt + 4), "length");
        byte[] ours = new byte[iasl.length];
        for (int i = 0; i < ours.length; i++) {
            ours[i] = (byte) mem.read8(dsdt + i);
        }
        assertEquals(HexFormat.of().formatHex(Arrays.copyOfRange(iasl, 0, 9)),
                HexFormat.of().formatHex(Arrays.copyOfRange(ours, 0, 9)), "signature, length, revision");
        assertEquals(HexFormat.of().formatHex(Arrays.copyOfRange(iasl, 10, 28)),
                HexFormat.of().formatHex(Arrays.copyOfRange(ours, 10, 28)), "OEM fields");
        assertEquals(HexFormat.of().formatHex(Arrays.copyOfRange(iasl, 36, iasl.length)),
                HexFormat.of().formatHex(Arrays.copyOfRange(ours, 36, ours.length)), "the AML");
        assertEquals(0, sum(dsdt, ours.length));
    }

    @Test
    void amlEncodingsOfTheSpecification() {
        assertArrayEquals(HexFormat.of().parseHex("0c41d00a03"), Aml.eisaId("PNP0A03"));
        assertArrayEquals(HexFormat.of().parseHex("0e0000000001000000"), Aml.integer(1L << 32));
        assertArrayEquals(HexFormat.of().parseHex("3f"), Aml.pkgLength(62), "the largest one-byte PkgLength");
        assertArrayEquals(HexFormat.of().parseHex("4104"), Aml.pkgLength(63), "two bytes: 65 in all");
        assertArrayEquals(HexFormat.of().parseHex("8f0001"), Aml.pkgLength(0x100C), "three bytes: 0x100F in all");
        assertArrayEquals(HexFormat.of().parseHex("5c2e5f53425f50434930"), Aml.nameString("\\_SB.PCI0"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Aml.nameString("pci0"));
        assertEquals("not an AML name segment: 'pci0' in 'pci0'", e.getMessage());
    }

    @Test
    void theBoardWritesTablesForTheDefaultPcAndNoneWithoutPmRegisters() {
        assertEquals(0xb000, MachineDescription.pc().acpiPmPort());
        assertEquals(-1, MachineDescription.pc().apply("pci io.pm=").acpiPmPort());
        assertEquals(-1, BootLoader.writeAcpiTables(mem, 1, -1));
        assertEquals(-1, scanRsdp(), "no ACPI hardware, no RSDP");
        assertEquals(AcpiTables.BASE, BootLoader.writeAcpiTables(mem, 1, 0xb000));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AcpiTables.write(mem, 0, 0xb000));
        assertEquals("ACPI tables for 0 CPUs", e.getMessage());
    }

    private void assertGas(int at, int bits, int port, String what) {
        assertEquals(1, mem.read8(at), what + ": system I/O");
        assertEquals(bits, mem.read8(at + 1), what + ": width");
        assertEquals(port, mem.read64(at + 4), what + ": address");
    }

    /** Linux's acpi_scan_rsdp over 0xE0000-0xFFFFF: 16-byte steps, signature and checksum. */
    private int scanRsdp() {
        for (int p = 0xE0000; p < 0x100000; p += 16) {
            if (ascii(p, 8).equals("RSD PTR ") && sum(p, 20) == 0) {
                return p;
            }
        }
        return -1;
    }

    private List<String> entries(int sdt, String sig, int size) {
        assertEquals(sig, ascii(sdt, 4));
        int len = mem.read32(sdt + 4);
        assertEquals(0, sum(sdt, len), sig + " checksum");
        List<String> sigs = new ArrayList<>();
        for (int p = sdt + 36; p < sdt + len; p += size) {
            int t = size == 4 ? mem.read32(p) : (int) mem.read64(p);
            int tlen = mem.read32(t + 4);
            assertTrue(tlen >= 36, ascii(t, 4) + " length");
            assertEquals(0, sum(t, tlen), ascii(t, 4) + " checksum");
            sigs.add(ascii(t, 4));
        }
        return sigs;
    }

    private int table(int rsdt, String sig) {
        for (int p = rsdt + 36; p < rsdt + mem.read32(rsdt + 4); p += 4) {
            if (ascii(mem.read32(p), 4).equals(sig)) {
                return mem.read32(p);
            }
        }
        throw new AssertionError("no " + sig);
    }

    private int sum(long at, int n) {
        int s = 0;
        for (int i = 0; i < n; i++) {
            s += mem.read8(at + i);
        }
        return s & 0xFF;
    }

    private String ascii(long at, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append((char) mem.read8(at + i));
        }
        return b.toString();
    }
}
