package org.oxen.x86.dev.pit;

import java.util.List;

import org.oxen.x86.api.Clock;
import org.oxen.x86.api.InterruptLine;
import org.oxen.x86.api.IoPortDevice;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceState;
import org.oxen.x86.api.device.InterruptRouter;
import org.oxen.x86.api.device.StateReader;
import org.oxen.x86.api.device.StateWriter;
import org.oxen.x86.api.device.PortRegion;
import org.oxen.x86.api.device.Timer;
import org.oxen.x86.api.device.TimerService;

/**
 * The PC's 8254: counter 0 drives an IRQ line (OUT0 is the line's level; a timer fires at each
 * OUT0 transition and sets the level as of that transition, so no edge is lost between CPU
 * batches), counter 1 (DRAM refresh) just counts, counter 2's gate and OUT are bits 0 and 5 of
 * the speaker port (the PC's port 0x61, which also shows the refresh toggle in bit 4).
 *
 * <p>Counter 0's interrupt rate is limited as KVM limits its i8254's ({@code min_timer_period_us}):
 * in modes 2 and 3 a period shorter than the minimum ({@code min-timer-period-us}, 200 by
 * default, 0 for none) interrupts once per smallest multiple of the period at least that long,
 * as a pulse of the line at that reload, so the timer fires once per such period instead of
 * at every OUT0 transition; the counters still count and read as programmed (OUT0 too, in
 * the read-back status). Linux's 1 ms and 10 ms ticks are far above the minimum.
 *
 * <p>Missed periods ({@code missed-ticks}): by default (QEMU's i8254) the periods of counter 0
 * that end while the last one's edge still waits in the PIC's or I/O APIC's IRR, or several
 * before one look at the timers, merge into one interrupt (and a batch far behind skips whole
 * periods). With {@code catch-up} (Xen's vpt for its i8254, {@code pending_intr_nr} in
 * delay_for_missed_ticks) counter 0's interrupt in modes 2 and 3 is a pulse at each reload, as
 * for a limited period: each firing counts every period that ended since the one it was armed
 * for; one is issued (the firing's edge), the rest are owed ({@link #owedTicks}), and each
 * acknowledgement of IRQ 0 (the 8259A's INTA, or the local APIC's INTA of the vector the I/O
 * APIC's pin 2 delivers: {@link InterruptRouter#lineAcknowledged}, Xen's pt_intr_post) pulses
 * the next. A firing re-pulses an issued tick not yet taken (it merges in IRR, or comes back if
 * the edge was lost), as Xen's pt_update_irq re-asserts the IRQ at each entry. Writing counter 0
 * (Xen's pit_load_count re-creating its periodic time) or a reset drops the ticks owed.
 *
 * <p>Regions: {@code pit} (4 ports: counters 0-2 and the control word) and the optional
 * {@code speaker} (1 port).
 */
final class Pit implements Device {

    /** The 8254's input clock on a PC, Hz. */
    static final long FREQ = 1_193_182;
    static final long NS = 1_000_000_000L;

    private final Clock clock;
    private final InterruptLine irq;
    private final Timer timer;
    final Counter[] counters = new Counter[3];
    private int speaker;    // bits 0-3 of port 0x61 as written
    /** The shortest period of counter 0's interrupt in modes 2 and 3, input ticks (0: none). */
    private final long minPeriodTicks;
    /** Counter 0's missed periods are owed and raised one per acknowledgement ({@code missed-ticks=catch-up}). */
    private final boolean catchUp;
    private final InterruptRouter router;
    private final int irqNumber;
    /** Catch-up: the tick of the last edge has not been acknowledged yet (Xen's irq_issued). */
    private boolean tickIssued;
    /**
     * Catch-up: periods of counter 0 that ended but whose edge is not issued yet, Xen's
     * {@code pending_intr_nr} less the one issued; saturates at {@code Integer.MAX_VALUE}.
     */
    int owedTicks;

    /**
     * {@code irq}: the router's line OUT0 drives; {@code minPeriodNanos}: the shortest period of
     * IRQ 0 in modes 2 and 3 (0: no limit); {@code catchUp}: owe missed periods.
     */
    Pit(Clock clock, TimerService timers, InterruptRouter router, int irq, long minPeriodNanos, boolean catchUp) {
        this.clock = clock;
        this.router = router;
        this.irqNumber = irq;
        this.irq = router.line(irq);
        this.catchUp = catchUp;
        this.minPeriodTicks = (minPeriodNanos * FREQ + NS - 1) / NS;
        this.timer = timers.newTimer("pit.ch0", this::transition);
        if (catchUp) {
            router.setAckListener(irq, this::acknowledged);
        }
        reset();
    }

