package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.x86.cpu.testkit.TestMachine.KCODE;

import org.junit.jupiter.api.Test;
import org.oxen.x86.cpu.TranslatorTest.Mode;
import org.oxen.x86.cpu.testkit.Asm;
import org.oxen.x86.cpu.testkit.TestMachine;

/**
 * SETcc and CMOVcc as records, compiled inline by the translator (the differential tester's
 * "flags" family compares their every condition against the host): a loop through them stays
 * in one region, and a CMOV whose condition is false still reads its memory operand, so a
 * not-present page faults there on both tiers.
 */
class TranslatorConditionalTest {

    @Test
    void aRegionDoesNotEndAtSetccOrCmov() {
        String src = "mov ecx, 1000\n xor esi, esi\n xor edi, edi\n mov ebx, 5\n"
                + "top: add edx, ecx\n cmp ecx, 500\n setb al\n cmovae ebx, [0x20010]\n cmovb ebx, ecx\n"
                + " sete byte ptr [0x30000 + 4]\n movzx eax, al\n add esi, eax\n add edi, ebx\n dec ecx\n jnz top\n hlt";
        int[][] out = TranslatorMoffsTest.inOneRegion(src, t -> { });
        int v = 4 * 4 * 0x9E3779B9; // the dword at 0x20010
        assertEquals(499, out[0][X86Cpu.ESI], "SETB: ECX below 500 in 499 rounds");
        assertEquals(501 * v + 499 * 500 / 2, out[0][X86Cpu.EDI], "CMOVAE from memory, CMOVB from ECX");
        assertArrayEquals(out[0], out[1], "translated differs from the interpreter");
    }

    /**
     * CMOVNE after CMP EAX,EAX (never moves) reads a page the host made not present between two
     * runs: #PF (read, not present) at the CMOV, in the region as in the interpreter.
     */
    @Test
    void aCmovWhoseConditionIsFalseStillReadsItsOperand() {
        int buf = 0x400000, pte = 0x102000 + 4 * 2, lin = buf + 2 * 4096 + 12;
        String head = "mov ecx, 200\n xor edx, edx\n top: add edx, ecx\n cmp eax, eax\n";
        String src = head + " cmovne ebx, [" + lin + "]\n dec ecx\n jnz top\n hlt";
        int[][] out = new int[2][];
        for (Mode mode : Mode.values()) {
            TestMachine t = TranslatorTest.machine(mode);
            TranslatorMemoryTest.page(t, src);
            t.cpu.setExceptionExit(14, true);
            assertEquals(RunResult.INSTRUCTION_LIMIT, t.run(2 + 5 * 100));
            t.ram.write32(pte, 0);
            t.cpu.flushTlb();
            assertEquals(RunResult.EXIT, t.run(100_000));
            CpuExit x = t.cpu.lastExit();
            out[mode.ordinal()] = new int[] {x.vector(), x.errorCode(), x.address(), x.eip(), t.reg(X86Cpu.ECX),
                (int) t.cpu.instructionCount()};
            if (mode == Mode.TRANSLATOR) assertTrue(TranslatorTest.stats(t)[0] > 0, "regions compiled");
        }
        int cmov = KCODE + Asm.asm(KCODE, head).length;
        assertArrayEquals(new int[] {14, 0, lin, cmov, 100}, java.util.Arrays.copyOf(out[0], 5));
        assertArrayEquals(out[0], out[1], "translated differs from the interpreter");
    }
}
