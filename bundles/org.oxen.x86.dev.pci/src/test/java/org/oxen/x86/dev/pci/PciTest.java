package org.oxen.x86.dev.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.oxen.x86.api.InterruptLine;
import org.oxen.x86.api.device.DeviceConfig;
import org.oxen.x86.api.device.DeviceConfigException;
import org.oxen.x86.api.pci.PciBus;
import org.oxen.x86.api.pci.PciConfigSpace;
import org.oxen.x86.bus.BasicDeviceContext;
import org.oxen.x86.bus.IoPortBus;

/** Configuration mechanism #1 through ports 0xCF8-0xCFF. */
class PciTest {

    BasicDeviceContext ctx = new BasicDeviceContext();
    IoPortBus io = new IoPortBus();
    PciBus bus;

    void create(String... kv) {
        Map<String, String> opts = new HashMap<>(Map.of("io.config", "0xcf8"));
        for (int i = 0; i < kv.length; i += 2) {
            opts.put(kv[i], kv[i + 1]);
        }
        DeviceConfig cfg = DeviceConfig.of("pci", "pci", opts);
        io.mapDevice(new PciFactory().create(ctx, cfg), cfg);
        cfg.checkAllUsed();
        bus = ctx.lookup(PciBus.class);
    }

    int cfgRead32(int dev, int fn, int reg) {
        io.write32(0xcf8, 0x8000_0000 | dev << 11 | fn << 8 | reg);
        return io.read32(0xcfc);
    }

    void cfgWrite32(int dev, int fn, int reg, int v) {
        io.write32(0xcf8, 0x8000_0000 | dev << 11 | fn << 8 | reg);
        io.write32(0xcfc, v);
    }

    @Test
    void hostAndIsaBridgeIdentification() {
        create();
        assertEquals(0x1237_8086, cfgRead32(0, 0, 0x00), "i440FX");
        assertEquals(0x0600_0002, cfgRead32(0, 0, 0x08), "host bridge class, revision 2");
        assertEquals(0x7000_8086, cfgRead32(1, 0, 0x00), "PIIX3");
        assertEquals(0x0601_0000, cfgRead32(1, 0, 0x08), "ISA bridge class");
        assertEquals(0x80, cfgRead32(1, 0, 0x0c) >> 16 & 0xff, "multi-function header");
    }

    @Test
    void narrowDataAccessesAndAddressReadback() {
        create();
        io.write32(0xcf8, 0x8000_0000);
        assertEquals(0x8000_0000, io.read32(0xcf8));
        assertEquals(0x86, io.read8(0xcfc));
        assertEquals(0x80, io.read8(0xcfd));
        assertEquals(0x1237, io.read16(0xcfe));
        io.write32(0xcf8, 0x8000_0002);
        assertEquals(0x8000_0000, io.read32(0xcf8), "register bits 1:0 are reserved");
    }

    @Test
    void absentFunctionsOtherBusesAndDisabledAddressReadAllOnes() {
        create();
        assertEquals(-1, cfgRead32(5, 0, 0));
        io.write32(0xcf8, 0x8001_0000);
        assertEquals(-1, io.read32(0xcfc), "bus 1 does not exist");
        io.write32(0xcf8, 0x0000_0000);
        assertEquals(-1, io.read32(0xcfc), "enable bit clear");
        assertEquals(0xff, io.read8(0xcf8), "byte accesses to CONFIG_ADDRESS are not decoded");
    }

    @Test
    void identificationIsReadOnlyAndCommandIsWritable() {
        create();
        cfgWrite32(0, 0, 0x00, 0);
        assertEquals(0x1237_8086, cfgRead32(0, 0, 0x00));
        cfgWrite32(0, 0, 0x04, 0xffff);
        assertEquals(0x0547, cfgRead32(0, 0, 0x04) & 0xffff);
    }

    /** A device bundle's function: 4 KiB memory BAR0, 32-port I/O BAR1, INTA#. */
    static final class TestFunction extends PciConfigSpace {
        final List<String> moves = new ArrayList<>();

