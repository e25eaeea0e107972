/*
 * gnttab.c -- the kit's grant-table client (see <oxen/gnttab.h>).
 *
 * The table's frames come from GNTTABOP_setup_table and are mapped over pages
 * of our own .bss (their old frames are simply no longer mapped there). Free
 * references are a singly linked list through next_free[] (Mini-OS's
 * gnttab_list); ref 0..7 are reserved (0 console, 1 xenstore) and never listed.
 */
#include <oxen/pv.h>
#include <oxen/gnttab.h>

#define PAGE 4096

static uint8_t table_window[GNTTAB_FRAMES][PAGE] ALIGNED(PAGE);
static volatile grant_entry_v1_t *table;
#define REF_IN_USE 0xFFFFFFFFu                  /* next_free[] of a reference handed out */
static grant_ref_t next_free[GNTTAB_ENTRIES];
static grant_ref_t free_head;               /* GRANT_INVALID_REF: none free */
static unsigned free_count;

static unsigned generation;

#ifdef GUEST_NATIVE
/* An HVM domain (lib/native/pvhvm.c): each frame of the table appears at table_window's GFNs
 * through add_to_physmap(XENMAPSPACE_grant_table), as Linux's gnttab_setup_auto_xlat_frames
 * does (the RAM page that was there goes back to the hypervisor). */
static void map_table(void)
{
    for (unsigned i = 0; i < GNTTAB_FRAMES; i++) {
        struct xen_add_to_physmap x = { .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table, .idx = i,
                                        .gpfn = (uint32_t)table_window[i] >> 12 };
        long rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x);
        CHECK(rc == 0, "gnttab: add_to_physmap of table frame %u at gfn %#x: %ld", i, x.gpfn, rc);
    }
}
#else
/* GNTTABOP_setup_table and the frames mapped over table_window. */
static void map_table(void)
{
    uint32_t frames[GNTTAB_FRAMES];
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = GNTTAB_FRAMES, .frame_list = (uint32_t)frames };
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1);
    CHECK(rc == 0 && st.status == GNTST_okay, "gnttab: setup_table of %u frames: rc %ld status %d", GNTTAB_FRAMES,
          rc, st.status);
    for (unsigned i = 0; i < GNTTAB_FRAMES; i++) {
        int r = pv_update_va_mapping((uint32_t)table_window[i],
                                     ((uint64_t)frames[i] << 12) | PTE_P | PTE_RW | PTE_A | PTE_D,
                                     UVMF_INVLPG | UVMF_LOCAL);
        CHECK(r == 0, "gnttab: mapping table frame %u (mfn %#x): %d", i, frames[i], r);
    }
}
#endif

static void free_all(void)
{
    free_head = GRANT_INVALID_REF;
    free_count = 0;
    for (grant_ref_t ref = GNTTAB_ENTRIES - 1; ref >= GNTTAB_NR_RESERVED_ENTRIES; ref--) {
        next_free[ref] = free_head;
        free_head = ref;
        free_count++;
    }
}

int gnttab_init(void)
{
    if (table)
        return 0;
    map_table();
    table = (volatile grant_entry_v1_t *)table_window;
    free_all();
    return 0;
}

void gnttab_suspend(void)
{
#ifndef GUEST_NATIVE
    if (!table)
        return;
    for (unsigned i = 0; i < GNTTAB_FRAMES; i++) {
        /* our own page's frame, from the P2M (pv_virt_to_mfn would read the table frame's PTE) */
        uint32_t mfn = pv_p2m[((uint32_t)table_window[i] - VIRT_BASE) >> PAGE_SHIFT];
        int r = pv_update_va_mapping((uint32_t)table_window[i], ((uint64_t)mfn << 12) | PTE_P | PTE_RW | PTE_A | PTE_D,
                                     UVMF_INVLPG | UVMF_LOCAL);
        CHECK(r == 0, "gnttab: unmapping table frame %u before the suspend: %d", i, r);
    }
#endif
    /* (an HVM domain is saved paused, its grant frames where it put them: nothing to undo) */
}

void gnttab_resume(int new_domain)
{
    if (!table)
        return;
    map_table();
    if (new_domain) {
        generation++;
        free_all();
    }
}

unsigned gnttab_generation(void)
{
    return generation;
}

grant_ref_t gnttab_grant_access(domid_t dom, uint32_t mfn, int readonly)
{
    CHECK(table != NULL, "gnttab: grant before gnttab_init");
    grant_ref_t ref = free_head;
    if (ref == GRANT_INVALID_REF)
        return GRANT_INVALID_REF;
    free_head = next_free[ref];
    next_free[ref] = REF_IN_USE;
    free_count--;
    table[ref].frame = mfn;
    table[ref].domid = dom;
    wmb();                                  /* frame and domid before the flags that publish them */
    table[ref].flags = GTF_permit_access | (readonly ? GTF_readonly : 0);
    return ref;
}

int gnttab_end_access(grant_ref_t ref)
{
    CHECK(table != NULL && ref >= GNTTAB_NR_RESERVED_ENTRIES && ref < GNTTAB_ENTRIES,
          "gnttab: end access of ref %u", ref);
    CHECK(next_free[ref] == REF_IN_USE, "gnttab: end access of ref %u, which is not granted", ref);
    /* bit 0 of {flags, domid} is GTF_permit_access: once it is clear the
     * hypervisor's compare-and-set of that word refuses new maps and copies */
    clear_bit(0, (volatile uint32_t *)&table[ref]);
    if (table[ref].flags & (GTF_reading | GTF_writing))
        return -XEN_EBUSY;
    table[ref].flags = 0;
    next_free[ref] = free_head;
    free_head = ref;
    free_count++;
    return 0;
}

unsigned gnttab_free_count(void)
{
    return free_count;
}

volatile grant_entry_v1_t *gnttab_entry(grant_ref_t ref)
{
    CHECK(table != NULL && ref < GNTTAB_ENTRIES, "gnttab: entry of ref %u", ref);
    return &table[ref];
}
