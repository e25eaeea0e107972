package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.oxen.x86.cpu.TranslatorTest.Mode;
import org.oxen.x86.cpu.internal.Core;
import org.oxen.x86.cpu.testkit.TestMachine;

/**
 * Translated code for zero-based flat data leaves its region before an instruction whose access
 * misses the inline path (here a dword load and a dword store that cross a page, which never take
 * it) instead of calling the CPU, and the decoded loop runs that instruction: the state after the
 * loop, and after every budget it is cut into, is the interpreter's, and the region is entered
 * again for every round (with the calls it ran the whole loop in one entry). When such exits are
 * frequent, the entry is translated again with the calls.
 */
class TranslatorSlowExitTest {

    /** Each round: a load across 0x20FFE..0x21001, a store across 0x30FFE..0x31001, inline RMW and ALU. */
    private static String loop(int rounds) {
        return "mov ecx, " + rounds + "\n xor edi, edi\n mov esi, 0x20000\n"
                + "top: add edi, [esi]\n add esi, 4\n and esi, 0x20FFF\n mov ebx, [0x20FFE]\n xor edi, ebx\n"
                + " mov [0x30FFE], edi\n add dword ptr [0x30010], 3\n dec ecx\n jnz top\n hlt\n";
    }

    /** Runs {@code rounds} rounds on both tiers; returns the translator's statistics. */
    private static TranslationStatistics agree(int rounds) {
        int[][] out = new int[2][];
        TranslationStatistics st = null;
        for (Mode mode : Mode.values()) {
            TestMachine t = TranslatorTest.load(mode, loop(rounds));
            assertEquals(RunResult.HALTED, t.run(1_000_000));
            out[mode.ordinal()] = withCrossing(t, TranslatorTest.state(t));
            if (mode == Mode.TRANSLATOR) {
                TranslatorTest.stats(t);
                st = ((Core) t.cpu).translationStatistics();
            }
        }
        assertArrayEquals(out[0], out[1], "translated differs from the interpreter");
        return st;
    }

    @Test
    void aRegionLeavesBeforeAnAccessOffItsInlinePathAndTheDecodedLoopRunsIt() {
        TranslationStatistics st = agree(40);
        assertEquals(1, st.compiled(), "one region, left at the crossing load of every round");
        assertTrue(st.entries() >= 30, "entered again every round (calls ran the loop in one entry): " + st);
    }

    @Test
    void frequentSlowExitsCompileTheEntryAgainWithCalls() {
        TranslationStatistics st = agree(3000);
        assertEquals(2, st.compiled(), "the entry translated again, with calls: " + st);
        assertTrue(st.entries() < 300, "after that the loop runs in one entry, not one per round: " + st);
    }

    @Test
    void everyBudgetStopsAtTheInterpretersInstruction() {
        for (int budget : new int[] {1, 2, 3, 5, 7, 9, 13}) {
            int[][] out = new int[2][];
            for (Mode mode : Mode.values()) {
                TestMachine t = TranslatorTest.load(mode, loop(300));
                long total = 0;
                for (int i = 0; i < 40; i++) {
                    t.run(budget);
                    total = t.cpu.instructionCount();
                }
                assertEquals(40L * budget, total, mode + ": budget " + budget + " retired exactly");
                out[mode.ordinal()] = withCrossing(t, TranslatorTest.state(t));
            }
            assertArrayEquals(out[0], out[1], "budget " + budget + ": translated differs from the interpreter");
        }
    }

    /** The state and the dwords around the two crossings. */
    private static int[] withCrossing(TestMachine t, int[] state) {
        int[] out = new int[state.length + 4];
        System.arraycopy(state, 0, out, 0, state.length);
        out[state.length] = t.ram.read32(0x30FFC);
        out[state.length + 1] = t.ram.read32(0x31000);
        out[state.length + 2] = t.ram.read32(0x20FFC);
        out[state.length + 3] = t.ram.read32(0x21000);
        return out;
    }
}
