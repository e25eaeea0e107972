package org.oxen.x86.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.device.DeviceConfig;
import org.oxen.x86.api.device.DeviceConfigException;
import org.oxen.x86.api.device.InterruptSink;
import org.oxen.x86.api.device.Timer;

class BusTest {

    /** A device whose registers are a byte array. */
    static final class Regs implements IoPortDevice {
        final int[] r = new int[8];
        @Override public int read8(int o) { return r[o]; }
        @Override public void write8(int o, int v) { r[o] = v & 0xFF; }
    }

    @Test
    void unconnectedPortsReadAllOnesAndIgnoreWrites() {
        IoPortBus bus = new IoPortBus();
        bus.write8(0x80, 0x12);
        assertEquals(0xFF, bus.read8(0x80));
        assertEquals(0xFFFF, bus.read16(0x80));
        assertEquals(-1, bus.read32(0x80));
    }

    @Test
    void mappedDeviceSeesOffsetsAndWideAccessesSplitAcrossTheEdge() {
        IoPortBus bus = new IoPortBus();
        Regs d = new Regs();
        bus.map("dev0", "io", 0x3f8, 8, d);
        bus.write16(0x3f8, 0xBEEF);
        assertEquals(0xEF, d.r[0]);
        assertEquals(0xBE, d.r[1]);
        d.r[7] = 0x42;
        assertEquals(0xFF42, bus.read16(0x3ff), "second byte is unconnected");
    }

    @Test
    void overlapNamesBothDevicesAndThePort() {
        IoPortBus bus = new IoPortBus();
        bus.map("com1", "uart", 0x3f8, 8, new Regs());
        DeviceConfigException e = assertThrows(DeviceConfigException.class,
                () -> bus.map("com9", "uart", 0x3fc, 8, new Regs()));
        assertTrue(e.getMessage().contains("port 0x3fc"), e.getMessage());
        assertTrue(e.getMessage().contains("com1"), e.getMessage());
        assertTrue(e.getMessage().contains("com9"), e.getMessage());
        assertEquals(0xFF, bus.read8(0x400), "failed mapping left nothing behind");
    }

    @Test
    void unknownOptionKeyIsRejectedWithDeviceAndKey() {
        DeviceConfig c = DeviceConfig.of("com1", "uart", Map.of("irq", "4", "iqr", "4"));
        assertEquals(4, c.irq("irq"));
        DeviceConfigException e = assertThrows(DeviceConfigException.class, c::checkAllUsed);
        assertEquals("device com1 (uart): unknown option 'iqr'", e.getMessage());
    }

    @Test
    void malformedAndMissingOptionsNameDeviceAndKey() {
        DeviceConfig c = DeviceConfig.of("com1", "uart", Map.of("irq", "four"));
        assertEquals("device com1 (uart): option 'irq': expected an integer, got 'four'",
                assertThrows(DeviceConfigException.class, () -> c.irq("irq")).getMessage());
        assertEquals("device com1 (uart): option 'io.uart': missing (the base of this region)",
                assertThrows(DeviceConfigException.class, () -> c.regionBase("io.uart", false, 0xFFFF)).getMessage());
        assertEquals(0x3f8, DeviceConfig.of("a", "b", Map.of("io.x", "0x3F8")).regionBase("io.x", false, 0xFFFF));
    }

    @Test
    void linesFanOutToEveryControllerAndSharedLinesAreWiredOr() {
        Interrupts irq = new Interrupts();
        List<String> seen = new ArrayList<>();
        irq.line(3).raise();
        irq.attach((InterruptSink) (n, level) -> seen.add("a" + n + level));
        irq.attach((InterruptSink) (n, level) -> seen.add("b" + n + level));
        assertEquals(List.of("a3true", "b3true"), seen, "attach replays high lines");
        seen.clear();
        irq.line(3).lower();
        assertEquals(List.of("a3false", "b3false"), seen);
        seen.clear();
        var x = irq.sharedLine(11);
        var y = irq.sharedLine(11);
        x.raise();
        y.raise();
        x.lower();
        assertTrue(irq.level(11));
        y.lower();
        assertFalse(irq.level(11));
        assertEquals(List.of("a11true", "b11true", "a11false", "b11false"), seen);
    }

    @Test
    void timersFireInDeadlineOrderAndReArmWithoutAllocation() {
        TimerQueue q = new TimerQueue();
        List<String> fired = new ArrayList<>();
        Timer[] t = new Timer[2];
        t[0] = q.newTimer("a", now -> {
            fired.add("a@" + now);
            if (fired.size() < 3) {
                t[0].armAt(now + 10);
            }
        });
        t[1] = q.newTimer("b", now -> fired.add("b@" + now));
        t[0].armAt(5);
        t[1].armAt(3);
        assertEquals(3, q.nextDeadline());
        assertEquals(2, q.runDue(7));
        assertEquals(List.of("b@7", "a@7"), fired);
        assertEquals(17, q.nextDeadline());
        t[0].cancel();
        assertEquals(Long.MAX_VALUE, q.nextDeadline());
    }

