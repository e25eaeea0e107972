/*
 * smp.c -- the local APIC and application processors of the native flavor
 * (declared in <oxen/native.h>; a program links it through its
 * <name>_NATIVE in the Makefile, with smp_tramp.S).
 *
 * The APIC is reached at its default base with paging off.  An application
 * processor is started as Linux's wakeup_secondary_cpu_via_init does (the
 * MP specification's INIT, 10 ms, STARTUP, 200 us, STARTUP): the trampoline
 * (smp_tramp.S) copied to SMP_TRAMPOLINE takes it from real mode to
 * smp_ap_main() on a kit stack whose header names its cpu, so smp_cpu_id(),
 * trap_try() and the trap handlers work on it; it loads the boot CPU's GDT
 * and IDT and runs its entry with interrupts off.  One start at a time.
 */
#include <oxen/native.h>

#define LAPIC_BASE      0xfee00000u
#define SMP_TRAMPOLINE  0x7000u          /* smp_tramp.S builds its GDT for this page */

#define APIC_ID     0x020
#define APIC_TPR    0x080
#define APIC_EOI    0x0b0
#define APIC_SVR    0x0f0
#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310
#define APIC_LVT_TIMER 0x320
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_CUR  0x390
#define APIC_TIMER_DIV  0x3e0

#define ICR_BUSY      (1u << 12)
#define ICR_ASSERT    (1u << 14)
#define ICR_INIT      (5u << 8)
#define ICR_STARTUP   (6u << 8)
#define LVT_MASKED    (1u << 16)

void desc_load_tables(void);
extern const char smp_trampoline[], smp_trampoline_end[];

/* Read by smp_tramp.S and smp_ap_main on the starting CPU. */
uint32_t smp_ap_stack_top;
static void (*volatile ap_entry)(unsigned cpu);
static volatile uint32_t ap_cpu, ap_running;
static uint8_t ap_stacks[SMP_MAX_CPUS - 1][KSTACK_SIZE] ALIGNED(KSTACK_SIZE);

int lapic_present(void)
{
    if (!cpu_has_cpuid())
        return 0;
    uint32_t a, b, c, d;
    cpuid(1, &a, &b, &c, &d);
    return (d >> 9) & 1;
}

uint32_t lapic_read(unsigned reg) { return *(volatile uint32_t *)(LAPIC_BASE + reg); }
void lapic_write(unsigned reg, uint32_t v) { *(volatile uint32_t *)(LAPIC_BASE + reg) = v; }

void lapic_enable(void)
{
    lapic_write(APIC_TPR, 0);
    lapic_write(APIC_SVR, 0x100 | LAPIC_SPURIOUS);
}

unsigned lapic_id(void) { return lapic_read(APIC_ID) >> 24; }
void lapic_eoi(void) { lapic_write(APIC_EOI, 0); }

static void icr(unsigned apic_id, uint32_t low)
{
    while (lapic_read(APIC_ICR_LO) & ICR_BUSY)
        cpu_relax();
    lapic_write(APIC_ICR_HI, apic_id << 24);
    lapic_write(APIC_ICR_LO, low);
}

void lapic_ipi(unsigned apic_id, unsigned vector)
{
    icr(apic_id, ICR_ASSERT | (vector & 0xff));
}

int lapic_timer_cpuid(uint32_t *crystal_hz, uint32_t *tsc_num, uint32_t *tsc_den)
{
    uint32_t a, b, c, d;
    if (!cpu_has_cpuid())
        return 0;
    cpuid(0, &a, &b, &c, &d);
    if (a < 0x15)
        return 0;
    cpuid(0x15, &a, &b, &c, &d);
    if (a == 0 || b == 0 || c == 0)
        return 0;
    *crystal_hz = c;
    *tsc_num = b;
    *tsc_den = a;
    return 1;
}

void lapic_timer_calibrate(unsigned ms, uint32_t *counts, uint64_t *tsc)
{
    lapic_write(APIC_TIMER_DIV, 0xb);                   /* divide by 1 */
    lapic_write(APIC_LVT_TIMER, LVT_MASKED);            /* one-shot, no interrupt */
    /* each access between two TSC readings: the interval between their midpoints */
    uint64_t a0 = rdtsc();
    lapic_write(APIC_TIMER_INIT, 0xffffffffu);
    uint64_t b0 = rdtsc();
    delay_ns((uint64_t)ms * 1000000u);
    uint64_t a1 = rdtsc();
    uint32_t left = lapic_read(APIC_TIMER_CUR);
    uint64_t b1 = rdtsc();
    *tsc = (a1 + b1) / 2 - (a0 + b0) / 2;
    *counts = 0xffffffffu - left;
    lapic_write(APIC_TIMER_INIT, 0);
}

void lapic_timer_start(unsigned vector, uint32_t counts, uint32_t mode)
{
    lapic_write(APIC_TIMER_DIV, 0xb);
    lapic_write(APIC_LVT_TIMER, mode | (vector & 0xff));
    lapic_write(APIC_TIMER_INIT, counts);
}

void lapic_timer_stop(void)
{
    lapic_write(APIC_LVT_TIMER, LVT_MASKED);
    lapic_write(APIC_TIMER_INIT, 0);
}

void smp_ap_main(void)
{
    unsigned cpu = ap_cpu;
    void (*entry)(unsigned) = ap_entry;
    desc_load_tables();
    ap_running = 1;
    entry(cpu);
    fail("cpu %u: its entry returned", cpu);
}

int smp_start_cpu(unsigned cpu, unsigned apic_id, void (*entry)(unsigned cpu))
{
    if (cpu == 0 || cpu >= SMP_MAX_CPUS)
        fail("smp_start_cpu: cpu %u (1..%u)", cpu, SMP_MAX_CPUS - 1);
    memcpy((void *)SMP_TRAMPOLINE, smp_trampoline, (size_t)(smp_trampoline_end - smp_trampoline));
    struct kstack_hdr *h = (struct kstack_hdr *)ap_stacks[cpu - 1];
    h->cpu = cpu;
    h->magic = KSTACK_MAGIC;
    smp_ap_stack_top = (uint32_t)ap_stacks[cpu - 1] + KSTACK_SIZE;
    ap_cpu = cpu;
    ap_entry = entry;
    ap_running = 0;
    wmb();
    icr(apic_id, ICR_ASSERT | ICR_INIT);
    delay_ns(10000000);
    for (int i = 0; i < 2 && !ap_running; i++) {
        icr(apic_id, ICR_STARTUP | (SMP_TRAMPOLINE >> 12));
        delay_ns(200000);
    }
    uint64_t end = guest_time_ns() + 1000000000ull;
    while (!ap_running)
        if (guest_time_ns() > end)
            return -1;
    return 0;
}
