package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.oxen.x86.cpu.testkit.TestMachine.KCODE;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oxen.x86.cpu.internal.x64.NativeTier;
import org.oxen.x86.cpu.testkit.TestMachine;

/**
 * The native tier wired into the dispatcher: hot regions run as x86-64 code (the statistics
 * count them) and agree with the interpreter on registers, flags, memory, EIP and the retired
 * count when their code changes under them, when they store into a frame holding translated
 * code, when a load or store faults, when the page tables change and the TLB is flushed, when an
 * interrupt is raised while they run, and on two CPUs at once.
 */
class NativeTierTest {

    /** Translating at once, the native tier on (the default options otherwise). */
    static final CpuOptions NATIVE = CpuOptions.DEFAULT.translateAtOnce();

    @BeforeEach
    void nativeCodeRuns() {
        assumeTrue(NativeTier.available(), "this host cannot run native code (Linux x86-64 with liboxenhost)");
    }

    static TestMachine load(CpuOptions options, String src) {
        return TranslatorTest.load(options, src);
    }

    static TranslationStatistics stats(TestMachine t) {
        TranslatorTest.stats(t); // no translation failed
        return t.cpu.translationStatistics();
    }

    /** Runs {@code src} to HLT on the interpreter and natively; asserts the same state; returns the native run's statistics. */
    static TranslationStatistics sameAsTheInterpreter(String src) {
        TestMachine a = load(CpuOptions.INTERPRETER, src), b = load(NATIVE, src);
        assertEquals(RunResult.HALTED, a.run(10_000_000));
        assertEquals(RunResult.HALTED, b.run(10_000_000));
        assertArrayEquals(TranslatorTest.state(a), TranslatorTest.state(b), "native differs from the interpreter:\n" + src);
        return stats(b);
    }

    private static final String LOOP = "mov ecx, 5000\n xor eax, eax\n mov ebx, 0x20000\n"
            + "top: add eax, [ebx + 8]\n rol eax, 1\n mov [ebx + 0x40], eax\n xor eax, ecx\n dec ecx\n jnz top\n hlt";

    @Test
    void aHotLoopRunsAsNativeCode() {
        TranslationStatistics st = sameAsTheInterpreter(LOOP);
        assertTrue(st.nativeCompiled() > 0, "native regions: " + st);
        assertTrue(st.nativeInstructions() > 29_000, "instructions run natively: " + st);
        assertTrue(st.nativeTlbFills() > 0, "the native TLB was filled from the CPU's: " + st);
        // the tier switched off: the same loop on the JVM tier alone
        TestMachine jvm = load(NATIVE.withNativeTier(false), LOOP);
        assertEquals(RunResult.HALTED, jvm.run(10_000_000));
        assertEquals(0, stats(jvm).nativeCompiled());
        assertTrue(stats(jvm).compiled() > 0);
    }

    /**
     * The loop rewrites the immediate of an instruction in its own region on every round (the
     * store misses the native TLB: its frame holds translated code, so the CPU's TLB has no write
     * tag for it; the decoded loop stores, which moves the code epoch), so the region's code check
     * finds the change at its next entry and drops it, and every round adds the new immediate.
     */
    @Test
    void selfModifyingCodeThroughTheNativeTier() {
        String src = "mov ecx, 300\n xor eax, eax\n xor edx, edx\n"
                + "top: add eax, 0x11111111\n rol eax, 1\n add edx, eax\n mov byte ptr [top + 1], cl\n dec ecx\n jnz top\n hlt";
        // the immediate's low byte is the instruction's second byte with the short form (05 imm32)
        TranslationStatistics st = sameAsTheInterpreter(src);
        assertTrue(st.nativeCompiled() > 0, "native regions: " + st);
        assertTrue(st.dropped() > 0, "regions dropped after their code changed: " + st);
    }

