/*
 * balloon -- the guest half of ballooning against the hypervisor's memory_op.
 *
 * Holds 64 pages with a known pattern. First the refusals: giving back a page that is still
 * mapped, shared_info, the L3 in use, another domain's frame (foreign=MFN), an extent order
 * above 9 and another domain's reservation all do nothing (0 extents) and leave the reservation
 * as it was. Then rounds=N rounds (default 3): unmap `pages` pages (default 32) and give them
 * back with decrease_reservation (the reservation drops by exactly that), check every kept page,
 * take them back (populate_physmap on odd rounds, increase_reservation + MMU_MACHPHYS_UPDATE on
 * even ones), map them again, check they come back zeroed and refill them. Then: increase past
 * the maximum stops at the maximum; an order-2 extent below 2^30 comes back aligned and goes
 * again. Last, `keep_out` pages (default 16) are given back and stay out, so the toolstack sees
 * the reservation drop; it prints "balloon: final reservation N".
 */
#include <kit.h>
#include <oxen/pv.h>

#define NPAGES 64
static uint8_t pages[NPAGES][PAGE_SIZE] ALIGNED(PAGE_SIZE);
static uint32_t list[1024];            /* extent lists (room up to the maximum: < 1024 pages) */

static uint32_t tag(int i, int round) { return 0xba110000u ^ (uint32_t)(i << 8) ^ (uint32_t)round; }

static void fill(int i, int round)
{
    uint32_t *w = (uint32_t *)pages[i];
    for (unsigned k = 0; k < PAGE_SIZE / 4; k++)
        w[k] = tag(i, round) ^ k;
}

static void check(int i, int round)
{
    const volatile uint32_t *w = (const volatile uint32_t *)pages[i];
    for (unsigned k = 0; k < PAGE_SIZE / 4; k += 97)
        CHECK(w[k] == (tag(i, round) ^ k), "page %d word %u: %#x, expected %#x", i, k, w[k], tag(i, round) ^ k);
}

static long reservation(unsigned cmd)
{
    domid_t self = DOMID_SELF;
    return HYPERVISOR_memory_op(cmd, &self);
}

static long memop(unsigned cmd, uint32_t *extents, uint32_t n, uint32_t order, uint32_t flags, domid_t dom)
{
    struct xen_memory_reservation r = { (uint32_t)extents, n, order, flags, dom };
    return HYPERVISOR_memory_op(cmd, &r);
}

static void refused(const char *what, uint32_t mfn, uint32_t order, domid_t dom)
{
    long before = reservation(XENMEM_current_reservation);
    list[0] = mfn;
    long rc = memop(XENMEM_decrease_reservation, list, 1, order, 0, dom);
    CHECK(rc == 0, "%s: decrease_reservation gave back %ld extents", what, rc);
    CHECK(reservation(XENMEM_current_reservation) == before, "%s: the reservation moved", what);
    printf("balloon: %-34s -> 0 extents, reservation %ld\n", what, before);
}

static void give_back(int first, int n)
{
    for (int i = 0; i < n; i++) {
        list[i] = pv_virt_to_mfn(pages[first + i]);
        CHECK_EQ(pv_update_va_mapping((uint32_t)pages[first + i], 0, UVMF_INVLPG | UVMF_LOCAL), 0, "unmap a page");
    }
    long before = reservation(XENMEM_current_reservation);
    long rc = memop(XENMEM_decrease_reservation, list, (uint32_t)n, 0, 0, DOMID_SELF);
    CHECK(rc == n, "decrease_reservation of %d pages: %ld", n, rc);
    CHECK(reservation(XENMEM_current_reservation) == before - n, "reservation %ld after giving back %d from %ld",
          reservation(XENMEM_current_reservation), n, before);
}

