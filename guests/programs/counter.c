/*
 * counter -- counts in a loop, printing every number, and survives save,
 * restore and migration: the lines of the domain it started in and of every
 * domain it continued in are, one after the other, 1, 2, 3, ... with no gap
 * and no repeat. PV only.
 *
 * Command line:
 *   count=N       stop after N (0: count until shut down; default 200)
 *   spin=S        busy iterations between two numbers (default 20000)
 *   suspend_at=M  suspend itself after printing M (the hypervisor's path
 *                 without a toolstack: a test saves and restores it then)
 *   xenstore=1    answer control/shutdown: poweroff and reboot, and suspend
 *                 (xl save, xl migrate), between two numbers
 * After each suspend it prints "counter: resumed after M (new domain)" or
 * "(cancelled)"; at the end "counter: done N" and RESULT: PASS.
 */
#include <kit.h>
#include <oxen/pv.h>
#include <oxen/xenstore.h>

static volatile uint32_t sink;

void guest_main(void)
{
    uint32_t count = cmdline_u32("count", 200);
    uint32_t spin = cmdline_u32("spin", 20000);
    uint32_t suspend_at = cmdline_u32("suspend_at", 0);
    int xs = cmdline_u32("xenstore", 0) != 0;

    if (xs) {
        irq_disable();
        xs_init();
        shutdown_watch_init();
    }
    printf("counter: counting to %u\n", count);
    for (uint32_t i = 1; count == 0 || i <= count; i++) {
        printf("counter: %u\n", i);
        for (uint32_t k = 0; k < spin; k++)
            sink += k;
        if (i == suspend_at) {
            int cancelled = pv_suspend();
            printf("counter: resumed after %u (%s)\n", i, cancelled ? "cancelled" : "new domain");
        }
        if (xs) {
            int reason = shutdown_poll(0);
            if (reason >= 0)
                shutdown_clean(reason);
        }
    }
    printf("counter: done %u\n", count);
    pass();
}