    /** A loop whose data lie in its own code frame: stores there leave native code and the region stays. */
    @Test
    void storesIntoTheRegionsOwnFrameLeaveNativeCodeAndKeepTheRegion() {
        String src = "mov ecx, 2000\n xor eax, eax\n jmp top\n data: .long 0\n"
                + "top: add eax, ecx\n rol eax, 1\n mov [data], eax\n add eax, [data]\n dec ecx\n jnz top\n hlt";
        TranslationStatistics st = sameAsTheInterpreter(src);
        assertTrue(st.nativeCompiled() > 0, "native regions: " + st);
        assertEquals(0, st.dropped(), "the code did not change: " + st);
    }

    /**
     * FS- and GS-prefixed loads and stores (Linux's per-cpu and TLS accesses) in a hot loop: with
     * FS and GS flat data segments of their own bases the region runs natively and adds each
     * base (written to the context at every entry); with FS limited to 64 KiB it never enters
     * natively (the JVM tier and the decoded loop check the limit), and both agree with the
     * interpreter.
     */
    @Test
    void fsAndGsAccessesAddTheirSegmentsBasesOrStayOffTheNativeTier() {
        String src = "mov ecx, 3000\n xor eax, eax\n"
                + "top: add eax, fs:[0x10]\n mov gs:[0x40], eax\n rol eax, 1\n xor eax, gs:[0x44]\n"
                + " mov fs:[0x20], ecx\n dec ecx\n jnz top\n hlt";
        for (int fsLimit : new int[] { 0xFFFFF, 0xFFFF }) { // 4 GiB in pages, then 64 KiB in bytes
            java.util.function.Function<CpuOptions, TestMachine> make = o -> {
                TestMachine m = load(o, src);
                m.seg(0x50, 0x20000, fsLimit, 0x92, fsLimit == 0xFFFFF ? 0xC : 0x4);
                m.seg(0x58, 0x20080, 0xFFFFF, 0x92, 0xC);
                m.cpu.loadSegment(X86Cpu.FS, 0x50);
                m.cpu.loadSegment(X86Cpu.GS, 0x58);
                return m;
            };
            TestMachine a = make.apply(CpuOptions.INTERPRETER), b = make.apply(NATIVE);
            assertEquals(RunResult.HALTED, a.run(10_000_000));
            assertEquals(RunResult.HALTED, b.run(10_000_000));
            assertArrayEquals(TranslatorTest.state(a), TranslatorTest.state(b), "FS limit " + fsLimit + ":\n" + src);
            for (int at = 0x20000; at < 0x20100; at += 4) assertEquals(a.ram.read32(at), b.ram.read32(at), "memory at " + at);
            TranslationStatistics st = stats(b);
            if (fsLimit == 0xFFFFF) {
                assertTrue(st.nativeInstructions() > 15_000, "FS/GS accesses run natively: " + st);
            } else {
                assertTrue(st.nativeInstructions() < 100, "FS not flat: no native run: " + st);
            }
        }
    }

    // ---- paging: faults and flushes ----

    static final int PD = 0x100000, PT = 0x101000, PT2 = 0x102000;

    /** Identity-maps 4 MiB, maps 0x800000.. through PT2 (empty), #PF handler at 0x30000 logging error code, CR2 and EIP. */
    static TestMachine paged(CpuOptions options, String src) {
        TestMachine m = load(options, src);
        for (int i = 0; i < 1024; i++) m.ram.write32(PT + 4 * i, i << 12 | 3);
        for (int i = 0; i < 1024; i++) m.ram.write32(PT2 + 4 * i, 0);
        m.ram.write32(PD, PT | 3);
        m.ram.write32(PD + 8, PT2 | 3);
        m.cpu.setCr(3, PD);
        m.idt(14, 0x08, 0x30000, 0xE, 0);
        m.code(0x30000, "pop dword ptr [0x7000]\n pop dword ptr [0x7008]\n mov eax, cr2\n mov [0x7004], eax\n hlt");
        m.cpu.setCr(0, m.cpu.cr(0) | 0x80000000);
        return m;
    }

