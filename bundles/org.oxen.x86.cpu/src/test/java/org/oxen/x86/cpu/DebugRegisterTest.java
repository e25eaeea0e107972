package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oxen.x86.cpu.testkit.TestMachine.KCODE;

import org.junit.jupiter.api.Test;
import org.oxen.x86.cpu.testkit.TestMachine;

/**
 * DR0-DR3 breakpoints under DR7 (SDM Vol. 3, ch. 18): instruction breakpoints are faults (EIP at
 * the instruction, RF=0 pushed, RF in the IRET image suppresses one re-hit), data breakpoints
 * traps after the instruction (W or RW, length 1/2/4); DR6 B0-B3 tell which. Also: fault-class
 * exceptions push RF=1, software interrupts RF=0; REP string instructions trap per iteration.
 * DR7.GD makes MOV DR a #DB fault with DR6.BD, after the #GP/#UD checks; every #DB clears GD on
 * entry. DR4/DR5 are DR6/DR7 without CR4.DE and #UD with it.
 */
class DebugRegisterTest {
    static final int RF = 0x10000;
    final TestMachine m = new TestMachine().protectedMode();

    /** A #DB handler: counts at 0x7000, records DR6 (0x7004), pushed EIP (0x7008) and EFLAGS (0x700c). */
    void dbHandler(boolean setRf) {
        m.idt(1, 0x08, 0x30000, 0xE, 0);
        m.code(0x30000, "inc dword ptr [0x7000]\n mov eax, dr6\n mov [0x7004], eax\n mov eax, [esp]\n mov [0x7008], eax\n"
                + "mov eax, [esp+8]\n mov [0x700c], eax\n" + (setRf ? "or dword ptr [esp+8], 0x10000\n" : "") + "iretd");
    }

    RunResult kernel(String src, long max) {
        m.code(KCODE, src);
        m.cpu.setEip(KCODE);
        m.cpu.setHalted(false);
        return m.run(max);
    }

    @Test
    void instructionBreakpointFaultsAndRfSuppressesOneRehit() {
        dbHandler(true);
        m.cpu.setDr(0, KCODE + 5); // the INC
        m.cpu.setDr(7, 0x1); // L0, R/W 00, LEN 00
        assertEquals(RunResult.HALTED, kernel("mov ecx, 2\n inc ebx\n loop .-1\n hlt", 1000));
        assertEquals(2, m.ram.read32(0x7000)); // once per execution of the INC
        assertEquals(2, m.reg(X86Cpu.EBX)); // and the INC ran after each
        assertEquals(1, m.ram.read32(0x7004) & 0xF); // B0
        assertEquals(KCODE + 5, m.ram.read32(0x7008)); // a fault: EIP at the instruction
        assertEquals(0, m.ram.read32(0x700c) & RF); // RF not set by the CPU for this #DB
        assertEquals(0, m.cpu.eflags() & RF); // cleared again by the next instruction
    }

    @Test
    void withoutRfTheBreakpointFaultsAgainForever() {
        dbHandler(false);
        m.cpu.setDr(0, KCODE + 5);
        m.cpu.setDr(7, 0x2); // G0
        assertEquals(RunResult.INSTRUCTION_LIMIT, kernel("mov ecx, 2\n inc ebx\n hlt", 500));
        assertEquals(0, m.reg(X86Cpu.EBX));
        assertTrue(m.ram.read32(0x7000) > 10);
    }

    @Test
    void dataWriteBreakpointTrapsAfterTheInstruction() {
        dbHandler(false);
        m.cpu.setDr(1, 0x7100);
        m.cpu.setDr(7, 0x8 | 0x1 << 20 | 0x3 << 22); // G1, R/W 01 (write), LEN 11 (4 bytes)
        assertEquals(RunResult.HALTED, kernel("mov dword ptr [0x7010], offset after\n mov eax, [0x7100]\n"
                + "mov byte ptr [0x7104], 1\n mov word ptr [0x7102], 0x1234\n after: nop\n hlt", 1000));
        assertEquals(1, m.ram.read32(0x7000)); // the read and the write beside it did not hit
        assertEquals(2, m.ram.read32(0x7004) & 0xF); // B1
        assertEquals(m.ram.read32(0x7010), m.ram.read32(0x7008)); // a trap: EIP after the write
        assertEquals(0x1234, m.ram.read16(0x7102)); // which completed
    }

