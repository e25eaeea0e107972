package org.oxen.x86.dev.pci;

import org.oxen.x86.api.Clock;
import org.oxen.x86.api.InterruptLine;
import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.device.DeviceContext;
import org.oxen.x86.api.device.Timer;
import org.oxen.x86.api.device.TimerService;

/**
 * The chipset's ACPI fixed-hardware registers, laid out as Xen's HVM platform has them
 * (xen/arch/x86/hvm/pmtimer.c at 0xB000) and as QEMU's PIIX4 PM block (at 0x600): region
 * {@code pm}, 12 ports:
 *
 * <ul>
 * <li>offset 0, PM1a_STS (16 bits, write 1 to clear): TMR_STS (bit 0), set whenever bit 31 of
 *     the timer changes;</li>
 * <li>offset 2, PM1a_EN (16 bits): TMR_EN (bit 0) and the other fixed-event enables, kept;</li>
 * <li>offset 4, PM1a_CNT (16 bits): SCI_EN (bit 0) always set (the board has no legacy mode and
 *     no SMI command port), BM_RLD and SLP_TYP kept; SLP_EN (bit 13, write-only) with SLP_TYP
 *     S5 ({@link DeviceContext#ACPI_S5_SLP_TYP}, the DSDT's {@code \_S5}) powers the machine
 *     off ({@link DeviceContext#requestPowerOff()}); with any other SLP_TYP it is ignored (the
 *     DSDT offers no other sleep state);</li>
 * <li>offset 8, PM_TMR (32 bits, read-only): the ACPI power-management timer, 3.579545 MHz from
 *     the machine's clock (deterministic under the deterministic clock), the 32-bit counter of
 *     the FADT's TMR_VAL_EXT.</li>
 * </ul>
 * The SCI (an ISA IRQ, level, active high) is asserted while a status bit and its enable are
 * both set; a timer fires at the next carry into bit 31 while TMR_EN is set. The firmware's FADT
 * ({@code org.oxen.x86.machine.boot.AcpiTables}) names these ports. Byte and word accesses to
 * the 32-bit timer read its bytes; the event and control registers take any width.
 *
 * <p>Locking: none of its own; the board serializes device calls (see {@code Device}).
 */
final class AcpiPm implements IoPortDevice {

    /** Register offsets in the region and its size. */
    static final int STS = 0, EN = 2, CNT = 4, TMR = 8, SIZE = 12;
    /** The PM timer's rate (ACPI: 3.579545 MHz). */
    static final long HZ = 3_579_545;
    static final int TMR_STS = 1, TMR_EN = 1, SCI_EN = 1;
    /** PM1_CNT's SLP_EN and SLP_TYP field (bits 10-12). */
    static final int SLP_EN = 1 << 13, SLP_TYP_SHIFT = 10, SLP_TYP_MASK = 7;
    /** PM1_EN's defined bits: TMR_EN, GBL_EN, PWRBTN_EN, SLPBTN_EN, RTC_EN. */
    static final int EN_BITS = 0x0721;
    /** PM1_CNT's kept bits: BM_RLD and SLP_TYP (SCI_EN reads 1, GBL_RLS and SLP_EN are write-only). */
    static final int CNT_BITS = 0x1C02;
    private static final long NANOS = 1_000_000_000L;

    private final Clock clock;
    /** The board's power-off (S5). */
    private final Runnable powerOff;
    private final InterruptLine sci;
    private final Timer timer;
    private long origin;
    private int status, enable, control;
    /** The timer's bit 31 and above when TMR_STS was last brought up to date. */
    private long epoch;

    AcpiPm(Clock clock, TimerService timers, InterruptLine sci, Runnable powerOff) {
        this.powerOff = powerOff;
        this.clock = clock;
        this.sci = sci;
        this.timer = timers.newTimer("acpi.pmtimer", this::update);
        this.origin = clock.nanos();
        reset();
    }

    void reset() {
        timer.cancel();
        status = 0;
        enable = 0;
        control = SCI_EN;
        epoch = ticks(clock.nanos()) >>> 31;
        sci.set(false);
    }

    /** PM timer ticks since the device was created, at clock time {@code now}. */
    long ticks(long now) {
        long n = Math.max(0, now - origin);
        return n / NANOS * HZ + n % NANOS * HZ / NANOS;
    }

