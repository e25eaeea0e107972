/*
 * gnttab.h -- the kit's grant-table client (lib/pv/gnttab.c): grant another
 * domain access to one of our frames and end that access, as Mini-OS's
 * gnttab.c and Linux's grant-table.c do for grant tables v1. PV only.
 *
 * gnttab_init() sets up GNTTAB_FRAMES frames of the table (GNTTABOP_setup_table)
 * and maps them; references GNTTAB_NR_RESERVED_ENTRIES.. are handed out from a
 * free list. Not thread-safe: one vcpu uses it (the kit's drivers are
 * single-threaded).
 */
#ifndef OXEN_GNTTAB_H
#define OXEN_GNTTAB_H

#include <kit.h>
#include <oxen/xen_abi.h>

#define GNTTAB_FRAMES 4                         /* 2048 entries, as Mini-OS */
#define GNTTAB_ENTRIES (GNTTAB_FRAMES * 4096 / sizeof(grant_entry_v1_t))
#define GRANT_INVALID_REF 0                     /* reserved: never handed out */

/* 0, or fails the program (the table is needed by every caller). */
int gnttab_init(void);

/* Grants domain dom access to machine frame mfn (read-only if readonly):
 * domid and frame first, wmb, then the flags. Returns the reference, or
 * GRANT_INVALID_REF when every entry is in use. */
grant_ref_t gnttab_grant_access(domid_t dom, uint32_t mfn, int readonly);

/* Ends access to ref: clears GTF_permit_access atomically (lock btr on the
 * entry's flags word, the word Xen compare-and-sets), so no new mapping or copy
 * can start; if the grantee still has it mapped (GTF_reading/GTF_writing)
 * returns -XEN_EBUSY and the frame must not be reused yet: call again later.
 * Returns 0 once nothing uses it; the reference is then free again. */
int gnttab_end_access(grant_ref_t ref);

/* References free to hand out. */
unsigned gnttab_free_count(void);

/* The entry of ref (tests look at its flags). */
volatile grant_entry_v1_t *gnttab_entry(grant_ref_t ref);

/* Save/restore (lib/pv/suspend.c, as Linux's gnttab_suspend/gnttab_resume): before
 * the suspend the table's frames are unmapped (our own pages mapped there again:
 * a PTE naming a grant-table frame cannot be saved); after it they are set up and
 * mapped again. In a new domain (new_domain) the table is new and empty: every
 * reference is free again and the grants handed out before are gone with the old
 * domain (a driver grants afresh, without ending the old ones: gnttab_generation
 * tells it). No-ops for a program that never called gnttab_init. */
void gnttab_suspend(void);
void gnttab_resume(int new_domain);
/* How many times the table was lost with its domain (0 until the first resume in a new domain). */
unsigned gnttab_generation(void);

#endif