    @Test
    void readWriteBreakpointOfTwoBytesHitsOnReads() {
        dbHandler(false);
        m.cpu.setDr(2, 0x7201); // LEN 2: the low address bit is ignored
        m.cpu.setDr(7, 0x10 | 0x3 << 24 | 0x1 << 26); // L2, R/W 11, LEN 01
        assertEquals(RunResult.HALTED, kernel("mov al, [0x7202]\n mov al, [0x71ff]\n mov dword ptr [0x7010], offset after\n"
                + "mov ax, [0x71ff]\n after: mov al, [0x7200]\n hlt", 1000));
        assertEquals(2, m.ram.read32(0x7000)); // the word at 0x71ff (overlaps 0x7200) and the byte at 0x7200
        assertEquals(4, m.ram.read32(0x7004) & 0xF); // B2
        assertEquals(m.ram.read32(0x7010) + 5, m.ram.read32(0x7008)); // the last one: after the byte read
    }

    @Test
    void oneByteBreakpointAndDisabledBreakpoints() {
        dbHandler(false);
        m.cpu.setDr(3, 0x7300);
        m.cpu.setDr(0, KCODE);
        // DR3: L3, R/W 01, LEN 00; DR0 R/W and LEN set but L0/G0 clear: nothing
        m.cpu.setDr(7, 0x40 | 0x1 << 28 | 0x3 << 16 | 0x3 << 18);
        assertEquals(RunResult.HALTED, kernel("mov byte ptr [0x7301], 1\n mov word ptr [0x72fe], 1\n hlt", 1000));
        assertEquals(0, m.ram.read32(0x7000));
        assertEquals(RunResult.HALTED, kernel("mov dword ptr [0x72fe], 0\n hlt", 1000));
        assertEquals(1, m.ram.read32(0x7000));
        assertEquals(8, m.ram.read32(0x7004) & 0xF);
    }

    @Test
    void guestMovDr7EnablesBreakpointsMidBatch() {
        dbHandler(true);
        assertEquals(RunResult.HALTED, kernel("mov eax, offset brk\n mov dr0, eax\n mov eax, 1\n mov dr7, eax\n nop\n"
                + "brk: inc ebx\n mov eax, dr7\n mov [0x7020], eax\n hlt", 1000));
        assertEquals(1, m.ram.read32(0x7000));
        assertEquals(1, m.reg(X86Cpu.EBX));
        assertEquals(0x401, m.ram.read32(0x7020)); // bit 10 reads as 1
    }

    @Test
    void dataBreakpointAlsoHitsCodeTheDecodedCacheHasSeen() {
        dbHandler(false);
        String loop = "mov ecx, 100\n l: mov [0x7400], ecx\n add eax, ecx\n loop l\n hlt";
        assertEquals(RunResult.HALTED, kernel(loop, 10_000)); // warm: decoded records
        assertEquals(0, m.ram.read32(0x7000));
        m.cpu.setDr(0, 0x7400);
        m.cpu.setDr(7, 0x1 | 0x1 << 16 | 0x3 << 18);
        m.cpu.setHalted(false);
        m.cpu.setEip(KCODE);
        assertEquals(RunResult.HALTED, m.run(10_000));
        assertEquals(100, m.ram.read32(0x7000));
        m.cpu.setDr(7, 0);
        m.cpu.setHalted(false);
        m.cpu.setEip(KCODE);
        assertEquals(RunResult.HALTED, m.run(10_000));
        assertEquals(100, m.ram.read32(0x7000)); // off again
    }

    @Test
    void instructionBreakpointIsAnExceptionExitWhenEnabled() {
        m.cpu.setExceptionExit(1, true);
        m.cpu.setDr(0, KCODE + 1);
        m.cpu.setDr(7, 0x1);
        assertEquals(RunResult.EXIT, kernel("nop\n nop\n hlt", 100));
        assertEquals(1, m.cpu.lastExit().vector());
        assertEquals(KCODE + 1, m.cpu.eip());
        assertEquals(0xFFFF0FF1, m.cpu.dr(6));
    }

