package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.x86.cpu.testkit.TestMachine.KCODE;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.oxen.x86.cpu.TranslatorTest.Mode;
import org.oxen.x86.cpu.testkit.Asm;
import org.oxen.x86.cpu.testkit.TestMachine;

/**
 * DIV r/m32, which translated code divides inline (and hands to the record executor when it
 * raises #DE): a loop divides 64 table entries by a register and by the same divisor in memory,
 * with dividends over 32 bits, zero divisors and quotients that overflow among them; the #DE
 * handler counts, replaces the divisor by 0xFFFFFFFF and returns to the DIV, which runs again.
 * The sums of quotients and remainders and the #DE count are the ones computed here, on the
 * interpreter and translated.
 */
class TranslatorDivideTest {

    private static final int TABLE = 0x30000, COUNT = 0x31000, N = 64;

    private static final String SRC = "mov esi, " + TABLE + "\n mov ecx, " + N + "\n xor edi, edi\n xor ebp, ebp\n"
            + "top: mov eax, [esi]\n mov edx, [esi + 4]\n mov ebx, [esi + 8]\n div ebx\n add edi, eax\n add ebp, edx\n"
            + " mov eax, [esi]\n mov edx, [esi + 4]\n div dword ptr [esi + 8]\n add edi, eax\n add ebp, edx\n"
            + " add esi, 12\n dec ecx\n jnz top\n hlt\n"
            + "de: inc dword ptr [" + COUNT + "]\n mov dword ptr [esi + 8], 0xFFFFFFFF\n mov ebx, 0xFFFFFFFF\n iret\n";

    @Test
    void divisionsAndTheirDivideErrorsGiveTheComputedSumsOnBothTiers() {
        Random rnd = new Random(16);
        int[][] table = new int[N][3];
        for (int i = 0; i < N; i++) {
            int d = i % 8 == 3 ? 0 : rnd.nextInt() | 1;
            int hi = i % 8 == 5 ? d : Integer.remainderUnsigned(rnd.nextInt(), d == 0 ? 1 : d);
            if (hi == -1) hi = 0; // the handler's divisor must not fault again
            table[i] = new int[] {rnd.nextInt(), hi, d};
        }
        // the expected sums: each DIV, after the handler's replacement when it faults
        int quotients = 0, remainders = 0, faults = 0;
        for (int[] e : table) {
            long n = (long) e[1] << 32 | (e[0] & 0xFFFFFFFFL);
            long d = e[2] & 0xFFFFFFFFL;
            if (d == 0 || (e[1] & 0xFFFFFFFFL) >= d) {
                faults++;
                d = 0xFFFFFFFFL;
            }
            for (int form = 0; form < 2; form++) {
                quotients += (int) Long.divideUnsigned(n, d);
                remainders += (int) Long.remainderUnsigned(n, d);
            }
        }
        assertTrue(faults >= N / 8 * 2, "zero divisors and overflowing quotients in the table");
        int[][] out = new int[2][];
        for (Mode mode : Mode.values()) {
            TestMachine t = TranslatorTest.machine(mode);
            t.code(KCODE, SRC);
            t.idt(0, 0x08, KCODE + Asm.asm(KCODE, SRC.substring(0, SRC.indexOf("de:"))).length, 0xE, 0);
            for (int i = 0; i < N; i++) {
                for (int w = 0; w < 3; w++) t.ram.write32(TABLE + 12 * i + 4 * w, table[i][w]);
            }
            t.cpu.setEip(KCODE);
            assertEquals(RunResult.HALTED, t.run(100_000));
            out[mode.ordinal()] = new int[] {t.reg(X86Cpu.EDI), t.reg(X86Cpu.EBP), t.ram.read32(COUNT),
                (int) t.cpu.instructionCount()};
            assertEquals(quotients, t.reg(X86Cpu.EDI), mode + ": sum of quotients");
            assertEquals(remainders, t.reg(X86Cpu.EBP), mode + ": sum of remainders");
            assertEquals(faults, t.ram.read32(COUNT), mode + ": #DE count");
            if (mode == Mode.TRANSLATOR) assertTrue(TranslatorTest.stats(t)[0] > 0, "regions compiled");
        }
        assertArrayEquals(out[0], out[1], "translated differs from the interpreter");
    }
}
