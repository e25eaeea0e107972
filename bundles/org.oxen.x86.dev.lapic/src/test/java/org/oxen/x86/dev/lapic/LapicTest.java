package org.oxen.x86.dev.lapic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oxen.x86.api.InterruptController;
import org.oxen.x86.api.MmioDevice;
import org.oxen.x86.api.device.ApicBus;
import org.oxen.x86.api.device.Device;
import org.oxen.x86.api.device.DeviceConfig;
import org.oxen.x86.api.device.InterruptSink;
import org.oxen.x86.api.device.LocalApic;
import org.oxen.x86.bus.BasicDeviceContext;

/**
 * Local APIC behaviour of a two-CPU machine through the per-CPU register page (the timer
 * without the minimum period, so short periods show the SDM's timing; the limit is
 * {@link LapicTimerLimitTest}'s).
 */
class LapicTest {

    static final int ID = 0x020, TPR = 0x080, PPR = 0x0a0, EOI = 0x0b0, LDR = 0x0d0, DFR = 0x0e0, SVR = 0x0f0,
            ISR = 0x100, TMR = 0x180, IRR = 0x200, ESR = 0x280, ICR_LO = 0x300, ICR_HI = 0x310, LVT_TIMER = 0x320,
            LVT_LINT0 = 0x350, LVT_ERROR = 0x370, TIMER_INIT = 0x380, TIMER_CUR = 0x390, TIMER_DIV = 0x3e0;

    BasicDeviceContext ctx = new BasicDeviceContext().cpuCount(2);
    MmioDevice page;
    LocalApic cpu0;
    LocalApic cpu1;

    @BeforeEach
    void setUp() {
        DeviceConfig cfg = DeviceConfig.of("lapic", "lapic", Map.of("mmio.apic", "0xfee00000", "min-timer-period-us", "0"));
        Device d = new LapicFactory().create(ctx, cfg);
        assertTrue(d.mmioRegions().get(0).perCpu());
        cfg.regionBase(d.mmioRegions().get(0).baseKey(), false, 0xFFFF_FFFFL);
        cfg.checkAllUsed();
        page = d.mmioRegions().get(0).handler();
        cpu0 = ctx.interrupts().localApic(0);
        cpu1 = ctx.interrupts().localApic(1);
        for (int cpu = 0; cpu < 2; cpu++) {
            write(cpu, SVR, 0x1ff);            // software enable, spurious vector 0xff
        }
    }

    int read(int cpu, int reg) {
        ctx.currentCpu(cpu);
        return page.read32(reg);
    }

    void write(int cpu, int reg, int v) {
        ctx.currentCpu(cpu);
        page.write32(reg, v);
    }

    void ipi(int from, int dest, int icrLow) {
        write(from, ICR_HI, dest << 24);
        write(from, ICR_LO, icrLow);
    }

    @Test
    void eachCpuSeesItsOwnApicInTheSamePage() {
        assertEquals(0, read(0, ID));
        assertEquals(1 << 24, read(1, ID));
        assertEquals(0x0005_0014, read(1, 0x030));
        assertEquals(0xfee0_0900L, cpu0.baseMsr(), "enabled, BSP");
        assertEquals(0xfee0_0800L, cpu1.baseMsr());
        assertTrue(ctx.interrupts().controllerFor(1) == cpu1);
    }

    @Test
    void fixedIpiAcknowledgeAndEoi() {
        ipi(0, 1, 0x4041);                        // fixed, assert, vector 0x41 to APIC 1
        assertFalse(cpu0.hasInterrupt());
        assertTrue(cpu1.hasInterrupt());
        assertEquals(0x41, cpu1.acknowledge());
        assertEquals(1 << 1, read(1, ISR + 0x20), "vector 0x41 in service");
        assertEquals(0, read(1, IRR + 0x20));
        assertEquals(0x40, read(1, PPR));
        write(1, EOI, 0);
        assertEquals(0, read(1, ISR + 0x20));
        assertEquals(0, read(1, ICR_LO) & 1 << 12, "delivery status idle");
    }

    @Test
    void tprAndInServicePriorityBlockLowerClasses() {
        ipi(0, 0, 0x4_4051);                      // self shorthand
        ipi(0, 0, 0x4_4062);
        write(0, TPR, 0x70);
        assertFalse(cpu0.hasInterrupt(), "both classes at or below TPR");
        assertEquals(0x70, read(0, PPR));
        write(0, TPR, 0x50);
        assertEquals(0x62, cpu0.acknowledge(), "highest vector first");
        assertFalse(cpu0.hasInterrupt(), "0x51 waits below in-service 0x62");
        write(0, EOI, 0);
        assertFalse(cpu0.hasInterrupt(), "TPR 0x50 still blocks class 5");
        write(0, TPR, 0x00);
        assertEquals(0x51, cpu0.acknowledge());
    }

