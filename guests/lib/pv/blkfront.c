/*
 * blkfront.c -- the kit's block frontend (see <oxen/blkfront.h>): the
 * connection. The requests (queue, ring, persistent grants, waiting) are in
 * blkfront_io.c.
 *
 * Handshake as Mini-OS's blkfront.c (init_blkfront), with the features Linux's
 * xen-blkfront negotiates (talk_to_blkback, blkfront_gather_backend_features):
 * read the backend's mode and max-ring-page-order (it writes them before
 * InitWait), initialise
 * and grant a blkif ring of 2^order pages (ring-ref, or ring-page-order and
 * ring-ref0..), grant each ring slot's indirect page, allocate an unbound port
 * for the backend, write the ring references, event-channel, protocol
 * "x86_32-abi" and feature-persistent with the state in one transaction
 * (Initialised here; Mini-OS goes straight to Connected), wait for the
 * backend's Connected, read sectors, sector-size, info, feature-flush-cache,
 * feature-barrier, feature-persistent and feature-max-indirect-segments, go
 * Connected.
 *
 * Reconnection (Linux blkfront's blkif_recover, with the state sequence of
 * Mini-OS's shutdown_blkfront): when the backend leaves Connected, take the
 * responses it posted, go Closing and Closed as it does, take the answers it
 * posted until it was Closed (or a new backend is already in InitWait), end
 * every grant, put the requests still in flight back at the head of the queue
 * in their first submission order, go Initialising, wait for InitWait, set up a
 * fresh ring and go Initialised again; once Connected the queue goes on the
 * new ring. A backend that goes Closing or Closed again before it is Connected
 * (swapped twice in a row) starts the sequence over, as Linux's blkfront
 * follows any backend state. After a resume in a new domain (pv_resumes
 * moved) the next push, poll or wait recovers instead (recover below).
 */
#include <oxen/pv.h>
#include <oxen/gnttab.h>
#include <oxen/xenstore.h>
#include <oxen/xenbus.h>
#include <oxen/blkfront.h>
#include "blkfront_internal.h"

#define MAX_DEVICES 4
#define RECONNECT_NS (60 * SECOND)      /* for one reconnection to a backend that comes back */

/* Not cleared by head.S (link.ld's .bss.noclear, as vcpu.c's stacks): a PV domain's memory comes
 * zeroed, and every program links this file, so clearing 1 MiB it may never use would make every
 * domain hold it. Both are written before they are read. */
static uint8_t ring_pages[MAX_DEVICES][PAGE << BLKFRONT_RING_ORDER] ALIGNED(PAGE) __attribute__((section(".bss.noclear")));
static uint8_t indirect_pages[MAX_DEVICES][BLKFRONT_RING_MAX][PAGE] ALIGNED(PAGE) __attribute__((section(".bss.noclear")));
static struct blkfront *ring_owner[MAX_DEVICES];

static int reopen(struct blkfront *bf, uint64_t limit);

static void on_event(evtchn_port_t p, void *data)
{
    (void)p;
    ((struct blkfront *)data)->events++;
}

/* Ends access to ref, waiting (until limit) while the backend still maps it. */
void blkfront_end_access(grant_ref_t ref, uint64_t limit, const char *what)
{
    int rc;
    while ((rc = gnttab_end_access(ref)) == -XEN_EBUSY) {
        CHECK(blkfront_now() < limit, "blkfront: the backend still maps %s (ref %u)", what, ref);
        timer_oneshot(blkfront_now() + MS);
        cpu_idle();
    }
}

/* The backend's key, at most cap; 0 when it does not offer it. */
static unsigned offered(struct blkfront *bf, const char *key, unsigned cap)
{
    uint64_t v;
    int r = xenbus_read_u64(0, bf->dev.backend, key, &v);
    if (r != 0) {
        if (r != XS_ERR || strcmp(xs_error(), "ENOENT") != 0)
            printf("blkfront: %s/%s: %s\n", bf->dev.backend, key, r == XS_ERR ? xs_error() : "not a number");
        return 0;
    }
    return v < cap ? (unsigned)v : cap;
}

