/*
 * netfront.c -- the kit's network frontend (see <oxen/netfront.h>).
 *
 * Handshake as Mini-OS's netfront.c (init_netfront/_init_netfront): read mac
 * from the frontend's own directory, initialise and grant a tx and an rx ring,
 * grant the rx buffers and post them all, allocate one unbound port for the
 * backend (both rings share it), and write tx-ring-ref, rx-ring-ref,
 * event-channel, request-rx-copy=1 with the state in one transaction (plus
 * what Linux's talk_to_netback says about itself: feature-rx-notify=1,
 * feature-sg=1 when scatter-gather is asked for and the backend offers it,
 * and feature-no-csum-offload=1 when checksum offload is not asked for), then
 * wait for the backend's Connected. The backend's feature-rx-copy is
 * required, as Linux's netfront requires it.
 *
 * tx (network_tx_buf_gc, xennet_start_xmit): a frame is copied into tx
 * buffers (half pages, so no slot crosses a page), one slot each, whose pages
 * are granted read-only for the requests: the first slot's size is the whole
 * frame, each slot but the last flagged NETTXF_more_data, the first carrying
 * the checksum flags; each response ends its grant and frees its buffer. rx
 * (xennet_get_responses): the response sits in the request's slot and carries
 * its id; a frame is the status bytes at offset of each slot's buffer up to
 * the one without NETRXF_more_data (a single slot is delivered in place,
 * several are gathered into the device's reassembly buffer), the first slot's
 * checksum flags going with it to the receive callback; a slot in error makes
 * the frame an rx error; the same buffers and grants are posted again.
 *
 * Reconnection (what Linux's netfront does across a backend's Closing, with
 * the state sequence of the kit's blkfront): take what the old backend
 * answered, go Closing and Closed as it does, take the answers it posted until
 * Closed, end every grant, go Initialising, wait for InitWait, and connect on
 * fresh rings with the rx buffers posted again and the unanswered frames sent
 * again in their first-send order; a backend that goes Closing or Closed again
 * before it connects (stopped again mid-handshake) makes it start over. After
 * a resume in a new domain (pv_resumes moved; restore, migration: Linux's
 * netfront_resume) the old backend, port
 * and grants went with the old domain: the next poll, send or wait looks the
 * device up again (its backend names the new domain) and connects to the new
 * backend on fresh rings, the unanswered frames sent again.
 */
#include <oxen/pv.h>
#include <oxen/gnttab.h>
#include <oxen/xenstore.h>
#include <oxen/xenbus.h>
#include <oxen/netfront.h>

#define PAGE 4096
#define SECOND 1000000000ull
#define MS 1000000ull
#define MAX_DEVICES 2
#define TX_BUF_SIZE (PAGE / 2)

enum { TX_FREE, TX_QUEUED, TX_ON_RING };

_Static_assert(NETFRONT_MAX_FRAME <= TX_BUF_SIZE, "a standard frame fits a tx buffer");
_Static_assert((NETFRONT_MAX_JUMBO + TX_BUF_SIZE - 1) / TX_BUF_SIZE <= 18, "a jumbo frame within XEN_NETIF_NR_SLOTS_MIN");
_Static_assert(NETFRONT_RX_BUFS <= NET_RX_RING_SIZE && NETFRONT_TX_BUFS <= NET_TX_RING_SIZE, "ring sizes");

static uint8_t tx_ring_pages[MAX_DEVICES][PAGE] ALIGNED(PAGE);
static uint8_t rx_ring_pages[MAX_DEVICES][PAGE] ALIGNED(PAGE);
static uint8_t rx_bufs[MAX_DEVICES][NETFRONT_RX_BUFS][PAGE] ALIGNED(PAGE);
static uint8_t tx_bufs[MAX_DEVICES][NETFRONT_TX_BUFS][TX_BUF_SIZE] ALIGNED(PAGE);
static uint8_t rx_frame[MAX_DEVICES][NETFRONT_MAX_JUMBO];   /* a frame over several rx slots */
static struct netfront *owner[MAX_DEVICES];