    @Test
    void withdrawnPriorityGivesTheSpuriousVector() {
        ipi(0, 0, 0x4_4031);
        assertTrue(cpu0.hasInterrupt());
        write(0, TPR, 0xf0);
        assertEquals(0xff, cpu0.acknowledge());
    }

    @Test
    void initAndStartupIpisToAllExcludingSelf() {
        ipi(0, 0, 0xc_4500);                      // INIT, assert, all excluding self
        assertEquals(0, cpu0.pendingEvents());
        assertEquals(LocalApic.EVENT_INIT, cpu1.takeEvents());
        ipi(0, 0, 0xc_0500 | 1 << 15);            // INIT level de-assert: no event
        assertEquals(0, cpu1.pendingEvents());
        ipi(0, 0, 0xc_469a);                      // STARTUP vector 0x9a
        assertEquals(LocalApic.EVENT_STARTUP, cpu1.takeEvents());
        assertEquals(0x9a, cpu1.startupVector());
        ipi(0, 0, 0xc_4611);
        assertEquals(0, cpu1.pendingEvents(), "a second STARTUP is ignored once running");
        ipi(1, 0, 0x4400);                        // NMI to APIC 0
        assertEquals(LocalApic.EVENT_NMI, cpu0.takeEvents());
    }

    @Test
    void logicalFlatAndClusterDestinations() {
        write(0, LDR, 0x0100_0000);
        write(1, LDR, 0x0200_0000);
        ipi(0, 0x02, 0x4841);                     // logical
        assertFalse(cpu0.hasInterrupt());
        assertTrue(cpu1.hasInterrupt());
        ipi(0, 0x03, 0x4842);
        assertTrue(cpu0.hasInterrupt());
        write(0, DFR, 0x0fff_ffff);               // cluster model
        write(1, DFR, 0x0fff_ffff);
        write(0, LDR, 0x1100_0000);               // cluster 1, member 1
        write(1, LDR, 0x2100_0000);               // cluster 2, member 1
        assertEquals(0x0fff_ffff, read(0, DFR));
        ipi(1, 0x21, 0x4843);
        assertEquals(1 << 3, read(1, IRR + 0x20) & 1 << 3);
        assertEquals(0, read(0, IRR + 0x20) & 1 << 3);
    }

    @Test
    void lowestPriorityPicksTheLowestTpr() {
        write(0, TPR, 0x20);
        ctx.interrupts().apicBus().deliver(0xff, false, ApicBus.LOWEST_PRIORITY, 0x55, false);
        assertFalse(cpu0.hasInterrupt());
        assertTrue(cpu1.hasInterrupt());
    }

    @Test
    void oneShotTimer() {
        write(0, TIMER_DIV, 0xb);                 // divide by 1
        write(0, LVT_TIMER, 0x30);
        write(0, TIMER_INIT, 1000);               // 1000 ns at 1 GHz
        ctx.advance(400);
        assertEquals(600, read(0, TIMER_CUR));
        ctx.advance(599);
        assertFalse(cpu0.hasInterrupt());
        ctx.advance(1);
        assertEquals(0, read(0, TIMER_CUR));
        assertEquals(0x30, cpu0.acknowledge());
        write(0, EOI, 0);
        ctx.advance(10_000);
        assertFalse(cpu0.hasInterrupt(), "one shot");
    }

