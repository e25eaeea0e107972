package org.oxen.x86.cpu.diff;

import org.oxen.x86.api.Ram;
import org.oxen.x86.cpu.CpuOptions;
import org.oxen.x86.cpu.CpuTestSupport;
import org.oxen.x86.cpu.RunResult;
import org.oxen.x86.cpu.SegmentState;
import org.oxen.x86.cpu.X86Cpu;

/**
 * The oxen side of the differential tester: a flat 32-bit CPU at CPL 3 (like the native
 * harness, which runs in user mode) over 1 MiB of RAM. Each case's code is followed by HLT; the
 * CPU runs until HLT or an exception exit.
 *
 * <p>Three ways to run: {@link #interpreting()} reuses one CPU with the decoded-instruction cache
 * (cases run once: the cacheable forms through their records, the rest through the interpreter);
 * {@link #interpreterOnly()} reuses one CPU without the cache, so every instruction runs through
 * the interpreter's handlers (the tier under the cache, which the first way reaches only for
 * prefixed and uncacheable forms); {@link #translating()} gives every case a fresh
 * CPU that translates at once and enters the case through a JMP from a trampoline in the same
 * frame, and repeats the case (state restored) until the translator has compiled a region at
 * its first instruction, then compares the run that went through that region. A fresh CPU per
 * case, because a frame whose regions keep dying (new code at the same address) gets no more.
 */
final class OxenCpuRunner {
    private static final int MAX_INSTRUCTIONS = 100_000;
    /** A 32-bit TSS whose I/O map base lies beyond its limit: no port is accessible at CPL 3 (as under Linux). */
    private static final int TSS = 0x50000;
    /** {@code nop; nop; jmp CODE_ADDR}, in the code's frame (regions start at branch targets of their own frame). */
    private static final int TRAMPOLINE = TestCase.CODE_ADDR + 0x800;
    /** Runs of one case before giving up on its translation (decode, translate, then the region runs). */
    private static final int MAX_RUNS = 4;

    private final Ram ram = new Ram(1 << 20);
    private final boolean translate;
    private X86Cpu cpu;
    private final byte[] fx = new byte[512];
    private final byte[] zero = new byte[TestCase.MEM_SIZE];
    private final byte[] codeBuf = new byte[256];
    /** Translating runner: cases whose compared run went through a region compiled at their entry. */
    long translatedCases;
    final java.util.Map<String, Long> translatedByFamily = new java.util.TreeMap<>();

    private OxenCpuRunner(boolean translate, CpuOptions options) {
        this.translate = translate;
        ram.write16(TSS + 0x66, 0x68);
        // two NOPs first: the instruction at a fresh fetch window runs on the slow path, and
        // only a JMP run from its decoded record counts as an arrival at the case's first record
        ram.write8(TRAMPOLINE, 0x90);
        ram.write8(TRAMPOLINE + 1, 0x90);
        long rel = TestCase.CODE_ADDR - (TRAMPOLINE + 7L);
        ram.write8(TRAMPOLINE + 2, 0xE9);
        ram.write32(TRAMPOLINE + 3, (int) rel);
        cpu = X86Cpu.create(ram, CpuTestSupport.NO_IO, options);
    }

    /** One CPU for every case, decoded records, no translator. */
    static OxenCpuRunner interpreting() {
        return new OxenCpuRunner(false, CpuOptions.cacheOnly());
    }

    /** One CPU for every case, no decoded-instruction cache: the interpreter alone. */
    static OxenCpuRunner interpreterOnly() {
        return new OxenCpuRunner(false, CpuOptions.INTERPRETER);
    }

    /** A fresh translating CPU per case; each case repeated until translated. */
    static OxenCpuRunner translating() {
        return new OxenCpuRunner(true, CpuOptions.cacheOnly());
    }

    Result run(TestCase c) {
        if (!translate) {
            return runOnce(c, TestCase.CODE_ADDR);
        }
        cpu = X86Cpu.create(ram, CpuTestSupport.NO_IO, CpuOptions.DEFAULT.translateAtOnce());
        Result res = null;
        for (int i = 0; i < MAX_RUNS; i++) {
            long before = cpu.translationStatistics().compiled();
            res = runOnce(c, TRAMPOLINE);
            if (before > 0) {          // a region was compiled before this run: it ran this case
                translatedCases++;
                translatedByFamily.merge(c.family, 1L, Long::sum);
                break;
            }
            if (cpu.translationStatistics().failed() > 0) {
                throw new IllegalStateException("translation failed: " + cpu.translationStatistics());
            }
        }
        return res;
    }

