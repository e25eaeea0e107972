/*
 * paging -- page tables, both flavors.
 *
 * Common checks (through pg_get/pg_set, i.e. own page tables natively and
 * update_va_mapping in PV), on a window page of the image:
 *   map another page there (alias) with A=D=0; a read sets A only, a write
 *   sets D; a read-only mapping faults on write (#PF P|W, CR2); an unmapped
 *   page faults on read (#PF 0, CR2); remapping to a third page is seen at
 *   once (the flush worked).
 * Native: the checks run with 2-level tables and again with PAE; in each
 * mode a page table is built for an address outside the identity map;
 * CR0.WP=0 lets ring 0 write a read-only page.
 * PV with "wpt": vm_assist(writable_pagetables), and pg_set writes the L1 entries directly.
 * PV: boot page tables are read-only to the guest; the p2m and m2p agree;
 * an L1 built by the guest is pinned, hooked into the L2 with mmu_update,
 * used, edited by machine address (mmu_update + MMUEXT_INVLPG_LOCAL),
 * unhooked and unpinned; a second address space (new L3 + L2s) is pinned
 * and switched to and back with MMUEXT_NEW_BASEPTR; the TLB flush ops
 * succeed; and the hypervisor refuses, with Xen's error codes:
 *   pinning a page that is still mapped writable       -EINVAL
 *   pinning an already pinned table / unpinning twice  -EINVAL
 *   a writable mapping of a pinned page table          -EBUSY
 *   mapping a frame the guest does not own (MMIO)      -EPERM
 *   update_va_mapping at/above HYPERVISOR_VIRT_START   -EINVAL
 *   an L2 entry in the Xen-private slots               -EPERM
 *   changing slot 3 of an L3 in use                    -EINVAL
 *   an L3 whose slot 3 shares the L2 of another L3     -EINVAL
 */
#include <kit.h>
#ifdef GUEST_PV
#include <oxen/pv.h>
#else
#include <oxen/native.h>
#endif

#define NOINLINE __attribute__((noinline, noclone))

static uint8_t window[PAGE_SIZE] ALIGNED(PAGE_SIZE);
static uint8_t data[4][PAGE_SIZE] ALIGNED(PAGE_SIZE);
static struct trap_record rec;

static void fill(void *page, uint32_t tag)
{
    uint32_t *w = page;
    for (unsigned i = 0; i < PAGE_SIZE / 4; i++)
        w[i] = tag ^ i;
}

static int holds(const volatile void *page, uint32_t tag)
{
    const volatile uint32_t *w = page;
    return w[0] == tag && w[PAGE_SIZE / 4 - 1] == (tag ^ (PAGE_SIZE / 4 - 1));
}

static NOINLINE void do_read(void *va) { (void)*(volatile uint32_t *)va; }
static NOINLINE void do_write(void *va) { *(volatile uint32_t *)va = 0x0dd0dd0d; }

/* Expect fn(va) to raise #PF with (error & mask) == error and CR2 == va. */
static void expect_pf(const char *what, void (*fn)(void *), uint32_t va, uint32_t error, uint32_t mask)
{
    memset(&rec, 0, sizeof rec);
    CHECK(trap_try(fn, (void *)va, &rec), "%s: no page fault", what);
    CHECK(rec.vector == VEC_PF, "%s: vector %u, expected #PF", what, rec.vector);
    CHECK((rec.error & mask) == error, "%s: error code %#x, expected %#x (mask %#x)",
          what, rec.error, error, mask);
    CHECK(rec.cr2 == va, "%s: cr2 %#x, expected %#x", what, rec.cr2, va);
}