    /** A deadline armed during a batch, before its end, tells the owner (who ends the batch); nothing else does. */
    @Test
    void aDeadlineArmedBeforeTheRunningBatchsEndTellsTheOwner() {
        TimerQueue q = new TimerQueue();
        List<Long> told = new ArrayList<>();
        Timer t = q.newTimer("t", now -> { });
        Timer u = q.newTimer("u", now -> { });
        q.onEarlierDeadline(() -> told.add(q.nextDeadline()));
        t.armAt(50);
        assertEquals(List.of(), told, "no batch runs");
        q.runningUntil(1_000);
        u.armAt(2_000);
        assertEquals(List.of(), told, "after the batch's end");
        t.armAt(500);
        assertEquals(List.of(500L), told);
        u.armAt(700);
        assertEquals(List.of(500L), told, "the batch already ends at 500");
        u.armAt(400);
        assertEquals(List.of(500L, 400L), told);
        q.batchEnded();
        t.armAt(10);
        assertEquals(List.of(500L, 400L), told, "the batch is over");
    }

    /** A window's handler that reads zeros and ignores writes (the map tests look only at windows). */
    private static final org.oxen.x86.api.MmioDevice NO_DEVICE = new org.oxen.x86.api.MmioDevice() {
        @Override public int read8(long o) { return 0; }
        @Override public void write8(long o, int v) { }
    };

    @Test
    void mmioWindowsAreFoundAndOverlapsNamed() {
        MmioMap map = new MmioMap();
        org.oxen.x86.api.MmioDevice dev = NO_DEVICE;
        map.map("ioapic", "ioapic", 0xfec0_0000L, 0x1000, dev, false);
        map.map("lapic", "apic", 0xfee0_0000L, 0x1000, dev, true);
        assertEquals("lapic", map.find(0xfee0_0030L).owner());
        assertEquals(null, map.find(0xfec0_1000L));
        DeviceConfigException e = assertThrows(DeviceConfigException.class,
                () -> map.map("hpet", "hpet", 0xfebf_f800L, 0x1000, dev, false));
        assertEquals("address 0xfec00000: device hpet region 'hpet' [0xfebff800-0xfec007ff] overlaps device ioapic region 'ioapic' [0xfec00000-0xfec00fff]",
                e.getMessage());
    }

    /**
     * A device access's window lookup: every edge (below the first window, a window's first and
     * last byte, the gap between two, above the last, after an unmap), and no allocation (it is
     * on the path of every APIC access; a lookup in a map keyed by {@code Long} boxed each address).
     */
    @Test
    void mmioLookupAtEveryEdgeWithoutAllocating() {
        MmioMap map = new MmioMap();
        org.oxen.x86.api.MmioDevice dev = NO_DEVICE;
        assertEquals(null, map.find(0xfee0_0000L));
        MmioMap.Mapping io = map.map("ioapic", "ioapic", 0xfec0_0000L, 0x1000, dev, false);
        map.map("lapic", "apic", 0xfee0_0000L, 0x1000, dev, true);
        assertEquals(null, map.find(0xfebf_ffffL));
        assertEquals("ioapic", map.find(0xfec0_0000L).owner());
        assertEquals("ioapic", map.find(0xfec0_0fffL).owner());
        assertEquals(null, map.find(0xfec0_1000L));
        assertEquals(null, map.find(0xfedf_ffffL));
        assertEquals("lapic", map.find(0xfee0_0000L).owner());
        assertEquals("lapic", map.find(0xfee0_0fffL).owner());
        assertEquals(null, map.find(0xfee0_1000L));
        assertEquals(null, map.find((1L << 36) - 1));
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        long found = 0;
        long before = threads.getThreadAllocatedBytes(id);
        for (int i = 0; i < 100_000; i++) {
            if (map.find(0xfee0_0000L + (i & 0xFFF)) != null) found++;
            if (map.find(0xfec0_1000L + i) != null) found--;
        }
        long allocated = threads.getThreadAllocatedBytes(id) - before;
        assertEquals(100_000, found);
        assertTrue(allocated < 1024, "200,000 lookups allocated " + allocated + " bytes");
        map.unmap(io);
        assertEquals(null, map.find(0xfec0_0000L));
        assertEquals("lapic", map.find(0xfee0_0010L).owner());
    }

    @Test
    void pcLayoutPicAndPitRegionsMapWithoutOverlap() {
        IoPortBus bus = new IoPortBus();
        int[] sizes = {2, 2, 2};
        String[] regions = {"io.master", "io.slave", "io.elcr"};
        for (int i = 0; i < regions.length; i++) {
            bus.map("pic", regions[i], Integer.decode(PcLayout.ISA_PC.get(0).options().get(regions[i])), sizes[i], new Regs());
        }
        bus.map("pit", "pit", 0x40, 4, new Regs());
        assertEquals(4, bus.mappings().size());
        assertEquals("pic", bus.at(0x4d1).owner());
    }
}
