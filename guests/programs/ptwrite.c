/*
 * ptwrite -- a PV kernel that writes its own page-table entries (writable page tables).
 *
 * Its ELF notes require "!writable_page_tables", so the hypervisor must build it with the
 * writable_pagetables assist on (enabling it again answers 0) and, as Xen for any PV domain,
 * not report XENFEAT_writable_page_tables (Xen sets that bit only for translated domains).
 * It then:
 *   - rewrites the L1 entry of a window page with plain stores (high half, low half: Linux's
 *     set_pte), with xchg (the old half comes back) and with "movl $0" (unmaps it), and sees
 *     each change after MMUEXT_INVLPG_LOCAL;
 *   - builds an L1, pins it, hooks it into its L2, and fills entries of the live table by
 *     plain stores;
 *   - tries the hostile stores, each of which must fault back to it (#PF P|W, CR2 = the
 *     entry's address, the entry unchanged, as Xen's ptwr emulation leaves an invalid write to
 *     the guest), beside the same update through mmu_update (direct mode), which must be
 *     refused with Xen's code: a frame of another domain (foreign=MFN on the command line,
 *     -EBUSY), an MMIO frame (-EPERM), the L1 mapped writable through itself (-EBUSY), an L2
 *     entry pointing at a data page (an L2 is never emulated; -EINVAL).
 * bench=N: then times N page-table updates of each kind (direct stores + INVLPG,
 * update_va_mapping, mmu_update) and prints ns per update.
 */
#include <kit.h>
#include <oxen/pv.h>

#define NOINLINE __attribute__((noinline, noclone))
#define TEST_VA   0xE0000000u
#define PDE_FLAGS (PTE_P | PTE_RW | PTE_U | PTE_A | PTE_D)
#define XENVER_get_features 6
#define XENFEAT_writable_page_tables 0

/* The requirement the builder must honour (libelf ORs every FEATURES note together). */
__asm__(".pushsection .note.Xen, \"a\", @note\n"
        " .balign 4\n .long 4\n .long 2f - 1f\n .long 10\n .asciz \"Xen\"\n"
        "1: .asciz \"!writable_page_tables\"\n2: .balign 4\n .popsection\n");

static uint8_t window[PAGE_SIZE] ALIGNED(PAGE_SIZE);
static uint8_t data[4][PAGE_SIZE] ALIGNED(PAGE_SIZE);
static uint64_t l1[512] ALIGNED(PAGE_SIZE);
static struct trap_record rec;
static uint32_t store_value;

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

static NOINLINE void store32(void *p) { *(volatile uint32_t *)p = store_value; }
static NOINLINE void do_read(void *va) { (void)*(volatile uint32_t *)va; }

static void pv_invlpg(uint32_t va)
{
    CHECK_EQ(pv_mmuext(MMUEXT_INVLPG_LOCAL, va, 0), 0, "MMUEXT_INVLPG_LOCAL");
}

static void own_window_entry(void)
{
    uint32_t win = (uint32_t)window;
    uint64_t *e = pv_l1e_ptr(win);
    CHECK(e != NULL, "no L1 entry for the window");
    uint64_t orig = *e;
    fill(data[0], 0xa0a0a0a0);
    fill(data[1], 0xb1b1b1b1);
    uint64_t a = pg_addr(data[0]) | PTE_P | PTE_RW, b = pg_addr(data[1]) | PTE_P | PTE_RW;

    pv_write_pte(e, a);
    CHECK(*e == a, "entry %#llx after two plain stores, expected %#llx", *e, a);
    pv_invlpg(win);
    CHECK(holds(window, 0xa0a0a0a0), "window does not show page a after the stores");
    printf("ptwrite: plain stores (high, low) -> entry %#llx, window shows page a\n", *e);

    uint32_t old = xchg32((volatile uint32_t *)e, (uint32_t)b);
    CHECK((old & ~(PTE_A | PTE_D)) == (uint32_t)a, "xchg returned %#x, expected the old low half %#x (+A)",
          old, (uint32_t)a);
    CHECK(*e == b, "entry %#llx after xchg, expected %#llx", *e, b);
    pv_invlpg(win);
    CHECK(holds(window, 0xb1b1b1b1), "window does not show page b after xchg");
    printf("ptwrite: xchg -> old low half %#x back, window shows page b\n", old);

    __asm__ volatile("movl $0, (%0)" : : "r"(e) : "memory");
    CHECK((*e & PTE_P) == 0, "entry %#llx still present after movl $0", *e);
    pv_invlpg(win);
    memset(&rec, 0, sizeof rec);
    CHECK(trap_try(do_read, window, &rec) && rec.vector == VEC_PF && rec.cr2 == win,
          "read of the unmapped window: vector %u cr2 %#x", rec.vector, rec.cr2);
    printf("ptwrite: movl $0 -> not present, read faults (error %#x)\n", rec.error);

    pv_write_pte(e, orig);
    pv_invlpg(win);
    CHECK(*e == orig, "window entry not restored");
}