    static long tickAt(long nanos) {
        return nanos / NS * FREQ + nanos % NS * FREQ / NS;
    }

    /** The earliest time at which {@link #tickAt} reaches {@code tick}. */
    static long timeOf(long tick) {
        return tick / FREQ * NS + (tick % FREQ * NS + FREQ - 1) / FREQ;
    }

    private long now() {
        return tickAt(clock.nanos());
    }

    /**
     * Power-on state as the hardware has it (not as a BIOS leaves it, which QEMU imitates): no
     * counter counts before it is programmed, so no IRQ 0 edge comes and no timer is armed
     * until the guest writes counter 0's control word and count.
     */
    @Override
    public void reset() {
        long tick = now();
        for (int i = 0; i < 3; i++) {
            counters[i] = new Counter(i, i != 2);   // gates 0 and 1 are tied high
            counters[i].powerOn();
        }
        speaker = 0;
        dropOwedTicks();
        irq.lower();
        update(tick);
    }

    @Override
    public void close() {
        timer.cancel();
        if (catchUp) {
            router.setAckListener(irqNumber, null);
        }
    }

    @Override
    public List<PortRegion> portRegions() {
        return List.of(new PortRegion("pit", 4, new IoPortDevice() {
            @Override
            public int read8(int offset) {
                return offset == 3 ? 0xFF : counters[offset].readByte(now());
            }

            @Override
            public void write8(int offset, int value) {
                writePort(offset, value & 0xFF);
            }
        }), new PortRegion("speaker", 1, new IoPortDevice() {
            @Override
            public int read8(int offset) {
                long t = clock.nanos();
                boolean refresh = (t / 15_085 & 1) != 0;   // toggles every 15.085 us
                return speaker | (refresh ? 0x10 : 0) | (counters[2].out(tickAt(t)) ? 0x20 : 0);
            }

            @Override
            public void write8(int offset, int value) {
                speaker = value & 0x0F;
                counters[2].setGate((value & 1) != 0, now());
            }
        }, true));
    }

    private void writePort(int offset, int val) {
        long nanos = clock.nanos();
        deliverDue(nanos);
        long tick = tickAt(nanos);
        if (offset < 3) {
            counters[offset].writeByte(val, tick);
            if (offset == 0) {
                dropOwedTicks();
                update(tick);
            }
            return;
        }
        int sc = val >> 6;
        if (sc == 3) {                                  // read-back
            for (int i = 0; i < 3; i++) {
                if ((val & 2 << i) != 0) {
                    if ((val & 0x20) == 0) {
                        counters[i].latchCount(tick);
                    }
                    if ((val & 0x10) == 0) {
                        counters[i].latchStatus(tick);
                    }
                }
            }
        } else if ((val & 0x30) == 0) {                 // counter latch
            counters[sc].latchCount(tick);
        } else {
            counters[sc].controlWord(val);
            if (sc == 0) {
                dropOwedTicks();
                update(tick);
            }
        }
    }

    /** The layout of {@link #saveState()}. */
    static final int STATE_VERSION = 2;

    /** Xen's HVM_SAVE_CODE(PIT) in oxen's layout: the three counters, port 0x61, OUT 0 and the timer. */
    @Override
    public DeviceState saveState() {
        StateWriter w = new StateWriter();
        for (Counter c : counters) {
            c.save(w);
        }
        w.u8(speaker).bool(irqLevel).u64(armedTick).u64(timer.armed() ? timer.deadline() : -1)
                .u32(owedTicks).bool(tickIssued);
        return w.finish(STATE_VERSION);
    }

