package org.oxen.x86.cpu.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.PhysicalMemory;
import org.oxen.x86.api.Ram;
import org.oxen.x86.cpu.CpuTestSupport;
import org.oxen.x86.cpu.RunResult;
import org.oxen.x86.cpu.SegmentState;
import org.oxen.x86.cpu.CpuOptions;
import org.oxen.x86.cpu.X86Cpu;

/**
 * A bare machine for CPU tests: 16 MiB RAM, a recording I/O bus, and helpers that write
 * descriptor tables into memory.
 *
 * <p>Layout: GDT at 0x1000, IDT at 0x2000, TSS at 0x3000 (second TSS at 0x3100), ring-0 stack
 * top 0x9000, ring-3 stack top 0x8000, kernel code at 0x10000, user code at 0x20000. GDT:
 * 0x08 code DPL0, 0x10 data DPL0, 0x18 code DPL3, 0x20 data DPL3, 0x28 TSS, 0x30 call gate (set
 * by tests), 0x38 TSS2, 0x40 16-bit code DPL0, 0x48 conforming code DPL0.
 */
public final class TestMachine {
    public static final int GDT = 0x1000, IDT = 0x2000, TSS = 0x3000, TSS2 = 0x3100, KCODE = 0x10000,
            UCODE = 0x20000;

    public final Ram ram = new Ram(16 << 20);
    public final List<Integer> portWrites = new ArrayList<>();
    public final StringBuilder console = new StringBuilder();
    public final IoPortDevice bus = new IoPortDevice() {
        @Override
        public int read8(int port) {
            return port == 0x80 ? 0x5A : 0xFF;
        }

        @Override
        public void write8(int port, int value) {
            if (port == 0xE9) console.append((char) value);
            portWrites.add(port << 16 | (value & 0xFF));
        }
    };
    public final X86Cpu cpu;

    /** A CPU with the default options. */
    public TestMachine() {
        this(CpuOptions.DEFAULT);
    }

    public TestMachine(CpuOptions options) {
        cpu = X86Cpu.create(ram, bus, options);
    }

    /** A CPU with {@code options} on the memory {@code memory} makes of this machine's RAM (a view of it). */
    public TestMachine(CpuOptions options, Function<Ram, PhysicalMemory> memory) {
        cpu = X86Cpu.create(memory.apply(ram), bus, options);
    }

    /** Flat 32-bit protected mode at CPL 0 with the GDT/IDT/TSS above in memory; no exception exits. */
    public TestMachine protectedMode() {
        CpuTestSupport.enterFlat32(cpu, 0);
        for (int v = 0; v < 32; v++) cpu.setExceptionExit(v, false);
        seg(0x08, 0, 0xFFFFF, 0x9A, 0xC);
        seg(0x10, 0, 0xFFFFF, 0x92, 0xC);
        seg(0x18, 0, 0xFFFFF, 0xFA, 0xC);
        seg(0x20, 0, 0xFFFFF, 0xF2, 0xC);
        seg(0x28, TSS, 0x67, 0x89, 0);
        seg(0x38, TSS2, 0x67, 0x89, 0);
        seg(0x40, 0, 0xFFFF, 0x9A, 0);
        seg(0x48, 0, 0xFFFFF, 0x9E, 0xC);
        cpu.setGdt(GDT, 0x7F);
        cpu.setIdt(IDT, 0x7FF);
        cpu.loadSegment(X86Cpu.CS, 0x08);
        for (int s : new int[] {X86Cpu.DS, X86Cpu.ES, X86Cpu.SS, X86Cpu.FS, X86Cpu.GS}) cpu.loadSegment(s, 0x10);
        ram.write32(TSS + 4, 0x9000); // ESP0
        ram.write32(TSS + 8, 0x10); // SS0
        ram.write16(TSS + 0x66, 0x68); // I/O map base beyond limit: no ports for CPL>IOPL
        cpu.setTr(new SegmentState(0x28, TSS, 0x67, 0x8B));
        ram.write32(GDT + 0x28 + 4, ram.read32(GDT + 0x28 + 4) | 0x200);
        cpu.setGpr(X86Cpu.ESP, 0x9000);
        return this;
    }

    /** Writes a segment descriptor: access byte and flags nibble (G=8, D=4). */
    public void seg(int sel, int base, int limit, int access, int flags) {
        int lo = (limit & 0xFFFF) | (base & 0xFFFF) << 16;
        int hi = (base >>> 16) & 0xFF | access << 8 | (limit & 0xF0000) | flags << 20 | (base & 0xFF000000);
        ram.write32(GDT + (sel & ~7), lo);
        ram.write32(GDT + (sel & ~7) + 4, hi);
    }

    /** Writes a gate (type 0xE int, 0xF trap, 0x5 task, 0xC call) at {@code addr}. */
    public void gate(int addr, int sel, int off, int type, int dpl, int params) {
        ram.write32(addr, (off & 0xFFFF) | sel << 16);
        ram.write32(addr + 4, (off & 0xFFFF0000) | 0x8000 | dpl << 13 | type << 8 | params);
    }

    public void idt(int vec, int sel, int off, int type, int dpl) {
        gate(IDT + vec * 8, sel, off, type, dpl, 0);
    }

    public void load(int addr, byte[] code) {
        ram.load(addr, code, 0, code.length);
    }

    /**
     * Two-level paging (not yet enabled) that identity-maps the first 4 MiB with 4 KiB pages:
     * the page directory at {@code pd}, its one table at {@code pt}, every PDE and PTE with
     * {@code flags} (3: supervisor RW, 7: user RW); CR3 = {@code pd}.
     */
    public void identityMap4MiB(int pd, int pt, int flags) {
        for (int i = 0; i < 1024; i++) ram.write32(pt + 4 * i, i << 12 | flags);
        ram.write32(pd, pt | flags);
        cpu.setCr(3, pd);
    }

    /** A #PF handler at 0x30000 (ring 0) that stores its error code at 0x7000 and CR2 at 0x7004, and halts. */
    public void logPageFaults() {
        idt(14, 0x08, 0x30000, 0xE, 0);
        code(0x30000, "pop eax\n mov [0x7000], eax\n mov eax, cr2\n mov [0x7004], eax\n hlt");
    }

    /** Assembles {@code src} at {@code org} and loads it there. */
    public void code(int org, String src) {
        load(org, Asm.asm(org, src));
    }

    public RunResult run(long max) {
        return cpu.run(max);
    }

    public int reg(int r) {
        return cpu.gpr(r);
    }
}
