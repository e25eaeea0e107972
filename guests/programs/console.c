/*
 * console -- a guest that answers on its console ring: the demo a newcomer
 * meets at `xl console`. PV only.
 *
 * Keys come from the console ring's in[] (console_read), put there by the
 * console backend from what is typed at `xl console`; the program waits for
 * them in SCHEDOP_block with the console port bound to a handler (the backend
 * notifies after each write). As a terminal's line discipline would, it echoes
 * each key (xl console puts the user's terminal in raw mode), erases on
 * backspace, and runs the line on Enter (CR or LF; CR LF counts once):
 *
 *   help            the commands
 *   uptime          seconds since boot (system time)
 *   echo WORDS      prints WORDS
 *   poweroff        a clean poweroff: RESULT: PASS, SCHEDOP_shutdown(poweroff)
 *   anything else   "unknown command"
 *
 * Command line:
 *   lines=N        pass after N lines (default 0: until poweroff)
 *   flood=BYTES    instead: write BYTES of 64-byte lines as fast as the
 *                  console takes them (ring, or console_io with console=io),
 *                  then "console: flood done" and pass (benchmarks, and a
 *                  guest flooding its ring)
 *   attack=prod    instead: set out_prod 100000 bytes past out_cons (a
 *                  producer index beyond the ring), notify, and go on: the
 *                  backend must declare the ring broken and stop serving it
 *                  (the connection flag turns DISCONNECTED and the rest of
 *                  the output goes to console_io); passes when that happened
 */
#include <kit.h>
#include <oxen/pv.h>

#define SECOND 1000000000ull
#define LINE_MAX 120

static volatile uint32_t kicks;

static void on_console_event(evtchn_port_t p, void *data)
{
    (void)p; (void)data;
    kicks++;
}

static void run(char *line)
{
    while (*line == ' ')
        line++;
    if (strcmp(line, "help") == 0) {
        printf("commands: help, uptime, echo WORDS, poweroff\n");
    } else if (strcmp(line, "uptime") == 0) {
        uint64_t t = guest_time_ns();
        printf("up %u.%03u s\n", (uint32_t)(t / SECOND), (uint32_t)(t % SECOND / 1000000));
    } else if (strncmp(line, "echo", 4) == 0 && (line[4] == ' ' || line[4] == 0)) {
        printf("%s\n", line[4] ? line + 5 : "");
    } else if (strcmp(line, "poweroff") == 0) {
        printf("console: powering off\n");
        pass();
    } else if (line[0]) {
        printf("unknown command '%s'; try help\n", line);
    }
}

static void interactive(uint32_t lines)
{
    char line[LINE_MAX + 1];
    size_t len = 0;
    uint32_t done = 0;
    char last = 0;

    CHECK_EQ(evtchn_bind_handler(console_evtchn(), 0, on_console_event, NULL), 0, "bind the console port");
    printf("console: oxen demo guest; type help (Ctrl-] leaves xl console)\n");
    printf("> ");
    for (;;) {
        char keys[64];
        size_t n = console_read(keys, sizeof keys);
        if (n == 0) {
            irq_disable();
            uint32_t seen = kicks;
            n = console_read(keys, sizeof keys);
            if (n == 0) {
                while (kicks == seen)
                    cpu_idle();
                irq_enable();
                continue;
            }
            irq_enable();
        }
        for (size_t i = 0; i < n; i++) {
            char c = keys[i];
            if (c == '\n' && last == '\r') {
                last = c;
                continue;
            }
            last = c;
            if (c == '\r' || c == '\n') {
                printf("\n");
                line[len] = 0;
                run(line);
                len = 0;
                if (lines && ++done == lines) {
                    printf("console: %u lines\n", done);
                    pass();
                }
                printf("> ");
            } else if (c == 0x7f || c == '\b') {
                if (len) {
                    len--;
                    printf("\b \b");
                }
            } else if ((unsigned char)c >= 0x20 && len < LINE_MAX) {
                line[len++] = c;
                char s[2] = { c, 0 };
                printf("%s", s);
            }
        }
    }
}

static void flood(uint32_t bytes)
{
    char line[65];
    uint32_t i = 0, sent = 0;
    uint64_t t0 = guest_time_ns();
    while (sent < bytes) {
        snprintf(line, sizeof line, "flood %08u abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKL\n", i++);
        guest_console_write(line, 64);
        sent += 64;
    }
    uint64_t dt = guest_time_ns() - t0;
    printf("console: flood done, %u bytes in %u us\n", sent, (uint32_t)(dt / 1000));
}

static void attack_prod(void)
{
    volatile struct xencons_interface *r = console_ring();
    CHECK(r != 0, "no console ring mapped");
    uint64_t end = guest_time_ns() + 10 * SECOND;
    while (XENCONS_CONNECTION(r) != XENCONSOLE_CONNECTED) {
        CHECK(guest_time_ns() < end, "the console ring never connected");
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
    printf("console: ring connected, setting out_prod past the ring\n");
    /* the backend takes that line first: out_cons read while it is still consuming would move
     * under the new out_prod, and the index would not be exactly 100000 bytes ahead */
    while (r->out_cons != r->out_prod) {
        CHECK(guest_time_ns() < end, "the backend never took the console line before the attack");
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
    uint32_t cons = r->out_cons;
    r->out_prod = cons + 100000;
    mb();
    evtchn_send(console_evtchn());
    end = guest_time_ns() + 10 * SECOND;
    while (XENCONS_CONNECTION(r) == XENCONSOLE_CONNECTED) {
        CHECK(guest_time_ns() < end, "the backend still serves a ring whose out_prod is 100000 bytes ahead");
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
    printf("console: the backend disconnected the broken ring\n");
}

void guest_main(void)
{
    uint32_t bytes = cmdline_u32("flood", 0);
    char attack[16];

    if (cmdline_get("attack", attack, sizeof attack)) {
        CHECK(strcmp(attack, "prod") == 0, "attack=%s: expected prod", attack);
        attack_prod();
    } else if (bytes) {
        flood(bytes);
    } else {
        interactive(cmdline_u32("lines", 0));
    }
    pass();
}
