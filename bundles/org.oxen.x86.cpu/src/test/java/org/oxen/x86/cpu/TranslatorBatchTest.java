package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.x86.cpu.testkit.TestMachine.KCODE;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.oxen.x86.cpu.TranslatorTest.Mode;
import org.oxen.x86.cpu.testkit.TestMachine;

/**
 * A translated loop keeps running past the run loop's batches while nothing asks for its
 * attention, and still sees, within a batch, an interrupt raised or a stop requested by another
 * thread; it never runs past the run's instruction limit.
 */
class TranslatorBatchTest {

    /** An endless register loop; the handler of vector 0x20 stores ECX and halts. */
    private static final String LOOP = "sti\n xor ecx, ecx\n xor edx, edx\n top: inc ecx\n add edx, ecx\n rol edx, 1\n jmp top\n"
            + "handler: mov [0x31000], ecx\n hlt\n";

    private static final long BUDGET = 4_000_000_000L;

    private static TestMachine loop(Mode mode) {
        TestMachine t = TranslatorTest.machine(mode);
        t.code(KCODE, LOOP);
        int handler = KCODE + org.oxen.x86.cpu.testkit.Asm.asm(KCODE, LOOP.substring(0, LOOP.indexOf("handler:"))).length;
        t.idt(0x20, 0x08, handler, 0xE, 0);
        t.cpu.setInterruptController(() -> 0x20);
        t.cpu.setEip(KCODE);
        t.cpu.setGpr(X86Cpu.ESP, 0x9000);
        return t;
    }

    /** Starts a thread that waits until the loop has run on past a batch, then does {@code input}. */
    private static Thread afterAGrant(X86Cpu cpu, Runnable input) {
        Thread th = new Thread(() -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (cpu.translationStatistics().grants() < 2 && System.nanoTime() < deadline) Thread.onSpinWait();
            input.run();
        }, "input");
        th.setDaemon(true);
        th.start();
        return th;
    }

    @Test
    void anInterruptRaisedWhileATranslatedLoopRunsOnIsTaken() throws InterruptedException {
        TestMachine t = loop(Mode.TRANSLATOR);
        Thread th = afterAGrant(t.cpu, () -> t.cpu.intr().set(true));
        RunResult r = t.run(BUDGET);
        th.join();
        assertEquals(RunResult.HALTED, r, "the interrupt's handler halted");
        assertTrue(t.cpu.translationStatistics().grants() >= 2, "the loop ran on past batches");
        long n = t.cpu.instructionCount();
        assertTrue(n < BUDGET / 2, "taken after " + n + " instructions, not at the run's end");
        // 3 instructions, then 4 per round; the handler's store and HLT come after ECX rounds
        long rounds = t.ram.read32(0x31000) & 0xFFFFFFFFL;
        assertTrue(rounds > 0 && Math.abs(rounds - (n - 3) / 4) <= 1, rounds + " rounds in " + n + " instructions");
    }

    @Test
    void aStopRequestedWhileATranslatedLoopRunsOnEndsTheRun() throws InterruptedException {
        TestMachine t = loop(Mode.TRANSLATOR);
        Thread th = afterAGrant(t.cpu, t.cpu::requestStop);
        RunResult r = t.run(BUDGET);
        th.join();
        assertEquals(RunResult.STOPPED, r);
        long n = t.cpu.instructionCount();
        assertTrue(n < BUDGET / 2, "stopped after " + n + " instructions, not at the run's end");
        // the state is exact: the loop goes on from where it stopped, as the interpreter's would
        TestMachine ref = loop(Mode.INTERPRETER);
        assertEquals(RunResult.INSTRUCTION_LIMIT, ref.run(n));
        assertEquals(ref.cpu.eip(), t.cpu.eip());
        assertEquals(ref.reg(X86Cpu.ECX), t.reg(X86Cpu.ECX));
        assertEquals(ref.reg(X86Cpu.EDX), t.reg(X86Cpu.EDX));
        assertEquals(ref.cpu.eflags(), t.cpu.eflags());
    }

    /** Batches granted to a region never take it past the run's limit: both stop at the same instruction. */
    @Test
    void aLoopRunningOnStopsExactlyAtTheRunsLimit() {
        for (long limit : new long[] {4096 * 3 + 17, 1_000_003}) {
            TestMachine a = loop(Mode.INTERPRETER), b = loop(Mode.TRANSLATOR);
            assertEquals(RunResult.INSTRUCTION_LIMIT, a.run(limit));
            assertEquals(RunResult.INSTRUCTION_LIMIT, b.run(limit));
            assertEquals(limit, b.cpu.instructionCount());
            assertEquals(a.cpu.eip(), b.cpu.eip());
            assertEquals(a.reg(X86Cpu.ECX), b.reg(X86Cpu.ECX));
            assertEquals(a.reg(X86Cpu.EDX), b.reg(X86Cpu.EDX));
            assertEquals(a.cpu.eflags(), b.cpu.eflags());
            assertTrue(b.cpu.translationStatistics().grants() > 0, "the region ran on past a batch");
        }
    }
}
