/*
 * blkfront.c -- the kit's block frontend (see <oxen/blkfront.h>).
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
 * Requests: submit queues; push (and every poll that freed slots) moves the
 * queue onto the ring, a caller request extending the last ring request of
 * this push when it continues it (same operation, the next sector: Linux's
 * back merge), and publishes with RING_PUSH_REQUESTS_AND_CHECK_NOTIFY. A
 * ring request's segments are written to its slot's indirect page; when it is
 * closed, up to 11 are copied into the slot (a direct request), more make it
 * BLKIF_OP_INDIRECT. The id on the ring is the shadow slot. Without persistent
 * grants each segment's page is granted for that request (read-only for
 * writes, as Mini-OS) and the grant ended at its response; with them, a
 * frame's grant is made once and kept (the backend keeps it mapped) until the
 * connection ends.
 *
 * Waiting: a short spin on rsp_prod before blocking (the backend usually
 * answers within microseconds while the guest runs; skipped for a while after
 * spins that found nothing), then RING_FINAL_CHECK_FOR_RESPONSES and
 * SCHEDOP_block until the event.
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

#define PAGE 4096
#define SECOND 1000000000ull
#define MS 1000000ull
#define MAX_DEVICES 4
#define RECONNECT_NS (60 * SECOND)      /* for one reconnection to a backend that comes back */


#define SPIN_NS (50 * 1000ull)          /* blkfront_wait's spin before it blocks */
#define SPIN_MISSES 4                   /* spins in a row that found nothing ... */
#define SPIN_BACKED_OFF 64              /* ... make this many waits block at once */

/* Not cleared by head.S (link.ld's .bss.noclear, as vcpu.c's stacks): a PV domain's memory comes
 * zeroed, and every program links this file, so clearing 1 MiB it may never use would make every
 * domain hold it. Both are written before they are read. */
static uint8_t ring_pages[MAX_DEVICES][PAGE << BLKFRONT_RING_ORDER] ALIGNED(PAGE) __attribute__((section(".bss.noclear")));
static uint8_t indirect_pages[MAX_DEVICES][BLKFRONT_RING_MAX][PAGE] ALIGNED(PAGE) __attribute__((section(".bss.noclear")));
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

/* ---- persistent grants: one per frame, kept for the connection ---------- */

#define PG_SLOTS (2 * BLKFRONT_PERSISTENT_FRAMES)

/* The persistent grant of boot-region frame pfn, granted (its mfn from the P2M)
 * on first use. Keyed by pfn: a hit costs no translation. */
static grant_ref_t persistent_ref(struct blkfront *bf, uint32_t pfn)
{
    unsigned h = (pfn * 2654435761u) & (PG_SLOTS - 1);
    while (bf->pg_pfn[h]) {
        if (bf->pg_pfn[h] == pfn + 1)
            return bf->pg_ref[h];
        h = (h + 1) & (PG_SLOTS - 1);
    }
    if (bf->pg_count == BLKFRONT_PERSISTENT_FRAMES)
        return GRANT_INVALID_REF;
    grant_ref_t g = gnttab_grant_access(bf->dev.backend_id, pv_pfn_to_frame(pfn), 0);   /* writable: the backend maps it so */
    if (g == GRANT_INVALID_REF)
        return g;
    bf->pg_pfn[h] = pfn + 1;
    bf->pg_ref[h] = g;
    bf->pg_count++;
    return g;
}

/* Ends every persistent grant (the backend has closed: nothing is mapped). */
static void persistent_clear(struct blkfront *bf, uint64_t limit)
{
    for (unsigned h = 0; h < PG_SLOTS; h++)
        if (bf->pg_pfn[h]) {
            end_access(bf->pg_ref[h], limit, "a persistent grant");
            bf->pg_pfn[h] = 0;
        }
    bf->pg_count = 0;
}

/* ---- ring requests ------------------------------------------------------ */

static int free_id(struct blkfront *bf)
{
    for (unsigned id = 0; id < RING_SIZE(&bf->ring); id++)
        if (!bf->shadow[id].first)
            return (int)id;
    return -1;
}

/* Appends req's pages as segments of ring request id: 0, or -1 when a grant
 * cannot be had (out of references, or the persistent frames used up); then
 * the ring request is as it was. */
