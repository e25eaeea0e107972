/*
 * hvmsmp -- two CPUs that work, tick and interrupt each other, for the save, restore and live
 * migration of an SMP HVM domain (native flavor only: oxen runs it with type = "hvm" and
 * vcpus = 2; QEMU with -smp 2).
 *
 * CPU 0 starts CPU 1 through its local APIC (INIT, STARTUP, STARTUP: lib/native/smp.c, as a
 * kernel does) and takes the APIC timer's rate against the TSC from CPUID leaf 0x15, or
 * measures it. Then each CPU, in its own page:
 *  - counts in a loop with interrupts on ("work"); with idle=<mask> the CPUs whose bit is set
 *    halt (HLT) after each stretch of work until their next interrupt;
 *  - takes its APIC timer's periodic interrupt (vector 0xf0, period_us=, default 5000) and
 *    compares the interrupts it took with the periods its own TSC says passed since it armed
 *    the timer: more interrupts than periods ("early": a doubled tick, or a timer running ahead
 *    of the TSC) fails; periods without an interrupt of their own ("lost": merged while the CPU
 *    could not take them) are counted;
 *  - every ipi_every= (4) of its ticks sends the other an IPI (vector 0xf1) if the other took
 *    the last one: one in flight at a time, so none can merge, and the receiver fails if it
 *    takes more than were sent; a sender whose IPI was not taken within ipi_wait= (400) of its
 *    ticks fails (lost);
 *  - every every= (20) of its ticks checks that the other's work and ticks grew since its last
 *    check; stall_checks= (10) checks in a row without growth fail;
 *  - with cli_periods=K (0), CPU 0 keeps its interrupts off (CLI) for K of its TSC's periods
 *    right after its first line, then prints "hvmsmp: cpu0 interrupts held off for K periods":
 *    a hypervisor that owes the periods it could not deliver (Xen's delay_for_missed_ticks)
 *    loses none of them, one that merges them loses K - 1 (the lost= of the next lines).
 * Interrupts of vector 0xf2 are only counted per CPU ("outside": IPIs a test sends from outside
 * the guest, e.g. one left pending in a vcpu's local APIC across a save).
 * CPU 0 prints a line every `every` of its ticks (CPU 1 only counts; its failures are reported
 * by CPU 0, so lines never interleave):
 *   hvmsmp: <n> cpu0 work=W ticks=T lost=L ipis=R/S cpu1 work=W ticks=T lost=L ipis=R/S outside=O0/O1
 * (ipis received/sent) with n = 1, 2, 3 ... so a restored or migrated domain goes on with n + 1,
 * and each counter only grows. After count= lines (8; 0: runs until stopped) both stop sending,
 * wait for the IPIs in flight, CPU 1 stops its timer and says so, and CPU 0 checks the totals:
 * every IPI sent was taken once, and prints RESULT: PASS.
 */
#include <kit.h>
#include <oxen/native.h>

#define TIMER_VECTOR 0xf0
#define IPI_VECTOR 0xf1
#define OUTSIDE_VECTOR 0xf2

struct cpu {
    volatile uint32_t work, ticks, lost, early;
    volatile uint32_t ipis_rx, ipis_tx, ipi_wait;
    volatile uint32_t seen_work, seen_ticks, stalls, checks;
    volatile uint32_t stopped;
    volatile uint32_t outside;          /* IPIs of OUTSIDE_VECTOR taken */
    uint64_t tsc_start;                 /* TSC just before the timer's initial count */
    volatile unsigned apic_id;
    volatile uint32_t apic_id_known;    /* set after apic_id: smp_start_cpu returns before the entry runs */
} ALIGNED(4096);

/* One page each: a CPU writes only its own (log-dirty sees both CPUs' pages dirtied). */
static struct cpu cpus[2] ALIGNED(4096);
static volatile uint32_t stop_sending, stop_cpu1;
static volatile char cpu1_failure[128];
static uint32_t timer_counts;
static uint64_t period_tsc;             /* the timer's period in TSC ticks */
static uint32_t every, ipi_every, ipi_wait, stall_checks, idle_mask, cli_periods;

static struct cpu *me(void) { return &cpus[smp_cpu_id() & 1]; }
static struct cpu *other(void) { return &cpus[(smp_cpu_id() & 1) ^ 1]; }

/* A check that failed on CPU 1 is reported by CPU 0 (one console writer). */
static void cpu_fail(const char *why, uint32_t a, uint32_t b)
{
    if (smp_cpu_id() == 0)
        fail("cpu0: %s (%u, %u)", why, a, b);
    if (!cpu1_failure[0])
        snprintf((char *)cpu1_failure, sizeof cpu1_failure, "cpu1: %s (%u, %u)", why, a, b);
    lapic_timer_stop();
    for (;;)
        __asm__ volatile("cli; hlt");
}