    /** Runs {@code src} paged on the interpreter and natively to HLT; returns the native machine after asserting equal states. */
    static TestMachine pagedSame(String src, java.util.function.Consumer<TestMachine> setup) {
        TestMachine a = paged(CpuOptions.INTERPRETER, src), b = paged(NATIVE, src);
        setup.accept(a);
        setup.accept(b);
        assertEquals(RunResult.HALTED, a.run(10_000_000));
        assertEquals(RunResult.HALTED, b.run(10_000_000));
        assertArrayEquals(TranslatorTest.state(a), TranslatorTest.state(b), "native differs from the interpreter:\n" + src);
        for (int at = 0x7000; at < 0x700C; at += 4) assertEquals(a.ram.read32(at), b.ram.read32(at), "fault log at " + at);
        return b;
    }

    /**
     * A load and then a store walking pages 0x800000.. fault at the first page not present: the
     * #PF frame holds the loading (storing) instruction's EIP, the error code says read (write)
     * of a not-present page, CR2 its address; the loop ran natively over the pages before.
     */
    @Test
    void aPageFaultInANativeRegionHasTheExactEipErrorCodeAndCr2() {
        for (boolean store : new boolean[] {false, true}) {
            String access = store ? "mov [esi + 4], eax\n" : "add eax, [esi + 4]\n";
            String src = "mov esi, 0x800000\n xor eax, eax\n mov ecx, 100\n"
                    + "top: " + access + " add esi, 0x1000\n rol eax, 1\n dec ecx\n jnz top\n hlt";
            TestMachine b = pagedSame(src, m -> {
                for (int p = 0; p < 40; p++) m.ram.write32(PT2 + 4 * p, (0x400000 + p * 0x1000) | 3);
            });
            assertEquals(store ? 2 : 0, b.ram.read32(0x7000), "error code: not present, " + (store ? "write" : "read"));
            assertEquals(0x800000 + 40 * 0x1000 + 4, b.ram.read32(0x7004), "CR2");
            int faultingEip = KCODE + org.oxen.x86.cpu.testkit.Asm.asm(KCODE, src.substring(0, src.indexOf("top:"))).length;
            assertEquals(faultingEip, b.ram.read32(0x7008), "the #PF frame's EIP is the access's");
            TranslationStatistics st = b.cpu.translationStatistics();
            assertTrue(st.nativeInstructions() > 150, "the loop ran natively before the fault: " + st);
        }
    }

    /**
     * A routine summing the dword at 0x800000 runs natively (its TLB entry filled), then the
     * page is mapped to another frame and the TLB flushed: by INVLPG, then by a CR3 reload. Each
     * sum after a flush reads the new frame, so each flush reached the native TLB.
     */
    @Test
    void invlpgAndCr3ReloadReachTheNativeTlb() {
        String remap = "mov dword ptr [" + PT2 + "], %s\n";
        String src = "call sum\n mov edi, eax\n"
                + String.format(remap, "0x301003") + " invlpg [0x800000]\n call sum\n mov ebp, eax\n"
                + String.format(remap, "0x302003") + " mov eax, cr3\n mov cr3, eax\n call sum\n hlt\n"
                + "sum: xor eax, eax\n mov ecx, 500\n 1: add eax, [0x800000]\n dec ecx\n jnz 1b\n ret";
        TestMachine b = pagedSame(src, m -> {
            m.ram.write32(PT2, 0x300003);
            m.ram.write32(0x300000, 1);
            m.ram.write32(0x301000, 2);
            m.ram.write32(0x302000, 3);
        });
        assertEquals(500, b.reg(X86Cpu.EDI));
        assertEquals(1000, b.reg(X86Cpu.EBP), "after INVLPG");
        assertEquals(1500, b.reg(X86Cpu.EAX), "after the CR3 reload");
        TranslationStatistics st = b.cpu.translationStatistics();
        assertTrue(st.nativeInstructions() > 2500, "the sums ran natively: " + st);
    }

