package org.oxen.x86.machine.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.oxen.x86.api.Ram;
import org.oxen.x86.bus.MmioMap;
import org.oxen.x86.bus.PcMemory;

/**
 * The MP tables as an OS finds and checks them (Linux's mpparse.c: smp_scan_config over the
 * EBDA's first KiB, smp_check_mpc, smp_read_mpc): signatures, checksums, lengths, and the
 * entries in the order the spec requires (processors, buses, I/O APICs, interrupts).
 */
class MpTableTest {

    private final Ram ram = new Ram(8 << 20);
    private final PcMemory mem = new PcMemory(ram, ram.size(), mmio());

    private static MmioMap mmio() {
        return new MmioMap();
    }

    @Test
    void twoCpusAnIoApicAndTheIsaAndPciInterrupts() {
        MpTable.write(mem, 2, 0x6F1, 0x1234);
        int mpf = scan(BootLoader.LOWER_TOP, 1024);
        assertEquals(BootLoader.LOWER_TOP, mpf, "the floating pointer at the EBDA's start");
        assertEquals(1, mem.read8(mpf + 8), "16 bytes");
        assertEquals(4, mem.read8(mpf + 9), "MP spec 1.4");
        assertEquals(0, sum(mpf, 16));
        assertEquals(0, mem.read8(mpf + 11), "a configuration table, not a default configuration");
        int mpc = mem.read32(mpf + 4);
        assertEquals("PCMP", ascii(mpc, 4));
        int length = mem.read16(mpc + 4);
        assertEquals(0, sum(mpc, length));
        assertEquals(4, mem.read8(mpc + 6));
        assertEquals(0xFEE00000, mem.read32(mpc + 36));
        assertTrue(mpc + length <= 0xA0000, "inside the EBDA");

        List<String> entries = new ArrayList<>();
        int p = mpc + 44;
        for (int i = 0; i < mem.read16(mpc + 34); i++) {
            int type = mem.read8(p);
            switch (type) {
                case 0 -> {
                    entries.add("cpu " + mem.read8(p + 1) + " flags " + mem.read8(p + 3) + " sig "
                            + Integer.toHexString(mem.read32(p + 4)) + " features " + Integer.toHexString(mem.read32(p + 8)));
                    p += 20;
                }
                case 1 -> {
                    entries.add("bus " + mem.read8(p + 1) + " " + ascii(p + 2, 6).trim());
                    p += 8;
                }
                case 2 -> {
                    entries.add("ioapic " + mem.read8(p + 1) + " at " + Integer.toHexString(mem.read32(p + 4)));
                    p += 8;
                }
                case 3, 4 -> {
                    entries.add((type == 3 ? "int " : "lint ") + mem.read8(p + 1) + " bus " + mem.read8(p + 4) + " irq "
                            + mem.read8(p + 5) + " -> " + mem.read8(p + 6) + "/" + mem.read8(p + 7));
                    p += 8;
                }
                default -> throw new AssertionError("entry type " + type + " at " + Integer.toHexString(p));
            }
        }
        assertEquals(mpc + length, p, "the entries fill the base table");
        assertEquals("cpu 0 flags 3 sig 6f1 features 1234", entries.get(0));
        assertEquals("cpu 1 flags 1 sig 6f1 features 1234", entries.get(1));
        assertEquals("bus 0 PCI", entries.get(2));
        assertEquals("bus 1 ISA", entries.get(3));
        assertEquals("ioapic 2 at fec00000", entries.get(4));
        assertEquals("int 0 bus 1 irq 0 -> 2/2", entries.get(5), "the timer on pin 2");
        assertEquals("int 0 bus 1 irq 1 -> 2/1", entries.get(6));
        assertEquals("int 0 bus 1 irq 3 -> 2/3", entries.get(7), "no entry for the cascade");
        assertTrue(entries.contains("int 0 bus 0 irq 12 -> 2/18"), "slot 3 INTA#: PIRQ C, pin 18: " + entries);
        assertEquals("lint 3 bus 1 irq 0 -> 0/0", entries.get(entries.size() - 2), "ExtINT on the BSP's LINT0");
        assertEquals("lint 1 bus 1 irq 0 -> 255/1", entries.get(entries.size() - 1), "NMI on every LINT1");
    }

    @Test
    void fifteenCpusFitTheEbdaAndMoreAreNotDescribed() {
        MpTable.write(mem, 16, 0x6F1, 0);
        int mpc = mem.read32(scan(BootLoader.LOWER_TOP, 1024) + 4);
        assertEquals(0, sum(mpc, mem.read16(mpc + 4)));
        int cpus = 0;
        for (int p = mpc + 44; mem.read8(p) == 0; p += 20) {
            assertEquals(cpus, mem.read8(p + 1));
            cpus++;
        }
        assertEquals(15, cpus);
    }

    /** smp_scan_config: a 16-byte aligned "_MP_" whose 16 bytes sum to 0, or -1. */
    private int scan(int base, int length) {
        for (int p = base; p < base + length; p += 16) {
            if (ascii(p, 4).equals("_MP_") && mem.read8(p + 8) == 1 && sum(p, 16) == 0) return p;
        }
        return -1;
    }

    private int sum(int from, int length) {
        int s = 0;
        for (int i = 0; i < length; i++) {
            s += mem.read8(from + i);
        }
        return s & 0xFF;
    }

    private String ascii(int at, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append((char) mem.read8(at + i));
        }
        return b.toString();
    }
}