    @Test
    void faultsPushRfSetSoftwareInterruptsDoNot() {
        m.idt(13, 0x08, 0x30000, 0xE, 0);
        m.code(0x30000, "mov eax, [esp+12]\n mov [0x7000], eax\n add dword ptr [esp+4], 2\n add esp, 4\n iretd");
        m.idt(0x80, 0x08, 0x31000, 0xE, 0);
        m.code(0x31000, "mov eax, [esp+8]\n mov [0x7004], eax\n iretd");
        assertEquals(RunResult.HALTED, kernel("mov ax, 0x3b\n mov ds, ax\n int 0x80\n hlt", 1000));
        assertEquals(RF, m.ram.read32(0x7000) & RF); // #GP: RF=1 in the frame
        assertEquals(0, m.ram.read32(0x7004) & RF); // INT: RF=0
        assertEquals(0, m.cpu.eflags() & RF);
    }
    /** A #DB handler recording, per trap n, ECX (0x7100+4n), the pushed EIP (0x7200+4n) and EFLAGS (0x7300+4n). */
    void stepRecorder() {
        m.idt(1, 0x08, 0x30000, 0xE, 0);
        m.code(0x30000, "push eax\n push edx\n mov eax, [0x7000]\n mov [0x7100+eax*4], ecx\n mov edx, [esp+8]\n"
                + "mov [0x7200+eax*4], edx\n mov edx, [esp+16]\n mov [0x7300+eax*4], edx\n inc dword ptr [0x7000]\n"
                + "pop edx\n pop eax\n iretd");
    }

    @Test
    void dataBreakpointInARepStringTrapsAfterThatIteration() {
        stepRecorder();
        m.cpu.setDr(0, 0x7502);
        m.cpu.setDr(7, 0x1 | 0x1 << 16); // L0, write, 1 byte
        assertEquals(RunResult.HALTED, kernel("mov edi, 0x7500\n mov ecx, 5\n mov al, 0x77\n rep stosb\n hlt", 1000));
        assertEquals(1, m.ram.read32(0x7000));
        assertEquals(2, m.ram.read32(0x7100)); // after the third byte: ECX 2
        assertEquals(KCODE + 12, m.ram.read32(0x7200)); // EIP at the REP STOSB, which resumes
        assertEquals(RF, m.ram.read32(0x7300) & RF); // not the last iteration: RF=1 pushed
        assertEquals(0, m.reg(X86Cpu.ECX));
        assertEquals(0x7505, m.reg(X86Cpu.EDI));
        assertEquals(0x7777777777L, m.ram.read64(0x7500) & 0xFFFFFFFFFFL);
    }

    @Test
    void singleStepTrapsAfterEachRepIteration() {
        stepRecorder();
        assertEquals(RunResult.HALTED, kernel("mov esi, 0x7400\n mov edi, 0x7500\n pushfd\n or dword ptr [esp], 0x100\n popfd\n"
                + "mov ecx, 3\n rep movsb\n pushfd\n and dword ptr [esp], ~0x100\n popfd\n hlt", 1000));
        int rep = KCODE + 10 + 9 + 5;
        assertEquals(7, m.ram.read32(0x7000)); // MOV, 3 iterations, PUSHFD, AND, POPFD
        int[] ecx = {3, 2, 1, 0};
        int[] eip = {rep, rep, rep, rep + 2};
        int[] rf = {0, RF, RF, 0};
        for (int k = 0; k < 4; k++) {
            assertEquals(ecx[k], m.ram.read32(0x7100 + 4 * k), "trap " + k);
            assertEquals(eip[k], m.ram.read32(0x7200 + 4 * k), "trap " + k);
            assertEquals(rf[k], m.ram.read32(0x7300 + 4 * k) & RF, "trap " + k);
        }
        assertEquals(0x4000, m.cpu.dr(6) & 0x400F); // BS
    }
    @Test
    void taskSwitchToATssWithTheTBitTrapsBeforeItsFirstInstruction() {
        dbHandler(false);
        int tss2 = TestMachine.TSS2;
        m.ram.write32(tss2 + 0x20, 0x32000); // EIP
        m.ram.write32(tss2 + 0x38, 0x6000); // ESP
        m.ram.write32(tss2 + 0x24, 2);
        m.ram.write16(tss2 + 0x4C, 0x08);
        for (int s : new int[] {0x48, 0x50, 0x54, 0x58, 0x5C}) m.ram.write16(tss2 + s, 0x10);
        m.ram.write16(tss2 + 0x64, 1); // T
        m.code(0x32000, "l: inc ebx\n iretd\n jmp l"); // re-entered after its IRET
        // by CALL (inside an instruction), then by a task gate for INT 0x40 (event delivery)
        m.gate(TestMachine.IDT + 0x40 * 8, 0x38, 0, 0x5, 0, 0);
        assertEquals(RunResult.HALTED, kernel("lcall 0x38, 0\n int 0x40\n hlt", 1000));
        assertEquals(2, m.ram.read32(0x7000)); // one trap per switch into task 2, none back into task 1
        assertEquals(0x32002, m.ram.read32(0x7008)); // before the new task's first instruction (the JMP)
        assertEquals(0x8000, m.cpu.dr(6) & 0xC00F); // BT
        assertEquals(2, m.ram.read32(tss2 + 0x34)); // task 2 ran its INC twice (its EBX, saved in its TSS)
    }