static void common_checks(const char *mode)
{
    uint32_t va = (uint32_t)window;
    uint64_t orig = pg_get(va);
    CHECK(orig & PTE_P, "%s: window not mapped", mode);

    fill(data[0], 0xa0a0a0a0);
    fill(data[1], 0xb1b1b1b1);
    uint64_t a = pg_addr(data[0]), b = pg_addr(data[1]);

    /* alias with A and D clear */
    CHECK_EQ(pg_set(va, a | PTE_P | PTE_RW), 0, "pg_set(alias)");
    uint64_t pte = pg_get(va);
    CHECK((pte & PTE_ADDR_MASK) == a && !(pte & (PTE_A | PTE_D)),
          "%s: alias pte %#llx, expected frame %#llx with A=D=0", mode, pte, a);
    CHECK(holds(window, 0xa0a0a0a0), "%s: alias does not show the page's contents", mode);
    pte = pg_get(va);
    CHECK((pte & PTE_A) && !(pte & PTE_D), "%s: after a read pte=%#llx, expected A=1 D=0", mode, pte);
    ((volatile uint32_t *)window)[1] = 0x5eed5eed;
    CHECK(((volatile uint32_t *)data[0])[1] == 0x5eed5eed, "%s: write through alias not seen", mode);
    pte = pg_get(va);
    CHECK((pte & (PTE_A | PTE_D)) == (PTE_A | PTE_D), "%s: after a write pte=%#llx, expected A=D=1", mode, pte);
    printf("paging: %s: alias, accessed and dirty bits ok (pte %#llx)\n", mode, pte);

    /* write protection */
    CHECK_EQ(pg_set(va, a | PTE_P), 0, "pg_set(read-only)");
    expect_pf("write to read-only page", do_write, va, PFEC_P | PFEC_W, PFEC_P | PFEC_W);
    CHECK(!trap_try(do_read, window, &rec), "%s: read of a read-only page faulted", mode);
    printf("paging: %s: write protection ok (error %#x)\n", mode, rec.error);

    /* unmapped */
    CHECK_EQ(pg_set(va, 0), 0, "pg_set(unmap)");
    CHECK(pg_get(va) == 0, "%s: pte not cleared", mode);
    expect_pf("read of unmapped page", do_read, va, 0, PFEC_P | PFEC_W);
    printf("paging: %s: unmap ok (error %#x cr2 %#x)\n", mode, rec.error, rec.cr2);

    /* remap elsewhere: must be visible immediately */
    CHECK_EQ(pg_set(va, a | PTE_P | PTE_RW), 0, "pg_set(a)");
    CHECK(holds(window, 0xa0a0a0a0), "%s: remap to a", mode);
    CHECK_EQ(pg_set(va, b | PTE_P | PTE_RW), 0, "pg_set(b)");
    CHECK(holds(window, 0xb1b1b1b1), "%s: remap not visible (stale translation)", mode);
    printf("paging: %s: remap + flush ok\n", mode);

    CHECK_EQ(pg_set(va, orig), 0, "pg_set(restore window)");
}

#ifndef GUEST_PV
/* ---------------------------------------------------------------------- */
static void native_mode(int mode, const char *name)
{
    CHECK_EQ(pg_enable(mode), 0, "pg_enable");
    uint32_t cr0 = read_cr0();
    CHECK((cr0 & (CR0_PG | CR0_WP)) == (CR0_PG | CR0_WP), "%s: cr0=%#x", name, cr0);
    if (mode == PG_MODE_PAE)
        CHECK(read_cr4() & CR4_PAE, "%s: CR4.PAE clear", name);
    printf("paging: %s: on, cr0=%#x cr3=%#x\n", name, cr0, read_cr3());
    common_checks(name);

    /* A page table of our own, for an address outside the identity map. */
    uint32_t far = mode == PG_MODE_PAE ? 0x80000000u : 0x40000000u;
    CHECK(pg_get(far) == 0, "%s: %#x already mapped", name, far);
    expect_pf("read of never-mapped far VA", do_read, far, 0, PFEC_P | PFEC_W);
    fill(data[2], 0xc2c2c2c2);
    CHECK_EQ(pg_set(far, pg_addr(data[2]) | PTE_P | PTE_RW), 0, "pg_set(far)");
    CHECK(holds((void *)far, 0xc2c2c2c2), "%s: far mapping shows wrong contents", name);
    CHECK_EQ(pg_set(far, 0), 0, "pg_set(far, 0)");
    expect_pf("read of unmapped far VA", do_read, far, 0, PFEC_P | PFEC_W);
    printf("paging: %s: new page table for %#x ok\n", name, far);

    /* CR0.WP=0: ring 0 may write read-only pages */
    uint32_t va = (uint32_t)window;
    uint64_t orig = pg_get(va);
    CHECK_EQ(pg_set(va, orig & ~(uint64_t)PTE_RW), 0, "pg_set(ro)");
    write_cr0(read_cr0() & ~CR0_WP);
    int faulted = trap_try(do_write, window, &rec);
    write_cr0(read_cr0() | CR0_WP);
    CHECK(!faulted, "%s: write with CR0.WP=0 faulted (error %#x)", name, rec.error);
    expect_pf("write with CR0.WP=1", do_write, va, PFEC_P | PFEC_W, PFEC_P | PFEC_W);
    CHECK_EQ(pg_set(va, orig), 0, "pg_set(restore)");
    printf("paging: %s: CR0.WP ok\n", name);
}

void guest_main(void)
{
    native_mode(PG_MODE_2LEVEL, "2-level");
    CHECK(cpu_has_pae(), "CPUID does not report PAE");
    native_mode(PG_MODE_PAE, "PAE");
    pass();
}