    /**
     * A one-shot count so short that it runs out while the guest writes it: an HVM domain's clock
     * is its vcpu thread's CPU time, which moves on between the initial-count write's two readings
     * of it, so the count had "already run out" when the timer was computed, and was cancelled
     * instead of interrupting. Linux programs its hrtimer events of the minimum delta (62 counts
     * at divide-by-16) that way, and then waited in HLT for good for one (issue 17: Debian's
     * kernel timing with the ACPI PM timer as an HVM domain). Here the clock moves 1 µs at every
     * reading, deterministically.
     */
    @Test
    void aCountThatRunsOutWhileItIsWrittenStillInterrupts() {
        long[] now = {0};
        BasicDeviceContext c = new BasicDeviceContext().cpuCount(1).clock(() -> now[0] += 1_000);
        DeviceConfig cfg = DeviceConfig.of("lapic", "lapic", Map.of("mmio.apic", "0xfee00000"));
        Device d = new LapicFactory().create(c, cfg);
        cfg.regionBase(d.mmioRegions().get(0).baseKey(), false, 0xFFFF_FFFFL);
        MmioDevice apic = d.mmioRegions().get(0).handler();
        LocalApic lapic = c.interrupts().localApic(0);
        apic.write32(SVR, 0x1ff);
        apic.write32(TIMER_DIV, 0x3);                 // divide by 16, as Linux has it
        apic.write32(LVT_TIMER, 0xec);                // one-shot, LOCAL_TIMER_VECTOR
        apic.write32(TIMER_INIT, 62);                 // 992 ns: less than the clock moves per reading
        c.timers().runDue(c.clock().nanos());         // the board's next look at its timers
        assertTrue(lapic.hasInterrupt(), "the count's interrupt was lost");
        assertEquals(0xec, lapic.acknowledge());
        apic.write32(EOI, 0);
        apic.write32(LVT_TIMER, 0xec);                // Linux's set_oneshot again: the count was delivered
        c.timers().runDue(c.clock().nanos() + 1_000_000);
        assertFalse(lapic.hasInterrupt(), "one interrupt for one count");
    }

    /**
     * A one-shot count that ran out in guest time before the board ran the timer's callback (an
     * HVM vcpu runs a chunk of instructions between two looks at the device timers) interrupted
     * when it reached zero, whatever the guest writes to the timer afterwards: a later write of
     * the timer's LVT (Linux's lapic_timer_set_oneshot), its divide register, its initial count
     * or the spurious-vector register's software disable must not cancel it. The lost interrupt
     * left Linux with an hrtimer event it waited for in HLT for good (issue 17).
     */
    @Test
    void aCountThatRanOutBeforeTheTimersRanInterruptsDespiteALaterTimerWrite() {
        int[][] writes = {{LVT_TIMER, 0x30}, {LVT_TIMER, 1 << 16 | 0x30}, {TIMER_DIV, 0xb}, {TIMER_DIV, 0x3},
            {TIMER_INIT, 5000}, {TIMER_INIT, 0}, {SVR, 0xff}};
        for (int[] w : writes) {
            write(0, SVR, 0x1ff);
            write(0, TIMER_DIV, 0xb);                 // divide by 1
            write(0, LVT_TIMER, 0x30);
            write(0, TIMER_INIT, 62);                 // 62 ns at 1 GHz
            ctx.manualClock().advance(100);           // the count ran out; the board has not run its timers yet
            write(0, w[0], w[1]);
            if (w[0] == SVR) write(0, SVR, 0x1ff);   // a disabled APIC holds what its IRR has
            ctx.advance(0);                           // the board's next look at its timers
            assertTrue(cpu0.hasInterrupt(), String.format("the expiry was lost by a write of 0x%x to 0x%03x", w[1], w[0]));
            assertEquals(0x30, cpu0.acknowledge());
            write(0, EOI, 0);
            write(0, TIMER_INIT, 0);                  // a new count (0x380) would interrupt again
            ctx.advance(100_000);
            assertFalse(cpu0.hasInterrupt(), String.format("one interrupt for one count (after 0x%x to 0x%03x)", w[1], w[0]));
        }
    }

    @Test
    void periodicTimerWithDivider() {
        write(1, TIMER_DIV, 0x0);                 // divide by 2
        write(1, LVT_TIMER, 1 << 17 | 0x31);
        write(1, TIMER_INIT, 500);                // period 1000 ns
        int n = 0;
        for (int i = 0; i < 100; i++) {
            ctx.advance(100);
            if (cpu1.hasInterrupt()) {
                assertEquals(0x31, cpu1.acknowledge());
                write(1, EOI, 0);
                n++;
            }
        }
        assertEquals(10, n);
        ctx.advance(300);
        assertEquals(350, read(1, TIMER_CUR), "500 - 300/2");
    }

    @Test
    void maskedTimerCountsWithoutInterrupting() {
        write(0, TIMER_DIV, 0xb);
        write(0, LVT_TIMER, 1 << 16 | 0x30);
        write(0, TIMER_INIT, 100);
        ctx.advance(50);
        assertEquals(50, read(0, TIMER_CUR));
        ctx.advance(100);
        assertFalse(cpu0.hasInterrupt());
    }

