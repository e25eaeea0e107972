/*
 * blkfront_internal.h -- what the kit's block frontend's two halves share:
 * blkfront.c (the connection: handshake, reconnection, resume) and
 * blkfront_io.c (the requests: queue, ring, persistent grants, waiting).
 * Not for programs: they use <oxen/blkfront.h>.
 */
#ifndef BLKFRONT_INTERNAL_H
#define BLKFRONT_INTERNAL_H

#include <oxen/pv.h>
#include <oxen/gnttab.h>
#include <oxen/xenbus.h>
#include <oxen/blkfront.h>

#define PAGE 4096
#define SECOND 1000000000ull
#define MS 1000000ull

static inline uint64_t blkfront_now(void) { return guest_time_ns(); }

/* blkfront.c */

/* Ends access to ref, waiting (until limit) while the backend still maps it. */
void blkfront_end_access(grant_ref_t ref, uint64_t limit, const char *what);
/* Reconnects until a backend stays long enough to connect (seen: the backend state that ended the connection). */
void blkfront_reconnect_from(struct blkfront *bf, enum xenbus_state seen);
/* Reconnects after a resume in a new domain. */
void blkfront_recover(struct blkfront *bf);
/* Recovers first if the domain was resumed in a new one since this device last connected. */
void blkfront_check_resumed(struct blkfront *bf);

/* blkfront_io.c */

/* Ends every persistent grant (the backend has closed: nothing is mapped). */
void blkfront_persistent_clear(struct blkfront *bf, uint64_t limit);
/* Moves queued requests onto the ring while it has room, merging: whether ring requests were added. */
int blkfront_fill(struct blkfront *bf);
/* The requests of every ring request in flight, oldest first, back at the head of the queue: how many. */
unsigned blkfront_requeue_in_flight(struct blkfront *bf);

#endif
