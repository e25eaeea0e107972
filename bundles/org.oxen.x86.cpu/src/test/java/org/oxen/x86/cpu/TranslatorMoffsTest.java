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
 * MOV AL/eAX to and from a moffs (A0-A3) and memory operands with a segment override, which the
 * decoded-instruction cache makes records of and the translator compiles: 32- and 16-bit (67)
 * moffs, overrides of DS, ES, FS, GS and CS, a loop through them staying in one region, and a
 * #PF and a #GP on such an access inside a region leaving EIP at the instruction's first prefix.
 * Each runs on the interpreter alone (no records: the reference) and translated.
 */
class TranslatorMoffsTest {

    /** FS: base 0x20000, limit 0x1FFFF; GS: base 0x20100, 4 GiB; both data, read/write. */
    private static void segments(TestMachine t) {
        t.seg(0x50, 0x20000, 0x1FFFF, 0x92, 0x4);
        t.seg(0x58, 0x20100, 0xFFFFF, 0x92, 0xC);
        assertTrue(t.cpu.loadSegment(X86Cpu.FS, 0x50));
        assertTrue(t.cpu.loadSegment(X86Cpu.GS, 0x58));
    }

    /**
     * A hot loop of every moffs form, with DS (default and 3E), ES, FS and 67, and ModR/M memory
     * forms with FS, GS and ES overrides (a load, a read-modify-write, a byte store): registers,
     * flags, memory and the retired count equal the interpreter's, and the stores hold what the
     * SDM's MOV gives (a 67 moffs is zero-extended: 0xFFF0 is DS:0xFFF0, not DS:0xFFFFFFF0).
     */
    @Test
    void moffsFormsAndSegmentOverridesMatchTheInterpreter() {
        String src = "mov ecx, 50\n xor edx, edx\n mov esi, 0x10\n"
                + "top: mov eax, [0x20010]\n add edx, eax\n mov [0x30000], edx\n mov fs:[0x10008], edx\n"
                + " mov al, [0x20031]\n mov [0x30005], al\n mov eax, ds:[0x20014]\n add edx, eax\n"
                + " mov eax, fs:[0x20]\n add edx, eax\n mov eax, es:[0x20024]\n xor edx, eax\n"
                + " addr16 mov eax, [0xFFF0]\n add edx, eax\n addr16 mov [0xFFF8], al\n addr16 mov al, [0xFFF1]\n"
                + " mov [0x3000C], al\n mov ebx, gs:[esi + 4]\n add edx, ebx\n add gs:[esi], edx\n"
                + " mov es:[0x30010], dl\n dec ecx\n jnz top\n hlt";
        int[][] out = new int[2][];
        for (Mode mode : Mode.values()) {
            TestMachine t = TranslatorTest.load(mode, src);
            segments(t);
            t.ram.write32(0xFFF0, 0x8badf00d);
            assertEquals(RunResult.HALTED, t.run(100_000));
            int[] s = TranslatorTest.state(t);
            out[mode.ordinal()] = java.util.Arrays.copyOf(s, s.length + 5);
            int[] mem = {t.ram.read8(0x30005), t.ram.read8(0x3000C), t.ram.read8(0xFFF8), t.ram.read32(0x30000),
                t.ram.read32(0x30008)};
            System.arraycopy(mem, 0, out[mode.ordinal()], s.length, 5);
            if (mode == Mode.TRANSLATOR) assertTrue(TranslatorTest.stats(t)[0] > 0, "regions compiled");
        }
        int[] m = java.util.Arrays.copyOfRange(out[0], out[0].length - 5, out[0].length);
        assertEquals((0x30 * 0x9E3779B9) >>> 8 & 0xFF, m[0], "A0 from 0x20031 stored by A2 at 0x30005");
        assertEquals(0xf0, m[1], "67 A0 from DS:0xFFF1 stored by A2 at 0x3000C");
        assertEquals(0x0d, m[2], "67 A2 stores AL of 67 A1 from DS:0xFFF0 at DS:0xFFF8");
        assertEquals(m[3], m[4], "A3 at 0x30000 and 64 A3 at FS:0x10008 (0x30008) store the same EDX");
        assertArrayEquals(out[0], out[1], "translated differs from the interpreter");
    }

