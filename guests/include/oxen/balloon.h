/*
 * balloon.h -- the guest kit's balloon driver (lib/pv/balloon.c), as Linux's
 * drivers/xen/balloon.c and xen-balloon.c: it follows the toolstack's
 * memory/target (KiB) in xenstore, gives pages back to the hypervisor
 * (XENMEM_decrease_reservation) when the target is below what the domain
 * holds and takes them back (XENMEM_populate_physmap) when it is above,
 * keeping the guest's P2M and its 1:1 mappings in step. PV only.
 *
 * The driver may balloon the pages [first_pfn, end_pfn) (the program's data
 * pages, mapped 1:1 by pv_map_all_memory, up to the domain's maxmem); it gives back the highest held
 * pages first and takes back the lowest ballooned ones first, in batches of
 * up to BALLOON_BATCH. A page the hypervisor refuses (still mapped by another
 * domain through a grant, a page table, ...) is mapped again and kept; it is
 * counted in balloon_stats.refused and tried again at the next change.
 */
#ifndef OXEN_BALLOON_H
#define OXEN_BALLOON_H

#include <kit.h>

#define BALLOON_BATCH 256
#define BALLOON_TOKEN "oxen-kit-balloon"

struct balloon_stats {
    uint32_t current_pages;     /* the reservation (XENMEM_current_reservation) */
    uint32_t target_pages;      /* the last target, in pages */
    uint32_t ballooned;         /* pages of the range given back now */
    uint32_t refused;           /* pages the last change could not give back */
    uint32_t short_by;          /* pages the last change could not get (maximum, pool) */
};

/* Takes charge of [first_pfn, end_pfn), keeping one byte per pfn in state
 * (end_pfn - first_pfn bytes, the caller's); pfns whose P2M entry is
 * INVALID_P2M_ENTRY start ballooned (beyond nr_pages up to maxmem, as Linux
 * balloons them at boot). With watch set, watches memory/target (xs_init
 * first). Returns 0 or -errno. */
int balloon_init(uint32_t first_pfn, uint32_t end_pfn, uint8_t *state, int watch);
/* For a watch event: 1 if it was the driver's (memory/target changed; the new
 * target is in *target_kib, -1 when the node is gone), 0 if not. */
int balloon_event(const char *token, int64_t *target_kib);
/* Balloons toward target_kib; returns the pages moved (> 0 taken back, < 0
 * given back). */
long balloon_set_target(uint64_t target_kib);
/* Whether the driver holds pfn (1) or has given it back (0). */
int balloon_holds(uint32_t pfn);
const struct balloon_stats *balloon_stats(void);

#endif
