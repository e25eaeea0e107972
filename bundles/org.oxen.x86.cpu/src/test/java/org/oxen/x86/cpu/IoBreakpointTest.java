package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.x86.cpu.testkit.TestMachine.KCODE;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.oxen.x86.cpu.testkit.TestMachine;

/**
 * I/O breakpoints (SDM Vol. 3, 18.2.4-18.2.5, 18.3.1.2): with CR4.DE, R/W 10 in DR7 makes DRn a
 * port range (LEN 1/2/4 bytes, the low bits of the address ignored accordingly); IN, OUT, INS
 * and OUTS touching it trap (#DB after the instruction, DR6 Bn); a REP INS/OUTS traps after the
 * iteration. Without CR4.DE, R/W 10 is undefined and breaks nowhere.
 */
class IoBreakpointTest {
    static final int RF = 0x10000, DE = 8;
    static final int IO0 = 0x1 | 2 << 16; // L0, R/W 10, LEN 00
    final TestMachine m = new TestMachine().protectedMode();

    /** #DB handler: per trap n, DR6 (0x7100+4n), pushed EIP (0x7200+4n), EFLAGS (0x7300+4n), ECX (0x7400+4n). */
    IoBreakpointTest() {
        m.idt(1, 0x08, 0x30000, 0xE, 0);
        m.code(0x30000, "push eax\n push edx\n mov edx, [0x7000]\n mov eax, dr6\n mov [0x7100+edx*4], eax\n"
                + "mov eax, [esp+8]\n mov [0x7200+edx*4], eax\n mov eax, [esp+16]\n mov [0x7300+edx*4], eax\n"
                + "mov [0x7400+edx*4], ecx\n inc dword ptr [0x7000]\n pop edx\n pop eax\n iretd");
    }

    RunResult kernel(String src) {
        m.code(KCODE, src + "\n hlt");
        m.cpu.setEip(KCODE);
        m.cpu.setHalted(false);
        return m.run(10_000);
    }

    int traps() {
        return m.ram.read32(0x7000);
    }

    int dr6(int n) {
        return m.ram.read32(0x7100 + 4 * n) & 0xE00F;
    }

    int eip(int n) {
        return m.ram.read32(0x7200 + 4 * n);
    }

    int rf(int n) {
        return m.ram.read32(0x7300 + 4 * n) & RF;
    }

    int ecx(int n) {
        return m.ram.read32(0x7400 + 4 * n);
    }

    static final String IN_OUT = "mov al, 0x33\n mov dword ptr [0x7010], offset a1\n mov dword ptr [0x7014], offset a2\n"
            + "out 0x81, al\n in al, 0x7f\n mov dx, 0x7f\n in ax, dx\n a1: out 0x80, al\n a2: nop";

    @Test
    void inAndOutOnTheBreakpointsPortTrapAfterTheInstruction() {
        m.cpu.setCr(4, DE);
        m.cpu.setDr(0, 0x80);
        m.cpu.setDr(7, IO0);
        assertEquals(RunResult.HALTED, kernel(IN_OUT));
        assertEquals(2, traps()); // IN AX from 0x7F (0x7F-0x80) and OUT 0x80; not 0x81 nor the byte at 0x7F
        assertEquals(m.ram.read32(0x7010), eip(0)); // a trap: EIP after the IN
        assertEquals(m.ram.read32(0x7014), eip(1));
        assertEquals(1, dr6(0)); // B0
        assertEquals(1, dr6(1));
        assertEquals(0, rf(0));
        assertEquals(0x5AFF, m.reg(X86Cpu.EAX) & 0xFFFF); // the IN completed (0x7F reads 0xFF, 0x80 0x5A)
        assertEquals(List.of(0x81 << 16 | 0x33, 0x80 << 16 | 0xFF), m.portWrites); // so did the OUTs
    }

    @Test
    void withoutCr4DeReadWrite10IsNoBreakpointUntilTheGuestSetsDe() {
        m.cpu.setDr(0, 0x80);
        m.cpu.setDr(7, IO0);
        assertEquals(RunResult.HALTED, kernel(IN_OUT));
        assertEquals(0, traps());
        assertEquals(RunResult.HALTED, kernel("out 0x80, al\n mov eax, cr4\n or eax, 8\n mov cr4, eax\n"
                + "mov dword ptr [0x7010], offset a1\n out 0x80, al\n a1: nop"));
        assertEquals(1, traps());
        assertEquals(m.ram.read32(0x7010), eip(0));
    }