/* A hostile store into entry *e must come back as #PF P|W at e, leaving it unchanged. */
static void refused_store(const char *what, uint64_t *e, uint64_t bad)
{
    uint64_t before = *e;
    CHECK((bad >> 32) == (before >> 32), "%s: test needs equal high halves", what);
    store_value = (uint32_t)bad;
    memset(&rec, 0, sizeof rec);
    CHECK(trap_try(store32, e, &rec), "%s: the store was accepted (entry %#llx)", what, *e);
    CHECK(rec.vector == VEC_PF && (rec.error & (PFEC_P | PFEC_W)) == (PFEC_P | PFEC_W)
          && rec.cr2 == (uint32_t)e, "%s: vector %u error %#x cr2 %#x, expected #PF P|W at %#x",
          what, rec.vector, rec.error, rec.cr2, (uint32_t)e);
    CHECK(*e == before, "%s: entry changed to %#llx", what, *e);
}

static void hostile(const char *what, uint64_t *e, uint64_t bad, long direct_rc)
{
    refused_store(what, e, bad);
    long rc = pv_mmu_update(pv_virt_to_maddr(e), bad);
    CHECK(rc == direct_rc, "%s: mmu_update returned %ld, expected %ld", what, rc, direct_rc);
    printf("ptwrite: %-40s store -> #PF %#x at %#x; mmu_update -> %ld\n", what, rec.error, rec.cr2, rc);
}

static void own_l1(uint32_t foreign)
{
    for (int i = 0; i < 4; i++)
        fill(data[i], 0xd0d0d000u + (uint32_t)i);
    memset(l1, 0, sizeof l1);
    l1[0] = pg_addr(data[0]) | PTE_P | PTE_RW;
    CHECK_EQ(pv_set_page_writable(l1, 0), 0, "make the L1 read-only");
    CHECK_EQ(pv_mmuext(MMUEXT_PIN_L1_TABLE, pv_virt_to_mfn(l1), 0), 0, "pin the L1");
    uint64_t l2e = pv_l2e_maddr(TEST_VA);
    CHECK_EQ(pv_mmu_update(l2e, pg_addr(l1) | PDE_FLAGS), 0, "hook the L1");
    CHECK(holds((void *)TEST_VA, 0xd0d0d000u), "TEST_VA does not show data page 0");

    /* the live, pinned L1 written by plain stores */
    for (int i = 1; i < 4; i++)
        pv_write_pte(&l1[i], pg_addr(data[i]) | PTE_P | PTE_RW);
    for (int i = 1; i < 4; i++) {
        pv_invlpg(TEST_VA + i * PAGE_SIZE);
        CHECK(holds((void *)(TEST_VA + i * PAGE_SIZE), 0xd0d0d000u + (uint32_t)i),
              "page %d not mapped by the stored entry %#llx", i, l1[i]);
    }
    *(volatile uint32_t *)(TEST_VA + 3 * PAGE_SIZE + 8) = 0xfacefeed;
    CHECK(((volatile uint32_t *)data[3])[2] == 0xfacefeed, "write through a stored entry not seen");
    printf("ptwrite: pinned L1 hooked at %#x, 3 entries written by stores, all mapped\n", TEST_VA);

    /* hostile stores: refused as Xen's emulation refuses them, and so are the same updates
     * through mmu_update (direct mode) */
    hostile("map a frame of another domain", &l1[8], ((uint64_t)foreign << PAGE_SHIFT) | PTE_P, -XEN_EBUSY);
    hostile("map an MMIO frame (0xfee00)", &l1[9], (0xfee00ull << PAGE_SHIFT) | PTE_P, -XEN_EPERM);
    hostile("map the L1 writable through itself", &l1[10], pg_addr(l1) | PTE_P | PTE_RW, -XEN_EBUSY);
    /* an L2 is not emulated: the store faults; mmu_update says a data page is no L1 */
    uint64_t *l2 = pv_mfn_to_virt((uint32_t)(pv_cur_l3[3] & PTE_ADDR_MASK) >> PAGE_SHIFT);
    CHECK(l2 != NULL, "cannot see the L2");
    uint64_t *slot = &l2[((TEST_VA >> 21) & 511) + 1];
    CHECK(*slot == 0, "L2 slot after TEST_VA in use");
    hostile("point an L2 entry at a data page", slot, pg_addr(data[0]) | PDE_FLAGS, -XEN_EINVAL);

    CHECK_EQ(pv_mmu_update(l2e, 0), 0, "unhook the L1");
    CHECK_EQ(pv_mmuext(MMUEXT_UNPIN_TABLE, pv_virt_to_mfn(l1), 0), 0, "unpin the L1");
    CHECK_EQ(pv_set_page_writable(l1, 1), 0, "make the L1 writable again");
}

