package org.oxen.x86.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.oxen.x86.bus.DeviceEntry;

class MachineDescriptionTest {

    @Test
    void defaultPcHasTheClassicLayout() {
        MachineDescription pc = MachineDescription.pc();
        assertEquals(64, pc.ramMiB());
        assertEquals(1, pc.cpus());
        assertEquals(MachineDescription.ClockMode.REAL, pc.clock());
        assertEquals(List.of("pic", "pit", "rtc", "com1", "debugcon", "pci", "ioapic", "lapic"),
                pc.devices().stream().map(DeviceEntry::id).toList());
        assertEquals(new DeviceEntry("com1", "uart", Map.of("io.uart", "0x3f8", "irq", "4", "console", "none")), pc.device("com1"));
        assertEquals("0xfee00000", pc.device("lapic").options().get("mmio.apic"));
    }

    @Test
    void textFormChangesAddsAndRemoves() {
        MachineDescription d = MachineDescription.parse("""
                pc                       # start from the PC
                ram=128 cpus=2; clock=deterministic:5
                com2:uart io.uart=0x2f8 irq=3
                com1 console=file:/tmp/x irq=
                -lapic
                """);
        assertEquals(128, d.ramMiB());
        assertEquals(2, d.cpus());
        assertEquals(MachineDescription.ClockMode.DETERMINISTIC, d.clock());
        assertEquals(5, d.nanosPerInstruction());
        assertNull(d.device("lapic"));
        assertEquals(Map.of("io.uart", "0x3f8", "console", "file:/tmp/x"), d.device("com1").options());
        assertEquals("uart", d.device("com2").type());
        assertEquals(d, MachineDescription.parse(d.toString()), "the text form round-trips");
    }

    @Test
    void errorsNameTheKey() {
        assertEquals("machine description: option 'ram': 1 is out of range [2, 3072]",
                assertThrows(MachineException.class, () -> MachineDescription.parse("ram=1")).getMessage());
        assertEquals("machine description: unknown machine option 'rma' (expected ram, cpus, threads, clock)",
                assertThrows(MachineException.class, () -> MachineDescription.parse("rma=64")).getMessage());
        assertEquals("device com1 (uart): expected key=value, got 'irq'",
                assertThrows(MachineException.class, () -> MachineDescription.parse("com1:uart irq")).getMessage());
        assertEquals("machine description, entry '-nope': no device 'nope' to remove",
                assertThrows(MachineException.class, () -> MachineDescription.parse("pc; -nope")).getMessage());
        assertEquals("machine description: option 'threads': 3 threads per core is not a power of two",
                assertThrows(MachineException.class, () -> MachineDescription.parse("cpus=6 threads=3")).getMessage());
        assertEquals("machine description: 3 CPUs are not whole cores of 2 threads",
                assertThrows(MachineException.class, () -> MachineDescription.parse("cpus=3 threads=2")).getMessage());
        assertEquals("device com1: already defined as type uart, not pit",
                assertThrows(MachineException.class, () -> MachineDescription.parse("pc; com1:pit")).getMessage());
    }

    @Test
    void cpusAreCoresOfOnePackageOrThreadsOfItsCores() {
        assertEquals(1, MachineDescription.pc().withCpus(4).threadsPerCore(), "cores by default");
        MachineDescription d = MachineDescription.parse("pc\ncpus=4 threads=2");
        assertEquals(4, d.cpus());
        assertEquals(2, d.threadsPerCore());
        assertEquals(d, MachineDescription.parse(d.toString()), "the text form round-trips");
        assertEquals("ram=64 cpus=4 threads=2 clock=real", d.toString().lines().findFirst().orElseThrow());
        assertEquals("ram=64 cpus=1 clock=real", MachineDescription.pc().toString().lines().findFirst().orElseThrow(),
                "one thread per core is not written");
    }
}
