package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.oxen.x86.cpu.testkit.TestMachine.IDT;
import static org.oxen.x86.cpu.testkit.TestMachine.KCODE;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oxen.x86.cpu.testkit.TestMachine;

/**
 * Implicit stack operations on a 16-bit stack segment (B = 0) from 32-bit code: SP wraps at
 * 64 KiB, ESP's upper half is kept, limits are checked at the wrapped offsets. Expected values
 * from the SDM's pseudo-code (PUSH, POP, ENTER, LEAVE, INT) as Bochs implements it (cpu/stack32.cc,
 * stack16.cc, exception.cc).
 */
class Stack16Test {

    static final int SS16 = 0x50, STACK_BASE = 0x40000;
    final TestMachine m = new TestMachine().protectedMode();

    @BeforeEach
    void sixteenBitStack() {
        m.seg(SS16, STACK_BASE, 0xFFFF, 0x92, 0);       // data, writable, byte granular, B = 0
    }

    RunResult run(String src, int esp) {
        m.code(KCODE, "mov ax, " + SS16 + "\n mov ss, ax\n mov esp, " + esp + "\n" + src + "\n hlt");
        m.cpu.setEip(KCODE);
        return m.run(1000);
    }

    @Test
    void pushAndPopMoveSpOnlyAndKeepTheUpperHalf() {
        assertEquals(RunResult.HALTED, run("mov eax, 0x11223344\n push eax\n push ax\n pop bx\n mov ecx, esp\n pop edx", 0x12340100));
        assertEquals(0x11223344, m.ram.read32(STACK_BASE + 0xFC));
        assertEquals(0x123400FC, m.cpu.gpr(X86Cpu.ECX), "after PUSH EAX, PUSH AX, POP BX");
        assertEquals(0x3344, m.cpu.gpr(X86Cpu.EBX) & 0xFFFF);
        assertEquals(0x11223344, m.cpu.gpr(X86Cpu.EDX));
        assertEquals(0x12340100, m.cpu.gpr(X86Cpu.ESP));
    }

    @Test
    void spWrapsAtZero() {
        assertEquals(RunResult.HALTED, run("push ax", 0x77770000));
        assertEquals(0x7777FFFE, m.cpu.gpr(X86Cpu.ESP), "SP 0 - 2 wraps to 0xFFFE");
        assertEquals(m.cpu.gpr(X86Cpu.EAX) & 0xFFFF, m.ram.read16(STACK_BASE + 0xFFFE));
    }

    @Test
    void aDwordPushThatWrapsAcrossTheLimitIsStackFault() {
        m.cpu.setExceptionExit(12, true);
        assertEquals(RunResult.EXIT, run("push eax", 0x00000002));
        assertEquals(12, m.cpu.lastExit().vector(), "offset 0xFFFE + 4 bytes passes the 0xFFFF limit: #SS(0)");
        assertEquals(0, m.cpu.lastExit().errorCode());
        assertEquals(2, m.cpu.gpr(X86Cpu.ESP), "ESP unchanged by the faulting push");
    }

    @Test
    void enterWithNestingOnASixteenBitStack() {
        // outer frame pointers at SS:0x80 (0xAAAA0001) and SS:0x7C (0xBBBB0002); BP = 0x84
        m.ram.write32(STACK_BASE + 0x80, 0xAAAA0001);
        m.ram.write32(STACK_BASE + 0x7C, 0xBBBB0002);
        assertEquals(RunResult.HALTED, run("mov ebp, 0x55550084\n enter 8, 3", 0x12340200));
        // push EBP at SP 0x1FC; FrameTemp = ESP = 0x123401FC; two outer pointers read at BP-4, BP-8
        // (16-bit BP); FrameTemp pushed; SP -= 8
        assertEquals(0x55550084, m.ram.read32(STACK_BASE + 0x1FC));
        assertEquals(0xAAAA0001, m.ram.read32(STACK_BASE + 0x1F8));
        assertEquals(0xBBBB0002, m.ram.read32(STACK_BASE + 0x1F4));
        assertEquals(0x123401FC, m.ram.read32(STACK_BASE + 0x1F0));
        assertEquals(0x123401FC, m.cpu.gpr(X86Cpu.EBP), "EBP = FrameTemp, the whole ESP (32-bit operand size)");
        assertEquals(0x123401E8, m.cpu.gpr(X86Cpu.ESP));
    }

