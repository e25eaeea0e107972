package org.oxen.x86.dev.rtc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.oxen.x86.api.device.DeviceConfig;
import org.oxen.x86.api.device.DeviceConfigException;
import org.oxen.x86.bus.BasicDeviceContext;
import org.oxen.x86.bus.IoPortBus;

/** MC146818 behaviour through ports 0x70/0x71 on a manual clock. */
class RtcTest {

    static final long MS = 1_000_000L;

    BasicDeviceContext ctx = new BasicDeviceContext().ramBytes(64L << 20);
    IoPortBus io = new IoPortBus();

    void create(String... kv) {
        Map<String, String> opts = new HashMap<>(Map.of("io.rtc", "0x70", "irq", "8"));
        for (int i = 0; i < kv.length; i += 2) {
            opts.put(kv[i], kv[i + 1]);
        }
        DeviceConfig cfg = DeviceConfig.of("rtc", "rtc", opts);
        io.mapDevice(new RtcFactory().create(ctx, cfg), cfg);
        cfg.checkAllUsed();
    }

    int rd(int reg) {
        io.write8(0x70, reg);
        return io.read8(0x71);
    }

    void wr(int reg, int v) {
        io.write8(0x70, reg);
        io.write8(0x71, v);
    }

    boolean irq8() {
        return ctx.interrupts().level(8);
    }

    @Test
    void timeAndDateInBcd24hFromTheFixedEpoch() {
        create("epoch", "2026-11-21T13:45:30");
        assertEquals(0x30, rd(0));
        assertEquals(0x45, rd(2));
        assertEquals(0x13, rd(4));
        assertEquals(7, rd(6), "Saturday is day 7");
        assertEquals(0x21, rd(7));
        assertEquals(0x11, rd(8));
        assertEquals(0x26, rd(9));
        assertEquals(0x20, rd(0x32));
        ctx.advance(1500 * MS);
        assertEquals(0x31, rd(0));
        assertEquals(0x26, rd(0x0a), "divider running, 1024 Hz, UIP clear mid-second");
        assertEquals(0x80, rd(0x0d), "valid RAM and time");
    }

    @Test
    void deterministicMachineStartsAt2000() {
        create();
        assertEquals(0x00, rd(9));
        assertEquals(0x01, rd(8));
        assertEquals(0x01, rd(7));
    }

    @Test
    void realTimeMachineStartsAtHostTime() {
        ctx.deterministic(false);
        create();
        LocalDateTime host = LocalDateTime.now(ZoneOffset.UTC);
        assertEquals(Rtc.bcd(host.getYear() % 100), rd(9));
    }

    @Test
    void binaryAnd12HourModes() {
        create("epoch", "2026-11-21T13:05:09");
        wr(0x0b, 0x06);                          // binary, 24 h
        assertEquals(13, rd(4));
        assertEquals(9, rd(0));
        wr(0x0b, 0x04);                          // binary, 12 h
        assertEquals(0x81, rd(4), "1 PM");
        wr(0x0b, 0x00);                          // BCD, 12 h
        assertEquals(0x81, rd(4));
        assertEquals(0x09, rd(0));
    }

    @Test
    void midnightIs12AmIn12HourMode() {
        create("epoch", "2026-11-21T00:30:00");
        wr(0x0b, 0x00);
        assertEquals(0x12, rd(4));
    }

    @Test
    void setBitFreezesAndWritesTheTime() {
        create("epoch", "2026-11-21T13:45:30");
        wr(0x0b, 0x82);                          // SET, 24 h BCD
        wr(0x04, 0x08);
        wr(0x02, 0x00);
        wr(0x00, 0x58);
        wr(0x07, 0x31);
        wr(0x08, 0x12);
        wr(0x09, 0x99);
        ctx.advance(5000 * MS);
        assertEquals(0x58, rd(0), "no updates while SET");
        wr(0x0b, 0x02);
        ctx.advance(2000 * MS);
        assertEquals(0x00, rd(0));
        assertEquals(0x01, rd(2), "08:00:58 + 2 s");
        assertEquals(0x31, rd(7));
        assertEquals(0x99, rd(9));
    }

    @Test
    void switchingToBinaryUnderSetKeepsTheBcdBytesUntilRewritten() {
        create("epoch", "2026-11-21T13:45:30");
        wr(0x0b, 0x86);                          // SET, binary, 24 h in one write
        assertEquals(0x13, rd(4), "frozen bytes are not converted");
        wr(0x04, 13);
        wr(0x02, 45);
        wr(0x00, 30);
        wr(0x07, 21);
        wr(0x08, 11);
        wr(0x09, 26);
        wr(0x32, 20);
        wr(0x0b, 0x06);
        ctx.advance(1000 * MS);
        assertEquals(31, rd(0));
        assertEquals(13, rd(4));
        assertEquals(21, rd(7));
    }

    @Test
    void writingARunningTimeRegisterKeepsTheOthers() {
        create("epoch", "2026-11-21T13:45:30");
        wr(0x04, 0x22);
        assertEquals(0x22, rd(4));
        assertEquals(0x45, rd(2));
        assertEquals(0x21, rd(7));
    }

    @Test
    void periodicInterruptAtTheProgrammedRate() {
        create();
        wr(0x0a, 0x2f);                          // RS=15: 2 Hz
        wr(0x0b, 0x42);                          // PIE
        ctx.advance(499 * MS);
        assertFalse(irq8());
        ctx.advance(1 * MS);
        assertTrue(irq8());
        assertEquals(0xc0, rd(0x0c), "IRQF | PF");
        assertFalse(irq8(), "reading C clears the request");
        assertEquals(0, rd(0x0c));
        int n = 0;
        wr(0x0a, 0x26);                          // RS=6: 1024 Hz
        for (int i = 0; i < 1024; i++) {
            ctx.advance(1_000_000_000L / 1024 + 1);
            if (irq8()) {
                n++;
                rd(0x0c);
            }
        }
        assertEquals(1024, n, "one interrupt per 976.5625 us");
    }

