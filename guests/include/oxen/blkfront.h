/*
 * blkfront.h -- the kit's block frontend (lib/pv/blkfront.c): a vbd's blkif
 * ring to its backend, with the handshake of Mini-OS's blkfront.c, and
 * reconnection when the backend goes away and comes back. PV only.
 *
 * Requests are asynchronous: blkfront_submit() puts one on the ring (its
 * buffer granted to the backend page by page), blkfront_push() publishes what
 * was submitted, blkfront_poll()/blkfront_wait() take responses and call each
 * request's done(). A request stays in the frontend's shadow until its
 * response; when the backend goes Closing or Closed, blkfront_wait()
 * reconnects (Closed, Initialising, a new ring once the backend is back) and
 * resubmits what was in flight in the order it was first submitted, starting
 * over if the backend leaves again before it is Connected.
 *
 * Buffers are 512-byte aligned, a multiple of 512 bytes, in the boot region,
 * at most BLKFRONT_MAX_BYTES (11 segments of a page; 44 KiB when page-aligned).
 * Not thread-safe: one vcpu drives a device.
 */
#ifndef OXEN_BLKFRONT_H
#define OXEN_BLKFRONT_H

#include <kit.h>
#include <oxen/blkif.h>
#include <oxen/xenbus.h>

#define BLKFRONT_RING_SIZE 32
#define BLKFRONT_MAX_BYTES (BLKIF_MAX_SEGMENTS_PER_REQUEST * 4096)

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
    uint8_t nr_segments;
    grant_ref_t gref[BLKIF_MAX_SEGMENTS_PER_REQUEST];
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
    /* the ring */
    struct blkif_front_ring ring;
    grant_ref_t ring_ref;
    evtchn_port_t port;
    volatile uint32_t events;
    struct blkfront_request *shadow[BLKFRONT_RING_SIZE];   /* in flight, by request id */
    uint32_t next_seq;
    uint32_t resumes;                   /* pv_resumes when it last connected */
    /* counts */
    uint32_t submitted, completed, resubmitted, reconnects, kicks;
    uint32_t sleeps;                    /* blkfront_wait's blocks waiting for the backend */
    uint64_t slept_ns;                  /* ... and the guest time they took */
};

/* The handshake for the frontend directory node ("device/vbd/768"), waiting
 * up to timeout_ns for the directory and for the backend to connect.
 * 0, or -1 with the reason printed. */
int blkfront_init(struct blkfront *bf, const char *node, uint64_t timeout_ns);

/* Queues req on the ring: 0; -XEN_EAGAIN when the ring is full (wait, then
 * again); -XEN_EINVAL for a request outside the disk, a misaligned or too
 * large buffer, a write to a read-only disk, or a flush the backend does not
 * offer (no feature-flush-cache / feature-barrier). */
int blkfront_submit(struct blkfront *bf, struct blkfront_request *req);
/* Publishes the submitted requests, notifying the backend if it asked. */
void blkfront_push(struct blkfront *bf);
/* Takes the responses there are and calls their done(); returns how many. */
unsigned blkfront_poll(struct blkfront *bf);
/* Polls; with nothing done, sleeps until the backend's event (or a change of
 * its state, then reconnects) and polls again. Fails the program after
 * timeout_ns without progress. Returns how many completed. */
unsigned blkfront_wait(struct blkfront *bf, uint64_t timeout_ns);
/* Requests in flight. */
unsigned blkfront_inflight(struct blkfront *bf);

/* Synchronous helpers: submit, push, wait for the response. BLKIF_RSP_*. */
int blkfront_io(struct blkfront *bf, uint8_t op, uint64_t sector, void *buf, uint32_t bytes);
/* A flush (FLUSH_DISKCACHE, else WRITE_BARRIER; without either, 0 at once as
 * Mini-OS's blkfront_sync). BLKIF_RSP_*. */
int blkfront_flush(struct blkfront *bf);

/* Closing → Closed with the backend following, the ring's grant ended. */
void blkfront_shutdown(struct blkfront *bf);

#endif
