package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.x86.cpu.testkit.TestMachine.KCODE;

import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.oxen.x86.cpu.TranslatorTest.Mode;
import org.oxen.x86.cpu.testkit.TestMachine;

/**
 * Lazy flags in translated code: a region keeps the flag state of the last producer in JVM locals
 * and leaves out what no later instruction reads (the carry INC/DEC keep is computed without a
 * branch, and an operation that ignores the extra flag word ends its life). Whatever is left out
 * inside the region, the flags are exact where they are read after the region: by PUSHFD (which
 * the interpreter runs, so the region is left before it) and in the frame of a page fault raised
 * by the instruction after the sequence.
 */
class TranslatorFlagsTest {

    /** Operand pairs around every carry boundary. */
    private static final int[][] PAIRS = {
        {0, 0}, {0, 1}, {1, 0}, {5, 7}, {7, 5}, {-1, 1}, {1, -1}, {0x7FFFFFFF, -1}, {-1, 0x7FFFFFFF},
        {0x80000000, 0x80000000}, {0x80000000, 1}, {1, 0x80000000}, {-2, -1}, {-1, -2}, {0x12345678, 0x9ABCDEF0},
        {0x9ABCDEF0, 0x12345678},
    };

    private static final int TABLE = 0x20000, OUT = 0x30000, CF = 1, ZF = 0x40, SF = 0x80, OF = 0x800;

    /**
     * Runs {@code src} to its HLT with {@link #PAIRS} at TABLE, in each mode (interpreter, then
     * translator, which must have compiled regions), after {@code setup}; the first {@code words}
     * words at OUT, each masked with {@code mask}, by mode.
     */
    private static int[][] runOverPairs(String src, int words, int mask, Consumer<TestMachine> setup) {
        int[][] out = new int[2][];
        for (Mode mode : Mode.values()) {
            TestMachine t = TranslatorTest.machine(mode);
            for (int i = 0; i < PAIRS.length; i++) {
                t.ram.write32(TABLE + 8 * i, PAIRS[i][0]);
                t.ram.write32(TABLE + 8 * i + 4, PAIRS[i][1]);
            }
            t.code(KCODE, src);
            t.cpu.setEip(KCODE);
            t.cpu.setGpr(X86Cpu.ESP, 0x9000);
            setup.accept(t);
            assertEquals(RunResult.HALTED, t.run(100_000));
            out[mode.ordinal()] = new int[words];
            for (int i = 0; i < words; i++) out[mode.ordinal()][i] = t.ram.read32(OUT + 4 * i) & mask;
            if (mode == Mode.TRANSLATOR) assertTrue(TranslatorTest.stats(t)[0] > 0, "regions compiled");
        }
        return out;
    }

    /**
     * For every pair, in a hot loop: SUB then INC (CF from the SUB), ADD then DEC (CF from the ADD),
     * INC then CMP (CF from the CMP, not the INC), each read by PUSHFD right after. The flags equal
     * the interpreter's and the values computed here.
     */
    @Test
    void carryKeptByIncDecAndReplacedByCmpIsExactWhereRead() {
        String src = "mov esi, " + TABLE + "\n mov edi, " + OUT + "\n mov ebp, " + PAIRS.length + "\n"
                + "top: mov eax, [esi]\n mov ebx, [esi + 4]\n mov ecx, eax\n"
                + " sub ecx, ebx\n inc edx\n pushfd\n pop dword ptr [edi]\n"
                + " mov ecx, eax\n add ecx, ebx\n dec edx\n pushfd\n pop dword ptr [edi + 4]\n"
                + " add ecx, ebx\n inc edx\n cmp eax, ebx\n pushfd\n pop dword ptr [edi + 8]\n"
                + " add esi, 8\n add edi, 12\n dec ebp\n jnz top\n hlt";
        int[][] out = runOverPairs(src, 3 * PAIRS.length, CF | ZF | SF | OF,
                t -> t.cpu.setGpr(X86Cpu.EDX, 0x7FFFFFFE)); // INC/DEC cross the sign boundary too
        int edx = 0x7FFFFFFE;
        for (int i = 0; i < PAIRS.length; i++) {
            int a = PAIRS[i][0], b = PAIRS[i][1];
            edx++;
            assertEquals(Integer.compareUnsigned(a, b) < 0 ? CF : 0, out[0][3 * i] & CF, "SUB; INC: CF of " + i);
            assertEquals(incDecFlags(edx, true), out[0][3 * i] & (ZF | SF | OF), "INC's own flags " + i);
            edx--;
            assertEquals(Integer.compareUnsigned(a + b, a) < 0 ? CF : 0, out[0][3 * i + 1] & CF, "ADD; DEC: CF of " + i);
            edx++;
            assertEquals(Integer.compareUnsigned(a, b) < 0 ? CF : 0, out[0][3 * i + 2] & CF, "INC; CMP: CF of " + i);
            assertEquals(a == b ? ZF : 0, out[0][3 * i + 2] & ZF, "CMP: ZF of " + i);
        }
        assertArrayEquals(out[0], out[1], "translated flags differ from the interpreter's");
    }

