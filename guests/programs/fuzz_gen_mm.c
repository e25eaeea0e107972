/*
 * fuzz_gen_mm.c -- the fuzzer's MMU and memory calls (mmu_update, mmuext_op,
 * memory_op): page tables, foreign and Xen frames, reservations.  Part of
 * the generator (fuzz_gen.c).
 */
#include <kit.h>
#include <oxen/pv.h>
#include <oxen/gnttab.h>
#include <oxen/xenstore.h>

#include "fuzz_gen.h"

/* Which of our page tables holds va, or -1. */
static int table_at(uint32_t va)
{
    for (unsigned k = 0; k < nr_pt_mfns; k++)
        if (va - pt_vas[k] < PAGE_SIZE)
            return (int)k;
    return -1;
}

/* Whether a request writes our live tables (their entries for sandbox and window pages aside,
 * Xen lets a guest rewrite them: our image's and our tables' own mappings are ours to lose) or
 * sets our M2P entries to anything but what they are, or writes an entry of the list it is read
 * from (lo..hi, machine addresses: a later request would be what it wrote). */
static int request_harms_us(const mmu_update_t *u, uint64_t lo, uint64_t hi)
{
    uint32_t mfn = (uint32_t)(u->ptr >> PAGE_SHIFT);
    switch (u->ptr & 3) {
    case MMU_NORMAL_PT_UPDATE: case MMU_PT_UPDATE_PRESERVE_AD:
        return write_target(mfn) != mfn || ((u->ptr & ~7ull) + 8 > lo && (u->ptr & ~7ull) < hi);
    case MMU_MACHPHYS_UPDATE:
        return mfn < nr_machine_frames && ours(mfn) && u->val != pv_m2p[mfn];
    default:
        return 0;
    }
}

/* A request list in our own page tables (bad_ptr()'s read-only memory), which Xen reads as it
 * reads any of ours: their entries for sandbox and window pages are what earlier calls made
 * them, so the "requests" may rewrite our image's PTEs (seed 5011: call 124,031 read 6 requests
 * at 0xc03195f8, the L1 entries of two sandbox pages, of which the first set the L1 entry of
 * image page 0xc0240000 to map a window frame read-only; Xen would do it too).  Such a list, or
 * any in our tables inside a multicall (an earlier entry may rewrite them), is pointed where Xen
 * refuses.  The entries read are those within the count that are in our tables. */
static uint32_t request_list(uint32_t list, uint32_t count, int nested)
{
    int k = table_at(list);
    if (k < 0)
        return list;
    if (nested)
        return HYPERVISOR_VIRT_START;
    uint64_t lo = ((uint64_t)pt_mfns[k] << PAGE_SHIFT) | (list & 0xFFF), hi = lo + (uint64_t)count * 16;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t va = list + i * (uint32_t)sizeof(mmu_update_t);
        if (table_at(va) < 0 || table_at(va + sizeof(mmu_update_t) - 1) < 0)
            break;
        if (request_harms_us((const mmu_update_t *)va, lo, hi))
            return HYPERVISOR_VIRT_START;
    }
    return list;
}