static int add_segments(struct blkfront *bf, unsigned id, struct blkfront_request *req)
{
    struct blkfront_shadow *sh = &bf->shadow[id];
    uint16_t segments0 = sh->nr_segments, transient0 = sh->transient;
    struct blkif_request_segment *seg = (struct blkif_request_segment *)bf->indirect[id];
    uint32_t va = (uint32_t)req->buf, off = 0;
    while (off < req->bytes) {
        uint32_t in = (va + off) & (PAGE - 1);
        uint32_t len = PAGE - in < req->bytes - off ? PAGE - in : req->bytes - off;
        uint32_t pfn = (va + off - VIRT_BASE) >> 12;   /* a boot-region buffer (checked at submit) */
        grant_ref_t g;
        if (bf->persistent) {
            g = persistent_ref(bf, pfn);
        } else {
            g = gnttab_grant_access(bf->dev.backend_id, pv_pfn_to_frame(pfn), req->op == BLKIF_OP_WRITE);
            if (g != GRANT_INVALID_REF)
                sh->gref[sh->transient++] = g;
        }
        if (g == GRANT_INVALID_REF) {
            while (sh->transient > transient0)
                gnttab_end_access(sh->gref[--sh->transient]);   /* never given to the backend */
            sh->nr_segments = segments0;
            return -1;
        }
        seg[sh->nr_segments].gref = g;
        seg[sh->nr_segments].first_sect = (uint8_t)(in / BLKIF_SECTOR_SIZE);
        seg[sh->nr_segments].last_sect = (uint8_t)((in + len - 1) / BLKIF_SECTOR_SIZE);
        sh->nr_segments++;
        off += len;
    }
    sh->next_sector = req->sector + req->bytes / BLKIF_SECTOR_SIZE;
    return 0;
}

static unsigned pages_of(const struct blkfront_request *req)
{
    return (((uint32_t)req->buf & (PAGE - 1)) + req->bytes + PAGE - 1) / PAGE;
}

/* Writes ring request id into its slot: direct with up to 11 segments, else
 * indirect (the segments stay in its indirect page). */
static void close_request(struct blkfront *bf, unsigned id)
{
    struct blkfront_shadow *sh = &bf->shadow[id];
    struct blkif_request *q = RING_GET_REQUEST(&bf->ring, bf->ring.req_prod_pvt);
    uint64_t sector = sh->first->sector;
    if (sh->nr_segments <= BLKIF_MAX_SEGMENTS_PER_REQUEST) {
        q->operation = sh->op;
        q->nr_segments = (uint8_t)sh->nr_segments;
        q->handle = (blkif_vdev_t)bf->devid;
        q->id = id;
        q->sector_number = sector;
        memcpy(q->seg, bf->indirect[id], sh->nr_segments * sizeof(struct blkif_request_segment));
    } else {
        struct blkif_request_indirect *ind = (struct blkif_request_indirect *)q;
        ind->operation = BLKIF_OP_INDIRECT;
        ind->indirect_op = sh->op;
        ind->nr_segments = sh->nr_segments;
        ind->id = id;
        ind->sector_number = sector;
        ind->handle = (blkif_vdev_t)bf->devid;
        ind->indirect_grefs[0] = bf->indirect_ref[id];
    }
    bf->ring.req_prod_pvt++;
    bf->ring_requests++;
}

/* Completes req at once with status (it cannot go to this backend). */
static void refuse(struct blkfront *bf, struct blkfront_request *req, int status)
{
    bf->completed++;
    req->done(req, status);
}

/* Moves queued requests onto the ring while it has room, merging. Returns
 * whether ring requests were added (to publish). */
