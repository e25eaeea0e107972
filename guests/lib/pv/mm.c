/*
 * mm.c -- PV memory: frame-number translation and page-table helpers.
 *
 * pfn -> mfn through the p2m list the builder handed us (start_info.mfn_list),
 * mfn -> pfn through the read-only machine-to-phys table Xen maps at
 * MACH2PHYS_VIRT_START.  Page tables are read through the guest's own
 * read-only mappings of them (every boot page table sits in the 1:1 boot
 * region at VIRT_BASE + pfn * 4096) and changed only by hypercalls:
 * update_va_mapping for a leaf, mmu_update for an entry given by machine
 * address, mmuext_op for pinning, base-pointer switches and flushes.
 */
#include <oxen/pv.h>

const uint32_t *pv_p2m;
uint32_t pv_region_pages;
uint32_t pv_cur_l3_mfn;
uint64_t *pv_cur_l3;

static uint64_t *table_virt(uint64_t entry)
{
    return pv_mfn_to_virt((uint32_t)((entry & PTE_ADDR_MASK) >> PAGE_SHIFT));
}

void pv_mm_init(const start_info_t *si)
{
    pv_p2m = (const uint32_t *)si->mfn_list;
    pv_cur_l3 = (uint64_t *)si->pt_base;
    uint32_t l3_pfn = (si->pt_base - VIRT_BASE) >> PAGE_SHIFT;
    pv_cur_l3_mfn = pv_p2m[l3_pfn];
    /* The boot region is what the L2 covering VIRT_BASE maps, slot by slot. */
    pv_region_pages = si->nr_pages;             /* provisional, for table_virt() */
    uint64_t *l2 = table_virt(pv_cur_l3[VIRT_BASE >> 30]);
    uint32_t n = 0;
    if (l2)
        for (unsigned i = (VIRT_BASE >> 21) & 511; i < 512 && (l2[i] & PTE_P); i++)
            n++;
    pv_region_pages = n * 512;
    if (pv_region_pages > si->nr_pages)
        pv_region_pages = si->nr_pages;
}

void pv_use_l3(uint64_t *l3)
{
    pv_cur_l3 = l3;
    pv_cur_l3_mfn = pv_virt_to_mfn(l3);
}

void *pv_mfn_to_virt(uint32_t mfn)
{
    uint32_t pfn = pv_m2p[mfn];
    if (pfn >= pv_region_pages)
        return NULL;
    return (void *)(VIRT_BASE + pfn * PAGE_SIZE);
}

uint64_t *pv_l1e_ptr(uint32_t va)
{
    uint64_t l3e = pv_cur_l3[va >> 30];
    if (!(l3e & PTE_P))
        return NULL;
    uint64_t *l2 = table_virt(l3e);
    if (!l2)
        return NULL;
    uint64_t l2e = l2[(va >> 21) & 511];
    if (!(l2e & PTE_P) || (l2e & PTE_PS))
        return NULL;
    uint64_t *l1 = table_virt(l2e);
    return l1 ? &l1[(va >> 12) & 511] : NULL;
}

uint64_t pv_l1e_maddr(uint32_t va)
{
    uint64_t l3e = pv_cur_l3[va >> 30];
    if (!(l3e & PTE_P))
        return 0;
    uint64_t *l2 = table_virt(l3e);
    if (!l2)
        return 0;
    uint64_t l2e = l2[(va >> 21) & 511];
    if (!(l2e & PTE_P) || (l2e & PTE_PS))
        return 0;
    return (l2e & PTE_ADDR_MASK) + ((va >> 12) & 511) * 8;
}

uint64_t pv_l2e_maddr(uint32_t va)
{
    uint64_t l3e = pv_cur_l3[va >> 30];
    if (!(l3e & PTE_P))
        return 0;
    return (l3e & PTE_ADDR_MASK) + ((va >> 21) & 511) * 8;
}

uint32_t pv_virt_to_mfn(const void *va)
{
    uint64_t *e = pv_l1e_ptr((uint32_t)va);
    if (e && (*e & PTE_P))
        return (uint32_t)((*e & PTE_ADDR_MASK) >> PAGE_SHIFT);
    return pv_p2m[((uint32_t)va - VIRT_BASE) >> PAGE_SHIFT];
}

uint64_t pv_virt_to_maddr(const void *va)
{
    return ((uint64_t)pv_virt_to_mfn(va) << PAGE_SHIFT) | ((uint32_t)va & (PAGE_SIZE - 1));
}

