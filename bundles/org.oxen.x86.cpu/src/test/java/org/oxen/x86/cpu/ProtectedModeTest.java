package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.x86.cpu.testkit.TestMachine.KCODE;
import static org.oxen.x86.cpu.testkit.TestMachine.UCODE;

import org.junit.jupiter.api.Test;
import org.oxen.x86.cpu.testkit.TestMachine;

/** Ring transitions, gates, task switch, faults with error codes. */
class ProtectedModeTest {
    final TestMachine m = new TestMachine().protectedMode();

    /** Same, leaving DS/ES (DPL 0) for the IRET to null. */
    static final String TO_RING3_KEEP_DS = "push 0x23\n push 0x8000\n pushfd\n push 0x1b\n push " + UCODE + "\n iretd\n";

    /** Kernel code that drops to ring 3 at UCODE with ESP 0x8000. */
    static final String TO_RING3 = "mov ax, 0x23\n mov ds, ax\n mov es, ax\n" + TO_RING3_KEEP_DS;

    /** A handler at {@code addr} storing 5 dwords from its stack at 0x7000.. and its ESP at 0x7020, then HLT. */
    void frameRecorder(int addr) {
        m.code(addr, "mov eax, [esp]\n mov [0x7000], eax\n mov eax, [esp+4]\n mov [0x7004], eax\n"
                + "mov eax, [esp+8]\n mov [0x7008], eax\n mov eax, [esp+12]\n mov [0x700c], eax\n"
                + "mov eax, [esp+16]\n mov [0x7010], eax\n mov [0x7020], esp\n mov ax, ss\n mov [0x7024], eax\n"
                + "mov eax, cr2\n mov [0x7028], eax\n hlt");
    }

    @Test
    void ring3SoftwareInterruptSwitchesStack() {
        m.idt(0x80, 0x08, 0x30000, 0xF, 3);
        frameRecorder(0x30000);
        m.code(KCODE, TO_RING3);
        m.code(UCODE, "mov eax, 7\n int 0x80\n");
        m.cpu.setEip(KCODE);
        assertEquals(RunResult.HALTED, m.run(1000));
        assertEquals(UCODE + 7, m.ram.read32(0x7000)); // return EIP
        assertEquals(0x1b, m.ram.read32(0x7004));
        assertEquals(0x8000, m.ram.read32(0x700c));
        assertEquals(0x23, m.ram.read32(0x7010));
        assertEquals(0x9000 - 20, m.ram.read32(0x7020));
        assertEquals(0x10, m.ram.read32(0x7024) & 0xFFFF);
        assertEquals(0, m.cpu.cpl());
    }

    @Test
    void softwareInterruptThroughDpl0GateFromRing3IsGp() {
        m.idt(0x81, 0x08, 0x30000, 0xE, 0);
        m.idt(13, 0x08, 0x31000, 0xE, 0);
        frameRecorder(0x31000);
        m.code(KCODE, TO_RING3);
        m.code(UCODE, "int 0x81\n");
        m.cpu.setEip(KCODE);
        assertEquals(RunResult.HALTED, m.run(1000));
        assertEquals(0x81 * 8 + 2, m.ram.read32(0x7000)); // error code: IDT, vector 0x81
        assertEquals(UCODE, m.ram.read32(0x7004)); // fault: EIP of the INT
    }

    @Test
    void callGateToRing0CopiesParametersAndRetfReturns() {
        m.gate(TestMachine.GDT + 0x30, 0x08, 0x30000, 0xC, 3, 2);
        // ring-0 handler: record params and CS, then return to ring 3 popping the 2 params
        m.code(0x30000, "mov eax, [esp+8]\n mov [0x7000], eax\n mov eax, [esp+12]\n mov [0x7004], eax\n"
                + "mov eax, [esp+4]\n mov [0x7008], eax\n mov ax, cs\n mov [0x700c], eax\n mov [0x7010], esp\n retf 8");
        m.idt(0x80, 0x08, 0x31000, 0xF, 3);
        m.code(0x31000, "mov [0x7014], ebx\n mov eax, [esp+4]\n mov [0x7018], eax\n hlt");
        m.code(KCODE, TO_RING3);
        m.code(UCODE, "push 0x11111111\n push 0x22222222\n .byte 0x9a\n .long 0\n .word 0x33\n"
                + "mov ebx, esp\n int 0x80");
        m.cpu.setEip(KCODE);
        assertEquals(RunResult.HALTED, m.run(1000));
        assertEquals(0x22222222, m.ram.read32(0x7000));
        assertEquals(0x11111111, m.ram.read32(0x7004));
        assertEquals(0x1b, m.ram.read32(0x7008));
        assertEquals(0x08, m.ram.read32(0x700c) & 0xFFFF);
        assertEquals(0x9000 - 24, m.ram.read32(0x7010));
        assertEquals(0x8000, m.ram.read32(0x7014)); // both params popped by retf 8
        assertEquals(0x1b, m.ram.read32(0x7018));
    }

