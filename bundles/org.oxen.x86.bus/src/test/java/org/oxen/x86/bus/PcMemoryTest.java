package org.oxen.x86.bus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;
import org.oxen.x86.api.MmioDevice;
import org.oxen.x86.api.Ram;
import org.oxen.x86.host.RawMemory;


class PcMemoryTest {

    private final MmioMap mmio = new MmioMap();
    private final Ram ram = new Ram(4 << 20);
    private final PcMemory mem = new PcMemory(ram, ram.size(), mmio);

    @Test
    void romIsReadOnlyBelowOneMiBAndAliasedBelowFourGiB() {
        byte[] rom = new byte[0x10000];
        for (int i = 0; i < rom.length; i++) {
            rom[i] = (byte) (i * 7);
        }
        mem.mapRom(rom);
        assertEquals(rom[0xFFF0] & 0xFF, mem.read8(0xFFFF0));
        assertEquals(rom[0xFFF0] & 0xFF, mem.read8(0xFFFFFFF0L));
        assertEquals(mem.read32(0xF1234), mem.read32(0xFFFF1234L));
        mem.write32(0xF1234, 0xDEADBEEF);
        mem.write8(0xFFFF1234L, 0);
        assertEquals((rom[0x1234] & 0xFF) | (rom[0x1235] & 0xFF) << 8 | (rom[0x1236] & 0xFF) << 16 | (rom[0x1237] & 0xFF) << 24,
                mem.read32(0xF1234));
        assertEquals(0, mem.directAddress(0xF0000, true), "ROM pages are never writable through the TLB");
        assertNotEquals(0L, mem.directAddress(0xF0000, false));
        long high = mem.directAddress(0xFFFF1000L, false);
        assertEquals(rom[0x1234], RawMemory.getByte(high + 0x234), "the high window's page in host memory holds the ROM");
        mem.write32(0xEFFFC, 0x11223344); // RAM just below the ROM stays writable
        assertEquals(0x11223344, mem.read32(0xEFFFC));
    }

    @Test
    void unbackedAddressesReadAllOnesAndIgnoreWrites() {
        mem.write32(0x10000000L, 5);
        assertEquals(0xFF, mem.read8(0x10000000L));
        assertEquals(-1, mem.read32(0x10000000L));
        assertEquals(-1L, mem.read64(0xFFFFFFF0L));
        assertEquals(0, mem.directAddress(0x10000000L, false));
    }

    @Test
    void aSparseSpaceLetsTheRamAnswerAboveItsSizeBelowTheHighRomAndWindows() {
        // a RAM object of 8 MiB of which the space calls 4 MiB "RAM": the rest stands for pages a P2M maps higher
        Ram big = new Ram(8 << 20);
        MmioMap windows = new MmioMap();
        PcMemory sparse = PcMemory.sparse(big, 4 << 20, windows);
        sparse.write32(0x500000, 0x12345678);
        assertEquals(0x12345678, sparse.read32(0x500000));
        assertEquals(0x12345678, big.read32(0x500000));
        assertEquals(big.directAddress(0x500000, false), sparse.directAddress(0x500000, true));
        sparse.mapRom(new byte[0x10000]);
        assertEquals(0, sparse.read8(0xFFFF0000L), "the high ROM still wins above its base");
        assertEquals(0, sparse.directAddress(0xFFFF0000L, true));
        // the plain space keeps reading all ones there
        mem.write32(0x500000, 7);
        assertEquals(-1, mem.read32(0x500000));
    }

    @Test
    void deviceWindowsComeBeforeEverythingAndAreNeverDirect() {
        int[] reg = new int[1];
        mmio.map("dev", "regs", 0xFEC00000L, 0x20, new MmioDevice() {
            @Override
            public int read8(long offset) {
                return (reg[0] >>> (8 * (int) (offset & 3))) & 0xFF;
            }

            @Override
            public void write8(long offset, int value) {
                reg[0] = reg[0] & ~(0xFF << (8 * (int) (offset & 3))) | value << (8 * (int) (offset & 3));
            }
        }, false);
        mem.windowsChanged();
        mem.write32(0xFEC00000L, 0xCAFEF00D);
        assertEquals(0xCAFEF00D, mem.read32(0xFEC00000L));
        assertEquals(0, mem.directAddress(0xFEC00000L, false));
        assertArrayEquals(new int[] {0xCAFEF00D}, reg);
    }
}
