package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.x86.cpu.testkit.TestMachine.KCODE;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.cpu.internal.Core;
import org.oxen.x86.cpu.testkit.TestMachine;

/**
 * The translator (hot code regions compiled to JVM bytecode): every program here runs on the
 * interpreter and on a CPU that translates every branch target at once (threshold 0), and the
 * two must agree on registers, flags, memory, EIP and the retired-instruction count; also when
 * the run is cut into small budgets, when a fault hits in the middle of a region, and when code
 * of a running region is changed by its own stores, by the host or by another CPU.
 */
class TranslatorTest {

    enum Mode { INTERPRETER, TRANSLATOR }

    static TestMachine machine(Mode mode) {
        return machine(mode == Mode.INTERPRETER ? CpuOptions.INTERPRETER : CpuOptions.DEFAULT.translateAtOnce());
    }

    static TestMachine machine(CpuOptions options) {
        return new TestMachine(options).protectedMode();
    }

    /** The JVM tier alone (translating at once, no native tier): for properties of its bytecode regions. */
    static final CpuOptions JVM_TIER = CpuOptions.DEFAULT.translateAtOnce().withNativeTier(false);

    static long[] stats(TestMachine t) {
        Core c = (Core) t.cpu;
        assertNull(c.translatorFailure(), () -> "translation failed: " + c.translatorFailure());
        TranslationStatistics st = c.translationStatistics();
        assertEquals(0, st.failed());
        return new long[] {st.compiled(), st.failed(), st.dropped()};
    }

    /** Registers, flags, EIP, retired count and the data areas. */
    static int[] state(TestMachine t) {
        int[] out = new int[12 + 0x80 + 0x40];
        for (int i = 0; i < 8; i++) out[i] = t.cpu.gpr(i);
        out[8] = t.cpu.eflags() & 0x8D5;
        out[9] = t.cpu.eip();
        out[10] = (int) t.cpu.instructionCount();
        out[11] = (int) (t.cpu.instructionCount() >>> 32);
        for (int i = 0; i < 0x80; i++) out[12 + i] = t.ram.read32(0x20000 + 4 * i);
        for (int i = 0; i < 0x40; i++) out[12 + 0x80 + i] = t.ram.read32(0x30000 + 4 * i);
        return out;
    }

    static TestMachine load(Mode mode, String src) {
        return load(mode == Mode.INTERPRETER ? CpuOptions.INTERPRETER : CpuOptions.DEFAULT.translateAtOnce(), src);
    }

    static TestMachine load(CpuOptions options, String src) {
        TestMachine t = machine(options);
        for (int i = 0; i < 0x200; i += 4) t.ram.write32(0x20000 + i, i * 0x9E3779B9);
        t.code(KCODE, src);
        t.cpu.setEip(KCODE);
        t.cpu.setGpr(X86Cpu.ESP, 0x9000);
        return t;
    }

    /** A random program: CodeCacheTest's instruction mix plus calls, group 3 and inner loops, in a hot outer loop. */
    static String program(Random r) {
        StringBuilder sb = new StringBuilder();
        sb.append("mov ebx, 0x20000\n mov esi, 0x20080\n mov ebp, 25\n mov eax, 0x12345678\n mov edx, 0x9abcdef0\n"
                + " mov edi, 0x0f0f0f0f\n mov ecx, 5\n outer:\n");
        for (int i = 0; i < 40; i++) {
            switch (r.nextInt(12)) {
                case 0: sb.append(r.nextBoolean() ? "not " : "neg ").append(CodeCacheTest.pick(r, CodeCacheTest.D32)); break;
                case 1: sb.append("mul ").append(CodeCacheTest.pick(r, CodeCacheTest.S32)); break;
                case 2: sb.append("mov edi, ").append(r.nextInt(1000) + 1).append("\n xor edx, edx\n div edi"); break;
                case 3: sb.append("call sub").append(r.nextInt(2)); break;
                case 4: sb.append("push ecx\n mov ecx, ").append(r.nextInt(5) + 1)
                        .append("\n 7").append(i).append(": add eax, ecx\n rol eax, 3\n dec ecx\n jnz 7").append(i)
                        .append("b\n pop ecx"); break;
                default: sb.append(CodeCacheTest.insn(r, i)); break;
            }
            sb.append('\n');
            if (i % 8 == 7) sb.append("pushfd\n pop dword ptr [").append(0x30000 + 4 * (i / 8)).append("]\n");
        }
        sb.append("and ecx, 7\n dec ebp\n jnz outer\n hlt\n");
        sb.append("sub0: xor eax, edx\n add edx, 7\n ret\n");
        sb.append("sub1: push eax\n mov eax, dword ptr [ebx + 8]\n add dword ptr [esi], eax\n pop eax\n inc eax\n ret\n");
        return sb.toString();
    }