static uint64_t now(void) { return guest_time_ns(); }

static void on_event(evtchn_port_t p, void *data)
{
    (void)p;
    ((struct netfront *)data)->events++;
}

static void end_access(grant_ref_t ref, uint64_t limit, const char *what)
{
    int rc;
    while ((rc = gnttab_end_access(ref)) == -XEN_EBUSY) {
        CHECK(now() < limit, "netfront: the backend still uses %s (ref %u)", what, ref);
        timer_oneshot(now() + MS);
        cpu_idle();
    }
}

static int parse_mac(const char *s, uint8_t mac[6])
{
    for (int i = 0; i < 6; i++) {
        unsigned v = 0;
        for (int j = 0; j < 2; j++) {
            char c = *s++;
            unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
                       : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                       : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16u;
            if (d > 15)
                return -1;
            v = v * 16 + d;
        }
        mac[i] = (uint8_t)v;
        if (i < 5 && *s++ != ':')
            return -1;
    }
    return *s == 0 || *s == '\n' ? 0 : -1;
}

/* Puts tx buffer id on the ring (granting its page for this request). */
static void tx_put(struct netfront *nf, unsigned id)
{
    uint8_t *buf = tx_bufs[nf->slot][id];
    grant_ref_t g = gnttab_grant_access(nf->dev.backend_id, pv_virt_to_mfn(buf), 1);
    CHECK(g != GRANT_INVALID_REF, "netfront: out of grant references");
    nf->tx_gref[id] = g;
    struct netif_tx_request *q = RING_GET_REQUEST(&nf->tx, nf->tx.req_prod_pvt);
    q->gref = g;
    q->offset = (uint16_t)((uint32_t)buf & (PAGE - 1));
    q->flags = nf->tx_flags[id];
    q->id = (uint16_t)id;
    q->size = nf->tx_size[id];
    nf->tx.req_prod_pvt++;
    nf->tx_state[id] = TX_ON_RING;
}

static void rx_post(struct netfront *nf, unsigned id)
{
    struct netif_rx_request *q = RING_GET_REQUEST(&nf->rx, nf->rx.req_prod_pvt);
    q->id = (uint16_t)id;
    q->pad = 0;
    q->gref = nf->rx_gref[id];
    nf->rx.req_prod_pvt++;
}

static void push_tx(struct netfront *nf)
{
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&nf->tx, notify);
    if (notify) {
        evtchn_send(nf->port);
        nf->kicks++;
    }
}

static void push_rx(struct netfront *nf)
{
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&nf->rx, notify);
    if (notify) {
        evtchn_send(nf->port);
        nf->kicks++;
    }
}

/* Fresh rings: rx buffers granted and posted, the port allocated; the queued
 * and unanswered frames go on the tx ring in their first-send order. */