    @Test
    void privilegedInstructionsAndSegmentChecksFaultInRing3() {
        m.idt(13, 0x08, 0x31000, 0xE, 0);
        frameRecorder(0x31000);
        for (String insn : new String[] {"cli", "mov eax, cr0", "hlt", "in al, 0x80", "lgdt [0]"}) {
            m.code(KCODE, TO_RING3);
            m.code(UCODE, insn + "\n");
            m.cpu.setEip(KCODE);
            m.cpu.setGpr(X86Cpu.ESP, 0x9000);
            assertEquals(RunResult.HALTED, m.run(1000), insn);
            assertEquals(0, m.ram.read32(0x7000), insn);
            assertEquals(UCODE, m.ram.read32(0x7004), insn);
            m.cpu.setHalted(false);
        }
        m.code(KCODE, TO_RING3);
        m.code(UCODE, "mov ax, 0x10\n mov ds, ax\n");
        m.cpu.setEip(KCODE);
        m.cpu.setGpr(X86Cpu.ESP, 0x9000);
        assertEquals(RunResult.HALTED, m.run(1000));
        assertEquals(0x10, m.ram.read32(0x7000));
    }

    @Test
    void conformingCodeKeepsCpl() {
        m.code(0x30000, "mov ax, cs\n mov [0x7000], eax\n retf");
        m.idt(0x80, 0x08, 0x31000, 0xF, 3);
        m.code(0x31000, "hlt");
        m.code(KCODE, TO_RING3);
        m.code(UCODE, ".byte 0x9a\n .long 0x30000\n .word 0x48\n int 0x80");
        m.cpu.setEip(KCODE);
        assertEquals(RunResult.HALTED, m.run(1000));
        assertEquals(0x4b, m.ram.read32(0x7000) & 0xFFFF);
    }

    @Test
    void doubleFaultThroughTaskGate() {
        // #GP's gate is not present -> #NP while delivering #GP -> #DF -> task gate to TSS2
        m.ram.write32(TestMachine.IDT + 13 * 8 + 4, 0x0000_0E00);
        m.gate(TestMachine.IDT + 8 * 8, 0x38, 0, 0x5, 0, 0);
        m.ram.write32(TestMachine.TSS2 + 0x20, 0x32000); // EIP
        m.ram.write32(TestMachine.TSS2 + 0x38, 0x6000); // ESP
        m.ram.write32(TestMachine.TSS2 + 0x24, 2);
        m.ram.write16(TestMachine.TSS2 + 0x4C, 0x08); // CS
        for (int s : new int[] {0x48, 0x50, 0x54, 0x58, 0x5C}) m.ram.write16(TestMachine.TSS2 + s, 0x10);
        m.code(0x32000, "pop eax\n mov [0x7000], eax\n str ax\n mov [0x7004], eax\n pushfd\n pop eax\n mov [0x7008], eax\n hlt");
        m.code(KCODE, "mov ebx, 0x1234\n mov ax, 0x3b\n mov ds, ax\n");
        m.cpu.setEip(KCODE);
        assertEquals(RunResult.HALTED, m.run(1000));
        assertEquals(0, m.ram.read32(0x7000)); // #DF error code
        assertEquals(0x38, m.ram.read32(0x7004) & 0xFFFF);
        assertTrue((m.ram.read32(0x7008) & 0x4000) != 0, "NT set");
        assertEquals(0x28, m.ram.read16(TestMachine.TSS2)); // back link
        assertEquals(0x1234, m.ram.read32(TestMachine.TSS + 0x34)); // outgoing EBX saved
        assertEquals(KCODE + 9, m.ram.read32(TestMachine.TSS + 0x20)); // outgoing EIP = faulting insn
    }

    @Test
    void tripleFaultShutsDown() {
        m.cpu.setIdt(TestMachine.IDT, 0);
        m.code(KCODE, "mov ax, 0x3b\n mov ds, ax\n");
        m.cpu.setEip(KCODE);
        assertEquals(RunResult.SHUTDOWN, m.run(1000));
    }

    @Test
    void iretToRing3NullsInaccessibleDataSegments() {
        m.idt(0x80, 0x08, 0x31000, 0xF, 3);
        m.code(0x31000, "hlt");
        m.code(KCODE, TO_RING3_KEEP_DS);
        m.code(UCODE, "mov ax, ds\n mov bx, ax\n int 0x80");
        m.cpu.setEip(KCODE);
        assertEquals(RunResult.HALTED, m.run(1000));
        assertEquals(0, m.cpu.gpr(X86Cpu.EBX) & 0xFFFF); // DS (DPL 0) was nulled by the IRET to ring 3
    }

    @Test
    void sysenterSysexit() {
        m.cpu.setMsr(0x174, 0x08);
        m.cpu.setMsr(0x175, 0x9000);
        m.cpu.setMsr(0x176, 0x30000);
        m.code(0x30000, "mov [0x7000], ecx\n mov ax, cs\n mov [0x7004], eax\n mov edx, 0x20010\n mov ecx, 0x7800\n sysexit");
        m.code(KCODE, TO_RING3);
        m.code(UCODE, "mov ecx, esp\n sysenter\n .org 0x10\n mov ax, cs\n mov [0x7008], eax\n mov [0x700c], esp\n hlt");
        m.cpu.setEip(KCODE);
        m.cpu.setExceptionExit(13, true);
        assertEquals(RunResult.EXIT, m.run(1000)); // the ring-3 HLT
        assertEquals(0x8000, m.ram.read32(0x7000));
        assertEquals(0x08, m.ram.read32(0x7004) & 0xFFFF);
        assertEquals(0x1b, m.ram.read32(0x7008) & 0xFFFF);
        assertEquals(0x7800, m.ram.read32(0x700c));
    }

