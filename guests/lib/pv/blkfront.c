/*
 * blkfront.c -- the kit's block frontend (see <oxen/blkfront.h>).
 *
 * Handshake as Mini-OS's blkfront.c (init_blkfront): read the backend's mode,
 * initialise and grant a one-page blkif ring, allocate an unbound port for the
 * backend, write ring-ref, event-channel and protocol "x86_32-abi" with the
 * state in one transaction (Initialised here; Mini-OS goes straight to
 * Connected), wait for the backend's Connected, read sectors, sector-size,
 * info, feature-flush-cache and feature-barrier, go Connected.
 *
 * Requests: the id on the ring is the request's shadow slot; each segment is
 * one page of the caller's buffer granted to the backend (read-only for
 * writes, as Mini-OS). A response ends its grants (the backend released them
 * before answering) and frees the slot.
 *
 * Reconnection (Linux blkfront's blkif_recover, with the state sequence of
 * Mini-OS's shutdown_blkfront): when the backend leaves Connected, take the
 * responses it posted, go Closing and Closed as it does, take the answers it
 * posted until it was Closed (or a new backend is already in InitWait), end
 * every grant, go Initialising,
 * wait for InitWait, and set up a fresh ring holding the in-flight requests in
 * their first submission order before going Initialised again. A backend that
 * goes Closing or Closed again before it is Connected (swapped twice in a row)
 * starts the sequence over, as Linux's blkfront follows any backend state.
 * After a resume in a new domain (pv_resumes moved) the next submit, push or
 * wait recovers instead (recover below).
 */
#include <oxen/pv.h>
#include <oxen/gnttab.h>
#include <oxen/xenstore.h>
#include <oxen/xenbus.h>
#include <oxen/blkfront.h>

#define PAGE 4096
#define SECOND 1000000000ull
#define MS 1000000ull
#define MAX_DEVICES 4
#define RECONNECT_NS (60 * SECOND)      /* for one reconnection to a backend that comes back */

static uint8_t ring_pages[MAX_DEVICES][PAGE] ALIGNED(PAGE);
static struct blkfront *ring_owner[MAX_DEVICES];

static void on_event(evtchn_port_t p, void *data)
{
    (void)p;
    ((struct blkfront *)data)->events++;
}

static uint64_t now(void) { return guest_time_ns(); }
static int reopen(struct blkfront *bf, uint64_t limit);
static void check_resumed(struct blkfront *bf);

/* Ends access to ref, waiting (until limit) while the backend still maps it. */
static void end_access(grant_ref_t ref, uint64_t limit, const char *what)
{
    int rc;
    while ((rc = gnttab_end_access(ref)) == -XEN_EBUSY) {
        CHECK(now() < limit, "blkfront: the backend still maps %s (ref %u)", what, ref);
        timer_oneshot(now() + MS);
        cpu_idle();
    }
}

static void put_on_ring(struct blkfront *bf, unsigned id)
{
    struct blkfront_request *r = bf->shadow[id];
    struct blkif_request *q = RING_GET_REQUEST(&bf->ring, bf->ring.req_prod_pvt);
    q->operation = r->op;
    q->handle = (blkif_vdev_t)bf->devid;
    q->id = id;
    q->sector_number = r->sector;
    uint32_t va = (uint32_t)r->buf, off = 0;
    unsigned n = 0;
    while (off < r->bytes) {
        uint32_t in = (va + off) & (PAGE - 1);
        uint32_t len = PAGE - in < r->bytes - off ? PAGE - in : r->bytes - off;
        grant_ref_t g = gnttab_grant_access(bf->dev.backend_id, pv_virt_to_mfn((void *)(va + off - in)),
                                            r->op == BLKIF_OP_WRITE);
        CHECK(g != GRANT_INVALID_REF, "blkfront: out of grant references");
        r->gref[n] = g;
        q->seg[n].gref = g;
        q->seg[n].first_sect = (uint8_t)(in / BLKIF_SECTOR_SIZE);
        q->seg[n].last_sect = (uint8_t)((in + len - 1) / BLKIF_SECTOR_SIZE);
        n++;
        off += len;
    }
    r->nr_segments = (uint8_t)n;
    q->nr_segments = (uint8_t)n;
    bf->ring.req_prod_pvt++;
}