static void take_back(int first, int n, int populate)
{
    long before = reservation(XENMEM_current_reservation);
    for (int i = 0; i < n; i++)
        list[i] = ((uint32_t)pages[first + i] - VIRT_BASE) >> PAGE_SHIFT;    /* gpfns, for populate */
    long rc = memop(populate ? XENMEM_populate_physmap : XENMEM_increase_reservation, list, (uint32_t)n, 0, 0,
                    DOMID_SELF);
    CHECK(rc == n, "%s of %d pages: %ld", populate ? "populate_physmap" : "increase_reservation", n, rc);
    long after = reservation(XENMEM_current_reservation);
    CHECK(after == before + n, "reservation %ld after taking back %d from %ld", after, n, before);
    for (int i = 0; i < n; i++) {
        uint32_t pfn = ((uint32_t)pages[first + i] - VIRT_BASE) >> PAGE_SHIFT;
        if (!populate)  /* increase_reservation: the guest records the frame's pfn itself */
            CHECK_EQ(pv_mmu_update(((uint64_t)list[i] << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE, pfn), 0, "machphys");
        CHECK(pv_m2p[list[i]] == pfn, "m2p[%#x] = %#x, expected pfn %#x", list[i], pv_m2p[list[i]], pfn);
        CHECK_EQ(pv_update_va_mapping((uint32_t)pages[first + i],
                                      ((uint64_t)list[i] << PAGE_SHIFT) | PTE_P | PTE_RW | PTE_A | PTE_D,
                                      UVMF_INVLPG | UVMF_LOCAL), 0, "map a page taken back");
        const volatile uint32_t *w = (const volatile uint32_t *)pages[first + i];
        for (unsigned k = 0; k < PAGE_SIZE / 4; k += 61)
            CHECK(w[k] == 0, "page taken back is not zeroed (word %u = %#x)", k, w[k]);
    }
}

void guest_main(void)
{
    int n = (int)cmdline_u32("pages", 32), rounds = (int)cmdline_u32("rounds", 3);
    int keep_out = (int)cmdline_u32("keep_out", 16);
    uint32_t foreign = cmdline_u32("foreign", 0);
    CHECK(n > 0 && n <= NPAGES / 2 && keep_out <= NPAGES, "pages=%d keep_out=%d out of range", n, keep_out);
    long cur0 = reservation(XENMEM_current_reservation), max = reservation(XENMEM_maximum_reservation);
    printf("balloon: reservation %ld pages, maximum %ld\n", cur0, max);
    CHECK(cur0 > 0 && max >= cur0, "bad reservation %ld / %ld", cur0, max);
    for (int i = 0; i < NPAGES; i++)
        fill(i, 0);

    refused("a page still mapped", pv_virt_to_mfn(pages[0]), 0, DOMID_SELF);
    refused("shared_info", pv_start_info->shared_info >> PAGE_SHIFT, 0, DOMID_SELF);
    refused("the L3 in use", pv_cur_l3_mfn, 0, DOMID_SELF);
    if (foreign)
        refused("a frame of another domain", foreign, 0, DOMID_SELF);
    refused("extent order 10", pv_virt_to_mfn(pages[0]), 10, DOMID_SELF);
    refused("DOMID_XEN's reservation", pv_virt_to_mfn(pages[0]), 0, 0x7FF2);

    for (int r = 1; r <= rounds; r++) {
        give_back(0, n);
        for (int i = n; i < NPAGES; i++)
            check(i, 0);
        printf("balloon: round %d: gave back %d pages, reservation %ld, kept pages intact\n", r, n,
               reservation(XENMEM_current_reservation));
        take_back(0, n, r & 1);
        for (int i = 0; i < n; i++)
            fill(i, r);
        for (int i = 0; i < n; i++)
            check(i, r);
        printf("balloon: round %d: took back %d pages (%s), reservation %ld\n", r, n,
               (r & 1) ? "populate_physmap" : "increase_reservation", reservation(XENMEM_current_reservation));
    }
    CHECK(reservation(XENMEM_current_reservation) == cur0, "reservation did not come back to %ld", cur0);

    /* past the maximum: increase stops there, and the frames go back */
    long room = max - cur0;
    CHECK(room >= 0 && room < 1024, "test needs maximum - reservation < 1024 (is %ld)", room);
    long rc = memop(XENMEM_increase_reservation, list, (uint32_t)room + 1, 0, 0, DOMID_SELF);
    CHECK(rc == room, "increase_reservation of %ld past the maximum: %ld", room + 1, rc);
    CHECK(reservation(XENMEM_current_reservation) == max, "reservation not at the maximum");
    if (room) {
        CHECK_EQ(memop(XENMEM_decrease_reservation, list, (uint32_t)room, 0, 0, DOMID_SELF), room, "give back");
    }
    printf("balloon: increase by %ld with room for %ld -> %ld extents\n", room + 1, room, rc);

    /* an order-2 extent below 1 GiB: aligned, below the limit, and given back whole */
    if (max - cur0 >= 4) {
        rc = memop(XENMEM_increase_reservation, list, 1, 2, 30, DOMID_SELF);
        CHECK(rc == 1 && (list[0] & 3) == 0 && list[0] < (1u << 18), "order-2 extent: rc %ld mfn %#x", rc, list[0]);
        CHECK_EQ(memop(XENMEM_decrease_reservation, list, 1, 2, 0, DOMID_SELF), 1, "give back the order-2 extent");
        printf("balloon: order-2 extent below 2^30 at mfn %#x, given back\n", list[0]);
    }
    CHECK(reservation(XENMEM_current_reservation) == cur0, "reservation %ld, expected %ld",
          reservation(XENMEM_current_reservation), cur0);

    if (keep_out)
        give_back(NPAGES - keep_out, keep_out);
    for (int i = 0; i < NPAGES - keep_out; i++)
        check(i, i < n ? rounds : 0);
    printf("balloon: final reservation %ld\n", reservation(XENMEM_current_reservation));
    pass();
}
