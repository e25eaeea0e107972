package org.oxen.x86.cpu.internal.x64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;
import org.oxen.x86.cpu.CpuOptions;
import org.oxen.x86.cpu.X86Cpu;
import org.oxen.x86.cpu.testkit.Asm;
import org.oxen.x86.cpu.testkit.TestMachine;

/**
 * Guest programs compiled by {@link NativeRegionCompiler}, run natively ({@link NativeRunner}:
 * the JNI library's {@code NativeCode.call}, guest RAM in a host mapping, the soft TLB filled on
 * misses), and compared with the interpreter run for exactly as many instructions as the native
 * code retired: EIP, the eight registers, EFLAGS (the flags the SDM defines after the program's
 * last flag writer), and the stack and data pages. One comparator ({@link #compare}); it is seen
 * failing on a deliberately wrong encoding.
 */
class NativeRegionTest {

    static final int CODE = 0x10000, DATA = 0x20000, STACK_TOP = 0x9000;
    static final int CF = 1, PF = 4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800, ARITH = CF | PF | AF | ZF | SF | OF;

    /** What one native run did beside the differences found. */
    record Outcome(List<String> differences, int stopReason, int eip, long retired, int calls, int compiled) {
    }

    /**
     * Assembles {@code program} at {@link #CODE} (it must end with {@code hlt}, where the native
     * run stops), runs it natively from registers {@code gpr} (ESP is {@link #STACK_TOP}) and
     * {@code eflags} with {@code passes} check points per call, then the interpreter for as many
     * instructions; the differences (EFLAGS compared under {@code flagMask}).
     */
    static Outcome compare(String program, int[] gpr, int eflags, int flagMask, long passes, UnaryOperator<byte[]> patch) {
        return compare(program, gpr, eflags, flagMask, passes, patch, 0, 0);
    }

    /** As above, with FS and GS flat data segments of bases {@code fsBase} and {@code gsBase} in both runs. */
    static Outcome compare(String program, int[] gpr, int eflags, int flagMask, long passes, UnaryOperator<byte[]> patch,
            int fsBase, int gsBase) {
        byte[] code = Asm.asm(CODE, program);
        int stop = CODE + code.length - 1;
        int[] regs = gpr.clone();
        regs[X86Cpu.ESP] = STACK_TOP;
        List<String> diff = new ArrayList<>();
        try (NativeRunner n = new NativeRunner(patch)) {
            n.load(CODE, code);
            n.setState(regs, CODE, eflags);
            n.setSegmentBases(fsBase, gsBase);
            n.run(stop, passes);

            TestMachine m = new TestMachine(CpuOptions.INTERPRETER).protectedMode();
            m.seg(0x50, fsBase, 0xFFFFF, 0x92, 0xC);
            m.seg(0x58, gsBase, 0xFFFFF, 0x92, 0xC);
            m.cpu.loadSegment(X86Cpu.FS, 0x50);
            m.cpu.loadSegment(X86Cpu.GS, 0x58);
            m.load(CODE, code);
            for (int g = 0; g < 8; g++) m.cpu.setGpr(g, regs[g]);
            m.cpu.setEip(CODE);
            m.cpu.setEflags(eflags);
            long before = m.cpu.instructionCount();
            if (n.retired() > 0) m.run(n.retired());
            if (m.cpu.instructionCount() - before != n.retired()) {
                diff.add("interpreter retired " + (m.cpu.instructionCount() - before) + ", native " + n.retired());
            }
            if (m.cpu.eip() != n.eip()) diff.add(String.format("eip %08x, native %08x", m.cpu.eip(), n.eip()));
            for (int g = 0; g < 8; g++) {
                if (m.reg(g) != n.gpr(g)) diff.add(String.format("r%d %08x, native %08x", g, m.reg(g), n.gpr(g)));
            }
            int ie = m.cpu.eflags(), ne = n.eflags();
            if (((ie ^ ne) & flagMask) != 0) {
                StringBuilder r = new StringBuilder();
                for (int g = 0; g < 8; g++) r.append(String.format(" %08x", n.gpr(g)));
                diff.add(String.format("eflags %08x, native %08x (compared %04x; registers%s)", ie, ne, flagMask, r));
            }
            if (((eflags ^ ne) & ~ARITH) != 0) diff.add(String.format("native changed non-arithmetic flags: %08x", ne));
            for (int[] range : new int[][] {{STACK_TOP - 0x1000, STACK_TOP}, {DATA, DATA + 0x2000}}) {
                for (int a = range[0]; a < range[1]; a += 4) {
                    if (m.ram.read32(a) != n.int32(a)) diff.add(String.format("[%08x] %08x, native %08x", a, m.ram.read32(a), n.int32(a)));
                }
            }
            return new Outcome(diff, n.stopReason, n.eip(), n.retired(), n.calls, n.compiled);
        }
    }

