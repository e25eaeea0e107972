/*
 * shutdown.c -- answers the toolstack's control/shutdown as a PV kernel's
 * xenbus shutdown handler does (Linux drivers/xen/manage.c, Mini-OS
 * shutdown.c): announce control/feature-poweroff and -reboot, watch
 * control/shutdown, and on "poweroff" or "reboot" acknowledge by writing ""
 * and shut down with that reason; on "suspend" (xl save, xl migrate)
 * acknowledge and suspend at once (lib/pv/suspend.c), going on afterwards
 * in the restored domain or in this one if the suspend was cancelled.
 * A program answers between its own steps (shutdown_poll, shutdown_requested)
 * or, if it only computes, from the store port's event (shutdown_watch_async).
 */
#include <oxen/pv.h>
#include <oxen/xenstore.h>

#define TOKEN SHUTDOWN_WATCH_TOKEN

static volatile int kept_reason = -1;  /* a poweroff or reboot the event hook took (shutdown_watch_async(0)) */

int shutdown_watch_init(void)
{
    CHECK_EQ(xs_write(0, "control/feature-poweroff", "1"), 0, "write control/feature-poweroff");
    CHECK_EQ(xs_write(0, "control/feature-reboot", "1"), 0, "write control/feature-reboot");
    CHECK_EQ(xs_watch("control/shutdown", TOKEN), 0, "watch control/shutdown");
    return 0;
}

int shutdown_event(const char *token)
{
    char value[32];
    if (strcmp(token, TOKEN) != 0)
        return -1;
    if (xs_read(0, "control/shutdown", value, sizeof value) < 0)
        return -1;                  /* removed: the domain is going */
    int reason = -1;
    if (strcmp(value, "poweroff") == 0 || strcmp(value, "halt") == 0)
        reason = SHUTDOWN_poweroff;
    else if (strcmp(value, "reboot") == 0)
        reason = SHUTDOWN_reboot;
    else if (strcmp(value, "suspend") == 0) {
        CHECK_EQ(xs_write(0, "control/shutdown", ""), 0, "acknowledge control/shutdown");
        int cancelled = pv_suspend();
        printf("shutdown: suspend requested through control/shutdown: %s\n",
               cancelled ? "cancelled, going on" : "resumed in a new domain");
        return -1;
    }
    if (reason < 0)
        return -1;                  /* "" (our own ack) or a request we do not answer */
    CHECK_EQ(xs_write(0, "control/shutdown", ""), 0, "acknowledge control/shutdown");
    printf("shutdown: %s requested through control/shutdown\n", value);
    return reason;
}

static int take_kept(void)
{
    int r = kept_reason;
    kept_reason = -1;
    return r;
}

int shutdown_poll(uint64_t timeout_ns)
{
    char path[256], token[64];
    if (kept_reason >= 0)
        return take_kept();
    while (xs_read_watch(path, sizeof path, token, sizeof token, timeout_ns)) {
        int reason = shutdown_event(token);
        if (reason >= 0)
            return reason;
    }
    return -1;
}

static int shutdown_requested_now(void)
{
    char path[256];
    while (xs_read_watch_token(TOKEN, path, sizeof path, 0)) {
        int reason = shutdown_event(TOKEN);
        if (reason >= 0)
            return reason;
    }
    return -1;
}

int shutdown_requested(void)
{
    if (kept_reason >= 0)
        return take_kept();
    return shutdown_requested_now();
}

void shutdown_clean(int reason)
{
    printf("RESULT: PASS\n");
    struct sched_shutdown r = { (uint32_t)reason };
    HYPERVISOR_sched_op(SCHEDOP_shutdown, &r);
    for (;;)
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

/* The store port's event hook (lib/pv/xenstore.c): runs with events masked in the upcall that
 * interrupted the program, so a suspend saves the program mid-computation and it returns there. */
static int async_clean;

static void answer_from_event(void)
{
    int reason = shutdown_requested_now();
    if (reason < 0)
        return;
    if (async_clean)
        shutdown_clean(reason);
    kept_reason = reason;               /* for the program's next shutdown_poll / shutdown_requested */
}

void shutdown_watch_async(int clean)
{
    async_clean = clean;
    xs_set_event_hook(answer_from_event);
}
