/*
 * fuzz_gen_grant.c -- the fuzzer's grant-table calls: maps into the grant window
 * (claimed per call so no two maps fill one page), unmaps, copies,
 * transfers of frames that are not ours, setup_table.  Part of the
 * generator (fuzz_gen.c).
 */
#include <kit.h>
#include <oxen/pv.h>
#include <oxen/gnttab.h>
#include <oxen/xenstore.h>

#include "fuzz_gen.h"

static uint32_t grant_va(void)
{
    return (uint32_t)grant_window[below(GRANT_WINDOW_PAGES)];
}

/* Whether window page k may hold a grant: a map of this call claimed it, or its PTE maps
 * another frame than its own (a grant, or a mapping unmap_and_replace moved there). */
static int window_busy(unsigned k)
{
    const uint64_t *e = pv_l1e_ptr((uint32_t)grant_window[k]);
    return (window_claimed >> k & 1)
           || (e && (*e & PTE_P) && (uint32_t)((*e & PTE_ADDR_MASK) >> PAGE_SHIFT) != window_mfn[k]);
}

/* Window page k for a map, or the next one no grant can be in (claimed for this call); -1: none. */
static int claim_window(unsigned k)
{
    for (unsigned j = 0; j < GRANT_WINDOW_PAGES; j++) {
        unsigned w = (k + j) % GRANT_WINDOW_PAGES;
        if (!window_busy(w)) {
            window_claimed |= 1u << w;
            return (int)w;
        }
    }
    return -1;
}

/* The window page whose L1 entry is at machine address ma (its low three bits aside), or -1. */
static int window_entry(uint64_t ma)
{
    for (unsigned k = 0; k < GRANT_WINDOW_PAGES; k++)
        if ((ma & ~7ull) == pv_l1e_maddr((uint32_t)grant_window[k]))
            return (int)k;
    return -1;
}

static int in_hook(uint32_t va)
{
    return va - hook_va < 1u << 21;
}

/* Where a map's host address may point (drawn as a window page or a bad pointer; no draw here,
 * so a seed's sequence is as before): a window page no grant can be in yet, or an address Xen
 * must refuse.  A successful map over a PTE that holds a grant, or into an L1 another call
 * rewrites or unpins later (our image's, a sandbox page hooked or pinned), would have Xen's
 * put_page_from_l1e crash us for implicitly unmapping a granted PTE (seed 1015 did). */
static uint32_t grant_host_va(uint32_t va)
{
    if (va - (uint32_t)grant_window < sizeof grant_window) {
        int w = claim_window((va - (uint32_t)grant_window) >> PAGE_SHIFT);
        return w < 0 ? HYPERVISOR_VIRT_START : (uint32_t)grant_window[w] | (va & 0xFFF);
    }
    return in_image(va) || in_hook(va) ? va ^ 0x40000000u : va;
}

/* The same for a GNTMAP_contains_pte map's PTE address: a free window page's entry, or an
 * entry in a frame that is not ours (Xen refuses any but our L1s). */
static uint64_t grant_host_pte(uint64_t ma)
{
    int k = window_entry(ma);
    if (k >= 0) {
        int w = claim_window((unsigned)k);
        return w < 0 ? (uint64_t)not_ours(0) << PAGE_SHIFT : pv_l1e_maddr((uint32_t)grant_window[w]) | (ma & 7);
    }
    uint32_t mfn = (uint32_t)(ma >> PAGE_SHIFT);
    return mfn < nr_machine_frames && ours(mfn) ? (uint64_t)not_ours(mfn) << PAGE_SHIFT | (ma & 0xFFF) : ma;
}

/* The map ops of the call being made (a multicall's in the order they run): where their
 * elements start, how many were made, and the count passed. */
struct map_run { uint32_t uop, n, count; };
static struct map_run map_runs[8];
static unsigned nr_map_runs;

/* The grant window page a map element names (its PTE's machine address with
 * GNTMAP_contains_pte, else its linear address), or -1. */
static int window_named(const struct gnttab_map_grant_ref *m)
{
    if (m->flags & GNTMAP_contains_pte)
        return window_entry(m->host_addr);
    uint64_t off = m->host_addr - (uint32_t)grant_window;
    return m->host_addr >> 32 == 0 && off < sizeof grant_window ? (int)(off >> PAGE_SHIFT) : -1;
}

/* A map whose count is larger than the elements made for it reads on through scratch, as Xen
 * does, until the guard page: over older calls' map elements, which name the window pages
 * they claimed then, and over a multicall's later entries.  Xen maps each element it reaches;
 * one that names a window page a grant may be in, or that an element before it in this call
 * fills, would have put_page_from_l1e crash us for implicitly unmapping a granted PTE (seed
 * 3003: a map of count 0x7ff7 in region 0 ran on into an old multicall element whose page held
 * that element's own grant).  Those elements are pointed where Xen refuses; the others claim
 * their page.  The elements naming no window page are what scratch held, and Xen maps those too
 * (create_grant_pv_mapping replaces the PTE at any linear address of ours): seed 5040's call
 * 21,117, a map of count 0x2caa at scratch + 0x240, read element 200 (host_map at 0xc02abc00, a
 * valid ref) and mapped a grant over scratch page 1.  They are held to grant_host_va's and
 * grant_host_pte's rules.  Run once the whole call is made (no draws: seeds call what they called). */
