package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.oxen.x86.cpu.testkit.TestMachine.KCODE;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oxen.x86.cpu.internal.x64.NativeTier;
import org.oxen.x86.cpu.testkit.Asm;
import org.oxen.x86.cpu.testkit.TestMachine;

/**
 * Native code resumed at an access inside a region after its TLB miss was filled
 * ({@code NativeContext.RESUME}): a loop touching a new page at every round, with its loads and
 * stores in the middle of the region, runs natively whole instead of leaving for the decoded loop
 * at each first touch; it agrees with the interpreter on registers, flags (live across the
 * resumed access), memory, EIP and the retired count, when cut into budgets of 1 and up, and
 * when the access faults after resumes (EIP, CR2 and error code of the #PF exact).
 */
class NativeTierResumeTest {

    @BeforeEach
    void nativeCodeRuns() {
        assumeTrue(NativeTier.available(), "this host cannot run native code (Linux x86-64 with liboxenhost)");
    }

    private static final int ROUNDS = 300;

    /**
     * Every round: an ADD whose carry the ADC after the load reads (LEA between them keeps the flags; those saved at the probe
     * must come back at the resume), a load from a page not touched before and a store to
     * another (each misses the native TLB: the load's fill gives no write tag, so the store
     * misses too).
     */
    private static final String PAGE_WALK = "mov esi, 0x800000\n mov edi, 0x900000\n xor eax, eax\n xor edx, edx\n"
            + " mov ecx, " + ROUNDS + "\n"
            + "top: add edx, 0xC0000000\n lea eax, [eax + eax * 4]\n adc eax, [esi + 8]\n adc edx, 0\n mov [edi + 12], eax\n"
            + " add esi, 0x1000\n add edi, 0x1000\n dec ecx\n jnz top\n mov [0x20000], eax\n hlt";
    private static final int PER_ROUND = 9;

    /** Maps 0x800000.. (the loads' pages, each holding a value at +8) and 0x900000.. (the stores'), {@code present} pages of each. */
    private static void mapPages(TestMachine m, int present) {
        for (int p = 0; p < present; p++) {
            int load = 0x400000 + p * 0x1000, store = 0x600000 + p * 0x1000;
            m.ram.write32(NativeTierTest.PT2 + 4 * p, load | 3);
            m.ram.write32(NativeTierTest.PT2 + 4 * (256 + p), store | 3);
            m.ram.write32(load + 8, 0x9E3779B9 * (p + 1));
        }
    }

    /** Both machines' stored dwords (one per round's page) are equal. */
    private static void sameStores(TestMachine a, TestMachine b) {
        for (int p = 0; p < ROUNDS; p++) {
            int at = 0x600000 + p * 0x1000 + 12;
            assertEquals(a.ram.read32(at), b.ram.read32(at), "the store of round " + p);
        }
    }

    /**
     * The loop runs natively whole: without the resume each round's first load leaves native
     * code at its miss and the decoded loop runs the rest of the round (7 of its 9 instructions).
     */
    @Test
    void aMissInsideARegionIsFilledAndTheCodeResumesAtTheAccess() {
        TestMachine b = NativeTierTest.pagedSame(PAGE_WALK, m -> mapPages(m, ROUNDS));
        TestMachine a = NativeTierTest.paged(CpuOptions.INTERPRETER, PAGE_WALK);
        mapPages(a, ROUNDS);
        assertEquals(RunResult.HALTED, a.run(10_000_000));
        sameStores(a, b);
        TranslationStatistics st = b.cpu.translationStatistics();
        assertTrue(st.nativeTlbFills() > ROUNDS / 2, "the rounds missed the native TLB: " + st);
        assertTrue(st.nativeInstructions() > (ROUNDS - 5) * PER_ROUND,
                "the rounds ran natively after their misses: " + st.nativeInstructions() + " of " + ROUNDS * PER_ROUND + "; " + st);
    }

