package org.oxen.x86.cpu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.oxen.x86.cpu.CpuOptions;
import org.oxen.x86.cpu.RunResult;
import org.oxen.x86.cpu.X86Cpu;
import org.oxen.x86.cpu.testkit.TestMachine;

/**
 * The census of interpreted instructions on a translating CPU: a loop of 100 rounds whose
 * records are translated and whose REP STOSD, 16-bit ADD, LOCK INC and CPUID have no record
 * counts exactly those, 100 each, by shape; the moffs and FS-overridden loads (records) are not
 * counted; the totals count every retired instruction and those retired in regions.
 */
class InstructionCensusTest {

    @Test
    void countsTheInstructionsWithoutRecordsByShape() {
        TestMachine t = new TestMachine(CpuOptions.DEFAULT.translateAtOnce()).protectedMode();
        InstructionCensus census = new InstructionCensus();
        ((Cached) t.cpu).useCensus(census);
        t.code(TestMachine.KCODE, "mov ebp, 100\n"
                + "top: mov edi, 0x30000\n mov ecx, 4\n xor eax, eax\n rep stosd\n add ax, bx\n"
                + " lock inc dword ptr [0x30010]\n mov eax, [0x30010]\n mov edx, fs:[0x30014]\n"
                + " mov eax, 1\n cpuid\n add esi, eax\n sub esi, edx\n dec ebp\n jnz top\n hlt");
        t.cpu.setEip(TestMachine.KCODE);
        assertEquals(RunResult.HALTED, t.run(1_000_000));
        Map<String, Long> shapes = new HashMap<>();
        for (InstructionCensus.Shape s : census.top(20)) shapes.put(s.name(), s.count());
        // the first instruction, before any fetch window, runs from its record too (CrossPageEntryTest)
        Map<String, Long> expect = Map.of("f3 ab stos", 100L, "66 01 add reg", 100L, "f0 ff inc /0 mem", 100L,
                "0f a2 cpuid", 100L, "f4 hlt", 1L);
        assertEquals(expect, shapes, census.report(20));
        assertEquals(401, census.interpretedTotal());
        assertEquals(t.cpu.instructionCount(), census.retired, "every retired instruction went through execBlock");
        // the region at top: MOV, MOV, XOR up to REP STOSD, in every round but the first
        assertTrue(census.inRegions >= 3 * 98, "in regions: " + census.report(5));
        assertEquals(1 + 100 * 14 + 1, census.retired);
    }

    /**
     * With the native tier: a loop of plain ALU records runs in a native region, one run while ES
     * has a base other than 0 (segments not flat for native code) in a JVM region; the census splits the
     * instructions so, says why the second is not native, and counts the first's return at its
     * loop's end.
     */
    @Test
    void splitsNativeFromJvmRegionsAndSaysWhyARegionIsNotNative() {
        org.junit.jupiter.api.Assumptions.assumeTrue(org.oxen.x86.cpu.internal.x64.NativeTier.available(), "no native tier here");
        TestMachine t = new TestMachine(CpuOptions.DEFAULT.translateAtOnce()).protectedMode();
        InstructionCensus census = new InstructionCensus();
        ((Cached) t.cpu).useCensus(census);
        t.seg(0x50, 0x1000, 0xFFFFF, 0x92, 0xC); // a data segment based at 4 KiB
        // an indirect jump between the loops: each its own region
        t.code(TestMachine.KCODE, "mov ecx, 1000\n a: add eax, ecx\n xor eax, 0x55\n dec ecx\n jnz a\n lea esi, [second]\n jmp esi\n"
                + "second: mov ax, 0x50\n mov es, ax\n mov ecx, 1000\n b: imul edx, ecx\n setz bl\n dec ecx\n jnz b\n hlt");
        t.cpu.setEip(TestMachine.KCODE);
        assertEquals(RunResult.HALTED, t.run(1_000_000));
        String report = census.report(5);
        assertTrue(census.inNative >= 3900, "loop a natively: " + report);
        assertTrue(census.jvmRetiredBy[InstructionCensus.JR_NOT_FLAT] >= 3900, "loop b on the JVM tier: " + report);
        assertEquals(census.inRegions, census.inNative + java.util.Arrays.stream(census.jvmRetiredBy).sum(), report);
        assertTrue(census.nativeExits[InstructionCensus.NX_END] >= 1, "loop a's region ended at its exit: " + report);
    }
}