static unsigned setup_rings(struct netfront *nf)
{
    domid_t be = nf->dev.backend_id;
    struct netif_tx_sring *ts = (struct netif_tx_sring *)tx_ring_pages[nf->slot];
    struct netif_rx_sring *rs = (struct netif_rx_sring *)rx_ring_pages[nf->slot];
    memset(ts, 0, PAGE);
    memset(rs, 0, PAGE);
    nf->rx_slots = 0;                   /* a frame the old backend left half-delivered is gone */
    SHARED_RING_INIT(ts);
    SHARED_RING_INIT(rs);
    FRONT_RING_INIT(&nf->tx, ts, PAGE);
    FRONT_RING_INIT(&nf->rx, rs, PAGE);
    CHECK_EQ(RING_SIZE(&nf->tx), NET_TX_RING_SIZE, "netif tx ring slots");
    CHECK_EQ(RING_SIZE(&nf->rx), NET_RX_RING_SIZE, "netif rx ring slots");
    nf->tx_ring_ref = gnttab_grant_access(be, pv_virt_to_mfn(ts), 0);
    nf->rx_ring_ref = gnttab_grant_access(be, pv_virt_to_mfn(rs), 0);
    CHECK(nf->tx_ring_ref != GRANT_INVALID_REF && nf->rx_ring_ref != GRANT_INVALID_REF,
          "netfront: no grant reference for the rings");
    for (unsigned id = 0; id < NETFRONT_RX_BUFS; id++) {
        nf->rx_gref[id] = gnttab_grant_access(be, pv_virt_to_mfn(rx_bufs[nf->slot][id]), 0);
        CHECK(nf->rx_gref[id] != GRANT_INVALID_REF, "netfront: out of grant references");
        rx_post(nf, id);
    }
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&nf->rx, notify);
    (void)notify;                       /* the backend scans the rings when it binds */
    uint8_t placed[NETFRONT_TX_BUFS] = { 0 };
    unsigned n = 0;
    for (;;) {
        unsigned best = NETFRONT_TX_BUFS;
        for (unsigned id = 0; id < NETFRONT_TX_BUFS; id++)
            if (nf->tx_state[id] != TX_FREE && !placed[id]
                && (best == NETFRONT_TX_BUFS || (int32_t)(nf->tx_seq[id] - nf->tx_seq[best]) < 0))
                best = id;
        if (best == NETFRONT_TX_BUFS)
            break;
        placed[best] = 1;
        tx_put(nf, best);
        n++;
    }
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&nf->tx, notify);
    (void)notify;
    CHECK_EQ(evtchn_alloc_unbound(be, &nf->port), 0, "netfront: alloc_unbound");
    CHECK_EQ(evtchn_bind_handler(nf->port, 0, on_event, nf), 0, "netfront: bind the rings' port");
    return n;
}

static void publish(struct netfront *nf)
{
    for (;;) {
        uint32_t tx;
        const char *d = nf->dev.node;
        CHECK_EQ(xs_transaction_start(&tx), 0, "netfront: transaction start");
        CHECK_EQ(xenbus_printf(tx, d, "tx-ring-ref", "%u", nf->tx_ring_ref), 0, "netfront: tx-ring-ref");
        CHECK_EQ(xenbus_printf(tx, d, "rx-ring-ref", "%u", nf->rx_ring_ref), 0, "netfront: rx-ring-ref");
        CHECK_EQ(xenbus_printf(tx, d, "event-channel", "%u", nf->port), 0, "netfront: event-channel");
        CHECK_EQ(xenbus_printf(tx, d, "request-rx-copy", "1"), 0, "netfront: request-rx-copy");
        CHECK_EQ(xenbus_printf(tx, d, "feature-rx-notify", "1"), 0, "netfront: feature-rx-notify");
        CHECK_EQ(xenbus_printf(tx, d, "feature-sg", "%u", nf->sg), 0, "netfront: feature-sg");
        CHECK_EQ(xenbus_printf(tx, d, "feature-no-csum-offload", "%u", !nf->csum), 0,
                 "netfront: feature-no-csum-offload");
        CHECK_EQ(xenbus_switch_state(tx, &nf->dev, XenbusStateConnected), 0, "netfront: state Connected");
        if (xs_transaction_end(tx, 1) == 0)
            return;
        CHECK(strcmp(xs_error(), "EAGAIN") == 0, "netfront: transaction end: %s", xs_error());
    }
}

/* Waits for the backend to connect: 0. 1: it went Closing or Closed instead (it
 * was stopped or swapped again before it connected: the caller starts over, as
 * the kit's blkfront does); -1: a failure, printed. */
static int await_connected(struct netfront *nf, uint64_t limit)
{
    enum xenbus_state last;
    uint64_t t = now();
    int s = xenbus_wait_backend_state(&nf->dev, XENBUS_STATE_BIT(XenbusStateConnected)
                                                    | XENBUS_STATE_BIT(XenbusStateClosing)
                                                    | XENBUS_STATE_BIT(XenbusStateClosed),
                                      limit > t ? limit - t : 0, &last);
    if (s < 0) {
        printf("netfront: %s: the backend did not connect (state %d)\n", nf->dev.node, last);
        return -1;
    }
    if (s != XenbusStateConnected)
        return 1;
    nf->connected = 1;
    return 0;
}

