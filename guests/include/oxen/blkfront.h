/*
 * blkfront.h -- the kit's block frontend (lib/pv/blkfront.c): a vbd's blkif
 * ring to its backend, with the handshake of Mini-OS's blkfront.c, the
 * features Linux's xen-blkfront negotiates (a multi-page ring, indirect
 * descriptors, persistent grants), and reconnection when the backend goes away
 * and comes back. PV only.
 *
 * Requests are asynchronous: blkfront_submit() queues one, blkfront_push()
 * puts the queue on the ring and publishes it, blkfront_poll()/blkfront_wait()
 * take responses and call each request's done(). Like Linux's block layer
 * (plugging and back merges), requests queued between two pushes that continue
 * each other (same operation, the next sector, a buffer that starts where the
 * last one ended within a page or on a page boundary) go to the backend as one
 * ring request, up to the segments one request may carry (11, or the indirect
 * maximum the backend offers, capped at BLKFRONT_MAX_INDIRECT); each caller's
 * done() is still called, with the ring request's status. A request stays in
 * the frontend's shadow until its response; when the backend goes Closing or
 * Closed, blkfront_wait() reconnects (Closed, Initialising, a new ring once the
 * backend is back) and resubmits what was in flight in the order it was first
 * submitted, starting over if the backend leaves again before it is Connected.
 *
 * Buffers are 512-byte aligned, a multiple of 512 bytes, in the boot region,
 * at most BLKFRONT_MAX_BYTES each. With persistent grants (both ends offer
 * feature-persistent) each buffer frame is granted once, writable, and stays
 * granted until the connection ends (no grant or copy per request: the
 * caller's buffers must be long-lived, as the kit's static ones are); at most
 * BLKFRONT_PERSISTENT_FRAMES distinct frames per connection, a request needing
 * more fails with BLKIF_RSP_ERROR without reaching the backend.
 * Not thread-safe: one vcpu drives a device.
 */
#ifndef OXEN_BLKFRONT_H
#define OXEN_BLKFRONT_H

#include <kit.h>
#include <oxen/blkif.h>
#include <oxen/xenbus.h>

#define BLKFRONT_RING_ORDER 1           /* pages = 2^order: 64 slots, if the backend's max-ring-page-order allows */
#define BLKFRONT_RING_MAX 64
#define BLKFRONT_MAX_INDIRECT 256       /* segments of an indirect request, 1 MiB: blkback's maximum (Linux's
                                         * MAX_INDIRECT_SEGMENTS; Linux's blkfront takes 32 unless its
                                         * max_indirect_segments parameter raises it), in one indirect page */
#define BLKFRONT_MAX_BYTES (BLKFRONT_MAX_INDIRECT * 4096)
#define BLKFRONT_PERSISTENT_FRAMES 1024 /* within blkback's 1056 (Linux's max_persistent_grants) */

struct blkfront_request {
    /* the caller's */
    uint8_t op;                         /* BLKIF_OP_READ, _WRITE, _FLUSH_DISKCACHE, _WRITE_BARRIER */
    uint64_t sector;                    /* 512-byte units */
    void *buf;
    uint32_t bytes;
    void (*done)(struct blkfront_request *req, int status);   /* BLKIF_RSP_* */
    void *data;
    /* blkfront's */
    uint32_t seq;                       /* submission order, for resubmission */
    struct blkfront_request *next;      /* in the queue, or in a ring request's merged list */
};

/* One ring request in flight: the caller requests merged into it, in order. */
struct blkfront_shadow {
    struct blkfront_request *first, *last;
    uint8_t op;
    uint16_t nr_segments;
    uint16_t transient;                 /* segments granted for this request only (gref[] ends them) */
    uint64_t next_sector;               /* where a request merged next must start */
    uint32_t next_va;                   /* ... and its buffer */
    grant_ref_t gref[BLKFRONT_MAX_INDIRECT];
};