        TestFunction() {
            super(0x1234, 0x5678, 1, 0x020000, false);
            defineBar(0, 4096, false, false);
            defineBar(1, 32, true, false);
            setInterruptPin(1);
        }

        @Override
        protected void barChanged(int bar, long base) {
            moves.add(bar + "@" + Long.toHexString(base));
        }
    }

    @Test
    void laterDevicesPlugInAndBarsAnswerTheSizingProtocol() {
        create();
        TestFunction f = new TestFunction();
        int devfn = bus.plug(-1, f, "nic0");
        assertEquals(2 << 3, devfn, "first free slot after the bridges");
        assertEquals(0x5678_1234, cfgRead32(2, 0, 0));
        cfgWrite32(2, 0, 0x10, -1);
        assertEquals(0xffff_f000, cfgRead32(2, 0, 0x10), "4 KiB, 32-bit memory");
        cfgWrite32(2, 0, 0x14, -1);
        assertEquals(0xffff_ffe1, cfgRead32(2, 0, 0x14), "32 ports, I/O");
        cfgWrite32(2, 0, 0x10, 0xfebf_0000);
        assertEquals(0xfebf_0000, cfgRead32(2, 0, 0x10));
        assertEquals(0, cfgRead32(2, 0, 0x18), "unimplemented BAR2 reads zero");
        assertEquals(List.of("0@fffff000", "1@ffe0", "0@febf0000"), f.moves);
        assertEquals(0x0100, cfgRead32(2, 0, 0x3c) & 0xffff, "INTA#, line not yet assigned");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bus.plug(0x10, new TestFunction(), "nic1"));
        assertTrue(e.getMessage().contains("nic0") && e.getMessage().contains("nic1"), e.getMessage());
    }

    @Test
    void intxIsRoutedThroughPirqRegistersAndToGsi16To19() {
        create();
        int devfn = bus.plug(-1, new TestFunction(), "nic0");   // slot 2: INTA# -> PIRQB
        InterruptLine inta = bus.intx(devfn, 1);
        inta.raise();
        assertTrue(ctx.interrupts().level(17), "I/O APIC pin 17 sees PIRQB");
        assertFalse(ctx.interrupts().level(11), "PIRQB routing disabled after reset");
        io.write32(0xcf8, 0x8000_0800 | 0x60);
        io.write8(0xcfd, 11);                                    // PIRQB -> IRQ 11
        assertTrue(ctx.interrupts().level(11));
        inta.lower();
        assertFalse(ctx.interrupts().level(11));
        assertFalse(ctx.interrupts().level(17));
    }

    @Test
    void pirqOptionPresetsTheRouting() {
        create("pirq", "10,10,11,11");
        assertEquals(0x0b0b_0a0a, cfgRead32(1, 0, 0x60));
        InterruptLine a = bus.intx(bus.plug(-1, new TestFunction(), "a"), 1);  // slot 2 -> PIRQB -> 10
        InterruptLine b = bus.intx(bus.plug(-1, new TestFunction(), "b"), 4);  // slot 3, INTD -> PIRQA -> 10
        a.raise();
        b.raise();
        a.lower();
        assertTrue(ctx.interrupts().level(10), "shared level: b still holds IRQ 10");
        b.lower();
        assertFalse(ctx.interrupts().level(10));
    }

    @Test
    void resetControlRegister() {
        create();
        io.write8(0xcf9, 0x02);
        assertEquals(0x02, io.read8(0xcf9));
        assertEquals(0, ctx.resetRequests());
        io.write8(0xcf9, 0x06);
        assertEquals(1, ctx.resetRequests());
    }

    @Test
    void badPirqOption() {
        DeviceConfigException e = assertThrows(DeviceConfigException.class, () -> create("pirq", "10,10,2,11"));
        assertEquals("device pci (pci): option 'pirq': '2' is not a routable ISA IRQ", e.getMessage());
    }
}
