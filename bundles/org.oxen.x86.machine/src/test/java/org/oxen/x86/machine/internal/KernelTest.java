package org.oxen.x86.machine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.x86.machine.MachineDescription;
import org.oxen.x86.machine.MachineState;

/** Small kernels assembled at test time exercise the board's interrupt wiring, timers and ends. */
class KernelTest {

    @TempDir
    Path dir;

    private Board boot(String kernel, MachineDescription d) throws Exception {
        return TestBoards.runToEnd(d, Guests.kernel(kernel, dir));
    }

    private static void assertExited(Board b, int status) {
        assertEquals(MachineState.EXITED, b.state(), () -> b.reason() + "\n" + b.console("debugcon"));
        assertEquals(status, b.exitStatus(), () -> b.console("debugcon"));
    }

    @Test
    void pitInterruptsThroughThePic() throws Exception {
        Board b = boot("pic_pit", TestBoards.deterministicPc());
        assertExited(b, 33);
        assertEquals("pit via pic: 10 ticks\n", b.console("debugcon"));
        // ten 1 ms periods of the deterministic clock, not more than one batch late
        assertTrue(b.nanos() >= 10_000_000 && b.nanos() < 11_000_000, "virtual time " + b.nanos());
    }

    @Test
    void pitInterruptsThroughThePicOnTheRealClock() throws Exception {
        Board b = boot("pic_pit", MachineDescription.pc());
        assertExited(b, 33);
        assertEquals("pit via pic: 10 ticks\n", b.console("debugcon"));
        assertTrue(b.nanos() >= 10_000_000, "real time " + b.nanos());
    }

    /**
     * A guest that programs the PIT for an interrupt every 1.7 us gets one per 200 us (the
     * pit's default minimum period, as KVM's): its 100 ticks take at least 20 ms of the
     * deterministic clock; without the limit they take under 1 ms.
     */
    @Test
    void aPitCountOf2InterruptsOncePerMinimumPeriod() throws Exception {
        hundredTicksAtTheMinimumPeriod("pit_fast", "pit count 2: 100 ticks\n");
        Board free = boot("pit_fast", MachineDescription.parse("pc\npit min-timer-period-us=0")
                .withClock(MachineDescription.ClockMode.DETERMINISTIC));
        assertExited(free, 33);
        assertTrue(free.nanos() < 1_000_000, "without the limit: virtual time " + free.nanos());
    }

    /**
     * The same for the local APIC's periodic timer with a count of 1 (a period of 1 ns). Without
     * the limit the guest never leaves its interrupt handler's loop: on the deterministic clock
     * (10 ns an instruction) an interrupt is due at every instruction boundary, so each IRET
     * takes the next one before the loop's compare runs, as on a chip; that case is not run here.
     */
    @Test
    void aLapicPeriodicCountOf1InterruptsOncePerMinimumPeriod() throws Exception {
        hundredTicksAtTheMinimumPeriod("lapic_fast", "lapic count 1: 100 ticks\n");
    }

    /** {@code kernel} counts 100 interrupts on the deterministic board, 200 us (the default minimum period) apart. */
    private void hundredTicksAtTheMinimumPeriod(String kernel, String message) throws Exception {
        Board b = boot(kernel, TestBoards.deterministicPc());
        assertExited(b, 33);
        assertEquals(message, b.console("debugcon"));
        assertTrue(b.nanos() >= 100 * 200_000L && b.nanos() < 101 * 201_000L, "virtual time " + b.nanos());
    }

    @Test
    void pitInterruptsThroughTheIoApic() throws Exception {
        Board b = boot("ioapic_pit", TestBoards.deterministicPc());
        assertExited(b, 33);
        assertEquals("pit via ioapic: 10 ticks\n", b.console("debugcon"));
    }

    @Test
    void rtcReadsTheDeterministicEpochAndInterruptsThroughTheSlavePic() throws Exception {
        Board b = boot("rtc", TestBoards.deterministicPc());
        assertExited(b, 33);
        assertEquals("rtc: 20000101 000000\nrtc periodic: 4 interrupts\n", b.console("debugcon"));
    }

    /**
     * A timer armed in the middle of a batch ends that batch right after the instruction that
     * armed it (the board bounds every batch by the earliest device deadline, also one armed
     * while the batch runs, and the CPU stops after the arming instruction in every tier), so
     * its interrupt comes exactly when the instruction clock reaches its deadline: the guest
     * arms a PIT one-shot of 12 ticks (10,057 ns: due 1,006 instructions after the round's
     * start on the instruction clock, on which time stands still within a round) as the 17th
     * instruction of a round, and the interrupt comes before the 990th instruction after it.
     * (With the stop seen only between the CPU's inner batches, 4,096 instructions, it came after 4,088.)
     */
    @Test
    void aTimerArmedMidBatchInterruptsExactlyAtItsDeadline() throws Exception {
        Board b = boot("pit_oneshot_late", TestBoards.deterministicPc());
        assertExited(b, 33);
        String out = b.console("debugcon");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("after arming: ([0-9a-f]{8})\n").matcher(out);
        assertTrue(m.matches(), out);
        long after = Long.parseLong(m.group(1), 16);
        assertEquals(1_006 - 17, after, "instructions retired after arming a one-shot due 1,006 after the round's start");
    }

