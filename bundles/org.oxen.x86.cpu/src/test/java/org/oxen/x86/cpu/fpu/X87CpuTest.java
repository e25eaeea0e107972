package org.oxen.x86.cpu.fpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.oxen.x86.api.Ram;
import org.oxen.x86.cpu.CpuTestSupport;
import org.oxen.x86.cpu.RunResult;
import org.oxen.x86.cpu.X86Cpu;

/**
 * The x87 inside the CPU: device-not-available (#NM) from CR0.EM/TS/MP, x87 floating-point
 * error (#MF) from a pending unmasked exception with CR0.NE, and the no-wait instructions that
 * do not raise it.
 */
class X87CpuTest {
    private static final int CODE = 0x1000, DATA = 0x2000;
    private final Ram ram = new Ram(1 << 20);
    private final X86Cpu cpu = CpuTestSupport.flat32(ram, 0);

    /** Runs code (HLT appended); returns the exception vector or -1 when HLT was reached. */
    private int run(int cr0, int... code) {
        byte[] b = new byte[code.length + 1];
        for (int i = 0; i < code.length; i++) {
            b[i] = (byte) code[i];
        }
        b[code.length] = (byte) 0xf4;
        ram.load(CODE, b, 0, b.length);
        cpu.invalidateCode(CODE, b.length);
        cpu.setCr(0, cr0);
        cpu.setEip(CODE);
        cpu.setGpr(X86Cpu.ESP, 0x8000);
        cpu.setGpr(X86Cpu.EBX, DATA);
        RunResult r = CpuTestSupport.runUntilHlt(cpu, 10_000);
        return r == RunResult.HALTED ? -1 : cpu.lastExit().vector();
    }

    private static final int PE_ET_NE = 0x31;

    @Test
    void tsOrEmRaiseNmOnEscape() {
        assertEquals(7, run(PE_ET_NE | 0x8, 0xd9, 0xe8)); // TS: FLD1 -> #NM
        assertEquals(CODE, cpu.eip());
        assertEquals(7, run(PE_ET_NE | 0x4, 0xd9, 0xe8)); // EM: FLD1 -> #NM
        assertEquals(-1, run(PE_ET_NE, 0xd9, 0xe8));
    }

    @Test
    void fwaitHonoursMp() {
        assertEquals(7, run(PE_ET_NE | 0x2 | 0x8, 0x9b)); // MP and TS: WAIT -> #NM
        assertEquals(-1, run(PE_ET_NE | 0x8, 0x9b)); // TS without MP: WAIT runs
    }

    @Test
    void pendingUnmaskedExceptionRaisesMfOnTheNextWaitingInstruction() {
        ram.write16(DATA, 0x037b); // ZE unmasked
        // fninit; fldcw [ebx]; fld1; fldz; fdivp st1 (1/0 -> pending #Z); fld1 -> #MF
        int[] prefix = {0xdb, 0xe3, 0xd9, 0x2b, 0xd9, 0xe8, 0xd9, 0xee, 0xde, 0xf9};
        int[] code = new int[prefix.length + 2];
        System.arraycopy(prefix, 0, code, 0, prefix.length);
        code[prefix.length] = 0xd9;
        code[prefix.length + 1] = 0xe8;
        assertEquals(16, run(PE_ET_NE, code));
        assertEquals(CODE + prefix.length, cpu.eip());
        // the same, then FWAIT -> #MF
        int[] code2 = new int[prefix.length + 1];
        System.arraycopy(prefix, 0, code2, 0, prefix.length);
        code2[prefix.length] = 0x9b;
        assertEquals(16, run(PE_ET_NE, code2));
        // no-wait instructions do not fault: fnstsw ax; fnclex; then fld1 runs
        int[] code3 = new int[prefix.length + 6];
        System.arraycopy(prefix, 0, code3, 0, prefix.length);
        System.arraycopy(new int[] {0xdf, 0xe0, 0xdb, 0xe2, 0xd9, 0xe8}, 0, code3, prefix.length, 6);
        assertEquals(-1, run(PE_ET_NE, code3));
        assertEquals(0x8084, cpu.gpr(X86Cpu.EAX) & 0x80ff, "FNSTSW AX saw B, ES and ZE");
    }

    @Test
    void fxsaveFxrstorInstructions() {
        // fninit; fld1; fldpi; fxsave [ebx]; fninit; fxrstor [ebx]; fstp st0 -> st0 = 1 again
        assertEquals(-1, run(PE_ET_NE, 0xdb, 0xe3, 0xd9, 0xe8, 0xd9, 0xeb, 0x0f, 0xae, 0x03, 0xdb, 0xe3, 0x0f, 0xae, 0x0b,
                0xdd, 0xd8));
        assertEquals(0x037f, ram.read16(DATA));
        assertEquals(6 << 11, ram.read16(DATA + 2));
        assertEquals(0xc0, ram.read8(DATA + 4));
        assertEquals(0xc90fdaa22168c235L, ram.read64(DATA + 32));
        byte[] fx = new byte[512];
        cpu.saveFpu(fx);
        assertEquals(0x80, fx[4] & 0xff, "after FXRSTOR and one pop only physical 7 is valid");
        assertEquals(0x3f, fx[32 + 9] & 0xff, "ST0 = 1.0 (exponent 0x3fff)");
        // a misaligned FXSAVE operand raises #GP
        cpu.setGpr(X86Cpu.EBX, DATA + 8);
        byte[] code = {0x0f, (byte) 0xae, 0x03, (byte) 0xf4};
        ram.load(CODE, code, 0, code.length);
        cpu.invalidateCode(CODE, code.length);
        cpu.setEip(CODE);
        assertEquals(RunResult.EXIT, CpuTestSupport.runUntilHlt(cpu, 100));
        assertEquals(13, cpu.lastExit().vector());
    }
}