    private static int incDecFlags(int res, boolean inc) {
        int f = res == 0 ? ZF : 0;
        if (res < 0) f |= SF;
        if (inc ? res == Integer.MIN_VALUE : res == Integer.MAX_VALUE) f |= OF;
        return f;
    }

    /**
     * SUB then INC, then a load that page-faults (paging on, the page not present): the #PF frame's
     * EFLAGS holds the CF of the SUB kept by the INC, the INC's own ZF/SF/OF, and EIP of the load;
     * in a translated region as in the interpreter. The handler maps the page and returns.
     */
    @Test
    void flagsInTheFrameOfAFaultAfterALazySequence() {
        String src = "mov esi, 0x400000\n mov ebp, 16\n mov edx, -3\n"
                + "top: mov eax, ebp\n sub eax, 9\n inc edx\n mov ebx, [esi]\n add esi, 0x1000\n dec ebp\n jnz top\n hlt\n"
                + "pf: push eax\n mov eax, [esp + 16]\n mov ecx, [0x31000]\n mov [ecx], eax\n mov eax, [esp + 8]\n"
                + " mov [ecx + 4], eax\n add dword ptr [0x31000], 8\n"
                + " mov eax, cr2\n shr eax, 12\n and eax, 0x3FF\n or dword ptr [0x102000 + 4 * eax], 1\n mov eax, cr2\n invlpg [eax]\n"
                + " pop eax\n add esp, 4\n iret\n";
        int[][] out = new int[2][];
        for (Mode mode : Mode.values()) {
            TestMachine t = TranslatorTest.machine(mode);
            int pd = 0x101000, pt = 0x100000;
            for (int i = 0; i < 1024; i++) t.ram.write32(pt + 4 * i, i << 12 | 3);
            t.ram.write32(pd, pt | 3);
            t.ram.write32(pd + 4, 0x102000 | 3);
            for (int i = 0; i < 1024; i++) t.ram.write32(0x102000 + 4 * i, (0x400 + i) << 12 | 2); // not present
            t.ram.write32(0x31000, 0x32000);
            t.cpu.setCr(3, pd);
            t.cpu.setCr(0, t.cpu.cr(0) | 0x80000000);
            t.code(KCODE, src);
            int pf = KCODE + org.oxen.x86.cpu.testkit.Asm.asm(KCODE, src.substring(0, src.indexOf("pf:"))).length;
            t.idt(14, 0x08, pf, 0xE, 0);
            t.cpu.setEip(KCODE);
            t.cpu.setGpr(X86Cpu.ESP, 0x9000);
            assertEquals(RunResult.HALTED, t.run(1_000_000));
            out[mode.ordinal()] = new int[2 * 16];
            for (int i = 0; i < 32; i++) out[mode.ordinal()][i] = t.ram.read32(0x32000 + 4 * i);
            if (mode == Mode.TRANSLATOR) assertTrue(TranslatorTest.stats(t)[0] > 0, "regions compiled");
        }
        int loadEip = KCODE + org.oxen.x86.cpu.testkit.Asm.asm(KCODE, src.substring(0, src.indexOf("mov ebx, [esi]"))).length;
        for (int i = 0; i < 16; i++) {
            int ebp = 16 - i, edx = -3 + i + 1;
            int flags = out[0][2 * i];
            assertEquals(loadEip, out[0][2 * i + 1], "fault " + i + " at the load");
            assertEquals(Integer.compareUnsigned(ebp, 9) < 0 ? CF : 0, flags & CF, "CF of SUB through INC, fault " + i);
            assertEquals(incDecFlags(edx, true), flags & (ZF | SF | OF), "INC's flags, fault " + i);
        }
        assertArrayEquals(out[0], out[1], "translated fault frames differ from the interpreter's");
    }