    /** 60 programs per CI run; {@code -Doxen.translator.programs=N -Doxen.translator.seed=S} for longer hunts. */
    @Test
    void randomProgramsMatchTheInterpreter() {
        long seed = Long.getLong("oxen.translator.seed", 0x7EA5E1);
        int programs = Integer.getInteger("oxen.translator.programs", 60);
        Random r = new Random(seed);
        long compiled = 0;
        for (int prog = 0; prog < programs; prog++) {
            String src = program(r);
            TestMachine a = load(Mode.INTERPRETER, src), b = load(Mode.TRANSLATOR, src);
            assertEquals(RunResult.HALTED, a.run(10_000_000));
            assertEquals(RunResult.HALTED, b.run(10_000_000));
            assertArrayEquals(state(a), state(b), "seed " + seed + " program " + prog + ":\n" + src);
            compiled += stats(b)[0];
        }
        assertTrue(compiled >= programs, "regions compiled: " + compiled);
    }

    @Test
    void smallBudgetsStopAtTheSameInstruction() {
        Random r = new Random(42);
        for (int prog = 0; prog < 8; prog++) {
            String src = program(r);
            TestMachine a = load(Mode.INTERPRETER, src), b = load(Mode.TRANSLATOR, src);
            int[] budgets = {1, 2, 3, 7, 37, 101, 1000};
            for (int step = 0;; step++) {
                int n = budgets[step % budgets.length];
                RunResult ra = a.run(n), rb = b.run(n);
                assertEquals(ra, rb, "step " + step);
                assertArrayEquals(state(a), state(b), "program " + prog + " step " + step + ":\n" + src);
                if (ra == RunResult.HALTED) break;
            }
            assertTrue(stats(b)[0] > 0);
        }
    }

    /**
     * A region tests the budget only at its entry and at loop heads (blocks reached again from
     * themselves or a later block), for the most instructions it can retire before the next
     * test: a loop of several blocks whose head is not the region's entry, and one-block loops
     * (tested in their loop copy), still stop at exactly the instruction the interpreter stops
     * at, whatever the budget.
     */
    @Test
    void loopsInsideARegionStopAtEveryBudget() {
        String src = "mov ebp, 40\n xor eax, eax\n"
                + "outer: mov ecx, 23\n"
                + "inner: test ecx, 1\n jz 1f\n add eax, ecx\n1: rol eax, 1\n dec ecx\n jnz inner\n"
                + " mov edx, 9\n2: add eax, edx\n dec edx\n jnz 2b\n"
                + " dec ebp\n jnz outer\n hlt";
        TestMachine a = load(Mode.INTERPRETER, src), b = load(Mode.TRANSLATOR, src);
        int[] budgets = {1, 2, 3, 5, 7, 11, 13, 64, 65, 100};
        for (int step = 0;; step++) {
            int n = budgets[step % budgets.length];
            RunResult ra = a.run(n), rb = b.run(n);
            assertEquals(ra, rb, "step " + step);
            assertArrayEquals(state(a), state(b), "step " + step + " (budget " + n + ")");
            if (ra == RunResult.HALTED) break;
        }
        assertTrue(stats(b)[0] > 0, "regions compiled");
    }