    static Outcome compare(String program, int[] gpr, int flagMask) {
        return compare(program, gpr, 0x202, flagMask, 1_000_000, UnaryOperator.identity());
    }

    /** No difference, and the native run reached the program's HLT. */
    private static void assertSame(Outcome o, String what) {
        assertNoDifference(o, what);
        assertEquals(0, o.stopReason, () -> String.format("%s: the native run stopped at %08x (reason %d)", what, o.eip, o.stopReason));
    }

    private static void assertNoDifference(Outcome o, String what) {
        assertTrue(o.differences.isEmpty(), what + ": " + String.join("; ", o.differences));
    }

    /** Register sets with the edge values of 32-bit arithmetic, and random ones. */
    static List<int[]> registerSets() {
        List<int[]> out = new ArrayList<>();
        int[] edges = {0, 1, -1, 0x7FFFFFFF, 0x80000000, 0x0000FFFF, 0x80000001, 0x10};
        for (int i = 0; i < edges.length; i++) {
            int[] r = new int[8];
            for (int g = 0; g < 8; g++) r[g] = edges[(i + 3 * g) % edges.length];
            out.add(r);
        }
        Random rnd = new Random(16);
        for (int i = 0; i < 12; i++) {
            int[] r = new int[8];
            for (int g = 0; g < 8; g++) r[g] = rnd.nextInt();
            out.add(r);
        }
        return out;
    }

    static final String ALU = String.join("\n",
            "add eax, ebx", "mov [0x20000], eax", "setc dl", "mov [0x20004], edx",
            "sub ebx, ecx", "seto dl", "mov [0x20008], edx",
            "adc eax, ecx", "setz dl", "mov [0x2000c], edx",
            "sbb ecx, eax", "sets dl", "mov [0x20010], edx",
            "and eax, ebx", "setp dl", "mov [0x20014], edx",
            "or ebx, 0x80000000", "sets dl", "mov [0x20018], edx",
            "xor ecx, eax", "cmp eax, ebx", "setl dl", "mov [0x2001c], edx", "setb dl", "mov [0x20020], edx",
            "test ecx, 0x10", "setnz dl", "mov [0x20024], edx",
            "inc eax", "seto dl", "mov [0x20028], edx",
            "dec ebx", "setbe dl", "mov [0x2002c], edx",
            "neg ecx", "setc dl", "mov [0x20030], edx",
            "add esi, edi", "adc edi, 0x7fffffff", "setle bl", "sbb ebp, -3", "setge cl",
            "add dword ptr [0x20000], -1", "adc ebx, [0x20004]", "sub [0x20008], eax",
            "and [0x2000c], esi", "or dword ptr [0x20010], 0x40", "xor [0x20014], edi", "test [0x20018], ebp",
            "cmp dword ptr [0x2001c], 1", "setg dl", "mov esi, [0x20000]", "lea edi, [esi+ebx*4+0x100]",
            "cmovl eax, esi", "cmovae ebp, edi", "movzx ebp, dl", "movsx edx, byte ptr [0x20001]",
            "movzx ecx, word ptr [0x20002]", "mov byte ptr [0x20040], 0x9c", "mov [0x20041], cl",
            "add cl, 0x80", "setc dl", "mov [0x20044], edx", "adc al, bl", "seto dl", "mov [0x20048], edx",
            "sub byte ptr [0x20050], al", "setc dl", "cmp bl, [0x20051]", "setl dl", "mov [0x2004c], edx",
            "test byte ptr [0x20052], 0x81", "setz dl", "xor [0x20053], cl", "and dl, 0x0f", "sbb al, [0x20054]",
            "test ecx, [0x20058]", "sets bl", "or [0x2005c], bl", "test [0x20060], edi",
            "imul esi, [0x20000]", "imul edi, [0x20004], -9", "mov ebx, 0x20008", "imul ebp, [ebx], 0x12345",
            "cmp esi, edi", "hlt");

