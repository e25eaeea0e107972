package org.oxen.x86.dev.pit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oxen.x86.api.device.DeviceConfig;
import org.oxen.x86.api.device.InterruptSink;
import org.oxen.x86.bus.BasicDeviceContext;
import org.oxen.x86.bus.IoPortBus;

/**
 * 8254 datasheet behaviour through ports 0x40-0x43 and 0x61, on a manual clock (without the
 * interrupt rate limit, so short periods show the datasheet's edges), and the limit of
 * counter 0's interrupt rate ({@code min-timer-period-us}).
 */
class PitTest {

    BasicDeviceContext ctx;
    IoPortBus io;
    /** Input-clock ticks at which IRQ 0 rose. */
    List<Long> irq0Rises = new ArrayList<>();

    @BeforeEach
    void setUp() {
        build(Map.of("min-timer-period-us", "0"));
    }

    /** A PC's 8254 on a fresh manual-clock context with {@code options} besides its regions and IRQ. */
    void build(Map<String, String> options) {
        ctx = new BasicDeviceContext();
        io = new IoPortBus();
        irq0Rises.clear();
        Map<String, String> o = new java.util.HashMap<>(Map.of("io.pit", "0x40", "io.speaker", "0x61", "irq", "0"));
        o.putAll(options);
        DeviceConfig cfg = DeviceConfig.of("pit", "pit", o);
        io.mapDevice(new PitFactory().create(ctx, cfg), cfg);
        cfg.checkAllUsed();
        ctx.interrupts().attach((InterruptSink) (irq, level) -> {
            if (irq == 0 && level) {
                irq0Rises.add(Pit.tickAt(ctx.clock().nanos()));
            }
        });
    }

    /** Runs the machine until input-clock tick {@code tick}. */
    void at(long tick) {
        ctx.advance(Pit.timeOf(tick) - ctx.clock().nanos());
    }

    void program(int counter, int mode, int count) {
        io.write8(0x43, counter << 6 | 0x30 | mode << 1);
        io.write8(0x40 + counter, count & 0xFF);
        io.write8(0x40 + counter, count >> 8 & 0xFF);
        irq0Rises.clear();   // OUT's initial level after a control word may itself be an edge
    }

    int latched(int counter) {
        io.write8(0x43, counter << 6);
        return io.read8(0x40 + counter) | io.read8(0x40 + counter) << 8;
    }

    int status(int counter) {
        io.write8(0x43, 0xE0 | 2 << counter);  // read-back, status only
        return io.read8(0x40 + counter);
    }

    boolean out2() {
        return (io.read8(0x61) & 0x20) != 0;
    }

    @Test
    void clockConversionsRoundTrip() {
        for (long t : new long[] {1, 2, 1193, 1_193_182, 1_193_183, 123_456_789_012L}) {
            assertEquals(t, Pit.tickAt(Pit.timeOf(t)));
            assertEquals(t - 1, Pit.tickAt(Pit.timeOf(t) - 1));
        }
    }

    @Test
    void nothingCountsBeforeItIsProgrammed() {
        assertEquals(0x40, status(0) & 0x40, "null count: no count was ever written");
        assertEquals(List.of(0L), irq0Rises, "OUT0 is high from power-on (one level, no period)");
        at(0x10000 * 3L);
        assertEquals(List.of(0L), irq0Rises, "no IRQ 0 edges before counter 0 is programmed");
        assertEquals(0, latched(1), "counter 1 holds still too");
        int out2 = io.read8(0x61) & 0x20;
        at(0x10000 * 3L + 0x8000);
        assertEquals(out2, io.read8(0x61) & 0x20, "OUT2 does not toggle");
        program(0, 3, 0);                       // what a BIOS does: mode 3, count 0x10000
        at(0x38000L + 0x10000 * 2L);
        assertEquals(List.of(0x48000L, 0x58000L), irq0Rises, "18.2 Hz once programmed");
    }

    @Test
    void aControlWordAloneDoesNotStartTheCount() {
        io.write8(0x43, 0x34);                  // counter 0, mode 2, word: no count yet
        at(0x20000);
        assertEquals(List.of(0L), irq0Rises, "OUT stays high after a mode-2 control word");
        assertEquals(0xC0, status(0) & 0xC0, "null count until the count is written");
    }