    /**
     * 16-bit MOVs (66 89, 66 8B between registers and with memory, 66 A1 and 66 A3, one with an
     * FS override) in a loop that stays in one region: each writes only the low word of its
     * register or two bytes of memory, as the interpreter does.
     */
    @Test
    void wordMovesStayInTheRegionAndWriteOnlyAWord() {
        String src = "mov ecx, 300\n mov esi, 0x11112222\n mov edi, 0x33334444\n"
                + "top: add edx, ecx\n mov ax, [0x20012]\n mov [0x30002], ax\n mov bx, fs:[0x22]\n mov [0x30006], bx\n"
                + " mov si, dx\n mov di, [0x20030]\n mov fs:[0x1000A], di\n mov [0x3000E], cx\n dec ecx\n jnz top\n hlt";
        int[][] out = inOneRegion(src, t -> {
            segments(t);
            t.cpu.setGpr(X86Cpu.EAX, 0x55556666);
            t.cpu.setGpr(X86Cpu.EBX, 0x77778888);
            for (int i = 0; i < 16; i += 4) t.ram.write32(0x30000 + i, 0xA5A5A5A5);
        });
        int[] s = out[0];
        int w0 = s[12 + 0x12 / 4] >>> 16, w1 = s[12 + 0x20 / 4] >>> 16, w2 = s[12 + 0x30 / 4] & 0xFFFF;
        assertEquals(0x5555 << 16 | w0, s[X86Cpu.EAX], "66 A1 loads AX only");
        assertEquals(0x7777 << 16 | w1, s[X86Cpu.EBX], "66 64 8B loads BX only");
        assertEquals(0x3333 << 16 | w2, s[X86Cpu.EDI], "66 8B loads DI only");
        assertEquals(0x1111 << 16 | (300 * 301 / 2 & 0xFFFF), s[X86Cpu.ESI], "66 89 between registers moves SI only");
        int m0 = s[12 + 0x80], m1 = s[12 + 0x80 + 1], m2 = s[12 + 0x80 + 2], m3 = s[12 + 0x80 + 3];
        assertEquals(w0 << 16 | 0xA5A5, m0, "66 A3 stores two bytes");
        assertEquals(w1 << 16 | 0xA5A5, m1, "66 89 stores two bytes");
        assertEquals(w2 << 16 | 0xA5A5, m2, "66 64 89 stores two bytes");
        assertEquals(1 << 16 | 0xA5A5, m3, "66 89 of CX in the last round");
        assertArrayEquals(out[0], out[1], "translated differs from the interpreter");
    }

    /**
     * Runs {@code src} (with {@code setup} first) to HLT on the interpreter alone and translated;
     * returns each tier's {@link TranslatorTest#state}. The translated run's loop must stay in
     * one region: its regions entered fewer than 10 times (the JVM tier's regions: the native
     * tier's end at the first record outside its subset).
     */
    static int[][] inOneRegion(String src, java.util.function.Consumer<TestMachine> setup) {
        int[][] out = new int[2][];
        for (Mode mode : Mode.values()) {
            TestMachine t = mode == Mode.INTERPRETER ? TranslatorTest.load(mode, src) : TranslatorTest.load(TranslatorTest.JVM_TIER, src);
            setup.accept(t);
            assertEquals(RunResult.HALTED, t.run(100_000));
            out[mode.ordinal()] = TranslatorTest.state(t);
            if (mode == Mode.TRANSLATOR) {
                TranslatorTest.stats(t);
                long entries = t.cpu.translationStatistics().entries();
                assertTrue(entries < 10, "the loop's region was entered " + entries + " times");
            }
        }
        return out;
    }

    /**
     * A loop with a moffs load and store runs in one region: before moffs had records, the
     * region ended at A1 and the loop entered it again on every round (1,000 entries).
     */
    @Test
    void aRegionDoesNotEndAtAMoffs() {
        String src = "mov ecx, 1000\n xor edx, edx\n"
                + "top: add edx, ecx\n mov eax, [0x20010]\n add edx, eax\n mov [0x30000], edx\n mov al, fs:[0x31]\n mov [0x30004], al\n"
                + " dec ecx\n jnz top\n hlt";
        TestMachine t = TranslatorTest.load(TranslatorTest.JVM_TIER, src);
        segments(t);
        assertEquals(RunResult.HALTED, t.run(100_000));
        TranslationStatistics st = t.cpu.translationStatistics();
        TranslatorTest.stats(t);
        assertTrue(st.compiled() > 0, "regions compiled");
        assertTrue(st.entries() < 10, "the loop's region was entered " + st.entries() + " times");
        assertEquals(500500 + 1000 * t.ram.read32(0x20010), t.ram.read32(0x30000));
    }