    @Test
    void arithmeticAndLogicWithEveryFlagMatchTheInterpreter() {
        for (int[] r : registerSets()) assertSame(compare(ALU, r, ARITH), "ALU from " + java.util.Arrays.toString(r));
    }

    static final String SHIFTS = String.join("\n",
            "shl eax, 1", "seto dl", "mov [0x20000], edx", "setc dl", "mov [0x20004], edx",
            "shr ebx, 5", "setz dl", "mov [0x20008], edx",
            "sar esi, 31", "sets dl", "mov [0x2000c], edx",
            "add edi, ebp", "rol edi, 0", "setc dl", "mov [0x20010], edx", // a count of 0 keeps the ADD's flags
            "ror eax, 1", "seto dl", "mov [0x20014], edx",
            "rcl ebx, 3", "setc dl", "mov [0x20018], edx",
            "rcr esi, 1", "seto dl", "mov [0x2001c], edx",
            "add ebp, eax", "shl edi, cl", "setc dl", "mov [0x20020], edx", "setp dl", "mov [0x20024], edx",
            "sar eax, cl", "setz dl", "mov [0x20028], edx",
            "rol ebx, cl", "setc dl", "mov [0x2002c], edx",
            "rcr esi, cl", "setc dl", "mov [0x20030], edx",
            "shr edi, cl", "sets dl", "mov [0x20034], edx",
            "shl ebp, 7", "hlt");

    @Test
    void shiftsAndRotatesByZeroOneAndNMatchTheInterpreter() {
        int[] counts = {0, 1, 7, 31, 32, 33};
        for (int[] r : registerSets()) {
            for (int c : counts) {
                int[] rc = r.clone();
                rc[X86Cpu.ECX] = (r[X86Cpu.ECX] & ~0xFF) | c;
                // every flag, OF after a multi-bit shift and AF after every shift too (undefined in the SDM: the interpreter's)
                assertSame(compare(SHIFTS, rc, ARITH), "shifts by CL=" + c + " from " + java.util.Arrays.toString(rc));
            }
        }
    }

    static final String MULDIV = String.join("\n",
            "mul ebx", "mov [0x20000], eax", "mov [0x20004], edx", "setc cl", "mov [0x20008], ecx",
            "imul esi, edi", "seto cl", "mov [0x2000c], ecx",
            "imul eax, ebx, 7", "setc cl", "mov [0x20010], ecx",
            "imul ebp, eax, 0x12345", "seto cl", "mov [0x20014], ecx",
            "neg ebx", "not esi",
            "mov edx, edi", "and edx, 0xffff", "mov ecx, edi", "or ecx, 0x10000", "div ecx",
            "mov [0x20018], eax", "mov [0x2001c], edx", "hlt");

    @Test
    void multiplyAndDivideMatchTheInterpreter() {
        // every flag: DIV keeps them (the SDM leaves them undefined) as the interpreter does
        for (int[] r : registerSets()) assertSame(compare(MULDIV, r, ARITH), "MUL/IMUL/DIV from " + java.util.Arrays.toString(r));
    }

    @Test
    void aDivideThatFaultsLeavesBeforeIt() {
        for (String divisor : new String[] {"xor ecx, ecx", "mov ecx, 3"}) {
            int divisorLength = divisor.startsWith("xor") ? 2 : 5;
            Outcome o = compare("mov edx, 5\n" + divisor + "\nadd eax, 1\ndiv ecx\nhlt", new int[8], ARITH);
            assertNoDifference(o, divisor);
            assertEquals(NativeContext.EXIT_SLOW, o.stopReason, divisor);
            assertEquals(3, o.retired, "the DIV did not retire");
            assertEquals(CODE + 5 + divisorLength + 3, o.eip, "EIP is the DIV's");
        }
    }

    static final String LOOPS = String.join("\n",
            "mov ecx, 100", "xor eax, eax",
            "1: add eax, ecx", "mov ebx, ecx", "and ebx, 3", "jnz 2f", "add eax, 1000", "mov [0x20000+ecx*4], eax",
            "2: dec ecx", "jnz 1b",
            "mov esi, 10",
            "3: mov edi, 20",
            "4: inc ebp", "add [0x20400], ebp", "dec edi", "jnz 4b",
            "dec esi", "jg 3b",
            "cmp eax, 7", "ja 5f", "mov eax, 1", "5: hlt");

