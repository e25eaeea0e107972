package org.oxen.x86.cpu;

import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.PhysicalMemory;
import org.oxen.x86.api.Ram;

/**
 * A stable way for tests (the differential tester, instruction tests) to set up a CPU without a
 * board: flat 32-bit protected mode, no paging, every exception an exit.
 *
 * <pre>
 * Ram ram = new Ram(16 &lt;&lt; 20);
 * X86Cpu cpu = CpuTestSupport.flat32(ram, 0);   // CPL 0
 * ram.load(0x1000, code, 0, code.length);
 * cpu.setEip(0x1000); cpu.setGpr(X86Cpu.ESP, 0x8000);
 * RunResult r = CpuTestSupport.runUntilHlt(cpu, 1_000_000);  // HALTED, or EXIT with lastExit().vector()
 * </pre>
 */
public final class CpuTestSupport {

    /** An I/O bus with nothing on it: reads all ones, writes ignored. */
    public static final IoPortDevice NO_IO = new IoPortDevice() {
        @Override
        public int read8(int offset) {
            return 0xFF;
        }

        @Override
        public void write8(int offset, int value) {
        }
    };

    private CpuTestSupport() {
    }

    /** {@link #flat32(PhysicalMemory, IoPortDevice, int)} with no I/O devices. */
    public static X86Cpu flat32(PhysicalMemory mem, int cpl) {
        return flat32(mem, NO_IO, cpl);
    }

    /**
     * A CPU in 32-bit protected mode (CR0.PE|ET|NE, no paging), CS/SS/DS/ES/FS/GS flat 4 GiB at
     * {@code cpl} (selectors 0x08/0x10 for CPL 0, 0x1B/0x23 for CPL 3, though no GDT exists in
     * memory: do not reload segments), EFLAGS = 2, all GPRs 0, EIP 0, every exception vector an
     * exit (so {@link #runUntilHlt} reports faults instead of needing an IDT).
     */
    public static X86Cpu flat32(PhysicalMemory mem, IoPortDevice io, int cpl) {
        X86Cpu cpu = X86Cpu.create(mem, io);
        enterFlat32(cpu, cpl);
        return cpu;
    }

    /** Puts an existing CPU into the state described in {@link #flat32(PhysicalMemory, IoPortDevice, int)}. */
    public static void enterFlat32(X86Cpu cpu, int cpl) {
        cpu.setCr(0, 0x00000031);
        int cs = cpl == 0 ? 0x08 : 0x18 | cpl;
        int ds = cpl == 0 ? 0x10 : 0x20 | cpl;
        cpu.setSegment(X86Cpu.CS, SegmentState.flat(cs, true, cpl));
        for (int s : new int[] {X86Cpu.ES, X86Cpu.SS, X86Cpu.DS, X86Cpu.FS, X86Cpu.GS}) {
            cpu.setSegment(s, SegmentState.flat(ds, false, cpl));
        }
        cpu.setCpl(cpl);
        cpu.setEflags(2);
        for (int i = 0; i < 8; i++) {
            cpu.setGpr(i, 0);
        }
        cpu.setEip(0);
        cpu.setGdt(0, 0);
        cpu.setIdt(0, 0);
        for (int v = 0; v < 32; v++) {
            cpu.setExceptionExit(v, true);
        }
    }

    /**
     * Runs until HLT (also HLT at CPL 3, which is reported as HALTED with EIP after the HLT
     * instead of #GP), an exit, or the instruction limit.
     */
    public static RunResult runUntilHlt(X86Cpu cpu, long maxInstructions) {
        RunResult r = cpu.run(maxInstructions);
        if (r == RunResult.HALTED) {
            cpu.setHalted(false);
            return r;
        }
        if (r == RunResult.EXIT && cpu.lastExit().reason() == ExitReason.EXCEPTION && cpu.lastExit().vector() == 13
                && cpu.cpl() > 0 && readCodeByte(cpu) == 0xF4) {
            cpu.setEip(cpu.eip() + 1);
            return RunResult.HALTED;
        }
        return r;
    }

    private static int readCodeByte(X86Cpu cpu) {
        return cpu instanceof org.oxen.x86.cpu.internal.Core
                ? ((org.oxen.x86.cpu.internal.Core) cpu).peekCode() : -1;
    }
}