static void bench(uint32_t n)
{
    uint32_t win = (uint32_t)window;
    uint64_t *e = pv_l1e_ptr(win);
    uint64_t orig = *e;
    uint64_t pte[2] = { pg_addr(data[0]) | PTE_P | PTE_RW, pg_addr(data[1]) | PTE_P | PTE_RW };
    uint64_t t0 = guest_time_ns();
    for (uint32_t i = 0; i < n; i++) {
        pv_write_pte(e, pte[i & 1]);
        pv_invlpg(win);
    }
    uint64_t t1 = guest_time_ns();
    for (uint32_t i = 0; i < n; i++)
        CHECK_EQ(pv_update_va_mapping(win, pte[i & 1], UVMF_INVLPG | UVMF_LOCAL), 0, "update_va_mapping");
    uint64_t t2 = guest_time_ns();
    uint64_t ma = pv_virt_to_maddr(e);
    for (uint32_t i = 0; i < n; i++) {
        CHECK_EQ(pv_mmu_update(ma, pte[i & 1]), 0, "mmu_update");
        pv_invlpg(win);
    }
    uint64_t t3 = guest_time_ns();
    pv_write_pte(e, orig);
    pv_invlpg(win);
    printf("BENCH ptwrite n=%u ns/update: writable-pt %u, update_va_mapping %u, mmu_update+invlpg %u\n", n,
           (uint32_t)((t1 - t0) / n), (uint32_t)((t2 - t1) / n), (uint32_t)((t3 - t2) / n));
}

void guest_main(void)
{
    struct { uint32_t idx, submap; } fi = { 0, 0 };
    CHECK_EQ(HYPERVISOR_xen_version(XENVER_get_features, &fi), 0, "xen_version(get_features)");
    CHECK(!(fi.submap & (1u << XENFEAT_writable_page_tables)),
          "XENFEAT_writable_page_tables offered to a PV domain (submap %#x); Xen offers it to translated ones only",
          fi.submap);
    CHECK_EQ(HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_writable_pagetables), 0,
             "vm_assist(enable, writable_pagetables)");
    printf("ptwrite: features %#x, writable_pagetables assist on\n", fi.submap);
    uint32_t foreign = cmdline_u32("foreign", 0);
    CHECK(foreign != 0, "no foreign=MFN on the command line");
    own_window_entry();
    own_l1(foreign);
    uint32_t n = cmdline_u32("bench", 0);
    if (n)
        bench(n);
    pass();
}
