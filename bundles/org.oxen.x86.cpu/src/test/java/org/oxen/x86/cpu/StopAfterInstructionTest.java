package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.oxen.x86.api.DirectMemory;
import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.PhysicalMemory;
import org.oxen.x86.api.Ram;
import org.oxen.x86.cpu.internal.Core;
import org.oxen.x86.cpu.testkit.Asm;

/**
 * {@link X86Cpu#requestStopAfterInstruction()} from a device inside an instruction (as the
 * board's timer queue calls it when a device arms a deadline): {@code run} returns STOPPED
 * right after that instruction, with the instruction count, EIP and registers of that point,
 * in every tier: the interpreter, the decoded-instruction loop, a translated region that leaves
 * before its MMIO access (the decoded loop runs it) and one translated again with calls (the
 * access runs inside the region). The loop then runs on to its end unchanged.
 *
 * <p>The loop: {@code ecx = N; edi = 0; top: <device access>; add edi, ecx; dec ecx; jnz top;
 * hlt}; the device asks for the stop at its {@code k}-th access.
 */
class StopAfterInstructionTest {

    private static final int CODE = 0x10000, MMIO = 0x0100_0000, PORT = 0x80, N = 5000;

    /** RAM below 16 MiB (direct), one MMIO page above it; the device counts accesses there and at its port. */
    private static final class Rig implements PhysicalMemory, DirectMemory, IoPortDevice {
        final Ram ram = new Ram(16 << 20);
        final X86Cpu cpu;
        int accesses, stopAt;
        long countAtStop = -1;

        Rig(CpuOptions options, String access) {
            this(options, "mov ecx, " + N + "\n xor edi, edi\n top: " + access + "\n add edi, ecx\n dec ecx\n jnz top\n hlt\n",
                    0);
        }

        Rig(CpuOptions options, String program, int unused) {
            cpu = X86Cpu.create(this, this, options);
            CpuTestSupport.enterFlat32(cpu, 0);
            byte[] code = Asm.asm(CODE, program);
            ram.load(CODE, code, 0, code.length);
            cpu.setEip(CODE);
            cpu.setGpr(X86Cpu.ESP, 0x9000);
        }

        private int access() {
            if (++accesses == stopAt) {
                cpu.requestStopAfterInstruction();
            }
            return accesses;
        }

        private boolean mmio(long a) {
            return a >= MMIO && a < MMIO + 0x1000;
        }

        @Override public int read8(long a) { return mmio(a) ? access() & 0xFF : ram.read8(a); }
        @Override public int read16(long a) { return mmio(a) ? access() & 0xFFFF : ram.read16(a); }
        @Override public int read32(long a) { return mmio(a) ? access() : ram.read32(a); }
        @Override public long read64(long a) { return ram.read64(a); }
        @Override public void write8(long a, int v) { if (mmio(a)) access(); else ram.write8(a, v); }
        @Override public void write16(long a, int v) { if (mmio(a)) access(); else ram.write16(a, v); }
        @Override public void write32(long a, int v) { if (mmio(a)) access(); else ram.write32(a, v); }
        @Override public void write64(long a, long v) { ram.write64(a, v); }

        @Override
        public long directAddress(long page, boolean write) {
            return page < ram.size() ? ram.directAddress(page, write) : 0;
        }

        @Override
        public boolean directWrite(long page, boolean writing) {
            return ram.directWrite(page, writing);
        }

        @Override
        public int read8(int port) {
            return port == PORT ? access() & 0xFF : 0xFF;
        }

        @Override
        public void write8(int port, int value) {
            if (port == PORT) access();
        }
    }

    private enum Tier {
        INTERPRETER(CpuOptions.INTERPRETER), DECODED(CpuOptions.cacheOnly()), TRANSLATED(CpuOptions.DEFAULT.translateAtOnce());

        final CpuOptions options;

        Tier(CpuOptions options) {
            this.options = options;
        }
    }