    /**
     * Leaving SET starts the periodic rate from that moment: the first period ends one period
     * after the write, whatever the clock does while the write is handled. The write computed
     * the periods already done from later readings of the clock than the one it started from
     * (an HVM domain's clock moves on at every reading, a host that preempts the board's thread
     * moves the real one), so the first period, ended between those readings, counted as done
     * and its interrupt never came. Here the clock moves 100 us at every reading during that
     * write (the period is 122 us).
     */
    @Test
    void thePeriodThatEndsWhileSetIsClearedStillInterrupts() {
        long[] now = {0};
        long[] step = {0};
        ctx.clock(() -> now[0] += step[0]);
        create();
        wr(0x0a, 0x23);                          // RS=3: 8192 Hz, a period of 122,070 ns
        wr(0x0b, 0x82);                          // SET
        rd(0x0c);                                // no flag pending (time 0 so far)
        step[0] = 100_000;
        wr(0x0b, 0x42);                          // counting again from the write's time, with PIE
        step[0] = 0;
        long t = 100_000;                        // the write's first reading
        ctx.timers().runDue(t + 122_000);
        assertFalse(irq8(), "the first period ends 122,070 ns after the write");
        ctx.timers().runDue(t + 123_000);
        assertTrue(irq8(), "the first period's interrupt was lost");
    }

    @Test
    void periodicFlagIsSetEvenWithoutPie() {
        create();
        wr(0x0a, 0x2f);
        ctx.advance(600 * MS);
        assertFalse(irq8());
        assertEquals(0x40, rd(0x0c), "PF without IRQF");
    }

    @Test
    void alarmInterrupt() {
        create("epoch", "2026-11-21T13:45:30");
        wr(0x01, 0x33);
        wr(0x03, 0x45);
        wr(0x05, 0x13);
        wr(0x0b, 0x22);                          // AIE
        ctx.advance(2900 * MS);
        assertFalse(irq8());
        ctx.advance(200 * MS);
        assertTrue(irq8());
        assertEquals(0xf0, rd(0x0c), "IRQF | AF | UF, and PF: the 1024 Hz tap runs without PIE");
        ctx.advance(1000 * MS);
        assertFalse(irq8(), "13:45:34 does not match");
    }

    @Test
    void dontCareAlarmFiresEverySecond() {
        create();
        wr(0x01, 0xc0);
        wr(0x03, 0xff);
        wr(0x05, 0xc0);
        wr(0x0b, 0x22);
        for (int i = 0; i < 3; i++) {
            ctx.advance(1000 * MS);
            assertEquals(0xb0, rd(0x0c) & 0xb0);
        }
    }

    @Test
    void updateEndedInterruptEverySecondAndSetClearsUie() {
        create();
        wr(0x0b, 0x12);                          // UIE
        ctx.advance(999 * MS);
        assertFalse(irq8());
        ctx.advance(1 * MS);
        assertTrue(irq8());
        assertEquals(0x90, rd(0x0c) & ~0x40);
        wr(0x0b, 0x92);                          // SET | UIE: SET clears UIE
        assertEquals(0x82, rd(0x0b));
    }

    @Test
    void uipInTheLast244usOfASecond() {
        create();
        ctx.advance(1000 * MS - 200_000);
        assertEquals(0x80, rd(0x0a) & 0x80);
        ctx.advance(300_000);
        assertEquals(0, rd(0x0a) & 0x80);
    }

    @Test
    void dividerResetHoldsTimeAndFirstUpdateIsHalfASecondLater() {
        create("epoch", "2026-11-21T13:45:30");
        wr(0x0a, 0x76);                          // divider in reset
        ctx.advance(3000 * MS);
        assertEquals(0x30, rd(0));
        wr(0x0a, 0x26);
        ctx.advance(499 * MS);
        assertEquals(0x30, rd(0));
        ctx.advance(1 * MS);
        assertEquals(0x31, rd(0));
    }

    @Test
    void nmiMaskBitOfTheIndexPort() {
        create();
        io.write8(0x70, 0x8f);
        assertTrue(ctx.interrupts().nmiMasked());
        assertEquals(0xff, io.read8(0x70), "index port is write-only");
        io.write8(0x70, 0x0f);
        assertFalse(ctx.interrupts().nmiMasked());
    }

    @Test
    void memorySizeBytesAndRam() {
        create();
        assertEquals(0x280, rd(0x15) | rd(0x16) << 8, "640 KiB base memory");
        assertEquals(63 * 1024, rd(0x17) | rd(0x18) << 8);
        assertEquals(63 * 1024, rd(0x30) | rd(0x31) << 8);
        assertEquals(48 * 16, rd(0x34) | rd(0x35) << 8, "64 KiB units above 16 MiB");
        wr(0x40, 0x5a);
        assertEquals(0x5a, rd(0x40));
        wr(0x0d, 0);
        assertEquals(0x80, rd(0x0d), "D is read-only");
    }

    @Test
    void badEpochNamesDeviceAndKey() {
        DeviceConfigException e = assertThrows(DeviceConfigException.class, () -> create("epoch", "yesterday"));
        assertTrue(e.getMessage().startsWith("device rtc (rtc): option 'epoch'"), e.getMessage());
    }
}