    @Test
    void uartPrintsFromItsTransmitInterrupt() throws Exception {
        Board b = boot("uart_irq", TestBoards.deterministicPc());
        assertExited(b, 33);
        assertEquals("hello from the uart interrupt\n", b.console("com1"));
        assertEquals(b.console("com1"), b.console());
        String msg = "hello from the uart interrupt\n";
        // one interrupt per character, plus the last one that finds the message done
        assertEquals(String.format("uart: done, interrupts 0x%02x\n", msg.length() + 1), b.console("debugcon"));
    }

    @Test
    void tripleFaultEndsTheMachine() throws Exception {
        Board b = boot("triple", TestBoards.deterministicPc());
        assertEquals(MachineState.SHUTDOWN, b.state(), b.reason());
        assertTrue(b.reason().startsWith("triple fault on CPU 0 at 0008:"), b.reason());
        assertEquals(null, b.exitStatus());
    }

    @Test
    void aPicDeliversNothingBeforeItsInitialisationWords() throws Exception {
        Board b = boot("power_on_pic", TestBoards.deterministicPc());
        assertExited(b, 33);
        assertEquals("no interrupt before the ICWs\nIRQ 0 after the ICWs\n", b.console("debugcon"));
    }

    @Test
    void anUnprogrammedPitNeverInterrupts() throws Exception {
        Board b = boot("power_on_pit", TestBoards.deterministicPc());
        assertEquals(MachineState.HALTED, b.state(), () -> b.reason() + "\n" + b.console("debugcon"));
        assertEquals("all CPUs halted and no timer is armed", b.reason());
        assertEquals("waiting for IRQ 0\n", b.console("debugcon"));
    }

    @Test
    void haltWithInterruptsOffEndsTheMachine() throws Exception {
        Board b = boot("cli_hlt", MachineDescription.pc());
        assertEquals(MachineState.HALTED, b.state(), b.reason());
        assertEquals("all CPUs halted with interrupts disabled", b.reason());
        assertEquals("halting\n", b.console("debugcon"));
    }

    @Test
    void resetThroughCf9ReloadsTheKernel() throws Exception {
        Board b = boot("reset", TestBoards.deterministicPc());
        assertExited(b, 33);
        assertEquals("first boot\nsecond boot\n", b.console("debugcon"));
    }

    @Test
    void initAndStartupIpisStartTheSecondCpu() throws Exception {
        Board b = boot("smp", TestBoards.deterministicPc().withCpus(2));
        assertExited(b, 33);
        assertEquals("cpu 1 started\nfee00900 fee00800\n", b.console("debugcon"), "IA32_APIC_BASE: BSP bit on CPU 0 only");
    }

    @Test
    void secondCpuWaitsForStartup() throws Exception {
        Board b = boot("cli_hlt", TestBoards.deterministicPc().withCpus(2));
        assertEquals(MachineState.HALTED, b.state(), b.reason());
    }

    @Test
    void multibootInformationCarriesMemoryCommandLineModulesAndMap() throws Exception {
        java.nio.file.Path mod = java.nio.file.Files.writeString(dir.resolve("initrd.txt"), "module data\n");
        org.oxen.x86.machine.BootImage image = org.oxen.x86.machine.BootImage.read(Guests.kernel("mbinfo", dir), "console=ttyS0 quiet",
                java.util.List.of(org.oxen.x86.machine.BootImage.Module.read(mod, "arg=1")));
        Board b = TestBoards.manager().build(TestBoards.deterministicPc().withRam(32), image, null);
        b.start();
        assertTrue(b.awaitEnd(java.time.Duration.ofSeconds(30)), "mbinfo did not end: " + b.state());
        assertExited(b, 33);
        assertEquals(String.join("\n",
                "magic 2badb002",
                "flags 0000024d",                       // mem, cmdline, mods, mmap, boot loader name
                "mem 0000027f 00007c00",                // 639 KiB below 1 MiB, 31 MiB above
                "cmdline mbinfo.elf console=ttyS0 quiet",     // the image name, then --cmdline
                "module " + mod + " arg=1:module data",
                "mmap 00000000 0009fc00 01",
                "mmap 0009fc00 00000400 02",
                "mmap 000f0000 00010000 02",
                "mmap 00100000 01f00000 01",
                "mmap fec00000 00001000 02",
                "mmap fee00000 00001000 02",
                ""), b.console("debugcon"));
    }

    @Test
    void outputAfterTheExitPortIsNotPartOfTheRun() throws Exception {
        Board b = boot("exit_then_print", TestBoards.deterministicPc());
        assertExited(b, 0x23);
        assertEquals("bye\n", b.console("debugcon"));
    }

    @Test
    void unconnectedPortsAndUnbackedMemoryReadAllOnes() throws Exception {
        Board b = boot("unconnected", TestBoards.deterministicPc().withRam(16));
        assertExited(b, 33);
        assertEquals("ff ffff ffff ffff\n", b.console("debugcon"));
    }
}