void grant_map_overruns(void)
{
    struct gnttab_map_grant_ref *end = (struct gnttab_map_grant_ref *)(scratch + SCRATCH_BYTES);
    for (unsigned r = 0; r < nr_map_runs; r++) {
        struct gnttab_map_grant_ref *m = (struct gnttab_map_grant_ref *)map_runs[r].uop;
        if (m < (struct gnttab_map_grant_ref *)scratch || m >= end)
            continue;
        for (uint32_t i = map_runs[r].n; i < map_runs[r].count && m + i + 1 <= end; i++) {
            int k = window_named(&m[i]);
            if (k < 0) {                /* elsewhere: held to grant_host_va's and grant_host_pte's rules */
                if (m[i].flags & GNTMAP_contains_pte)
                    m[i].host_addr = grant_host_pte(m[i].host_addr);
                else if (in_image((uint32_t)m[i].host_addr) || in_hook((uint32_t)m[i].host_addr))
                    m[i].host_addr ^= 0x40000000u;
                continue;
            }
            if (window_busy((unsigned)k))
                m[i].host_addr = m[i].flags & GNTMAP_contains_pte ? (uint64_t)not_ours(0) << PAGE_SHIFT
                                                                  : HYPERVISOR_VIRT_START;
            else
                window_claimed |= 1u << k;
        }
    }
    nr_map_runs = 0;
}

void gen_grant_table_op(struct call *c)
{
    unsigned n = 1 + below(4);
    c->sub = below(8) ? below(14) : any_val();
    uint8_t *buf = (uint8_t *)scratch_ptr();
    fill_random(buf, 256);
    for (unsigned i = 0; i < n; i++) {
        switch (c->sub) {
        case GNTTABOP_map_grant_ref: {
            struct gnttab_map_grant_ref *m = (struct gnttab_map_grant_ref *)buf + i;
            m->host_addr = below(2) ? grant_va() : bad_ptr();
            if (m->flags & GNTMAP_contains_pte)     /* a PTE address: a window page's entry, or any */
                m->host_addr = below(2) ? pv_l1e_maddr(grant_va()) : any_maddr();
            m->host_addr = m->flags & GNTMAP_contains_pte ? grant_host_pte(m->host_addr)
                                                          : grant_host_va((uint32_t)m->host_addr);
            m->ref = below(2) ? below(16) : any_val();
            m->dom = any_domid();
            break;
        }
        case GNTTABOP_unmap_and_replace: {
            struct gnttab_unmap_and_replace *u = (struct gnttab_unmap_and_replace *)buf + i;
            u->host_addr = below(2) ? grant_va() : remap_va();
            u->new_addr = below(2) ? grant_va() : bad_ptr();    /* Xen takes new_addr's PTE */
            if (in_image(u->new_addr) && u->new_addr - (uint32_t)grant_window >= sizeof grant_window)
                u->new_addr ^= 0x40000000u;     /* never our page tables' own mappings */
            break;
        }
        case GNTTABOP_copy: {
            struct gnttab_copy *cp = (struct gnttab_copy *)buf + i;
            cp->dest.domid = below(2) ? DOMID_SELF : any_domid();
            cp->dest.u = below(2) ? sandbox_mfn[below(SANDBOX_PAGES)] : foreign_mfn();
            cp->source.u = any_mfn();
            cp->len = below(4) ? below(4200) : any_val();
            break;
        }
        case GNTTABOP_transfer: {               /* only frames that are not ours to give */
            struct gnttab_transfer *t = (struct gnttab_transfer *)buf + i;
            t->mfn = foreign_mfn();
            t->domid = any_domid();
            break;
        }
        case GNTTABOP_setup_table: {            /* the frames come back into scratch */
            struct gnttab_setup_table *s = (struct gnttab_setup_table *)buf + i;
            s->dom = any_domid();
            s->frame_list = below(2) ? (uint32_t)region + AT_FRAMES : bad_ptr();
            break;
        }
        case GNTTABOP_set_version:              /* v1 stays: the table is in use */
            *(uint32_t *)buf = 1;
            break;
        default:
            break;
        }
    }
    /* Our own grants, of sandbox frames, to ourselves, the victims or anyone: maps may succeed */
    if (below(4) == 0) {
        grant_ref_t ref = 8 + below(8);
        volatile grant_entry_v1_t *e = gnttab_entry(ref);
        int busy = (e->flags & (GTF_reading | GTF_writing)) != 0;
        if (!busy || !rng_v1) {         /* drawn whether the entry is in use or not (rng=1: as it was) */
            domid_t dom = below(2) ? self : any_domid();
            uint32_t frame = below(8) ? sandbox_mfn[below(SANDBOX_PAGES)] : foreign_mfn();
            uint16_t flags = GTF_permit_access | (below(2) ? GTF_readonly : 0) | (below(8) ? 0 : rnd() & 0xFFE0);
            if (!busy) {
                e->domid = dom;
                e->frame = frame;
                __asm__ volatile("" ::: "memory");
                e->flags = flags;
            }
        }
    }
    c->a[0] = c->sub;
    c->a[1] = below(8) ? (uint32_t)buf : bad_ptr();
    c->a[2] = below(8) ? n : any_val();
    if (c->sub == GNTTABOP_map_grant_ref && c->a[2] > n && nr_map_runs < ARRAY_SIZE(map_runs))
        map_runs[nr_map_runs++] = (struct map_run){ c->a[1], n, c->a[2] };
}
