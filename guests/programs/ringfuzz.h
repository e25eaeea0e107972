/*
 * ringfuzz.h -- what the hostile frontends share: ringfuzz.c (the driver, the
 * generator and the blkif half) and ringfuzz_net.c (the netif half).
 */
#ifndef RINGFUZZ_H
#define RINGFUZZ_H

#include <kit.h>
#include <oxen/gnttab.h>

#define SECOND 1000000000ull
#define TIMEOUT (30 * SECOND)

/* xorshift64*, every draw folded into the sequence hash (FNV-1a) */
extern uint64_t rng_state, seq_hash;
uint32_t rnd(void);
uint32_t below(uint32_t n);

/* A reference of our table that grants nothing now, or one past the table. */
grant_ref_t ungranted(void);
/* Ends a grant, waiting up to TIMEOUT for the backend to let go of it. */
void end_grant(grant_ref_t ref);

/* The netif half: cases against the vif at node. */
void net_fuzz(const char *node, uint32_t cases, int overrun);

#endif