    /**
     * Flag liveness (the translator emits no flag code for a producer whose flags are all
     * overwritten before a read): readers that the region translates inline (ADC, Jcc) and ones it
     * does not (SETcc, LAHF) after partial-flag writers that keep what a reader needs: INC/DEC keep
     * CF, a shift by 0 keeps every flag, ROL keeps SF/ZF, BT keeps ZF; each sequence ends in a
     * producer that overwrites everything, so the earlier producers are dead but for the flags
     * read. Bits: a &lt;u b through INC (ADC); b &lt;u a through DEC and SHL by 0 (ADC); b's bit 0
     * as ROL 8, ROL 24 leave it in CF (ADC); a's bit 0 by BT (ADC) with ZF of the CMP before it
     * (SETZ); BE = CF of a CMP or ZF of an INC after it (JBE); and LAHF after CMP; DEC.
     */
    @Test
    void partialFlagWritersKeepWhatLaterReadersNeed() {
        String src = "mov esi, " + TABLE + "\n mov edi, " + OUT + "\n mov ebp, " + PAIRS.length + "\n"
                + "top: mov eax, [esi]\n mov ebx, [esi + 4]\n xor ecx, ecx\n"
                + " cmp eax, ebx\n inc edx\n adc ecx, ecx\n"
                + " shl ecx, 1\n cmp ebx, eax\n dec edx\n shl ebx, 0\n adc ecx, 0\n"
                + " shl ecx, 1\n cmp eax, ebx\n rol ebx, 8\n rol ebx, 24\n adc ecx, 0\n"
                + " shl ecx, 1\n cmp eax, ebx\n bt eax, 0\n setz dl\n adc ecx, 0\n"
                + " shl ecx, 1\n movzx edx, dl\n or ecx, edx\n"
                + " shl ecx, 1\n mov edx, eax\n cmp eax, ebx\n inc edx\n jbe 1f\n or ecx, 1\n"
                + "1: mov edx, eax\n cmp eax, ebx\n dec edx\n lahf\n movzx eax, ah\n"
                + " mov [edi], ecx\n mov [edi + 4], eax\n"
                + " add esi, 8\n add edi, 8\n dec ebp\n jnz top\n hlt";
        int[][] out = runOverPairs(src, 2 * PAIRS.length, -1, t -> { });
        for (int m = 0; m < 2; m++) {
            for (int i = 0; i < PAIRS.length; i++) {
                int a = PAIRS[i][0], b = PAIRS[i][1];
                int bits = bit(Integer.compareUnsigned(a, b) < 0) << 5 | bit(Integer.compareUnsigned(b, a) < 0) << 4
                        | (b & 1) << 3 | (a & 1) << 2 | bit(a == b) << 1
                        | bit(!(Integer.compareUnsigned(a, b) < 0 || a == -1));
                assertEquals(bits, out[m][2 * i], Mode.values()[m] + ": the flags read after partial writers, pair " + i);
                int ah = bit(Integer.compareUnsigned(a, b) < 0) | bit(a - 1 == 0) << 6 | bit(a - 1 < 0) << 7;
                assertEquals(ah, out[m][2 * i + 1] & 0xC1, Mode.values()[m] + ": LAHF after CMP; DEC, pair " + i);
            }
        }
        assertArrayEquals(out[0], out[1], "translated flags differ from the interpreter's");
    }

