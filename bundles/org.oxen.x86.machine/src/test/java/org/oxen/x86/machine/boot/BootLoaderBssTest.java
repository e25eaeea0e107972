package org.oxen.x86.machine.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.Ram;
import org.oxen.x86.bus.MmioMap;
import org.oxen.x86.bus.PcMemory;
import org.oxen.x86.cpu.X86Cpu;
import org.oxen.x86.machine.BootImage;

/**
 * A multiboot ELF's BSS (a PT_LOAD segment's p_memsz beyond its p_filesz) reads as zeros after
 * the loader, whatever the RAM held before (a reset reloads the image over what the guest wrote),
 * and nothing beyond it is touched: the loader zeroes it a page at a time (issue 16, start-up).
 */
class BootLoaderBssTest {

    private static final int BASE = 0x100000;

    private final Ram ram = new Ram(4 << 20);
    private final PcMemory mem = new PcMemory(ram, ram.size(), new MmioMap());

    /** {@code 0xFF} over [from, to), as a guest's earlier run would leave RAM. */
    private void dirty(long from, long to) {
        byte[] ones = new byte[(int) (to - from)];
        Arrays.fill(ones, (byte) 0xFF);
        mem.loadRam(from, ones, 0, ones.length);
    }

    @Test
    void theBssOfAMultibootKernelIsZeroOverADirtyRamAndNothingPastItIsWritten() {
        // text of 0x1234 bytes (0x5A), then a BSS of 0x12345 bytes: neither ends on a page
        int filesz = 0x1234, memsz = filesz + 0x12345;
        dirty(BASE - 0x1000, BASE + memsz + 0x2000);
        X86Cpu cpu = X86Cpu.create(mem, new IoPortDevice() {
            @Override
            public int read8(int offset) {
                return 0xFF;
            }

            @Override
            public void write8(int offset, int value) {
            }
        });
        BootLoader.loadMultiboot(new BootImage("bss.elf", elf(filesz, memsz), "", List.of()), mem, cpu);

        for (int a = BASE + 12; a < BASE + filesz; a++) { // past the multiboot header
            assertEquals(0x5A, mem.read8(a), "the file part");
        }
        for (long a = BASE + filesz; a < BASE + memsz; a++) {
            if (mem.read8(a) != 0) {
                throw new AssertionError(String.format("BSS byte at 0x%x is 0x%02x, not zero (BSS 0x%x-0x%x)", a,
                        mem.read8(a), BASE + filesz, BASE + memsz));
            }
        }
        assertEquals(0xFF, mem.read8(BASE + memsz), "the byte after the BSS is the guest's");
        assertEquals(0xFF, mem.read8(BASE - 1), "the byte before the segment is the guest's");
    }

    /**
     * An i386 ELF with a multiboot v1 header (flags 0) at the start of its one PT_LOAD segment at
     * 1 MiB: {@code filesz} bytes of 0x5A but the header, {@code memsz} in memory.
     */
    private static byte[] elf(int filesz, int memsz) {
        int off = 0x1000;
        ByteBuffer b = ByteBuffer.allocate(off + filesz).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7F, 'E', 'L', 'F', 1, 1, 1, 0}).position(16);
        b.putShort((short) 2).putShort((short) 3).putInt(1); // ET_EXEC, EM_386, EV_CURRENT
        b.putInt(BASE + 12).putInt(52).putInt(0).putInt(0); // entry, phoff, shoff, flags
        b.putShort((short) 52).putShort((short) 32).putShort((short) 1); // ehsize, phentsize, phnum
        b.putShort((short) 40).putShort((short) 0).putShort((short) 0); // shentsize, shnum, shstrndx
        b.putInt(1).putInt(off).putInt(BASE).putInt(BASE); // PT_LOAD, offset, vaddr, paddr
        b.putInt(filesz).putInt(memsz).putInt(7).putInt(0x1000); // filesz, memsz, RWX, align
        for (int i = off; i < off + filesz; i++) {
            b.put(i, (byte) 0x5A);
        }
        int magic = 0x1BADB002;
        b.putInt(off, magic).putInt(off + 4, 0).putInt(off + 8, -magic);
        return b.array();
    }
}
