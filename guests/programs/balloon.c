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
 *
 * XENMEM_exchange (before the last step): 8 single pages for 2 order-2 extents below 2^30, an
 * order-1 extent for 2 single pages, partial progress (the third of 4 pages still mapped:
 * -EINVAL after 2, the first two exchanged, the fourth untouched), and the refusals (order 10,
 * in.domid != out.domid, sizes that do not match, nr_exchanged past the input, an output list
 * in the hypervisor hole, the argument unreadable, a frame named twice, another domain's frame,
 * shared_info, the L3 in use, address bits no frame satisfies, another domain's or no domain's
 * id), each leaving nr_exchanged, the frames and the reservation as Xen does. Each line:
 * "balloon: exchange <what> -> rc R nr_exchanged N".
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

static uint32_t xin[16], xout[16];

static long exchange(uint32_t in_nr, uint32_t in_order, uint32_t out_nr, uint32_t out_order, uint32_t bits,
                     domid_t in_dom, domid_t out_dom, uint32_t start, uint32_t *nr)
{
    struct xen_memory_exchange x = {
        { (uint32_t)xin, in_nr, in_order, 0, in_dom },
        { (uint32_t)xout, out_nr, out_order, bits, out_dom },
        start,
    };
    long rc = HYPERVISOR_memory_op(XENMEM_exchange, &x);
    *nr = x.nr_exchanged;
    return rc;
}

static uint32_t gpfn_of(int i) { return ((uint32_t)pages[i] - VIRT_BASE) >> PAGE_SHIFT; }

static void unmap(int i)
{
    long rc = pv_update_va_mapping((uint32_t)pages[i], 0, UVMF_INVLPG | UVMF_LOCAL);
    CHECK(rc == 0, "unmap page %d: %ld", i, rc);
}

static void map(int i, uint32_t mfn)
{
    long rc = pv_update_va_mapping((uint32_t)pages[i], ((uint64_t)mfn << PAGE_SHIFT) | PTE_P | PTE_RW | PTE_A | PTE_D,
                                   UVMF_INVLPG | UVMF_LOCAL);
    CHECK(rc == 0, "map page %d at mfn %#x: %ld", i, mfn, rc);
}

/* Page i now has frame mfn: the M2P says so, it comes zeroed, and gets round-0 data again. */
static void remap_new(int i, uint32_t mfn)
{
    CHECK(pv_m2p[mfn] == gpfn_of(i), "m2p[%#x] = %#x, expected pfn %#x", mfn, pv_m2p[mfn], gpfn_of(i));
    map(i, mfn);
    const volatile uint32_t *w = (const volatile uint32_t *)pages[i];
    for (unsigned k = 0; k < PAGE_SIZE / 4; k += 61)
        CHECK(w[k] == 0, "exchanged page %d not zeroed", i);
    fill(i, 0);
}

static void refuse(const char *what, long want_rc, long rc, uint32_t nr, uint32_t want_nr)
{
    CHECK(rc == want_rc && nr == want_nr, "exchange %s: rc %ld nr_exchanged %u, expected %ld and %u", what, rc, nr,
          want_rc, want_nr);
    printf("balloon: exchange %-30s -> rc %ld nr_exchanged %u\n", what, rc, nr);
}

