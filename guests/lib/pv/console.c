/*
 * console.c -- the PV console: the console ring once a backend serves it,
 * HYPERVISOR_console_io before that (as Linux's hvc_xen and Mini-OS do).
 *
 * The ring is the page start_info.console.domU.mfn (struct xencons_interface),
 * which the builder maps in the start-of-day region (found through the M2P, as
 * Mini-OS's mfn_to_virt); its event channel is start_info.console.domU.evtchn.  Its connection byte (console.h, Xen 4.21)
 * says whether a backend serves it: the builder leaves it DISCONNECTED, the
 * backend (oxen's consoled) sets CONNECTED once it has mapped the page and
 * bound the port, and DISCONNECTED again when it stops.  Each write looks:
 *
 *  - disconnected: console_io, the hypervisor's debug console (xl dmesg), and
 *    the same bytes into out[] while it has room for the whole write, as
 *    Linux's hvc_xen and Mini-OS write the ring before xenconsoled attaches: a
 *    backend that connects reads from out_cons, so a guest that printed and
 *    then blocked is seen at once, not at its next write.  What does not fit
 *    goes into an early buffer (EARLY_BYTES, the oldest dropped), and so does
 *    everything after it until it is replayed, which keeps the order;
 *  - connected: the first such write replays the early buffer into the ring
 *    (as Linux replays its log to a console that registers late), then
 *    writes go to out[]: copy, wmb, out_prod, notify.  A full ring means the
 *    backend has not caught up (or rate-limits us): kick it and yield until
 *    it has room, as hvc_xen's domU_write_console does; if it disconnects
 *    meanwhile the rest goes to console_io.
 *
 * Command line console=io keeps every byte on console_io (a benchmark compares
 * the two paths); so does console_lend_ring(1) while a program uses its console
 * page for something else (the hostile program shapes it as a page table).  console_read() takes what the backend put into in[]
 * (keys typed at xl console).  A recursive spinlock keeps lines of different
 * vcpus apart; events are masked while a vcpu writes.
 */
#include <oxen/pv.h>

#define EARLY_BYTES 8192

static volatile struct xencons_interface *ring;
static int io_only;                 /* console=io */
static volatile int lent;           /* console_lend_ring(1): the program uses the page */
static int replayed;                /* the early buffer went into the ring */
static char early[EARLY_BYTES];
static uint32_t early_len;          /* bytes ever written early */
static volatile uint32_t lock;
static volatile uint32_t owner = ~0u;

void pv_console_init(void)
{
    const start_info_t *si = pv_start_info;
    char v[8];

    io_only = cmdline_get("console", v, sizeof v) && strcmp(v, "io") == 0;
    if (io_only || !si->console.domU.mfn)
        return;
    /* the builder maps the page in the start-of-day region (Mini-OS's mfn_to_virt) */
    ring = pv_mfn_to_virt(si->console.domU.mfn);
}

static int ring_connected(void)
{
    return ring && XENCONS_CONNECTION(ring) == XENCONSOLE_CONNECTED;
}

static void notify(void)
{
    evtchn_send_t send = { pv_start_info->console.domU.evtchn };
    HYPERVISOR_event_channel_op(EVTCHNOP_send, &send);
}

/* Writes all of s into out[], waiting for room; how many bytes went (less
 * only if the backend disconnected). */
static size_t ring_write(const char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        uint32_t cons = ring->out_cons, prod = ring->out_prod;
        mb();
        if (prod - cons >= sizeof ring->out) {       /* full: kick and wait */
            notify();
            HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
            if (!ring_connected())
                break;
            continue;
        }
        while (i < n && prod - cons < sizeof ring->out)
            ring->out[prod++ & (sizeof ring->out - 1)] = s[i++];
        wmb();
        ring->out_prod = prod;
    }
    notify();
    return i;
}

/* While no backend serves the ring: all of s into out[] if it has room for all
 * of it (no waiting, no notification: the backend reads from out_cons when it
 * connects), else nothing.  How many bytes went (n or 0). */
static size_t ring_put_unserved(const char *s, size_t n)
{
    uint32_t cons = ring->out_cons, prod = ring->out_prod;
    mb();
    if (prod - cons > sizeof ring->out || n > sizeof ring->out - (prod - cons))
        return 0;
    for (size_t i = 0; i < n; i++)
        ring->out[prod++ & (sizeof ring->out - 1)] = s[i];
    wmb();
    ring->out_prod = prod;
    return n;
}

static void early_keep(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        early[early_len++ % EARLY_BYTES] = s[i];
}

static void early_replay(void)
{
    uint32_t n = early_len < EARLY_BYTES ? early_len : EARLY_BYTES;
    uint32_t start = early_len - n;
    replayed = 1;
    for (uint32_t i = 0; i < n; ) {
        uint32_t at = (start + i) % EARLY_BYTES;
        uint32_t chunk = EARLY_BYTES - at < n - i ? EARLY_BYTES - at : n - i;
        if (ring_write(&early[at], chunk) < chunk)
            return;
        i += chunk;
    }
}

void guest_console_write(const char *s, size_t n)
{
    /* events masked (Linux's spin_lock_irqsave): an upcall that prints -- the kit's answer to
     * control/shutdown -- waits for this write instead of cutting into its ring update; not
     * while shared_info is unmapped (at boot and inside a suspend: a failure there still prints) */
    int masks = pv_shared_info_mapped;
    uint32_t irq = masks ? irq_save() : 0;
    unsigned me = smp_cpu_id();
    int nested = owner == me;

    if (!nested) {
        while (xchg32(&lock, 1))
            cpu_relax();
        owner = me;
    }
    size_t done = 0;
    int use_ring = !io_only && !lent;
    if (use_ring && ring_connected()) {
        if (!replayed)
            early_replay();
        done = ring_write(s, n);
    }
    if (done < n) {
        /* unserved: into the ring for the backend to come, unless earlier bytes wait in the
         * early buffer (they must reach the ring first); a backend that connected meanwhile may
         * have looked at the ring before these bytes: it is told (the connection flag is read
         * after out_prod is written, as the backend reads out_prod after setting the flag) */
        size_t kept = 0;
        if (use_ring && ring && (replayed || early_len == 0)) {
            kept = ring_put_unserved(s + done, n - done);
            mb();
            if (kept && ring_connected())
                notify();
        }
        HYPERVISOR_console_io(CONSOLEIO_write, n - done, s + done);
        if (!kept && !replayed)
            early_keep(s + done, n - done);
    }
    if (!nested) {
        owner = ~0u;
        barrier();
        lock = 0;
    }
    if (masks)
        irq_restore(irq);
}

size_t console_read(char *buf, size_t max)
{
    if (!ring_connected())
        return 0;
    if (!replayed && !io_only) {
        /* the backend connected (and notified) while we waited for keys:
         * show what we wrote before, now rather than at our next write */
        guest_console_write("", 0);
    }
    uint32_t cons = ring->in_cons, prod = ring->in_prod;
    mb();
    if (prod - cons > sizeof ring->in)              /* a broken backend: ignore */
        return 0;
    size_t n = 0;
    while (cons != prod && n < max)
        buf[n++] = ring->in[cons++ & (sizeof ring->in - 1)];
    mb();
    ring->in_cons = cons;
    if (n)
        notify();
    return n;
}

void console_lend_ring(int l)
{
    lent = l;
    barrier();
}

volatile struct xencons_interface *console_ring(void)
{
    return ring;
}

evtchn_port_t console_evtchn(void)
{
    return pv_start_info->console.domU.evtchn;
}
