/*
 * ringfuzz_net.c -- the netif half of ringfuzz (programs/ringfuzz.c): a
 * hostile vif frontend writing its own tx requests onto a connected ring.
 *
 * What netback answers NETIF_RSP_ERROR and then goes on serving (as Linux's
 * xen-netback's xenvif_tx_err): a packet shorter than an Ethernet header or
 * longer than a frame, a grant reference never granted, past the table or
 * granted to another domain, a packet of more slots than XEN_NETBK_LEGACY
 * (18) but fewer than fatal_skb_slots (20).  Every slot of such a packet must
 * be answered, with its id, ERROR.  A good frame every eighth case must be
 * answered OKAY (the ring is served still).
 *
 * What is an attack (xenvif_fatal_tx_err): data crossing its page, a chain of
 * more than 20 slots, a fragment larger than what is left of its packet, a
 * chain running past the requests published, a req_prod more than a ring
 * ahead.  The backend must stop serving the ring and leave Connected; the
 * kit's netfront then reconnects with fresh rings and the next case goes on
 * there.  One such attack every 32 cases (and, with overrun, a req_prod
 * overrun at the end): each reconnect takes a handshake.
 */
#include <kit.h>
#include <oxen/pv.h>
#include <oxen/gnttab.h>
#include <oxen/netfront.h>
#include "ringfuzz.h"

#define NR_SLOTS_LEGACY 18              /* XEN_NETBK_LEGACY_SLOTS_MAX */
#define FATAL_SLOTS 20                  /* netback's fatal_skb_slots default */
#define ID_BASE 0x8000u                 /* our tx ids: never one of netfront's buffers (0..63) */

enum net_kind { N_SHORT, N_LONG, N_GREF, N_FOREIGN, N_SLOTS, N_GOOD, F_CROSS, F_CHAIN, F_FRAG, F_UNPUBLISHED,
                F_OVERRUN, NR_NET_KINDS };
static const char *const net_names[NR_NET_KINDS] = {
    "short-frame", "long-frame", "bad-gref", "gref-for-another-domain", "too-many-slots", "good",
    "fatal-crossing-page", "fatal-long-chain", "fatal-fragment-too-large", "fatal-chain-past-req-prod",
    "fatal-req-prod-overrun",
};

static struct netfront nf;
static uint8_t frame[4096] ALIGNED(4096);
static grant_ref_t frame_ref;
static uint32_t net_counts[NR_NET_KINDS][2];   /* answered OKAY / ERROR; fatal: [0] reconnects */
static uint16_t next_id;

static void ignore_frame(struct netfront *n, const uint8_t *f, unsigned len, unsigned flags, void *data)
{
}

static void tx_kick(void)
{
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&nf.tx, notify);
    if (notify)
        evtchn_send(nf.port);
}

/* Puts slot i of a packet on the ring (not yet published). */
static void put(grant_ref_t gref, uint16_t offset, uint16_t size, uint16_t flags)
{
    struct netif_tx_request *r = RING_GET_REQUEST(&nf.tx, nf.tx.req_prod_pvt);
    r->gref = gref;
    r->offset = offset;
    r->size = size;
    r->flags = flags;
    r->id = (uint16_t)(ID_BASE + next_id++ % 0x4000);
    nf.tx.req_prod_pvt++;
}

/* A packet of n slots of the frame page: the first says total, each carries size_each. */
static void packet(grant_ref_t gref, unsigned n, uint16_t total, uint16_t size_each)
{
    for (unsigned i = 0; i < n; i++)
        put(gref, (uint16_t)(i * 64 % 2048), i == 0 ? total : size_each, i + 1 < n ? NETTXF_more_data : 0);
}

/* Waits for the n responses of the last n slots: their ids in order, each with status want. */
static void answered(unsigned n, int want, const char *what)
{
    RING_IDX first = nf.tx.req_prod_pvt - n;
    uint64_t limit = guest_time_ns() + TIMEOUT;
    for (unsigned i = 0; i < n; i++) {
        while (nf.tx.sring->rsp_prod == nf.tx.rsp_cons) {
            CHECK(guest_time_ns() < limit, "ringfuzz: %s: slot %u of %u unanswered in 30 s", what, i, n);
            HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
        }
        rmb();
        struct netif_tx_response r = *(volatile struct netif_tx_response *)RING_GET_RESPONSE(&nf.tx, nf.tx.rsp_cons);
        uint16_t id = RING_GET_REQUEST(&nf.tx, first + i)->id;
        nf.tx.rsp_cons++;
        CHECK(r.id == id, "ringfuzz: %s: an answer for id %#x, slot %u was %#x", what, r.id, i, id);
        CHECK(r.status == want, "ringfuzz: %s: slot %u answered %d, not %d", what, i, r.status, want);
    }
}

/* After an attack: the backend leaves Connected (netfront reconnects only when it sees that),
 * netfront reconnects with fresh rings. Answers the backend gave before are ours to take. */