    /**
     * RDTSC without a clock reads the exact number of instructions retired before it, whatever
     * the batch boundaries, the run budgets and the translator (deterministic time is built on
     * this): a hot loop stores the TSC every 5th iteration; the interpreter in one run, the
     * translator in one run and the translator in odd small budgets store the same values, and
     * each value is the instruction count at its RDTSC.
     */
    @Test
    void rdtscCountsRetiredInstructionsExactly() {
        String src = "mov ebx, 0x20000\n mov ecx, 40\n xor edx, edx\n loop1:\n add edx, ecx\n rol edx, 3\n"
                + " dec ecx\n test ecx, 3\n jnz skip\n push edx\n rdtsc\n mov [ebx], eax\n add ebx, 4\n pop edx\n"
                + " skip:\n test ecx, ecx\n jnz loop1\n hlt";
        TestMachine a = load(Mode.INTERPRETER, src), b = load(Mode.TRANSLATOR, src), c = load(Mode.TRANSLATOR, src);
        assertEquals(RunResult.HALTED, a.run(1_000_000));
        assertEquals(RunResult.HALTED, b.run(1_000_000));
        int[] budgets = {3, 1, 7, 2, 11};
        for (int step = 0; c.run(budgets[step % budgets.length]) != RunResult.HALTED; step++) {
            assertTrue(step < 10_000);
        }
        assertArrayEquals(state(a), state(b));
        assertArrayEquals(state(a), state(c));
        // 3 setup instructions; each iteration: 5, 5 more on every 4th (push .. pop), then 2; the RDTSC
        // is the 7th instruction of the iteration
        long retired = 3;
        int stored = 0;
        for (int ecx = 40; ecx > 0; ecx--) {
            if (((ecx - 1) & 3) == 0) {
                assertEquals(retired + 6, a.ram.read32(0x20000 + 4 * stored) & 0xFFFFFFFFL, "RDTSC " + stored);
                stored++;
                retired += 10;
            } else {
                retired += 5;
            }
            retired += 2;
        }
        assertEquals(10, stored);
    }