int netfront_init(struct netfront *nf, const char *node, netfront_receive_t receive, void *data,
                  uint64_t timeout_ns)
{
    return netfront_init_features(nf, node, receive, data, timeout_ns, NETFRONT_F_SG | NETFRONT_F_CSUM);
}

int netfront_init_features(struct netfront *nf, const char *node, netfront_receive_t receive, void *data,
                           uint64_t timeout_ns, unsigned features)
{
    uint64_t limit = now() + timeout_ns;
    memset(nf, 0, sizeof *nf);
    unsigned slot = 0;
    while (slot < MAX_DEVICES && owner[slot])
        slot++;
    CHECK(slot < MAX_DEVICES, "netfront: more than %u devices", MAX_DEVICES);
    CHECK_EQ(timer_init(), 0, "netfront: timer");
    gnttab_init();
    nf->slot = slot;
    nf->receive = receive;
    nf->data = data;
    nf->features = features;
    nf->max_frame = NETFRONT_MAX_FRAME;
    if (xenbus_device_init(&nf->dev, node, timeout_ns) != 0)
        return -1;
    char path[192], mac[32];
    snprintf(path, sizeof path, "%s/mac", node);
    if (xs_read(0, path, mac, sizeof mac) < 0 || parse_mac(mac, nf->mac) != 0) {
        printf("netfront: %s: no valid mac (%s)\n", node, xs_error());
        return -1;
    }
    enum xenbus_state last;
    uint64_t t = now();
    if (xenbus_wait_backend_state(&nf->dev, XENBUS_STATE_BIT(XenbusStateInitWait) | XENBUS_STATE_BIT(XenbusStateConnected),
                                  limit > t ? limit - t : 0, &last) < 0) {
        printf("netfront: %s: the backend is not waiting for us (state %d)\n", node, last);
        return -1;
    }
    uint64_t rx_copy;
    if (xenbus_read_u64(0, nf->dev.backend, "feature-rx-copy", &rx_copy) != 0 || rx_copy != 1) {
        printf("netfront: %s: the backend does not offer feature-rx-copy\n", nf->dev.backend);
        return -1;
    }
    uint64_t sg = 0;
    xenbus_read_u64(0, nf->dev.backend, "feature-sg", &sg); /* absent: 0 */
    nf->sg = (features & NETFRONT_F_SG) && sg == 1;
    nf->csum = (features & NETFRONT_F_CSUM) != 0;
    nf->max_frame = nf->sg ? NETFRONT_MAX_JUMBO : NETFRONT_MAX_FRAME;
    owner[slot] = nf;
    nf->resumes = pv_resumes;
    setup_rings(nf);
    publish(nf);
    int r = await_connected(nf, limit);
    if (r != 0) {
        if (r == 1)
            printf("netfront: %s: the backend left before connecting\n", node);
        return -1;
    }
    evtchn_send(nf->port);
    printf("netfront: %s: mac %02x:%02x:%02x:%02x:%02x:%02x, tx-ring-ref %u, rx-ring-ref %u, event-channel %u, "
           "%u rx buffers, sg %d, csum offload %d, max frame %u\n", node, nf->mac[0], nf->mac[1], nf->mac[2],
           nf->mac[3], nf->mac[4], nf->mac[5], nf->tx_ring_ref, nf->rx_ring_ref, nf->port, NETFRONT_RX_BUFS, nf->sg,
           nf->csum, nf->max_frame);
    return 0;
}

unsigned netfront_tx_inflight(struct netfront *nf)
{
    unsigned n = 0;
    for (unsigned i = 0; i < NETFRONT_TX_BUFS; i++)
        n += nf->tx_state[i] != TX_FREE;
    return n;
}