    @Test
    void enter16WithNestingUsesWords() {
        m.ram.write16(STACK_BASE + 0x82, 0x0A0A);
        assertEquals(RunResult.HALTED, run("mov ebp, 0x66660084\n .byte 0x66\n enter 4, 2", 0x00010100));
        assertEquals(0x0084, m.ram.read16(STACK_BASE + 0xFE));
        assertEquals(0x0A0A, m.ram.read16(STACK_BASE + 0xFC));
        assertEquals(0x00FE, m.ram.read16(STACK_BASE + 0xFA));
        assertEquals(0x666600FE, m.cpu.gpr(X86Cpu.EBP), "BP = FrameTemp, EBP's upper half kept");
        assertEquals(0x000100F6, m.cpu.gpr(X86Cpu.ESP));
    }

    @Test
    void leaveCopiesBpToSpOnly() {
        m.ram.write32(STACK_BASE + 0x40, 0xCAFE0010);
        assertEquals(RunResult.HALTED, run("mov ebp, 0x99990040\n leave", 0x12340100));
        assertEquals(0x12340044, m.cpu.gpr(X86Cpu.ESP), "SP = BP + 4, ESP's upper half kept");
        assertEquals(0xCAFE0010, m.cpu.gpr(X86Cpu.EBP));
    }

    @Test
    void anInterruptFrameOnASixteenBitStackWraps() {
        // INT 0x40 through a 32-bit interrupt gate at the same privilege: EFLAGS at SP 0x0004 - 4 =
        // 0, CS at 0xFFFC and EIP at 0xFFF8 (each push wraps), ESP's upper half kept
        m.idt(0x40, 0x08, KCODE + 0x100, 0xE, 0);
        m.code(KCODE + 0x100, "hlt");
        m.cpu.setExceptionExit(12, true);
        m.code(KCODE, "mov eax, 0x8D5\n push eax\n popfd\n mov ax, " + SS16 + "\n mov ss, ax\n mov esp, 0x43210004\n int 0x40");
        m.cpu.setEip(KCODE);
        assertEquals(RunResult.HALTED, m.run(1000));
        assertEquals(0x4321FFF8, m.cpu.gpr(X86Cpu.ESP));
        assertEquals(0x8D7, m.ram.read32(STACK_BASE + 0x0) & 0xFFF, "EFLAGS at the wrapped top");
        assertEquals(0x08, m.ram.read32(STACK_BASE + 0xFFFC) & 0xFFFF, "CS");
        assertEquals(KCODE + 20, m.ram.read32(STACK_BASE + 0xFFF8), "EIP after INT");
    }

    @Test
    void enterWhoseFrameLeavesTheSegmentFaultsAndLeavesEspAndEbpAsTheyWere() {
        m.seg(SS16, STACK_BASE, 0x0FFF, 0x92, 0);      // 4 KiB: SP 0x100 - 4 - 0x2000 wraps to 0xE0FC
        m.cpu.setExceptionExit(12, true);
        assertEquals(RunResult.EXIT, run("mov ebp, 0x11110080\n enter 0x2000, 0", 0x22220100));
        assertEquals(12, m.cpu.lastExit().vector(), "the final stack pointer is probed: #SS(0)");
        assertEquals(0x22220100, m.cpu.gpr(X86Cpu.ESP), "ESP as before the ENTER");
        assertEquals(0x11110080, m.cpu.gpr(X86Cpu.EBP), "EBP as before the ENTER");
    }

    @Test
    void enterReadingAFramePointerOutsideTheSegmentFaultsAndLeavesEspAsItWas() {
        m.seg(SS16, STACK_BASE, 0x0FFF, 0x92, 0);
        m.cpu.setExceptionExit(12, true);
        assertEquals(RunResult.EXIT, run("mov ebp, 0x11112004\n enter 4, 3", 0x22220100));
        assertEquals(12, m.cpu.lastExit().vector(), "the outer frame pointer at SS:0x2000 is beyond the limit");
        assertEquals(0x22220100, m.cpu.gpr(X86Cpu.ESP), "the pushed EBP is undone");
        assertEquals(0x11112004, m.cpu.gpr(X86Cpu.EBP));
    }
}