    /** The clock time at which the timer reaches {@code ticks} (the first nanosecond it reads it). */
    long nanosAt(long ticks) {
        return origin + ticks / HZ * NANOS + (ticks % HZ * NANOS + HZ - 1) / HZ;
    }

    /** Latches TMR_STS if bit 31 carried since the last look, then drives the SCI and the timer. */
    private void update(long now) {
        long e = ticks(now) >>> 31;
        if (e != epoch) {
            epoch = e;
            status |= TMR_STS;
        }
        sci.set((status & enable) != 0);
        if ((enable & TMR_EN) != 0 && (status & TMR_STS) == 0) {
            timer.armAt(nanosAt((epoch + 1) << 31));
        } else {
            timer.cancel();
        }
    }

    private int register16(int offset) {
        update(clock.nanos());
        return switch (offset) {
            case STS -> status;
            case EN -> enable;
            case CNT -> control;
            default -> 0;
        };
    }

    private void writeRegister16(int offset, int value, int mask) {
        switch (offset) {
            case STS -> status &= ~(value & mask);
            case EN -> enable = enable & ~mask | value & mask & EN_BITS;
            case CNT -> {
                control = SCI_EN | (control & ~mask | value & mask) & CNT_BITS;
                if ((value & mask & SLP_EN) != 0 && (control >>> SLP_TYP_SHIFT & SLP_TYP_MASK) == DeviceContext.ACPI_S5_SLP_TYP) {
                    powerOff.run();
                }
            }
            default -> {
                return;
            }
        }
        update(clock.nanos());
    }

    @Override
    public int read8(int offset) {
        if (offset >= TMR) {
            return read32(TMR) >>> 8 * (offset - TMR) & 0xFF;
        }
        return register16(offset & ~1) >>> 8 * (offset & 1) & 0xFF;
    }

    @Override
    public void write8(int offset, int value) {
        if (offset < TMR) {
            int shift = 8 * (offset & 1);
            writeRegister16(offset & ~1, (value & 0xFF) << shift, 0xFF << shift);
        }
    }

    @Override
    public int read16(int offset) {
        if (offset < TMR && (offset & 1) == 0) {
            return register16(offset);
        }
        return IoPortDevice.super.read16(offset);
    }

    @Override
    public void write16(int offset, int value) {
        if (offset < TMR && (offset & 1) == 0) {
            writeRegister16(offset, value & 0xFFFF, 0xFFFF);
        } else {
            IoPortDevice.super.write16(offset, value);
        }
    }

    @Override
    public int read32(int offset) {
        if (offset == TMR) {
            return (int) ticks(clock.nanos());
        }
        return IoPortDevice.super.read32(offset);
    }

    /** Xen's HVM_SAVE_CODE(PMTIMER) (hvm_hw_pmtimer: tmr_val, pm1a_sts, pm1a_en) in oxen's layout. */
    void save(org.oxen.x86.api.device.StateWriter w) {
        w.u16(status).u16(enable).u16(control).u64(epoch).u64(origin).u64(timer.armed() ? timer.deadline() : -1);
    }

    /** A saved state, read and checked; {@link #apply} sets it. */
    record Saved(int status, int enable, int control, long epoch, long origin, long deadline) {
    }

    Saved read(org.oxen.x86.api.device.StateReader r) {
        int sts = r.u16("pm.pm1a_sts");
        int en = r.u16("pm.pm1a_en");
        if ((en & ~EN_BITS) != 0) throw r.bad("pm.pm1a_en", String.format("0x%04x has bits outside 0x%04x", en, EN_BITS));
        int cnt = r.u16("pm.pm1a_cnt");
        if ((cnt & ~(CNT_BITS | SCI_EN)) != 0 || (cnt & SCI_EN) == 0) {
            throw r.bad("pm.pm1a_cnt", String.format("0x%04x: SCI_EN must be set, nothing outside 0x%04x", cnt,
                    CNT_BITS | SCI_EN));
        }
        long ep = r.u64("pm.epoch");
        long org = r.u64("pm.origin");
        long deadline = r.deadline("pm.timer");
        return new Saved(sts, en, cnt, ep, org, deadline);
    }

    void apply(Saved s) {
        status = s.status;
        enable = s.enable;
        control = s.control;
        epoch = s.epoch;
        origin = s.origin;
        if (s.deadline < 0) {
            timer.cancel();
        } else {
            timer.armAt(s.deadline);
        }
        sci.set((status & enable) != 0);
    }
}