static unsigned tx_gc(struct netfront *nf)
{
    unsigned n = 0;
    RING_IDX prod;
    while ((prod = nf->tx.sring->rsp_prod) != nf->tx.rsp_cons) {
        rmb();
        CHECK((RING_IDX)(prod - nf->tx.rsp_cons) <= (RING_IDX)(nf->tx.req_prod_pvt - nf->tx.rsp_cons),
              "netfront: tx rsp_prod %u is beyond the requests outstanding (%u..%u)", prod, nf->tx.rsp_cons,
              nf->tx.req_prod_pvt);
        while (nf->tx.rsp_cons != prod) {
            struct netif_tx_response r = *(volatile struct netif_tx_response *)RING_GET_RESPONSE(&nf->tx, nf->tx.rsp_cons);
            nf->tx.rsp_cons++;
            CHECK(r.id < NETFRONT_TX_BUFS && nf->tx_state[r.id] == TX_ON_RING,
                  "netfront: a tx response for id %u, not on the ring", (uint32_t)r.id);
            CHECK(gnttab_end_access(nf->tx_gref[r.id]) == 0,
                  "netfront: the backend answered tx %u while it still uses its grant", (uint32_t)r.id);
            if (r.status != NETIF_RSP_OKAY)
                nf->tx_errors++;
            nf->tx_state[r.id] = TX_FREE;
            n++;
        }
    }
    return n;
}

/* One rx slot's response: a frame whole, or a part of one (gathered until the
 * slot without NETRXF_more_data). */
static void rx_slot(struct netfront *nf, const struct netif_rx_response *r)
{
    int more = (r->flags & NETRXF_more_data) != 0;
    if (nf->rx_slots++ == 0) {
        nf->rx_flags = r->flags;
        nf->rx_len = 0;
        nf->rx_bad = 0;
    }
    /* no extras were asked for; a slot must lie in its page; only sg frontends get chains */
    if (r->status <= 0 || (r->flags & NETRXF_extra_info) || (uint32_t)r->offset + (uint32_t)r->status > PAGE
        || (more && !nf->sg) || nf->rx_len + (unsigned)r->status > NETFRONT_MAX_JUMBO) {
        nf->rx_bad = 1;
    } else if (nf->rx_slots > 1 || more) {
        memcpy(rx_frame[nf->slot] + nf->rx_len, rx_bufs[nf->slot][r->id] + r->offset, (unsigned)r->status);
    }
    if (!nf->rx_bad)
        nf->rx_len += (unsigned)r->status;
    if (more)
        return;
    unsigned slots = nf->rx_slots, flags = nf->rx_flags & (NETRXF_csum_blank | NETRXF_data_validated);
    nf->rx_slots = 0;
    if (nf->rx_bad) {
        nf->rx_errors++;
        return;
    }
    nf->rx_packets++;
    nf->rx_multislot += slots > 1;
    nf->rx_csum_blank += (flags & NETRXF_csum_blank) != 0;
    nf->rx_data_validated += (flags & NETRXF_data_validated) != 0;
    if (nf->receive)
        nf->receive(nf, slots > 1 ? rx_frame[nf->slot] : rx_bufs[nf->slot][r->id] + r->offset, nf->rx_len, flags,
                    nf->data);
}

static unsigned rx_take(struct netfront *nf)
{
    unsigned n = 0;
    RING_IDX prod;
    while ((prod = nf->rx.sring->rsp_prod) != nf->rx.rsp_cons) {
        rmb();
        CHECK((RING_IDX)(prod - nf->rx.rsp_cons) <= (RING_IDX)(nf->rx.req_prod_pvt - nf->rx.rsp_cons),
              "netfront: rx rsp_prod %u is beyond the requests outstanding (%u..%u)", prod, nf->rx.rsp_cons,
              nf->rx.req_prod_pvt);
        while (nf->rx.rsp_cons != prod) {
            struct netif_rx_response r = *(volatile struct netif_rx_response *)RING_GET_RESPONSE(&nf->rx, nf->rx.rsp_cons);
            nf->rx.rsp_cons++;
            CHECK(r.id < NETFRONT_RX_BUFS, "netfront: an rx response for id %u", (uint32_t)r.id);
            rx_slot(nf, &r);
            if (nf->connected)
                rx_post(nf, r.id);
            n++;
        }
    }
    if (n && nf->connected)
        push_rx(nf);
    return n;
}

/* Whether the toolstack is taking the device away (libxl's removal writes
 * online = 0 with Closing, then removes both directories), not swapping its
 * backend: then the frontend closes and stays closed. */