static int fill(struct blkfront *bf)
{
    int added = 0;
    while (bf->queue) {
        struct blkfront_request *req = bf->queue;
        int rw = req->op == BLKIF_OP_READ || req->op == BLKIF_OP_WRITE;
        if (rw && pages_of(req) > bf->max_segments) {
            bf->queue = req->next;
            printf("blkfront: %s: a request of %u bytes is more than this backend takes\n", bf->dev.node, req->bytes);
            refuse(bf, req, BLKIF_RSP_ERROR);
            continue;
        }
        if (bf->open_id >= 0) {
            struct blkfront_shadow *sh = &bf->shadow[bf->open_id];
            if (rw && sh->op == req->op && sh->next_sector == req->sector
                && sh->nr_segments + pages_of(req) <= bf->max_segments) {
                bf->queue = req->next;
                req->next = NULL;
                if (add_segments(bf, (unsigned)bf->open_id, req) != 0) {
                    printf("blkfront: %s: no grant for a request's pages (%u persistent frames)\n", bf->dev.node,
                           bf->pg_count);
                    refuse(bf, req, BLKIF_RSP_ERROR);
                    continue;
                }
                sh->last->next = req;
                sh->last = req;
                bf->merged++;
                continue;
            }
            close_request(bf, (unsigned)bf->open_id);
            bf->open_id = -1;
        }
        if (RING_FULL(&bf->ring))
            break;
        int id = free_id(bf);
        if (id < 0)
            break;
        bf->queue = req->next;
        req->next = NULL;
        struct blkfront_shadow *sh = &bf->shadow[id];
        sh->op = req->op;
        sh->nr_segments = 0;
        sh->transient = 0;
        if (rw && add_segments(bf, (unsigned)id, req) != 0) {
            printf("blkfront: %s: no grant for a request's pages (%u persistent frames)\n", bf->dev.node,
                   bf->pg_count);
            refuse(bf, req, BLKIF_RSP_ERROR);
            continue;
        }
        sh->first = sh->last = req;
        bf->open_id = id;
        added = 1;
        if (!rw || !bf->merge) {
            close_request(bf, (unsigned)id);
            bf->open_id = -1;
        }
    }
    if (bf->open_id >= 0) {
        close_request(bf, (unsigned)bf->open_id);
        bf->open_id = -1;
    }
    if (!bf->queue)
        bf->queue_tail = NULL;
    return added;
}

static void kick(struct blkfront *bf)
{
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&bf->ring, notify);
    if (notify) {
        evtchn_send(bf->port);
        bf->kicks++;
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
        end_access(bf->ring_ref[i], limit, "the ring");
    for (unsigned id = 0; id < RING_SIZE(&bf->ring); id++)
        end_access(bf->indirect_ref[id], limit, "an indirect page");
    persistent_clear(bf, limit);
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
    uint64_t limit = now() + timeout_ns;
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

unsigned blkfront_inflight(struct blkfront *bf)
{
    return bf->submitted - bf->completed;
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
        if (pages_of(req) > bf->max_segments)   /* pages the buffer touches */
            return -XEN_EINVAL;
        uint32_t frames = pv_p2m_size ? pv_p2m_size : pv_start_info->nr_pages;
        if (!pv_in_region(va, pages_of(req), frames))
            return -XEN_EINVAL;                 /* not in the boot region (its frames come from the P2M) */
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
    req->seq = bf->next_seq++;
    req->next = NULL;
    if (bf->queue_tail)
        bf->queue_tail->next = req;
    else
        bf->queue = req;
    bf->queue_tail = req;
    bf->submitted++;
    return 0;
}

void blkfront_push(struct blkfront *bf)
{
    check_resumed(bf);
    if (fill(bf))
        kick(bf);
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
            CHECK(r.id < RING_SIZE(&bf->ring) && bf->shadow[r.id].first, "blkfront: a response for id %u, not in flight",
                  (uint32_t)r.id);
            struct blkfront_shadow *sh = &bf->shadow[r.id];
            bf->responses++;
            CHECK(r.operation == sh->op, "blkfront: response operation %u to request operation %u", r.operation, sh->op);
            for (unsigned s = 0; s < sh->transient; s++)
                CHECK(gnttab_end_access(sh->gref[s]) == 0,
                      "blkfront: the backend answered request %u while it still maps its grant %u", (uint32_t)r.id,
                      sh->gref[s]);
            struct blkfront_request *req = sh->first;
            sh->first = sh->last = NULL;
            while (req) {
                struct blkfront_request *next = req->next;   /* done() may submit req again */
                bf->completed++;
                n++;
                req->done(req, r.status);
                req = next;
            }
        }
    }
    if (n && bf->queue)
        blkfront_push(bf);              /* slots were freed: more of the queue goes on */
    return n;
}

