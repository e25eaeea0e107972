package org.oxen.x86.machine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.x86.machine.MachineState;

/**
 * System-level differential tests against Bochs ({@link BochsReference}): each ROM program of
 * src/test/resources/roms runs on oxen's bare machine (the board, deterministic clock) and on
 * Bochs, and what it prints on the debug port must be the same, line for line. Each test also
 * checks lines of the output itself, so that agreement on an output that says nothing (a
 * program stopped early on both) cannot pass.
 */
class BochsDiffTest {

    @TempDir
    Path dir;

    /** Runs ROM program {@code name} on both; returns oxen's output after asserting Bochs' equals it. */
    private String agree(String name) throws Exception {
        Path rom = Guests.rom(name, dir);
        Board b = TestBoards.runToEnd(TestBoards.deterministicPc(), rom);
        String oxen = BochsReference.between(b.console("debugcon"), "oxen (" + b.state() + ", " + b.reason() + ")");
        assertEquals(MachineState.HALTED, b.state(), () -> b.reason() + "\n" + oxen);
        String bochs = BochsReference.run(rom, dir);
        assertEquals(bochs, oxen, name + ": oxen's output (actual) differs from Bochs' (expected)");
        return oxen;
    }

    @Test
    void realModeRegisters() throws Exception {
        String out = agree("hello");
        assertEquals("12345678 00000000 00000000 9ABCDEF0 00006FFE 00000000 00000000 00000000\n", out);
    }

    /**
     * The comparison sees each emulator's own output: CPUID's vendor differs (Bochs' default
     * model is an AMD one), so the two outputs of the same program must differ there.
     */
    @Test
    void comparisonSeesEachEmulatorsOwnOutput() throws Exception {
        Path rom = Guests.rom("cpuid", dir);
        Board b = TestBoards.runToEnd(TestBoards.deterministicPc(), rom);
        String oxen = BochsReference.between(b.console("debugcon"), "oxen");
        String bochs = BochsReference.run(rom, dir);
        assertTrue(oxen.matches("[0-9A-F]{24}\n"), oxen);
        assertTrue(bochs.matches("[0-9A-F]{24}\n"), bochs);
        assertNotEquals(bochs, oxen);
    }

    /**
     * Virtual-8086 mode under a protected-mode monitor (roms/v86.S): IRET into V86 with IOPL 0
     * and 3, the IOPL-sensitive instructions trapped and emulated, INT reflected through the IVT,
     * port I/O trapped by the TSS bitmap, exceptions from V86 with the data segments on the
     * ring-0 stack, and a task switch into a V86 task.
     */
    @Test
    void v86Monitor() throws Exception {
        String out = agree("v86");
        assertTrue(out.contains("emulate int 0040\nv86: int 40 handler sp ip cs flags FFEA "), out);
        assertTrue(out.contains("emulate out 0300 0042\n"), out);
        assertTrue(out.contains("trap 000D err 0192 ds 0000\n"), out); // INT 0x32 through a DPL-0 gate
        assertTrue(out.contains("v86 task\n0BADCAFE "), out);
        assertTrue(out.contains("int 31 from the v86 task: tr esp tss1 tss2 link eip1 0020 00009FB4 0089 008B 0000 "), out);
    }

    /**
     * 16-bit stack segments (roms/stack16.S): every implicit stack operation from 32-bit code
     * moves and wraps SP only, whatever the operand size; ENTER's page faults leave ESP/EBP as
     * they were and the retried ENTER completes; IRET to ring 3 and INT from it load only SP
     * where the new stack is 16-bit (ESP's upper half stays).
     */
    @Test
    void stack16() throws Exception {
        String out = agree("stack16");
        assertTrue(out.contains("push/pop wrap: ABCDFFFA 00005566 11223344 ABCD0000 "), out);
        assertTrue(out.contains("enter 10,3 / leave: ABCD7FF0 ABCD800C ABCD8010 12348100 \n"), out);
        assertTrue(out.contains("cr2 0002E00C\n"), out);
        assertTrue(out.contains("cr2 0002EEFC\n"), out);
        assertTrue(out.contains("0000 ring 3 esp: 0001FF00\n"), out);
        assertTrue(out.endsWith("done\n"), out);
    }

    /**
     * Real mode (roms/realmode.S): SP wrapping with 16 and 32-bit pushes, INT/IRET through the
     * IVT, far CALL/RETF imm, ENTER/LEAVE, PUSHA, and #GP/#SS through the IVT for offsets
     * beyond 0xFFFF (EIP at the faulting instruction).
     */
    @Test
    void realMode() throws Exception {
        String out = agree("realmode");
        assertTrue(out.startsWith("stack wrap: 00000000 BBBBCCCC 0000AAAA 1234FFFA "), out);
        assertTrue(out.contains("faults:\n  fault at ip cs flags "), out);
        assertTrue(out.endsWith("\n4321\n"), out);
    }

    /**
     * Task switches (roms/tasks.S): CALL to 32 and 16-bit TSSs and IRET back with NT, back link
     * and busy bits, #GP through a task gate with its error code on the new task's stack, JMP.
     */
    @Test
    void taskSwitches() throws Exception {
        String out = agree("tasks");
        assertTrue(out.contains("task C (16-bit): eax ebx ecx esp ebp eflags fs tr FFFF0C0C "), out);
        assertTrue(out.contains("task D (#GP): err esp link eipA eflags busy 00001234 0000C000 0018 "), out);
        assertTrue(out.contains("task B by jmp: tr eflags busy 0020 00000047 0089 008B 0081 0089 \n"), out);
    }
}
