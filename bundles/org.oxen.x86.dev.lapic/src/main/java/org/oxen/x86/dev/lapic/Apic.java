package org.oxen.x86.dev.lapic;

import org.oxen.x86.api.Clock;
import org.oxen.x86.api.InterruptController;
import org.oxen.x86.api.InterruptLine;
import org.oxen.x86.api.MmioDevice;
import org.oxen.x86.api.device.ApicBus;
import org.oxen.x86.api.device.InterruptRouter;
import org.oxen.x86.api.device.LocalApic;
import org.oxen.x86.api.device.Timer;
import org.oxen.x86.api.device.TimerService;

/**
 * One local APIC in xAPIC mode, after the Intel SDM vol. 3 chapter 10 and QEMU's
 * hw/intc/apic.c.
 *
 * <p>Priority: PPR is TPR if TPR's class is at least the highest in-service class, else that
 * class; the highest IRR vector is presented if its class is above PPR's (any class when PPR
 * is 0, as QEMU does). INTA moves it from IRR to ISR; EOI clears the highest ISR bit and, if
 * the vector was level-triggered (TMR), broadcasts the EOI to the I/O APICs.
 *
 * <p>ExtINT: when LINT0 is unmasked in ExtINT mode (the BSP's state after reset, as a BIOS
 * leaves it in virtual-wire mode), or when the APIC is disabled in IA32_APIC_BASE, the 8259A's
 * INTR comes through; its vector is fetched from the 8259A at INTA. An ExtINT message from the
 * I/O APIC does the same once.
 *
 * <p>Timer: counts the bus clock ({@code timer-hz}, 1 GHz by default as in QEMU) divided by the
 * divide configuration, one-shot or periodic, computed from the machine clock (a one-shot
 * count interrupts once, even when it ran out before the board next ran its timers). A periodic
 * count shorter than the minimum period ({@code min-timer-period-us}, as KVM's
 * {@code limit_periodic_timer_frequency}) interrupts once per smallest multiple of its period
 * at least that long, so the host timer fires at most once per minimum period; the current
 * count still reads as programmed and each interrupt comes at a real reload. Missed periods
 * ({@code missed-ticks}): by default (QEMU's APIC) the periods that end while the last one's
 * interrupt is still pending, or all before one look at the timers, merge into one IRR bit;
 * with {@code catch-up} (Xen's vpt {@code pending_intr_nr} in delay_for_missed_ticks) they are
 * counted and each is raised at an EOI of the timer's vector, one per acknowledged tick; the
 * count is dropped when the timer is reprogrammed (initial count, timer mode, INIT); a periodic
 * timer that fires masked owes its periods too, raised from the unmask on (Xen's vpt suspends a
 * masked timer with its {@code pending_intr_nr} kept and resumes it at the unmask). TSC-deadline
 * mode is not offered (CPUID does not announce it). Not modelled: x2APIC, LINT1 (no NMI
 * source is wired), thermal/performance/CMCI interrupts, APR, lowest-priority arbitration
 * beyond "lowest TPR, then lowest ID", directed EOI.
 */
final class Apic implements LocalApic {

    static final int LVT_TIMER = 0, LVT_THERMAL = 1, LVT_PERF = 2, LVT_LINT0 = 3, LVT_LINT1 = 4, LVT_ERROR = 5;
    static final int MASKED = 1 << 16;
    static final int SVR_ENABLE = 0x100;
    static final long BASE_BSP = 1 << 8, BASE_ENABLE = 1 << 11;
    private static final int NONE = -1, BLOCKED = -2;

    private final LapicDevice machine;
    private final Clock clock;
    private final InterruptRouter router;
    private final Timer timer;
    private final long timerHz;
    /** The shortest period of the periodic timer's interrupt, ns (0: none). */
    private final long minPeriodNanos;
    /** Periods missed while the last interrupt was pending are owed, one per EOI ({@link #missedTicks}). */
    private final boolean catchUp;
    final boolean bsp;
    /** CPU index (the initial APIC ID; the guest may change the ID register). */
    final int index;