    /**
     * A hot loop sums a 3-page array whose middle page is not present; the #PF handler logs CR2,
     * the error code, the faulting EIP and all registers, maps the page and returns to retry. The
     * fault hits inside a translated region.
     */
    @Test
    void pageFaultInARegionIsPrecise() {
        String src = ""
                + "mov esi, 0x400000\n xor edx, edx\n mov ecx, 3 * 1024\n xor edi, edi\n"
                + "top: inc edi\n mov eax, dword ptr [esi]\n add edx, eax\n mov dword ptr [esi], edx\n"
                + " add esi, 4\n dec ecx\n jnz top\n hlt\n"
                + "pf: pushad\n mov ebp, dword ptr [0x31000]\n mov eax, cr2\n mov dword ptr [ebp], eax\n"
                + " mov eax, dword ptr [esp + 32]\n mov dword ptr [ebp + 4], eax\n"
                + " mov eax, dword ptr [esp + 36]\n mov dword ptr [ebp + 8], eax\n"
                + " mov ecx, 8\n 1: mov eax, dword ptr [esp + 4 * ecx - 4]\n mov dword ptr [ebp + 4 * ecx + 8], eax\n"
                + " dec ecx\n jnz 1b\n add dword ptr [0x31000], 48\n"
                + " mov eax, cr2\n shr eax, 12\n and eax, 0x3FF\n or dword ptr [0x102000 + 4 * eax], 3\n mov eax, cr2\n invlpg [eax]\n"
                + " popad\n add esp, 4\n iret\n";
        int[][] out = new int[2][];
        for (Mode mode : Mode.values()) {
            TestMachine t = machine(mode);
            int pd = 0x101000, pt = 0x100000;
            for (int i = 0; i < 1024; i++) t.ram.write32(pt + 4 * i, i << 12 | 3);
            t.ram.write32(pd, pt | 3);
            t.ram.write32(pd + 4, 0x102000 | 3);
            for (int i = 0; i < 1024; i++) t.ram.write32(0x102000 + 4 * i, (0x400 + i) << 12 | 3);
            for (int i = 0; i < 3 * 1024; i++) t.ram.write32(0x400000 + 4 * i, i * 0x01000193);
            t.ram.write32(0x102000 + 4, t.ram.read32(0x102000 + 4) & ~1); // 0x401000 not present
            t.ram.write32(0x102000 + 8, t.ram.read32(0x102000 + 8) & ~2); // 0x402000 read-only
            t.ram.write32(0x31000, 0x32000);
            t.cpu.setCr(3, pd);
            t.cpu.setCr(0, t.cpu.cr(0) | 0x80010000); // PG, WP
            t.code(KCODE, src);
            int pf = handlerAddress(t, src);
            t.idt(14, 0x08, pf, 0xE, 0);
            t.cpu.setEip(KCODE);
            t.cpu.setGpr(X86Cpu.ESP, 0x9000);
            assertEquals(RunResult.HALTED, t.run(1_000_000));
            int[] s = new int[10 + 24];
            for (int i = 0; i < 8; i++) s[i] = t.cpu.gpr(i);
            s[8] = (int) t.cpu.instructionCount();
            s[9] = t.ram.read32(0x31000);
            for (int i = 0; i < 24; i++) s[10 + i] = t.ram.read32(0x32000 + 4 * i); // CR2, error, EIP, registers
            out[mode.ordinal()] = s;
            if (mode == Mode.TRANSLATOR) assertTrue(stats(t)[0] > 0);
        }
        assertEquals(0x32000 + 2 * 48, out[0][9], "two page faults");
        assertEquals(0x401000, out[0][10], "CR2 of the load");
        assertEquals(0, out[0][11], "error code of the load (not present, read)");
        assertEquals(0x402000, out[0][22], "CR2 of the store");
        assertEquals(3, out[0][23], "error code of the store (protection, write)");
        assertArrayEquals(out[0], out[1]);
    }

    /** The address of label "pf" in {@code src} assembled at KCODE (its instructions before it, assembled). */
    private static int handlerAddress(TestMachine t, String src) {
        String before = src.substring(0, src.indexOf("pf:"));
        return KCODE + org.oxen.x86.cpu.testkit.Asm.asm(KCODE, before).length;
    }

    /** The loop's store rewrites the immediate of an instruction later in the same block. */
    @Test
    void storeIntoTheRunningBlockIsSeenByTheNextInstruction() {
        String src = "xor eax, eax\n mov ecx, 100\n"
                + "top: mov byte ptr [patch + 2], cl\n patch: add eax, 0\n dec ecx\n jnz top\n hlt";
        for (Mode mode : Mode.values()) {
            TestMachine t = load(mode, src);
            assertEquals(RunResult.HALTED, t.run(1_000_000));
            assertEquals(5050, t.reg(X86Cpu.EAX), mode.name());
            if (mode == Mode.TRANSLATOR) assertTrue(stats(t)[2] > 0, "regions dropped");
        }
    }

    /** The loop patches another block of the same region (the one after its branch) every 10th round. */
    @Test
    void storeIntoAnotherBlockOfTheRegion() {
        String src = "xor eax, eax\n xor ebx, ebx\n mov ecx, 100\n"
                + "top: inc ebx\n cmp ebx, 10\n jne 1f\n xor ebx, ebx\n inc byte ptr [patch + 1]\n"
                + "1: patch: add eax, 1\n dec ecx\n jnz top\n hlt";
        int[] eax = new int[2];
        for (Mode mode : Mode.values()) {
            TestMachine t = load(mode, src);
            assertEquals(RunResult.HALTED, t.run(1_000_000));
            eax[mode.ordinal()] = t.reg(X86Cpu.EAX);
        }
        assertEquals(eax[0], eax[1]);
    }

