package org.oxen.x86.dev.pit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceConfig;
import org.oxen.x86.api.device.DeviceState;
import org.oxen.x86.api.device.DeviceStateException;
import org.oxen.x86.api.device.InterruptSink;
import org.oxen.x86.bus.BasicDeviceContext;
import org.oxen.x86.bus.IoPortBus;

/**
 * Save and load of the 8254 (Xen's HVM_SAVE_CODE(PIT)): a PIT loaded on another machine whose
 * clock continues from the saver's goes on exactly as the saved one would, latches and timer
 * included; a state with a bad field is refused naming the device and field, and changes
 * nothing.
 */
class PitStateTest {

    record Pc(BasicDeviceContext ctx, IoPortBus io, Device pit, List<Long> rises) {
        static Pc create() {
            BasicDeviceContext ctx = new BasicDeviceContext();
            IoPortBus io = new IoPortBus();
            DeviceConfig cfg = DeviceConfig.of("pit", "pit", Map.of("io.pit", "0x40", "io.speaker", "0x61", "irq", "0"));
            Device pit = new PitFactory().create(ctx, cfg);
            io.mapDevice(pit, cfg);
            List<Long> rises = new ArrayList<>();
            ctx.interrupts().attach((InterruptSink) (irq, level) -> {
                if (irq == 0 && level) rises.add(ctx.clock().nanos());
            });
            return new Pc(ctx, io, pit, rises);
        }
    }

    @Test
    void loadedPitContinuesAsTheSavedOne() {
        Pc a = Pc.create();
        a.io.write8(0x43, 0x34); // ch0, lo/hi, mode 2
        a.io.write8(0x40, 0x9b);
        a.io.write8(0x40, 0x2e); // 11931: ~10 ms
        a.io.write8(0x61, 0x01); // gate 2 on
        a.io.write8(0x43, 0xb0); // ch2 mode 0
        a.io.write8(0x42, 0x00);
        a.ctx.advance(25_000_000);
        a.io.write8(0x43, 0x00); // latch ch0; its first byte read, the second left latched
        int lo = a.io.read8(0x40);
        DeviceState saved = a.pit.saveState();

        Pc b = Pc.create();
        b.ctx.advance(25_000_000); // the target's clock continues from the saver's
        b.pit.loadState("pit", saved);
        assertEquals(saved, b.pit.saveState(), "the loaded PIT saves what it loaded");
        assertEquals(a.io.read8(0x40), b.io.read8(0x40), "the latched count's second byte (after " + lo + ")");
        a.rises.clear();
        b.rises.clear(); // its power-on OUT
        a.ctx.advance(100_000_000);
        b.ctx.advance(100_000_000);
        assertTrue(a.rises.size() >= 9, "the saved PIT ticks: " + a.rises);
        assertEquals(a.rises, b.rises, "IRQ 0 rises at the same times on both");
        assertEquals(a.io.read8(0x61) & 0x2f, b.io.read8(0x61) & 0x2f, "port 0x61: gate, OUT 2");
    }

    @Test
    void badFieldsAreRefusedAndChangeNothing() {
        Pc a = Pc.create();
        a.io.write8(0x43, 0x34);
        a.io.write8(0x40, 0x10);
        a.io.write8(0x40, 0x00);
        byte[] bytes = a.pit.saveState().data();
        Pc b = Pc.create();
        DeviceState before = b.pit.saveState();
        bytes[0] = 9; // ch0.mode
        DeviceStateException e = assertThrows(DeviceStateException.class,
                () -> b.pit.loadState("pit", new DeviceState(Pit.STATE_VERSION, bytes)));
        assertEquals("pit (pit) state: field ch0.mode: 9 is not in 0..5", e.getMessage());
        assertEquals(before, b.pit.saveState(), "a refused state changes nothing");

        byte[] shortened = java.util.Arrays.copyOf(a.pit.saveState().data(), 20);
        e = assertThrows(DeviceStateException.class,
                () -> b.pit.loadState("pit", new DeviceState(Pit.STATE_VERSION, shortened)));
        assertTrue(e.getMessage().startsWith("pit (pit) state: field ch0.start_tick: the record ends at byte 20"),
                e.getMessage());
        e = assertThrows(DeviceStateException.class,
                () -> b.pit.loadState("pit", new DeviceState(3, a.pit.saveState().data())));
        assertEquals("pit (pit) state: version 3; this device reads version 2 only", e.getMessage());
        byte[] longer = java.util.Arrays.copyOf(a.pit.saveState().data(), a.pit.saveState().size() + 1);
        e = assertThrows(DeviceStateException.class,
                () -> b.pit.loadState("pit", new DeviceState(Pit.STATE_VERSION, longer)));
        assertTrue(e.getMessage().contains("1 bytes after the last field"), e.getMessage());
        assertEquals(before, b.pit.saveState());
    }
}
