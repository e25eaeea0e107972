package org.oxen.x86.dev.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceConfig;
import org.oxen.x86.api.device.DeviceConfigException;
import org.oxen.x86.bus.BasicDeviceContext;
import org.oxen.x86.bus.IoPortBus;

/** The ACPI PM registers and timer of the pci device's region {@code pm}, through the port bus. */
class AcpiPmTest {

    static final int PM = 0xb000, STS = PM, EN = PM + 2, CNT = PM + 4, TMR = PM + 8;

    BasicDeviceContext ctx = new BasicDeviceContext();
    IoPortBus io = new IoPortBus();
    Device device;

    void create(String... kv) {
        Map<String, String> opts = new HashMap<>(Map.of("io.config", "0xcf8", "io.pm", "0xb000"));
        for (int i = 0; i < kv.length; i += 2) {
            opts.put(kv[i], kv[i + 1]);
        }
        DeviceConfig cfg = DeviceConfig.of("pci", "pci", opts);
        device = new PciFactory().create(ctx, cfg);
        io.mapDevice(device, cfg);
        cfg.checkAllUsed();
    }

    @Test
    void timerCountsAt3579545HzOfTheMachineClock() {
        create();
        int t0 = io.read32(TMR);
        ctx.advance(1_000_000_000L);
        assertEquals(3_579_545, io.read32(TMR) - t0, "one second of the clock");
        ctx.advance(1_000L);                           // 3.58 ticks
        assertEquals(3_579_548, io.read32(TMR) - t0);
        int low = io.read16(TMR), high = io.read16(TMR + 2);
        assertEquals(io.read32(TMR), high << 16 | low, "the timer's halves");
        io.write32(TMR, 0);
        assertEquals(3_579_548, io.read32(TMR) - t0, "read-only");
    }

    @Test
    void sciIsEnabledAndTheControlRegisterKeepsSlpTyp() {
        create();
        assertEquals(1, io.read16(CNT), "SCI_EN: the board is always in ACPI mode");
        io.write16(CNT, 0x2000 | 5 << 10);             // SLP_EN with SLP_TYP 5, SCI_EN cleared
        assertEquals(1 | 5 << 10, io.read16(CNT), "SLP_TYP kept, SLP_EN write-only, SCI_EN stays");
        io.write16(EN, 0xFFFF);
        assertEquals(0x0721, io.read16(EN), "the defined enable bits only");
    }

    @Test
    void slpEnWithTheS5SlpTypPowersTheMachineOffAndNothingElseDoes() {
        create();
        io.write16(CNT, 5 << 10 | 0x2000);            // SLP_EN with SLP_TYP 5 (no \_S3 in the DSDT)
        io.write16(CNT, 7 << 10);                      // S5's SLP_TYP without SLP_EN
        io.write8(CNT + 1, 7 << 2);                    // the same by its high byte
        assertEquals(0, ctx.powerOffRequests(), "no power-off without SLP_EN and S5's SLP_TYP together");
        assertEquals(1 | 7 << 10, io.read16(CNT));
        io.write8(CNT + 1, (7 << 10 | 0x2000) >>> 8);  // SLP_EN by a byte write, SLP_TYP S5 kept from before
        assertEquals(1, ctx.powerOffRequests(), "SLP_EN with SLP_TYP 7 (the DSDT's \\_S5)");
        io.write16(CNT, 7 << 10 | 0x2000 | 1);         // as Linux's acpi_hw_legacy_sleep writes it
        assertEquals(2, ctx.powerOffRequests());
        assertEquals(0, ctx.resetRequests());
    }

    @Test
    void timerCarryIntoBit31SetsTmrStsAndRaisesTheSciWhileEnabled() {
        create();
        long toCarry = (1L << 31) * 1_000_000_000L / 3_579_545 + 1;   // ~600 s
        assertEquals(0, io.read16(STS));
        io.write16(EN, 1);                             // TMR_EN
        assertFalse(ctx.interrupts().level(9));
        ctx.advance(toCarry - 1_000_000);
        assertFalse(ctx.interrupts().level(9), "no carry yet");
        assertEquals(0, io.read16(STS));
        ctx.advance(2_000_000);
        assertTrue(ctx.interrupts().level(9), "the timer fired at the carry and asserted the SCI");
        assertTrue(io.read32(TMR) < 0, "bit 31 set");
        assertEquals(1, io.read16(STS), "TMR_STS");
        io.write16(STS, 1);                            // write 1 to clear
        assertEquals(0, io.read16(STS));
        assertFalse(ctx.interrupts().level(9), "cleared status lowers the SCI");
        io.write16(EN, 0);
        ctx.advance(toCarry);                          // the next carry, into bit 32 (wraps to 0)
        assertEquals(1, io.read8(STS), "TMR_STS latched with TMR_EN clear");
        assertFalse(ctx.interrupts().level(9), "but no SCI");
        io.write8(STS, 1);
        assertEquals(0, io.read16(STS));
    }

    @Test
    void resetClearsTheEventRegisters() {
        create();
        io.write16(EN, 1);
        io.write16(CNT, 3 << 10);
        ctx.advance((1L << 31) * 1_000_000_000L / 3_579_545 + 1);
        assertTrue(ctx.interrupts().level(9));
        device.reset();                                // what the board does on RESET# (0xCF9)
        assertEquals(0, io.read16(STS));
        assertEquals(0, io.read16(EN));
        assertEquals(1, io.read16(CNT));
        assertFalse(ctx.interrupts().level(9));
    }

    @Test
    void sciWithoutPmRegistersIsAnError() {
        DeviceConfig cfg = DeviceConfig.of("pci", "pci", Map.of("io.config", "0xcf8", "sci", "9"));
        DeviceConfigException e = assertThrows(DeviceConfigException.class, () -> new PciFactory().create(ctx, cfg));
        assertEquals("device pci (pci): option 'sci': an SCI needs the ACPI PM registers: give io.pm too", e.getMessage());
    }
}