    /**
     * The loop patches its own block through a second linear page mapped to the code's frame
     * (paging on): the write tracking of code frames is by physical frame, so the alias's TLB
     * entry, filled by the first round's store before the region existed, loses its write tag
     * when the region is translated, and the store is seen by the next instruction.
     */
    @Test
    void storeThroughAnAliasOfTheCodeFrameIsSeen() {
        int pt = 0x100000, pd = 0x101000, alias = 0x200000;
        String src = "xor eax, eax\n mov ecx, 100\n"
                + "top: mov byte ptr [patch + 2 + " + (alias - KCODE) + "], cl\n patch: add eax, 0\n dec ecx\n jnz top\n hlt";
        for (Mode mode : Mode.values()) {
            TestMachine t = load(mode, src);
            for (int i = 0; i < 1024; i++) t.ram.write32(pt + 4 * i, i << 12 | 3);
            t.ram.write32(pt + 4 * (alias >>> 12), KCODE | 3); // alias -> the code's frame
            t.ram.write32(pd, pt | 3);
            t.cpu.setCr(3, pd);
            t.cpu.setCr(0, t.cpu.cr(0) | 0x80000000);
            assertEquals(RunResult.HALTED, t.run(1_000_000));
            assertEquals(5050, t.reg(X86Cpu.EAX), mode.name());
            if (mode == Mode.TRANSLATOR) assertTrue(stats(t)[2] > 0, "regions dropped");
        }
    }

    /**
     * Stores to data that shares the frame of a translated loop take the slow path but leave the
     * region alive (its bytes compare equal): the loop's result is right and nothing is dropped.
     */
    @Test
    void storesBesideTranslatedCodeKeepTheRegion() {
        String src = "xor eax, eax\n mov ecx, 1000\n"
                + "top: add eax, ecx\n mov dword ptr [slot], eax\n dec ecx\n jnz top\n mov ebx, dword ptr [slot]\n hlt\n"
                + "slot: .long 0";
        for (Mode mode : Mode.values()) {
            TestMachine t = load(mode, src);
            assertEquals(RunResult.HALTED, t.run(1_000_000));
            assertEquals(500500, t.reg(X86Cpu.EAX), mode.name());
            assertEquals(500500, t.reg(X86Cpu.EBX), mode.name());
            if (mode == Mode.TRANSLATOR) {
                long[] st = stats(t);
                assertTrue(st[0] > 0, "regions compiled");
                assertEquals(0, st[2], "regions dropped");
            }
        }
    }

    /**
     * A CPU created after another translated the same code takes its compiled regions (the JVM
     * holds one class per region); a third CPU whose loop differs in one immediate byte gets its
     * own translation and computes its own result.
     */
    @Test
    void identicalCodeSharesItsTranslationAndChangedCodeDoesNot() {
        String loop = "xor eax, eax\n mov ecx, 200\n top: add eax, %d\n rol eax, 3\n xor eax, ecx\n dec ecx\n jnz top\n hlt";
        int[] expect = new int[2];
        for (int v = 0; v < 2; v++) {
            TestMachine t = load(Mode.INTERPRETER, String.format(loop, 0x11 + v));
            assertEquals(RunResult.HALTED, t.run(100_000));
            expect[v] = t.reg(X86Cpu.EAX);
        }
        assertTrue(expect[0] != expect[1]);
        // the first translating CPU may find the region already shared by an earlier test's CPU
        // (classes are the JVM tier's: the native tier compiles per CPU)
        TestMachine first = load(JVM_TIER, String.format(loop, 0x11));
        assertEquals(RunResult.HALTED, first.run(100_000));
        assertEquals(expect[0], first.reg(X86Cpu.EAX));
        TestMachine second = load(JVM_TIER, String.format(loop, 0x11));
        assertEquals(RunResult.HALTED, second.run(100_000));
        assertEquals(expect[0], second.reg(X86Cpu.EAX));
        long[] st = stats(second);
        assertTrue(st[0] > 0, "regions compiled");
        assertEquals(st[0], ((Core) second.cpu).translationStatistics().shared(), "every region shared");
        TestMachine changed = load(JVM_TIER, String.format(loop, 0x12));
        assertEquals(RunResult.HALTED, changed.run(100_000));
        assertEquals(expect[1], changed.reg(X86Cpu.EAX), "the changed immediate ran");
        assertTrue(stats(changed)[0] > ((Core) changed.cpu).translationStatistics().shared(), "a region of its own");
    }