/* Periods of this CPU's timer its TSC says have passed, to the nearest: an interrupt comes
 * at the end of its period plus the time it took to be taken, well below half a period. */
static uint32_t periods(const struct cpu *c)
{
    uint64_t dt = rdtsc() - c->tsc_start;
    return (uint32_t)((2 * dt + period_tsc) / (2 * period_tsc));
}

static int timer_interrupt(struct trap_frame *f)
{
    (void)f;
    struct cpu *c = me(), *o = other();
    uint32_t p = periods(c);
    uint32_t t = c->ticks + 1;
    c->ticks = t;
    if (t > p)
        cpu_fail("more timer interrupts than periods", t, p);
    c->lost = p - t;
    if (!stop_sending && t % ipi_every == 0) {
        if (o->ipis_rx == c->ipis_tx) {
            c->ipis_tx++;
            c->ipi_wait = 0;
            lapic_ipi(o->apic_id, IPI_VECTOR);
        } else if (++c->ipi_wait > ipi_wait) {
            cpu_fail("the IPI sent was not taken: taken/sent", o->ipis_rx, c->ipis_tx);
        }
    }
    if (t % every == 0) {
        uint32_t w = o->work, ot = o->ticks;
        if (w == c->seen_work || ot == c->seen_ticks) {
            if (++c->stalls >= stall_checks)
                cpu_fail("the other cpu made no progress: work/ticks", w, ot);
        } else {
            c->stalls = 0;
        }
        c->seen_work = w;
        c->seen_ticks = ot;
        c->checks++;
    }
    lapic_eoi();
    return 1;
}

static int ipi_interrupt(struct trap_frame *f)
{
    (void)f;
    struct cpu *c = me(), *o = other();
    uint32_t r = c->ipis_rx + 1;
    c->ipis_rx = r;
    if (r > o->ipis_tx)
        cpu_fail("more IPIs taken than sent", r, o->ipis_tx);
    lapic_eoi();
    return 1;
}

static int outside_interrupt(struct trap_frame *f)
{
    (void)f;
    me()->outside++;
    lapic_eoi();
    return 1;
}

static int spurious_interrupt(struct trap_frame *f)
{
    (void)f;
    return 1;                           /* no EOI for the spurious vector */
}

/* Arms this CPU's periodic timer, interrupts on. */
static void arm(unsigned cpu)
{
    lapic_enable();
    cpus[cpu].tsc_start = rdtsc();
    lapic_timer_start(TIMER_VECTOR, timer_counts, LAPIC_TIMER_PERIODIC);
    irq_enable();
}

/* One stretch of this CPU's work; with its idle bit, every 16th ends in HLT. */
static void work(unsigned cpu)
{
    struct cpu *c = &cpus[cpu];
    for (int i = 0; i < 256; i++)
        barrier();
    c->work++;
    if ((idle_mask >> cpu & 1) && (c->work & 15) == 0)
        __asm__ volatile("hlt" ::: "memory");
}

static void cpu1_main(unsigned cpu)
{
    cpus[1].apic_id = lapic_id();
    wmb();
    cpus[1].apic_id_known = 1;
    arm(cpu);
    while (!stop_cpu1)
        work(cpu);
    irq_disable();
    lapic_timer_stop();
    cpus[1].stopped = 1;
    for (;;)
        __asm__ volatile("hlt");
}

static void line(const char *what)
{
    const struct cpu *a = &cpus[0], *b = &cpus[1];
    printf("hvmsmp: %s cpu0 work=%u ticks=%u lost=%u ipis=%u/%u cpu1 work=%u ticks=%u lost=%u ipis=%u/%u"
           " outside=%u/%u\n", what, a->work, a->ticks, a->lost, a->ipis_rx, a->ipis_tx, b->work, b->ticks, b->lost,
           b->ipis_rx, b->ipis_tx, a->outside, b->outside);
}