    private static int bit(boolean b) {
        return b ? 1 : 0;
    }

    /**
     * A flag producer just before a region's exit: the exit leaves the flags exact although no
     * instruction of the region reads them (the block's end counts as reading all). ADD then
     * INC, then CLD, which has no record kind, so the block falls through out of the region
     * there; CLD leaves the arithmetic flags alone, and PUSHFD after it reads CF of the ADD and
     * the INC's ZF/SF/OF.
     */
    @Test
    void flagsAreLiveAcrossARegionExit() {
        String src = "mov esi, " + TABLE + "\n mov edi, " + OUT + "\n mov ebp, " + PAIRS.length + "\n"
                + "top: mov eax, [esi]\n mov ecx, [esi + 4]\n mov edx, eax\n jmp seq\n"
                + "back: add esi, 8\n add edi, 4\n dec ebp\n jnz top\n hlt\n"
                + "seq: add eax, ecx\n inc edx\n cld\n pushfd\n pop dword ptr [edi]\n jmp back\n";
        int[][] out = runOverPairs(src, PAIRS.length, CF | ZF | SF | OF, t -> { });
        for (int i = 0; i < PAIRS.length; i++) {
            int a = PAIRS[i][0], b = PAIRS[i][1];
            int want = (Integer.compareUnsigned(a + b, a) < 0 ? CF : 0) | incDecFlags(a + 1, true);
            assertEquals(want, out[0][i], "ADD; INC; exit: flags at the target, pair " + i);
        }
        assertArrayEquals(out[0], out[1], "translated flags differ from the interpreter's");
    }

    /**
     * One-block loops, which the translator emits twice (the first round, then the loop, whose
     * flag state at its start is what the block's own end left): a reader at the top of the loop
     * takes the carry the previous round's producer left: ADC after ADD and DEC (which keeps CF),
     * and SBB after SHR (CF the bit shifted out). The results equal the interpreter's and the
     * values computed here.
     */
    @Test
    void aOneBlockLoopReadsTheFlagsItsLastRoundLeft() {
        String src = "mov ecx, 300\n mov eax, 0x12345678\n xor edx, edx\n"
                + "l1: adc edx, eax\n add eax, 0x9E3779B9\n dec ecx\n jnz l1\n"
                + " mov ebx, 0xDEADBEEF\n xor esi, esi\n xor edi, edi\n"
                + "l2: sbb esi, edi\n add edi, 3\n shr ebx, 1\n jnz l2\n hlt";
        int[][] out = new int[2][];
        for (Mode mode : Mode.values()) {
            TestMachine t = TranslatorTest.machine(mode);
            t.code(KCODE, src);
            t.cpu.setEip(KCODE);
            t.cpu.setGpr(X86Cpu.ESP, 0x9000);
            assertEquals(RunResult.HALTED, t.run(100_000));
            out[mode.ordinal()] = new int[] {t.reg(X86Cpu.EDX), t.reg(X86Cpu.EAX), t.reg(X86Cpu.ESI), t.reg(X86Cpu.EDI)};
            if (mode == Mode.TRANSLATOR) assertTrue(TranslatorTest.stats(t)[0] > 0, "regions compiled");
        }
        int edx = 0, eax = 0x12345678, cf = 0;
        for (int i = 0; i < 300; i++) {
            edx += eax + cf;
            cf = Integer.compareUnsigned(eax + 0x9E3779B9, eax) < 0 ? 1 : 0;
            eax += 0x9E3779B9;
        }
        int ebx = 0xDEADBEEF, esi = 0, edi = 0;
        cf = 0;
        do {
            esi -= edi + cf;
            edi += 3;
            cf = ebx & 1;
            ebx >>>= 1;
        } while (ebx != 0);
        assertArrayEquals(new int[] {edx, eax, esi, edi}, out[0], "interpreter: ADC after ADD; DEC, SBB after SHR");
        assertArrayEquals(out[0], out[1], "translated one-block loops differ from the interpreter");
    }
}