    /**
     * A region entered again and again within one batch (every round of the loop returns from a
     * routine, and RET leaves the region, so the return address is an entry) compares its code
     * with memory once per code epoch, not at every entry (Region.enter); a store into the
     * routine by the loop itself in the same batch is still seen by the next call (the store
     * moves the epoch).
     */
    @Test
    void aRegionEnteredAgainWithinABatchComparesItsCodeOnce() {
        String sub = "sub: add eax, 1\n add ebx, eax\n xor esi, ebx\n rol esi, 3\n add edi, esi\n ret\n";
        TestMachine t = load(Mode.TRANSLATOR, "xor eax, eax\n mov ecx, 400\n top: call sub\n dec ecx\n jnz top\n hlt\n" + sub);
        assertEquals(RunResult.HALTED, t.run(1_000_000));
        assertEquals(400, t.reg(X86Cpu.EAX));
        TranslationStatistics st = t.cpu.translationStatistics();
        assertTrue(st.entries() >= 350, () -> "a region entered every round: " + st);
        assertTrue(st.codeChecks() <= 4, () -> "code compared once per epoch, not per entry: " + st);

        // the same loop patching the routine's first immediate every 64th round
        String patching = "xor eax, eax\n mov ecx, 400\n top: call sub\n test ecx, 0x3f\n jnz 1f\n"
                + " inc byte ptr [sub + 2]\n 1: dec ecx\n jnz top\n hlt\n" + sub;
        int[] eax = new int[2];
        for (Mode mode : Mode.values()) {
            TestMachine p = load(mode, patching);
            assertEquals(RunResult.HALTED, p.run(1_000_000));
            eax[mode.ordinal()] = p.reg(X86Cpu.EAX);
            if (mode == Mode.TRANSLATOR) assertTrue(stats(p)[2] > 0, "regions dropped");
        }
        assertEquals(eax[0], eax[1], "the patched immediates ran");
        assertTrue(eax[0] > 400, "patched: " + eax[0]);
    }

    /**
     * Another CPU's store into the middle of a translated loop (not its entry, whose record the
     * decoded loop compares itself before it enters the region) is seen at this CPU's next
     * batch: a new batch is a new code epoch, in which the region compares its code again.
     */
    @Test
    void anotherCpusStoreIntoTheMiddleOfARegionIsSeenAtTheNextBatch() {
        TestMachine t = machine(Mode.TRANSLATOR);
        // 0x12009: add ebx, 0; 0x1200C: add eax, 1 (its immediate at 0x1200E)
        t.code(0x12000, "mov ecx, 50\n xor eax, eax\n jmp 1f\n 1: add ebx, 0\n add eax, 1\n dec ecx\n jnz 1b\n hlt");
        for (int i = 0; i < 3; i++) {
            t.cpu.setEip(0x12000);
            t.cpu.setHalted(false);
            assertEquals(RunResult.HALTED, t.run(10_000));
            assertEquals(50, t.reg(X86Cpu.EAX));
        }
        assertTrue(stats(t)[0] > 0);
        X86Cpu other = X86Cpu.create(t.ram, t.bus);
        CpuTestSupport.enterFlat32(other, 0);
        t.code(0x14000, "mov byte ptr [0x1200E], 3\n hlt");
        other.setEip(0x14000);
        assertEquals(RunResult.HALTED, other.run(1000));
        t.cpu.setEip(0x12000);
        t.cpu.setHalted(false);
        assertEquals(RunResult.HALTED, t.run(10_000));
        assertEquals(150, t.reg(X86Cpu.EAX), "the changed immediate ran");
        assertTrue(stats(t)[2] > 0, "the region was dropped");
    }

