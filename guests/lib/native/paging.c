/*
 * paging.c -- native page tables, 2-level (4 KiB pages, 32-bit entries) and
 * PAE (3-level, 64-bit entries).  pg_enable() builds an identity map of the
 * low PG_IDENTITY_BYTES -- page 0 left unmapped to catch NULL, every other
 * page P|RW|U -- and turns paging on with CR0.WP set.  Page tables come from
 * a static pool that each pg_enable() recycles.  pg_set() allocates missing
 * L1 tables, so any virtual address can be mapped.  Flushes use invlpg.
 */
#include <oxen/native.h>

#define NPOOL 24
static uint8_t pool[NPOOL][PAGE_SIZE] ALIGNED(PAGE_SIZE);
static unsigned pool_used;
static int cur_mode = PG_MODE_OFF;
static int cr4_touched;
static uint32_t *pd2;               /* 2-level page directory */
static uint64_t *pdpt;              /* PAE page-directory-pointer table */
static uint64_t *pae_pd[4];

extern char _end[];

static void *alloc_table(void)
{
    if (pool_used == NPOOL)
        fail("paging: page-table pool exhausted");
    void *p = pool[pool_used++];
    memset(p, 0, PAGE_SIZE);
    return p;
}

int pg_mode(void) { return cur_mode; }
uint64_t pg_addr(const void *p) { return (uint32_t)p; }

/* Pointer to the L1 entry for va, allocating the L1 table if asked. */
static void *l1_slot(uint32_t va, int alloc)
{
    if (cur_mode == PG_MODE_2LEVEL) {
        uint32_t *pde = &pd2[va >> 22];
        if (!(*pde & PTE_P)) {
            if (!alloc)
                return NULL;
            *pde = (uint32_t)alloc_table() | PTE_P | PTE_RW | PTE_U;
        }
        return (uint32_t *)(*pde & ~0xfffu) + ((va >> 12) & 1023);
    }
    if (cur_mode == PG_MODE_PAE) {
        uint64_t *pde = &pae_pd[va >> 30][(va >> 21) & 511];
        if (!(*pde & PTE_P)) {
            if (!alloc)
                return NULL;
            *pde = (uint32_t)alloc_table() | PTE_P | PTE_RW | PTE_U;
        }
        return (uint64_t *)(uint32_t)(*pde & PTE_ADDR_MASK) + ((va >> 12) & 511);
    }
    return NULL;
}

uint64_t pg_get(uint32_t va)
{
    void *slot = l1_slot(va, 0);
    if (!slot)
        return 0;
    return cur_mode == PG_MODE_PAE ? *(volatile uint64_t *)slot : *(volatile uint32_t *)slot;
}

int pg_set(uint32_t va, uint64_t pte)
{
    if (cur_mode == PG_MODE_OFF)
        return -1;
    void *slot = l1_slot(va, 1);
    if (cur_mode == PG_MODE_PAE) {
        /* write the half that drops P first so the walker never sees a torn entry */
        volatile uint32_t *w = slot;
        w[0] = 0;
        w[1] = (uint32_t)(pte >> 32);
        w[0] = (uint32_t)pte;
    } else {
        if (pte >> 32)
            return -1;
        *(volatile uint32_t *)slot = (uint32_t)pte;
    }
    invlpg(va);
    return 0;
}

void pg_disable(void)
{
    if (cur_mode != PG_MODE_OFF)
        write_cr0(read_cr0() & ~CR0_PG);
    cur_mode = PG_MODE_OFF;
}

int pg_enable(int mode)
{
    if ((uint32_t)_end > PG_IDENTITY_BYTES)
        fail("paging: image ends above the identity map");
    if (mode == PG_MODE_PAE && !cpu_has_pae())
        return -1;
    pg_disable();
    pool_used = 0;
    if (mode == PG_MODE_2LEVEL) {
        pd2 = alloc_table();
    } else {
        pdpt = alloc_table();
        for (int i = 0; i < 4; i++) {
            pae_pd[i] = alloc_table();
            pdpt[i] = (uint32_t)pae_pd[i] | PTE_P;  /* PDPTEs: only P (RW/U reserved) */
        }
    }
    cur_mode = mode;                /* lets l1_slot() build the tables */
    for (uint32_t va = PAGE_SIZE; va < PG_IDENTITY_BYTES; va += PAGE_SIZE) {
        if (mode == PG_MODE_PAE)
            *(uint64_t *)l1_slot(va, 1) = va | PTE_P | PTE_RW | PTE_U;
        else
            *(uint32_t *)l1_slot(va, 1) = va | PTE_P | PTE_RW | PTE_U;
    }
    if (mode == PG_MODE_PAE) {
        write_cr4(read_cr4() | CR4_PAE);
        cr4_touched = 1;
        write_cr3((uint32_t)pdpt);
    } else {
        if (cr4_touched)
            write_cr4(read_cr4() & ~CR4_PAE);
        write_cr3((uint32_t)pd2);
    }
    write_cr0(read_cr0() | CR0_PG | CR0_WP);
    return 0;
}

int pg_init(void)
{
    return cur_mode == PG_MODE_OFF ? pg_enable(PG_MODE_2LEVEL) : 0;
}
