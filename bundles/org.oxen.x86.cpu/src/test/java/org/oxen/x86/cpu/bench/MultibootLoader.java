package org.oxen.x86.cpu.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.oxen.x86.api.Ram;
import org.oxen.x86.cpu.CpuTestSupport;
import org.oxen.x86.cpu.X86Cpu;

/** Minimal multiboot v1 ELF loader for tests and benchmarks (until the board's loader exists). */
public final class MultibootLoader {

    private MultibootLoader() {
    }

    /**
     * Loads the PT_LOAD segments of a 32-bit ELF at their physical addresses and puts the CPU in
     * the multiboot entry state: flat 32-bit protected mode, CPL 0, EAX = 0x2BADB002, EBX = a
     * zeroed multiboot info block at 0x9000, EIP = entry. Exceptions are not exits.
     */
    public static void load(byte[] elf, Ram ram, X86Cpu cpu) {
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(0) != 0x464C457F || elf[4] != 1) {
            throw new IllegalArgumentException("not a 32-bit ELF");
        }
        int entry = b.getInt(0x18);
        int phoff = b.getInt(0x1C);
        int phentsize = b.getShort(0x2A) & 0xFFFF;
        int phnum = b.getShort(0x2C) & 0xFFFF;
        for (int i = 0; i < phnum; i++) {
            int ph = phoff + i * phentsize;
            if (b.getInt(ph) != 1) {
                continue;
            }
            int off = b.getInt(ph + 4);
            int paddr = b.getInt(ph + 12);
            int filesz = b.getInt(ph + 16);
            int memsz = b.getInt(ph + 20);
            ram.load(paddr & 0xFFFFFFFFL, elf, off, filesz);
            for (int k = filesz; k < memsz; k++) {
                ram.write8((paddr & 0xFFFFFFFFL) + k, 0);
            }
        }
        CpuTestSupport.enterFlat32(cpu, 0);
        for (int v = 0; v < 32; v++) {
            cpu.setExceptionExit(v, false);
        }
        for (int k = 0; k < 0x80; k += 4) {
            ram.write32(0x9000 + k, 0);
        }
        cpu.setGpr(X86Cpu.EAX, 0x2BADB002);
        cpu.setGpr(X86Cpu.EBX, 0x9000);
        cpu.setEip(entry);
    }
}
