package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.oxen.x86.cpu.testkit.TestMachine.GDT;
import static org.oxen.x86.cpu.testkit.TestMachine.KCODE;
import static org.oxen.x86.cpu.testkit.TestMachine.TSS;
import static org.oxen.x86.cpu.testkit.TestMachine.TSS2;

import org.junit.jupiter.api.Test;
import org.oxen.x86.cpu.testkit.TestMachine;

/**
 * Task switches to and from a 16-bit (286) TSS: CALL/IRET with NT, JMP both ways, an exception
 * through a task gate, and the limit check. Task 1 is the machine's 32-bit TSS (0x28); 0x38 is
 * made a 16-bit TSS at TSS2 running 16-bit code (CS 0x40) on a 16-bit stack (SS 0x50).
 */
class TaskSwitch16Test {
    static final int CODE16 = 0x5000;
    final TestMachine m = new TestMachine().protectedMode();

    TaskSwitch16Test() {
        m.seg(0x38, TSS2, 0x2B, 0x81, 0); // available 16-bit TSS
        m.seg(0x50, 0, 0xFFFF, 0x92, 0); // 16-bit data (SS of task 2)
        m.ram.write16(TSS2 + 0x0E, CODE16); // IP
        m.ram.write16(TSS2 + 0x10, 0x0002); // FLAGS
        m.ram.write16(TSS2 + 0x12, 0x1111); // AX
        m.ram.write16(TSS2 + 0x14, 0x3333); // CX
        m.ram.write16(TSS2 + 0x1A, 0x6000); // SP
        m.ram.write16(TSS2 + 0x22, 0x10); // ES
        m.ram.write16(TSS2 + 0x24, 0x40); // CS
        m.ram.write16(TSS2 + 0x26, 0x50); // SS
        m.ram.write16(TSS2 + 0x28, 0x10); // DS
        m.ram.write16(TSS2 + 0x2A, 0); // LDT
    }

    int type(int sel) {
        return (m.ram.read32(GDT + sel + 4) >>> 8) & 0xFF;
    }

    @Test
    void callToA16BitTssAndIretBack() {
        m.code(CODE16, ".code16\n mov [0x7000], eax\n mov [0x7004], esp\n str ax\n mov [0x7008], ax\n"
                + "pushf\n pop ax\n mov [0x700c], ax\n mov ax, fs\n mov [0x7010], ax\n mov eax, cs\n mov [0x7014], ax\n"
                + "mov bx, 0x2222\n iret\n jmp .");
        m.code(KCODE, "mov eax, 0x5555\n mov ebx, 0x6666\n mov cx, 0x10\n mov fs, cx\n mov ecx, 0x77777777\n"
                + "lcall 0x38, 0\n mov [0x7020], eax\n mov [0x7024], ebx\n mov [0x7028], ecx\n str ax\n mov [0x702c], eax\n"
                + "mov ax, fs\n mov [0x7030], eax\n hlt");
        m.cpu.setEip(KCODE);
        assertEquals(RunResult.HALTED, m.run(1000));
        // in task 2: upper register words 0xFFFF, TR 0x38, NT set, FS null, CS 0x40
        assertEquals(0xFFFF1111, m.ram.read32(0x7000));
        assertEquals(0xFFFF6000, m.ram.read32(0x7004));
        assertEquals(0x38, m.ram.read16(0x7008));
        assertEquals(0x4002, m.ram.read16(0x700c));
        assertEquals(0, m.ram.read16(0x7010));
        assertEquals(0x40, m.ram.read16(0x7014));
        assertEquals(0x28, m.ram.read16(TSS2)); // back link
        // back in task 1: its 32-bit state reloaded in full
        assertEquals(0x5555, m.ram.read32(0x7020));
        assertEquals(0x6666, m.ram.read32(0x7024));
        assertEquals(0x77777777, m.ram.read32(0x7028));
        assertEquals(0x28, m.ram.read32(0x702c) & 0xFFFF);
        assertEquals(0x10, m.ram.read32(0x7030) & 0xFFFF);
        // task 2 saved at its IRET: IP after the IRET, FLAGS without NT, BX, CX, SS
        int iretEnd = CODE16 + 0x23;
        assertEquals(0xCF, m.ram.read8(iretEnd - 1)); // (layout check of the 16-bit code)
        assertEquals(iretEnd, m.ram.read16(TSS2 + 0x0E));
        assertEquals(0x0002, m.ram.read16(TSS2 + 0x10));
        assertEquals(0x2222, m.ram.read16(TSS2 + 0x18));
        assertEquals(0x3333, m.ram.read16(TSS2 + 0x14));
        assertEquals(0x6000, m.ram.read16(TSS2 + 0x1A));
        assertEquals(0x50, m.ram.read16(TSS2 + 0x26));
        assertEquals(0x81, type(0x38)); // not busy after the IRET
        assertEquals(0x8B, type(0x28));
        assertEquals(0x8, m.cpu.cr(0) & 8); // TS
    }

