package org.oxen.x86.dev.pit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceConfig;
import org.oxen.x86.api.device.DeviceConfigException;
import org.oxen.x86.api.device.DeviceState;
import org.oxen.x86.api.device.DeviceStateException;
import org.oxen.x86.api.device.InterruptSink;
import org.oxen.x86.bus.BasicDeviceContext;
import org.oxen.x86.bus.IoPortBus;

/**
 * Counter 0's missed periods ({@code missed-ticks}): with {@code catch-up} (Xen's vpt for its
 * i8254, {@code pending_intr_nr}) every mode-2 period that ended while IRQ 0 could not be taken
 * is raised later, one per acknowledgement of IRQ 0 (the router's {@code lineAcknowledged}, as
 * the 8259A's INTA and the I/O APIC at a local APIC's INTA report it); with {@code drop} (the
 * default, QEMU's) they merge into one. A manual clock, and an edge-latching controller of one
 * IRR bit standing for the 8259A: a rising edge sets it, taking the interrupt clears it and
 * acknowledges the line.
 */
class PitMissedTicksTest {

    static final int PERIOD = 1000;   // input ticks, 838 us

    BasicDeviceContext ctx;
    IoPortBus io;
    Device pit;
    /** The controller's IRR bit of IRQ 0. */
    boolean irr;

    void build(String missedTicks) {
        ctx = new BasicDeviceContext();
        io = new IoPortBus();
        irr = false;
        Map<String, String> o = new HashMap<>(Map.of("io.pit", "0x40", "io.speaker", "0x61", "irq", "0",
                "min-timer-period-us", "0", "missed-ticks", missedTicks));
        DeviceConfig cfg = DeviceConfig.of("pit", "pit", o);
        pit = new PitFactory().create(ctx, cfg);
        io.mapDevice(pit, cfg);
        cfg.checkAllUsed();
        ctx.interrupts().attach((InterruptSink) (irq, level) -> {
            if (irq == 0 && level) {
                irr = true;
            }
        });
        program(PERIOD);
    }

    void program(int count) {
        io.write8(0x43, 0x34);             // counter 0, word, mode 2
        io.write8(0x40, count & 0xFF);
        io.write8(0x40, count >> 8);
        irr = false;
    }

    /** The clock jumps {@code ticks} input ticks on before the timers run once (a batch past several reloads). */
    void runLate(long ticks) {
        ctx.manualClock().set(Pit.timeOf(Pit.tickAt(ctx.clock().nanos()) + ticks));
        ctx.timers().runDue(ctx.clock().nanos());
    }

    void advanceTicks(long ticks) {
        ctx.advance(Pit.timeOf(Pit.tickAt(ctx.clock().nanos()) + ticks) - ctx.clock().nanos());
    }

    /** Takes every interrupt the controller presents, each acknowledged (INTA) at once; returns how many. */
    int takeAll() {
        int n = 0;
        while (irr) {
            irr = false;
            ctx.interrupts().lineAcknowledged(0);
            n++;
            assertTrue(n <= 1000, "interrupts without end");
        }
        return n;
    }

    @Test
    void periodsThatEndBeforeTheTimersRunAreEachDeliveredOnePerAcknowledgement() {
        build("catch-up");
        runLate(10 * PERIOD + PERIOD / 2);
        assertEquals(10, takeAll(), "one interrupt per period ended");
        advanceTicks(PERIOD / 2 - 10);
        assertEquals(0, takeAll(), "none gained: the next period has not ended");
        advanceTicks(10);
        assertEquals(1, takeAll());
    }

    @Test
    void periodsThatEndWhileTheLastTickIsNotTakenAreOwed() {
        build("catch-up");
        for (int i = 0; i < 5; i++) {
            advanceTicks(PERIOD);              // five reloads, the CPU's interrupts off
        }
        assertEquals(5, takeAll(), "the first waited in IRR, four were owed");
        advanceTicks(PERIOD);
        assertEquals(1, takeAll());
    }

    @Test
    void withoutCatchUpMissedPeriodsMergeIntoOneTick() {
        build("drop");
        runLate(10 * PERIOD + PERIOD / 2);
        assertEquals(1, takeAll());
        for (int i = 0; i < 5; i++) {
            advanceTicks(PERIOD);
        }
        assertEquals(1, takeAll(), "QEMU's i8254: five reloads, one IRR bit");
    }

    @Test
    void writingCounter0DropsTheTicksOwed() {
        build("catch-up");
        runLate(6 * PERIOD);
        program(PERIOD);                       // Xen's pit_load_count: create_periodic_time
        irr = true;                            // the tick raised before the write, still in IRR
        assertEquals(1, takeAll(), "none owed after the new count");
    }

    @Test
    void aSaveCarriesTheTicksOwed() {
        build("catch-up");
        runLate(7 * PERIOD);
        DeviceState saved = pit.saveState();
        long now = ctx.clock().nanos();

        build("catch-up");
        ctx.manualClock().set(now);
        pit.loadState("pit", saved);
        irr = true;                            // the 8259A's own record holds the tick issued
        assertEquals(7, takeAll(), "the one issued and the six owed");

        build("drop");
        ctx.manualClock().set(now);
        Device drop = pit;
        DeviceStateException e = assertThrows(DeviceStateException.class, () -> drop.loadState("pit", saved));
        assertTrue(e.getMessage().contains("owed_ticks"), e.getMessage());
    }

    @Test
    void anUnknownModeIsRefusedByName() {
        DeviceConfigException e = assertThrows(DeviceConfigException.class, () -> build("sometimes"));
        assertTrue(e.getMessage().contains("missed-ticks") && e.getMessage().contains("catch-up"), e.getMessage());
    }
}
