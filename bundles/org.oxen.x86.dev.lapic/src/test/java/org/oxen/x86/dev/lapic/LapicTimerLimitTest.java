package org.oxen.x86.dev.lapic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;

import org.oxen.x86.api.MmioDevice;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceConfig;
import org.oxen.x86.api.device.LocalApic;
import org.oxen.x86.bus.BasicDeviceContext;
import org.junit.jupiter.api.Test;

/**
 * The periodic timer's minimum period, as KVM's {@code limit_periodic_timer_frequency}
 * ({@code min_timer_period_us}, 200 by default): a periodic count of 1 would re-arm the host
 * timer every nanosecond; limited, it interrupts once per 200 us at a reload while the current
 * count reads as programmed. A manual clock; each timer firing is counted.
 */
class LapicTimerLimitTest {

    static final int SVR = 0x0f0, EOI = 0x0b0, LVT_TIMER = 0x320, TIMER_INIT = 0x380, TIMER_CUR = 0x390, TIMER_DIV = 0x3e0;
    static final int PERIODIC = 1 << 17, VECTOR = 0x31;

    final BasicDeviceContext ctx = new BasicDeviceContext();
    MmioDevice apic;
    LocalApic lapic;
    int interrupts;

    void build(Map<String, String> options) {
        Map<String, String> o = new HashMap<>(Map.of("mmio.apic", "0xfee00000"));
        o.putAll(options);
        DeviceConfig cfg = DeviceConfig.of("lapic", "lapic", o);
        Device d = new LapicFactory().create(ctx, cfg);
        cfg.regionBase(d.mmioRegions().get(0).baseKey(), false, 0xFFFF_FFFFL);
        cfg.checkAllUsed();
        apic = d.mmioRegions().get(0).handler();
        lapic = ctx.interrupts().localApic(0);
        apic.write32(SVR, 0x1ff);
    }

    void periodic(int divide, int count) {
        apic.write32(TIMER_DIV, divide);
        apic.write32(LVT_TIMER, PERIODIC | VECTOR);
        apic.write32(TIMER_INIT, count);
    }

    /** Runs the clock on by {@code nanos}, one timer firing at a time, taking each interrupt; returns the firings. */
    int run(long nanos) {
        long end = ctx.clock().nanos() + nanos;
        int firings = 0;
        for (long next; (next = ctx.timers().nextDeadline()) <= end; firings++) {
            ctx.advance(next - ctx.clock().nanos());
            if (lapic.hasInterrupt()) {
                assertEquals(VECTOR, lapic.acknowledge());
                apic.write32(EOI, 0);
                interrupts++;
            }
        }
        ctx.advance(end - ctx.clock().nanos());
        return firings;
    }

    @Test
    void aPeriodicCountOf1InterruptsOncePerMinimumPeriod() {
        build(Map.of());
        periodic(0xb, 1);                           // divide by 1: a period of 1 ns at 1 GHz
        int firings = run(10_000_000);
        assertEquals(50, firings, "one firing per 200 us in 10 ms");
        assertEquals(50, interrupts, "an interrupt at each");
        assertEquals(1, apic.read32(TIMER_CUR), "a count of 1 reads 1 (reloaded at every count)");
    }

    @Test
    void theCurrentCountReadsAsProgrammedAndInterruptsComeAtReloads() {
        build(Map.of("min-timer-period-us", "1"));   // 1,000 counts at divide by 1
        periodic(0xb, 7);                           // limited to 143 periods of 7: 1,001 ns
        assertEquals(1, run(1_001));
        assertEquals(7, apic.read32(TIMER_CUR), "at a reload");
        run(3);
        assertEquals(4, apic.read32(TIMER_CUR), "7 - 3: counting the programmed period");
        assertEquals(0, run(997));
        assertEquals(1, run(1), "the next interrupt 1,001 ns after the last");
        apic.write32(TIMER_DIV, 0x3);               // divide by 16: 7 counts are 112 ns, limited to 9 periods
        int before = interrupts;
        run(10_080);
        assertEquals(10, interrupts - before, "every 1,008 ns at divide by 16");
    }

    @Test
    void linuxsOneMillisecondTickIsNotLimited() {
        build(Map.of());
        periodic(0x3, 62_500);                      // divide by 16: 1 ms at 1 GHz, Linux's HZ=1000 tick
        assertEquals(10, run(10_000_000));
        assertEquals(10, interrupts);
        run(500_000);
        assertEquals(31_250, apic.read32(TIMER_CUR));
    }

    @Test
    void withoutTheLimitACountOf1FiresEveryCount() {
        build(Map.of("min-timer-period-us", "0"));
        periodic(0xb, 1);
        int firings = run(10_000);
        assertTrue(firings >= 9_999, firings + " firings in 10 us");
    }
}