static void setup_ring(struct blkfront *bf)
{
    /* the ring's size, from what the backend offers before its InitWait (talk_to_blkback) */
    bf->ring_order = (bf->flags & BLKFRONT_ONE_PAGE_RING) ? 0 : offered(bf, "max-ring-page-order", BLKFRONT_RING_ORDER);
    struct blkif_sring *s = (struct blkif_sring *)bf->ring.sring;
    SHARED_RING_INIT(s);
    FRONT_RING_INIT(&bf->ring, s, PAGE << bf->ring_order);
    CHECK(RING_SIZE(&bf->ring) <= BLKFRONT_RING_MAX, "blkif ring slots %u", RING_SIZE(&bf->ring));
    for (unsigned i = 0; i < (1u << bf->ring_order); i++) {
        bf->ring_ref[i] = gnttab_grant_access(bf->dev.backend_id, pv_virt_to_mfn((uint8_t *)s + i * PAGE), 0);
        CHECK(bf->ring_ref[i] != GRANT_INVALID_REF, "blkfront: no grant reference for the ring");
    }
    for (unsigned id = 0; id < RING_SIZE(&bf->ring); id++) {
        bf->indirect_ref[id] = gnttab_grant_access(bf->dev.backend_id, pv_virt_to_mfn(bf->indirect[id]), 1);
        CHECK(bf->indirect_ref[id] != GRANT_INVALID_REF, "blkfront: no grant reference for an indirect page");
    }
    bf->open_id = -1;
    CHECK_EQ(evtchn_alloc_unbound(bf->dev.backend_id, &bf->port), 0, "blkfront: alloc_unbound");
    CHECK_EQ(evtchn_bind_handler(bf->port, 0, on_event, bf), 0, "blkfront: bind the ring's port");
}

/* Ends the ring's grants and port (the backend is Closed: nothing is mapped). */
static void teardown_ring(struct blkfront *bf, uint64_t limit)
{
    evtchn_unbind_handler(bf->port);
    evtchn_close(bf->port);
    for (unsigned i = 0; i < (1u << bf->ring_order); i++)
        blkfront_end_access(bf->ring_ref[i], limit, "the ring");
    for (unsigned id = 0; id < RING_SIZE(&bf->ring); id++)
        blkfront_end_access(bf->indirect_ref[id], limit, "an indirect page");
    blkfront_persistent_clear(bf, limit);
}