/* The requests of every ring request in flight, oldest first, back at the
 * head of the queue (the backend left: they go on the next ring). */
static unsigned requeue_in_flight(struct blkfront *bf)
{
    struct blkfront_request *head = NULL, *tail = NULL;
    unsigned n = 0;
    for (;;) {
        int best = -1;
        for (unsigned id = 0; id < BLKFRONT_RING_MAX; id++) {
            struct blkfront_shadow *sh = &bf->shadow[id];
            if (sh->first && (best < 0 || sh->first->seq < bf->shadow[best].first->seq))
                best = (int)id;
        }
        if (best < 0)
            break;
        struct blkfront_shadow *sh = &bf->shadow[best];
        for (struct blkfront_request *r = sh->first; r; r = r->next)
            n++;
        if (tail)
            tail->next = sh->first;
        else
            head = sh->first;
        tail = sh->last;
        sh->first = sh->last = NULL;
    }
    if (tail) {
        tail->next = bf->queue;
        if (!bf->queue)
            bf->queue_tail = tail;
        bf->queue = head;
    }
    return n;
}

/* One reconnection (see the top of this file): 0 once the new backend is
 * Connected, 1 when it left again before connecting (the caller starts over). */
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
    struct blkfront_request *queued = bf->queue;
    bf->queue = NULL;                   /* (no refill of the old ring) */
    blkfront_poll(bf);
    bf->queue = queued;
    for (unsigned id = 0; id < BLKFRONT_RING_MAX; id++) {
        struct blkfront_shadow *sh = &bf->shadow[id];
        if (sh->first)
            for (unsigned s = 0; s < sh->transient; s++)
                end_access(sh->gref[s], limit, "a segment");
        sh->transient = 0;
    }
    teardown_ring(bf, limit);
    bf->resubmitted += requeue_in_flight(bf);
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
    t = now();
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
    fill(bf);                           /* the requests in flight, oldest first, then the rest of the queue */
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&bf->ring, notify);
    (void)notify;
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

void blkfront_reconnect(struct blkfront *bf)
{
    reconnect(bf, xenbus_backend_state(&bf->dev));
}

/* After a resume in a new domain (restore, migration: Linux's blkfront_resume
 * and blkif_recover): the old domain's backend, event channel and grants went
 * with it (the grant table is a new, empty one), so the old ring is dropped
 * unread, the persistent grants forgotten without ending them, and every
 * request in flight goes again on a new ring to the backend the toolstack made
 * for the new domain (its directory names the new domain: the device is looked
 * up again). A write that the old backend had done is done again with the same
 * data; the source runtime closed its disk before this domain ran. */
static void recover(struct blkfront *bf)
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
    bf->resubmitted += requeue_in_flight(bf);
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
        if (blkfront_inflight(bf) == 0)
            return 0;
        /* the backend usually answers within microseconds: look a while before blocking,
         * unless the last spins found nothing (each would only burn its time): after
         * SPIN_MISSES of them in a row, block at once for SPIN_BACKED_OFF waits (blkback's
         * AdaptiveSpin) */
        if (bf->spin_skip) {
            bf->spin_skip--;
        } else {
            uint64_t spin_start = now(), spin_end = spin_start + SPIN_NS, t;
            while (bf->ring.sring->rsp_prod == bf->ring.rsp_cons && (t = now()) < spin_end)
                cpu_relax();
            bf->spins++;
            bf->spun_ns += now() - spin_start;
            if (bf->ring.sring->rsp_prod != bf->ring.rsp_cons) {
                bf->spin_misses = 0;
                continue;
            }
            if (++bf->spin_misses == SPIN_MISSES) {
                bf->spin_misses = 0;
                bf->spin_skip = SPIN_BACKED_OFF;
            }
        }
        int more;
        RING_FINAL_CHECK_FOR_RESPONSES(&bf->ring, more);
        if (more)
            continue;
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
    int rc = blkfront_submit(bf, req);
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
    teardown_ring(bf, limit);
    xenbus_device_release(&bf->dev);
    for (unsigned i = 0; i < MAX_DEVICES; i++)
        if (ring_owner[i] == bf)
            ring_owner[i] = NULL;
}
