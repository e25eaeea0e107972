package org.oxen.x86.cpu.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.x86.cpu.testkit.TestMachine.KCODE;

import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.oxen.x86.cpu.CpuOptions;
import org.oxen.x86.cpu.RunResult;
import org.oxen.x86.cpu.X86Cpu;
import org.oxen.x86.cpu.testkit.TestMachine;

/**
 * Records in a frame's last 15 bytes: an instruction that ends inside its frame is decoded (from
 * a zero-padded copy of the frame's tail) and runs from its record and in regions; one that
 * crosses into the next frame stays the interpreter's, which fetches the next page with its
 * translation and faults. The test machine's RAM is one array per page, so a record compare that
 * read past its frame would leave the array.
 */
class FrameEndRecordTest {

    /**
     * A loop through KCODE's frame end: MOV at offset 0xFF1 (8 bytes left), ADD, XOR at 0xFF8,
     * INC at 0xFFA, LEA at 0xFFB (the last 7 bytes: compared byte by byte), a MOV at 0xFFE
     * crossing into the next frame, then the loop's tail there, which jumps back to the loop's
     * branch at 0xFE0 (a branch inside the frame makes the loop's head hot).
     */
    private static String program(String atFrameEnd) {
        return "mov ebp, 100\n xor edx, edx\n jmp top\n .org 0xFE0, 0x90\n back: jnz top\n hlt\n"
                + ".org 0xFEE, 0x90\n top: add edx, ebp\n nop\n" + atFrameEnd
                + " mov ebx, 0x01020304\n add edx, ebx\n rol edx, 1\n dec ebp\n jmp back";
    }

    private static final String TAIL = " mov eax, 0x12345678\n add edx, eax\n xor edx, ebp\n inc edx\n lea ecx, [edx + ebp]\n";

    private static TestMachine run(CpuOptions o, String src, InstructionCensus census) {
        TestMachine t = new TestMachine(o).protectedMode();
        if (census != null) ((Cached) t.cpu).useCensus(census);
        t.code(KCODE, src);
        t.cpu.setEip(KCODE);
        t.cpu.setGpr(X86Cpu.ESP, 0x9000);
        assertEquals(RunResult.HALTED, t.run(100_000));
        return t;
    }

    private static int[] regs(TestMachine t) {
        int[] out = new int[10];
        for (int i = 0; i < 8; i++) out[i] = t.cpu.gpr(i);
        out[8] = t.cpu.eflags() & 0x8D5;
        out[9] = (int) t.cpu.instructionCount();
        return out;
    }

    /**
     * Of the loop's 100 rounds only the crossing MOV is interpreted (and the final HLT): the
     * five instructions in the frame's last 15 bytes are records, run in regions, and the
     * registers, flags and retired count are the interpreter's.
     */
    @Test
    void instructionsEndingInTheFrameAreRecordsAndOnlyTheCrossingOneIsInterpreted() {
        String src = program(TAIL);
        int[] ref = regs(run(CpuOptions.INTERPRETER, src, null));
        for (CpuOptions o : new CpuOptions[] {CpuOptions.cacheOnly(), CpuOptions.DEFAULT.translateAtOnce()}) {
            InstructionCensus census = new InstructionCensus();
            TestMachine t = run(o, src, census);
            assertArrayEquals(ref, regs(t), "differs from the interpreter: " + o);
            Map<String, Long> shapes = new TreeMap<>();
            for (InstructionCensus.Shape s : census.top(10)) shapes.put(s.name(), s.count());
            assertEquals(Map.of("bb mov", 100L, "f4 hlt", 1L), shapes, census.report(10));
            if (o.translator()) assertTrue(census.inRegions > 500, census.report(3));
        }
    }

    /**
     * The loop stores into the immediates of a MOV at 0xFF1 and of one at 0xFFB (the frame's
     * last five bytes, compared byte by byte): each round's MOVs load the values stored in that
     * round, as the interpreter has it, though both have records (their bytes are compared
     * before they run; a region over them dies and the frame's code runs from its records).
     */
    @Test
    void aStoreIntoARecordAtTheFrameEndIsSeen() {
        String src = "mov ebp, 100\n xor edx, edx\n jmp top\n"
                + ".org 0xFE0, 0x90\n top: add edx, ebp\n mov [0x10ff2], ebp\n mov [0x10ffc], edx\n"
                + ".org 0xFF1, 0x90\n mov eax, 0x12345678\n add edx, eax\n xor edx, ebp\n nop\n mov ecx, 0x11111111\n"
                + " add edx, ecx\n rol edx, 1\n dec ebp\n jnz top\n hlt";
        int[] ref = regs(run(CpuOptions.INTERPRETER, src, null));
        for (CpuOptions o : new CpuOptions[] {CpuOptions.cacheOnly(), CpuOptions.DEFAULT.translateAtOnce()}) {
            assertArrayEquals(ref, regs(run(o, src, null)), "differs from the interpreter: " + o);
        }
        int edx = 0;
        for (int ebp = 100; ebp > 0; ebp--) {
            edx += ebp;
            int stored = edx;
            edx = Integer.rotateLeft(((edx + ebp) ^ ebp) + stored, 1);
        }
        assertEquals(edx, ref[X86Cpu.EDX], "each MOV loads what was stored in its round");
    }

    /**
     * The crossing MOV's second page made not present after 40 rounds: #PF (not present, read)
     * with CR2 at that page's first byte and EIP at the MOV, as the interpreter raises it, after
     * the records at the frame's end ran in the round.
     */
    @Test
    void theCrossingInstructionFaultsOnItsSecondPage() {
        int second = KCODE + 0x1000;
        long[][] out = CrossPageEntryTest.pageFaultAfter(program(TAIL), 3 + 40 * 13, second);
        assertArrayEquals(new long[] {14, 0, second, KCODE + 0xFFE, 60}, java.util.Arrays.copyOf(out[0], 5),
                "#PF, not present read, CR2 the second page, EIP the crossing MOV, in round 41");
        assertArrayEquals(out[0], out[1], "translated differs from the interpreter");
    }
}
