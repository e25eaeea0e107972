package org.oxen.x86.dev.rtc;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;

import org.oxen.x86.api.Clock;
import org.oxen.x86.api.InterruptLine;
import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceState;
import org.oxen.x86.api.device.StateReader;
import org.oxen.x86.api.device.StateWriter;
import org.oxen.x86.api.device.InterruptRouter;
import org.oxen.x86.api.device.PortRegion;
import org.oxen.x86.api.device.Timer;
import org.oxen.x86.api.device.TimerService;

/**
 * MC146818 RTC with 128 bytes of CMOS (the PC's layout), after QEMU's hw/rtc/mc146818rtc.c.
 *
 * <p>Design: while the clock runs, the time is not stored in the registers but computed from
 * the machine clock: {@code originSeconds} is the calendar time (UTC seconds) at the update
 * boundary {@code origin} (clock nanoseconds), and each further second of clock time is one
 * update cycle. Reads encode the fields in the current data mode (BCD or binary, 12 or 24
 * hours). While SET is on, or the divider is held in reset, the time registers are plain
 * storage, and leaving that state starts counting from them again (the first update 500 ms
 * after the divider leaves reset, per the datasheet). Flags (PF, AF, UF) are brought up to
 * date lazily on every access and by a timer that runs only while an interrupt is enabled.
 *
 * <p>Not modelled: daylight-saving (DSE), square-wave output, the 0.5 s update-cycle
 * duration during which real time registers are unreadable (UIP is shown for the last 244 us
 * of every second, as QEMU does). Changing the data mode re-encodes the running time, where a
 * real chip would keep the old bytes until the next update.
 *
 * <p>Region {@code rtc}: port 0 selects the register (bits 0-6) and carries the NMI mask
 * (bit 7: 1 masks NMI, reported to {@link InterruptRouter#setNmiMasked}); port 1 is the data.
 */
final class Rtc implements Device {

    static final long NS = 1_000_000_000L;
    static final int SEC = 0, SEC_ALARM = 1, MIN = 2, MIN_ALARM = 3, HOUR = 4, HOUR_ALARM = 5,
            WEEKDAY = 6, DAY = 7, MONTH = 8, YEAR = 9, REG_A = 10, REG_B = 11, REG_C = 12, REG_D = 13,
            CENTURY = 0x32;
    static final int B_SET = 0x80, B_PIE = 0x40, B_AIE = 0x20, B_UIE = 0x10, B_DM = 0x04, B_24H = 0x02;
    static final int C_IRQF = 0x80, C_PF = 0x40, C_AF = 0x20, C_UF = 0x10;
    /** UIP is set during the last 244 us before an update (8 cycles of 32.768 kHz). */
    static final long UIP_HOLD = 8 * NS / 32768;

    private final Clock clock;
    private final InterruptLine irq;
    private final InterruptRouter router;
    private final Timer timer;
    private final long startSeconds;
    private final long ramBytes;

    final int[] cmos = new int[128];
    private int index;

    private long originSeconds;
    private long origin;
    private boolean frozen;
    private long doneSeconds;
    private long donePeriods;

    Rtc(Clock clock, TimerService timers, InterruptLine irq, InterruptRouter router, long startSeconds, long ramBytes) {
        this.clock = clock;
        this.irq = irq;
        this.router = router;
        this.startSeconds = startSeconds;
        this.ramBytes = ramBytes;
        this.timer = timers.newTimer("rtc", now -> refresh(now));
        powerOn();
    }

    private void powerOn() {
        java.util.Arrays.fill(cmos, 0);
        cmos[REG_A] = 0x26;           // 32.768 kHz time base running, 1024 Hz periodic rate
        cmos[REG_B] = B_24H;          // BCD, 24 hours
        cmos[REG_D] = 0x80;           // valid RAM and time
        setMemorySize();
        originSeconds = startSeconds;
        origin = clock.nanos();
        frozen = false;
        doneSeconds = 0;
        donePeriods = 0;
        cmos[CENTURY] = bcd((int) (LocalDateTime.ofEpochSecond(startSeconds, 0, ZoneOffset.UTC).getYear() / 100));
    }

