package org.oxen.x86.cpu.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.oxen.x86.cpu.testkit.TestMachine.KCODE;

import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.oxen.x86.cpu.CpuExit;
import org.oxen.x86.cpu.CpuOptions;
import org.oxen.x86.cpu.RunResult;
import org.oxen.x86.cpu.X86Cpu;
import org.oxen.x86.cpu.internal.x64.NativeTier;
import org.oxen.x86.cpu.testkit.TestMachine;

/**
 * Calls, returns and jumps to another page: the first instruction there runs from its record
 * (the fetch window moves to its page before it, with the fetch's checks), or in the region
 * entered there if it has one. Before, the first instruction after every such transfer went to
 * the interpreter. Such an arrival counts towards translating there, as does a native region's
 * exit to an instruction of its own page that is no region's entry (a return to the caller's
 * continuation): both become native region entries when hot (docs/PERFORMANCE.md, "Arrivals
 * counted: a Linux boot in native code").
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
        InstructionCensus census = agreesWithTheInterpreter(SRC, CpuOptions.DEFAULT.translateAtOnce());
        Map<String, Long> shapes = new TreeMap<>();
        for (InstructionCensus.Shape s : census.top(10)) shapes.put(s.name(), s.count());
        assertEquals(Map.of("f4 hlt", 1L), shapes, census.report(10));
        assertTrue(census.inRegions > 0.3 * census.retired, census.report(3));
    }

    /**
     * With the default threshold (straight regions of any length), 3,000 rounds of the same
     * loop: the function (arrived at by a call from the other page), the jump's landing back in the caller's page, and the return's
     * landing after the call (a native region's exit inside its own page) each become a native
     * region's entry once hot, so native code retires over 95 % of the instructions (with
     * cross-page arrivals not counted, 35 %; with native exits' targets not counted, 77 %); the
     * sum and the count are the interpreter's.
     */
    @Test
    void arrivalsFromAnotherPageAndNativeExitTargetsBecomeNativeEntries() {
        assumeTrue(NativeTier.available(), "this host cannot run native code (Linux x86-64 with liboxenhost)");
        InstructionCensus census = agreesWithTheInterpreter(SRC.replace("mov ebp, 200", "mov ebp, 3000"),
                new CpuOptions(true, true, CpuOptions.DEFAULT.translationThreshold(), 1, true));
        assertTrue(census.inNative > 0.95 * census.retired, census.report(3));
    }

    /** Runs {@code src} to its HLT interpreted and with {@code options}; the sum and the count agree; the census of the second. */
    private static InstructionCensus agreesWithTheInterpreter(String src, CpuOptions options) {
        TestMachine ref = machine(CpuOptions.INTERPRETER);
        ref.code(KCODE, src);
        ref.cpu.setEip(KCODE);
        assertEquals(RunResult.HALTED, ref.run(1_000_000));

        TestMachine t = machine(options);
        InstructionCensus census = new InstructionCensus();
        ((Cached) t.cpu).useCensus(census);
        t.code(KCODE, src);
        t.cpu.setEip(KCODE);
        assertEquals(RunResult.HALTED, t.run(1_000_000));
        assertEquals(ref.reg(X86Cpu.EDX), t.reg(X86Cpu.EDX), "the loop's sum");
        assertEquals(ref.cpu.instructionCount(), t.cpu.instructionCount());
        return census;
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
