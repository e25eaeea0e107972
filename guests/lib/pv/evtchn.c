/*
 * evtchn.c -- event channels (2-level ABI) and the upcall demultiplexer.
 *
 * A port is pending when its bit in shared_info.evtchn_pending is set;
 * Xen then sets bit port/32 of the notified vcpu's evtchn_pending_sel and
 * its evtchn_upcall_pending, and enters hypervisor_callback unless the
 * vcpu's upcall mask or the port's mask bit is set.  evtchn_do_upcall()
 * (called from the callback with events masked) clears upcall_pending,
 * takes the selector with xchg, and for each pending, unmasked port routed
 * to this vcpu clears the pending bit, then calls the port's handler.
 * Ports routed elsewhere stay pending for their own vcpu.
 */
#include <oxen/pv.h>

struct port_info {
    evtchn_handler_t handler;
    void *data;
};
static struct port_info ports[XEN_NR_EVENT_CHANNELS];
static volatile uint32_t routed[MAX_CPUS][XEN_NR_EVENT_CHANNELS / 32];
volatile uint32_t evtchn_upcalls[MAX_CPUS];
volatile uint32_t evtchn_unhandled;

static inline unsigned first_bit(uint32_t w)
{
    uint32_t b;
    __asm__("bsfl %1,%0" : "=r"(b) : "rm"(w) : "cc");
    return b;
}

#define WORD(port) ((port) / 32)
#define BIT(port)  ((port) % 32)

void evtchn_mask_all(void)
{
    for (unsigned w = 0; w < XEN_NR_EVENT_CHANNELS / 32; w++)
        pv_shared_info->evtchn_mask[w] = ~0u;
}

void evtchn_mask(evtchn_port_t port)
{
    set_bit(BIT(port), &pv_shared_info->evtchn_mask[WORD(port)]);
}

int evtchn_is_pending(evtchn_port_t port)
{
    return (pv_shared_info->evtchn_pending[WORD(port)] >> BIT(port)) & 1;
}

int evtchn_is_masked(evtchn_port_t port)
{
    return (pv_shared_info->evtchn_mask[WORD(port)] >> BIT(port)) & 1;
}

void evtchn_clear(evtchn_port_t port)
{
    clear_bit(BIT(port), &pv_shared_info->evtchn_pending[WORD(port)]);
}

int evtchn_bind_handler(evtchn_port_t port, unsigned cpu, evtchn_handler_t h, void *data)
{
    if (port >= XEN_NR_EVENT_CHANNELS || cpu >= MAX_CPUS)
        return -XEN_EINVAL;
    ports[port].handler = h;
    ports[port].data = data;
    for (unsigned c = 0; c < MAX_CPUS; c++)
        clear_bit(BIT(port), &routed[c][WORD(port)]);
    set_bit(BIT(port), &routed[cpu][WORD(port)]);
    return evtchn_unmask(port);
}

void evtchn_forget_all(void)
{
    evtchn_mask_all();
    for (unsigned p = 0; p < XEN_NR_EVENT_CHANNELS; p++)
        ports[p].handler = NULL;
    for (unsigned c = 0; c < MAX_CPUS; c++)
        for (unsigned w = 0; w < XEN_NR_EVENT_CHANNELS / 32; w++)
            routed[c][w] = 0;
}

/* The bindings evtchn_resume_bindings() makes again in a new domain. */
#define MAX_RESUMABLE 64
static struct resumable {
    unsigned virq;                  /* NR_VIRQS: an IPI */
    unsigned cpu;
    evtchn_handler_t handler;
    void *data;
    evtchn_port_t *port;
} resumable[MAX_RESUMABLE];
static unsigned resumables;

static int bind_resumable(const struct resumable *r)
{
    int rc = r->virq == NR_VIRQS ? evtchn_bind_ipi(r->cpu, r->port) : evtchn_bind_virq(r->virq, r->cpu, r->port);
    return rc ? rc : evtchn_bind_handler(*r->port, r->cpu, r->handler, r->data);
}

static int add_resumable(unsigned virq, unsigned cpu, evtchn_handler_t h, void *data, evtchn_port_t *port)
{
    if (resumables == MAX_RESUMABLE || cpu >= MAX_CPUS)
        return -XEN_ENOSPC;
    struct resumable r = { virq, cpu, h, data, port };
    int rc = bind_resumable(&r);
    if (rc == 0)
        resumable[resumables++] = r;
    return rc;
}