struct blkfront {
    struct xenbus_device dev;
    unsigned devid;                     /* the handle in every request */
    /* what the backend says (read when it connects) */
    uint64_t sectors;                   /* 512-byte units */
    uint32_t sector_size;
    uint32_t info;                      /* VDISK_* */
    int readonly;                       /* the toolstack's mode "r" or VDISK_READONLY */
    int feature_flush, feature_barrier;
    unsigned flags;                     /* BLKFRONT_NO_* */
    int merge;                          /* back merges (not BLKFRONT_NO_MERGE) */
    int persistent;                     /* both ends offer feature-persistent */
    unsigned max_segments;              /* per ring request: 11, or the indirect maximum */
    unsigned ring_order;                /* the ring is 2^ring_order pages */
    /* the ring */
    struct blkif_front_ring ring;
    grant_ref_t ring_ref[1 << BLKFRONT_RING_ORDER];
    evtchn_port_t port;
    volatile uint32_t events;
    struct blkfront_shadow shadow[BLKFRONT_RING_MAX];   /* by request id; first == NULL: free */
    uint8_t (*indirect)[4096];          /* one indirect page per ring slot */
    grant_ref_t indirect_ref[BLKFRONT_RING_MAX];
    int open_id;                        /* the ring request merges may extend (not yet published), or -1 */
    struct blkfront_request *queue, *queue_tail;   /* submitted, not yet on the ring */
    uint32_t next_seq;
    uint32_t resumes;                   /* pv_resumes when it last connected */
    /* persistent grants: boot-region frame -> reference, open addressing */
    uint32_t pg_pfn[2 * BLKFRONT_PERSISTENT_FRAMES];   /* pfn + 1; 0: empty */
    grant_ref_t pg_ref[2 * BLKFRONT_PERSISTENT_FRAMES];
    unsigned pg_count;
    /* counts */
    uint32_t submitted, completed, resubmitted, reconnects, kicks;
    uint32_t ring_requests, responses;  /* ring requests made (resubmissions too), ring responses taken */
    uint32_t merged;                    /* caller requests merged into an earlier ring request */
    uint32_t sleeps;                    /* blkfront_wait's blocks waiting for the backend */
    uint64_t slept_ns;                  /* ... and the guest time they took */
    uint32_t spins;                     /* blkfront_wait's spins before blocking */
    uint64_t spun_ns;                   /* ... and their guest time */
    uint32_t spin_misses, spin_skip;    /* spins in a row that found nothing; waits left that block at once */
};

/* The handshake for the frontend directory node ("device/vbd/768"), waiting
 * up to timeout_ns for the directory and for the backend to connect.
 * 0, or -1 with the reason printed. */
int blkfront_init(struct blkfront *bf, const char *node, uint64_t timeout_ns);
/* The same with features left out (to measure what each brings): */
#define BLKFRONT_NO_PERSISTENT 1u       /* grant each page per request */
#define BLKFRONT_NO_INDIRECT 2u         /* at most 11 segments a ring request */
#define BLKFRONT_NO_MERGE 4u            /* one ring request per caller request */
#define BLKFRONT_ONE_PAGE_RING 8u       /* a one-page ring (32 slots) */
int blkfront_init_flags(struct blkfront *bf, const char *node, uint64_t timeout_ns, unsigned flags);

/* Queues req: 0; -XEN_EINVAL for a request outside the disk, a misaligned or
 * too large buffer, a write to a read-only disk, or a flush the backend does
 * not offer (no feature-flush-cache / feature-barrier). The queue has no limit
 * (the requests are the caller's): what the ring cannot take yet goes on as
 * responses free slots. */
int blkfront_submit(struct blkfront *bf, struct blkfront_request *req);
/* Puts the queue on the ring (merging) and publishes it, notifying the backend
 * if it asked. */
void blkfront_push(struct blkfront *bf);
/* Takes the responses there are and calls their done(); returns how many. */
unsigned blkfront_poll(struct blkfront *bf);
/* Polls; with nothing done, sleeps until the backend's event (or a change of
 * its state, then reconnects) and polls again. Fails the program after
 * timeout_ns without progress. Returns how many completed. */
unsigned blkfront_wait(struct blkfront *bf, uint64_t timeout_ns);
/* Caller requests submitted and not yet completed (queued or on the ring). */
unsigned blkfront_inflight(struct blkfront *bf);
/* Gives up the ring and connects again on a fresh one, as after a backend
 * that left (Closing, the backend's Closed, Initialising, its InitWait): for a
 * frontend whose backend stopped serving the ring it had (a halted ring). The
 * requests in flight go again on the new ring. */
void blkfront_reconnect(struct blkfront *bf);

/* Synchronous helpers: submit, push, wait for the response. BLKIF_RSP_*. */
int blkfront_io(struct blkfront *bf, uint8_t op, uint64_t sector, void *buf, uint32_t bytes);
/* A flush (FLUSH_DISKCACHE, else WRITE_BARRIER; without either, 0 at once as
 * Mini-OS's blkfront_sync). BLKIF_RSP_*. */
int blkfront_flush(struct blkfront *bf);

/* Closing → Closed with the backend following, the ring's grant ended. */
void blkfront_shutdown(struct blkfront *bf);

#endif