#else
/* ---------------------------------------------------------------------- */
#define TEST_VA  0xE0000000u        /* a 2 MiB slot of the top L2, unused at boot */
#define LOW_VA   0x80000000u        /* L3 slot 2: only in the second address space */
#define FIRST_XEN_L2_SLOT ((HYPERVISOR_VIRT_START >> 21) & 511)
#define PDE_FLAGS (PTE_P | PTE_RW | PTE_U | PTE_A | PTE_D)
#define MFN(p) pv_virt_to_mfn(p)

static uint8_t tables[6][PAGE_SIZE] ALIGNED(PAGE_SIZE);

static void expect_rc(const char *what, long rc, long want)
{
    CHECK(rc == want, "%s: returned %ld, expected %ld", what, rc, want);
    printf("paging: pv: %-46s -> %ld ok\n", what, rc);
}

static NOINLINE void do_rewrite(void *va)
{
    volatile uint32_t *w = va;
    w[0] = w[0];                    /* same value: harmless if it ever succeeded */
}

static void boot_layout(void)
{
    const start_info_t *si = pv_start_info;
    printf("paging: pv: nr_pages=%u pt_base=%#x nr_pt_frames=%u boot region=%u pages, L3 mfn=%#x\n",
           si->nr_pages, si->pt_base, si->nr_pt_frames, pv_region_pages, pv_cur_l3_mfn);
    CHECK(pv_region_pages > ((uint32_t)tables - VIRT_BASE) / PAGE_SIZE,
          "boot region (%u pages) does not cover the image", pv_region_pages);
    /* p2m and m2p agree on the image's frames, and so do our page tables */
    for (uint32_t va = VIRT_BASE; va < (uint32_t)tables + sizeof tables; va += 16 * PAGE_SIZE) {
        /* the shared_info page of the image is remapped onto Xen's frame at boot: not the p2m's */
        if ((va & ~(PAGE_SIZE - 1)) == ((uint32_t)pv_shared_info & ~(PAGE_SIZE - 1)))
            continue;
        uint32_t pfn = (va - VIRT_BASE) / PAGE_SIZE;
        uint32_t mfn = pv_p2m[pfn];
        CHECK(pv_m2p[mfn] == pfn, "m2p[%#x] = %#x, expected pfn %#x", mfn, pv_m2p[mfn], pfn);
        CHECK(pv_virt_to_mfn((void *)va) == mfn, "L1 entry for %#x maps mfn %#x, p2m says %#x",
              va, pv_virt_to_mfn((void *)va), mfn);
    }
    /* boot page tables are mapped read-only, and a write to one faults */
    uint64_t l3pte = pg_get(si->pt_base);
    CHECK((l3pte & PTE_P) && !(l3pte & PTE_RW), "boot L3 mapped with pte %#llx, expected read-only", l3pte);
    expect_pf("write to the boot L3", do_rewrite, si->pt_base, PFEC_P | PFEC_W, PFEC_P | PFEC_W);
    printf("paging: pv: p2m/m2p consistent, boot L3 read-only (pte %#llx), write -> #PF %#x\n",
           l3pte, rec.error);
}