    /** The PC BIOS memory-size bytes (QEMU's pc_cmos_init layout). */
    private void setMemorySize() {
        cmos[0x15] = 640 & 0xFF;
        cmos[0x16] = 640 >> 8;
        long extKb = Math.max(0, Math.min((ramBytes - (1 << 20)) / 1024, 0xFFFF));
        cmos[0x17] = cmos[0x30] = (int) (extKb & 0xFF);
        cmos[0x18] = cmos[0x31] = (int) (extKb >> 8);
        long below4g = Math.min(ramBytes, 0xE000_0000L);
        long above16m = Math.max(0, Math.min((below4g - (16 << 20)) / 65536, 0xFFFF));
        cmos[0x34] = (int) (above16m & 0xFF);
        cmos[0x35] = (int) (above16m >> 8);
        long above4g = Math.max(0, ramBytes - 0x1_0000_0000L) / 65536;
        cmos[0x5b] = (int) (above4g & 0xFF);
        cmos[0x5c] = (int) (above4g >> 8 & 0xFF);
        cmos[0x5d] = (int) (above4g >> 16 & 0xFF);
    }

    @Override
    public void reset() {
        // RESET# clears PIE, AIE, UIE and the flags; time and RAM survive
        cmos[REG_B] &= ~(B_PIE | B_AIE | B_UIE);
        cmos[REG_C] = 0;
        refresh(clock.nanos());
    }

    /** The layout of {@link #saveState()}. */
    static final int STATE_VERSION = 1;

    /**
     * Xen's HVM_SAVE_CODE(RTC) (hvm_hw_rtc: the CMOS bytes and the index) in oxen's layout, with
     * the time base (the guest's seconds at a clock origin, frozen or not, the seconds and
     * periods already flagged), the NMI mask bit written with the index, IRQ 8's level and the
     * timer.
     */
    @Override
    public DeviceState saveState() {
        StateWriter w = new StateWriter();
        for (int b : cmos) {
            w.u8(b);
        }
        w.u8(index).bool(router.nmiMasked()).u64(originSeconds).u64(origin).bool(frozen).u64(doneSeconds)
                .u64(donePeriods).u64(timer.armed() ? timer.deadline() : -1);
        return w.finish(STATE_VERSION);
    }

    @Override
    public void loadState(String id, DeviceState state) {
        String dev = id + " (rtc)";
        StateReader.checkVersion(dev, state, STATE_VERSION);
        StateReader r = state.reader(dev);
        int[] c = new int[cmos.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = r.u8(String.format("cmos[0x%02x]", i));
        }
        if ((c[REG_C] & ~(C_IRQF | C_PF | C_AF | C_UF)) != 0) {
            throw r.bad("cmos[0x0c]", String.format("register C 0x%02x has bits outside IRQF, PF, AF, UF", c[REG_C]));
        }
        int idx = r.u8("index", 0, 0x7F);
        boolean nmiMasked = r.bool("nmi_masked");
        long originS = r.u64("origin_seconds");
        long originNs = r.u64("origin");
        boolean fz = r.bool("frozen");
        long doneS = r.u64("done_seconds");
        long doneP = r.u64("done_periods");
        long deadline = r.deadline("timer");
        r.end();
        System.arraycopy(c, 0, cmos, 0, c.length);
        index = idx;
        router.setNmiMasked(nmiMasked);
        originSeconds = originS;
        origin = originNs;
        frozen = fz;
        doneSeconds = doneS;
        donePeriods = doneP;
        if (deadline < 0) {
            timer.cancel();
        } else {
            timer.armAt(deadline);
        }
        irq.set((cmos[REG_C] & C_IRQF) != 0);
    }

    @Override
    public void close() {
        timer.cancel();
    }

    @Override
    public List<PortRegion> portRegions() {
        return List.of(new PortRegion("rtc", 2, new IoPortDevice() {
            @Override
            public int read8(int offset) {
                return offset == 0 ? 0xFF : readData();
            }

            @Override
            public void write8(int offset, int value) {
                if (offset == 0) {
                    index = value & 0x7F;
                    router.setNmiMasked((value & 0x80) != 0);
                } else {
                    writeData(value & 0xFF);
                }
            }
        }));
    }

