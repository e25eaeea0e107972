/*
 * ringfuzz -- a hostile blkif or netif frontend (PV only): malformed requests
 * written straight onto a connected ring, each answered or the ring given up.
 *
 *   [node=device/vbd/51712 | node=device/vif/0] [seed=S] [cases=N] [overrun=1]
 *
 * A vif node: the netif half, programs/ringfuzz_net.c (its comment says what
 * it sends and what it expects).  A vbd node, here:
 *
 * Connects to the vbd through the kit's blkfront (the handshake, the ring,
 * persistent grants when seed is odd, indirect descriptors when the backend
 * offers them), then writes N requests of its own onto the ring, each drawn
 * from xorshift64* seeded with S: an unknown operation; a read or write of no
 * segments or of more than 11; a segment reversed or past its page
 * (first_sect > last_sect, last_sect > 7); sectors past the disk's end or
 * wrapping; a grant reference never granted, past the table, granted to
 * another domain than the backend's, or granted read-only for a read; an
 * indirect request with a bad indirect operation, segment count, indirect
 * page reference or bad segments in that page; a flush that carries
 * segments.  Every eighth case is a good one: a sector written with a
 * pattern and read back, which must come back OKAY with the pattern (the
 * backend still serves the ring after everything before it).
 *
 * Each malformed request must be answered, with its id, by BLKIF_RSP_ERROR
 * or BLKIF_RSP_EOPNOTSUPP (as blkback and Linux's xen-blkback answer them:
 * nothing of the disk touched); OKAY for one of them, a wrong id or no answer
 * within 30 s of guest time is FAIL.  With overrun=1 (the default) it ends
 * by publishing a req_prod more than a ring ahead of the responses (ring.h's
 * RING_REQUEST_PROD_OVERFLOW): the backend must answer nothing more (Linux's
 * blkback halts the ring for good and stays Connected; leaving Connected is
 * as good); 2 s of guest time are given to either.
 *
 * Prints the count of each case and status and "ringfuzz: done N cases,
 * sequence H" (H: FNV-1a of every draw, a function of seed and N).
 */
#include <kit.h>
#include <oxen/pv.h>
#include <oxen/gnttab.h>
#include <oxen/xenstore.h>
#include <oxen/blkfront.h>
#include "ringfuzz.h"
#define ID_BASE 0x52460000u             /* ids of our own requests: never one of blkfront's shadow slots */

enum kind { K_OP, K_NOSEG, K_MANYSEG, K_SECT, K_RANGE, K_GREF, K_FOREIGN, K_RO, K_INDIRECT, K_FLUSHSEG, K_GOOD,
            NR_KINDS };
static const char *const kind_names[NR_KINDS] = {
    "bad-op", "no-segments", "too-many-segments", "bad-sectors-in-page", "past-the-disk", "bad-gref",
    "gref-for-another-domain", "read-into-read-only", "bad-indirect", "flush-with-segments", "good",
};

static struct blkfront bf;
static uint8_t buf[2][4096] ALIGNED(4096);     /* the data page and an indirect page */
static uint32_t counts[NR_KINDS][3];            /* by status: OKAY, ERROR, EOPNOTSUPP */
uint64_t rng_state, seq_hash = 0xcbf29ce484222325ull;
/* The data page's grant (writable) and the indirect page's (read-only), made once: with persistent
 * grants the backend keeps what it mapped until the connection ends, as it may. */
static grant_ref_t data_ref, ind_ref;

uint32_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    uint32_t v = (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
    for (int i = 0; i < 4; i++)
        seq_hash = (seq_hash ^ ((v >> (8 * i)) & 0xFF)) * 0x100000001b3ull;
    return v;
}
uint32_t below(uint32_t n) { return rnd() % n; }

static void kick(void)
{
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&bf.ring, notify);
    if (notify)
        evtchn_send(bf.port);
}

/* A reference of our table that grants nothing now (the entry's flags are 0), or one past the table. */
grant_ref_t ungranted(void)
{
    if (below(4) == 0)
        return GNTTAB_ENTRIES + below(1u << 20);
    for (grant_ref_t r = 8 + below(GNTTAB_ENTRIES - 8);; r = r + 1 < GNTTAB_ENTRIES ? r + 1 : 8)
        if (gnttab_entry(r)->flags == 0)
            return r;
}