static void setup_ring(struct blkfront *bf)
{
    struct blkif_sring *s = (struct blkif_sring *)bf->ring.sring;
    SHARED_RING_INIT(s);
    FRONT_RING_INIT(&bf->ring, s, PAGE);
    CHECK_EQ(RING_SIZE(&bf->ring), BLKFRONT_RING_SIZE, "blkif ring slots");
    bf->ring_ref = gnttab_grant_access(bf->dev.backend_id, pv_virt_to_mfn(s), 0);
    CHECK(bf->ring_ref != GRANT_INVALID_REF, "blkfront: no grant reference for the ring");
    CHECK_EQ(evtchn_alloc_unbound(bf->dev.backend_id, &bf->port), 0, "blkfront: alloc_unbound");
    CHECK_EQ(evtchn_bind_handler(bf->port, 0, on_event, bf), 0, "blkfront: bind the ring's port");
}

static void publish(struct blkfront *bf)
{
    for (;;) {
        uint32_t tx;
        CHECK_EQ(xs_transaction_start(&tx), 0, "blkfront: transaction start");
        CHECK_EQ(xenbus_printf(tx, bf->dev.node, "ring-ref", "%u", bf->ring_ref), 0, "blkfront: ring-ref");
        CHECK_EQ(xenbus_printf(tx, bf->dev.node, "event-channel", "%u", bf->port), 0, "blkfront: event-channel");
        CHECK_EQ(xenbus_printf(tx, bf->dev.node, "protocol", "%s", XEN_IO_PROTO_ABI_X86_32), 0, "blkfront: protocol");
        CHECK_EQ(xenbus_switch_state(tx, &bf->dev, XenbusStateInitialised), 0, "blkfront: state Initialised");
        if (xs_transaction_end(tx, 1) == 0)
            return;
        CHECK(strcmp(xs_error(), "EAGAIN") == 0, "blkfront: transaction end: %s", xs_error());
    }
}

static int read_key(struct blkfront *bf, const char *key, uint64_t *v, uint64_t dflt)
{
    int r = xenbus_read_u64(0, bf->dev.backend, key, v);
    if (r == XS_ERR && strcmp(xs_error(), "ENOENT") == 0) {
        *v = dflt;
        return 0;
    }
    return r;
}

/* Waits for Connected, reads the disk's properties, goes Connected: 0. 1: the
 * backend went Closing or Closed instead (it was swapped again before it
 * connected, or connected and left before we saw it); -1: a failure, printed. */
static int connected(struct blkfront *bf, uint64_t limit)
{
    enum xenbus_state last;
    uint64_t t = now();
    int s = xenbus_wait_backend_state(&bf->dev, XENBUS_STATE_BIT(XenbusStateConnected)
                                                    | XENBUS_STATE_BIT(XenbusStateClosing)
                                                    | XENBUS_STATE_BIT(XenbusStateClosed),
                                      limit > t ? limit - t : 0, &last);
    if (s < 0) {
        printf("blkfront: %s: the backend did not connect (state %d)\n", bf->dev.node, last);
        return -1;
    }
    if (s != XenbusStateConnected)
        return 1;
    uint64_t sectors, ssize, info, flush, barrier;
    if (xenbus_read_u64(0, bf->dev.backend, "sectors", &sectors) != 0
        || read_key(bf, "sector-size", &ssize, 512) != 0 || read_key(bf, "info", &info, 0) != 0
        || read_key(bf, "feature-flush-cache", &flush, 0) != 0
        || read_key(bf, "feature-barrier", &barrier, 0) != 0) {
        printf("blkfront: %s: the backend's sectors, sector-size, info or feature-* are not numbers\n", bf->dev.backend);
        return -1;
    }
    if (ssize < 512 || (ssize & (ssize - 1)) || ssize > PAGE) {
        printf("blkfront: %s: sector-size %u\n", bf->dev.backend, (uint32_t)ssize);
        return -1;
    }
    bf->sectors = sectors;
    bf->sector_size = (uint32_t)ssize;
    bf->info = (uint32_t)info;
    bf->feature_flush = flush == 1;
    bf->feature_barrier = barrier == 1;
    if (info & VDISK_READONLY)
        bf->readonly = 1;
    CHECK_EQ(xenbus_switch_state(0, &bf->dev, XenbusStateConnected), 0, "blkfront: state Connected");
    return 0;
}