    // ---- general detect (DR7.GD) and DR4/DR5 ----

    static final int GD = 0x2000, BD = 0x2000;

    @Test
    void generalDetectFaultsOnMovDrWithBdAndTheHandlerMayUseTheDebugRegisters() {
        // the handler reads DR6 and DR7 with MOV: only possible if entry cleared GD
        m.idt(1, 0x08, 0x30000, 0xE, 0);
        m.code(0x30000, "inc dword ptr [0x7000]\n mov eax, dr6\n mov [0x7004], eax\n mov eax, [esp]\n mov [0x7008], eax\n"
                + "mov eax, [esp+8]\n mov [0x700c], eax\n mov eax, dr7\n mov [0x7014], eax\n mov eax, dr0\n mov [0x7018], eax\n iretd");
        m.cpu.setDr(0, 0x1111);
        assertEquals(RunResult.HALTED, kernel("mov ecx, 0x2222\n mov eax, 0x2400\n mov dr7, eax\n mov dword ptr [0x7010], offset acc\n"
                + "acc: mov dr0, ecx\n mov ebx, dr0\n hlt", 1000));
        assertEquals(1, m.ram.read32(0x7000)); // one #DB: the MOV after the IRET ran with GD clear
        assertEquals(BD, m.ram.read32(0x7004) & 0xE00F); // BD, B0-B3 clear
        assertEquals(m.ram.read32(0x7010), m.ram.read32(0x7008)); // a fault: EIP at the MOV DR0
        assertEquals(0, m.ram.read32(0x700c) & RF); // a #DB fault pushes RF=0
        assertEquals(0x400, m.ram.read32(0x7014)); // GD cleared on entry to the handler
        assertEquals(0x1111, m.ram.read32(0x7018)); // the faulting write did not happen
        assertEquals(0x2222, m.reg(X86Cpu.EBX)); // it did when re-executed
        assertEquals(0x400, m.cpu.dr(7));
    }

    @Test
    void generalDetectIsAnExceptionExitWithDr6BdAndGdStillSet() {
        m.cpu.setExceptionExit(1, true);
        m.cpu.setDr(7, GD);
        assertEquals(RunResult.EXIT, kernel("nop\n mov eax, dr6\n hlt", 100));
        assertEquals(1, m.cpu.lastExit().vector());
        assertEquals(KCODE + 1, m.cpu.eip());
        assertEquals(0xFFFF2FF0, m.cpu.dr(6));
        assertEquals(0x2400, m.cpu.dr(7)); // not delivered: GD stays
        assertEquals(0, m.reg(X86Cpu.EAX));
        m.cpu.setDr(7, 0); // the owner clears it and resumes
        assertEquals(RunResult.HALTED, m.run(100));
        assertEquals(0xFFFF2FF0, m.reg(X86Cpu.EAX)); // BD stays until software clears it
    }

    @Test
    void anyDebugExceptionClearsGd() {
        dbHandler(true); // reads DR6 with MOV
        m.cpu.setDr(0, KCODE + 1);
        m.cpu.setDr(7, GD | 0x1); // instruction breakpoint on the INC
        assertEquals(RunResult.HALTED, kernel("nop\n inc ebx\n hlt", 1000));
        assertEquals(1, m.ram.read32(0x7000));
        assertEquals(1, m.ram.read32(0x7004) & 0xE00F); // B0, and no BD: the handler's MOV from DR6 did not fault
        assertEquals(0x401, m.cpu.dr(7));
        assertEquals(1, m.reg(X86Cpu.EBX));
    }