static void reconnected(const char *what)
{
    uint32_t before = nf.reconnects;
    uint64_t limit = guest_time_ns() + 2 * TIMEOUT;
    while (nf.reconnects == before || !nf.connected) {
        CHECK(guest_time_ns() < limit, "ringfuzz: %s: the backend stayed Connected, or no reconnection in 60 s", what);
        while (nf.tx.rsp_cons != nf.tx.sring->rsp_prod)
            nf.tx.rsp_cons++;
        netfront_wait(&nf, guest_time_ns() + SECOND / 10);
    }
}

static void good_frame(void)
{
    memset(frame, 0xFF, 6);                     /* broadcast, from our mac, an experimental ethertype */
    memcpy(frame + 6, nf.mac, 6);
    frame[12] = 0x88;
    frame[13] = 0xB5;
    packet(frame_ref, 1, 60, 0);
    tx_kick();
    answered(1, NETIF_RSP_OKAY, "a good frame");
    net_counts[N_GOOD][0]++;
}

static void error_case(enum net_kind k)
{
    grant_ref_t other = GRANT_INVALID_REF;
    unsigned n = 1;
    switch (k) {
    case N_SHORT: packet(frame_ref, 1, (uint16_t)(1 + below(13)), 0); break;
    case N_LONG: packet(frame_ref, 1, (uint16_t)(1519 + below(4096 - 1519)), 0); break;
    case N_GREF: packet(ungranted(), 1, 60, 0); break;
    case N_FOREIGN:
        other = gnttab_grant_access((domid_t)(nf.dev.backend_id + 1 + below(100)), pv_virt_to_mfn(frame), 1);
        packet(other, 1, 60, 0);
        break;
    default:                                    /* N_SLOTS: 19 or 20 slots of 60 bytes */
        n = NR_SLOTS_LEGACY + 1 + below(FATAL_SLOTS - NR_SLOTS_LEGACY);
        packet(frame_ref, n, (uint16_t)(60 * n), 60);
        break;
    }
    tx_kick();
    answered(n, NETIF_RSP_ERROR, net_names[k]);
    net_counts[k][1]++;
    end_grant(other);
}

static void fatal_case(enum net_kind k)
{
    switch (k) {
    case F_CROSS: put(frame_ref, (uint16_t)(4096 - 64 + below(64)), (uint16_t)(100 + below(1000)), 0); break;
    case F_CHAIN: {
        unsigned n = FATAL_SLOTS + 1 + below(8);
        packet(frame_ref, n, (uint16_t)(60 * n), 60);
        break;
    }
    case F_FRAG:                                /* the second slot carries more than the packet has left */
        put(frame_ref, 0, 100, NETTXF_more_data);
        put(frame_ref, 128, (uint16_t)(101 + below(1000)), 0);
        break;
    case F_UNPUBLISHED:                         /* more_data on the last slot published */
        put(frame_ref, 0, 200, NETTXF_more_data);
        put(frame_ref, 256, 60, NETTXF_more_data);
        break;
    default:                                    /* F_OVERRUN */
        nf.tx.sring->req_prod = nf.tx.rsp_cons + NET_TX_RING_SIZE + 1 + below(1000);
        wmb();
        evtchn_send(nf.port);
        reconnected(net_names[k]);
        net_counts[k][0]++;
        return;
    }
    tx_kick();
    reconnected(net_names[k]);
    net_counts[k][0]++;
}

void net_fuzz(const char *node, uint32_t cases, int overrun)
{
    /* No scatter-gather or checksum offload: the vif keeps netback's 1,518-byte frame and
     * 20-slot bounds that the ERROR cases below cross. */
    CHECK(netfront_init_features(&nf, node, ignore_frame, NULL, TIMEOUT, 0) == 0, "no vif at %s", node);
    frame_ref = gnttab_grant_access(nf.dev.backend_id, pv_virt_to_mfn(frame), 1);
    CHECK(frame_ref != GRANT_INVALID_REF, "ringfuzz: no grant reference");
    memset(frame, 0x5A, sizeof frame);
    for (uint32_t n = 0; n < cases; n++) {
        if (n % 8 == 7)
            good_frame();
        else if (n % 32 == 13)
            fatal_case((enum net_kind)(F_CROSS + below(F_OVERRUN - F_CROSS)));
        else
            error_case((enum net_kind)below(N_GOOD));
    }
    if (overrun)
        fatal_case(F_OVERRUN);
    good_frame();                               /* the fresh ring serves */
    for (unsigned k = 0; k < NR_NET_KINDS; k++)
        if (net_counts[k][0] + net_counts[k][1])
            printf(k >= F_CROSS ? "ringfuzz: %s reconnected=%u\n" : "ringfuzz: %s okay=%u error=%u\n", net_names[k],
                   net_counts[k][0], net_counts[k][1]);
    printf("ringfuzz: netfront %u reconnects\n", nf.reconnects);
}
