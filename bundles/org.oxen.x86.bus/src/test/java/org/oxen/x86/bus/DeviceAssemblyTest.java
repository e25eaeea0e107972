package org.oxen.x86.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceConfigException;
import org.oxen.x86.api.device.DeviceFactory;
import org.oxen.x86.api.device.PortRegion;

/** The board's contract: unknown types, overlaps and unknown keys are clear errors, nothing stays. */
class DeviceAssemblyTest {

    final List<String> closed = new ArrayList<>();
    final BasicDeviceContext ctx = new BasicDeviceContext();
    final IoPortBus io = new IoPortBus();
    final MmioMap mmio = new MmioMap();

    /** A device type with one 8-port region "io" and an optional "speed" option. */
    final DeviceFactory regs = (context, config) -> {
        config.intValue("speed", 1, 1, 10);
        String id = config.id();
        return new Device() {
            @Override
            public List<PortRegion> portRegions() {
                return List.of(new PortRegion("io", 8, new IoPortDevice() {
                    @Override public int read8(int o) { return o; }
                    @Override public void write8(int o, int v) { }
                }));
            }

            @Override
            public void close() {
                closed.add(id);
            }
        };
    };
    final Map<String, DeviceFactory> factories = Map.of("regs", regs, "other", regs);

    DeviceEntry at(String id, int base) {
        return new DeviceEntry(id, "regs", Map.of("io.io", Integer.toString(base)));
    }

    DeviceConfigException fails(List<DeviceEntry> entries) {
        DeviceConfigException e = assertThrows(DeviceConfigException.class,
                () -> DeviceAssembly.assemble(entries, factories, ctx, io, mmio));
        assertEquals(List.of(), io.mappings(), "nothing stays mapped");
        return e;
    }

    @Test
    void assemblesInOrder() {
        DeviceAssembly a = DeviceAssembly.assemble(List.of(at("a", 0x100), at("b", 0x108)), factories, ctx, io, mmio);
        assertEquals(2, a.devices().size());
        assertEquals(3, io.read8(0x10b));
        a.closeAll();
        assertEquals(List.of("b", "a"), closed);
    }

    @Test
    void unknownTypeListsTheInstalledOnes() {
        DeviceConfigException e = fails(List.of(at("a", 0x100), new DeviceEntry("com1", "uart16550", Map.of())));
        assertEquals("device com1: unknown device type 'uart16550' (installed: other regs)", e.getMessage());
        assertEquals(List.of("a"), closed, "devices created before are closed");
    }

    @Test
    void overlappingPortsNameBothDevices() {
        DeviceConfigException e = fails(List.of(at("a", 0x100), at("b", 0x104)));
        assertEquals("port 0x104: device b region 'io' [0x104-0x10b] overlaps device a region 'io' [0x100-0x107]", e.getMessage());
        assertEquals(List.of("b", "a"), closed);
    }

    @Test
    void unknownOptionKey() {
        DeviceConfigException e = fails(List.of(at("a", 0x100).with("sped", "3")));
        assertEquals("device a (regs): unknown option 'sped'", e.getMessage());
    }

    @Test
    void missingBaseAndDuplicateIds() {
        assertEquals("device a (regs): option 'io.io': missing (the base of this region)",
                fails(List.of(new DeviceEntry("a", "regs", Map.of()))).getMessage());
        assertEquals("device id 'a' is used twice", fails(List.of(at("a", 0x100), at("a", 0x200))).getMessage());
        assertNull(io.at(0x100));
    }
}