int blkfront_init(struct blkfront *bf, const char *node, uint64_t timeout_ns)
{
    uint64_t limit = now() + timeout_ns;
    memset(bf, 0, sizeof *bf);
    unsigned slot = 0;
    while (slot < MAX_DEVICES && ring_owner[slot])
        slot++;
    CHECK(slot < MAX_DEVICES, "blkfront: more than %u devices", MAX_DEVICES);
    CHECK_EQ(timer_init(), 0, "blkfront: timer");
    gnttab_init();
    if (xenbus_device_init(&bf->dev, node, timeout_ns) != 0)
        return -1;
    const char *last = node;
    for (const char *p = node; *p; p++)
        if (*p == '/')
            last = p + 1;
    bf->devid = (unsigned)strtoull_kit(last, NULL);

    char path[192], mode[8];
    snprintf(path, sizeof path, "%s/mode", bf->dev.backend);
    if (xs_read(0, path, mode, sizeof mode) >= 0 && mode[0] == 'r')
        bf->readonly = 1;               /* the toolstack's access mode, read before connecting (Mini-OS) */
    ring_owner[slot] = bf;
    bf->resumes = pv_resumes;
    bf->ring.sring = (struct blkif_sring *)ring_pages[slot];
    setup_ring(bf);
    publish(bf);
    if (connected(bf, limit) != 0) {
        printf("blkfront: %s: the backend left before connecting\n", bf->dev.node);
        return -1;
    }
    printf("blkfront: %s: %u sectors of %u bytes (%u MiB)%s%s%s, ring-ref %u, event-channel %u\n", bf->dev.node,
           (uint32_t)bf->sectors, bf->sector_size, (uint32_t)(bf->sectors >> 11), bf->readonly ? ", read-only" : "",
           bf->feature_flush ? ", flush" : "", bf->feature_barrier ? ", barrier" : "", bf->ring_ref, bf->port);
    return 0;
}

unsigned blkfront_inflight(struct blkfront *bf)
{
    unsigned n = 0;
    for (unsigned i = 0; i < BLKFRONT_RING_SIZE; i++)
        n += bf->shadow[i] != NULL;
    return n;
}

int blkfront_submit(struct blkfront *bf, struct blkfront_request *req)
{
    switch (req->op) {
    case BLKIF_OP_READ:
    case BLKIF_OP_WRITE: {
        uint32_t va = (uint32_t)req->buf;
        uint64_t nsect = req->bytes / BLKIF_SECTOR_SIZE;
        uint32_t align = bf->sector_size / BLKIF_SECTOR_SIZE;
        if (req->bytes == 0 || req->bytes % bf->sector_size || va % BLKIF_SECTOR_SIZE
            || req->sector % align || req->sector >= bf->sectors || nsect > bf->sectors - req->sector
            || (req->op == BLKIF_OP_WRITE && bf->readonly))
            return -XEN_EINVAL;
        /* pages the buffer touches */
        if (((va & (PAGE - 1)) + req->bytes + PAGE - 1) / PAGE > BLKIF_MAX_SEGMENTS_PER_REQUEST)
            return -XEN_EINVAL;
        break;
    }
    case BLKIF_OP_FLUSH_DISKCACHE:
        if (!bf->feature_flush)
            return -XEN_EINVAL;
        req->bytes = 0;
        req->sector = 0;
        break;
    case BLKIF_OP_WRITE_BARRIER:
        if (!bf->feature_barrier)
            return -XEN_EINVAL;
        req->bytes = 0;
        req->sector = 0;
        break;
    default:
        return -XEN_EINVAL;
    }
    check_resumed(bf);
    if (RING_FULL(&bf->ring))
        return -XEN_EAGAIN;
    unsigned id = 0;
    while (id < BLKFRONT_RING_SIZE && bf->shadow[id])
        id++;
    if (id == BLKFRONT_RING_SIZE)
        return -XEN_EAGAIN;
    req->seq = bf->next_seq++;
    bf->shadow[id] = req;
    put_on_ring(bf, id);
    bf->submitted++;
    return 0;
}

