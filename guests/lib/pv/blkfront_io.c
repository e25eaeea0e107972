/*
 * blkfront_io.c -- the kit's block frontend (see <oxen/blkfront.h>): the
 * requests. The connection (handshake, reconnection, resume) is in
 * blkfront.c.
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
 */
#include <oxen/pv.h>
#include <oxen/gnttab.h>
#include <oxen/xenstore.h>
#include <oxen/xenbus.h>
#include <oxen/blkfront.h>
#include "blkfront_internal.h"

#define SPIN_NS (50 * 1000ull)          /* blkfront_wait's spin before it blocks */
#define SPIN_MISSES 4                   /* spins in a row that found nothing ... */
#define SPIN_BACKED_OFF 64              /* ... make this many waits block at once */

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
void blkfront_persistent_clear(struct blkfront *bf, uint64_t limit)
{
    for (unsigned h = 0; h < PG_SLOTS; h++)
        if (bf->pg_pfn[h]) {
            blkfront_end_access(bf->pg_ref[h], limit, "a persistent grant");
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
_Static_assert(BLKFRONT_MAX_INDIRECT * sizeof(struct blkif_request_segment) <= PAGE,
               "a ring request's segments fit its one indirect page");

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
int blkfront_fill(struct blkfront *bf)
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
    blkfront_check_resumed(bf);
    if (blkfront_fill(bf))
        kick(bf);
}

unsigned blkfront_poll(struct blkfront *bf)
{
    unsigned n = 0;
    blkfront_check_resumed(bf);
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
unsigned blkfront_requeue_in_flight(struct blkfront *bf)
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

unsigned blkfront_wait(struct blkfront *bf, uint64_t timeout_ns)
{
    uint64_t limit = blkfront_now() + timeout_ns;
    for (;;) {
        uint32_t seen = bf->events;
        if (bf->resumes != pv_resumes) {
            blkfront_recover(bf);
            limit = blkfront_now() + timeout_ns;
        }
        unsigned n = blkfront_poll(bf);
        if (n)
            return n;
        if (xenbus_backend_changed(&bf->dev)) {
            enum xenbus_state s = xenbus_backend_state(&bf->dev);
            if (s != XenbusStateConnected) {
                blkfront_reconnect_from(bf, s);
                limit = blkfront_now() + timeout_ns;   /* the wait for responses starts again */
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
            uint64_t spin_start = blkfront_now(), spin_end = spin_start + SPIN_NS, t;
            while (bf->ring.sring->rsp_prod == bf->ring.rsp_cons && (t = blkfront_now()) < spin_end)
                cpu_relax();
            bf->spins++;
            bf->spun_ns += blkfront_now() - spin_start;
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
        CHECK(blkfront_now() < limit, "blkfront: %s: no response in %u ms with %u requests in flight", bf->dev.node,
              (uint32_t)(timeout_ns / MS), blkfront_inflight(bf));
        if (bf->events == seen) {
            uint64_t t0 = blkfront_now();
            timer_oneshot(limit);
            cpu_idle();
            bf->sleeps++;
            bf->slept_ns += blkfront_now() - t0;
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

