package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.x86.cpu.testkit.TestMachine.KCODE;
import static org.oxen.x86.cpu.testkit.TestMachine.TSS2;

import org.junit.jupiter.api.Test;
import org.oxen.x86.cpu.testkit.TestMachine;

/**
 * Virtual-8086 mode (SDM vol. 3 ch. 20; Bochs' stack_return_to_v86, init_v8086_mode and
 * interrupt delivery from V86): entered by IRET from CPL 0 and by a task switch, IOPL-sensitive
 * instructions #GP to the monitor, interrupts from V86 push the data segments on the ring-0
 * stack. BochsDiffTest.v86Monitor (org.oxen.x86.machine) runs a whole monitor against Bochs.
 */
class V86Test {

    static final int VM = 0x20000, V86_CODE = 0x40000;
    final TestMachine m = new TestMachine().protectedMode();

    /** Kernel code that IRETs into V86 at 4000:0000 with EFLAGS {@code flags}, SS:SP 3000:0100, DS=ES=2000, FS=GS=0. */
    private void iretToV86(int flags, String v86Code) {
        m.code(V86_CODE, ".code16\n" + v86Code);
        m.code(KCODE, "push 0\n push 0\n push 0x2000\n push 0x2000\n push 0x3000\n push 0x100\n push " + flags
                + "\n push 0x4000\n push 0\n iretd");
        m.cpu.setEip(KCODE);
    }

    @Test
    void iretEntersV86AndCliTrapsAtIopl0() {
        m.ram.write16(0x20000, 0x1234);
        iretToV86(VM | 2, "mov ax, [0]\n mov bx, ss\n push bx\n cli");
        m.cpu.setExceptionExit(13, true);
        assertEquals(RunResult.EXIT, m.run(100));
        assertEquals(13, m.cpu.lastExit().vector());
        assertEquals(0, m.cpu.lastExit().errorCode());
        assertEquals(0x1234, m.reg(X86Cpu.EAX) & 0xFFFF, "DS=2000 reads linear 0x20000");
        assertEquals(0x3000, m.ram.read16(0x300FE), "PUSH at SS:SP-2 = 3000:00FE");
        assertEquals(0xFE, m.reg(X86Cpu.ESP), "ESP loaded whole from the IRET frame, then the push");
        SegmentState cs = m.cpu.segment(X86Cpu.CS);
        assertEquals(0x4000, cs.selector);
        assertEquals(V86_CODE, cs.base);
        assertEquals(0xFFFF, cs.limit);
        assertEquals(3, m.cpu.cpl());
        assertTrue((m.cpu.eflags() & VM) != 0);
        assertEquals(0x2000 << 4, m.cpu.segment(X86Cpu.ES).base);
        assertEquals(0, m.cpu.segment(X86Cpu.GS).base);
    }

    @Test
    void anInterruptFromV86PushesTheDataSegmentsAndNullsThem() {
        m.idt(0x30, 0x08, KCODE + 0x200, 0xE, 3);
        m.code(KCODE + 0x200, "hlt");
        iretToV86(VM | 0x3000 | 2, "int 0x30");
        assertEquals(RunResult.HALTED, m.run(100));
        int f = 0x9000 - 36; // the TSS's ESP0: EIP CS EFLAGS ESP SS ES DS FS GS
        assertEquals(2, m.ram.read32(f), "EIP after INT 0x30");
        assertEquals(0x4000, m.ram.read32(f + 4));
        assertEquals(VM | 0x3000 | 2, m.ram.read32(f + 8) & ~0xD5);
        assertEquals(0x100, m.ram.read32(f + 12));
        assertEquals(0x3000, m.ram.read32(f + 16));
        assertEquals(0x2000, m.ram.read32(f + 20), "ES");
        assertEquals(0x2000, m.ram.read32(f + 24), "DS");
        assertEquals(0, m.ram.read32(f + 28));
        assertEquals(0, m.ram.read32(f + 32));
        assertEquals(f, m.reg(X86Cpu.ESP));
        assertEquals(0, m.cpu.cpl());
        assertEquals(0, m.cpu.eflags() & VM);
        for (int s : new int[] {X86Cpu.DS, X86Cpu.ES, X86Cpu.FS, X86Cpu.GS}) {
            assertEquals(0, m.cpu.segment(s).selector, "segment " + s);
            assertTrue((m.cpu.segment(s).attributes & SegmentState.UNUSABLE) != 0, "segment " + s + " null");
        }
    }

    @Test
    void softwareInterruptsAndPushfTrapAtIoplBelow3() {
        iretToV86(VM | 0x1000 | 2, "pushf");
        m.cpu.setExceptionExit(13, true);
        assertEquals(RunResult.EXIT, m.run(100));
        assertEquals(13, m.cpu.lastExit().vector());
        assertEquals(0, m.cpu.lastExit().eip() & 0xFFFF, "at the PUSHF");
    }

    @Test
    void aGateToAnotherThanRing0CodeFromV86IsGeneralProtection() {
        m.idt(0x31, 0x18 | 3, KCODE + 0x200, 0xE, 3); // DPL-3 code segment
        iretToV86(VM | 0x3000 | 2, "int 0x31");
        m.cpu.setExceptionExit(13, true);
        assertEquals(RunResult.EXIT, m.run(100));
        assertEquals(13, m.cpu.lastExit().vector());
        assertEquals(0x18, m.cpu.lastExit().errorCode(), "#GP(the handler's code selector)");
    }

    @Test
    void aTaskSwitchToATaskWithVmStartsItInV86() {
        m.ram.write32(TSS2 + 0x20, 0x10);          // EIP
        m.ram.write32(TSS2 + 0x24, VM | 2);        // EFLAGS
        m.ram.write32(TSS2 + 0x38, 0x200);         // ESP
        int[] segs = {0x2000, 0x4000, 0x3000, 0x2100, 0x2200, 0x2300}; // ES CS SS DS FS GS
        for (int s = 0; s < 6; s++) m.ram.write32(TSS2 + 0x48 + 4 * s, segs[s]);
        m.code(V86_CODE + 0x10, ".code16\n mov ax, 0x5a5a\n cli");
        m.code(KCODE, "jmp 0x38:0");
        m.cpu.setEip(KCODE);
        m.cpu.setExceptionExit(13, true);
        assertEquals(RunResult.EXIT, m.run(100));
        assertEquals(13, m.cpu.lastExit().vector(), "CLI at IOPL 0 in the V86 task");
        assertEquals(0x5A5A, m.reg(X86Cpu.EAX) & 0xFFFF);
        assertEquals(3, m.cpu.cpl());
        assertEquals(0x38, m.cpu.tr().selector);
        for (int s = 0; s < 6; s++) {
            assertEquals(segs[s], m.cpu.segment(s).selector);
            assertEquals(segs[s] << 4, m.cpu.segment(s).base);
        }
    }

    @Test
    void cr4VmeIsNotThere() {
        m.code(KCODE, "mov eax, 1\n mov cr4, eax");
        m.cpu.setEip(KCODE);
        m.cpu.setExceptionExit(13, true);
        assertEquals(RunResult.EXIT, m.run(100));
        assertEquals(13, m.cpu.lastExit().vector(), "CPUID announces no VME: CR4.VME is reserved");
    }
}
