package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.oxen.x86.api.DirectMemory;
import org.oxen.x86.api.PhysicalMemory;
import org.oxen.x86.api.Ram;
import org.oxen.x86.cpu.testkit.Asm;
import org.oxen.x86.cpu.testkit.TestMachine;

/** Reset state, real mode (IVT interrupts, 16-bit addressing) and the switch to protected mode. */
class RealModeTest {

    /** 1 MiB of RAM with the top 64 KiB aliased at 4 GiB - 64 KiB, like a PC's BIOS ROM. */
    static final class PcMemory implements PhysicalMemory, DirectMemory {
        final Ram ram = new Ram(1 << 20);

        long map(long a) {
            return a >= 0xFFFF0000L ? a - 0xFFFF0000L + 0xF0000 : a;
        }

        @Override public int read8(long a) { return ram.read8(map(a)); }
        @Override public int read16(long a) { return ram.read16(map(a)); }
        @Override public int read32(long a) { return ram.read32(map(a)); }
        @Override public long read64(long a) { return ram.read64(map(a)); }
        @Override public void write8(long a, int v) { ram.write8(map(a), v); }
        @Override public void write16(long a, int v) { ram.write16(map(a), v); }
        @Override public void write32(long a, int v) { ram.write32(map(a), v); }
        @Override public void write64(long a, long v) { ram.write64(map(a), v); }
        @Override public long directAddress(long p, boolean w) { return ram.directAddress(map(p), w); }
    }

    @Test
    void resetState() {
        X86Cpu cpu = X86Cpu.create(new Ram(1 << 20), CpuTestSupport.NO_IO);
        assertEquals(0xFFF0, cpu.eip());
        assertEquals(0xF000, cpu.segment(X86Cpu.CS).selector);
        assertEquals(0xFFFF0000, cpu.segment(X86Cpu.CS).base);
        assertEquals(0x60000010, cpu.cr(0));
        assertEquals(2, cpu.eflags());
        assertEquals(0x600, cpu.gpr(X86Cpu.EDX));
    }

    @Test
    void bootFromResetVectorThroughRealModeIntoProtectedMode() {
        PcMemory mem = new PcMemory();
        TestMachine io = new TestMachine();
        X86Cpu cpu = X86Cpu.create(mem, io.bus);
        // reset vector at F000:FFF0 jumps to F000:E000
        byte[] reset = Asm.asm(0xFFF0, ".code16\n ljmp 0xf000, 0xe000\n");
        mem.ram.load(0xFFFF0, reset, 0, reset.length);
        // IVT entry 0x10 -> 0000:0600 (iret after setting BX)
        mem.ram.write16(0x40, 0x0600);
        mem.ram.write16(0x42, 0x0000);
        byte[] isr = Asm.asm(0x600, ".code16\n mov bx, 0x4321\n iret\n");
        mem.ram.load(0x600, isr, 0, isr.length);
        String boot = ".code16\n start:\n"
                + "xor ax, ax\n mov ds, ax\n mov ss, ax\n mov sp, 0x7000\n"
                + "mov word ptr [0x500], 0x1234\n mov si, 0x4f0\n mov ax, [si+0x10]\n mov [0x502], ax\n"
                + "int 0x10\n mov [0x504], bx\n"
                + "mov al, 0x41\n out 0xe9, al\n"
                // 32-bit operand in real mode
                + "mov eax, 0x89abcdef\n mov [0x508], eax\n"
                // protected mode
                + "lgdt cs:[gdtr - start + 0xe000]\n mov eax, cr0\n or eax, 1\n mov cr0, eax\n"
                + ".byte 0x66, 0xea\n .long pm\n .word 0x08\n"
                + ".code32\n pm: mov ax, 0x10\n mov ds, ax\n mov ss, ax\n mov esp, 0x8000\n"
                + "mov dword ptr [0x510], 0xfeedbeef\n mov al, 0x42\n out 0xe9, al\n hlt\n"
                + ".align 8\n gdt: .quad 0\n .quad 0x00CF9A000000FFFF\n .quad 0x00CF92000000FFFF\n"
                + "gdtr: .word 23\n .long gdt\n";
        byte[] code = Asm.asm(0xFE000, boot);
        mem.ram.load(0xFE000, code, 0, code.length);
        assertEquals(RunResult.HALTED, cpu.run(1000), () -> "eip=" + Integer.toHexString(cpu.eip()));
        assertEquals(0x1234, mem.ram.read16(0x502));
        assertEquals(0x4321, mem.ram.read16(0x504));
        assertEquals(0x89abcdef, mem.ram.read32(0x508));
        assertEquals(0xfeedbeef, mem.ram.read32(0x510));
        assertEquals("AB", io.console.toString());
        assertEquals(1, cpu.cr(0) & 1);
        assertEquals(0x08, cpu.segment(X86Cpu.CS).selector);
    }
}