    // ---- time keeping

    private boolean dividerRunning() {
        return (cmos[REG_A] & 0x70) == 0x20;
    }

    private long secondIndex(long now) {
        return Math.floorDiv(now - origin, NS);
    }

    /** Periodic interrupt period in ns, or 0 if RS is 0 or the divider is stopped. */
    private long period() {
        int rs = cmos[REG_A] & 0x0F;
        if (rs == 0 || (cmos[REG_A] & 0x70) != 0x20) {
            return 0;
        }
        if (rs <= 2) {
            rs += 7;
        }
        return (NS << (rs - 1)) / 32768;
    }

    /** Current calendar time, UTC seconds (only while running). */
    private long seconds(long now) {
        return originSeconds + secondIndex(now);
    }

    /** Brings flags up to date, drives the IRQ line, arms the timer. */
    private void refresh(long now) {
        if (!frozen) {
            long s = secondIndex(now);
            if (s > doneSeconds) {
                cmos[REG_C] |= C_UF;
                for (long k = Math.max(doneSeconds + 1, s - 86_399); k <= s; k++) {
                    if (alarmMatches(originSeconds + k)) {
                        cmos[REG_C] |= C_AF;
                        break;
                    }
                }
                doneSeconds = s;
            }
        }
        long period = period();
        if (period != 0) {
            long p = Math.floorDiv(now - origin, period);
            if (p > donePeriods) {
                cmos[REG_C] |= C_PF;
                donePeriods = p;
            }
        }
        int b = cmos[REG_B];
        boolean irqf = ((cmos[REG_C] & C_PF) != 0 && (b & B_PIE) != 0)
                || ((cmos[REG_C] & C_AF) != 0 && (b & B_AIE) != 0)
                || ((cmos[REG_C] & C_UF) != 0 && (b & B_UIE) != 0);
        if (irqf) {
            cmos[REG_C] |= C_IRQF;
            irq.raise();
        }
        long next = Long.MAX_VALUE;
        if (!frozen && (b & (B_UIE | B_AIE)) != 0) {
            next = origin + (doneSeconds + 1) * NS;
        }
        if (period != 0 && (b & B_PIE) != 0) {
            next = Math.min(next, origin + (donePeriods + 1) * period);
        }
        if (next == Long.MAX_VALUE) {
            timer.cancel();
        } else {
            timer.armAt(next);
        }
    }

    private boolean alarmMatches(long secs) {
        int s = (int) Math.floorMod(secs, 86_400L);
        return alarmField(SEC_ALARM, encode(s % 60))
                && alarmField(MIN_ALARM, encode(s / 60 % 60))
                && alarmField(HOUR_ALARM, encodeHour(s / 3600));
    }

    private boolean alarmField(int reg, int value) {
        return (cmos[reg] & 0xC0) == 0xC0 || cmos[reg] == value;
    }