    @Test
    void mode0InterruptOnTerminalCount() {
        at(1000);
        program(0, 0, 100);
        assertEquals(0, status(0) & 0x80, "OUT low after the count is written");
        at(1050);
        assertEquals(50, latched(0));
        at(1099);
        assertTrue(irq0Rises.isEmpty());
        at(1100);
        assertEquals(List.of(1100L), irq0Rises);
        assertEquals(0x80, status(0) & 0x80);
        at(1110);
        assertEquals(0xFFF6, latched(0), "the counter wraps and keeps counting");
        at(5000);
        assertEquals(1, irq0Rises.size(), "OUT stays high: one interrupt");
    }

    @Test
    void mode0FirstByteOfAWordWriteStopsCounting() {
        program(0, 0, 100);
        at(40);
        io.write8(0x40, 0x10);
        at(200);
        assertTrue(irq0Rises.isEmpty(), "stopped by the LSB");
        io.write8(0x40, 0x00);
        at(215);
        assertTrue(irq0Rises.isEmpty());
        at(216);
        assertEquals(List.of(216L), irq0Rises, "restarted with 0x0010 by the MSB");
    }

    @Test
    void mode1RetriggerableOneShotOnGate2() {
        program(2, 1, 10);
        at(5);
        assertTrue(out2(), "OUT high until triggered");
        io.write8(0x61, 0x01);                  // gate 2 rising edge
        assertFalse(out2());
        at(14);
        assertEquals(1, latched(2));
        io.write8(0x61, 0x00);
        io.write8(0x61, 0x01);                  // retrigger at 14
        at(23);
        assertFalse(out2());
        at(24);
        assertTrue(out2());
    }

    @Test
    void mode2RateGeneratorInterruptsEveryPeriod() {
        program(0, 2, 100);
        at(30);
        assertEquals(70, latched(0));
        at(1000);
        assertEquals(10, irq0Rises.size());
        assertEquals(100L, irq0Rises.get(0), "OUT low at count 1, high again on reload");
        assertEquals(1000L, irq0Rises.get(9));
    }

    @Test
    void mode2NewCountWaitsForTheEndOfThePeriod() {
        program(0, 2, 100);
        at(30);
        io.write8(0x40, 50);
        io.write8(0x40, 0);
        assertEquals(0x40, status(0) & 0x40, "null count until the reload");
        at(60);
        assertEquals(40, latched(0), "still counting the old period");
        at(250);
        assertEquals(List.of(100L, 150L, 200L, 250L), irq0Rises);
        assertEquals(0, status(0) & 0x40);
    }

    @Test
    void mode2LateBatchSkipsWholePeriodsButKeepsPhase() {
        program(0, 2, 100);
        ctx.manualClock().set(Pit.timeOf(100_050));  // a very long batch, timers not run
        ctx.timers().runDue(ctx.clock().nanos());
        at(100_200);
        assertEquals(100_200L, irq0Rises.get(irq0Rises.size() - 1));
        assertTrue(irq0Rises.size() < 10, "catch-up replays at most a few periods");
    }

    /**
     * OUT0 rose at terminal count while the CPU ran on (the board looks at its timers between
     * batches; an HVM vcpu's clock moves on within one), and the PIC latched that edge on a PC:
     * a control word and count written to counter 0 before the board ran the timer (Linux's
     * one-shot PIT writes both for every event) must not take it back.
     */
    @Test
    void aTerminalCountDueBeforeAReprogrammingStillInterrupts() {
        program(0, 0, 100);                           // OUT0 rises at tick 100
        ctx.manualClock().set(Pit.timeOf(150));       // past it; the timers have not run yet
        io.write8(0x43, 0x30);                        // the next event: control word (OUT low) ...
        io.write8(0x40, 80);                          // ... and its count
        io.write8(0x40, 0);
        ctx.timers().runDue(ctx.clock().nanos());     // the board's next look at its timers
        assertEquals(List.of(150L), irq0Rises, "the terminal count's edge, delivered at the control word");
        at(229);
        assertEquals(1, irq0Rises.size());
        at(230);
        assertEquals(List.of(150L, 230L), irq0Rises, "then the new count's own");
    }

