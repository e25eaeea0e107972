package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oxen.x86.cpu.internal.x64.NativeTier;
import org.oxen.x86.cpu.testkit.TestMachine;

/**
 * Regions in which the flags the SDM leaves undefined after a multiply, a shift or a rotate are
 * live (before a store, at a block's end) run as native code through the dispatcher, and the
 * interpreter, the JVM tier and the native tier end with the same registers, memory and every
 * arithmetic flag: native code sets those flags as the interpreter does
 * ({@code x64.NativeUndefinedFlags}) instead of leaving such regions to the JVM tier.
 */
class NativeTierUndefinedFlagsTest {

    @BeforeEach
    void nativeCodeRuns() {
        assumeTrue(NativeTier.available(), "this host cannot run native code (Linux x86-64 with liboxenhost)");
    }

    /** Every flag of the multiplies, shifts and rotates live at the store after each; SETcc samples some into memory. */
    private static final String LOOP = "mov ecx, 3000\n mov eax, 0x12345\n mov ebx, 0x20000\n mov esi, 7\n mov edi, 0x9e3779b1\n"
            + "top: imul eax, eax, 0x6b\n mov [ebx + 0x10], eax\n shl eax, 3\n mov [ebx + 0x14], eax\n"
            + " ror eax, cl\n seto byte ptr [ebx + 0x18]\n mul edi\n sets byte ptr [ebx + 0x19]\n"
            + " rcl edx, 5\n mov [ebx + 0x1c], edx\n sar dx, 2\n setp byte ptr [ebx + 0x1a]\n"
            + " imul esi, edx\n add eax, esi\n dec ecx\n jnz top\n shr esi, 5\n hlt";

    @Test
    void regionsWithLiveUndefinedFlagsRunNativelyWithTheInterpretersFlags() {
        TranslationStatistics st = NativeTierTest.sameAsTheInterpreter(LOOP);
        assertTrue(st.nativeInstructions() > 40_000, "instructions run natively: " + st);
        TestMachine interpreter = NativeTierTest.load(CpuOptions.INTERPRETER, LOOP);
        TestMachine jvm = NativeTierTest.load(NativeTierTest.NATIVE.withNativeTier(false), LOOP);
        assertEquals(RunResult.HALTED, interpreter.run(10_000_000));
        assertEquals(RunResult.HALTED, jvm.run(10_000_000));
        assertTrue(NativeTierTest.stats(jvm).compiled() > 0, "the JVM tier translated the loop");
        assertArrayEquals(TranslatorTest.state(interpreter), TranslatorTest.state(jvm), "the JVM tier differs from the interpreter");
    }
}
