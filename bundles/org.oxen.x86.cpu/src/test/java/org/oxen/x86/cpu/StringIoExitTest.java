package org.oxen.x86.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.oxen.x86.cpu.testkit.TestMachine.KCODE;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.oxen.x86.cpu.testkit.TestMachine;

/**
 * INS/OUTS on a port with an IO exit: one exit per element, registers standing before that
 * element; COMPLETE/DELIVER finish the element (INS stores the handler's value at ES:(E)DI) and
 * a REP form continues at the instruction until (E)CX is 0.
 */
class StringIoExitTest {
    static final int BUF = 0x6000;
    final TestMachine m = new TestMachine().protectedMode();
    final List<String> seen = new ArrayList<>();

    RunResult kernel(String src) {
        m.code(KCODE, src + "\n hlt");
        m.cpu.setEip(KCODE);
        return m.run(10_000);
    }

    String regs() {
        return "c" + m.cpu.gpr(X86Cpu.ECX) + " s" + Integer.toHexString(m.cpu.gpr(X86Cpu.ESI)) + " d"
                + Integer.toHexString(m.cpu.gpr(X86Cpu.EDI));
    }

    @Test
    void repOutsbExitsPerElementWithTheMemoryValue() {
        m.ram.write32(BUF, 0x00636261); // "abc"
        m.cpu.setIoExit(0x1234, true);
        m.cpu.setExitHandler((cpu, x) -> {
            seen.add((x.write() ? "out " : "in ") + Integer.toHexString(x.port()) + "/" + x.size() + "="
                    + Long.toHexString(x.value()) + " at " + Integer.toHexString(x.eip()) + "->"
                    + Integer.toHexString(x.nextEip()) + " " + regs());
            return ExitAction.COMPLETE;
        });
        assertEquals(RunResult.HALTED, kernel("mov esi, " + BUF + "\n mov dx, 0x1234\n mov ecx, 3\n rep outsb\n mov ebx, 1"));
        String at = Integer.toHexString(KCODE + 14) + "->" + Integer.toHexString(KCODE + 16);
        assertEquals("[out 1234/1=61 at " + at + " c3 s6000 d0, out 1234/1=62 at " + at + " c2 s6001 d0, out 1234/1=63 at "
                + at + " c1 s6002 d0]", seen.toString());
        assertEquals(0, m.cpu.gpr(X86Cpu.ECX));
        assertEquals(BUF + 3, m.cpu.gpr(X86Cpu.ESI));
        assertEquals(1, m.cpu.gpr(X86Cpu.EBX)); // went on after the REP
        assertEquals(List.of(), m.portWrites); // nothing reached the bus
    }

    @Test
    void repInswStoresTheHandlersValuesAtEsDi() {
        m.cpu.setIoExit(0x300, true);
        int[] next = {0x1111};
        m.cpu.setExitHandler((cpu, x) -> {
            seen.add((x.write() ? "out " : "in ") + Integer.toHexString(x.port()) + "/" + x.size() + " " + regs());
            x.setValue(next[0]);
            next[0] += 0x1111;
            return ExitAction.COMPLETE;
        });
        m.ram.write32(BUF + 4, 0xAAAAAAAA);
        assertEquals(RunResult.HALTED, kernel("mov edi, " + BUF + "\n mov dx, 0x300\n mov ecx, 2\n rep insw"));
        assertEquals("[in 300/2 c2 s0 d6000, in 300/2 c1 s0 d6002]", seen.toString());
        assertEquals(0x22221111, m.ram.read32(BUF));
        assertEquals(0xAAAAAAAA, m.ram.read32(BUF + 4));
        assertEquals(BUF + 4, m.cpu.gpr(X86Cpu.EDI));
        assertEquals(0, m.cpu.gpr(X86Cpu.ECX));
    }

    @Test
    void insdBackwardsWithDfAndWithoutRep() {
        m.cpu.setIoExit(0x300, true);
        m.cpu.setExitHandler((cpu, x) -> {
            x.setValue(0xCAFEBABEL);
            return ExitAction.COMPLETE;
        });
        assertEquals(RunResult.HALTED, kernel("mov edi, " + (BUF + 8) + "\n mov dx, 0x300\n mov ecx, 7\n std\n insd\n insd\n cld"));
        assertEquals(0xCAFEBABE, m.ram.read32(BUF + 8));
        assertEquals(0xCAFEBABE, m.ram.read32(BUF + 4));
        assertEquals(BUF, m.cpu.gpr(X86Cpu.EDI));
        assertEquals(7, m.cpu.gpr(X86Cpu.ECX)); // no REP: ECX untouched
    }

