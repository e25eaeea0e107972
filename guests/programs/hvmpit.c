/*
 * hvmpit -- the PIT's missed periods in an HVM domain (native flavor only: oxen runs it with
 * type = "hvm").
 *
 * PIT channel 0 ticks in mode 2 (period_us=, default 10000) through the 8259A's IRQ 0 (the
 * kit's timer), or with ioapic=1 through the I/O APIC's pin 2 (ISA IRQ 0 by the PC's source
 * override) at vector 0xf0 of the local APIC, IRQ 0 masked at the 8259A. The guest compares the
 * interrupts it took with the periods its TSC says passed since the first one: more interrupts
 * than periods (and one of rounding) fails ("early"); periods without an interrupt of their own
 * are "lost". It waits (HLT) for before= (5) periods, keeps its interrupts off (CLI) for hold=
 * (30) periods, then waits (HLT) for after= (10) more, and prints
 *   hvmpit: before ticks=T periods=P lost=L
 *   hvmpit: interrupts held off for K periods
 *   hvmpit: after ticks=T periods=P lost=L
 * then RESULT: PASS. A hypervisor that owes the periods it could not deliver (Xen's
 * delay_for_missed_ticks, one per acknowledgement of IRQ 0) loses none of the K; one that merges
 * them into the controller's one IRR bit (QEMU's i8254) loses K - 1.
 */
#include <kit.h>
#include <oxen/native.h>

#define PIT_VECTOR 0xf0
#define IOAPIC_BASE 0xfec00000u

static uint64_t tsc_start, period_tsc;
static uint32_t ticks_start;

static int pit_interrupt(struct trap_frame *f)
{
    (void)f;
    timer_ticks++;
    lapic_eoi();
    return 1;
}

static void ioapic_write(unsigned reg, uint32_t v)
{
    *(volatile uint32_t *)IOAPIC_BASE = reg;
    *(volatile uint32_t *)(IOAPIC_BASE + 0x10) = v;
}

/* Periods of the PIT since the first interrupt, by the TSC, rounded to the nearest. */
static uint32_t periods(void)
{
    uint64_t dt = rdtsc() - tsc_start;
    return (uint32_t)((2 * dt + period_tsc) / (2 * period_tsc));
}

static void report(const char *what)
{
    uint32_t t = timer_ticks - ticks_start, p = periods();
    CHECK(t <= p + 1, "%s: %u interrupts in %u periods", what, t, p);
    printf("hvmpit: %s ticks=%u periods=%u lost=%d\n", what, t, p, (int)(p - t));
}

void guest_main(void)
{
    uint32_t period_us = cmdline_u32("period_us", 10000);
    uint32_t before = cmdline_u32("before", 5), hold = cmdline_u32("hold", 30), after = cmdline_u32("after", 10);
    int ioapic = (int)cmdline_u32("ioapic", 0);
    CHECK(period_us >= 1000 && period_us <= 50000, "period_us=%u: 1000..50000", period_us);
    CHECK(time_available(), "no TSC");
    uint32_t count = (uint32_t)((uint64_t)period_us * PIT_HZ / 1000000u);
    period_tsc = tsc_hz * count / PIT_HZ;

    CHECK_EQ(timer_periodic((uint64_t)period_us * 1000u), 0, "timer_periodic");
    if (ioapic) {
        CHECK(lapic_present(), "no local APIC in CPUID");
        irq_mask(0);
        trap_set_handler(PIT_VECTOR, pit_interrupt);
        lapic_enable();
        ioapic_write(0x15, lapic_id() << 24);      /* pin 2: physical destination */
        ioapic_write(0x14, PIT_VECTOR);            /* fixed, edge, active high, unmasked */
    }
    printf("hvmpit: PIT mode 2, %u us (count %u), through the %s\n", period_us, count,
           ioapic ? "I/O APIC's pin 2" : "8259A's IRQ 0");

    uint32_t t = timer_ticks;
    while (timer_ticks == t)
        cpu_idle();
    tsc_start = rdtsc();                           /* the first interrupt: period 0 */
    ticks_start = timer_ticks;

    while (periods() < before)
        cpu_idle();
    report("before");

    uint32_t until = periods() + hold;
    while (periods() < until)
        ;                                          /* interrupts off */
    printf("hvmpit: interrupts held off for %u periods\n", hold);

    until = periods() + after;
    while (periods() < until)
        cpu_idle();
    report("after");
    timer_periodic(0);
    if (ioapic)
        ioapic_write(0x14, 1u << 16 | PIT_VECTOR);
    pass();
}