static void exchange_tests(uint32_t foreign, domid_t victim)
{
    long before = reservation(XENMEM_current_reservation);
    uint32_t nr;
    long rc;

    /* 8 single pages for 2 contiguous order-2 extents below 2^30 */
    for (int i = 0; i < 8; i++) {
        xin[i] = pv_virt_to_mfn(pages[i]);
        unmap(i);
    }
    xout[0] = gpfn_of(0);
    xout[1] = gpfn_of(4);
    rc = exchange(8, 0, 2, 2, 30, DOMID_SELF, DOMID_SELF, 0, &nr);
    refuse("8 pages for 2 order-2 extents", 0, rc, nr, 8);
    for (int i = 0; i < 8; i++)
        CHECK(pv_m2p[xin[i]] == 0xFFFFFFFFu, "old frame %#x still in the M2P (%#x)", xin[i], pv_m2p[xin[i]]);
    uint32_t ext0 = xout[0], ext1 = xout[1];
    CHECK((ext0 & 3) == 0 && (ext1 & 3) == 0 && ext0 < (1u << 18) && ext1 < (1u << 18), "extents %#x %#x", ext0, ext1);
    for (int i = 0; i < 8; i++)
        remap_new(i, (i < 4 ? ext0 : ext1) + (uint32_t)(i & 3));

    /* an order-1 extent (pages 0 and 1, contiguous now) for 2 single pages */
    unmap(0);
    unmap(1);
    xin[0] = ext0;
    xout[0] = gpfn_of(0);
    xout[1] = gpfn_of(1);
    rc = exchange(1, 1, 2, 0, 0, DOMID_SELF, DOMID_SELF, 0, &nr);
    refuse("an order-1 extent for 2 pages", 0, rc, nr, 1);
    remap_new(0, xout[0]);
    remap_new(1, xout[1]);

    /* partial progress: pages 10, 11, 13 unmapped, 12 still mapped */
    uint32_t old13 = pv_virt_to_mfn(pages[13]);
    for (int i = 10; i < 14; i++) {
        xin[i - 10] = pv_virt_to_mfn(pages[i]);
        xout[i - 10] = gpfn_of(i);
        if (i != 12)
            unmap(i);
    }
    rc = exchange(4, 0, 4, 0, 0, DOMID_SELF, DOMID_SELF, 0, &nr);
    refuse("4 pages, the third still mapped", -XEN_EINVAL, rc, nr, 2);
    remap_new(10, xout[0]);
    remap_new(11, xout[1]);
    CHECK(pv_m2p[old13] == gpfn_of(13), "page 13's frame was exchanged");
    map(13, old13);
    check(13, 0);
    check(12, 0);

    /* refusals: nothing moves */
    xin[0] = pv_virt_to_mfn(pages[20]);
    xout[0] = gpfn_of(20);
    rc = exchange(1, 10, 1, 10, 0, DOMID_SELF, DOMID_SELF, 0, &nr);
    refuse("order 10", -XEN_EPERM, rc, nr, 0);
    rc = exchange(1, 0, 1, 0, 0, DOMID_SELF, 0, 0, &nr);
    refuse("in.domid != out.domid", -XEN_EINVAL, rc, nr, 0);
    rc = exchange(2, 0, 1, 0, 0, DOMID_SELF, DOMID_SELF, 0, &nr);
    refuse("2 pages for 1", -XEN_EINVAL, rc, nr, 0);
    rc = exchange(2, 0, 2, 0, 0, DOMID_SELF, DOMID_SELF, 3, &nr);
    refuse("nr_exchanged past the input", -XEN_EINVAL, rc, nr, 3);
    {
        struct xen_memory_exchange x = { { (uint32_t)xin, 1, 0, 0, DOMID_SELF },
                                         { MACH2PHYS_VIRT_START, 1, 0, 0, DOMID_SELF }, 0 };
        rc = HYPERVISOR_memory_op(XENMEM_exchange, &x);
        refuse("output list in the hypervisor hole", -XEN_EFAULT, rc, x.nr_exchanged, 0);
        rc = HYPERVISOR_memory_op(XENMEM_exchange, (void *)MACH2PHYS_VIRT_START);
        refuse("argument in the hypervisor hole", -XEN_EFAULT, rc, 0, 0);
    }
    unmap(20);
    xin[1] = xin[0];                  /* one chunk: 2 pages for an order-1 extent */
    rc = exchange(2, 0, 1, 1, 0, DOMID_SELF, DOMID_SELF, 0, &nr);
    refuse("a frame named twice", -XEN_EINVAL, rc, nr, 0);
    rc = exchange(1, 0, 1, 0, 13, DOMID_SELF, DOMID_SELF, 0, &nr);
    refuse("address bits 13", -XEN_ENOMEM, rc, nr, 0);
    CHECK(pv_m2p[xin[0]] == gpfn_of(20), "page 20's frame left the domain");
    map(20, xin[0]);
    check(20, 0);
    if (foreign) {
        xin[0] = foreign;
        rc = exchange(1, 0, 1, 0, 0, DOMID_SELF, DOMID_SELF, 0, &nr);
        refuse("a frame of another domain", -XEN_EINVAL, rc, nr, 0);
    }
    xin[0] = pv_start_info->shared_info >> PAGE_SHIFT;
    rc = exchange(1, 0, 1, 0, 0, DOMID_SELF, DOMID_SELF, 0, &nr);
    refuse("shared_info", -XEN_EINVAL, rc, nr, 0);
    xin[0] = pv_cur_l3_mfn;
    rc = exchange(1, 0, 1, 0, 0, DOMID_SELF, DOMID_SELF, 0, &nr);
    refuse("the L3 in use", -XEN_EINVAL, rc, nr, 0);
    xin[0] = pv_virt_to_mfn(pages[20]);
    if (victim) {
        rc = exchange(1, 0, 1, 0, 0, victim, victim, 0, &nr);
        refuse("another domain's memory", -XEN_EPERM, rc, nr, 0);
    }
    rc = exchange(1, 0, 1, 0, 0, 0x7000, 0x7000, 0, &nr);
    refuse("no such domain", -XEN_ESRCH, rc, nr, 0);
    CHECK(reservation(XENMEM_current_reservation) == before, "exchange moved the reservation to %ld from %ld",
          reservation(XENMEM_current_reservation), before);
    for (int i = 0; i < 24; i++)
        check(i, 0);
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

    /* exchange refills pages 0..23 with round-0 data */
    for (int i = 0; i < 24; i++)
        fill(i, 0);
    exchange_tests(foreign, (domid_t)cmdline_u32("victim", 0));
    if (keep_out)
        give_back(NPAGES - keep_out, keep_out);
    for (int i = 0; i < NPAGES - keep_out; i++)
        check(i, i < 24 || i >= n ? 0 : rounds);
    printf("balloon: final reservation %ld\n", reservation(XENMEM_current_reservation));
    pass();
}
