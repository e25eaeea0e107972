package org.oxen.x86.machine.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oxen.x86.cpu.CpuidModel;
import org.oxen.x86.cpu.X86Cpu;
import org.oxen.x86.machine.BootImage;
import org.oxen.x86.machine.MachineDescription;

/**
 * The board tells its CPUs' CPUID what it built: each CPU's local APIC and its ID (leaf 1), all
 * CPUs in one package (leaf 1's HTT and logical count), and the TSC's rate beside the APIC
 * timer's clock (leaves 0x15/0x16), from the lapic device itself.
 * Linux said "Local APIC disabled by BIOS" and failed to calibrate the TSC against the PIT on
 * a loaded host before.
 */
class BoardCpuidTest {

    @TempDir
    Path dir;

    private int[] cpuid(Board b, int cpu, int leaf) {
        return cpuid(b, cpu, leaf, 0);
    }

    private int[] cpuid(Board b, int cpu, int leaf, int subleaf) {
        int[] o = new int[4];
        b.debugTarget().cpu(cpu).cpuidModel().query(leaf, subleaf, o);
        return o;
    }

    @Test
    void eachCpuSeesItsLocalApicAndTheTimerClock() throws Exception {
        BootImage image = BootImage.read(Guests.kernel("cli_hlt", dir));
        Board b = TestBoards.manager().build(MachineDescription.parse("pc\ncpus=2"), image, null);
        try {
            for (int i = 0; i < 2; i++) {
                assertEquals(CpuidModel.APIC, cpuid(b, i, 1)[3] & CpuidModel.APIC, "cpu " + i);
                assertEquals(i, cpuid(b, i, 1)[1] >>> 24, "initial APIC ID of cpu " + i);
                assertArrayEquals(new int[] {1, 1, 1_000_000_000, 0}, cpuid(b, i, 0x15), "TSC = 1 GHz crystal");
                assertEquals((int) (X86Cpu.TSC_HZ / 1_000_000), cpuid(b, i, 0x16)[0]);
                assertEquals(CpuidModel.HTT, cpuid(b, i, 1)[3] & CpuidModel.HTT, "one package: HTT, cpu " + i);
                assertEquals(2, cpuid(b, i, 1)[1] >>> 16 & 0xFF, "two logical IDs in the package, cpu " + i);
                assertEquals(0x08, cpuid(b, i, 1)[1] >>> 8 & 0xFF, "CLFLUSH line size kept");
                // cores: leaf 0xB's SMT level has one thread, its core level both CPUs, EDX the APIC ID
                assertArrayEquals(new int[] {0, 1, 0x100, i}, cpuid(b, i, 0xB, 0), "SMT level, cpu " + i);
                assertArrayEquals(new int[] {1, 2, 0x201, i}, cpuid(b, i, 0xB, 1), "core level, cpu " + i);
                assertEquals(1, cpuid(b, i, 4, 0)[0] >>> 26, "leaf 4: two core IDs, cpu " + i);
                assertEquals(0, cpuid(b, i, 4, 0)[0] >>> 14 & 0xFFF, "leaf 4: an L1 per core, cpu " + i);
                assertEquals(1, cpuid(b, i, 4, 3)[0] >>> 14 & 0xFFF, "leaf 4: one L3 for both, cpu " + i);
            }
        } finally {
            b.stop();
        }
        Board slow = TestBoards.manager().build(MachineDescription.parse("pc\nlapic timer-hz=100000000"), image, null);
        try {
            assertArrayEquals(new int[] {1, 10, 100_000_000, 0}, cpuid(slow, 0, 0x15), "100 MHz APIC clock, TSC 10x");
        } finally {
            slow.stop();
        }
        Board three = TestBoards.manager().build(MachineDescription.parse("pc\ncpus=3"), image, null);
        try {
            assertEquals(4, cpuid(three, 2, 1)[1] >>> 16 & 0xFF, "three CPUs: four addressable IDs (APIC IDs 0-2)");
        } finally {
            three.stop();
        }
        Board threads = TestBoards.manager().build(MachineDescription.parse("pc\ncpus=4 threads=2"), image, null);
        try {
            for (int i = 0; i < 4; i++) {
                assertArrayEquals(new int[] {1, 2, 0x100, i}, cpuid(threads, i, 0xB, 0), "threads=2: two per core, cpu " + i);
                assertArrayEquals(new int[] {2, 4, 0x201, i}, cpuid(threads, i, 0xB, 1), "four in the package, cpu " + i);
                assertEquals(1, cpuid(threads, i, 4, 0)[0] >>> 14 & 0xFFF, "an L1 per core's two threads, cpu " + i);
                assertEquals(1, cpuid(threads, i, 4, 0)[0] >>> 26, "two core IDs, cpu " + i);
            }
        } finally {
            threads.stop();
        }
        Board one = TestBoards.manager().build(MachineDescription.parse("pc"), image, null);
        try {
            assertEquals(0, cpuid(one, 0, 1)[3] & CpuidModel.HTT, "one CPU: no package to share");
        } finally {
            one.stop();
        }
        Board noApic = TestBoards.manager().build(MachineDescription.parse("pc\n-lapic"), image, null);
        try {
            assertEquals(0, cpuid(noApic, 0, 1)[3] & CpuidModel.APIC, "no lapic device, no APIC in CPUID");
            assertEquals(2, cpuid(noApic, 0, 0)[0]);
        } finally {
            noApic.stop();
        }
    }
}