/* An L1 of our own: pin, hook, use, edit, unhook, unpin. */
static void own_l1(void)
{
    uint64_t *l1 = (uint64_t *)tables[0];
    uint32_t win = (uint32_t)window;
    uint64_t win_orig = pg_get(win);

    for (int i = 0; i < 4; i++)
        fill(data[i], 0xd0d0d000u + (uint32_t)i);
    memset(l1, 0, PAGE_SIZE);
    for (int i = 0; i < 4; i++)
        l1[i] = pg_addr(data[i]) | PTE_P | PTE_RW | PTE_A | PTE_D;

    expect_rc("pin L1 still mapped writable", pv_mmuext(MMUEXT_PIN_L1_TABLE, MFN(l1), 0), -XEN_EINVAL);
    expect_rc("make L1 page read-only (update_va_mapping)", pv_set_page_writable(l1, 0), 0);
    expect_rc("pin L1", pv_mmuext(MMUEXT_PIN_L1_TABLE, MFN(l1), 0), 0);
    expect_rc("pin L1 again", pv_mmuext(MMUEXT_PIN_L1_TABLE, MFN(l1), 0), -XEN_EINVAL);
    expect_rc("writable mapping of the pinned L1",
              pv_update_va_mapping(win, pg_addr(l1) | PTE_P | PTE_RW, UVMF_INVLPG), -XEN_EBUSY);
    expect_rc("read-only mapping of the pinned L1",
              pv_update_va_mapping(win, pg_addr(l1) | PTE_P, UVMF_INVLPG), 0);
    CHECK(((volatile uint64_t *)window)[2] == l1[2], "read-only alias of the L1 shows other contents");

    /* hook it into the current top L2 */
    uint64_t l2e = pv_l2e_maddr(TEST_VA);
    CHECK(l2e != 0, "no L2 for %#x", TEST_VA);
    CHECK(pg_get(TEST_VA) == 0 && pv_l1e_ptr(TEST_VA) == NULL, "%#x already mapped at boot", TEST_VA);
    expect_rc("mmu_update: L2 entry -> our L1", pv_mmu_update(l2e, pg_addr(l1) | PDE_FLAGS), 0);
    for (int i = 0; i < 4; i++)
        CHECK(holds((void *)(TEST_VA + i * PAGE_SIZE), 0xd0d0d000u + (uint32_t)i),
              "%#x does not show data page %d", TEST_VA + i * PAGE_SIZE, i);
    *(volatile uint32_t *)(TEST_VA + PAGE_SIZE + 8) = 0xfacefeed;
    CHECK(((volatile uint32_t *)data[1])[2] == 0xfacefeed, "write through the new L1 not seen");
    printf("paging: pv: 4 pages mapped at %#x through our L1 ok\n", TEST_VA);

    /* edit an entry by machine address, then flush that VA */
    uint32_t va3 = TEST_VA + 3 * PAGE_SIZE;
    expect_rc("mmu_update: L1 entry by machine address",
              pv_mmu_update(pv_l1e_maddr(va3), pg_addr(data[0]) | PTE_P | PTE_RW), 0);
    expect_rc("mmuext INVLPG_LOCAL", pv_mmuext(MMUEXT_INVLPG_LOCAL, va3, 0), 0);
    CHECK(holds((void *)va3, 0xd0d0d000u), "%#x does not show data page 0 after the edit", va3);

    /* refusals */
    uint64_t own = pg_addr(data[0]) | PTE_P;
    expect_rc("update_va_mapping at HYPERVISOR_VIRT_START",
              pv_update_va_mapping(HYPERVISOR_VIRT_START, own, UVMF_INVLPG), -XEN_EINVAL);
    expect_rc("update_va_mapping at 0xfffff000",
              pv_update_va_mapping(0xfffff000u, own, UVMF_INVLPG), -XEN_EINVAL);
    expect_rc("map an MMIO frame we do not own (0xfee00)",
              pv_update_va_mapping(win, (0xfee00ull << PAGE_SHIFT) | PTE_P, UVMF_INVLPG), -XEN_EPERM);
    expect_rc("mmu_update: L2 entry in the Xen-private slots",
              pv_mmu_update(pv_l2e_maddr(HYPERVISOR_VIRT_START), pg_addr(l1) | PDE_FLAGS), -XEN_EPERM);
    expect_rc("mmu_update: slot 3 of the L3 in use",
              pv_mmu_update(((uint64_t)pv_cur_l3_mfn << PAGE_SHIFT) + 3 * 8,
                            (pv_cur_l3[3] & PTE_ADDR_MASK) | PTE_P), -XEN_EINVAL);

    /* unhook, unpin, writable again */
    expect_rc("mmu_update: clear the L2 entry", pv_mmu_update(l2e, 0), 0);
    expect_rc("mmuext TLB_FLUSH_LOCAL", pv_mmuext(MMUEXT_TLB_FLUSH_LOCAL, 0, 0), 0);
    expect_pf("read after unhooking the L1", do_read, TEST_VA, 0, PFEC_P);
    expect_rc("writable mapping of the pinned, unhooked L1",
              pv_update_va_mapping(win, pg_addr(l1) | PTE_P | PTE_RW, UVMF_INVLPG), -XEN_EBUSY);
    expect_rc("unpin L1", pv_mmuext(MMUEXT_UNPIN_TABLE, MFN(l1), 0), 0);
    expect_rc("unpin L1 again", pv_mmuext(MMUEXT_UNPIN_TABLE, MFN(l1), 0), -XEN_EINVAL);
    expect_rc("make the former L1 writable again", pv_set_page_writable(l1, 1), 0);
    expect_rc("restore the window", pv_update_va_mapping(win, win_orig, UVMF_INVLPG), 0);
}

/* A second address space: new L3, a fresh slot-3 L2 copying our mappings,
 * and an L2/L1 for LOW_VA that only this space has. */