    @Test
    void ioPermissionBitmap() {
        m.idt(13, 0x08, 0x31000, 0xE, 0);
        frameRecorder(0x31000);
        m.ram.write16(TestMachine.TSS + 0x66, 0x68);
        m.seg(0x28, TestMachine.TSS, 0x68 + 0x20, 0x8B, 0);
        m.cpu.setTr(new SegmentState(0x28, TestMachine.TSS, 0x68 + 0x20, 0x8B));
        for (int i = 0; i < 0x20; i++) m.ram.write8(TestMachine.TSS + 0x68 + i, 0xFF);
        m.ram.write8(TestMachine.TSS + 0x68 + 0x10, 0xFE); // port 0x80 allowed
        m.code(KCODE, TO_RING3);
        m.code(UCODE, "in al, 0x80\n mov [0x7100], eax\n in al, 0x81\n");
        m.cpu.setEip(KCODE);
        assertEquals(RunResult.HALTED, m.run(1000));
        assertEquals(0x5A, m.ram.read32(0x7100) & 0xFF);
        assertEquals(UCODE + 2 + 5, m.ram.read32(0x7004));
    }

    @Test
    void singleStepTrapAndNmi() {
        m.idt(1, 0x08, 0x30000, 0xE, 0);
        m.code(0x30000, "inc dword ptr [0x7000]\n and dword ptr [esp+8], 0xfffffeff\n iretd");
        m.code(KCODE, "pushfd\n or dword ptr [esp], 0x100\n popfd\n nop\n nop\n nop\n hlt");
        m.cpu.setEip(KCODE);
        assertEquals(RunResult.HALTED, m.run(1000));
        assertEquals(1, m.ram.read32(0x7000)); // trap after the first instruction with TF set; handler clears TF
        m.idt(2, 0x08, 0x31000, 0xE, 0);
        m.code(0x31000, "inc dword ptr [0x7004]\n iretd");
        m.code(KCODE, "nop\n hlt");
        m.cpu.setEip(KCODE);
        m.cpu.setHalted(false);
        m.cpu.nmi();
        assertEquals(RunResult.HALTED, m.run(1000));
        assertEquals(1, m.ram.read32(0x7004));
    }

    @Test
    void callToTssAndIretBackSwitchesTasks() {
        m.ram.write32(TestMachine.TSS2 + 0x20, 0x32000); // EIP
        m.ram.write32(TestMachine.TSS2 + 0x38, 0x6000); // ESP
        m.ram.write32(TestMachine.TSS2 + 0x24, 2);
        m.ram.write32(TestMachine.TSS2 + 0x28, 0x1111); // EAX of task 2
        m.ram.write16(TestMachine.TSS2 + 0x4C, 0x08);
        for (int s : new int[] {0x48, 0x50, 0x54, 0x58, 0x5C}) m.ram.write16(TestMachine.TSS2 + s, 0x10);
        // task 2: record EAX, TR and NT, change EBX, return with IRET (NT set -> back to the caller task)
        m.code(0x32000, "mov [0x7000], eax\n str ax\n mov [0x7004], eax\n pushfd\n pop eax\n mov [0x7008], eax\n"
                + "mov ebx, 0x2222\n iretd\n jmp .");
        m.code(KCODE, "mov eax, 0x5555\n mov ebx, 0x6666\n .byte 0x9a\n .long 0\n .word 0x38\n"
                + "mov [0x700c], eax\n mov [0x7010], ebx\n str ax\n mov [0x7014], eax\n hlt");
        m.cpu.setEip(KCODE);
        assertEquals(RunResult.HALTED, m.run(1000));
        assertEquals(0x1111, m.ram.read32(0x7000));
        assertEquals(0x38, m.ram.read32(0x7004) & 0xFFFF);
        assertTrue((m.ram.read32(0x7008) & 0x4000) != 0, "NT in the called task");
        assertEquals(0x5555, m.ram.read32(0x700c)); // caller's registers restored from its TSS
        assertEquals(0x6666, m.ram.read32(0x7010));
        assertEquals(0x28, m.ram.read32(0x7014) & 0xFFFF);
        assertEquals(0x2222, m.ram.read32(TestMachine.TSS2 + 0x34)); // task 2 state saved at its IRET
        assertEquals(0x89, (m.ram.read32(TestMachine.GDT + 0x38 + 4) >>> 8) & 0xFF); // TSS2 no longer busy
        assertEquals(0x8B, (m.ram.read32(TestMachine.GDT + 0x28 + 4) >>> 8) & 0xFF); // TSS1 busy again
    }
}