    @Test
    void generalDetectComesAfterCplAndDr4UdChecks() {
        m.cpu.setExceptionExit(6, true);
        m.cpu.setExceptionExit(1, true);
        m.cpu.setCr(4, 8); // DE
        m.cpu.setDr(7, GD);
        assertEquals(RunResult.EXIT, kernel("mov eax, dr4\n hlt", 100));
        assertEquals(6, m.cpu.lastExit().vector());
        assertEquals(0xFFFF0FF0, m.cpu.dr(6));
    }

    @Test
    void atCpl3MovDrIsGpEvenUnderGd() {
        m.cpu.setExceptionExit(1, true);
        m.cpu.setExceptionExit(13, true);
        m.cpu.setDr(7, GD);
        m.code(TestMachine.UCODE, "mov eax, dr0\n hlt");
        assertEquals(RunResult.EXIT, kernel(ProtectedModeTest.TO_RING3, 1000));
        assertEquals(13, m.cpu.lastExit().vector());
        assertEquals(TestMachine.UCODE, m.cpu.eip());
        assertEquals(0xFFFF0FF0, m.cpu.dr(6)); // no BD
    }

    @Test
    void anInjectedDebugExceptionLeavesGdToTheInjector() {
        dbHandler(false);
        m.cpu.setDr(7, GD);
        m.code(KCODE, "nop\n hlt");
        m.cpu.setEip(KCODE);
        m.cpu.injectException(1, -1);
        m.cpu.setExceptionExit(1, true); // a MOV DR in the handler: the GD fault exits
        assertEquals(RunResult.EXIT, m.run(100));
        assertEquals(1, m.cpu.lastExit().vector());
        assertEquals(0x30006, m.cpu.eip()); // the handler's MOV EAX, DR6
        assertEquals(0x2400, m.cpu.dr(7));
        assertEquals(BD, m.cpu.dr(6) & 0xE00F);
    }

    @Test
    void withoutDeDr4AndDr5AliasDr6AndDr7() {
        m.cpu.setDr(0, 0x7000);
        assertEquals(RunResult.HALTED, kernel("mov eax, 0x100\n mov dr5, eax\n mov ebx, dr7\n mov eax, 3\n mov dr4, eax\n"
                + "mov ecx, dr6\n mov edx, dr4\n mov esi, dr5\n hlt", 1000));
        assertEquals(0x500, m.reg(X86Cpu.EBX));
        assertEquals(0xFFFF0FF3, m.reg(X86Cpu.ECX));
        assertEquals(0xFFFF0FF3, m.reg(X86Cpu.EDX));
        assertEquals(0x500, m.reg(X86Cpu.ESI));
        // the state API: DR4/DR5 are DR6/DR7 too
        m.cpu.setDr(4, 0);
        m.cpu.setDr(5, 0);
        assertEquals(0xFFFF0FF0, m.cpu.dr(4));
        assertEquals(0xFFFF0FF0, m.cpu.dr(6));
        assertEquals(0x400, m.cpu.dr(5));
        assertEquals(0x400, m.cpu.dr(7));
    }

    @Test
    void withDeMovDr4AndDr5AreUndefinedOpcodes() {
        m.cpu.setExceptionExit(6, true);
        m.cpu.setCr(4, 8);
        for (String insn : new String[] {"mov eax, dr4", "mov dr4, eax", "mov eax, dr5", "mov dr5, eax"}) {
            m.cpu.setGpr(X86Cpu.EAX, 0x1);
            assertEquals(RunResult.EXIT, kernel("nop\n " + insn + "\n hlt", 100), insn);
            assertEquals(6, m.cpu.lastExit().vector(), insn);
            assertEquals(KCODE + 1, m.cpu.eip(), insn);
            assertEquals(1, m.reg(X86Cpu.EAX), insn);
            assertEquals(0xFFFF0FF0, m.cpu.dr(6), insn);
            assertEquals(0x400, m.cpu.dr(7), insn);
        }
    }
}