    @Test
    void deliverGoesToTheBusForBothDirections() {
        m.ram.write32(BUF, 0x00006968); // "hi"
        m.cpu.setIoExit(0xE9, true);
        m.cpu.setIoExit(0x80, true);
        m.cpu.setExitHandler((cpu, x) -> {
            seen.add((x.write() ? "out " : "in ") + Integer.toHexString(x.port()));
            return ExitAction.DELIVER;
        });
        assertEquals(RunResult.HALTED, kernel("mov esi, " + BUF + "\n mov dx, 0xe9\n mov ecx, 2\n rep outsb\n"
                + "mov dx, 0x80\n mov edi, " + (BUF + 0x10) + "\n mov ecx, 2\n rep insb"));
        assertEquals("hi", m.console.toString());
        assertEquals(0x5A5A, m.ram.read32(BUF + 0x10)); // port 0x80 reads 0x5A on the test bus
        assertEquals("[out e9, out e9, in 80, in 80]", seen.toString());
        assertEquals(BUF + 0x12, m.cpu.gpr(X86Cpu.EDI));
    }

    @Test
    void stopLeavesTheRepResumableAfterEachElement() {
        m.ram.write32(BUF, 0x00636261);
        m.cpu.setIoExit(0x1234, true);
        m.cpu.setExitHandler((cpu, x) -> ExitAction.STOP);
        m.code(KCODE, "mov esi, " + BUF + "\n mov dx, 0x1234\n mov ecx, 3\n rep outsb\n hlt");
        m.cpu.setEip(KCODE);
        int insn = KCODE + 14;
        for (int i = 0; i < 3; i++) {
            assertEquals(RunResult.EXIT, m.run(100));
            assertEquals(0x61 + i, m.cpu.lastExit().value());
            assertEquals(insn, m.cpu.eip());
            assertEquals(3 - i, m.cpu.gpr(X86Cpu.ECX));
            m.cpu.completeExit(0);
            assertEquals(i < 2 ? insn : insn + 2, m.cpu.eip());
            assertEquals(2 - i, m.cpu.gpr(X86Cpu.ECX));
            assertEquals(BUF + i + 1, m.cpu.gpr(X86Cpu.ESI));
        }
        assertEquals(RunResult.HALTED, m.run(100));
    }

    @Test
    void resumeRetriesTheElementAndOtherPortsStayOnTheBus() {
        m.ram.write32(BUF, 0x00636261);
        m.cpu.setIoExit(0x1234, true);
        int[] calls = {0};
        m.cpu.setExitHandler((cpu, x) -> {
            seen.add(Long.toHexString(x.value()) + " " + regs());
            return ++calls[0] == 2 ? ExitAction.RESUME : ExitAction.COMPLETE;
        });
        assertEquals(RunResult.HALTED, kernel("mov esi, " + BUF + "\n mov dx, 0x1234\n mov ecx, 3\n rep outsb\n"
                + "mov esi, " + BUF + "\n mov dx, 0xe9\n mov ecx, 3\n rep outsb"));
        assertEquals("[61 c3 s6000 d0, 62 c2 s6001 d0, 62 c2 s6001 d0, 63 c1 s6002 d0]", seen.toString());
        assertEquals("abc", m.console.toString());
    }

    @Test
    void sixteenBitAddressSizeCountsCxAndSi() {
        m.ram.write32(BUF, 0x00636261);
        m.cpu.setIoExit(0x1234, true);
        m.cpu.setExitHandler((cpu, x) -> {
            seen.add(Long.toHexString(x.value()));
            return ExitAction.COMPLETE;
        });
        assertEquals(RunResult.HALTED, kernel("mov esi, 0x7777" + Integer.toHexString(BUF) + "\n mov dx, 0x1234\n"
                + "mov ecx, 0x55550002\n .byte 0x67\n rep outsb"));
        assertEquals("[61, 62]", seen.toString());
        assertEquals(0x55550000, m.cpu.gpr(X86Cpu.ECX));
        assertEquals(0x77770000 | (BUF + 2), m.cpu.gpr(X86Cpu.ESI));
    }

    @Test
    void insDestinationIsCheckedBeforeTheExit() {
        // ES limit 0xFFF: the INS faults (#GP(0)) before the port is asked
        m.seg(0x50, 0, 0xFFF, 0x92, 0x4);
        m.cpu.setIoExit(0x300, true);
        m.cpu.setExceptionExit(13, true);
        m.cpu.setExitHandler((cpu, x) -> {
            seen.add(x.reason() + ":" + x.vector() + ":" + x.errorCode());
            return ExitAction.STOP;
        });
        assertEquals(RunResult.EXIT, kernel("mov ax, 0x50\n mov es, ax\n mov edi, 0x1000\n mov dx, 0x300\n insb"));
        assertEquals("[EXCEPTION:13:0]", seen.toString());
    }
}