    /** The same loop cut into budgets from 1 up: every run stops at the interpreter's instruction. */
    @Test
    void budgetsFromOneStopAtTheInterpretersInstructionAcrossResumes() {
        TestMachine a = NativeTierTest.paged(CpuOptions.INTERPRETER, PAGE_WALK), b = NativeTierTest.paged(NativeTierTest.NATIVE, PAGE_WALK);
        mapPages(a, ROUNDS);
        mapPages(b, ROUNDS);
        int[] budgets = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 17, 23, 31, 64, 65, 100};
        for (int step = 0;; step++) {
            int n = budgets[step % budgets.length];
            RunResult ra = a.run(n), rb = b.run(n);
            assertEquals(ra, rb, "step " + step);
            assertArrayEquals(TranslatorTest.state(a), TranslatorTest.state(b), "step " + step + " (budget " + n + ")");
            if (ra == RunResult.HALTED) break;
        }
        sameStores(a, b);
        TranslationStatistics st = b.cpu.translationStatistics();
        assertTrue(st.nativeInstructions() > ROUNDS * PER_ROUND / 3, "the loop ran natively between the budgets' exits: " + st);
    }

    /**
     * After {@code present} rounds resumed at their misses, the next page is not present: the
     * load's (the store's) #PF has the access's EIP, CR2 and a read (write) error code, and the
     * state is the interpreter's.
     */
    @Test
    void aFaultAfterResumesIsExact() {
        int present = 120;
        String prefix = PAGE_WALK.substring(0, PAGE_WALK.indexOf("top:"));
        String body = PAGE_WALK.substring(PAGE_WALK.indexOf("top:") + 4);
        for (boolean store : new boolean[] {false, true}) {
            TestMachine b = NativeTierTest.pagedSame(PAGE_WALK, m -> {
                mapPages(m, ROUNDS);
                m.ram.write32(NativeTierTest.PT2 + 4 * ((store ? 256 : 0) + present), 0);
            });
            String upTo = store ? body.substring(0, body.indexOf("mov [edi + 12]")) : body.substring(0, body.indexOf("adc eax, [esi"));
            int accessEip = KCODE + Asm.asm(KCODE, prefix + "top:" + upTo).length;
            assertEquals(accessEip, b.ram.read32(0x7008), "the #PF frame's EIP is the access's");
            int page = (store ? 0x900000 : 0x800000) + present * 0x1000;
            assertEquals(page + (store ? 12 : 8), b.ram.read32(0x7004), "CR2");
            assertEquals(store ? 2 : 0, b.ram.read32(0x7000), "error code: not present, " + (store ? "write" : "read"));
            TranslationStatistics st = b.cpu.translationStatistics();
            assertTrue(st.nativeInstructions() > (present - 5) * PER_ROUND, "the rounds before ran natively: " + st);
        }
    }

    /**
     * An outer loop whose region holds an inner loop (the outer head is translated, at the
     * threshold of 1,000, while the inner loop does not go round; its last round goes round
     * 20,000 times), cut into budgets: at each budget exit at the inner head the decoded loop runs
     * the batch's last few instructions, and the next branch to the head enters the outer region
     * natively there again, so the inner loop runs natively and every step agrees with the
     * interpreter. Without the entry at heads the inner loop runs in the decoded loop from the
     * first exit on (its head is no region's entry, and too few of its rounds come back there to
     * translate it).
     */
    @Test
    void aBudgetExitAtALoopHeadInsideARegionIsEnteredThereAgain() {
        String src = "mov ebx, 1100\n xor eax, eax\n"
                + "outer: mov ecx, 1\n mov edx, 20000\n cmp ebx, 1\n cmove ecx, edx\n" // no branch reaches the inner head before
                + "top: add eax, ecx\n xor eax, 0x55\n lea edx, [eax + ecx]\n dec ecx\n jnz top\n"
                + " dec ebx\n jnz outer\n mov [0x20000], eax\n hlt";
        TestMachine a = NativeTierTest.load(CpuOptions.INTERPRETER, src);
        TestMachine b = NativeTierTest.load(new CpuOptions(true, true, 1000, 1, true), src);
        for (int step = 0;; step++) {
            int n = step % 3 == 0 ? 1000 : 4097;
            RunResult ra = a.run(n), rb = b.run(n);
            assertEquals(ra, rb, "step " + step);
            assertArrayEquals(TranslatorTest.state(a), TranslatorTest.state(b), "step " + step + " (budget " + n + ")");
            if (ra == RunResult.HALTED) break;
        }
        TranslationStatistics st = NativeTierTest.stats(b);
        assertEquals(1, st.compiled(), "the outer loop's region only: " + st);
        assertTrue(st.nativeInstructions() > 95_000, "the inner loop's 100,000 instructions ran natively: " + st);
    }
}