    int id;
    long apicBase;
    int tpr;
    int ldr;
    int dfr;
    int svr;
    int esr;
    int pendingEsr;
    int icrLow;
    int icrHigh;
    int divideConf;
    int countShift;
    int initialCount;
    long timerStart;
    /**
     * The one-shot count of the last initial-count write has reached zero and been delivered
     * (raised, or dropped by a masked LVT): a count that ran out but was not delivered yet still
     * interrupts, whatever is recomputed before the board's next look at its timers.
     */
    boolean countDelivered;
    /**
     * The periodic timer's periods that ended but whose interrupt is not raised yet (the one
     * raised waits in IRR or is in service): Xen's {@code pending_intr_nr} less the one issued.
     * Only with {@link #catchUp}; saturates at {@code Integer.MAX_VALUE}.
     */
    int missedTicks;
    /** The end of the period the timer is armed for, in counts since {@link #timerStart}. */
    long armedCount;
    final int[] lvt = new int[6];
    final int[] irr = new int[8];
    final int[] isr = new int[8];
    final int[] tmr = new int[8];
    int events;
    private Runnable eventListener;
    private InterruptLine output = high -> { };
    private boolean outputLevel;
    boolean lint0;
    int sipiVector;
    boolean waitForSipi;
    boolean extIntPending;

    Apic(LapicDevice machine, int id, Clock clock, TimerService timers, InterruptRouter router, long timerHz,
            long minPeriodNanos, boolean catchUp) {
        this.machine = machine;
        this.id = id;
        this.index = id;
        this.bsp = id == 0;
        this.clock = clock;
        this.router = router;
        this.timerHz = timerHz;
        this.minPeriodNanos = minPeriodNanos;
        this.catchUp = catchUp;
        this.timer = timers.newTimer("lapic" + id + ".timer", this::timerExpired);
        powerOn();
    }

    void powerOn() {
        apicBase = 0xFEE0_0000L | BASE_ENABLE | (bsp ? BASE_BSP : 0);
        initReset();
        if (bsp) {
            lvt[LVT_LINT0] = ApicBus.EXTINT << 8;   // virtual wire, as a BIOS leaves it
        }
        events = 0;
        updateOutput();
    }

    /** INIT: everything but the ID and IA32_APIC_BASE (SDM 10.4.7.3). */
    void initReset() {
        tpr = 0;
        ldr = 0;
        dfr = 0xFFFF_FFFF;
        svr = 0xFF;
        esr = pendingEsr = 0;
        icrLow = icrHigh = 0;
        divideConf = 0;
        countShift = 1;
        initialCount = 0;
        missedTicks = 0;
        java.util.Arrays.fill(lvt, MASKED);
        java.util.Arrays.fill(irr, 0);
        java.util.Arrays.fill(isr, 0);
        java.util.Arrays.fill(tmr, 0);
        timer.cancel();
        waitForSipi = !bsp;
        extIntPending = false;
    }

    void close() {
        timer.cancel();
    }

    // ---- save and load (Xen's HVM_SAVE_CODE(LAPIC) and LAPIC_REGS, oxen's layout)

    void save(org.oxen.x86.api.device.StateWriter w) {
        w.u32(id).u64(apicBase).u8(tpr).u32(ldr).u32(dfr).u32(svr).u32(esr).u32(pendingEsr).u32(icrLow).u32(icrHigh)
                .u8(divideConf).u8(countShift).u32(initialCount).u64(timerStart).u32(missedTicks).u64(armedCount);
        for (int[] a : new int[][] {lvt, irr, isr, tmr}) {
            for (int v : a) {
                w.u32(v);
            }
        }
        w.u8(events).bool(lint0).u8(sipiVector).bool(waitForSipi).bool(extIntPending)
                .u64(timer.armed() ? timer.deadline() : -1);
    }

