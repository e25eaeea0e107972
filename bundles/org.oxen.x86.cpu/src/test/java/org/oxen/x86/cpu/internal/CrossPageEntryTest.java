package org.oxen.x86.cpu.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.x86.cpu.testkit.TestMachine.KCODE;

import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.oxen.x86.cpu.CpuExit;
import org.oxen.x86.cpu.CpuOptions;
import org.oxen.x86.cpu.RunResult;
import org.oxen.x86.cpu.X86Cpu;
import org.oxen.x86.cpu.testkit.TestMachine;

/**
 * Calls, returns and jumps to another page: the first instruction there runs from its record
 * (the fetch window moves to its page before it, with the fetch's checks), or in the region
 * entered there if it has one. Before, the first instruction after every such transfer went to
 * the interpreter. Such an arrival does not count towards translating there (counted, a Linux
 * boot took 1.6x the CPU: docs/PERFORMANCE.md).
 */
class CrossPageEntryTest {

    /** A caller at KCODE whose loop calls a function one page up, which jumps back into the caller's page. */
    private static final String SRC = "mov ebp, 200\n xor edx, edx\n"
            + "top: mov eax, ebp\n call fn\n add edx, eax\n dec ebp\n jnz top\n hlt\n"
            + "back: lea eax, [eax + edx * 2]\n ret\n"
            + ".org 0x1000\n fn: lea eax, ds:[eax + 0]\n push ebx\n mov ebx, eax\n shl ebx, 3\n xor eax, ebx\n pop ebx\n jmp back";

    private static TestMachine machine(CpuOptions options) {
        TestMachine t = new TestMachine(options).protectedMode();
        t.cpu.setGpr(X86Cpu.ESP, 0x9000);
        return t;
    }

    /**
     * The loop's 200 calls, jumps back and returns each arrive on another page: nothing but HLT
     * is interpreted (the function's first LEA and the return's landing were, 400 times), and
     * the result is the interpreter's.
     */
    @Test
    void callsJumpsAndReturnsToAnotherPageRunFromRecordsAndRegions() {
        TestMachine ref = machine(CpuOptions.INTERPRETER);
        ref.code(KCODE, SRC);
        ref.cpu.setEip(KCODE);
        assertEquals(RunResult.HALTED, ref.run(100_000));

        TestMachine t = machine(CpuOptions.DEFAULT.translateAtOnce());
        InstructionCensus census = new InstructionCensus();
        ((Cached) t.cpu).useCensus(census);
        t.code(KCODE, SRC);
        t.cpu.setEip(KCODE);
        assertEquals(RunResult.HALTED, t.run(100_000));
        assertEquals(ref.reg(X86Cpu.EDX), t.reg(X86Cpu.EDX), "the loop's sum");
        assertEquals(ref.cpu.instructionCount(), t.cpu.instructionCount());
        Map<String, Long> shapes = new TreeMap<>();
        for (InstructionCensus.Shape s : census.top(10)) shapes.put(s.name(), s.count());
        assertEquals(Map.of("f4 hlt", 1L), shapes, census.report(10));
        assertTrue(census.inRegions > 0.3 * census.retired, census.report(3));
    }

    /**
     * The function's page made not present after 50 rounds (a region calls it by then): the
     * call's push is done and the fetch at the function raises #PF (not present, read, CR2 the
     * function's address) at the function, as the interpreter raises it.
     */
    @Test
    void aTransferToAPageNotPresentFaultsAtItsTarget() {
        int fn = KCODE + 0x1000;
        long[][] out = pageFaultAfter(SRC, 2 + 50 * 14, fn);
        assertArrayEquals(new long[] {14, 0, fn, fn, 150}, java.util.Arrays.copyOf(out[0], 5),
                "#PF, not present read, CR2 and EIP the function, in round 51");
        assertArrayEquals(out[0], out[1], "translated differs from the interpreter");
    }

    /**
     * Runs {@code src} at KCODE with paging on (0..4 MiB identity) for {@code before}
     * instructions, makes {@code page} not present, and runs on to the #PF; for the interpreter
     * alone and translated: the exit's vector, error code, CR2 and EIP, then EBP, EDX, ECX, ESP
     * and the retired count.
     */
    static long[][] pageFaultAfter(String src, int before, int page) {
        long[][] out = new long[2][];
        for (CpuOptions o : new CpuOptions[] {CpuOptions.INTERPRETER, CpuOptions.DEFAULT.translateAtOnce()}) {
            TestMachine t = new TestMachine(o).protectedMode();
            for (int i = 0; i < 1024; i++) t.ram.write32(0x100000 + 4 * i, i << 12 | 3);
            t.ram.write32(0x101000, 0x100000 | 3);
            t.cpu.setCr(3, 0x101000);
            t.cpu.setCr(0, t.cpu.cr(0) | 0x80010000);
            t.code(KCODE, src);
            t.cpu.setEip(KCODE);
            t.cpu.setGpr(X86Cpu.ESP, 0x9000);
            t.cpu.setExceptionExit(14, true);
            assertEquals(RunResult.INSTRUCTION_LIMIT, t.run(before));
            t.ram.write32(0x100000 + 4 * (page >>> 12), 0);
            t.cpu.flushTlb();
            assertEquals(RunResult.EXIT, t.run(100_000));
            CpuExit x = t.cpu.lastExit();
            out[o == CpuOptions.INTERPRETER ? 0 : 1] = new long[] {x.vector(), x.errorCode(), x.address(), x.eip(),
                t.reg(X86Cpu.EBP), t.reg(X86Cpu.EDX), t.reg(X86Cpu.ECX), t.reg(X86Cpu.ESP), t.cpu.instructionCount()};
        }
        return out;
    }
}
