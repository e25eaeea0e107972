/*
 * console.c -- PV console output.
 *
 * First choice is HYPERVISOR_console_io(CONSOLEIO_write), which oxen
 * provides to every guest (Xen proper only to privileged or debug-build
 * domains).  If it fails, the kit falls back for good to the console ring:
 * the page start_info.console.domU.mfn, mapped over a page of our .bss,
 * written as producer of out[] and kicked through the console event channel.
 * A recursive spinlock keeps lines of different vcpus apart.
 */
#include <oxen/pv.h>

static uint8_t ring_page[PAGE_SIZE] ALIGNED(PAGE_SIZE);
static struct xencons_interface *ring;
static int mode;                    /* 0: console_io, 1: ring, -1: nowhere */
static volatile uint32_t lock;
static volatile uint32_t owner = ~0u;

void pv_console_init(void)
{
    mode = 0;
}

static int ring_init(void)
{
    const start_info_t *si = pv_start_info;
    if (!si->console.domU.mfn)
        return -1;
    long rc = HYPERVISOR_update_va_mapping((uint32_t)ring_page,
                                           ((uint64_t)si->console.domU.mfn << PAGE_SHIFT) |
                                           PTE_P | PTE_RW | PTE_A | PTE_D,
                                           UVMF_INVLPG | UVMF_LOCAL);
    if (rc)
        return -1;
    ring = (struct xencons_interface *)ring_page;
    return 0;
}

static void ring_write(const char *s, size_t n)
{
    evtchn_send_t send = { pv_start_info->console.domU.evtchn };
    size_t i = 0;
    unsigned stalls = 0;

    while (i < n) {
        uint32_t cons = ring->out_cons, prod = ring->out_prod;
        barrier();
        if (prod - cons >= sizeof ring->out) {       /* full: kick and wait */
            HYPERVISOR_event_channel_op(EVTCHNOP_send, &send);
            HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
            if (++stalls > 100000)
                return;                              /* nobody reads: drop */
            continue;
        }
        ring->out[prod & (sizeof ring->out - 1)] = s[i++];
        barrier();
        ring->out_prod = prod + 1;
    }
    HYPERVISOR_event_channel_op(EVTCHNOP_send, &send);
}

void guest_console_write(const char *s, size_t n)
{
    unsigned me = smp_cpu_id();
    int nested = owner == me;

    if (!nested) {
        while (xchg32(&lock, 1))
            cpu_relax();
        owner = me;
    }
    if (mode == 0 && HYPERVISOR_console_io(CONSOLEIO_write, n, s) < 0)
        mode = ring_init() == 0 ? 1 : -1;
    if (mode == 1)
        ring_write(s, n);
    if (!nested) {
        owner = ~0u;
        barrier();
        lock = 0;
    }
}