    private Result runOnce(TestCase c, int entry) {
        CpuTestSupport.enterFlat32(cpu, 3);
        cpu.setTr(new SegmentState(0x28, TSS, 0x67, 0x8b));
        int n = c.code.length;
        System.arraycopy(c.code, 0, codeBuf, 0, n);
        codeBuf[n] = (byte) 0xf4; // HLT
        ram.load(TestCase.CODE_ADDR, codeBuf, 0, n + 1);
        cpu.invalidateCode(TestCase.CODE_ADDR, n + 1);
        byte[] mem = c.mem != null ? c.mem : zero;
        ram.load(TestCase.DATA_ADDR, mem, 0, TestCase.MEM_SIZE);
        cpu.invalidateCode(TestCase.DATA_ADDR, TestCase.MEM_SIZE);
        for (int i = 0; i < 8; i++) {
            cpu.setGpr(i, c.regs[i]);
        }
        cpu.setEflags(c.eflags);
        cpu.setEip(entry);
        loadFpu(c);

        Result res = new Result();
        RunResult rr = CpuTestSupport.runUntilHlt(cpu, MAX_INSTRUCTIONS);
        if (rr == RunResult.HALTED) {
            res.eipOffset = cpu.eip() - 1 - TestCase.CODE_ADDR;
        } else if (rr == RunResult.EXIT && cpu.lastExit().vector() >= 0) {
            res.vector = cpu.lastExit().vector();
            res.eipOffset = cpu.eip() - TestCase.CODE_ADDR;
        } else {
            res.vector = 0x100; // "did not reach HLT": never equal to a host result
            res.eipOffset = cpu.eip() - TestCase.CODE_ADDR;
        }
        for (int i = 0; i < 8; i++) {
            res.regs[i] = cpu.gpr(i);
        }
        res.eflags = cpu.eflags();
        if (c.mem != null) {
            res.mem = new byte[TestCase.MEM_SIZE];
            for (int i = 0; i < TestCase.MEM_SIZE; i++) {
                res.mem[i] = (byte) ram.read8(TestCase.DATA_ADDR + i);
            }
        }
        if (c.fpu) {
            cpu.saveFpu(fx);
            res.fcw = u16(0);
            res.fsw = u16(2);
            res.ftw = fx[4] & 0xff;
            for (int i = 0; i < 8; i++) {
                long m = 0;
                for (int k = 7; k >= 0; k--) {
                    m = m << 8 | (fx[32 + 16 * i + k] & 0xff);
                }
                res.stM[i] = m;
                res.stSe[i] = u16(32 + 16 * i + 8);
            }
        }
        return res;
    }

    private int u16(int off) {
        return (fx[off] & 0xff) | (fx[off + 1] & 0xff) << 8;
    }

    private void loadFpu(TestCase c) {
        java.util.Arrays.fill(fx, (byte) 0);
        int fcw = c.fpu ? c.fcw : 0x037f;
        int fsw = c.fpu ? c.fsw : 0;
        fx[0] = (byte) fcw;
        fx[1] = (byte) (fcw >> 8);
        fx[2] = (byte) fsw;
        fx[3] = (byte) (fsw >> 8);
        fx[4] = (byte) (c.fpu ? c.ftw : 0);
        fx[24] = (byte) 0x80;
        fx[25] = (byte) 0x1f;
        if (c.fpu) {
            for (int i = 0; i < 8; i++) {
                long m = c.stM[i];
                for (int k = 0; k < 8; k++) {
                    fx[32 + 16 * i + k] = (byte) (m >>> (8 * k));
                }
                fx[32 + 16 * i + 8] = (byte) c.stSe[i];
                fx[32 + 16 * i + 9] = (byte) (c.stSe[i] >> 8);
            }
        }
        cpu.restoreFpu(fx);
    }
}