/* Puts req on the ring, notifies, waits for its response; its status. */
static int exchange(const struct blkif_request *req, const char *what)
{
    *RING_GET_REQUEST(&bf.ring, bf.ring.req_prod_pvt) = *req;
    bf.ring.req_prod_pvt++;
    kick();
    uint64_t limit = guest_time_ns() + TIMEOUT;
    while (bf.ring.sring->rsp_prod == bf.ring.rsp_cons) {
        CHECK(guest_time_ns() < limit, "ringfuzz: no answer to %s (id %#x) in 30 s", what, (uint32_t)req->id);
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
    rmb();
    struct blkif_response *rsp = RING_GET_RESPONSE(&bf.ring, bf.ring.rsp_cons);
    uint64_t id = rsp->id;
    int status = rsp->status;
    bf.ring.rsp_cons++;
    CHECK(id == req->id, "ringfuzz: %s: the answer has id %#x, the request %#x", what, (uint32_t)id, (uint32_t)req->id);
    return status;
}

static void seg(struct blkif_request_segment *s, grant_ref_t gref, uint8_t first, uint8_t last)
{
    s->gref = gref;
    s->first_sect = first;
    s->last_sect = last;
}

/* One malformed request of kind k in req (a grant made for it alone, if any, in *granted). */
static void malformed(enum kind k, struct blkif_request *req, grant_ref_t *granted)
{
    uint32_t self_mfn = pv_virt_to_mfn(buf[0]);
    grant_ref_t good = data_ref;
    req->operation = below(2) ? BLKIF_OP_READ : BLKIF_OP_WRITE;
    req->nr_segments = 1;
    req->handle = (blkif_vdev_t)bf.devid;
    req->sector_number = below((uint32_t)bf.sectors - 8);
    seg(&req->seg[0], good, 0, 7);
    switch (k) {
    case K_OP: {
        static const uint8_t ops[] = { 4, 7, 8, 0x7F, 0xFF };
        req->operation = below(2) ? ops[below(sizeof ops)] : (uint8_t)(7 + below(249));
        break;
    }
    case K_NOSEG:
        req->nr_segments = 0;
        break;
    case K_MANYSEG:
        req->nr_segments = (uint8_t)(BLKIF_MAX_SEGMENTS_PER_REQUEST + 1 + below(256 - 12));
        for (unsigned i = 1; i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
            seg(&req->seg[i], good, 0, 7);
        break;
    case K_SECT:
        if (below(2))
            seg(&req->seg[0], good, (uint8_t)(1 + below(7)), 0);                 /* reversed */
        else
            seg(&req->seg[0], good, (uint8_t)below(8), (uint8_t)(8 + below(248))); /* past the page */
        break;
    case K_RANGE:
        switch (below(3)) {
        case 0: req->sector_number = bf.sectors - below(7); break;               /* its 8 cross the end */
        case 1: req->sector_number = bf.sectors + below(1u << 20); break;
        default: req->sector_number = ~0ull - below(8); break;                   /* wraps */
        }
        break;
    case K_GREF:
        seg(&req->seg[0], ungranted(), 0, 7);
        break;
    case K_FOREIGN: {       /* granted, but to a domain that is not the backend's */
        domid_t other = (domid_t)(bf.dev.backend_id + 1 + below(100));
        granted[0] = gnttab_grant_access(other, self_mfn, 0);
        seg(&req->seg[0], granted[0], 0, 7);
        break;
    }
    case K_RO:              /* the backend must write into a page it may only read */
        req->operation = BLKIF_OP_READ;
        granted[0] = gnttab_grant_access(bf.dev.backend_id, self_mfn, 1);
        seg(&req->seg[0], granted[0], 0, 7);
        break;
    case K_INDIRECT: {
        struct blkif_request_indirect *ind = (struct blkif_request_indirect *)req;
        struct blkif_request_segment *page = (struct blkif_request_segment *)buf[1];
        uint32_t max = bf.max_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST ? bf.max_segments : 32;
        ind->operation = BLKIF_OP_INDIRECT;
        ind->indirect_op = BLKIF_OP_READ;
        ind->nr_segments = (uint16_t)(1 + below(8));
        ind->handle = (blkif_vdev_t)bf.devid;
        ind->_pad = 0;
        for (unsigned i = 0; i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++)
            ind->indirect_grefs[i] = ind_ref;
        for (unsigned i = 0; i < 512; i++)
            seg(&page[i], good, 0, 7);
        switch (below(5)) {
        case 0: ind->indirect_op = (uint8_t)(2 + below(254)); break;               /* not READ or WRITE */
        case 1: ind->nr_segments = below(2) ? 0 : (uint16_t)(max + 1 + below(4096)); break;
        case 2: ind->indirect_grefs[0] = ungranted(); break;
        case 3: seg(&page[below(ind->nr_segments)], good, 5, 2); break;           /* one bad segment */
        default: seg(&page[below(ind->nr_segments)], ungranted(), 0, 7); break;   /* one bad grant */
        }
        break;
    }
    case K_FLUSHSEG:        /* a flush (or barrier) carrying a bad segment */
        req->operation = below(2) ? BLKIF_OP_FLUSH_DISKCACHE : BLKIF_OP_WRITE_BARRIER;
        seg(&req->seg[0], ungranted(), 0, 7);
        break;
    default:
        break;
    }
}

static int status_index(int status)
{
    return status == BLKIF_RSP_OKAY ? 0 : status == BLKIF_RSP_ERROR ? 1 : status == BLKIF_RSP_EOPNOTSUPP ? 2 : -1;
}

void end_grant(grant_ref_t ref)
{
    if (ref == GRANT_INVALID_REF)
        return;
    uint64_t limit = guest_time_ns() + TIMEOUT;
    while (gnttab_end_access(ref) != 0) {   /* the backend still maps it: it must let go */
        CHECK(guest_time_ns() < limit, "ringfuzz: the backend still maps grant %u after 30 s", ref);
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
}

/* A sector written with a pattern and read back: OKAY both ways, the pattern intact. */
static void good_case(uint32_t n)
{
    uint32_t *w = (uint32_t *)buf[0];
    uint64_t sector = below((uint32_t)bf.sectors);
    for (unsigned i = 0; i < 128; i++)
        w[i] = n * 0x9E3779B1u ^ i ^ (uint32_t)sector;
    grant_ref_t g = data_ref;
    struct blkif_request req = { .operation = BLKIF_OP_WRITE, .nr_segments = 1, .handle = (blkif_vdev_t)bf.devid,
                                 .id = ID_BASE + n, .sector_number = sector };
    seg(&req.seg[0], g, 0, 0);
    int st = exchange(&req, "a good write");
    CHECK(st == BLKIF_RSP_OKAY, "ringfuzz: case %u: a good write of sector %u answered %d", n, (uint32_t)sector, st);
    memset(buf[0], 0, 512);
    req.operation = BLKIF_OP_READ;
    st = exchange(&req, "a good read");
    CHECK(st == BLKIF_RSP_OKAY, "ringfuzz: case %u: a good read of sector %u answered %d", n, (uint32_t)sector, st);
    for (unsigned i = 0; i < 128; i++)
        CHECK(w[i] == (n * 0x9E3779B1u ^ i ^ (uint32_t)sector), "ringfuzz: case %u: sector %u word %u read %#x",
              n, (uint32_t)sector, i, w[i]);
    counts[K_GOOD][0]++;
}

void guest_main(void)
{
    char node[64] = "device/vbd/51712";
    cmdline_get("node", node, sizeof node);
    uint32_t seed = cmdline_u32("seed", 1), cases = cmdline_u32("cases", 200);
    rng_state = 0x9E3779B97F4A7C15ull ^ seed;
    irq_disable();
    xs_init();
    if (strncmp(node, "device/vif/", 11) == 0) {
        printf("ringfuzz: seed %u, %u cases against %s\n", seed, cases, node);
        net_fuzz(node, cases, cmdline_u32("overrun", 1));
        printf("ringfuzz: done %u cases, sequence %08x%08x\n", cases, (uint32_t)(seq_hash >> 32), (uint32_t)seq_hash);
        pass();
    }
    CHECK(blkfront_init_flags(&bf, node, 30 * SECOND, seed & 1 ? 0 : BLKFRONT_NO_PERSISTENT) == 0, "no disk at %s",
          node);
    CHECK(!bf.readonly && bf.sectors >= 16, "ringfuzz wants a writable disk of 8 KiB or more");
    data_ref = gnttab_grant_access(bf.dev.backend_id, pv_virt_to_mfn(buf[0]), 0);
    ind_ref = gnttab_grant_access(bf.dev.backend_id, pv_virt_to_mfn(buf[1]), 1);
    CHECK(data_ref != GRANT_INVALID_REF && ind_ref != GRANT_INVALID_REF, "ringfuzz: no grant references");
    printf("ringfuzz: seed %u, %u cases against %s (backend d%u)\n", seed, cases, bf.dev.backend, bf.dev.backend_id);
    for (uint32_t n = 0; n < cases; n++) {
        if (n % 8 == 7) {
            good_case(n);
            continue;
        }
        enum kind k = (enum kind)below(K_GOOD);
        struct blkif_request req;
        memset(&req, 0, sizeof req);
        grant_ref_t granted = GRANT_INVALID_REF;
        malformed(k, &req, &granted);
        req.id = ID_BASE + n;
        int st = exchange(&req, kind_names[k]);
        int b = status_index(st);
        CHECK(b > 0, "ringfuzz: case %u (%s, op %u, %u segments, sector %#x): answered %d, not ERROR or EOPNOTSUPP",
              n, kind_names[k], req.operation, req.nr_segments, (uint32_t)req.sector_number, st);
        counts[k][b]++;
        end_grant(granted);
    }
    for (unsigned k = 0; k < NR_KINDS; k++)
        if (counts[k][0] + counts[k][1] + counts[k][2])
            printf("ringfuzz: %s okay=%u error=%u eopnotsupp=%u\n", kind_names[k], counts[k][0], counts[k][1],
                   counts[k][2]);
    printf("ringfuzz: done %u cases, sequence %08x%08x\n", cases, (uint32_t)(seq_hash >> 32), (uint32_t)seq_hash);
    if (cmdline_u32("overrun", 1)) {
        /* a producer more than a ring ahead: the backend must give the ring up */
        uint32_t ahead = RING_SIZE(&bf.ring) + 1 + below(1000);
        bf.ring.sring->req_prod = bf.ring.rsp_cons + ahead;
        wmb();
        evtchn_send(bf.port);
        /* Linux's blkback (__do_block_io_op: RING_REQUEST_PROD_OVERFLOW) halts the ring
         * until the device disconnects and stays Connected: nothing more answered, no
         * state change */
        enum xenbus_state st = XenbusStateConnected;
        int left = xenbus_wait_backend_state(&bf.dev, XENBUS_STATE_BIT(XenbusStateClosing) | XENBUS_STATE_BIT(XenbusStateClosed),
                                             2 * SECOND, &st) >= 0;
        CHECK(!left, "ringfuzz: a req_prod %u ahead: the backend left Connected (state %d); Linux's halts the ring and stays",
              ahead, st);
        CHECK(bf.ring.sring->rsp_prod == bf.ring.rsp_cons, "ringfuzz: a req_prod %u ahead: the backend answered %u more",
              ahead, bf.ring.sring->rsp_prod - bf.ring.rsp_cons);
        printf("ringfuzz: a req_prod %u ahead: the backend answers no more and stays Connected (state %d)\n", ahead,
               xenbus_backend_state(&bf.dev));
        /* the frontend gives the halted ring up (Closing): the backend lets it go and
         * serves the next one */
        bf.ring.req_prod_pvt = bf.ring.rsp_cons;
        blkfront_reconnect(&bf);
        good_case(cases);
        printf("ringfuzz: reconnected after the overrun: a good write and read-back OKAY\n");
    }
    pass();
}