static void second_space(void)
{
    uint64_t *l3n = (uint64_t *)tables[1], *l2n = (uint64_t *)tables[2];
    uint64_t *l2lo = (uint64_t *)tables[3], *l1lo = (uint64_t *)tables[4];
    uint64_t *l3bad = (uint64_t *)tables[5];
    uint64_t *old_l3 = pv_cur_l3;
    uint32_t old_mfn = pv_cur_l3_mfn;
    uint64_t *cur_l2 = pv_mfn_to_virt((uint32_t)((old_l3[3] & PTE_ADDR_MASK) >> PAGE_SHIFT));

    CHECK(cur_l2 != NULL, "cannot see the boot slot-3 L2");
    for (int i = 1; i <= 5; i++)
        memset(tables[i], 0, PAGE_SIZE);
    for (unsigned i = 0; i < FIRST_XEN_L2_SLOT; i++)
        l2n[i] = cur_l2[i];
    fill(data[2], 0xe2e2e2e2);
    l1lo[0] = pg_addr(data[2]) | PTE_P | PTE_RW | PTE_A | PTE_D;
    l2lo[0] = pg_addr(l1lo) | PDE_FLAGS;
    for (int i = 0; i < 2; i++)
        l3n[i] = (old_l3[i] & PTE_P) ? (old_l3[i] & PTE_ADDR_MASK) | PTE_P : 0;
    l3n[2] = pg_addr(l2lo) | PTE_P;
    l3n[3] = pg_addr(l2n) | PTE_P;
    memcpy(l3bad, l3n, 4 * sizeof *l3n);
    l3bad[2] = 0;
    l3bad[3] = (old_l3[3] & PTE_ADDR_MASK) | PTE_P;     /* shares the L2 in use */
    for (int i = 1; i <= 5; i++)
        CHECK_EQ(pv_set_page_writable(tables[i], 0), 0, "make a new table read-only");

    expect_rc("pin an L3 sharing the slot-3 L2 in use", pv_mmuext(MMUEXT_PIN_L3_TABLE, MFN(l3bad), 0),
              -XEN_EINVAL);
    expect_rc("pin the new L3 (validates L2s and L1)", pv_mmuext(MMUEXT_PIN_L3_TABLE, MFN(l3n), 0), 0);
    expect_rc("mmuext NEW_BASEPTR -> new L3", pv_mmuext(MMUEXT_NEW_BASEPTR, MFN(l3n), 0), 0);
    pv_use_l3(l3n);
    CHECK(holds((void *)LOW_VA, 0xe2e2e2e2), "%#x does not show the page in the new space", LOW_VA);
    CHECK(pg_get(LOW_VA) & PTE_A, "pte of %#x lacks A after a read", LOW_VA);
    printf("paging: pv: running on the new L3 (mfn %#x), %#x mapped ok\n", pv_cur_l3_mfn, LOW_VA);
    expect_rc("mmuext TLB_FLUSH_LOCAL", pv_mmuext(MMUEXT_TLB_FLUSH_LOCAL, 0, 0), 0);
    expect_rc("mmuext INVLPG_LOCAL", pv_mmuext(MMUEXT_INVLPG_LOCAL, LOW_VA, 0), 0);
    expect_rc("mmuext TLB_FLUSH_ALL", pv_mmuext(MMUEXT_TLB_FLUSH_ALL, 0, 0), 0);
    CHECK(holds((void *)LOW_VA, 0xe2e2e2e2), "%#x lost after flushes", LOW_VA);

    expect_rc("mmuext NEW_BASEPTR -> boot L3", pv_mmuext(MMUEXT_NEW_BASEPTR, old_mfn, 0), 0);
    pv_use_l3(old_l3);
    if (!(old_l3[LOW_VA >> 30] & PTE_P))
        expect_pf("read of the new space's VA from the old", do_read, LOW_VA, 0, PFEC_P);
    expect_rc("unpin the new L3", pv_mmuext(MMUEXT_UNPIN_TABLE, MFN(l3n), 0), 0);
    for (int i = 1; i <= 5; i++)
        CHECK_EQ(pv_set_page_writable(tables[i], 1), 0, "make a former table writable again");
    printf("paging: pv: second address space ok\n");
}

void guest_main(void)
{
    printf("paging: pv: PAE, vm_assist(pae_extended_cr3) -> %ld\n", pv_boot_status[0]);
    if (cmdline_get("wpt", NULL, 0)) {
        /* writable page tables: pg_set stores the L1 entries itself */
        expect_rc("vm_assist(enable, writable_pagetables)",
                  HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_writable_pagetables), 0);
        pv_pt_direct = 1;
    }
    boot_layout();
    common_checks("pv");
    own_l1();
    second_space();
    pass();
}
#endif