    /**
     * A mode-2 period that ended while the CPU ran on raised IRQ 0 then: a new count written
     * before the board ran the timer (it waits for the end of the current period) must neither
     * drop the periods that ended nor shift the phase.
     */
    @Test
    void mode2PeriodsDueBeforeANewCountStillInterrupt() {
        program(0, 2, 100);
        ctx.manualClock().set(Pit.timeOf(250));       // the periods ending at 100 and 200 are due
        io.write8(0x40, 50);
        io.write8(0x40, 0);
        assertEquals(List.of(250L, 250L), irq0Rises, "the edges of ticks 100 and 200, delivered at the write");
        at(350);
        assertEquals(List.of(250L, 250L, 300L, 350L), irq0Rises, "the old period ends at 300, then every 50");
    }

    @Test
    void mode3SquareWave() {
        program(2, 3, 10);
        io.write8(0x61, 0x01);
        assertTrue(out2());
        at(1);
        assertEquals(8, latched(2), "mode 3 counts down by two");
        at(4);
        assertEquals(2, latched(2));
        assertTrue(out2());
        at(5);
        assertFalse(out2(), "low for the second half");
        at(10);
        assertTrue(out2());
        io.write8(0x61, 0x00);
        at(16);
        assertTrue(out2(), "gate low forces OUT high");
        program(0, 3, 0x4a9);                   // the classic 1.0 ms tick on IRQ 0
        at(16 + 10 * 0x4a9);
        assertEquals(10, irq0Rises.size());
    }

    @Test
    void mode4SoftwareStrobe() {
        program(0, 4, 50);
        assertEquals(0x80, status(0) & 0x80);
        at(20);
        assertEquals(30, latched(0));
        at(50);
        assertEquals(0, status(0) & 0x80, "low for one clock at terminal count");
        at(51);
        assertEquals(0x80, status(0) & 0x80);
        assertEquals(List.of(51L), irq0Rises);
        at(500);
        assertEquals(1, irq0Rises.size());
    }

    @Test
    void mode5HardwareStrobeOnGate2() {
        program(2, 5, 20);
        at(100);
        assertTrue(out2());
        assertEquals(20, latched(2), "holds the count until triggered");
        io.write8(0x61, 0x01);
        at(110);
        assertEquals(10, latched(2));
        at(119);
        assertTrue(out2());
        at(120);
        assertFalse(out2());
        at(121);
        assertTrue(out2());
    }

    @Test
    void gateLowSuspendsMode0() {
        program(2, 0, 100);
        io.write8(0x61, 0x01);
        at(30);
        io.write8(0x61, 0x00);
        at(500);
        assertEquals(70, latched(2), "count held while gate low");
        io.write8(0x61, 0x01);
        at(569);
        assertFalse(out2());
        at(570);
        assertTrue(out2());
    }

    @Test
    void latchHoldsTheCountUntilBothBytesAreRead() {
        program(0, 2, 1000);
        at(100);
        io.write8(0x43, 0x00);
        at(300);
        assertEquals(900 & 0xFF, io.read8(0x40));
        io.write8(0x43, 0x00);                  // a second latch before the MSB is ignored
        assertEquals(900 >> 8, io.read8(0x40));
        assertEquals(700, latched(0), "after the latch is read the counter is live again");
    }

    @Test
    void readBackLatchesCountAndStatusStatusFirst() {
        io.write8(0x43, 0x94);                  // counter 2, LSB only, mode 2
        assertEquals(0x40 | 0x10 | 0x04, status(2) & 0x7F, "null count until a count is written");
        io.write8(0x42, 50);
        at(10);
        io.write8(0x43, 0xC8);                  // read-back counter 2: count and status
        assertEquals(0x14 | 0x80 * (out2() ? 1 : 0), io.read8(0x42) , "status byte first, null count clear");
        assertEquals(40, io.read8(0x42));
    }

    @Test
    void bcdCounting() {
        io.write8(0x43, 0x31);                  // counter 0, word, mode 0, BCD
        io.write8(0x40, 0x00);
        io.write8(0x40, 0x01);                  // 0100 BCD = 100
        irq0Rises.clear();
        at(1);
        assertEquals(0x0099, latched(0));
        at(100);
        assertEquals(List.of(100L), irq0Rises);
        at(101);
        assertEquals(0x9999, latched(0), "BCD wraps to 9999");
    }