void gen_mmu_update(struct call *c, int nested)
{
    mmu_update_t *r = (mmu_update_t *)scratch_ptr();
    unsigned n = 1 + below(8);
    c->sub = below(8);                                   /* what the sequence tries */
    for (unsigned i = 0; i < n; i++) {
        switch (c->sub) {
        case 0:     /* a foreign or Xen frame, writable, under a sandbox VA */
            r[i].ptr = pv_l1e_maddr(sandbox_va());
            r[i].val = ((uint64_t)(below(2) ? foreign_mfn() : below(64)) << PAGE_SHIFT) | PTE_P | PTE_RW | PTE_A;
            break;
        case 1:     /* one of our page tables writable */
            r[i].ptr = pv_l1e_maddr(pt_vas[below(nr_pt_mfns)]);
            r[i].val = ((uint64_t)pt_mfns[below(nr_pt_mfns)] << PAGE_SHIFT) | PTE_P | PTE_RW | PTE_A;
            break;
        case 2:     /* a sandbox page hooked as an L1 (full of foreign, sandbox or no PTEs) */
            r[i].ptr = hook_l2e;
            r[i].val = below(4) ? ((uint64_t)sandbox_mfn[below(SANDBOX_PAGES)] << PAGE_SHIFT) | (rnd() & 0xFFF)
                                : any_pte();
            /* never one of our live tables: Xen lets an L2 entry alias an L1 it validated (as on
             * hardware), and update_va_mapping in the hook range would then rewrite our own
             * image's PTEs, which is ours to lose, not Xen's to refuse (seed 1000 did, after 83,000
             * calls: "image page 0xc0025000 maps 0x28883/2") */
            if (live_pt((uint32_t)((r[i].val & PTE_ADDR_MASK) >> PAGE_SHIFT)))
                r[i].val = ((uint64_t)sandbox_mfn[below(SANDBOX_PAGES)] << PAGE_SHIFT) | (r[i].val & 0xFFF);
            break;
        case 3: {   /* the M2P: another domain's or Xen's frame claimed; ours only as it is */
            uint32_t m = below(4) ? foreign_mfn() : below(2) ? below(64) : sandbox_mfn[below(SANDBOX_PAGES)];
            r[i].ptr = ((uint64_t)m << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE;
            uint32_t v = any_val();
            r[i].val = ours(m) ? pv_m2p[m] : v;
            break;
        }
        case 4:     /* an entry of a sandbox page (perhaps pinned as a table) */
            r[i].ptr = (((uint64_t)sandbox_mfn[below(SANDBOX_PAGES)] << PAGE_SHIFT) | (rnd() & 0xFF8))
                       | (below(2) ? MMU_PT_UPDATE_PRESERVE_AD : 0);
            r[i].val = any_pte();
            break;
        default:    /* anything at all but our own live entries */
            r[i].ptr = (any_maddr() & ~7ull) | below(4);
            r[i].val = below(3) ? any_pte() : any_val();
            r[i].ptr = (r[i].ptr & 0xFFF) | (uint64_t)write_target((uint32_t)(r[i].ptr >> PAGE_SHIFT)) << PAGE_SHIFT;
            if ((r[i].ptr & 3) == MMU_MACHPHYS_UPDATE && ours((uint32_t)(r[i].ptr >> PAGE_SHIFT)))
                r[i].val = pv_m2p[(uint32_t)(r[i].ptr >> PAGE_SHIFT)];
            break;
        }
    }
    c->a[0] = below(8) ? (uint32_t)r : bad_ptr();
    c->a[1] = below(8) ? n : any_val();
    c->a[2] = below(2) ? 0 : any_ptr();
    c->a[3] = below(4) ? DOMID_SELF : any_domid();
    c->a[0] = request_list(c->a[0], c->a[1], nested);
}

void gen_mmuext_op(struct call *c)
{
    mmuext_op_t *op = (mmuext_op_t *)scratch_ptr();
    unsigned n = 1 + below(4);
    for (unsigned i = 0; i < n; i++) {
        uint32_t cmd = below(8) ? below(22) : any_val();
        op[i].arg1.mfn = below(4) ? any_mfn() : any_val();
        op[i].arg2.nr_ents = below(2) ? any_val() : any_ptr();
        switch (cmd) {
        case MMUEXT_UNPIN_TABLE:            /* never our live tables */
        case MMUEXT_NEW_BASEPTR:            /* a base Xen must refuse: foreign, Xen's, junk */
            op[i].arg1.mfn = below(2) ? foreign_mfn() : below(2) ? sandbox_mfn[below(SANDBOX_PAGES)] : any_val();
            if (ours(op[i].arg1.mfn) && (cmd == MMUEXT_NEW_BASEPTR || !is_sandbox(op[i].arg1.mfn)))
                op[i].arg1.mfn = not_ours(op[i].arg1.mfn);
            break;
        case MMUEXT_SET_LDT:
            op[i].arg1.linear_addr = below(2) ? (any_ptr() & ~0xFFFu) : any_val();
            op[i].arg2.nr_ents = below(2) ? below(8193) : any_val();
            break;
        case 16: case 17: {                 /* CLEAR_PAGE, COPY_PAGE: never into our data */
            op[i].arg1.mfn = below(2) ? foreign_mfn() : any_mfn();
            op[i].arg2.src_mfn = any_mfn();
            uint32_t sb = sandbox_mfn[below(SANDBOX_PAGES)];
            if ((ours(op[i].arg1.mfn) && op[i].arg1.mfn != pt_mfns[0])
                || op[i].arg1.mfn == pv_start_info->shared_info >> PAGE_SHIFT)
                op[i].arg1.mfn = sb;
            break;
        }
        case MMUEXT_INVLPG_LOCAL: case MMUEXT_INVLPG_ALL: case MMUEXT_INVLPG_MULTI:
            op[i].arg1.linear_addr = rnd();
            break;
        default:
            break;
        }
        op[i].cmd = cmd;
        if (i == 0)
            c->sub = cmd;
    }
    c->a[0] = below(8) ? (uint32_t)op : bad_ptr();
    c->a[1] = below(8) ? n : any_val();
    c->a[2] = below(2) ? 0 : any_ptr();
    c->a[3] = below(4) ? DOMID_SELF : any_domid();
}

void gen_memory_op(struct call *c)
{
    uint32_t *list = (uint32_t *)(region + AT_LIST);
    c->sub = below(16) ? below(30) : any_val();
    c->a[0] = c->sub;
    struct xen_memory_reservation *r = (struct xen_memory_reservation *)scratch_ptr();
    for (unsigned i = 0; i < 16; i++) {     /* frames to give back: never ours */
        list[i] = below(2) ? foreign_mfn() : not_ours(any_val());
    }
    r->extent_start = below(4) ? (uint32_t)list : bad_ptr();
    r->nr_extents = below(2) ? below(17) : any_val();
    r->extent_order = below(2) ? below(3) : any_val();
    r->mem_flags = below(2) ? 0 : rnd();
    r->domid = any_domid();
    if (c->sub == XENMEM_exchange) {
        struct xen_memory_exchange *x = (struct xen_memory_exchange *)r;
        x->out = x->in;
        x->out.extent_start = below(2) ? (uint32_t)&list[32] : bad_ptr();
        x->nr_exchanged = below(2) ? 0 : any_val();
    }
    if (c->sub == XENMEM_increase_reservation || c->sub == XENMEM_populate_physmap)
        for (unsigned i = 0; i < 16; i++)   /* pfns past ours (their M2P entries are Xen's to set) */
            list[i] = pv_start_info->nr_pages + below(4096);
    c->a[1] = below(8) ? (uint32_t)r : bad_ptr();
}