static int removed(struct netfront *nf)
{
    uint64_t online;
    if (xenbus_backend_state(&nf->dev) == XenbusStateUnknown)
        return 1;                       /* the backend's directory is gone */
    return xenbus_read_u64(0, nf->dev.backend, "online", &online) == 0 && online == 0;
}

/* What every way out of a connection does once the backend is Closed: take its
 * last answers, close the port, end every grant. */
static void release_rings(struct netfront *nf, uint64_t limit)
{
    /* a backend may answer until it is Closed: take those answers, or their frames would go twice */
    tx_gc(nf);
    rx_take(nf);
    evtchn_unbind_handler(nf->port);
    evtchn_close(nf->port);
    end_access(nf->tx_ring_ref, limit, "the tx ring");
    end_access(nf->rx_ring_ref, limit, "the rx ring");
    for (unsigned id = 0; id < NETFRONT_RX_BUFS; id++)
        end_access(nf->rx_gref[id], limit, "an rx buffer");
    for (unsigned id = 0; id < NETFRONT_TX_BUFS; id++)
        if (nf->tx_state[id] == TX_ON_RING)
            end_access(nf->tx_gref[id], limit, "a tx buffer");
}

/* The rings released and the device gone: what was unsent is dropped. */
static void forget(struct netfront *nf)
{
    unsigned dropped = netfront_tx_inflight(nf);
    for (unsigned id = 0; id < NETFRONT_TX_BUFS; id++)
        nf->tx_state[id] = TX_FREE;
    xenbus_device_release(&nf->dev);
    nf->gone = 1;
    printf("netfront: %s: the device was removed; %u frames unsent\n", nf->dev.node, dropped);
}

/* The device is going: Closing and Closed as the backend does (either may
 * fail once the toolstack has removed the directories), then nothing more. */
static void detach(struct netfront *nf, uint64_t limit)
{
    const unsigned gone = XENBUS_STATE_BIT(XenbusStateUnknown);
    xenbus_switch_state(0, &nf->dev, XenbusStateClosing);
    xenbus_wait_backend_state(&nf->dev, XENBUS_STATE_BIT(XenbusStateClosing) | XENBUS_STATE_BIT(XenbusStateClosed) | gone,
                              10 * SECOND, NULL);
    xenbus_switch_state(0, &nf->dev, XenbusStateClosed);
    xenbus_wait_backend_state(&nf->dev, XENBUS_STATE_BIT(XenbusStateClosed) | gone, 10 * SECOND, NULL);
    release_rings(nf, limit);
    forget(nf);
}

/* The end of every reconnection, the backend in InitWait: fresh rings (the rx
 * buffers posted again, the unanswered frames sent again), published, and the
 * wait for Connected. 0 once connected; 1 when the backend left again first
 * (nothing was sent: the caller starts over). */
static int reconnect_rings(struct netfront *nf, uint64_t limit, const char *what)
{
    unsigned n = setup_rings(nf);
    publish(nf);
    int r = await_connected(nf, limit);
    CHECK(r >= 0, "netfront: %s: %s failed", nf->dev.node, what);
    if (r == 1) {
        printf("netfront: %s: the backend left again before connecting (%u)\n", nf->dev.node, nf->reconnects);
        return 1;
    }
    nf->resent += n;
    evtchn_send(nf->port);
    printf("netfront: %s: reconnected (%u), %u frames sent again\n", nf->dev.node, nf->reconnects, n);
    return 0;
}

/* One reconnection (see the top of this file): 0 once the new backend is
 * Connected (or the device was removed), 1 when the backend left again before
 * connecting (the caller starts over). */