static void publish(struct blkfront *bf)
{
    for (;;) {
        uint32_t tx;
        CHECK_EQ(xs_transaction_start(&tx), 0, "blkfront: transaction start");
        if (bf->ring_order == 0) {
            CHECK_EQ(xenbus_printf(tx, bf->dev.node, "ring-ref", "%u", bf->ring_ref[0]), 0, "blkfront: ring-ref");
        } else {
            CHECK_EQ(xenbus_printf(tx, bf->dev.node, "ring-page-order", "%u", bf->ring_order), 0,
                     "blkfront: ring-page-order");
            for (unsigned i = 0; i < (1u << bf->ring_order); i++) {
                char key[16];
                snprintf(key, sizeof key, "ring-ref%u", i);
                CHECK(xenbus_printf(tx, bf->dev.node, key, "%u", bf->ring_ref[i]) == 0, "blkfront: ring-ref%u", i);
            }
        }
        CHECK_EQ(xenbus_printf(tx, bf->dev.node, "event-channel", "%u", bf->port), 0, "blkfront: event-channel");
        CHECK_EQ(xenbus_printf(tx, bf->dev.node, "protocol", "%s", XEN_IO_PROTO_ABI_X86_32), 0, "blkfront: protocol");
        CHECK_EQ(xenbus_printf(tx, bf->dev.node, "feature-persistent", "%u", (bf->flags & BLKFRONT_NO_PERSISTENT) ? 0 : 1),
                 0, "blkfront: feature-persistent");
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
    uint64_t t = blkfront_now();
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
    uint64_t sectors, ssize, info, flush, barrier, persistent;
    if (xenbus_read_u64(0, bf->dev.backend, "sectors", &sectors) != 0
        || read_key(bf, "sector-size", &ssize, 512) != 0 || read_key(bf, "info", &info, 0) != 0
        || read_key(bf, "feature-flush-cache", &flush, 0) != 0
        || read_key(bf, "feature-barrier", &barrier, 0) != 0
        || read_key(bf, "feature-persistent", &persistent, 0) != 0) {
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
    bf->persistent = persistent == 1 && !(bf->flags & BLKFRONT_NO_PERSISTENT);
    /* indirect requests, read once Connected as blkfront_gather_backend_features does */
    unsigned indirect = (bf->flags & BLKFRONT_NO_INDIRECT) ? 0
                                                           : offered(bf, "feature-max-indirect-segments", BLKFRONT_MAX_INDIRECT);
    bf->max_segments = indirect > BLKIF_MAX_SEGMENTS_PER_REQUEST ? indirect : BLKIF_MAX_SEGMENTS_PER_REQUEST;
    if (info & VDISK_READONLY)
        bf->readonly = 1;
    CHECK_EQ(xenbus_switch_state(0, &bf->dev, XenbusStateConnected), 0, "blkfront: state Connected");
    return 0;
}

int blkfront_init_flags(struct blkfront *bf, const char *node, uint64_t timeout_ns, unsigned flags)
{
    uint64_t limit = blkfront_now() + timeout_ns;
    memset(bf, 0, sizeof *bf);
    bf->flags = flags;
    bf->merge = !(flags & BLKFRONT_NO_MERGE);
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
    bf->indirect = indirect_pages[slot];
    enum xenbus_state st;
    CHECK(xenbus_wait_backend_state(&bf->dev, XENBUS_STATE_BIT(XenbusStateInitWait), timeout_ns, &st) >= 0,
          "blkfront: %s: the backend is not in InitWait (state %d)", bf->dev.node, st);
    setup_ring(bf);
    publish(bf);
    if (connected(bf, limit) != 0) {
        printf("blkfront: %s: the backend left before connecting\n", bf->dev.node);
        return -1;
    }
    printf("blkfront: %s: %u sectors of %u bytes (%u MiB)%s%s%s, %u-page ring of %u, %u segments a request%s, "
           "event-channel %u\n", bf->dev.node, (uint32_t)bf->sectors, bf->sector_size, (uint32_t)(bf->sectors >> 11),
           bf->readonly ? ", read-only" : "", bf->feature_flush ? ", flush" : "", bf->feature_barrier ? ", barrier" : "",
           1u << bf->ring_order, RING_SIZE(&bf->ring), bf->max_segments, bf->persistent ? ", persistent grants" : "",
           bf->port);
    return 0;
}

int blkfront_init(struct blkfront *bf, const char *node, uint64_t timeout_ns)
{
    return blkfront_init_flags(bf, node, timeout_ns, 0);
}

/* One reconnection (see the top of this file): 0 once the new backend is
 * Connected, 1 when it left again before connecting (the caller starts over). */
static int reconnect_once(struct blkfront *bf, enum xenbus_state seen, uint64_t limit)
{
    enum xenbus_state last;
    uint64_t t = blkfront_now();
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
    t = blkfront_now();
    CHECK(xenbus_wait_backend_state(&bf->dev, XENBUS_STATE_BIT(XenbusStateClosed) | XENBUS_STATE_BIT(XenbusStateInitWait),
                                    limit > t ? limit - t : 0, &last) >= 0,
          "blkfront: the backend did not reach Closed (state %d)", last);
    /* a backend may answer until it is Closed (xenbus writes Closing before it disconnects):
     * take those last answers, or their requests would run twice */
    struct blkfront_request *queued = bf->queue;
    bf->queue = NULL;                   /* (no refill of the old ring) */
    blkfront_poll(bf);
    bf->queue = queued;
    for (unsigned id = 0; id < BLKFRONT_RING_MAX; id++) {
        struct blkfront_shadow *sh = &bf->shadow[id];
        if (sh->first)
            for (unsigned s = 0; s < sh->transient; s++)
                blkfront_end_access(sh->gref[s], limit, "a segment");
        sh->transient = 0;
    }
    teardown_ring(bf, limit);
    bf->resubmitted += blkfront_requeue_in_flight(bf);
    return reopen(bf, limit);
}

/* The second half of a reconnection: Initialising, wait for the new backend's
 * InitWait, a fresh ring, Initialised, and once Connected the queue (the
 * requests in flight first, oldest first) on it. 0, or 1 when the backend left
 * again first. */
static int reopen(struct blkfront *bf, uint64_t limit)
{
    enum xenbus_state last;
    uint64_t t;
    unsigned n = blkfront_inflight(bf);
    CHECK_EQ(xenbus_switch_state(0, &bf->dev, XenbusStateInitialising), 0, "blkfront: state Initialising");
    t = blkfront_now();
    CHECK(xenbus_wait_backend_state(&bf->dev, XENBUS_STATE_BIT(XenbusStateInitWait), limit > t ? limit - t : 0,
                                    &last) >= 0,
          "blkfront: no backend came back (state %d)", last);

    setup_ring(bf);
    publish(bf);
    int r = connected(bf, limit);
    CHECK(r >= 0, "blkfront: %s: reconnection failed", bf->dev.node);
    if (r == 1) {
        printf("blkfront: %s: the backend left again before connecting (%u)\n", bf->dev.node, bf->reconnects);
        return 1;
    }
    blkfront_fill(bf);                           /* the requests in flight, oldest first, then the rest of the queue */
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&bf->ring, notify);
    (void)notify;
    evtchn_send(bf->port);
    printf("blkfront: %s: reconnected (%u), %u requests resubmitted\n", bf->dev.node, bf->reconnects, n);
    return 0;
}

/* Reconnects until a backend stays long enough to connect, each attempt with
 * its own time limit (a backend swapped again and again is waited for). */
void blkfront_reconnect_from(struct blkfront *bf, enum xenbus_state seen)
{
    while (reconnect_once(bf, seen, blkfront_now() + RECONNECT_NS) != 0)
        seen = xenbus_backend_state(&bf->dev);
}

void blkfront_reconnect(struct blkfront *bf)
{
    blkfront_reconnect_from(bf, xenbus_backend_state(&bf->dev));
}

/* After a resume in a new domain (restore, migration: Linux's blkfront_resume
 * and blkif_recover): the old domain's backend, event channel and grants went
 * with it (the grant table is a new, empty one), so the old ring is dropped
 * unread, the persistent grants forgotten without ending them, and every
 * request in flight goes again on a new ring to the backend the toolstack made
 * for the new domain (its directory names the new domain: the device is looked
 * up again). A write that the old backend had done is done again with the same
 * data; the source runtime closed its disk before this domain ran. */
void blkfront_recover(struct blkfront *bf)
{
    char node[sizeof bf->dev.node];
    bf->resumes = pv_resumes;
    bf->reconnects++;
    printf("blkfront: %s: resumed in a new domain: reconnecting with %u requests in flight\n", bf->dev.node,
           blkfront_inflight(bf));
    memset(bf->pg_pfn, 0, sizeof bf->pg_pfn);
    bf->pg_count = 0;
    for (unsigned id = 0; id < BLKFRONT_RING_MAX; id++)
        bf->shadow[id].transient = 0;
    bf->resubmitted += blkfront_requeue_in_flight(bf);
    strlcpy(node, bf->dev.node, sizeof node);
    xenbus_device_release(&bf->dev);    /* the old backend's watch, which xs_resume registered again */
    CHECK(xenbus_device_init(&bf->dev, node, RECONNECT_NS) == 0, "blkfront: %s: no device after the resume", node);
    while (reopen(bf, blkfront_now() + RECONNECT_NS) != 0)
        blkfront_reconnect_from(bf, xenbus_backend_state(&bf->dev));
}

/* Recovers first if the domain was resumed in a new one since this device last connected. */
void blkfront_check_resumed(struct blkfront *bf)
{
    if (bf->resumes != pv_resumes)
        blkfront_recover(bf);
}

void blkfront_shutdown(struct blkfront *bf)
{
    enum xenbus_state last;
    uint64_t limit = blkfront_now() + 30 * SECOND;
    while (blkfront_inflight(bf))
        blkfront_wait(bf, 30 * SECOND);
    CHECK_EQ(xenbus_switch_state(0, &bf->dev, XenbusStateClosing), 0, "blkfront: state Closing");
    CHECK(xenbus_wait_backend_state(&bf->dev, XENBUS_STATE_BIT(XenbusStateClosing) | XENBUS_STATE_BIT(XenbusStateClosed),
                                    30 * SECOND, &last) >= 0,
          "blkfront: the backend did not follow to Closing (state %d)", last);
    CHECK_EQ(xenbus_switch_state(0, &bf->dev, XenbusStateClosed), 0, "blkfront: state Closed");
    CHECK(xenbus_wait_backend_state(&bf->dev, XENBUS_STATE_BIT(XenbusStateClosed), 30 * SECOND, &last) >= 0,
          "blkfront: the backend did not follow to Closed (state %d)", last);
    teardown_ring(bf, limit);
    xenbus_device_release(&bf->dev);
    for (unsigned i = 0; i < MAX_DEVICES; i++)
        if (ring_owner[i] == bf)
            ring_owner[i] = NULL;
}