    @Test
    void loopsWithConditionalBranchesMatchTheInterpreterAtEveryBudget() {
        Outcome whole = compare(LOOPS, new int[8], 0x202, ARITH, 1_000_000, UnaryOperator.identity());
        assertSame(whole, "one budget");
        assertEquals(0, whole.stopReason);
        for (long passes : new long[] {1, 2, 3, 7, 50}) {
            Outcome o = compare(LOOPS, new int[8], 0x202, ARITH, passes, UnaryOperator.identity());
            assertSame(o, passes + " passes per call");
            assertEquals(whole.retired, o.retired, "the same instructions retire whatever the budget");
            assertTrue(o.calls > whole.calls, passes + " passes: budget exits happened (" + o.calls + " calls)");
        }
    }

    static final String STACK = String.join("\n", "jmp 9f",
            "1: push ebp", "mov ebp, esp", "mov eax, [ebp+8]", "add eax, [ebp+12]", "pop ebp", "ret",
            "2: pop edi", "push edi", "ret",
            "9: push 0x1234", "push eax", "push ebx", "call 1b", "pop ebx", "pop edx", "pop esi", "add eax, ebx",
            "call 2b", "hlt");

    @Test
    void pushPopCallAndReturnWithTheStackInGuestMemory() {
        for (int[] r : registerSets()) {
            Outcome o = compare(STACK, r, ARITH);
            assertSame(o, "stack from " + java.util.Arrays.toString(r));
            assertEquals(0, o.stopReason, () -> String.format("stopped at %08x", o.eip));
            assertTrue(o.compiled >= 3, "RET left for the return address, compiled there: " + o.compiled);
        }
    }

    @Test
    void missesFillTheTlbAndAPageCrossingAccessLeavesBeforeTheInstruction() {
        String hits = String.join("\n", "mov eax, 0x11223344", "mov [0x20ff0], eax", "mov ebx, [0x20ff0]",
                "mov [0x21000], ebx", "add dword ptr [0x21000], 1", "mov ecx, [0x21000]", "hlt");
        Outcome o = compare(hits, new int[8], ARITH);
        assertSame(o, "two pages");
        assertEquals(0, o.stopReason);
        assertEquals(3, o.calls, "one call, one more after each page's first miss");

        // the first page's entry is filled by the store before: the crossing access must miss all the same
        String crossing = String.join("\n", "mov esi, 0x20ffd", "mov eax, 0x55667788", "add ebx, 1",
                "mov [0x20ff0], ebx", "mov [esi], eax", "hlt");
        o = compare(crossing, new int[] {0, 0, 0, -1, 0, 0, 0, 0}, ARITH);
        assertNoDifference(o, "crossing");
        assertEquals(NativeContext.EXIT_TLB_MISS, o.stopReason);
        assertEquals(4, o.retired);
        assertEquals(CODE + 5 + 5 + 3 + 6, o.eip, "EIP is the crossing store's");
    }

    /** The comparator fails on a deliberately wrong encoding: SUB EAX,ECX (host sub r14d,r8d: 45 29 C6) emitted as ADD (45 01 C6). */
    @Test
    void aWrongEncodingIsSeenByTheComparator() {
        String program = "mov eax, 10\nmov ecx, 3\nsub eax, ecx\nhlt";
        assertSame(compare(program, new int[8], ARITH), "as generated");
        UnaryOperator<byte[]> subToAdd = code -> {
            for (int i = 0; i + 2 < code.length; i++) {
                if (code[i] == 0x45 && code[i + 1] == 0x29 && code[i + 2] == (byte) 0xC6) {
                    code[i + 1] = 0x01;
                    return code;
                }
            }
            throw new AssertionError("sub r14d, r8d not found in the generated code");
        };
        Outcome o = compare(program, new int[8], 0x202, ARITH, 1_000_000, subToAdd);
        assertFalse(o.differences.isEmpty(), "the comparator must see 10 + 3 where 10 - 3 was meant");
        assertTrue(o.differences.get(0).startsWith("r0 00000007, native 0000000d"), o.differences.toString());
    }
}