    @Test
    void jmpToA16BitTssAndJmpBackTo32() {
        m.code(CODE16, ".code16\n mov [0x7000], eax\n str ax\n mov [0x7004], ax\n mov dx, 0x4444\n ljmp 0x28, 0\n jmp .");
        m.code(KCODE, "mov eax, 0x5555\n ljmp 0x38, 0\n mov [0x7008], eax\n mov [0x700c], edx\n str ax\n mov [0x7010], eax\n"
                + "pushfd\n pop eax\n mov [0x7014], eax\n hlt");
        m.cpu.setEip(KCODE);
        assertEquals(RunResult.HALTED, m.run(1000));
        assertEquals(0xFFFF1111, m.ram.read32(0x7000));
        assertEquals(0x38, m.ram.read16(0x7004));
        assertEquals(0, m.ram.read16(TSS2)); // JMP writes no back link
        assertEquals(0x5555, m.ram.read32(0x7008));
        assertEquals(0, m.ram.read32(0x700c)); // task 1's EDX from its TSS
        assertEquals(0x28, m.ram.read32(0x7010) & 0xFFFF);
        assertEquals(0, m.ram.read32(0x7014) & 0x4000); // no NT
        assertEquals(0x4444, m.ram.read16(TSS2 + 0x16)); // DX saved by the JMP out of task 2
        assertEquals(CODE16 + 0x12, m.ram.read16(TSS2 + 0x0E)); // IP after its JMP
        assertEquals(0x81, type(0x38));
        assertEquals(0x8B, type(0x28));
        assertEquals(KCODE + 12, m.ram.read32(TSS + 0x20)); // task 1's EIP after its JMP (32-bit save)
    }

    @Test
    void exceptionThroughATaskGateToA16BitTssPushesA16BitErrorCode() {
        m.gate(TestMachine.IDT + 13 * 8, 0x38, 0, 0x5, 0, 0);
        m.code(CODE16, ".code16\n mov [0x7000], sp\n pop ax\n mov [0x7004], ax\n hlt");
        m.code(KCODE, "mov ebx, 0x1234\n mov ax, 0x3b\n mov ds, ax\n");
        m.cpu.setEip(KCODE);
        assertEquals(RunResult.HALTED, m.run(1000));
        assertEquals(0x5FFE, m.ram.read16(0x7000)); // one word pushed
        assertEquals(0x38, m.ram.read16(0x7004)); // #GP(0x38): a TSS is no data segment
        assertEquals(KCODE + 9, m.ram.read32(TSS + 0x20)); // the faulting instruction
        assertEquals(0x1234, m.ram.read32(TSS + 0x34));
        assertEquals(0x28, m.ram.read16(TSS2));
        assertEquals(0x83, type(0x38)); // busy
    }

    @Test
    void a16BitTssBelowLimit2BIsTs() {
        m.seg(0x38, TSS2, 0x2A, 0x81, 0);
        m.cpu.setExceptionExit(10, true);
        m.code(KCODE, "lcall 0x38, 0\n hlt");
        m.cpu.setEip(KCODE);
        assertEquals(RunResult.EXIT, m.run(1000));
        assertEquals(10, m.cpu.lastExit().vector());
        assertEquals(0x38, m.cpu.lastExit().errorCode());
        assertEquals(KCODE, m.cpu.eip());
        assertEquals(0x81, type(0x38)); // nothing switched
    }
}