    /** A saved APIC, read and checked; {@link #apply} sets it. */
    record Saved(int id, long apicBase, int tpr, int ldr, int dfr, int svr, int esr, int pendingEsr, int icrLow,
            int icrHigh, int divideConf, int countShift, int initialCount, long timerStart, int missedTicks,
            long armedCount, int[][] vectors,
            int events, boolean lint0, int sipiVector, boolean waitForSipi, boolean extIntPending, long deadline) {
    }

    Saved read(org.oxen.x86.api.device.StateReader r) {
        String f = "cpu" + index + ".";
        int id = r.u32(f + "id", 0, 255);
        long base = r.u64(f + "apic_base");
        if ((base & ~(0xF_FFFF_F000L | BASE_ENABLE | BASE_BSP)) != 0) {
            throw r.bad(f + "apic_base", String.format("0x%x has reserved bits set", base));
        }
        if (((base & BASE_BSP) != 0) != bsp) {
            throw r.bad(f + "apic_base", "the BSP bit " + ((base & BASE_BSP) != 0) + " is not this CPU's (" + bsp + ")");
        }
        int tpr = r.u8(f + "tpr");
        int ldr = r.u32(f + "ldr");
        int dfr = r.u32(f + "dfr");
        int svr = r.bits32(f + "svr", 0x13FF);
        int esr = r.bits32(f + "esr", 0xFF);
        int pendingEsr = r.bits32(f + "pending_esr", 0xFF);
        int icrLow = r.u32(f + "icr_low");
        int icrHigh = r.u32(f + "icr_high");
        int divideConf = r.bits8(f + "divide_conf", 0x0B);
        int countShift = r.u8(f + "count_shift", 0, 7);
        int initialCount = r.u32(f + "initial_count");
        long timerStart = r.u64(f + "timer_start");
        int missed = r.u32(f + "missed_ticks", 0, catchUp ? Integer.MAX_VALUE : 0);
        long armedCount = r.u64(f + "armed_count");
        if (armedCount < 0) {
            throw r.bad(f + "armed_count", Long.toUnsignedString(armedCount) + " counts is 2^63 or more, past any period's end");
        }
        int[][] vectors = {new int[lvt.length], new int[8], new int[8], new int[8]};
        String[] names = {"lvt", "irr", "isr", "tmr"};
        for (int k = 0; k < vectors.length; k++) {
            for (int i = 0; i < vectors[k].length; i++) {
                vectors[k][i] = r.u32(f + names[k] + "[" + i + "]");
            }
        }
        for (int i = 0; i < lvt.length; i++) {
            if ((vectors[0][i] & ~LVT_WRITABLE[i] & ~(1 << 12 | 1 << 14)) != 0) {
                throw r.bad(f + "lvt[" + i + "]", String.format("0x%08x has bits the register does not hold (0x%08x)",
                        vectors[0][i], LVT_WRITABLE[i]));
            }
        }
        int events = r.bits8(f + "events", 0x0F);
        boolean lint0 = r.bool(f + "lint0");
        int sipi = r.u8(f + "sipi_vector");
        boolean wait = r.bool(f + "wait_for_sipi");
        boolean extInt = r.bool(f + "extint_pending");
        long deadline = r.deadline(f + "timer");
        return new Saved(id, base, tpr, ldr, dfr, svr, esr, pendingEsr, icrLow, icrHigh, divideConf, countShift,
                initialCount, timerStart, missed, armedCount, vectors, events, lint0, sipi, wait, extInt, deadline);
    }

    void apply(Saved s) {
        id = s.id;
        apicBase = s.apicBase;
        tpr = s.tpr;
        ldr = s.ldr;
        dfr = s.dfr;
        svr = s.svr;
        esr = s.esr;
        pendingEsr = s.pendingEsr;
        icrLow = s.icrLow;
        icrHigh = s.icrHigh;
        divideConf = s.divideConf;
        countShift = s.countShift;
        initialCount = s.initialCount;
        timerStart = s.timerStart;
        missedTicks = s.missedTicks;
        armedCount = s.armedCount;
        System.arraycopy(s.vectors[0], 0, lvt, 0, lvt.length);
        System.arraycopy(s.vectors[1], 0, irr, 0, 8);
        System.arraycopy(s.vectors[2], 0, isr, 0, 8);
        System.arraycopy(s.vectors[3], 0, tmr, 0, 8);
        events = s.events;
        lint0 = s.lint0;
        sipiVector = s.sipiVector;
        waitForSipi = s.waitForSipi;
        extIntPending = s.extIntPending;
        if (s.deadline < 0) {
            timer.cancel();
        } else {
            timer.armAt(s.deadline);
        }
        countDelivered = s.deadline < 0; // an armed timer has a count still to deliver
        updateOutput();
        if (events != 0 && eventListener != null) eventListener.run();
    }

