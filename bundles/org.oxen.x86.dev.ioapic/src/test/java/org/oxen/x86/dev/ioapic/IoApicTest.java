package org.oxen.x86.dev.ioapic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oxen.x86.api.MmioDevice;
import org.oxen.x86.api.device.ApicBus;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceConfig;
import org.oxen.x86.bus.BasicDeviceContext;

/** 82093AA behaviour through IOREGSEL/IOWIN, with a recording APIC bus. */
class IoApicTest {

    BasicDeviceContext ctx = new BasicDeviceContext().cpuCount(2);
    MmioDevice mmio;
    List<String> delivered = new ArrayList<>();

    @BeforeEach
    void setUp() {
        DeviceConfig cfg = DeviceConfig.of("ioapic", "ioapic", Map.of("mmio.ioapic", "0xfec00000"));
        Device d = new IoApicFactory().create(ctx, cfg);
        assertEquals(0xfec00000L, cfg.regionBase(d.mmioRegions().get(0).baseKey(), false, 0xFFFF_FFFFL));
        cfg.checkAllUsed();
        mmio = d.mmioRegions().get(0).handler();
        ctx.interrupts().setApicBus((dest, logical, mode, vector, level) ->
                delivered.add(String.format("%s%d mode%d v%02x %s", logical ? "L" : "P", dest, mode, vector, level ? "level" : "edge")));
    }

    int reg(int r) {
        mmio.write32(0, r);
        return mmio.read32(0x10);
    }

    void setReg(int r, int v) {
        mmio.write32(0, r);
        mmio.write32(0x10, v);
    }

    void route(int pin, long entry) {
        setReg(0x11 + 2 * pin, (int) (entry >>> 32));
        setReg(0x10 + 2 * pin, (int) entry);
    }

    @Test
    void identificationRegisters() {
        assertEquals(0x0017_0011, reg(0x01), "version 0x11, 24 entries");
        assertEquals(2 << 24, reg(0x00), "ID defaults to the CPU count");
        setReg(0x00, 0x0500_0000);
        assertEquals(5 << 24, reg(0x00));
    }

    @Test
    void entriesResetMaskedAndReadOnlyBitsStay() {
        for (int pin = 0; pin < 24; pin++) {
            assertEquals(0x0001_0000, reg(0x10 + 2 * pin));
        }
        setReg(0x10, 0xffff_ffff);
        assertEquals(0x0001_afff, reg(0x10), "delivery status and remote IRR are read-only");
        setReg(0x11, 0xffff_ffff);
        assertEquals(0xff00_0000, reg(0x11));
    }

    @Test
    void edgeTriggeredPinDeliversOncePerRisingEdge() {
        route(4, 1L << 56 | 0x31);
        ctx.interrupts().line(4).raise();
        assertEquals(List.of("P1 mode0 v31 edge"), delivered);
        ctx.interrupts().line(4).lower();
        ctx.interrupts().line(4).pulse();
        assertEquals(2, delivered.size());
    }

    @Test
    void edgeWhileMaskedIsDeliveredOnUnmask() {
        route(3, IoApic.MASKED | 0x33);
        ctx.interrupts().line(3).pulse();
        assertTrue(delivered.isEmpty());
        route(3, 0x33);
        assertEquals(List.of("P0 mode0 v33 edge"), delivered);
    }

    @Test
    void isaIrq0DrivesPin2() {
        route(2, 0x30);
        ctx.interrupts().line(0).pulse();
        assertEquals(List.of("P0 mode0 v30 edge"), delivered);
    }

    @Test
    void levelTriggeredPinUsesRemoteIrrUntilEoi() {
        route(10, IoApic.LEVEL | 0x40);
        ctx.interrupts().line(10).raise();
        assertEquals(List.of("P0 mode0 v40 level"), delivered);
        assertEquals(0x4000, reg(0x10 + 20) & 0x4000, "remote IRR set");
        ctx.interrupts().broadcastEoi(0x41);
        assertEquals(1, delivered.size(), "EOI for another vector");
        ctx.interrupts().broadcastEoi(0x40);
        assertEquals(2, delivered.size(), "still asserted: delivered again after EOI");
        ctx.interrupts().line(10).lower();
        ctx.interrupts().broadcastEoi(0x40);
        assertEquals(0, reg(0x10 + 20) & 0x4000, "remote IRR cleared by EOI");
        assertEquals(2, delivered.size());
    }

    @Test
    void levelAssertedWhileMaskedIsDeliveredOnUnmask() {
        route(16, IoApic.MASKED | IoApic.LEVEL | IoApic.POLARITY | 0x50);
        ctx.interrupts().line(16).raise();
        assertTrue(delivered.isEmpty());
        route(16, IoApic.LEVEL | IoApic.POLARITY | 0x50);
        assertEquals(List.of("P0 mode0 v50 level"), delivered);
    }

    @Test
    void logicalDestinationAndDeliveryModesPassThrough() {
        route(1, 0x03L << 56 | IoApic.LOGICAL | 1 << 8 | 0x21);   // lowest priority, logical 0x03
        route(5, 7 << 8);                                        // ExtINT
        ctx.interrupts().line(1).pulse();
        ctx.interrupts().line(5).pulse();
        assertEquals(List.of("L3 mode1 v21 edge", "P0 mode7 v00 edge"), delivered);
    }

    @Test
    void byteAccessToTheSelectRegister() {
        mmio.write8(0, 0x01);
        assertEquals(0x11, mmio.read8(0x10));
        assertEquals(0x17, mmio.read8(0x12));
    }
}