void blkfront_push(struct blkfront *bf)
{
    int notify;
    check_resumed(bf);
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&bf->ring, notify);
    if (notify) {
        evtchn_send(bf->port);
        bf->kicks++;
    }
}

unsigned blkfront_poll(struct blkfront *bf)
{
    unsigned n = 0;
    check_resumed(bf);
    RING_IDX prod;
    while ((prod = bf->ring.sring->rsp_prod) != bf->ring.rsp_cons) {
        rmb();                          /* the responses after the index that published them */
        CHECK((RING_IDX)(prod - bf->ring.rsp_cons) <= (RING_IDX)(bf->ring.req_prod_pvt - bf->ring.rsp_cons),
              "blkfront: rsp_prod %u is beyond the requests outstanding (%u..%u)", prod, bf->ring.rsp_cons,
              bf->ring.req_prod_pvt);
        while (bf->ring.rsp_cons != prod) {
            struct blkif_response r = *(volatile struct blkif_response *)RING_GET_RESPONSE(&bf->ring, bf->ring.rsp_cons);
            bf->ring.rsp_cons++;
            CHECK(r.id < BLKFRONT_RING_SIZE && bf->shadow[r.id], "blkfront: a response for id %u, not in flight",
                  (uint32_t)r.id);
            struct blkfront_request *req = bf->shadow[r.id];
            CHECK(r.operation == req->op, "blkfront: response operation %u to request operation %u", r.operation,
                  req->op);
            for (unsigned s = 0; s < req->nr_segments; s++)
                CHECK(gnttab_end_access(req->gref[s]) == 0,
                      "blkfront: the backend answered request %u while it still maps its segment %u",
                      (uint32_t)r.id, s);
            bf->shadow[r.id] = NULL;
            bf->completed++;
            n++;
            req->done(req, r.status);
        }
    }
    return n;
}

/* One reconnection (see the top of this file): 0 once the new backend is
 * Connected, 1 when it left again before connecting (the caller starts over:
 * the ring just set up holds the requests still in flight). */
static int reconnect_once(struct blkfront *bf, enum xenbus_state seen, uint64_t limit)
{
    enum xenbus_state last;
    uint64_t t = now();
    uint64_t left = limit > t ? limit - t : 0;
    bf->reconnects++;
    blkfront_poll(bf);                  /* what the old backend answered before it left */
    printf("blkfront: %s: backend state %d: reconnecting with %u requests in flight\n", bf->dev.node, seen,
           blkfront_inflight(bf));
    CHECK_EQ(xenbus_switch_state(0, &bf->dev, XenbusStateClosing), 0, "blkfront: state Closing");
    CHECK(xenbus_wait_backend_state(&bf->dev,
                                    XENBUS_STATE_BIT(XenbusStateClosing) | XENBUS_STATE_BIT(XenbusStateClosed)
                                        | XENBUS_STATE_BIT(XenbusStateInitWait), left, &last) >= 0,
          "blkfront: the backend did not close (state %d)", last);
    CHECK_EQ(xenbus_switch_state(0, &bf->dev, XenbusStateClosed), 0, "blkfront: state Closed");
    /* the old backend Closed (or a new one already waits): nothing of ours is mapped any more */
    t = now();
    CHECK(xenbus_wait_backend_state(&bf->dev, XENBUS_STATE_BIT(XenbusStateClosed) | XENBUS_STATE_BIT(XenbusStateInitWait),
                                    limit > t ? limit - t : 0, &last) >= 0,
          "blkfront: the backend did not reach Closed (state %d)", last);
    /* a backend may answer until it is Closed (xenbus writes Closing before it disconnects):
     * take those last answers, or their requests would run twice */
    blkfront_poll(bf);
    evtchn_unbind_handler(bf->port);
    evtchn_close(bf->port);
    end_access(bf->ring_ref, limit, "the ring");
    for (unsigned id = 0; id < BLKFRONT_RING_SIZE; id++) {
        struct blkfront_request *r = bf->shadow[id];
        if (r)
            for (unsigned s = 0; s < r->nr_segments; s++)
                end_access(r->gref[s], limit, "a segment");
    }
    return reopen(bf, limit);
}