int pv_mmu_update(uint64_t ptr, uint64_t val)
{
    mmu_update_t req = { ptr | MMU_NORMAL_PT_UPDATE, val };
    unsigned done = 0;
    return (int)HYPERVISOR_mmu_update(&req, 1, &done, DOMID_SELF);
}

int pv_mmuext(unsigned cmd, uint32_t arg1, uint32_t arg2)
{
    mmuext_op_t op;
    unsigned done = 0;
    op.cmd = cmd;
    op.arg1.mfn = arg1;
    op.arg2.nr_ents = arg2;
    return (int)HYPERVISOR_mmuext_op(&op, 1, &done, DOMID_SELF);
}

int pv_update_va_mapping(uint32_t va, uint64_t pte, unsigned flags)
{
    return (int)HYPERVISOR_update_va_mapping(va, pte, flags);
}

int pv_set_page_writable(const void *page, int writable)
{
    uint32_t va = (uint32_t)page & ~(PAGE_SIZE - 1);
    uint64_t pte = pg_get(va);
    if (!(pte & PTE_P))
        return -XEN_EINVAL;
    pte = writable ? pte | PTE_RW : pte & ~(uint64_t)PTE_RW;
    return pv_update_va_mapping(va, pte, UVMF_INVLPG | UVMF_LOCAL);
}

/* ---- the flavor-neutral page-table API (kit.h) ----------------------- */
int pg_init(void) { return 0; }
uint64_t pg_addr(const void *p) { return pv_virt_to_maddr(p); }

uint64_t pg_get(uint32_t va)
{
    uint64_t *e = pv_l1e_ptr(va);
    return e ? *(volatile uint64_t *)e : 0;
}

int pv_pt_direct;

void pv_write_pte(uint64_t *e, uint64_t pte)
{
    volatile uint32_t *w = (volatile uint32_t *)e;
    if (pte & PTE_P) {              /* as Linux's set_pte: high half first, then the low half with P */
        w[1] = (uint32_t)(pte >> 32);
        w[0] = (uint32_t)pte;
    } else {                        /* clearing: P goes first */
        w[0] = (uint32_t)pte;
        w[1] = (uint32_t)(pte >> 32);
    }
}

int pg_set(uint32_t va, uint64_t pte)
{
    if (!pv_pt_direct)
        return pv_update_va_mapping(va, pte, UVMF_INVLPG | UVMF_LOCAL);
    uint64_t *e = pv_l1e_ptr(va);
    if (!e)
        return -XEN_EINVAL;
    pv_write_pte(e, pte);           /* a #PF the hypervisor emulates with validation */
    if (*(volatile uint64_t *)e != pte)
        return -XEN_EINVAL;         /* refused: the write's #PF reached us (a trap_try caller sees it) */
    return pv_mmuext(MMUEXT_INVLPG_LOCAL, va, 0);
}

/* ---- the guest's own P2M and the 1:1 map of all its memory ---------- */
uint32_t pv_p2m_size;                   /* entries of pv_p2m (0: start_info's nr_pages) */

void pv_set_p2m(uint32_t pfn, uint32_t mfn)
{
    uint32_t size = pv_p2m_size ? pv_p2m_size : pv_start_info->nr_pages;
    if (pfn < size)
        ((uint32_t *)pv_p2m)[pfn] = mfn;    /* the guest's own list, mapped writable */
}

/* The P2M's frame list (one page: up to 1024 P2M pages, 1M pfns) and the list of
 * frame lists (one page, one entry used), as Linux's p2m_top_mfn and
 * p2m_top_mfn_p; shared_info names the second by MFN. */
static uint32_t p2m_frame_list[PAGE_SIZE / 4] ALIGNED(PAGE_SIZE);
static uint32_t p2m_frame_list_list[PAGE_SIZE / 4] ALIGNED(PAGE_SIZE);

void pv_publish_p2m(void)
{
    uint32_t size = pv_p2m_size ? pv_p2m_size : pv_start_info->nr_pages;
    uint32_t pages = (size * 4 + PAGE_SIZE - 1) / PAGE_SIZE;
    CHECK(pages <= PAGE_SIZE / 4, "a P2M of %u pages does not fit one frame list", pages);
    memset(p2m_frame_list, 0, sizeof p2m_frame_list);
    for (uint32_t i = 0; i < pages; i++)
        p2m_frame_list[i] = pv_virt_to_mfn((const char *)pv_p2m + i * PAGE_SIZE);
    memset(p2m_frame_list_list, 0, sizeof p2m_frame_list_list);
    p2m_frame_list_list[0] = pv_virt_to_mfn(p2m_frame_list);
    pv_shared_info->arch.max_pfn = size;
    wmb();
    pv_shared_info->arch.pfn_to_mfn_frame_list_list = pv_virt_to_mfn(p2m_frame_list_list);
}

