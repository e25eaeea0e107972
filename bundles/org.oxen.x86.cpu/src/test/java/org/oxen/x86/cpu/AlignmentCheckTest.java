package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.oxen.x86.cpu.testkit.TestMachine.KCODE;
import static org.oxen.x86.cpu.testkit.TestMachine.UCODE;

import org.junit.jupiter.api.Test;
import org.oxen.x86.cpu.testkit.TestMachine;

/**
 * #AC (vector 17, error code 0): a misaligned data access at CPL 3 with CR0.AM and EFLAGS.AC;
 * never at CPL 0, never without both bits, never for bytes.
 */
class AlignmentCheckTest {
    static final String SET_AC = "pushfd\n or dword ptr [esp], 0x40000\n popfd\n";
    final TestMachine m = new TestMachine().protectedMode();

    AlignmentCheckTest() {
        m.cpu.setCr(0, m.cpu.cr(0) | 0x40000); // AM
        m.cpu.setExceptionExit(17, true);
        m.cpu.setPrivilegedGpExit(true); // the ring-3 HLT ends the run
        m.code(KCODE, ProtectedModeTest.TO_RING3);
    }

    /** Runs {@code user} at CPL 3; the vector of the exit that ended it (13: the final HLT). */
    int user(String user) {
        m.code(UCODE, user + "\n hlt");
        m.cpu.setEip(KCODE);
        m.cpu.setGpr(X86Cpu.ESP, 0x9000);
        m.cpu.setEflags(2);
        assertEquals(RunResult.EXIT, m.run(1000));
        return m.cpu.lastExit().vector();
    }

    @Test
    void misalignedAccessesAtCpl3Fault() {
        for (String insn : new String[] {"mov eax, [0x7001]", "mov ax, [0x7003]", "mov [0x7002], eax",
                "add dword ptr [0x7006], 1", "mov esp, 0x7ffe\n push eax", "movzx eax, word ptr [0x7001]",
                "mov esi, 0x7001\n lodsd", "mov eax, 0x7006\n lock xadd [eax], ecx", "cmpxchg8b qword ptr [0x7004]"}) {
            assertEquals(17, user(SET_AC + insn), insn);
            assertEquals(0, m.cpu.lastExit().errorCode(), insn);
            assertEquals(3, m.cpu.cpl(), insn);
        }
    }

    @Test
    void faultIsAtTheInstructionWithErrorCodeZeroThroughTheIdt() {
        m.cpu.setExceptionExit(17, false);
        m.idt(17, 0x08, 0x30000, 0xE, 0);
        m.code(0x30000, "mov eax, [esp]\n mov [0x7100], eax\n mov eax, [esp+4]\n mov [0x7104], eax\n hlt");
        m.code(UCODE, SET_AC + "mov dword ptr [0x7000], 5\n mov ebx, [0x7000]\n mov eax, [0x7002]\n hlt");
        m.cpu.setEip(KCODE);
        assertEquals(RunResult.HALTED, m.run(1000));
        assertEquals(0, m.ram.read32(0x7100));
        assertEquals(UCODE + 9 + 10 + 6, m.ram.read32(0x7104)); // at the misaligned load
        assertEquals(5, m.reg(X86Cpu.EBX)); // the aligned accesses before it ran
    }

    @Test
    void noFaultWhenAlignedByteCpl0OrABitMissing() {
        for (String insn : new String[] {"mov eax, [0x7004]", "mov al, [0x7003]", "mov ax, [0x7002]", "cmpxchg8b qword ptr [0x7008]"}) {
            assertEquals(13, user(SET_AC + insn), () -> insn + " " + Integer.toHexString(m.cpu.eip()));
        }
        assertEquals(13, user("mov eax, [0x7001]")); // AC clear
        m.cpu.setCr(0, m.cpu.cr(0) & ~0x40000);
        assertEquals(13, user(SET_AC + "mov eax, [0x7001]")); // AM clear
        m.cpu.setCr(0, m.cpu.cr(0) | 0x40000);
        m.code(KCODE, SET_AC + "mov eax, [0x7001]\n mov [0x7003], eax\n hlt");
        m.cpu.loadSegment(X86Cpu.CS, 0x08);
        m.cpu.loadSegment(X86Cpu.SS, 0x10);
        m.cpu.loadSegment(X86Cpu.DS, 0x10);
        m.cpu.setGpr(X86Cpu.ESP, 0x9000);
        m.cpu.setEip(KCODE);
        assertEquals(RunResult.HALTED, m.run(100)); // CPL 0
    }

    @Test
    void decodedCodeIsCheckedOnceAcTurnsOn() {
        // the loop first runs from the decoded-instruction cache with AC clear, then sets AC
        assertEquals(17, user("mov ecx, 50\n l: mov eax, [0x7001]\n loop l\n" + SET_AC + "mov ecx, 50\n l2: mov eax, [0x7001]\n loop l2"));
        assertEquals(50, m.reg(X86Cpu.ECX));
        assertEquals(13, user(SET_AC + "pushfd\n and dword ptr [esp], ~0x40000\n popfd\n mov eax, [0x7001]")); // off again
    }
}