    /** Writes the running time into the time registers (before they become storage). */
    private void materialize(long now) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(seconds(now), 0, ZoneOffset.UTC);
        cmos[SEC] = encode(t.getSecond());
        cmos[MIN] = encode(t.getMinute());
        cmos[HOUR] = encodeHour(t.getHour());
        cmos[WEEKDAY] = encode(t.getDayOfWeek().getValue() % 7 + 1);
        cmos[DAY] = encode(t.getDayOfMonth());
        cmos[MONTH] = encode(t.getMonthValue());
        cmos[YEAR] = encode(t.getYear() % 100);
        cmos[CENTURY] = encode(t.getYear() / 100);
    }

    /** The calendar time the time registers hold (lenient: 31 February is 3 March). */
    private long fromRegisters() {
        int year = decode(cmos[CENTURY]) * 100 + decode(cmos[YEAR]);
        int h = cmos[HOUR];
        int hour = (cmos[REG_B] & B_24H) != 0 ? decode(h) : decode(h & 0x7F) % 12 + ((h & 0x80) != 0 ? 12 : 0);
        LocalDateTime t = LocalDateTime.of(Math.max(year, 1), 1, 1, 0, 0)
                .plusMonths(decode(cmos[MONTH]) - 1L).plusDays(decode(cmos[DAY]) - 1L)
                .plusHours(hour).plusMinutes(decode(cmos[MIN])).plusSeconds(decode(cmos[SEC]));
        return t.toEpochSecond(ZoneOffset.UTC);
    }

    private int encode(int v) {
        return (cmos[REG_B] & B_DM) != 0 ? v : bcd(v);
    }

    private int decode(int v) {
        return (cmos[REG_B] & B_DM) != 0 ? v : (v >> 4) * 10 + (v & 0xF);
    }

    private int encodeHour(int h) {
        if ((cmos[REG_B] & B_24H) != 0) {
            return encode(h);
        }
        int h12 = h % 12 == 0 ? 12 : h % 12;
        return encode(h12) | (h >= 12 ? 0x80 : 0);
    }

    static int bcd(int v) {
        return (v / 10 % 10) << 4 | v % 10;
    }

    private static boolean isTime(int reg) {
        return reg == SEC || reg == MIN || reg == HOUR || (reg >= WEEKDAY && reg <= YEAR) || reg == CENTURY;
    }

    // ---- register access

    private int readData() {
        long now = clock.nanos();
        refresh(now);
        switch (index) {
            case REG_A:
                boolean uip = !frozen && dividerRunning() && Math.floorMod(now - origin, NS) >= NS - UIP_HOLD;
                return cmos[REG_A] | (uip ? 0x80 : 0);
            case REG_C:
                int c = cmos[REG_C];
                cmos[REG_C] = 0;
                irq.lower();
                return c;
            default:
                if (!frozen && isTime(index)) {
                    materialize(now);
                }
                return cmos[index];
        }
    }

    private void writeData(int val) {
        long now = clock.nanos();
        refresh(now);
        switch (index) {
            case REG_A -> {
                boolean wasRunning = dividerRunning();
                cmos[REG_A] = val & 0x7F;
                if (wasRunning && !dividerRunning()) {
                    freeze(now);
                } else if (!wasRunning && dividerRunning() && (cmos[REG_B] & B_SET) == 0) {
                    thaw(now - NS / 2, now);   // first update 500 ms later
                }
                resyncPeriods(now);
            }
            case REG_B -> {
                boolean set = (val & B_SET) != 0;
                boolean wasSet = (cmos[REG_B] & B_SET) != 0;
                if (set) {
                    val &= ~B_UIE;             // SET clears UIE
                }
                if (set && !wasSet) {
                    freeze(now);               // the bytes keep the old data mode, as on the chip
                    cmos[REG_B] = val;
                } else if (!set && wasSet) {
                    cmos[REG_B] = val;
                    if (dividerRunning()) {
                        thaw(now, now);
                    }
                } else {
                    cmos[REG_B] = val;
                }
            }
            case REG_C, REG_D -> {
                // read-only
            }
            default -> {
                if (!frozen && isTime(index)) {
                    materialize(now);
                    cmos[index] = val;
                    long secs = fromRegisters();
                    originSeconds = secs - secondIndex(now);
                    doneSeconds = secondIndex(now);
                } else {
                    cmos[index] = val;
                }
            }
        }
        refresh(now);
    }

    private void freeze(long now) {
        if (!frozen) {
            materialize(now);
            frozen = true;
        }
    }

    /**
     * Resumes counting from the time registers, the next update one second after {@code start};
     * what is done is as of {@code now}, the access's one reading of the clock (a later reading
     * would count as done a period that ended since, and flag it never).
     */
    private void thaw(long start, long now) {
        originSeconds = fromRegisters();
        origin = start;
        frozen = false;
        doneSeconds = secondIndex(now);
        resyncPeriods(now);
    }

    /** Periodic boundaries up to {@code now} count as done (after a rate or phase change). */
    private void resyncPeriods(long now) {
        long period = period();
        donePeriods = period == 0 ? 0 : Math.floorDiv(now - origin, period);
    }
}
