package org.oxen.x86.dev.lapic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oxen.x86.api.InterruptController;
import org.oxen.x86.api.MmioDevice;
import org.oxen.x86.api.device.DeviceConfigException;
import org.oxen.x86.bus.BasicDeviceContext;
import org.oxen.x86.bus.IoPortBus;
import org.oxen.x86.bus.DeviceAssembly;
import org.oxen.x86.bus.DeviceEntry;
import org.oxen.x86.bus.MmioMap;
import org.oxen.x86.bus.PcLayout;

/**
 * The PC's interrupt paths with the real controllers, assembled the way the board does it:
 * factories in description order, regions mapped from the configuration, unknown keys checked.
 * The PIT's IRQ 0 reaches CPU 0 through the 8259A and LINT0 (ExtINT), and any CPU through the
 * I/O APIC's pin 2; the RTC's IRQ 8 goes through the slave 8259A.
 */
class PcInterruptWiringTest {

    BasicDeviceContext ctx = new BasicDeviceContext().cpuCount(2);
    IoPortBus io = new IoPortBus();
    Map<String, MmioDevice> mmio = new HashMap<>();
    MmioMap mmioMap = new MmioMap();

    @BeforeEach
    void assemble() {
        List<DeviceEntry> pc = PcLayout.APIC_PC.stream()
                .filter(e -> Set.of("pic", "pit", "rtc", "ioapic", "lapic").contains(e.type())).toList();
        DeviceAssembly devices = DeviceAssembly.assemble(pc, RandomGuestAccessTest.FACTORIES, ctx, io, mmioMap);
        devices.devices().forEach(p -> p.mmio().forEach(m -> mmio.put(m.region(), m.handler())));
    }

    @Test
    void overlappingDescriptionStartsNothingAndNamesBothDevices() {
        BasicDeviceContext fresh = new BasicDeviceContext().cpuCount(1);
        IoPortBus ports = new IoPortBus();
        List<DeviceEntry> bad = new java.util.ArrayList<>(PcLayout.ISA_PC);
        bad.add(PcLayout.COM2.with("io.uart", "0x3fc").with("console", "memory:com2"));
        DeviceConfigException e = assertThrows(DeviceConfigException.class,
                () -> DeviceAssembly.assemble(bad, RandomGuestAccessTest.FACTORIES, fresh, ports, new MmioMap()));
        assertEquals("port 0x3fc: device com2 region 'uart' [0x3fc-0x403] overlaps device com1 region 'uart' [0x3f8-0x3ff]",
                e.getMessage());
        assertEquals(List.of(), ports.mappings());
        assertTrue(fresh.memoryConsole("com2").closed(), "the half-created device was closed");
        assertNull(fresh.interrupts().legacyController(), "the PIC withdrew from the router");
    }

    void initPic() {
        int[][] seq = {{0x20, 0x11}, {0x21, 0x20}, {0x21, 0x04}, {0x21, 0x01},
                       {0xa0, 0x11}, {0xa1, 0x28}, {0xa1, 0x02}, {0xa1, 0x01}};
        for (int[] w : seq) {
            io.write8(w[0], w[1]);
        }
    }

    void pitMode2(int count) {
        io.write8(0x43, 0x34);
        io.write8(0x40, count & 0xff);
        io.write8(0x40, count >> 8);
    }

    @Test
    void pitThroughThe8259AndLint0ToCpu0() {
        boolean[] intr = new boolean[2];
        ctx.interrupts().connectCpu(0, high -> intr[0] = high);
        ctx.interrupts().connectCpu(1, high -> intr[1] = high);
        initPic();
        io.write8(0x21, 0xfe);                   // only IRQ 0
        pitMode2(1193);
        InterruptController cpu0 = ctx.interrupts().controllerFor(0);
        InterruptController cpu1 = ctx.interrupts().controllerFor(1);
        ctx.advance(1_000_000);
        assertTrue(cpu0.hasInterrupt());
        assertTrue(intr[0], "the 8259A's INT reached CPU 0's INTR through LINT0");
        assertFalse(cpu1.hasInterrupt(), "LINT0 of APs is masked");
        assertFalse(intr[1]);
        assertEquals(0x20, cpu0.acknowledge());
        assertFalse(intr[0]);
        io.write8(0x20, 0x20);
        assertFalse(cpu0.hasInterrupt());
        ctx.advance(1_000_000);
        assertEquals(0x20, cpu0.acknowledge(), "the next tick");
    }

    @Test
    void pitThroughTheIoApicToCpu1() {
        initPic();
        io.write8(0x21, 0xff);                   // 8259A fully masked: APIC mode
        MmioDevice ioapic = mmio.get("ioapic");
        MmioDevice apic = mmio.get("apic");
        ctx.currentCpu(1);
        apic.write32(0xf0, 0x1ff);               // software-enable CPU 1's APIC
        ioapic.write32(0, 0x15);
        ioapic.write32(0x10, 1 << 24);           // pin 2 -> APIC 1
        ioapic.write32(0, 0x14);
        ioapic.write32(0x10, 0x30);              // fixed, edge, vector 0x30, unmasked
        pitMode2(1193);
        ctx.advance(1_000_000);
        InterruptController cpu1 = ctx.interrupts().controllerFor(1);
        assertFalse(ctx.interrupts().controllerFor(0).hasInterrupt());
        assertEquals(0x30, cpu1.acknowledge());
        apic.write32(0xb0, 0);                   // EOI as CPU 1
        ctx.advance(1_000_000);
        assertEquals(0x30, cpu1.acknowledge());
    }

    @Test
    void rtcPeriodicInterruptThroughTheSlave() {
        initPic();
        io.write8(0x21, 0xfb);                   // cascade only
        io.write8(0xa1, 0xfe);                   // IRQ 8 only
        io.write8(0x70, 0x0b);
        io.write8(0x71, 0x42);                   // PIE, 24 h
        ctx.advance(1_000_000);
        InterruptController cpu0 = ctx.interrupts().controllerFor(0);
        assertEquals(0x28, cpu0.acknowledge());
        io.write8(0x70, 0x0c);
        assertEquals(0xc0, io.read8(0x71));
        io.write8(0xa0, 0x20);
        io.write8(0x20, 0x20);
        ctx.advance(1_000_000);
        assertEquals(0x28, cpu0.acknowledge(), "1024 Hz: the next period");
    }
}