static int reconnect_once(struct netfront *nf, enum xenbus_state seen)
{
    enum xenbus_state last;
    uint64_t limit = now() + 60 * SECOND, t;
    tx_gc(nf);
    rx_take(nf);                        /* what the old backend delivered before it left */
    nf->connected = 0;
    if (removed(nf)) {
        detach(nf, limit);
        return 0;
    }
    nf->reconnects++;
    printf("netfront: %s: backend state %d: reconnecting with %u frames unanswered\n", nf->dev.node, seen,
           netfront_tx_inflight(nf));
    CHECK_EQ(xenbus_switch_state(0, &nf->dev, XenbusStateClosing), 0, "netfront: state Closing");
    CHECK(xenbus_wait_backend_state(&nf->dev,
                                    XENBUS_STATE_BIT(XenbusStateClosing) | XENBUS_STATE_BIT(XenbusStateClosed)
                                        | XENBUS_STATE_BIT(XenbusStateInitWait), 60 * SECOND, &last) >= 0,
          "netfront: the backend did not close (state %d)", last);
    CHECK_EQ(xenbus_switch_state(0, &nf->dev, XenbusStateClosed), 0, "netfront: state Closed");
    t = now();
    CHECK(xenbus_wait_backend_state(&nf->dev, XENBUS_STATE_BIT(XenbusStateClosed) | XENBUS_STATE_BIT(XenbusStateInitWait),
                                    limit > t ? limit - t : 0, &last) >= 0,
          "netfront: the backend did not reach Closed (state %d)", last);
    release_rings(nf, limit);
    CHECK_EQ(xenbus_switch_state(0, &nf->dev, XenbusStateInitialising), 0, "netfront: state Initialising");
    t = now();
    /* a new backend's InitWait, or the toolstack removing the device meanwhile */
    CHECK(xenbus_wait_backend_state(&nf->dev, XENBUS_STATE_BIT(XenbusStateInitWait) | XENBUS_STATE_BIT(XenbusStateUnknown),
                                    limit > t ? limit - t : 0, &last) >= 0,
          "netfront: no backend came back (state %d)", last);
    if (last == XenbusStateUnknown) {
        forget(nf);
        return 0;
    }
    return reconnect_rings(nf, limit, "reconnection");
}

/* Reconnects until a backend stays long enough to connect, each attempt with
 * its own time limit (a backend stopped again and again is waited for). */
static void reconnect(struct netfront *nf, enum xenbus_state seen)
{
    while (reconnect_once(nf, seen) != 0)
        seen = xenbus_backend_state(&nf->dev);
}

/* After a resume in a new domain (see the top of this file). */
static void recover(struct netfront *nf)
{
    char node[sizeof nf->dev.node];
    enum xenbus_state last;
    uint64_t limit = now() + 60 * SECOND, t;
    nf->resumes = pv_resumes;
    nf->connected = 0;
    nf->reconnects++;
    printf("netfront: %s: resumed in a new domain: reconnecting with %u frames unanswered\n", nf->dev.node,
           netfront_tx_inflight(nf));
    strlcpy(node, nf->dev.node, sizeof node);
    xenbus_device_release(&nf->dev);    /* the old backend's watch, which xs_resume registered again */
    CHECK(xenbus_device_init(&nf->dev, node, 60 * SECOND) == 0, "netfront: %s: no device after the resume", node);
    t = now();
    CHECK(xenbus_wait_backend_state(&nf->dev, XENBUS_STATE_BIT(XenbusStateInitWait), limit > t ? limit - t : 0,
                                    &last) >= 0,
          "netfront: %s: no backend after the resume (state %d)", node, last);
    if (reconnect_rings(nf, limit, "reconnection after the resume") != 0)
        reconnect(nf, xenbus_backend_state(&nf->dev));   /* the ordinary path from here */
}

unsigned netfront_poll(struct netfront *nf)
{
    if (nf->gone)
        return 0;
    if (nf->resumes != pv_resumes)
        recover(nf);
    unsigned n = tx_gc(nf) + rx_take(nf);
    if (xenbus_backend_changed(&nf->dev)) {
        enum xenbus_state s = xenbus_backend_state(&nf->dev);
        if (s != XenbusStateConnected)
            reconnect(nf, s);
    }
    return n;
}

static unsigned tx_free(struct netfront *nf)
{
    return NETFRONT_TX_BUFS - netfront_tx_inflight(nf);
}

int netfront_send(struct netfront *nf, const void *frame, unsigned len)
{
    return netfront_send_flags(nf, frame, len, 0);
}

