package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.x86.cpu.testkit.TestMachine.KCODE;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.oxen.x86.cpu.TranslatorTest.Mode;
import org.oxen.x86.cpu.testkit.TestMachine;

/**
 * The translator tells its CPU's listener when it works on the CPU's thread, once around each
 * translation (an HVM vcpu holds its time meanwhile).
 */
class TranslationListenerTest {

    /** Two hot loops, one after the other: two translations. */
    /**
     * Two loops, each its own region: an indirect jump between them ends the first one's plan
     * (else the second loop's head would be a loop head inside the first region, entered there
     * after a budget exit, and never translated on its own).
     */
    private static final String TWO_LOOPS = "mov ecx, 100000\n a: add eax, ecx\n dec ecx\n jnz a\n lea esi, [second]\n jmp esi\n"
            + "second: mov ecx, 100000\n b: xor edx, ecx\n rol edx, 3\n dec ecx\n jnz b\n hlt\n";

    /** Records the listener's calls, and what the CPU had compiled at each. */
    private static final class Recorder implements TranslationListener {
        final List<String> calls = new ArrayList<>();
        final List<Thread> threads = new ArrayList<>();
        X86Cpu cpu;
        boolean inside;

        @Override
        public void translationBegins() {
            assertFalse(inside, "begins twice without an end");
            inside = true;
            calls.add("begins@" + cpu.translationStatistics().compiled());
            threads.add(Thread.currentThread());
        }

        @Override
        public void translationEnds() {
            assertTrue(inside, "ends without a begin");
            inside = false;
            calls.add("ends@" + cpu.translationStatistics().compiled());
            threads.add(Thread.currentThread());
        }
    }

    @Test
    void eachTranslationIsReportedOnTheCpusThreadAroundItsCompile() {
        TestMachine t = TranslatorTest.machine(Mode.TRANSLATOR);
        t.code(KCODE, TWO_LOOPS);
        t.cpu.setEip(KCODE);
        t.cpu.setGpr(X86Cpu.ESP, 0x9000);
        Recorder r = new Recorder();
        r.cpu = t.cpu;
        t.cpu.setTranslationListener(r);
        assertEquals(RunResult.HALTED, t.run(100_000_000L));
        long compiled = t.cpu.translationStatistics().compiled();
        assertTrue(compiled >= 2, "both loops translated: " + compiled);
        assertFalse(r.inside, "every translation ended");
        // one pair per translation, nothing compiled outside one: the k-th pair begins with k
        // regions compiled (the count moves as the translator returns, after the pair's end)
        assertEquals(0, t.cpu.translationStatistics().failed());
        assertEquals(2 * compiled, r.calls.size(), r.calls.toString());
        for (int i = 0; i < r.calls.size(); i += 2) {
            assertEquals("begins@" + i / 2, r.calls.get(i), r.calls.toString());
        }
        for (Thread th : r.threads) assertSame(Thread.currentThread(), th, "told on the CPU's own thread");

        // no listener: the CPU runs as before and tells no one
        TestMachine u = TranslatorTest.machine(Mode.TRANSLATOR);
        u.code(KCODE, TWO_LOOPS);
        u.cpu.setEip(KCODE);
        u.cpu.setGpr(X86Cpu.ESP, 0x9000);
        u.cpu.setTranslationListener(r);
        u.cpu.setTranslationListener(null);
        int calls = r.calls.size();
        assertEquals(RunResult.HALTED, u.run(100_000_000L));
        assertEquals(calls, r.calls.size());
        assertEquals(t.reg(X86Cpu.EDX), u.reg(X86Cpu.EDX));
    }
}