    /**
     * A region's moffs store through GS (65 A3) meets a page made not present by the host
     * between two runs (the loop is translated in the first): #PF, not-present write, at the
     * address GS gives, with EIP at the 65 prefix and the loop's state as the interpreter has it.
     */
    @Test
    void aPageFaultAtAMoffsInARegionLeavesEipAtItsPrefix() {
        int buf = 0x400000, pte = 0x102000 + 4 * 3, lin = buf + 3 * 4096 + 8;
        String head = "mov ecx, 200\n xor edx, edx\n top: mov eax, [" + buf + "]\n add edx, eax\n";
        String src = head + " mov gs:[" + (lin - 0x20100) + "], edx\n dec ecx\n jnz top\n hlt";
        int[][] out = new int[2][];
        for (Mode mode : Mode.values()) {
            TestMachine t = TranslatorTest.machine(mode);
            TranslatorMemoryTest.page(t, src);
            segments(t);
            t.ram.write32(buf, 7);
            t.cpu.setExceptionExit(14, true);
            assertEquals(RunResult.INSTRUCTION_LIMIT, t.run(2 + 5 * 100));
            t.ram.write32(pte, 0); // not present
            t.cpu.flushTlb();
            assertEquals(RunResult.EXIT, t.run(100_000));
            CpuExit x = t.cpu.lastExit();
            out[mode.ordinal()] = new int[] {x.vector(), x.errorCode(), x.address(), x.eip(), t.cpu.eip(),
                t.reg(X86Cpu.ECX), t.reg(X86Cpu.EDX), (int) t.cpu.instructionCount()};
            if (mode == Mode.TRANSLATOR) assertTrue(TranslatorTest.stats(t)[0] > 0, "regions compiled");
        }
        int store = KCODE + Asm.asm(KCODE, head).length;
        assertArrayEquals(new int[] {14, 2, lin, store, store, 100, 7 * 101}, java.util.Arrays.copyOf(out[0], 7),
                "#PF, error code (write, not present), CR2's address, EIP at the 65 prefix, 100 rounds done");
        assertArrayEquals(out[0], out[1], "translated differs from the interpreter");
    }

    /**
     * A region's FS moffs load past a limit the host lowered between two runs raises #GP(0) at
     * the 64 prefix; a store with a CS override (a code segment is not writable) raises #GP(0)
     * where a record runs it.
     */
    @Test
    void segmentChecksApplyToOverriddenMoffs() {
        String head = "mov ecx, 200\n xor edx, edx\n top: add edx, ecx\n";
        String src = head + " mov eax, fs:[0x1800]\n dec ecx\n jnz top\n mov cs:[0x30000], eax\n hlt";
        int[][] out = new int[2][];
        for (Mode mode : Mode.values()) {
            TestMachine t = TranslatorTest.load(mode, src);
            segments(t);
            t.cpu.setExceptionExit(13, true);
            assertEquals(RunResult.INSTRUCTION_LIMIT, t.run(2 + 4 * 100));
            t.seg(0x60, 0x20000, 0xFFF, 0x92, 0x4); // the same base, limit 4 KiB
            assertTrue(t.cpu.loadSegment(X86Cpu.FS, 0x60));
            assertEquals(RunResult.EXIT, t.run(100_000));
            CpuExit limit = t.cpu.lastExit();
            int[] s = {limit.vector(), limit.errorCode(), limit.eip(), t.reg(X86Cpu.ECX), 0, 0, 0};
            segments(t); // FS back to its 128 KiB limit: the loop ends, the CS store faults
            assertEquals(RunResult.EXIT, t.run(100_000));
            CpuExit cs = t.cpu.lastExit();
            s[4] = cs.vector();
            s[5] = cs.errorCode();
            s[6] = cs.eip();
            out[mode.ordinal()] = s;
            if (mode == Mode.TRANSLATOR) assertTrue(TranslatorTest.stats(t)[0] > 0, "regions compiled");
        }
        int load = KCODE + Asm.asm(KCODE, head).length;
        int csStore = KCODE + Asm.asm(KCODE, src.substring(0, src.indexOf(" mov cs:"))).length;
        assertArrayEquals(new int[] {13, 0, load, 100, 13, 0, csStore}, out[0]);
        assertArrayEquals(out[0], out[1], "translated differs from the interpreter");
    }
}
