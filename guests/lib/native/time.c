/*
 * time.c -- native time and timer.
 *
 * Time: the TSC, calibrated once at boot against PIT channel 2 (gate via
 * port 0x61, mode 0, 50 ms), scaled to ns with a Xen-style time_scale.
 * Without a TSC, time_available() is 0 and guest_time_ns() returns 0.
 *
 * Timer: PIT channel 0 on IRQ0.  timer_periodic() uses mode 2 (rate
 * generator, period up to 54.9 ms); timer_oneshot() uses mode 0 (interrupt
 * on terminal count) and re-arms itself until the deadline has passed.
 */
#include <oxen/native.h>

uint64_t tsc_hz;
volatile uint32_t timer_ticks;
static struct time_scale tsc_scale;
static uint64_t tsc_origin;
static volatile uint64_t oneshot_deadline;   /* 0: not armed */

#define CALIBRATE_MS 50u

void native_time_init(void)
{
    if (!cpu_has_tsc())
        return;
    uint16_t latch = (uint16_t)(PIT_HZ * CALIBRATE_MS / 1000u);
    outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01));  /* gate on, speaker off */
    outb(0x43, 0xb0);                                  /* ch2, lo/hi, mode 0 */
    outb(0x42, (uint8_t)latch);
    outb(0x42, (uint8_t)(latch >> 8));
    uint64_t t0 = rdtsc();
    uint32_t spins = 0;
    while (!(inb(0x61) & 0x20))
        if (++spins == 10000000)                      /* no PIT channel 2: no clock */
            return;
    uint64_t t1 = rdtsc();
    tsc_hz = (t1 - t0) * (1000u / CALIBRATE_MS);
    if (tsc_hz == 0)
        return;
    time_scale_from_hz(&tsc_scale, tsc_hz);
    tsc_origin = t0;
}

int time_available(void) { return tsc_hz != 0; }

uint64_t guest_time_ns(void)
{
    if (!tsc_hz)
        return 0;
    return scale_delta(rdtsc() - tsc_origin, &tsc_scale);
}

static uint32_t pit_count(uint64_t ns)
{
    uint64_t c = ns * PIT_HZ / 1000000000ull;
    if (c < 1)
        c = 1;
    if (c > 0xffff)
        c = 0xffff;
    return (uint32_t)c;
}

static void pit_program(uint8_t mode_cmd, uint32_t count)
{
    outb(0x43, mode_cmd);
    outb(0x40, (uint8_t)count);
    outb(0x40, (uint8_t)(count >> 8));
}

static void timer_irq(unsigned irq, struct trap_frame *f)
{
    (void)irq; (void)f;
    if (oneshot_deadline) {
        uint64_t now = guest_time_ns();
        if (time_available() && now < oneshot_deadline) {
            pit_program(0x30, pit_count(oneshot_deadline - now));  /* not yet: re-arm */
            return;
        }
        oneshot_deadline = 0;
    }
    timer_ticks++;
}

int timer_init(void)
{
    pit_program(0x30, 0xffff);      /* one-shot, longest count */
    irq_set_handler(0, timer_irq);
    irq_mask(0);                    /* silent until periodic/oneshot */
    return 0;
}

int timer_periodic(uint64_t period_ns)
{
    uint32_t s = irq_save();
    oneshot_deadline = 0;
    if (period_ns == 0) {
        irq_mask(0);
        pit_program(0x30, 0xffff);
    } else {
        pit_program(0x34, pit_count(period_ns));
        irq_set_handler(0, timer_irq);
    }
    irq_restore(s);
    return 0;
}

int timer_oneshot(uint64_t deadline_ns)
{
    uint32_t s = irq_save();
    uint64_t now = guest_time_ns();
    oneshot_deadline = deadline_ns ? deadline_ns : 1;
    pit_program(0x30, pit_count(deadline_ns > now ? deadline_ns - now : 0));
    irq_set_handler(0, timer_irq);
    irq_restore(s);
    return 0;
}