int netfront_send_flags(struct netfront *nf, const void *frame, unsigned len, unsigned flags)
{
    if (len < 14 || len > nf->max_frame || (flags & ~(NETTXF_csum_blank | NETTXF_data_validated))
        || ((flags & NETTXF_csum_blank) && !nf->csum))
        return -XEN_EINVAL;
    if (nf->gone)
        return -XEN_ENODEV;
    if (nf->resumes != pv_resumes)
        recover(nf);
    unsigned slots = (len + TX_BUF_SIZE - 1) / TX_BUF_SIZE;
    if (tx_free(nf) < slots && nf->connected)
        tx_gc(nf);
    if (tx_free(nf) < slots) {
        nf->tx_full++;
        return -XEN_EAGAIN;
    }
    const uint8_t *p = frame;
    unsigned id = 0;
    for (unsigned s = 0, done = 0; s < slots; s++) {
        while (nf->tx_state[id] != TX_FREE)
            id++;
        unsigned chunk = len - done < TX_BUF_SIZE ? len - done : TX_BUF_SIZE;
        memcpy(tx_bufs[nf->slot][id], p + done, chunk);
        nf->tx_size[id] = (uint16_t)(s == 0 ? len : chunk);
        nf->tx_flags[id] = (uint16_t)((s == 0 ? flags : 0) | (s + 1 < slots ? NETTXF_more_data : 0));
        nf->tx_seq[id] = nf->next_seq++;   /* a frame's slots in order, for resending */
        done += chunk;
        if (!nf->connected)
            nf->tx_state[id] = TX_QUEUED;  /* the new rings take it */
        else
            tx_put(nf, id);
    }
    nf->tx_packets++;
    nf->tx_multislot += slots > 1;
    nf->tx_csum_blank += (flags & NETTXF_csum_blank) != 0;
    if (nf->connected)
        push_tx(nf);
    return 0;
}

unsigned netfront_wait(struct netfront *nf, uint64_t deadline_ns)
{
    if (nf->gone) {
        if (now() < deadline_ns) {
            timer_oneshot(deadline_ns);
            cpu_idle();
        }
        return 0;
    }
    uint32_t seen = nf->events;
    unsigned n = netfront_poll(nf);
    if (n)
        return n;
    int more_tx, more_rx;
    RING_FINAL_CHECK_FOR_RESPONSES(&nf->tx, more_tx);
    RING_FINAL_CHECK_FOR_RESPONSES(&nf->rx, more_rx);
    if (more_tx || more_rx)
        return netfront_poll(nf);
    if (nf->events == seen && now() < deadline_ns) {
        timer_oneshot(deadline_ns);
        cpu_idle();
    }
    return netfront_poll(nf);
}

void netfront_shutdown(struct netfront *nf)
{
    enum xenbus_state last;
    uint64_t limit = now() + 30 * SECOND;
    if (nf->gone) {
        owner[nf->slot] = NULL;
        return;
    }
    while (netfront_tx_inflight(nf) && now() < limit)
        netfront_wait(nf, now() + 10 * MS);
    nf->connected = 0;
    CHECK_EQ(xenbus_switch_state(0, &nf->dev, XenbusStateClosing), 0, "netfront: state Closing");
    CHECK(xenbus_wait_backend_state(&nf->dev, XENBUS_STATE_BIT(XenbusStateClosing) | XENBUS_STATE_BIT(XenbusStateClosed),
                                    30 * SECOND, &last) >= 0,
          "netfront: the backend did not follow to Closing (state %d)", last);
    CHECK_EQ(xenbus_switch_state(0, &nf->dev, XenbusStateClosed), 0, "netfront: state Closed");
    CHECK(xenbus_wait_backend_state(&nf->dev, XENBUS_STATE_BIT(XenbusStateClosed), 30 * SECOND, &last) >= 0,
          "netfront: the backend did not follow to Closed (state %d)", last);
    release_rings(nf, limit);
    xenbus_device_release(&nf->dev);
    owner[nf->slot] = NULL;
}
