/*
 * sleeper -- blocks on its single-shot timer again and again, counting the
 * wake-ups. PV only.
 *
 * Command line: count=N (default 200) period_us=P (default 2000).
 * Each round: set_timer_op(now + P), then SCHEDOP_block until VIRQ_TIMER's
 * upcall ran. A lost wake-up leaves the domain blocked for good (its host
 * sees it never finish); a wake-up that comes early fails the program.
 * Prints "sleeper starts: N rounds of P us" first, then "sleeper: N wake-ups"
 * and the mean lateness (wake-up minus deadline) in microseconds.
 */
#include <kit.h>
#include <oxen/pv.h>

void guest_main(void)
{
    uint32_t count = cmdline_u32("count", 200);
    uint32_t period = cmdline_u32("period_us", 2000);
    CHECK(period > 0, "period_us must be > 0");
    int rc = timer_init();
    CHECK(rc == 0, "timer_init failed: %d", rc);
    printf("sleeper starts: %u rounds of %u us\n", count, period);
    irq_disable();
    uint64_t late = 0, worst = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t ticks = timer_ticks;
        uint64_t deadline = guest_time_ns() + (uint64_t)period * 1000;
        CHECK_EQ(timer_oneshot(deadline), 0, "set_timer_op");
        while (timer_ticks == ticks)
            cpu_idle();
        uint64_t t = guest_time_ns();
        CHECK(t + 100000 >= deadline, "wake-up %u came %llu ns early", i, deadline - t);
        uint64_t l = t > deadline ? t - deadline : 0;
        late += l;
        if (l > worst)
            worst = l;
    }
    printf("sleeper: %u wake-ups, mean %llu us late, worst %llu us\n", count,
           count ? late / count / 1000 : 0, worst / 1000);
    pass();
}