/* The second half of a reconnection: Initialising, wait for the new backend's
 * InitWait, a fresh ring holding the requests in flight (oldest first), then
 * Initialised and Connected. 0, or 1 when the backend left again first. */
static int reopen(struct blkfront *bf, uint64_t limit)
{
    enum xenbus_state last;
    uint64_t t;
    CHECK_EQ(xenbus_switch_state(0, &bf->dev, XenbusStateInitialising), 0, "blkfront: state Initialising");
    t = now();
    CHECK(xenbus_wait_backend_state(&bf->dev, XENBUS_STATE_BIT(XenbusStateInitWait), limit > t ? limit - t : 0,
                                    &last) >= 0,
          "blkfront: no backend came back (state %d)", last);

    /* a fresh ring with the requests in flight, oldest first */
    setup_ring(bf);
    uint8_t placed[BLKFRONT_RING_SIZE] = { 0 };
    unsigned n = 0;
    for (;;) {
        unsigned best = BLKFRONT_RING_SIZE;
        for (unsigned id = 0; id < BLKFRONT_RING_SIZE; id++) {
            struct blkfront_request *r = bf->shadow[id];
            if (r && !placed[id] && (best == BLKFRONT_RING_SIZE || r->seq < bf->shadow[best]->seq))
                best = id;
        }
        if (best == BLKFRONT_RING_SIZE)
            break;
        put_on_ring(bf, best);
        placed[best] = 1;
        n++;
    }
    bf->resubmitted += n;
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&bf->ring, notify);
    (void)notify;                       /* the backend scans the ring when it binds */
    publish(bf);
    int r = connected(bf, limit);
    CHECK(r >= 0, "blkfront: %s: reconnection failed", bf->dev.node);
    if (r == 1) {
        printf("blkfront: %s: the backend left again before connecting (%u)\n", bf->dev.node, bf->reconnects);
        return 1;
    }
    evtchn_send(bf->port);
    printf("blkfront: %s: reconnected (%u), %u requests resubmitted\n", bf->dev.node, bf->reconnects, n);
    return 0;
}

/* Reconnects until a backend stays long enough to connect, each attempt with
 * its own time limit (a backend swapped again and again is waited for). */
static void reconnect(struct blkfront *bf, enum xenbus_state seen)
{
    while (reconnect_once(bf, seen, now() + RECONNECT_NS) != 0)
        seen = xenbus_backend_state(&bf->dev);
}

/* After a resume in a new domain (restore, migration: Linux's blkfront_resume
 * and blkif_recover): the old domain's backend, event channel and grants went
 * with it, so the old ring is dropped unread and every request in flight goes
 * again on a new ring to the backend the toolstack made for the new domain
 * (its directory names the new domain: the device is looked up again). A write
 * that the old backend had done is done again with the same data; the source
 * runtime closed its disk before this domain ran. */
static void recover(struct blkfront *bf)
{
    char node[sizeof bf->dev.node];
    bf->resumes = pv_resumes;
    bf->reconnects++;
    printf("blkfront: %s: resumed in a new domain: reconnecting with %u requests in flight\n", bf->dev.node,
           blkfront_inflight(bf));
    strlcpy(node, bf->dev.node, sizeof node);
    xenbus_device_release(&bf->dev);    /* the old backend's watch, which xs_resume registered again */
    CHECK(xenbus_device_init(&bf->dev, node, RECONNECT_NS) == 0, "blkfront: %s: no device after the resume", node);
    while (reopen(bf, now() + RECONNECT_NS) != 0)
        reconnect(bf, xenbus_backend_state(&bf->dev));
}

/* Recovers first if the domain was resumed in a new one since this device last connected. */
static void check_resumed(struct blkfront *bf)
{
    if (bf->resumes != pv_resumes)
        recover(bf);
}

