package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.oxen.x86.cpu.testkit.TestMachine.KCODE;

import org.junit.jupiter.api.Test;
import org.oxen.x86.cpu.testkit.TestMachine;

/** The MSRs kernels read at boot: IA32_DEBUGCTL, the MTRRs, IA32_MISC_ENABLE; reserved bits #GP. */
class MsrTest {

    final TestMachine m = new TestMachine().protectedMode();

    /** Runs {@code src} at CPL 0 up to its HLT; #GP exits. */
    RunResult kernel(String src) {
        m.cpu.setExceptionExit(13, true);
        m.cpu.setHalted(false);
        m.code(KCODE, src + "\n hlt");
        m.cpu.setEip(KCODE);
        return m.run(10_000);
    }

    long rdmsr(int idx) {
        assertEquals(RunResult.HALTED, kernel("mov ecx, " + idx + "\n rdmsr"), () -> "rdmsr 0x" + Integer.toHexString(idx));
        return (m.cpu.gpr(X86Cpu.EAX) & 0xFFFFFFFFL) | (long) m.cpu.gpr(X86Cpu.EDX) << 32;
    }

    RunResult wrmsr(int idx, long v) {
        return kernel("mov ecx, " + idx + "\n mov eax, " + (int) v + "\n mov edx, " + (int) (v >>> 32) + "\n wrmsr");
    }

    void assertGp(RunResult r) {
        assertEquals(RunResult.EXIT, r);
        assertEquals(13, m.cpu.lastExit().vector());
        assertEquals(0, m.cpu.lastExit().errorCode());
    }

    @Test
    void cpuidAdvertisesMtrrAndTheCapabilitiesMatch() {
        assertEquals(RunResult.HALTED, kernel("mov eax, 1\n cpuid"));
        assertEquals(CpuidModel.MTRR, m.cpu.gpr(X86Cpu.EDX) & CpuidModel.MTRR);
        assertEquals(0, m.cpu.gpr(X86Cpu.EDX) & (1 << 25 | 1 << 26 | 1 << 23), "no SSE, SSE2 or MMX");
        assertEquals(0x508L, rdmsr(0xFE), "MTRRcap: 8 variable ranges, fixed ranges, WC; no SMRR");
    }

    @Test
    void mtrrsHoldWhatIsWrittenAndRefuseBadTypesAndReservedBits() {
        assertEquals(0L, rdmsr(0x2FF), "MTRRs disabled at reset");
        assertEquals(RunResult.HALTED, wrmsr(0x2FF, 0xC06));
        assertEquals(0xC06L, rdmsr(0x2FF));
        assertEquals(RunResult.HALTED, wrmsr(0x200, 0x0_8000_0000L | 6));
        assertEquals(RunResult.HALTED, wrmsr(0x201, 0xF_8000_0800L));
        assertEquals(0x8000_0006L, rdmsr(0x200));
        assertEquals(0xF_8000_0800L, rdmsr(0x201));
        assertEquals(RunResult.HALTED, wrmsr(0x20F, 0xF_FFFF_F800L));
        assertEquals(0xF_FFFF_F800L, rdmsr(0x20F));
        assertEquals(RunResult.HALTED, wrmsr(0x250, 0x0606060606060606L));
        assertEquals(0x0606060606060606L, rdmsr(0x250));
        assertEquals(RunResult.HALTED, wrmsr(0x26F, 0x0504010006060606L));
        assertEquals(0x0504010006060606L, rdmsr(0x26F));
        assertGp(wrmsr(0x2FF, 0x802));                  // type 2 is reserved
        assertGp(wrmsr(0x2FF, 0x1006));                 // bit 12 reserved
        assertGp(wrmsr(0x200, 0x7));                    // type 7 reserved
        assertGp(wrmsr(0x200, 1L << 40));               // above the 36 physical-address bits
        assertGp(wrmsr(0x201, 0xF_8000_0400L));         // mask bit 10 reserved
        assertGp(wrmsr(0x259, 0x0606060606060306L));    // a fixed range with type 3
        assertGp(kernel("mov ecx, 0x210\n rdmsr"));     // past the eighth pair
        assertEquals(0xC06L, rdmsr(0x2FF), "a refused write changes nothing");
    }

    @Test
    void debugCtlKeepsLbrAndBtfOnly() {
        assertEquals(0L, rdmsr(0x1D9));
        assertEquals(RunResult.HALTED, wrmsr(0x1D9, 3));
        assertEquals(3L, rdmsr(0x1D9));
        assertGp(wrmsr(0x1D9, 1 << 6));
        assertEquals(3L, m.cpu.msr(0x1D9));
    }

    @Test
    void miscEnableReadsFastStringsAndKeepsWrites() {
        assertEquals(1L, rdmsr(0x1A0));
        assertEquals(RunResult.HALTED, wrmsr(0x1A0, 0x1 | 1L << 22));
        assertEquals(0x400001L, rdmsr(0x1A0));
    }

    @Test
    void msrsAreRing0Only() {
        assertEquals(RunResult.HALTED, kernel("mov ecx, 0x1d9\n rdmsr"));
        m.cpu.setCpl(3);
        assertGp(kernel("mov ecx, 0x1d9\n rdmsr"));
    }
}