    @Test
    void levelTriggeredEoiIsBroadcastToIoApics() {
        List<Integer> eois = new ArrayList<>();
        ctx.interrupts().attach(new InterruptSink() {
            @Override
            public void setInput(int irq, boolean level) {
            }

            @Override
            public void endOfInterrupt(int vector) {
                eois.add(vector);
            }
        });
        ctx.interrupts().apicBus().deliver(0, false, ApicBus.FIXED, 0x44, true);
        ctx.interrupts().apicBus().deliver(0, false, ApicBus.FIXED, 0x45, false);
        assertEquals(1 << 4, read(0, TMR + 0x20) & 0x30, "TMR set for the level vector only");
        assertEquals(0x45, cpu0.acknowledge());
        write(0, EOI, 0);
        assertEquals(List.of(), eois, "edge EOI is not broadcast");
        assertEquals(0x44, cpu0.acknowledge());
        write(0, EOI, 0);
        assertEquals(List.of(0x44), eois);
    }

    /** A stand-in 8259A with one pending request. */
    static final class FakePic implements InterruptController {
        boolean pending = true;

        @Override
        public boolean hasInterrupt() {
            return pending;
        }

        @Override
        public int acknowledge() {
            pending = false;
            return 0x20;
        }

        @Override
        public void connect(org.oxen.x86.api.InterruptLine output) {
        }
    }

    @Test
    void extIntThroughLint0OfTheBsp() {
        FakePic pic = new FakePic();
        ctx.interrupts().setLegacyController(pic);
        assertEquals(0x700, read(0, LVT_LINT0), "BSP: ExtINT, unmasked after reset");
        assertEquals(0x10000, read(1, LVT_LINT0), "APs: masked");
        assertFalse(cpu1.hasInterrupt());
        assertTrue(cpu0.hasInterrupt());
        assertEquals(0x20, cpu0.acknowledge());
        pic.pending = true;
        write(0, LVT_LINT0, 0x10700);
        assertFalse(cpu0.hasInterrupt(), "LINT0 masked");
        cpu0.writeBaseMsr(0xfee0_0000L);          // globally disabled: the PIC goes straight through
        assertTrue(cpu0.hasInterrupt());
        ctx.interrupts().apicBus().deliver(1, false, ApicBus.EXTINT, 0, false);
        assertTrue(cpu1.hasInterrupt(), "ExtINT message from the I/O APIC");
        assertEquals(0x20, cpu1.acknowledge());
    }

    @Test
    void softwareDisableMasksLvtsAndHoldsFixedInterrupts() {
        write(0, LVT_TIMER, 0x30);
        write(0, SVR, 0x0ff);
        assertEquals(0x10030, read(0, LVT_TIMER));
        write(0, LVT_TIMER, 0x30);
        assertEquals(0x10030, read(0, LVT_TIMER), "mask cannot be cleared while disabled");
        ipi(1, 0, 0x4040);
        assertFalse(cpu0.hasInterrupt());
        write(0, SVR, 0x1ff);
        assertTrue(cpu0.hasInterrupt(), "held in IRR");
    }

    @Test
    void outputsDriveTheCpuIntrPinsAndEventsWakeTheBoard() {
        boolean[] intr = new boolean[2];
        int[] wakes = new int[1];
        ctx.interrupts().connectCpu(0, high -> intr[0] = high);
        ctx.interrupts().connectCpu(1, high -> intr[1] = high);
        cpu1.setEventListener(() -> wakes[0]++);
        ipi(0, 1, 0x4041);
        assertFalse(intr[0]);
        assertTrue(intr[1], "fixed IPI raised CPU 1's INTR");
        write(1, TPR, 0xf0);
        assertFalse(intr[1], "TPR lowered it");
        write(1, TPR, 0);
        cpu1.acknowledge();
        assertFalse(intr[1], "INTA lowered it");
        ipi(0, 1, 0x4400);
        assertEquals(1, wakes[0], "NMI signalled");
        write(0, TIMER_DIV, 0xb);
        write(0, LVT_TIMER, 0x30);
        write(0, TIMER_INIT, 10);
        ctx.advance(10);
        assertTrue(intr[0], "timer interrupt raised CPU 0's INTR from a timer callback");
    }

    @Test
    void illegalVectorSetsEsrAndRaisesTheErrorLvt() {
        write(0, LVT_ERROR, 0xfe);
        ipi(1, 0, 0x4005);
        write(0, ESR, 0);
        assertEquals(0x40, read(0, ESR), "received illegal vector");
        assertEquals(0xfe, cpu0.acknowledge());
    }
}