    /**
     * Code changed behind the CPU's back in the middle of a batch (here by a port device writing
     * RAM when the loop writes to it, as another CPU or a DMA would) is seen by a region entered
     * after the next instruction the interpreter runs (CPUID here: serializing instructions all
     * run there), in the same batch: the region at "top", translated in round 2, runs the new
     * immediate in rounds 3 and 4.
     */
    @Test
    void codeChangedWithinABatchIsSeenAfterTheNextInterpretedInstruction() {
        TestMachine t = machine(Mode.TRANSLATOR);
        // KCODE+9: 1: add esi, 1 (its immediate at KCODE+11)
        t.code(KCODE, "mov ebp, 4\n xor esi, esi\n top: jmp 1f\n 1: add esi, 1\n add edi, esi\n xor edi, 0x55\n"
                + " rol edi, 3\n add edi, 7\n ror edi, 1\n out 0x80, al\n cpuid\n dec ebp\n jnz top\n hlt");
        assertEquals(0x83, t.ram.read8(KCODE + 9));
        int[] writes = new int[1];
        IoPortDevice patcher = new IoPortDevice() {
            @Override
            public int read8(int port) {
                return 0xFF;
            }

            @Override
            public void write8(int port, int value) {
                if (port == 0x80 && writes[0]++ == 1) t.ram.write8(KCODE + 11, 2); // add esi, 2 from round 3
            }
        };
        X86Cpu cpu = X86Cpu.create(t.ram, patcher, CpuOptions.DEFAULT.translateAtOnce());
        CpuTestSupport.enterFlat32(cpu, 0);
        cpu.setEip(KCODE);
        cpu.setGpr(X86Cpu.ESP, 0x9000);
        assertEquals(RunResult.HALTED, cpu.run(1_000_000));
        assertEquals(4, writes[0]);
        assertEquals(1 + 1 + 2 + 2, cpu.gpr(X86Cpu.ESI), "the changed immediate ran");
        assertTrue(cpu.translationStatistics().compiled() > 0, "regions compiled");
    }

    /** A translated routine changed by the host (DMA + invalidateCode) and by another CPU runs as changed. */
    @Test
    void hostAndOtherCpuWritesReachTranslatedCode() {
        TestMachine t = machine(Mode.TRANSLATOR);
        t.code(0x12000, "mov ecx, 50\n xor eax, eax\n 1: add eax, 1\n dec ecx\n jnz 1b\n hlt");
        for (int i = 0; i < 3; i++) {
            t.cpu.setEip(0x12000);
            t.cpu.setHalted(false);
            assertEquals(RunResult.HALTED, t.run(10_000));
            assertEquals(50, t.reg(X86Cpu.EAX));
        }
        assertTrue(stats(t)[0] > 0);
        byte[] add2 = {(byte) 0x83, (byte) 0xC0, 2}; // add eax, 2
        t.ram.load(0x12007, add2, 0, 3);
        t.cpu.invalidateCode(0x12007, 3);
        t.cpu.setEip(0x12000);
        t.cpu.setHalted(false);
        assertEquals(RunResult.HALTED, t.run(10_000));
        assertEquals(100, t.reg(X86Cpu.EAX));

        X86Cpu other = X86Cpu.create(t.ram, t.bus);
        CpuTestSupport.enterFlat32(other, 0);
        t.code(0x14000, "mov byte ptr [0x12009], 3\n hlt");
        other.setEip(0x14000);
        assertEquals(RunResult.HALTED, other.run(1000));
        t.cpu.setEip(0x12000);
        t.cpu.setHalted(false);
        assertEquals(RunResult.HALTED, t.run(10_000));
        assertEquals(150, t.reg(X86Cpu.EAX));
    }
}