void guest_main(void)
{
    uint32_t count = cmdline_u32("count", 8);
    uint32_t period_us = cmdline_u32("period_us", 5000);
    every = cmdline_u32("every", 20);
    ipi_every = cmdline_u32("ipi_every", 4);
    ipi_wait = cmdline_u32("ipi_wait", 400);
    stall_checks = cmdline_u32("stall_checks", 10);
    idle_mask = cmdline_u32("idle", 0);
    cli_periods = cmdline_u32("cli_periods", 0);
    CHECK(every && ipi_every && stall_checks && period_us >= 200, "bad arguments");
    CHECK(time_available(), "no TSC");
    CHECK(lapic_present(), "no local APIC in CPUID");

    trap_set_handler(TIMER_VECTOR, timer_interrupt);
    trap_set_handler(IPI_VECTOR, ipi_interrupt);
    trap_set_handler(OUTSIDE_VECTOR, outside_interrupt);
    trap_set_handler(LAPIC_SPURIOUS, spurious_interrupt);
    lapic_enable();
    cpus[0].apic_id = lapic_id();

    /* the APIC timer's rate and its ratio to the TSC: stated by CPUID leaf 0x15 (oxen), else
     * measured against the TSC over 100 ms, the second time (the first warms the paths of the
     * accesses it brackets; what is left of their cost is an error of up to a few hundred ppm,
     * half a period only after a thousand ticks or more) */
    uint32_t counts, crystal, num, den;
    uint64_t tsc;
    const char *how;
    if (lapic_timer_cpuid(&crystal, &num, &den)) {
        counts = crystal / 10;
        tsc = (uint64_t)counts * num / den;
        how = "cpuid 0x15";
    } else {
        lapic_timer_calibrate(10, &counts, &tsc);
        lapic_timer_calibrate(100, &counts, &tsc);
        how = "measured";
    }
    CHECK(counts > 1000 && tsc > 1000, "APIC timer: %u counts in %llu TSC ticks", counts, (unsigned long long)tsc);
    uint64_t c64 = (uint64_t)counts * period_us / 100000u;
    CHECK(c64 > 0 && c64 < 0x80000000u, "a period of %llu counts", (unsigned long long)c64);
    timer_counts = (uint32_t)c64;
    period_tsc = (uint64_t)timer_counts * tsc / counts;
    printf("hvmsmp: apic timer %u counts per %u us (%u counts in %llu TSC ticks, %s), every=%u ipi_every=%u"
           " idle=%u\n", timer_counts, period_us, counts, (unsigned long long)tsc, how, every, ipi_every, idle_mask);

    CHECK_EQ(smp_start_cpu(1, 1, cpu1_main), 0, "cpu 1 started");
    /* the AP says it runs before its entry reads its APIC ID (a run printed "apic id 0") */
    uint64_t id_by = guest_time_ns() + 1000000000ull;
    while (!cpus[1].apic_id_known)
        if (guest_time_ns() > id_by)
            fail("cpu 1 did not read its APIC ID within 1 s of starting");
    printf("hvmsmp: cpu 1 started (apic id %u)\n", cpus[1].apic_id);

    arm(0);
    uint32_t n = 0, at = 0;
    for (;;) {
        work(0);
        if (cpu1_failure[0])
            fail("%s", (const char *)cpu1_failure);
        uint32_t t = cpus[0].ticks;
        if (t - at >= every) {
            char what[12];
            at = t - t % every;
            snprintf(what, sizeof what, "%u", ++n);
            line(what);
            if (count && n == count)
                break;
            if (n == 1 && cli_periods) {
                irq_disable();
                uint32_t until = periods(&cpus[0]) + cli_periods;
                while (periods(&cpus[0]) < until)
                    cpus[0].work++;
                irq_enable();
                printf("hvmsmp: cpu0 interrupts held off for %u periods\n", cli_periods);
            }
        }
    }

    /* the end: no new IPIs, the ones in flight taken, CPU 1 stopped */
    stop_sending = 1;
    mb();
    uint32_t t0 = cpus[0].ticks;
    while (cpus[0].ipis_rx != cpus[1].ipis_tx || cpus[1].ipis_rx != cpus[0].ipis_tx) {
        if (cpu1_failure[0])
            fail("%s", (const char *)cpu1_failure);
        CHECK(cpus[0].ticks - t0 < ipi_wait, "IPIs in flight never taken: cpu0 %u/%u cpu1 %u/%u", cpus[0].ipis_rx,
              cpus[0].ipis_tx, cpus[1].ipis_rx, cpus[1].ipis_tx);
        __asm__ volatile("hlt" ::: "memory");
    }
    stop_cpu1 = 1;
    while (!cpus[1].stopped) {
        CHECK(cpus[0].ticks - t0 < ipi_wait, "cpu 1 did not stop");
        __asm__ volatile("hlt" ::: "memory");
    }
    irq_disable();
    lapic_timer_stop();
    line("end");
    CHECK(cpus[0].ticks > 0 && cpus[1].ticks > 0, "both timers ticked");
    CHECK(cpus[0].ipis_tx > 0 && cpus[1].ipis_tx > 0, "both cpus sent IPIs");
    printf("hvmsmp: both cpus took every IPI once and never more timer interrupts than periods\n");
    pass();
}