uint32_t pv_first_free_pfn(void)
{
    /* after the boot page tables comes the one-page boot stack, then the region's padding */
    return ((pv_start_info->pt_base - VIRT_BASE) >> PAGE_SHIFT) + pv_start_info->nr_pt_frames + 1;
}

/* A free page of the boot region (mapped writable, zeroed here), or NULL when none is left. */
static uint32_t *take_free_page(uint32_t *next_free_pfn, uint32_t *pfn)
{
    uint32_t t = (*next_free_pfn)++;
    if (t >= pv_region_pages)
        return NULL;
    *pfn = t;
    uint32_t *page = (uint32_t *)(VIRT_BASE + t * PAGE_SIZE);
    memset(page, 0, PAGE_SIZE);
    return page;
}

int pv_map_all_memory(uint32_t *next_free_pfn, uint32_t max_pfn)
{
    const uint32_t nr = pv_start_info->nr_pages;
    const uint32_t hole_pfn = (MACH2PHYS_VIRT_START - VIRT_BASE) >> PAGE_SHIFT;   /* L2 slot 428 */
    if (max_pfn < nr)
        max_pfn = nr;
    if (max_pfn > hole_pfn)
        return -XEN_EINVAL;
    if (max_pfn > nr) {                 /* a P2M with room for max_pfn, from free pages of the region */
        uint32_t pages = (max_pfn * 4 + PAGE_SIZE - 1) / PAGE_SIZE, first_pfn = 0, t;
        for (uint32_t i = 0; i < pages; i++) {
            if (!take_free_page(next_free_pfn, &t))
                return -XEN_ENOMEM;
            if (i == 0)
                first_pfn = t;
        }
        uint32_t *p2m = (uint32_t *)(VIRT_BASE + first_pfn * PAGE_SIZE);
        for (uint32_t pfn = 0; pfn < max_pfn; pfn++)
            p2m[pfn] = pfn < nr ? pv_p2m[pfn] : INVALID_P2M_ENTRY;
        pv_p2m = p2m;
        pv_p2m_size = max_pfn;
        pv_publish_p2m();
    }
    for (uint32_t pfn = pv_region_pages & ~511u; pfn < max_pfn; pfn += 512) {
        uint64_t l2e = pv_l2e_maddr(VIRT_BASE + pfn * PAGE_SIZE);
        if (!l2e)
            return -XEN_EINVAL;
        if (pv_l1e_ptr(VIRT_BASE + pfn * PAGE_SIZE)) {     /* the boot region's last L1: fill its empty slots */
            for (uint32_t i = 0; i < 512 && pfn + i < nr; i++) {
                uint32_t va = VIRT_BASE + (pfn + i) * PAGE_SIZE;
                if (!(pg_get(va) & PTE_P)) {
                    int rc = pv_update_va_mapping(va, ((uint64_t)pv_p2m[pfn + i] << PAGE_SHIFT) | PTE_P | PTE_RW
                                                  | PTE_A | PTE_D, UVMF_INVLPG | UVMF_LOCAL);
                    if (rc)
                        return rc;
                }
            }
            continue;
        }
        uint32_t t;
        uint64_t *table = (uint64_t *)take_free_page(next_free_pfn, &t);   /* a free page becomes the L1 */
        if (!table)
            return -XEN_ENOMEM;
        for (uint32_t i = 0; i < 512 && pfn + i < nr; i++)   /* pfns without a frame stay unmapped */
            table[i] = ((uint64_t)pv_p2m[pfn + i] << PAGE_SHIFT) | PTE_P | PTE_RW | PTE_A | PTE_D;
        int rc = pv_set_page_writable(table, 0);     /* a page table is never writable to its guest */
        if (rc)
            return rc;
        rc = pv_mmu_update(l2e, ((uint64_t)pv_p2m[t] << PAGE_SHIFT) | PTE_P | PTE_RW | PTE_A | PTE_D);
        if (rc)
            return rc;
    }
    pv_region_pages = max_pfn;
    return 0;
}