int evtchn_bind_virq_resumable(unsigned virq, unsigned cpu, evtchn_handler_t h, void *data, evtchn_port_t *port)
{
    if (virq >= NR_VIRQS)
        return -XEN_EINVAL;
    return add_resumable(virq, cpu, h, data, port);
}

int evtchn_bind_ipi_resumable(unsigned cpu, evtchn_handler_t h, void *data, evtchn_port_t *port)
{
    return add_resumable(NR_VIRQS, cpu, h, data, port);
}

void evtchn_resume_bindings(void)
{
    for (unsigned i = 0; i < resumables; i++) {
        int rc = bind_resumable(&resumable[i]);
        CHECK(rc == 0, "bind %s %u on vcpu %u again after the resume: %d", resumable[i].virq == NR_VIRQS ? "IPI" : "VIRQ",
              resumable[i].virq == NR_VIRQS ? *resumable[i].port : resumable[i].virq, resumable[i].cpu, rc);
    }
}

void evtchn_unbind_handler(evtchn_port_t port)
{
    if (port >= XEN_NR_EVENT_CHANNELS)
        return;
    evtchn_mask(port);
    for (unsigned c = 0; c < MAX_CPUS; c++)
        clear_bit(BIT(port), &routed[c][WORD(port)]);
    ports[port].handler = NULL;
}

void evtchn_do_upcall(void)
{
    unsigned cpu = smp_cpu_id();
    struct vcpu_info *vi = pv_vcpu_info(cpu);
    struct shared_info *s = pv_shared_info;
    uint32_t sel;

    evtchn_upcalls[cpu]++;
    vi->evtchn_upcall_pending = 0;
    barrier();
    while ((sel = xchg32(&vi->evtchn_pending_sel, 0)) != 0) {
        while (sel) {
            unsigned w = first_bit(sel);
            sel &= sel - 1;
            for (;;) {
                uint32_t pend = s->evtchn_pending[w] & ~s->evtchn_mask[w] & routed[cpu][w];
                if (!pend)
                    break;
                unsigned port = w * 32 + first_bit(pend);
                clear_bit(BIT(port), &s->evtchn_pending[w]);
                if (ports[port].handler)
                    ports[port].handler(port, ports[port].data);
                else
                    evtchn_unhandled++;
            }
        }
    }
}

/* ---- EVTCHNOP wrappers ----------------------------------------------- */
int evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port)
{
    evtchn_alloc_unbound_t op = { DOMID_SELF, remote, 0 };
    int rc = (int)HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &op);
    if (rc == 0)
        *port = op.port;
    return rc;
}

int evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port, evtchn_port_t *local)
{
    evtchn_bind_interdomain_t op = { remote, remote_port, 0 };
    int rc = (int)HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &op);
    if (rc == 0)
        *local = op.local_port;
    return rc;
}

int evtchn_bind_virq(unsigned virq, unsigned vcpu, evtchn_port_t *port)
{
    evtchn_bind_virq_t op = { virq, vcpu, 0 };
    int rc = (int)HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &op);
    if (rc == 0)
        *port = op.port;
    return rc;
}

int evtchn_bind_ipi(unsigned vcpu, evtchn_port_t *port)
{
    evtchn_bind_ipi_t op = { vcpu, 0 };
    int rc = (int)HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &op);
    if (rc == 0)
        *port = op.port;
    return rc;
}

int evtchn_send(evtchn_port_t port)
{
    evtchn_send_t op = { port };
    return (int)HYPERVISOR_event_channel_op(EVTCHNOP_send, &op);
}

int evtchn_close(evtchn_port_t port)
{
    evtchn_close_t op = { port };
    return (int)HYPERVISOR_event_channel_op(EVTCHNOP_close, &op);
}

int evtchn_unmask(evtchn_port_t port)
{
    evtchn_unmask_t op = { port };
    return (int)HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &op);
}

int evtchn_status(evtchn_port_t port, evtchn_status_t *st)
{
    memset(st, 0, sizeof *st);
    st->dom = DOMID_SELF;
    st->port = port;
    return (int)HYPERVISOR_event_channel_op(EVTCHNOP_status, st);
}