    /**
     * Stops at the {@code k}-th access of {@code access} (an instruction of {@code length}
     * bytes) and checks the state is right after it; then runs the rest; returns the rig.
     */
    private static Rig stopAt(Tier tier, String access, int length, int k) {
        Rig rig = new Rig(tier.options, access);
        rig.stopAt = k;
        X86Cpu cpu = rig.cpu;
        RunResult r = cpu.run(10_000_000);
        String what = tier + ", " + access + ", access " + k;
        assertEquals(RunResult.STOPPED, r, what);
        assertEquals(k, rig.accesses, what + ": accesses before the stop");
        // mov ecx; xor edi; (k - 1) whole turns of 4; the k-th access
        assertEquals(2 + 4L * (k - 1) + 1, cpu.instructionCount(), what + ": instructions retired");
        assertEquals(CODE + 7 + length, cpu.eip(), what + ": EIP after the access");
        assertEquals(N - k + 1, cpu.gpr(X86Cpu.ECX), what + ": ECX");
        long sum = 0;
        for (int i = 0; i < k - 1; i++) sum += N - i;
        assertEquals((int) sum, cpu.gpr(X86Cpu.EDI), what + ": EDI");
        // and nothing was lost: the loop runs to its end
        assertEquals(RunResult.HALTED, cpu.run(10_000_000), what + ": after the stop");
        assertEquals(N, rig.accesses, what);
        assertEquals(N * (N + 1) / 2, cpu.gpr(X86Cpu.EDI), what + ": EDI at the end");
        assertEquals(2 + 4L * N + 1, cpu.instructionCount(), what + ": instructions at the end");
        return rig;
    }

    @Test
    void anMmioStoreStopsEveryTierAfterItself() {
        for (Tier tier : Tier.values()) {
            for (int k : new int[] {1, 2, 37, 4000}) {
                Rig rig = stopAt(tier, "mov [" + MMIO + "], ecx", 6, k);
                if (tier == Tier.TRANSLATED) {
                    TranslationStatistics st = rig.cpu.translationStatistics();
                    assertEquals(0, st.dropped(), "a stop does not drop the region: " + st);
                }
            }
        }
    }

    /**
     * After frequent exits before the MMIO store the loop's entry is translated again with
     * calls, so the store runs inside the region, whose test after a store through the CPU
     * sees the stop and leaves there.
     */
    @Test
    void aRegionThatCallsTheCpuForItsStoreLeavesAfterTheStoreThatAskedForTheStop() {
        Rig rig = stopAt(Tier.TRANSLATED, "mov [" + MMIO + "], ecx", 6, 3000);
        TranslationStatistics st = rig.cpu.translationStatistics();
        assertEquals(2, st.compiled(), "the loop translated again with calls: " + st);
        assertEquals(0, st.dropped(), st.toString());
        assertEquals(null, ((Core) rig.cpu).translatorFailure());
    }

    /**
     * A region that leaves after the store that asked for the stop may leave at the entry of
     * another region (here {@code mid}, a branch target of its own): the dispatcher does not
     * run that one. The state at the stop is the interpreter's, whose stop the first test checks.
     */
    @Test
    void theRegionDispatcherRunsNoFurtherRegionAfterAStop() {
        String program = "mov ecx, " + N + "\n xor edi, edi\n top: mov [" + MMIO + "], ecx\n mid: add edi, ecx\n dec ecx\n"
                + " jz end\n test cl, 1\n jz top\n jmp mid\n end: hlt\n";
        for (int k : new int[] {1, 100, 2000}) {
            long[] expected = null;
            for (Tier tier : Tier.values()) {
                Rig rig = new Rig(tier.options, program, 0);
                rig.stopAt = k;
                assertEquals(RunResult.STOPPED, rig.cpu.run(10_000_000), tier + ", access " + k);
                long[] state = {rig.accesses, rig.cpu.instructionCount(), rig.cpu.eip(), rig.cpu.gpr(X86Cpu.ECX),
                        rig.cpu.gpr(X86Cpu.EDI)};
                if (expected == null) {
                    expected = state;
                    assertEquals(k, rig.accesses);
                } else {
                    assertEquals(java.util.Arrays.toString(expected), java.util.Arrays.toString(state),
                            tier + ", access " + k + ": accesses, instructions, EIP, ECX, EDI as the interpreter's");
                }
                assertEquals(RunResult.HALTED, rig.cpu.run(10_000_000));
                assertEquals(N / 2, rig.accesses, tier + ": every even ECX stores once");
            }
        }
    }

    @Test
    void anMmioLoadStopsTheInterpreterAndTheDecodedLoopAfterItself() {
        for (Tier tier : Tier.values()) {
            for (int k : new int[] {1, 5, 40}) {
                stopAt(tier, "mov edx, [" + MMIO + "]", 6, k);
            }
        }
    }

    @Test
    void portOutputStopsEveryTierAfterItself() {
        for (Tier tier : Tier.values()) {
            for (int k : new int[] {1, 3, 1000}) {
                stopAt(tier, "out " + PORT + ", al", 2, k);
            }
        }
    }

    @Test
    void outsideRunItIsAStopRequest() {
        Rig rig = new Rig(CpuOptions.DEFAULT, "nop");
        rig.cpu.requestStopAfterInstruction();
        assertEquals(RunResult.STOPPED, rig.cpu.run(1000));
        assertEquals(0, rig.cpu.instructionCount());
        assertEquals(RunResult.HALTED, rig.cpu.run(1_000_000));
    }
}