    @Test
    void fourBytePortRangeIsAligned() {
        m.cpu.setCr(4, DE);
        m.cpu.setDr(1, 0x3F9); // LEN 4: 0x3F8-0x3FB
        m.cpu.setDr(7, 0x8 | 2 << 20 | 3 << 22); // G1, R/W 10, LEN 11
        assertEquals(RunResult.HALTED, kernel("mov dx, 0x3fc\n out dx, al\n mov dx, 0x3f4\n out dx, eax\n"
                + "mov dx, 0x3f6\n in eax, dx\n mov dword ptr [0x7010], offset a1\n mov dx, 0x3fb\n out dx, al\n a1: nop"));
        assertEquals(2, traps()); // the dword at 0x3F6 and the byte at 0x3FB
        assertEquals(2, dr6(0)); // B1
        assertEquals(2, dr6(1));
        assertEquals(m.ram.read32(0x7010), eip(1));
    }

    @Test
    void repOutsbAndRepInswTrapAfterEachIteration() {
        m.cpu.setCr(4, DE);
        m.cpu.setDr(0, 0x80);
        m.cpu.setDr(7, IO0);
        m.ram.write32(0x6000, 0x00636261);
        assertEquals(RunResult.HALTED, kernel("mov esi, 0x6000\n mov dx, 0x81\n mov ecx, 3\n rep outsb\n"
                + "mov esi, 0x6000\n mov dx, 0x80\n mov ecx, 3\n mov dword ptr [0x7010], offset r1\n r1: rep outsb\n"
                + "mov edi, 0x6100\n mov dx, 0x7f\n mov ecx, 2\n mov dword ptr [0x7014], offset r2\n r2: rep insw"));
        assertEquals(5, traps()); // none on port 0x81, one per element on 0x80 and on 0x7F-0x80
        int r1 = m.ram.read32(0x7010), r2 = m.ram.read32(0x7014);
        int[] ecx = {2, 1, 0, 1, 0};
        int[] eip = {r1, r1, r1 + 2, r2, r2 + 3};
        int[] rf = {RF, RF, 0, RF, 0}; // not the last iteration: EIP at the REP, RF=1 pushed
        for (int k = 0; k < 5; k++) {
            assertEquals(ecx[k], ecx(k), "trap " + k);
            assertEquals(eip[k], eip(k), "trap " + k);
            assertEquals(rf[k], rf(k), "trap " + k);
            assertEquals(1, dr6(k), "trap " + k);
        }
        assertEquals(6, m.portWrites.size());
        assertEquals(0x5AFF5AFF, m.ram.read32(0x6100));
        assertEquals(0x6104, m.reg(X86Cpu.EDI));
    }

    @Test
    void insHittingAnIoAndADataBreakpointReportsBoth() {
        m.cpu.setCr(4, DE);
        m.cpu.setDr(0, 0x80);
        m.cpu.setDr(1, 0x6000);
        m.cpu.setDr(7, IO0 | 0x4 | 1 << 20); // + L1, write, 1 byte
        assertEquals(RunResult.HALTED, kernel("mov edi, 0x6000\n mov dx, 0x80\n insb\n outsb"));
        assertEquals(2, traps());
        assertEquals(3, dr6(0)); // B0 | B1
        assertEquals(1, dr6(1)); // B0-B3 are rewritten on every #DB
        assertEquals(0x5A, m.ram.read8(0x6000));
    }

    @Test
    void ioBreakpointMatchesNeitherCodeNorData() {
        m.cpu.setCr(4, DE);
        m.cpu.setDr(0, 0x80);
        m.cpu.setDr(1, KCODE + 5);
        m.cpu.setDr(7, IO0 | 0x4 | 2 << 20);
        assertEquals(RunResult.HALTED, kernel("mov al, [0x80]\n mov byte ptr [0x80], al\n nop"));
        assertEquals(0, traps());
        assertTrue(m.portWrites.isEmpty());
    }
}
