package org.oxen.x86.dev.lapic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.oxen.x86.api.MmioDevice;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceConfig;
import org.oxen.x86.api.device.DeviceConfigException;
import org.oxen.x86.api.device.DeviceState;
import org.oxen.x86.api.device.LocalApic;
import org.oxen.x86.bus.BasicDeviceContext;

/**
 * The periodic timer's missed periods ({@code missed-ticks}): with {@code catch-up} (Xen's
 * {@code pending_intr_nr}, delay_for_missed_ticks) every period that ended while the CPU could
 * not take its interrupt is raised later, one per EOI of the timer's vector, and so is every
 * period that ended while the timer's LVT was masked, from the unmask on; with {@code drop}
 * (the default, QEMU's) they merge into one and a masked period is lost. A manual clock; a vcpu that runs on past several
 * periods before its timers are looked at is a clock set past them before the timers run.
 */
class LapicMissedTicksTest {

    static final int SVR = 0x0f0, EOI = 0x0b0, LVT_TIMER = 0x320, TIMER_INIT = 0x380, TIMER_DIV = 0x3e0;
    static final int PERIODIC = 1 << 17, MASKED = 1 << 16, VECTOR = 0x31, PERIOD = 1000;

    BasicDeviceContext ctx = new BasicDeviceContext();
    Device device;
    MmioDevice apic;
    LocalApic lapic;

    void build(String missedTicks) {
        ctx = new BasicDeviceContext();
        DeviceConfig cfg = DeviceConfig.of("lapic", "lapic",
                Map.of("mmio.apic", "0xfee00000", "min-timer-period-us", "0", "missed-ticks", missedTicks));
        device = new LapicFactory().create(ctx, cfg);
        cfg.regionBase(device.mmioRegions().get(0).baseKey(), false, 0xFFFF_FFFFL);
        cfg.checkAllUsed();
        apic = device.mmioRegions().get(0).handler();
        lapic = ctx.interrupts().localApic(0);
        apic.write32(SVR, 0x1ff);
        apic.write32(TIMER_DIV, 0xb);                 // divide by 1: 1 count per ns
        apic.write32(LVT_TIMER, PERIODIC | VECTOR);
        apic.write32(TIMER_INIT, PERIOD);
    }

    /** The clock jumps {@code nanos} on before the timers run once (a batch that ran past several deadlines). */
    void runLate(long nanos) {
        ctx.manualClock().set(ctx.clock().nanos() + nanos);
        ctx.timers().runDue(ctx.clock().nanos());
    }

    /** Takes every interrupt the APIC presents, each acknowledged and EOIed; returns how many. */
    int takeAll() {
        int n = 0;
        while (lapic.hasInterrupt()) {
            assertEquals(VECTOR, lapic.acknowledge());
            apic.write32(EOI, 0);
            n++;
            assertTrue(n <= 1000, "interrupts without end");
        }
        return n;
    }

    @Test
    void periodsThatEndBeforeTheTimersRunAreEachDeliveredOnePerEoi() {
        build("catch-up");
        runLate(10 * PERIOD + PERIOD / 2);
        int n = 0;
        while (lapic.hasInterrupt()) {
            assertEquals(VECTOR, lapic.acknowledge());
            assertFalse(lapic.hasInterrupt(), "the next owed tick waits for the EOI of this one");
            apic.write32(EOI, 0);
            n++;
            assertTrue(n <= 1000, "interrupts without end");
        }
        assertEquals(10, n, "one interrupt per period ended");
        ctx.advance(PERIOD / 2 - 1);
        assertEquals(0, takeAll(), "no tick gained: the next period has not ended");
        ctx.advance(1);
        assertEquals(1, takeAll());
    }

    @Test
    void periodsThatEndWhileTheLastTickIsPendingOrInServiceAreOwed() {
        build("catch-up");
        ctx.advance(PERIOD);
        assertEquals(VECTOR, lapic.acknowledge());   // in service, not EOIed (the guest runs with IF=0)
        ctx.advance(5 * PERIOD);                      // five more periods, the timer firing at each
        assertFalse(lapic.hasInterrupt(), "the in-service tick blocks its class");
        apic.write32(EOI, 0);
        assertEquals(5, takeAll(), "the first of them waited in IRR, four were owed");
    }