    boolean hwEnabled() {
        return (apicBase & BASE_ENABLE) != 0;
    }

    private boolean swEnabled() {
        return (svr & SVR_ENABLE) != 0;
    }

    // ---- priority

    static int highest(int[] bits) {
        for (int i = 7; i >= 0; i--) {
            if (bits[i] != 0) {
                return i * 32 + 31 - Integer.numberOfLeadingZeros(bits[i]);
            }
        }
        return NONE;
    }

    static boolean test(int[] bits, int v) {
        return (bits[v >> 5] & 1 << (v & 31)) != 0;
    }

    static void set(int[] bits, int v, boolean on) {
        if (on) {
            bits[v >> 5] |= 1 << (v & 31);
        } else {
            bits[v >> 5] &= ~(1 << (v & 31));
        }
    }

    int ppr() {
        int isrv = Math.max(highest(isr), 0);
        return (tpr >> 4) >= (isrv >> 4) ? tpr : isrv & 0xF0;
    }

    private int pendingVector() {
        int irrv = highest(irr);
        if (irrv < 0) {
            return NONE;
        }
        int ppr = ppr();
        return ppr != 0 && (irrv & 0xF0) <= (ppr & 0xF0) ? BLOCKED : irrv;
    }

    private InterruptController pic() {
        return router.legacyController();
    }

    private boolean picPath() {
        if (extIntPending || !hwEnabled()) {
            return true;
        }
        int lvt0 = lvt[LVT_LINT0];
        return (lvt0 & MASKED) == 0 && (lvt0 >> 8 & 7) == ApicBus.EXTINT;
    }

    // ---- InterruptController (the CPU's INTR)

    @Override
    public boolean hasInterrupt() {
        if (hwEnabled() && swEnabled() && pendingVector() >= 0) {
            return true;
        }
        InterruptController pic = pic();
        return pic != null && picPath() && pic.hasInterrupt();
    }

    @Override
    public int acknowledge() {
        int v = inta();
        updateOutput();
        return v;
    }

    private int inta() {
        if (hwEnabled() && swEnabled()) {
            int v = pendingVector();
            if (v >= 0) {
                set(irr, v, false);
                set(isr, v, true);
                router.broadcastAcknowledge(v);  // an I/O APIC names the line (the PIT's catch-up)
                return v;
            }
        }
        InterruptController pic = pic();
        if (pic != null && picPath() && pic.hasInterrupt()) {
            extIntPending = false;
            return pic.acknowledge();
        }
        return svr & 0xFF;                    // spurious
    }

    @Override
    public void connect(InterruptLine line) {
        output = line;
        outputLevel = hasInterrupt();
        line.set(outputLevel);
    }

    /** Drives the INTR output with {@link #hasInterrupt()} if it changed. */
    void updateOutput() {
        boolean level = hasInterrupt();
        if (level != outputLevel) {
            outputLevel = level;
            output.set(level);
        }
    }

    // ---- LocalApic

    @Override
    public void setLint0(boolean level) {
        lint0 = level;
        updateOutput();
    }

    @Override
    public void setEventListener(Runnable listener) {
        eventListener = listener;
    }

    private void signal(int event) {
        events |= event;
        if (eventListener != null) {
            eventListener.run();
        }
    }