    @Test
    void port61KeepsLowBitsAndTogglesRefresh() {
        io.write8(0x61, 0xFF);
        assertEquals(0x0F, io.read8(0x61) & 0x0F);
        int a = io.read8(0x61) & 0x10;
        ctx.advance(15_085);
        assertEquals(a ^ 0x10, io.read8(0x61) & 0x10);
    }

    /** Runs the machine until input-clock tick {@code tick}, firing each due timer at its deadline; returns the firings. */
    int firingsUntil(long tick) {
        long end = Pit.timeOf(tick);
        int n = 0;
        while (ctx.timers().nextDeadline() <= end) {
            ctx.manualClock().set(Math.max(ctx.clock().nanos(), ctx.timers().nextDeadline()));
            ctx.timers().runDue(ctx.clock().nanos());
            n++;
        }
        ctx.manualClock().set(end);
        return n;
    }

    /**
     * KVM's i8254 limit: a mode-2 count of 2 (an interrupt every 1.7 us) interrupts once per
     * 200 us by default, at reloads (multiples of the count from the start), and arms the timer
     * once per interrupt, while the count still reads as programmed. Without the limit it fires
     * at every OUT0 transition: 2 per period.
     */
    @Test
    void aMode2CountOf2InterruptsOncePerMinimumPeriod() {
        build(Map.of());
        long min = 239;                              // 200 us of 1.193182 MHz ticks, rounded up
        program(0, 2, 2);
        long tenMs = 11_932;
        int firings = firingsUntil(tenMs);
        assertTrue(firings <= tenMs / min + 1, firings + " timer firings in 10 ms");
        assertEquals(tenMs / 240, irq0Rises.size(), "an edge each 240 ticks (120 periods of 2)");
        for (int i = 0; i < irq0Rises.size(); i++) {
            assertEquals(240L * (i + 1), irq0Rises.get(i), "edge " + i + " at a reload");
        }
        assertEquals(2, latched(0), "the count reads as programmed: reloaded at an even tick");
        assertEquals(0x80, status(0) & 0x80, "OUT0 high after the reload");
        at(tenMs + 1);
        assertEquals(1, latched(0));
        assertEquals(0, status(0) & 0x80, "OUT0 in the status low at count 1, as the count has it");

        build(Map.of("min-timer-period-us", "0"));
        program(0, 2, 2);
        assertEquals(tenMs, firingsUntil(tenMs), "no limit: a firing at every transition");
        assertEquals(tenMs / 2, irq0Rises.size());
    }

    /** Mode 3 with a short count is limited the same way; the limit is the device's option. */
    @Test
    void aMode3ShortCountIsLimitedToTheConfiguredPeriod() {
        build(Map.of("min-timer-period-us", "1000"));   // 1,194 ticks
        program(0, 3, 10);
        int firings = firingsUntil(11_932);
        assertTrue(firings <= 10, firings + " firings in 10 ms");
        assertEquals(List.of(1200L, 2400L, 3600L, 4800L, 6000L, 7200L, 8400L, 9600L, 10_800L), irq0Rises);
    }

    /** Linux's 1 ms (HZ=1000) and 10 ms (HZ=100) ticks are above the minimum: unchanged. */
    @Test
    void linuxTicksAreNotLimited() {
        for (int count : new int[] {1193, 11_932}) {
            for (int mode : new int[] {2, 3}) {
                build(Map.of());
                program(0, mode, count);
                int firings = firingsUntil(10L * count);
                assertEquals(20, firings, "mode " + mode + ", count " + count + ": two transitions a period");
                assertEquals(10, irq0Rises.size());
                assertEquals((long) count, irq0Rises.get(0));
                assertEquals(10L * count, irq0Rises.get(9));
            }
        }
    }

    /** A new count waiting for the end of a limited period takes over at that reload, with its edge. */
    @Test
    void aNewCountAfterALimitedOneStartsAtTheNextReload() {
        build(Map.of());
        program(0, 2, 2);
        firingsUntil(101);
        io.write8(0x40, 1193 & 0xFF);
        io.write8(0x40, 1193 >> 8);
        firingsUntil(102 + 2 * 1193);
        assertEquals(List.of(102L, 102L + 1193, 102L + 2 * 1193), irq0Rises, "the switch at 102, then every 1 ms");
    }
}