    // ---- events and CPUs ----

    /**
     * An endless native loop: another thread raises INTR once the loop has run natively past a
     * batch; the loop's budget exits bring the CPU back to its run loop, which takes the interrupt
     * (its handler halts) long before the run's limit.
     */
    @Test
    void aBudgetExitDeliversAnInterruptRaisedWhileNativeCodeRuns() throws InterruptedException {
        String loop = "sti\n xor ecx, ecx\n xor edx, edx\n top: inc ecx\n add edx, ecx\n rol edx, 1\n jmp top\n";
        TestMachine t = load(NATIVE, loop + "handler: mov [0x31000], ecx\n hlt\n");
        t.idt(0x20, 0x08, KCODE + org.oxen.x86.cpu.testkit.Asm.asm(KCODE, loop).length, 0xE, 0);
        t.cpu.setInterruptController(() -> 0x20);
        Thread input = new Thread(() -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (t.cpu.translationStatistics().nativeInstructions() < 100_000 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            t.cpu.intr().set(true);
        }, "input");
        input.setDaemon(true);
        input.start();
        long limit = 40_000_000_000L;
        assertEquals(RunResult.HALTED, t.run(limit), "the handler halted");
        input.join();
        long n = t.cpu.instructionCount();
        assertTrue(n < limit / 2, "taken after " + n + " instructions");
        long rounds = t.ram.read32(0x31000) & 0xFFFFFFFFL;
        assertTrue(Math.abs(rounds - (n - 3 - 2) / 4) <= 1, rounds + " rounds in " + n + " instructions");
        assertTrue(t.cpu.translationStatistics().nativeInstructions() >= 100_000, "" + t.cpu.translationStatistics());
    }

    /** Two CPUs of one JVM run the same code natively at once, each in its own context and arena. */
    @Test
    void twoCpusRunNativeRegionsAtOnce() throws Exception {
        TestMachine[] m = {load(NATIVE, LOOP), load(NATIVE, LOOP)};
        TestMachine ref = load(CpuOptions.INTERPRETER, LOOP);
        assertEquals(RunResult.HALTED, ref.run(10_000_000));
        RunResult[] r = new RunResult[2];
        Thread[] th = new Thread[2];
        for (int i = 0; i < 2; i++) {
            int k = i;
            th[i] = new Thread(() -> r[k] = m[k].run(10_000_000));
            th[i].start();
        }
        for (Thread x : th) x.join();
        for (int i = 0; i < 2; i++) {
            assertEquals(RunResult.HALTED, r[i]);
            assertArrayEquals(TranslatorTest.state(ref), TranslatorTest.state(m[i]), "CPU " + i);
            assertTrue(stats(m[i]).nativeInstructions() > 29_000, "CPU " + i + ": " + stats(m[i]));
        }
    }

    /** The interpreter and the tiers agree with the native tier on the random programs of {@link TranslatorTest}, cut into budgets. */
    @Test
    void smallBudgetsStopNativeRegionsAtTheInterpretersInstruction() {
        java.util.Random rnd = new java.util.Random(7);
        for (int prog = 0; prog < 4; prog++) {
            String src = TranslatorTest.program(rnd);
            TestMachine a = load(CpuOptions.INTERPRETER, src), b = load(NATIVE, src);
            int[] budgets = {64, 65, 100, 333, 1000, 4097};
            for (int step = 0;; step++) {
                int n = budgets[step % budgets.length];
                RunResult ra = a.run(n), rb = b.run(n);
                assertEquals(ra, rb, "step " + step);
                assertArrayEquals(TranslatorTest.state(a), TranslatorTest.state(b), "program " + prog + " step " + step);
                if (ra == RunResult.HALTED) break;
            }
        }
    }
}
