package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.oxen.x86.api.Ram;
import org.oxen.x86.cpu.testkit.Asm;

/**
 * LOCK (SDM Vol. 2, "LOCK"): allowed only on the read-modify-write forms with a memory
 * destination; on anything else, or with a register destination, #UD before anything is done.
 */
class LockPrefixTest {
    static final int CODE = 0x1000, DATA = 0x3000;
    final Ram ram = new Ram(1 << 20);
    final X86Cpu cpu = CpuTestSupport.flat32(ram, 0);

    /** Runs "nop; .byte 0xf0; insn; hlt" with EAX=ECX=EBX=1, [DATA]=0x10; the result. */
    RunResult run(String insn) {
        byte[] code = Asm.asm(CODE, "nop\n .byte 0xf0\n " + insn + "\n hlt\n");
        ram.load(CODE, code, 0, code.length);
        ram.write32(DATA, 0x10);
        ram.write32(DATA + 4, 0);
        for (int i = 0; i < 8; i++) cpu.setGpr(i, i == 4 ? 0x80000 : 1);
        cpu.setGpr(X86Cpu.EDX, 0);
        cpu.setEip(CODE);
        return CpuTestSupport.runUntilHlt(cpu, 100);
    }

    void assertUd(String insn) {
        assertEquals(RunResult.EXIT, run(insn), insn);
        assertEquals(ExitReason.EXCEPTION, cpu.lastExit().reason(), insn);
        assertEquals(6, cpu.lastExit().vector(), insn);
        assertEquals(-1, cpu.lastExit().errorCode(), insn);
        assertEquals(CODE + 1, cpu.eip(), insn); // at the LOCK prefix
        assertEquals(0x10, ram.read32(DATA), insn); // nothing written
        assertEquals(1, cpu.gpr(X86Cpu.EAX), insn);
    }

    void assertLocked(String insn, int mem) {
        assertEquals(RunResult.HALTED, run(insn), () -> insn + ": " + cpu.lastExit());
        assertEquals(mem, ram.read32(DATA), insn);
    }

    @Test
    void readModifyWriteFormsWithMemoryDestinationRun() {
        String d = "dword ptr [" + DATA + "]";
        assertLocked("add " + d + ", eax", 0x11);
        assertLocked("add " + d + ", 0x100", 0x110);
        assertLocked("add byte ptr [" + DATA + "], 3", 0x13);
        assertLocked("adc " + d + ", eax", 0x11);
        assertLocked("and " + d + ", 0x30", 0x10);
        assertLocked("or " + d + ", eax", 0x11);
        assertLocked("sbb " + d + ", 1", 0x0F);
        assertLocked("sub " + d + ", eax", 0x0F);
        assertLocked("xor " + d + ", eax", 0x11);
        assertLocked("inc " + d, 0x11);
        assertLocked("dec word ptr [" + DATA + "]", 0x0F);
        assertLocked("not " + d, ~0x10);
        assertLocked("neg " + d, -0x10);
        assertLocked("bts " + d + ", eax", 0x12);
        assertLocked("btr " + d + ", 4", 0);
        assertLocked("btc " + d + ", 0", 0x11);
        assertLocked("xadd " + d + ", eax", 0x11);
        assertEquals(0x10, cpu.gpr(X86Cpu.EAX));
        assertLocked("xchg " + d + ", ecx", 1);
        assertLocked("cmpxchg " + d + ", ecx", 0x10); // EAX=1 differs: EAX loaded
        assertEquals(0x10, cpu.gpr(X86Cpu.EAX));
        assertLocked("cmpxchg8b qword ptr [" + DATA + "]", 0x10);
        assertEquals(0x10, cpu.gpr(X86Cpu.EAX));
    }

    @Test
    void registerDestinationIsUd() {
        assertUd("add eax, ebx");
        assertUd("add eax, 5");
        assertUd("inc eax"); // 0x40
        assertUd(".byte 0xff, 0xc0"); // inc eax in the ModR/M form
        assertUd("not eax");
        assertUd("neg eax");
        assertUd("xchg eax, ebx");
        assertUd(".byte 0x87, 0xc3"); // xchg ebx, eax in the ModR/M form
        assertUd("bts eax, ebx");
        assertUd("xadd eax, ebx");
        assertUd("cmpxchg eax, ebx");
    }

    @Test
    void memorySourceFormsAndOtherInstructionsAreUd() {
        String d = "dword ptr [" + DATA + "]";
        assertUd("add eax, " + d); // r, r/m form
        assertUd("xor eax, " + d);
        assertUd("cmp " + d + ", eax");
        assertUd("cmp " + d + ", 1");
        assertUd("test " + d + ", eax");
        assertUd("bt " + d + ", eax");
        assertUd("bt " + d + ", 1");
        assertUd("mov " + d + ", eax");
        assertUd("mov eax, " + d);
        assertUd("mul " + d);
        assertUd("push " + d);
        assertUd("nop");
        assertUd("lea eax, [" + DATA + "]");
        assertUd("movzx eax, byte ptr [" + DATA + "]");
        assertUd("mov eax, cr0");
        assertUd("fld dword ptr [" + DATA + "]");
        assertUd("add eax, 1");
        assertUd("sub al, 1");
    }
}