    @Override
    public void loadState(String id, DeviceState state) {
        String dev = id + " (pit)";
        StateReader.checkVersion(dev, state, STATE_VERSION);
        StateReader r = state.reader(dev);
        Counter[] loaded = new Counter[3];
        for (int i = 0; i < 3; i++) {
            loaded[i] = Counter.load(i, r);
        }
        if (!loaded[0].gate || !loaded[1].gate) throw r.bad("ch0.gate", "the gates of counters 0 and 1 are tied high");
        int spk = r.bits8("speaker", 0x0F);
        if (((spk & 1) != 0) != loaded[2].gate) throw r.bad("speaker", "bit 0 (gate 2) disagrees with ch2.gate");
        boolean level = r.bool("out0");
        long tick = r.u64("armed_tick");
        long deadline = r.deadline("timer");
        int owed = r.u32("owed_ticks", 0, catchUp ? Integer.MAX_VALUE : 0);
        boolean issued = r.bool("tick_issued");
        if (issued && !catchUp) throw r.bad("tick_issued", "a PIT that drops missed ticks issues none");
        r.end();
        System.arraycopy(loaded, 0, counters, 0, 3);
        speaker = spk;
        armedTick = tick;
        owedTicks = owed;
        tickIssued = issued;
        if (deadline < 0) {
            timer.cancel();
        } else {
            timer.armAt(deadline);
        }
        irqLevel = level;
        irq.set(level);
    }

    private boolean irqLevel;

    /** OUT0 onto the IRQ line as of {@code tick}; arm the timer for its next transition. */
    private void update(long tick) {
        Counter c = counters[0];
        c.sync(tick);
        long limited = pulsePeriod(c);
        if (limited != 0) {
            // the line rests high; transition() pulses it at each limited period's reload
            irqLevel = true;
            irq.set(true);
            armedTick = c.nextLimitedEdge(tick, limited);
            timer.armAt(timeOf(armedTick));
            return;
        }
        irqLevel = c.out(tick);
        irq.set(irqLevel);
        long next = c.nextTransition(tick);
        if (next < 0) {
            timer.cancel();
        } else {
            armedTick = next;
            timer.armAt(timeOf(next));
        }
    }

    /**
     * Timer callback: evaluates OUT0 at the transition's own tick, not at "now", so that a late
     * batch still produces every edge. When far behind (more than two periods), whole periods
     * are skipped, keeping the phase: their interrupts are lost, as the PIC's single IRR bit
     * would lose them on hardware too. A limited period's reload is a pulse: the line goes low
     * and {@link #update} raises it again, one edge (limited as armed: before a count waiting
     * for this reload takes over).
     */
    private void transition(long nowNanos) {
        long behind = tickAt(nowNanos) - armedTick;
        Counter c = counters[0];
        long limited = pulsePeriod(c);
        long period = limited != 0 ? limited : c.count;
        if (catchUp && limited != 0) {
            long ended = 1 + Math.max(0, behind) / period;   // this reload and every one since, by now
            armedTick += (ended - 1) * period;
            owe(ended);
        } else if ((c.mode == 2 || c.mode == 3) && behind > 2L * period) {
            armedTick += (behind / period - 1) * period;
        }
        if (limited != 0) {
            irq.set(false);
        }
        update(armedTick);
    }

    private long armedTick;

    /**
     * The period at whose reloads counter 0's interrupt is a pulse of a line resting high: a
     * limited period, and with catch-up every mode 2/3 period; 0 when OUT0 is the line.
     */
    private long pulsePeriod(Counter c) {
        return catchUp ? c.interruptPeriod(minPeriodTicks) : c.limitedPeriod(minPeriodTicks);
    }

    /** Catch-up: {@code ended} more periods ended; the firing's pulse issues one if none is, the rest are owed. */
    private void owe(long ended) {
        if (!tickIssued) {
            tickIssued = true;
            ended--;
        }
        owedTicks = (int) Math.min(Integer.MAX_VALUE, owedTicks + ended);
    }

    /** IRQ 0 was acknowledged (Xen's pt_intr_post): the next owed tick is pulsed, if any. */
    private void acknowledged() {
        if (!tickIssued) {
            return;
        }
        if (owedTicks > 0) {
            owedTicks--;
            irq.set(false);
            irq.set(irqLevel);              // high in pulse mode: one edge
        } else {
            tickIssued = false;
        }
    }

    /** Xen's create_periodic_time: a new program of counter 0 starts with nothing pending. */
    private void dropOwedTicks() {
        owedTicks = 0;
        tickIssued = false;
    }

    /**
     * OUT0's transitions that fell due before {@code nanos} but whose timer the board has not
     * fired yet (it looks at its timers between batches of guest instructions, and an HVM
     * vcpu's clock moves on within a batch) happened then on an 8254, and the PIC latched the
     * edge: a write that changes counter 0 delivers them first, at their own ticks, instead of
     * computing OUT and the next transition from now and losing them (Linux's one-shot PIT
     * writes a control word and a count for every event).
     */
    private void deliverDue(long nanos) {
        while (timer.armed() && timer.deadline() <= nanos) {
            timer.cancel();
            transition(nanos);
        }
    }
}
