/*
 * ringping -- the front end of a shared ring (<oxen/ring.h>) whose back end is
 * a Java backend in Domain-0, through the xenbus handshake. PV only.
 *
 * Command line: [node=device/vping/0] [count=N] (default 100000) [rtt=M]
 * (default 2000).
 *
 * The device is the toolstack's directory <node> (waited for up to 30 s). As
 * a split-driver frontend: grant a ring page to backend-id, allocate an
 * unbound port for it, write ring-ref and event-channel and go Initialised in
 * one transaction, wait for the backend's Connected, go Connected. Requests
 * are {id u32, pad u32, value u64} and each response {id, pad, value * 3 + 1}
 * (16-byte slots, 128 in the page, as GrantRingTest's Java ends).
 *   1. count pipelined requests, as many in flight as the ring holds: every
 *      response must come in order with the answer to its request; prints
 *      requests/s of guest time and the kicks and waits the event hold-off
 *      left.
 *   2. rtt single round trips (one request in flight, the guest waiting in
 *      SCHEDOP_block for the backend's event): prints the median, mean, min,
 *      99th percentile and max.
 * Then the ring's grant is ended while the backend still maps it (-EBUSY:
 * in use), Closing/Closed, waiting for the backend to follow each, and the
 * grant's end must succeed then (the backend unmapped it).
 */
#include <kit.h>
#include <oxen/pv.h>
#include <oxen/ring.h>
#include <oxen/gnttab.h>
#include <oxen/xenstore.h>
#include <oxen/xenbus.h>

#define PAGE 4096
#define SECOND 1000000000ull

struct ping_request { uint32_t id, pad; uint64_t value; };
struct ping_response { uint32_t id, pad; uint64_t value; };
DEFINE_RING_TYPES(ping, struct ping_request, struct ping_response);

static uint8_t ring_page[PAGE] ALIGNED(PAGE);
static struct ping_front_ring front;
static struct xenbus_device dev;
static evtchn_port_t port;
static grant_ref_t ring_ref;
static volatile uint32_t events;
static uint32_t kicks, waits;

static void on_event(evtchn_port_t p, void *data)
{
    (void)p; (void)data;
    events++;
}

static void connect(void)
{
    struct ping_sring *s = (struct ping_sring *)ring_page;
    SHARED_RING_INIT(s);
    FRONT_RING_INIT(&front, s, PAGE);
    CHECK_EQ(RING_SIZE(&front), 128, "ring slots in a page");
    ring_ref = gnttab_grant_access(dev.backend_id, pv_virt_to_mfn(s), 0);
    CHECK(ring_ref != GRANT_INVALID_REF, "no grant reference for the ring");
    CHECK_EQ(evtchn_alloc_unbound(dev.backend_id, &port), 0, "alloc_unbound for the backend");
    CHECK_EQ(evtchn_bind_handler(port, 0, on_event, NULL), 0, "bind the ring's port");

    for (;;) {
        uint32_t tx;
        CHECK_EQ(xs_transaction_start(&tx), 0, "transaction start");
        CHECK_EQ(xenbus_printf(tx, dev.node, "ring-ref", "%u", ring_ref), 0, "write ring-ref");
        CHECK_EQ(xenbus_printf(tx, dev.node, "event-channel", "%u", port), 0, "write event-channel");
        CHECK_EQ(xenbus_switch_state(tx, &dev, XenbusStateInitialised), 0, "switch to Initialised");
        if (xs_transaction_end(tx, 1) == 0)
            break;
        CHECK(strcmp(xs_error(), "EAGAIN") == 0, "transaction end: %s", xs_error());
    }
    enum xenbus_state last;
    int s4 = xenbus_wait_backend_state(&dev, XENBUS_STATE_BIT(XenbusStateConnected), 30 * SECOND, &last);
    CHECK(s4 == XenbusStateConnected, "the backend did not connect (state %d)", last);
    CHECK_EQ(xenbus_switch_state(0, &dev, XenbusStateConnected), 0, "switch to Connected");
    printf("ringping: connected to %s (domain %u): ring-ref %u, event-channel %u, %u slots\n", dev.backend,
           dev.backend_id, ring_ref, port, RING_SIZE(&front));
}

static void push(void)
{
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&front, notify);
    if (notify) {
        CHECK_EQ(evtchn_send(port), 0, "kick the backend");
        kicks++;
    }
}

/* Takes every response there is, checking each against its request;
 * returns how many. With none there, it asks for an event (the final check)
 * and sleeps until the backend's event arrives: the ring's notification rule
 * promises one, so a wait that sees none is a lost wake-up and fails. */
static uint32_t take_responses(uint32_t *answered)
{
    uint32_t seen = events;
    int more;
    RING_FINAL_CHECK_FOR_RESPONSES(&front, more);
    if (!more) {
        uint64_t limit = guest_time_ns() + 10 * SECOND;
        while (events == seen) {
            CHECK(guest_time_ns() < limit, "no event after %u responses: a lost wake-up", *answered);
            timer_oneshot(limit);
            cpu_idle();
        }
        waits++;
    }
    RING_IDX prod = front.sring->rsp_prod;
    rmb();                              /* the responses after the index that published them */
    CHECK((RING_IDX)(prod - front.rsp_cons) <= (RING_IDX)(front.req_prod_pvt - front.rsp_cons),
          "rsp_prod %u is beyond the requests outstanding (%u..%u)", prod, front.rsp_cons, front.req_prod_pvt);
    uint32_t n = 0;
    for (RING_IDX i = front.rsp_cons; i != prod; i++, n++) {
        struct ping_response r = *(volatile struct ping_response *)RING_GET_RESPONSE(&front, i);
        CHECK_EQ(r.id, *answered, "responses in order, none lost or doubled");
        CHECK(r.value == (1000ull + r.id) * 3 + 1, "the answer to request %u", r.id);
        (*answered)++;
    }
    front.rsp_cons = prod;
    return n;
}