    @Test
    void noOwedTickIsRaisedWhileTheTimerIsMaskedAndTheUnmaskRaisesThem() {
        build("catch-up");
        runLate(4 * PERIOD);
        assertEquals(VECTOR, lapic.acknowledge());
        apic.write32(LVT_TIMER, PERIODIC | MASKED | VECTOR);
        apic.write32(EOI, 0);
        assertFalse(lapic.hasInterrupt(), "three owed, but the LVT is masked");
        apic.write32(LVT_TIMER, PERIODIC | VECTOR);
        assertTrue(lapic.hasInterrupt(), "Xen's pt_resume: the unmask raises the owed ticks");
        assertEquals(3, takeAll(), "the three owed, one per EOI");
        ctx.advance(PERIOD);
        assertEquals(1, takeAll(), "then one per period");
    }

    /** Xen's vpt: a masked periodic timer is suspended with its pending_intr_nr kept (pt_update_irq, pt_resume). */
    @Test
    void periodsThatEndWhileTheTimerIsMaskedAreOwedFromTheUnmask() {
        build("catch-up");
        apic.write32(LVT_TIMER, PERIODIC | MASKED | VECTOR);
        for (int i = 0; i < 5; i++) {
            ctx.advance(PERIOD);                      // five firings, each masked
        }
        runLate(3 * PERIOD);                          // and three more periods at one look
        assertFalse(lapic.hasInterrupt(), "masked: nothing raised");
        apic.write32(LVT_TIMER, PERIODIC | VECTOR);
        assertEquals(8, takeAll(), "every period that ended while masked, one per EOI");
        ctx.advance(PERIOD);
        assertEquals(1, takeAll());
    }

    @Test
    void withoutCatchUpAMaskedFiringIsDropped() {
        build("drop");
        apic.write32(LVT_TIMER, PERIODIC | MASKED | VECTOR);
        ctx.advance(5 * PERIOD);
        apic.write32(LVT_TIMER, PERIODIC | VECTOR);
        assertEquals(0, takeAll(), "QEMU's APIC: masked ticks are lost");
        ctx.advance(PERIOD);
        assertEquals(1, takeAll());
    }

    @Test
    void withoutCatchUpMissedPeriodsMergeIntoOneTick() {
        build("drop");
        runLate(10 * PERIOD + PERIOD / 2);
        assertEquals(1, takeAll());
        ctx.advance(PERIOD);
        assertEquals(1, takeAll());
    }

    @Test
    void reprogrammingOrAModeChangeDropsTheTicksOwed() {
        build("catch-up");
        runLate(6 * PERIOD);
        apic.write32(TIMER_INIT, PERIOD);             // Xen's create_periodic_time: no tick pending
        assertEquals(1, takeAll(), "the tick raised before the write stays in IRR; none owed");

        runLate(6 * PERIOD);
        apic.write32(LVT_TIMER, VECTOR);              // one-shot now: Xen's vlapic re-creates its timer
        assertEquals(1, takeAll(), "the change of mode dropped the five owed");
    }

    @Test
    void aSaveCarriesTheTicksOwed() {
        build("catch-up");
        runLate(7 * PERIOD);
        assertEquals(VECTOR, lapic.acknowledge());
        DeviceState saved = device.saveState();
        long now = ctx.clock().nanos();

        build("catch-up");
        ctx.manualClock().set(now);
        device.loadState("lapic", saved);
        apic.write32(EOI, 0);
        assertEquals(6, takeAll(), "the six owed after the one in service");

        build("drop");
        ctx.manualClock().set(now);
        Device drop = device;
        assertThrows(RuntimeException.class, () -> drop.loadState("lapic", saved),
                "an APIC that drops missed ticks refuses a record that owes some");
    }

    @Test
    void anUnknownModeIsRefusedByName() {
        DeviceConfigException e = assertThrows(DeviceConfigException.class, () -> build("sometimes"));
        assertTrue(e.getMessage().contains("missed-ticks") && e.getMessage().contains("catch-up"), e.getMessage());
    }
}