unsigned blkfront_wait(struct blkfront *bf, uint64_t timeout_ns)
{
    uint64_t limit = now() + timeout_ns;
    for (;;) {
        uint32_t seen = bf->events;
        if (bf->resumes != pv_resumes) {
            recover(bf);
            limit = now() + timeout_ns;
        }
        unsigned n = blkfront_poll(bf);
        if (n)
            return n;
        if (xenbus_backend_changed(&bf->dev)) {
            enum xenbus_state s = xenbus_backend_state(&bf->dev);
            if (s != XenbusStateConnected) {
                reconnect(bf, s);
                limit = now() + timeout_ns;   /* the wait for responses starts again */
                continue;
            }
        }
        int more;
        RING_FINAL_CHECK_FOR_RESPONSES(&bf->ring, more);
        if (more)
            continue;
        if (blkfront_inflight(bf) == 0)
            return 0;
        CHECK(now() < limit, "blkfront: %s: no response in %u ms with %u requests in flight", bf->dev.node,
              (uint32_t)(timeout_ns / MS), blkfront_inflight(bf));
        if (bf->events == seen) {
            uint64_t t0 = now();
            timer_oneshot(limit);
            cpu_idle();
            bf->sleeps++;
            bf->slept_ns += now() - t0;
        }
    }
}

struct sync_wait { volatile int done; int status; };

static void sync_done(struct blkfront_request *req, int status)
{
    struct sync_wait *w = req->data;
    w->status = status;
    w->done = 1;
}

static int sync_io(struct blkfront *bf, struct blkfront_request *req)
{
    struct sync_wait w = { 0, 0 };
    req->done = sync_done;
    req->data = &w;
    int rc;
    while ((rc = blkfront_submit(bf, req)) == -XEN_EAGAIN)
        blkfront_wait(bf, 30 * SECOND);
    if (rc)
        return rc;
    blkfront_push(bf);
    while (!w.done)
        blkfront_wait(bf, 30 * SECOND);
    return w.status;
}

int blkfront_io(struct blkfront *bf, uint8_t op, uint64_t sector, void *buf, uint32_t bytes)
{
    struct blkfront_request req = { .op = op, .sector = sector, .buf = buf, .bytes = bytes };
    return sync_io(bf, &req);
}

int blkfront_flush(struct blkfront *bf)
{
    struct blkfront_request req = { .op = BLKIF_OP_FLUSH_DISKCACHE };
    if (!bf->feature_flush) {
        if (!bf->feature_barrier)
            return BLKIF_RSP_OKAY;
        req.op = BLKIF_OP_WRITE_BARRIER;
    }
    return sync_io(bf, &req);
}

void blkfront_shutdown(struct blkfront *bf)
{
    enum xenbus_state last;
    uint64_t limit = now() + 30 * SECOND;
    while (blkfront_inflight(bf))
        blkfront_wait(bf, 30 * SECOND);
    CHECK_EQ(xenbus_switch_state(0, &bf->dev, XenbusStateClosing), 0, "blkfront: state Closing");
    CHECK(xenbus_wait_backend_state(&bf->dev, XENBUS_STATE_BIT(XenbusStateClosing) | XENBUS_STATE_BIT(XenbusStateClosed),
                                    30 * SECOND, &last) >= 0,
          "blkfront: the backend did not follow to Closing (state %d)", last);
    CHECK_EQ(xenbus_switch_state(0, &bf->dev, XenbusStateClosed), 0, "blkfront: state Closed");
    CHECK(xenbus_wait_backend_state(&bf->dev, XENBUS_STATE_BIT(XenbusStateClosed), 30 * SECOND, &last) >= 0,
          "blkfront: the backend did not follow to Closed (state %d)", last);
    evtchn_unbind_handler(bf->port);
    evtchn_close(bf->port);
    end_access(bf->ring_ref, limit, "the ring");
    xenbus_device_release(&bf->dev);
    for (unsigned i = 0; i < MAX_DEVICES; i++)
        if (ring_owner[i] == bf)
            ring_owner[i] = NULL;
}