static void queue_request(uint32_t id)
{
    struct ping_request *q = RING_GET_REQUEST(&front, front.req_prod_pvt);
    q->id = id;
    q->pad = 0;
    q->value = 1000ull + id;
    front.req_prod_pvt++;
}

static void pipelined(uint32_t count)
{
    uint32_t sent = 0, answered = 0;
    uint64_t t0 = guest_time_ns();
    while (answered < count) {
        while (sent < count && !RING_FULL(&front))
            queue_request(sent++);
        push();
        take_responses(&answered);
    }
    uint64_t dt = guest_time_ns() - t0;
    CHECK_EQ(sent, count, "requests sent");
    printf("ringping: %u requests answered in order in %u ms: %u requests/s; %u kicks, %u waits\n", count,
           (uint32_t)(dt / 1000000), dt ? (uint32_t)((uint64_t)count * SECOND / dt) : 0, kicks, waits);
}

#define MAX_SAMPLES 20000
static uint32_t samples[MAX_SAMPLES];

static void shell_sort(uint32_t *a, uint32_t n)
{
    static const uint32_t gaps[] = { 4001, 1750, 701, 301, 132, 57, 23, 10, 4, 1 };
    for (unsigned g = 0; g < sizeof gaps / sizeof gaps[0]; g++)
        for (uint32_t i = gaps[g]; i < n; i++) {
            uint32_t v = a[i], j = i;
            for (; j >= gaps[g] && a[j - gaps[g]] > v; j -= gaps[g])
                a[j] = a[j - gaps[g]];
            a[j] = v;
        }
}

static void round_trips(uint32_t count, uint32_t first_id)
{
    CHECK(count <= MAX_SAMPLES, "rtt=%u: at most %u", count, MAX_SAMPLES);
    uint64_t total = 0, min = ~0ull, max = 0;
    uint32_t answered = first_id;
    for (uint32_t i = 0; i < count; i++) {
        uint64_t t0 = guest_time_ns();
        queue_request(first_id + i);
        push();
        while (answered == first_id + i)
            take_responses(&answered);
        uint64_t dt = guest_time_ns() - t0;
        samples[i] = dt > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)dt;
        total += dt;
        if (dt < min)
            min = dt;
        if (dt > max)
            max = dt;
    }
    CHECK_EQ(answered, first_id + count, "round trips answered");
    if (count) {
        shell_sort(samples, count);
        printf("ringping: %u round trips: median %u ns, mean %u ns, min %u ns, p99 %u ns, max %u ns\n", count,
               samples[count / 2], (uint32_t)(total / count), (uint32_t)min, samples[count * 99 / 100],
               (uint32_t)max);
    }
}

static void disconnect(void)
{
    enum xenbus_state last;
    /* ending access while the backend still maps the ring: refused, and no new mapping can start */
    CHECK_EQ(gnttab_entry(ring_ref)->flags & (GTF_reading | GTF_writing), GTF_reading | GTF_writing,
             "the backend's mapping shows in the ring's grant");
    CHECK_EQ(gnttab_end_access(ring_ref), -XEN_EBUSY, "end access while the backend maps the ring");
    CHECK_EQ(xenbus_switch_state(0, &dev, XenbusStateClosing), 0, "switch to Closing");
    CHECK(xenbus_wait_backend_state(&dev, XENBUS_STATE_BIT(XenbusStateClosing) | XENBUS_STATE_BIT(XenbusStateClosed),
                                    30 * SECOND, &last) > 0,
          "the backend did not follow to Closing (state %d)", last);
    CHECK_EQ(xenbus_switch_state(0, &dev, XenbusStateClosed), 0, "switch to Closed");
    CHECK(xenbus_wait_backend_state(&dev, XENBUS_STATE_BIT(XenbusStateClosed), 30 * SECOND, &last) > 0,
          "the backend did not follow to Closed (state %d)", last);
    evtchn_unbind_handler(port);
    CHECK_EQ(evtchn_close(port), 0, "close the ring's port");
    CHECK_EQ(gnttab_end_access(ring_ref), 0, "end access to the ring (the backend unmapped it)");
    xenbus_device_release(&dev);
    printf("ringping: closed\n");
}

void guest_main(void)
{
    char node[64] = "device/vping/0";
    cmdline_get("node", node, sizeof node);
    uint32_t count = cmdline_u32("count", 100000);
    uint32_t rtt = cmdline_u32("rtt", 2000);
    irq_disable();                      /* events arrive while waiting in cpu_idle */
    CHECK_EQ(timer_init(), 0, "timer");
    xs_init();
    gnttab_init();
    CHECK(xenbus_device_init(&dev, node, 30 * SECOND) == 0, "no device %s", node);
    connect();
    pipelined(count);
    round_trips(rtt, count);
    disconnect();
    pass();
}