    @Override
    public long timerHz() {
        return timerHz;
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public int pendingEvents() {
        return events;
    }

    @Override
    public int takeEvents() {
        int e = events;
        events = 0;
        return e;
    }

    @Override
    public int startupVector() {
        return sipiVector;
    }

    @Override
    public long baseMsr() {
        return apicBase;
    }

    @Override
    public void writeBaseMsr(long value) {
        apicBase = value & 0xF_FFFF_F000L | value & BASE_ENABLE | apicBase & BASE_BSP;
        updateOutput();
    }

    // ---- message acceptance (APIC bus and local sources)

    /** Accepts one interrupt message addressed to this APIC. */
    void accept(int mode, int vector, boolean level) {
        switch (mode) {
            case ApicBus.FIXED, ApicBus.LOWEST_PRIORITY -> setIrq(vector, level);
            case ApicBus.SMI -> signal(EVENT_SMI);
            case ApicBus.NMI -> signal(EVENT_NMI);
            case ApicBus.INIT -> {
                initReset();
                signal(EVENT_INIT);
            }
            case ApicBus.STARTUP -> {
                if (waitForSipi) {
                    waitForSipi = false;
                    sipiVector = vector & 0xFF;
                    signal(EVENT_STARTUP);
                }
            }
            case ApicBus.EXTINT -> extIntPending = true;
            default -> {
                // reserved mode 3: ignored
            }
        }
        updateOutput();
    }

    void setIrq(int vector, boolean level) {
        vector &= 0xFF;
        if (vector < 16) {
            error(0x40);                       // received illegal vector
            return;
        }
        set(irr, vector, true);
        set(tmr, vector, level);
    }

    private void error(int bits) {
        pendingEsr |= bits;
        int e = lvt[LVT_ERROR];
        if ((e & MASKED) == 0 && (e & 0xFF) >= 16) {
            set(irr, e & 0xFF, true);
            set(tmr, e & 0xFF, false);
        }
    }

    private void eoi() {
        int v = highest(isr);
        if (v < 0) {
            return;
        }
        set(isr, v, false);
        if (test(tmr, v)) {
            router.broadcastEoi(v);
        }
        if (v == (lvt[LVT_TIMER] & 0xFF)) {
            raiseOwedTick();                   // the next owed tick, now the last one is acknowledged
        }
    }

    /**
     * Raises the next owed tick of the periodic timer if its LVT is unmasked and its vector is
     * not already waiting in IRR: at an EOI of the timer's vector, and when the LVT is unmasked
     * (Xen's pt_resume: a timer suspended while masked comes back with its ticks owed).
     */
    private void raiseOwedTick() {
        int timerLvt = lvt[LVT_TIMER];
        int v = timerLvt & 0xFF;
        if (missedTicks > 0 && (timerLvt & MASKED) == 0 && !test(irr, v)) {
            missedTicks--;
            setIrq(v, false);
        }
    }

    // ---- timer

    private long busTicks(long nanos) {
        return nanos / 1_000_000_000L * timerHz + nanos % 1_000_000_000L * timerHz / 1_000_000_000L;
    }

    private long nanosOf(long ticks) {
        return ticks / timerHz * 1_000_000_000L + (ticks % timerHz * 1_000_000_000L + timerHz - 1) / timerHz;
    }

    private boolean periodic() {
        return (lvt[LVT_TIMER] >> 17 & 3) == 1;
    }

    /** Timer counts elapsed since the initial count was written. */
    private long elapsedCounts(long now) {
        return busTicks(now - timerStart) >> countShift;
    }

    int currentCount() {
        if (initialCount == 0) {
            return 0;
        }
        long d = elapsedCounts(clock.nanos());
        long init = initialCount & 0xFFFF_FFFFL;
        if (periodic()) {
            return (int) (init - d % init);
        }
        return d >= init ? 0 : (int) (init - d);
    }

    private void updateTimer() {
        long init = initialCount & 0xFFFF_FFFFL;
        if (init == 0 || (lvt[LVT_TIMER] >> 17 & 3) == 2) {
            timer.cancel();
            return;
        }
        long d = elapsedCounts(clock.nanos());
        long next;
        if (periodic()) {
            long period = limitedPeriod(init);
            next = (d / period + 1) * period;
        } else if (d < init || !countDelivered) {
            // a count that ran out before its delivery (it ran out while the guest wrote it: an
            // HVM guest's clock is its vcpu thread's CPU time, which a device access advances)
            // is armed at the moment it reached zero, which the next look at the timers fires
            next = init;
        } else {
            timer.cancel();
            return;
        }
        armedCount = next;
        timer.armAt(timerStart + nanosOf(next << countShift));
    }

    /** The periodic interrupt's period in counts: {@code init}, or its smallest multiple at least the minimum period long. */
    private long limitedPeriod(long init) {
        long minCounts = (busTicks(minPeriodNanos) + (1L << countShift) - 1) >> countShift;
        return init >= minCounts ? init : (minCounts + init - 1) / init * init;
    }

    private void timerExpired(long now) {
        int t = lvt[LVT_TIMER];
        boolean periodic = periodic();
        if (!periodic) countDelivered = true;
        if ((t & MASKED) != 0) {
            if (periodic && catchUp) {
                // Xen's vpt keeps a masked periodic timer's ticks: pt_timer_fn counts the firing
                // (pending_intr_nr++) whatever the mask, pt_update_irq only takes a masked timer
                // off the vcpu's list ("suspend timer emulation") with pending_intr_nr kept, and
                // pt_may_unmask_irq/pt_resume puts it back when vlapic_reg_write unmasks LVTT
                // (xen/arch/x86/hvm/vpt.c, pt_update_irq and pt_resume). Owed: every period ended.
                owe(periodsEnded(now));
            } else {
                missedTicks = 0;               // QEMU's APIC: a masked tick is dropped
            }
        } else {
            int v = t & 0xFF;
            long ticks = periodic && catchUp ? periodsEnded(now) : 1;
            if (!catchUp || !test(irr, v)) {
                setIrq(v, false);
                ticks--;
            }
            if (catchUp) {
                owe(ticks);
            }
            updateOutput();
        }
        if (periodic) {
            updateTimer();
        }
    }

    /** {@code ticks} more periods owed ({@link #missedTicks}, saturating). */
    private void owe(long ticks) {
        missedTicks = (int) Math.min(Integer.MAX_VALUE, missedTicks + ticks);
    }

    /** The periodic timer's periods that ended by {@code now}, from the one it was armed for (at least that one). */
    private long periodsEnded(long now) {
        long d = elapsedCounts(now);
        long init = initialCount & 0xFFFF_FFFFL;
        return init == 0 || d < armedCount ? 1 : 1 + (d - armedCount) / limitedPeriod(init);
    }

    // ---- registers

    MmioDevice mmio() {
        return new MmioDevice() {
            @Override
            public int read8(long offset) {
                return read32(offset & ~3L) >>> 8 * (int) (offset & 3) & 0xFF;
            }

            @Override
            public void write8(long offset, int value) {
                // registers are 32 bits wide; narrower writes have undefined effect: ignored
            }

            @Override
            public void write16(long offset, int value) {
            }

            @Override
            public int read32(long offset) {
                return (offset & 0xF) == 0 ? readRegister((int) (offset >> 4) & 0xFF) : 0;
            }

            @Override
            public void write32(long offset, int value) {
                if ((offset & 0xF) == 0) {
                    writeRegister((int) (offset >> 4) & 0xFF, value);
                }
            }
        };
    }

    int readRegister(int index) {
        switch (index) {
            case 0x02: return id << 24;
            case 0x03: return 0x0005_0014;                 // version 0x14, 6 LVT entries
            case 0x08: return tpr;
            case 0x09: return 0;                           // APR
            case 0x0A: return ppr();
            case 0x0D: return ldr;
            case 0x0E: return dfr;
            case 0x0F: return svr;
            case 0x28: return esr;
            case 0x30: return icrLow;
            case 0x31: return icrHigh;
            case 0x38: return initialCount;
            case 0x39: return currentCount();
            case 0x3E: return divideConf;
            default:
                if (index >= 0x10 && index < 0x18) {
                    return isr[index - 0x10];
                }
                if (index >= 0x18 && index < 0x20) {
                    return tmr[index - 0x18];
                }
                if (index >= 0x20 && index < 0x28) {
                    return irr[index - 0x20];
                }
                if (index >= 0x32 && index <= 0x37) {
                    return lvt[index - 0x32];
                }
                return 0;
        }
    }

    private static final int[] LVT_WRITABLE = {
        0x0007_10FF,   // timer: vector, mask, mode
        0x0001_07FF,   // thermal: vector, delivery mode, mask
        0x0001_07FF,   // performance
        0x0001_A7FF,   // LINT0: vector, mode, polarity, trigger, mask
        0x0001_A7FF,   // LINT1
        0x0001_00FF,   // error: vector, mask
    };

    void writeRegister(int index, int val) {
        write(index, val);
        updateOutput();
    }

    private void write(int index, int val) {
        if (index == 0x0F || index == 0x32 || index == 0x38 || index == 0x3E) {
            expireIfDue(clock.nanos()); // SVR, LVT timer, initial count, divide: what they change starts now
        }
        switch (index) {
            case 0x02 -> id = val >>> 24;
            case 0x08 -> tpr = val & 0xFF;
            case 0x0B -> eoi();
            case 0x0D -> ldr = val & 0xFF00_0000;
            case 0x0E -> dfr = val | 0x0FFF_FFFF;
            case 0x0F -> {
                svr = val & 0x13FF;
                if (!swEnabled()) {
                    for (int i = 0; i < lvt.length; i++) {
                        lvt[i] |= MASKED;
                    }
                }
            }
            case 0x28 -> {
                esr = pendingEsr;
                pendingEsr = 0;
            }
            case 0x30 -> {
                icrLow = val & ~(1 << 12);           // delivery status: always idle
                machine.sendIpi(this, icrLow, icrHigh);
            }
            case 0x31 -> icrHigh = val & 0xFF00_0000;
            case 0x38 -> {
                initialCount = val;
                countDelivered = false;
                missedTicks = 0;                 // Xen: create_periodic_time starts with no pending tick
                timerStart = clock.nanos();
                updateTimer();
            }
            case 0x3E -> {
                long now = clock.nanos();
                int current = currentCount();
                divideConf = val & 0xB;
                int v = divideConf & 3 | divideConf >> 1 & 4;
                countShift = (v + 1) & 7;
                restartFrom(current, now);
            }
            default -> {
                if (index >= 0x32 && index <= 0x37) {
                    int n = index - 0x32;
                    int v = val & LVT_WRITABLE[n];
                    if (!swEnabled()) {
                        v |= MASKED;
                    }
                    if (n == LVT_TIMER && ((v ^ lvt[n]) >> 17 & 3) != 0) {
                        missedTicks = 0;             // another mode: Xen's vlapic re-creates its periodic time
                    }
                    boolean unmasked = (lvt[n] & MASKED) != 0 && (v & MASKED) == 0;
                    lvt[n] = v;
                    if (n == LVT_TIMER) {
                        if (unmasked) {
                            raiseOwedTick();
                        }
                        updateTimer();
                    }
                }
            }
        }
    }

    /**
     * A count that reached zero in guest time before the board ran the timer's callback (the
     * board looks at its timers between batches of guest instructions, and an HVM vcpu's batch
     * does not end at a device deadline) interrupted at that moment on a real APIC, with the LVT
     * of that moment: a write that changes the timer delivers it first.
     */
    private void expireIfDue(long now) {
        if (timer.armed() && timer.deadline() <= now) {
            timer.cancel();
            timerExpired(now);
        }
    }

    /** After a divide change: keep the current count, continue at the new rate. */
    private void restartFrom(int current, long now) {
        if (initialCount == 0) {
            return;
        }
        long init = initialCount & 0xFFFF_FFFFL;
        long done = init - (current & 0xFFFF_FFFFL);
        timerStart = now - nanosOf(done << countShift);
        updateTimer();
    }
}
