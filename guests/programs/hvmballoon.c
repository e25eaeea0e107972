/*
 * hvmballoon -- ballooning from an HVM domain (native flavor only: a multiboot
 * kernel that oxen runs with type = "hvm"), as an HVM kernel's balloon driver
 * does it: memory_op's reservation changes through the hypercall page, with
 * guest frame numbers (GFNs = physical address / 4096; paging stays off).
 *
 * The pool is its RAM from 4 MiB to the end (every page filled with a pattern
 * of its GFN and a generation), the rest holds the program; pool GFNs above
 * its RAM start given back.
 *
 *   1. rounds=N (2) rounds of pages=P (256) pages spread over the pool given
 *      back (decrease_reservation by GFN: the reservation falls by P, each
 *      page reads all ones and drops writes -- a hole in the P2M), then
 *      populated again (populate_physmap at the same GFNs: the reservation is
 *      back, each page reads zeros); the rest of the pool keeps its data;
 *   2. an order-1 extent out and in;
 *   3. refusals, each doing nothing (0 extents, the reservation unchanged):
 *      a hole given back again, populating a GFN that has a frame, GFNs at and
 *      across 4 GiB, order 10, another domain's reservation, an exchange onto a
 *      GFN with a frame of its own or of a hole (-EINVAL, nr_exchanged 0);
 *   3b. XENMEM_exchange by GFN (as Xen's memory_exchange for a translated
 *      domain): four single pages for an order-2 extent below 4 GiB at the
 *      same GFNs (zeroed, the reservation unchanged, the output list not
 *      written), and a page moved to a hole;
 *   4. increase_reservation: one frame more in the reservation and nothing
 *      written into the list (a translated guest never sees an MFN);
 *   5. pages above its RAM populated up to its maximum reservation, written
 *      and read, one more refused (over the maximum), then given back;
 *   6. shared_info (mapped over a page of its RAM by add_to_physmap) given
 *      back: only unhooked (the reservation stays), mapped again;
 *   7. targets=N (0): a balloon driver following memory/target in xenstore
 *      (xl mem-set) for N changes of the target: gives pool pages back from the
 *      top or populates GFNs from the bottom of the pool again -- the pool
 *      reaching above its RAM to 4 MiB + 256 MiB, so it grows past its initial
 *      memory as far as its maximum lets it -- until its reservation is the
 *      target, checks every page it holds and prints "hvmballoon: domain D
 *      target T KiB: reservation R pages, ..." after each; polls the node every
 *      20 ms.
 */
#include <kit.h>
#include <oxen/xenhvm.h>
#include <oxen/xenstore.h>

#define POOL_START (4u << 20)
#define MAX_POOL_PAGES 65536u       /* 256 MiB of pool at most */
#define MAX_LIST 1024u
#define EVENT_IRQ 11
#define GFN_LIMIT 0x100000u         /* 4 GiB: the guest-physical space */

static uint32_t list[MAX_LIST];
static uint8_t gen[MAX_POOL_PAGES];  /* the page's generation; 0: given back */
static uint32_t pool_first, pool_pages, ram_end_pfn;
/* a whole page: shared_info replaces it, so nothing else may live in it */
static union xenhvm_shared_info_page shinfo_page __attribute__((aligned(4096)));

static long reservation(unsigned cmd, const uint32_t *gfns, uint32_t n, uint32_t order, domid_t dom)
{
    struct xen_memory_reservation r = { .extent_start = (uint32_t)gfns, .nr_extents = n,
                                        .extent_order = order, .mem_flags = 0, .domid = dom };
    return HYPERVISOR_memory_op(cmd, &r);
}

/* XENMEM_exchange by GFN: its return value, or -1000 - nr_exchanged when that is not what it should be. */
static long exchange(uint32_t *in, uint32_t nin, uint32_t in_order, uint32_t *out, uint32_t nout, uint32_t out_order,
                     uint32_t address_bits)
{
    struct xen_memory_exchange x = {
        .in = { .extent_start = (uint32_t)in, .nr_extents = nin, .extent_order = in_order, .domid = DOMID_SELF },
        .out = { .extent_start = (uint32_t)out, .nr_extents = nout, .extent_order = out_order,
                 .mem_flags = address_bits, .domid = DOMID_SELF },
        .nr_exchanged = 0,
    };
    long rc = HYPERVISOR_memory_op(XENMEM_exchange, &x);
    if (x.nr_exchanged != (rc == 0 ? nin : 0))
        return -1000 - (long)x.nr_exchanged;
    return rc;
}

static long current_reservation(void)
{
    domid_t self = DOMID_SELF;
    return HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
}

static volatile uint32_t *page_at(uint32_t gfn) { return (volatile uint32_t *)(gfn << 12); }

static uint32_t pattern(uint32_t gfn, uint32_t g, uint32_t i)
{
    return (gfn * 0x01000193u) ^ (i * 0x9e3779b9u) ^ (g << 24);
}

static void fill(uint32_t gfn)
{
    uint32_t k = gfn - pool_first;
    if (++gen[k] == 0)
        gen[k] = 1;
    volatile uint32_t *p = page_at(gfn);
    for (uint32_t i = 0; i < 1024; i++)
        p[i] = pattern(gfn, gen[k], i);
}

static void check_page(uint32_t gfn)
{
    uint32_t k = gfn - pool_first;
    volatile uint32_t *p = page_at(gfn);
    for (uint32_t i = 0; i < 1024; i++)
        CHECK(p[i] == pattern(gfn, gen[k], i), "gfn 0x%x word %u is 0x%08x, not 0x%08x (its data was lost)", gfn, i,
              p[i], pattern(gfn, gen[k], i));
}

/* Every pool page it holds (in RAM and above it) has its data; returns how many were checked. */
static uint32_t check_held(void)
{
    uint32_t n = 0;
    for (uint32_t k = 0; k < MAX_POOL_PAGES; k++) {
        if (gen[k]) {
            check_page(pool_first + k);
            n++;
        }
    }
    return n;
}

static void check_hole(uint32_t gfn)
{
    volatile uint32_t *p = page_at(gfn);
    for (uint32_t i = 0; i < 1024; i++)
        CHECK(p[i] == 0xffffffffu, "given-back gfn 0x%x word %u reads 0x%08x, not all ones (no hole)", gfn, i, p[i]);
    p[5] = 0x12345678u;
    CHECK(p[5] == 0xffffffffu, "a write into given-back gfn 0x%x stuck (0x%08x)", gfn, p[5]);
}

static void check_zero(uint32_t gfn)
{
    volatile uint32_t *p = page_at(gfn);
    for (uint32_t i = 0; i < 1024; i++)
        CHECK(p[i] == 0, "populated gfn 0x%x word %u is 0x%08x, not zero", gfn, i, p[i]);
}

static void give_back(const uint32_t *gfns, uint32_t n)
{
    CHECK_EQ(reservation(XENMEM_decrease_reservation, gfns, n, 0, DOMID_SELF), n, "decrease_reservation");
    for (uint32_t i = 0; i < n; i++)
        gen[gfns[i] - pool_first] = 0;
}

static void take_back(const uint32_t *gfns, uint32_t n)
{
    CHECK_EQ(reservation(XENMEM_populate_physmap, gfns, n, 0, DOMID_SELF), n, "populate_physmap");
    for (uint32_t i = 0; i < n; i++) {
        check_zero(gfns[i]);
        fill(gfns[i]);
    }
}

static void sleep_ms(uint32_t ms)
{
    uint64_t until = guest_time_ns() + (uint64_t)ms * 1000000u;
    timer_oneshot(until);
    while (guest_time_ns() < until)
        __asm__ volatile("sti; hlt; cli" ::: "memory");
}

/* 7: follows memory/target for `targets` changes. */
static void follow_target(uint32_t targets, domid_t self)
{
    char buf[64];
    CHECK_EQ(xenhvm_xs_init(), 0, "xenstore params");
    CHECK(timer_init() == 0, "timer");
    long last = -1;
    printf("hvmballoon: following memory/target\n");
    for (uint32_t seen = 0; seen < targets;) {
        CHECK(xenhvm_xs_request(XS_READ, "memory/target", 14, buf, sizeof buf) == 0, "XS_READ memory/target: %s", buf);
        long kib = (long)strtoull_kit(buf, NULL);
        if (kib == last) {
            sleep_ms(20);
            continue;
        }
        last = kib;
        long want = kib / 4, cur = current_reservation(), moved = 0;
        uint32_t refused = 0;
        /* give back from the top of the pool, take back from the bottom, a list at a time */
        while (cur > want) {
            uint32_t n = 0;
            for (uint32_t k = MAX_POOL_PAGES; k-- > 0 && n < MAX_LIST && n < (uint32_t)(cur - want);)
                if (gen[k])
                    list[n++] = pool_first + k;
            if (n == 0)
                break;
            give_back(list, n);
            cur -= n;
            moved += n;
        }
        while (cur < want) {
            uint32_t n = 0;
            for (uint32_t k = 0; k < MAX_POOL_PAGES && n < MAX_LIST && n < (uint32_t)(want - cur); k++)
                if (!gen[k])
                    list[n++] = pool_first + k;
            if (n == 0)
                break;
            long rc = reservation(XENMEM_populate_physmap, list, n, 0, DOMID_SELF);
            CHECK(rc >= 0 && rc <= (long)n, "populate_physmap: %ld", rc);
            for (long i = 0; i < rc; i++) {
                check_zero(list[i]);
                fill(list[i]);
            }
            cur += rc;
            moved += rc;
            if ((uint32_t)rc < n) {         /* over the maximum: xl mem-set raised it with the target */
                refused = n - (uint32_t)rc;
                break;
            }
        }
        CHECK_EQ(current_reservation(), cur, "current_reservation after ballooning");
        uint32_t verified = check_held();
        seen++;
        printf("hvmballoon: domain %u target %ld KiB: reservation %ld pages, moved %ld, refused %u, verified %u pages\n",
               self, kib, cur, moved, refused, verified);
    }
}

void guest_main(void)
{
    struct xenhvm_info xi;
    CHECK(xenhvm_detect(&xi) == 0, "no Xen signature in CPUID 0x40000000..");
    CHECK(xenhvm_init_hypercalls(&xi) == 0, "the hypercall page was not filled");
    domid_t self = (domid_t)xi.domid;
    uint64_t ram = guest_mem_bytes();
    CHECK(ram > POOL_START + (64u << 12), "RAM %llu bytes leaves no pool above 4 MiB", ram);
    extern char _end[];
    CHECK((uint32_t)_end <= POOL_START, "the image ends at %p, inside the pool", _end);
    ram_end_pfn = (uint32_t)(ram >> 12);
    pool_first = POOL_START >> 12;
    pool_pages = ram_end_pfn - pool_first;
    if (pool_pages > MAX_POOL_PAGES)
        pool_pages = MAX_POOL_PAGES;
    uint32_t rounds = cmdline_u32("rounds", 2), pages = cmdline_u32("pages", 256);
    uint32_t targets = cmdline_u32("targets", 0);
    CHECK(pages >= 1 && pages <= MAX_LIST && pages <= pool_pages, "pages=%u (1..%u)", pages, MAX_LIST);

    CHECK_EQ(xenhvm_map_shared_info(&shinfo_page.s), 0, "add_to_physmap(shared_info)");
    long r0 = current_reservation();
    long max = HYPERVISOR_memory_op(XENMEM_maximum_reservation, &(domid_t){DOMID_SELF});
    CHECK(r0 > 0 && max > r0, "reservation %ld, maximum %ld: it needs a maximum above its reservation (maxmem)", r0, max);
    printf("hvmballoon: domain %u reservation %ld pages, maximum %ld, pool gfns [0x%x, 0x%x)\n", self, r0, max,
           pool_first, pool_first + pool_pages);
    for (uint32_t k = 0; k < pool_pages; k++)
        fill(pool_first + k);

    /* 1. rounds of pages out and in */
    uint32_t step = pool_pages / pages;
    for (uint32_t r = 0; r < rounds; r++) {
        for (uint32_t k = 0; k < pages; k++)
            list[k] = pool_first + (k * step + r) % pool_pages;
        give_back(list, pages);
        CHECK_EQ(current_reservation(), r0 - pages, "reservation with the pages given back");
        for (uint32_t k = 0; k < pages; k++)
            check_hole(list[k]);
        uint32_t kept = check_held();
        take_back(list, pages);
        CHECK_EQ(current_reservation(), r0, "reservation with the pages populated again");
        printf("hvmballoon: round %u: %u pages given back (holes) and populated again (zeroed), %u kept their data\n",
               r + 1, pages, kept);
    }

    /* 2. an order-1 extent */
    uint32_t pair = (pool_first + 2) & ~1u;
    CHECK_EQ(reservation(XENMEM_decrease_reservation, &pair, 1, 1, DOMID_SELF), 1, "decrease an order-1 extent");
    gen[pair - pool_first] = gen[pair + 1 - pool_first] = 0;
    CHECK_EQ(current_reservation(), r0 - 2, "reservation without the order-1 extent");
    check_hole(pair);
    check_hole(pair + 1);
    CHECK_EQ(reservation(XENMEM_populate_physmap, &pair, 1, 1, DOMID_SELF), 1, "populate an order-1 extent");
    check_zero(pair);
    check_zero(pair + 1);
    fill(pair);
    fill(pair + 1);
    CHECK_EQ(current_reservation(), r0, "reservation with the order-1 extent back");

    /* 3. refusals */
    uint32_t g = pool_first + 7, held = pool_first + 9;
    give_back(&g, 1);
    CHECK_EQ(reservation(XENMEM_decrease_reservation, &g, 1, 0, DOMID_SELF), 0, "a hole given back again");
    CHECK_EQ(reservation(XENMEM_populate_physmap, &held, 1, 0, DOMID_SELF), 0, "populate a gfn that has a frame");
    uint32_t far[2] = { GFN_LIMIT, GFN_LIMIT - 1 };
    CHECK_EQ(reservation(XENMEM_populate_physmap, &far[0], 1, 0, DOMID_SELF), 0, "populate gfn 0x100000 (4 GiB)");
    CHECK_EQ(reservation(XENMEM_populate_physmap, &far[1], 1, 1, DOMID_SELF), 0, "populate an extent across 4 GiB");
    CHECK_EQ(reservation(XENMEM_decrease_reservation, &far[0], 1, 0, DOMID_SELF), 0, "decrease gfn 0x100000");
    CHECK_EQ(reservation(XENMEM_populate_physmap, &g, 1, 10, DOMID_SELF), 0, "populate order 10");
    CHECK_EQ(reservation(XENMEM_decrease_reservation, &held, 1, 10, DOMID_SELF), 0, "decrease order 10");
    CHECK_EQ(reservation(XENMEM_populate_physmap, &g, 1, 0, (domid_t)(self + 1000)), 0,
             "populate for another (absent) domain");
    uint32_t ein = held, eout = held + 1;      /* eout has a frame of its own, kept */
    CHECK_EQ(exchange(&ein, 1, 0, &eout, 1, 0, 0), -XEN_EINVAL, "exchange onto a gfn that keeps its frame");
    CHECK_EQ(exchange(&g, 1, 0, &g, 1, 0, 0), -XEN_EINVAL, "exchange of a hole");
    CHECK_EQ(current_reservation(), r0 - 1, "reservation after the refusals");
    check_hole(g);
    check_page(held);
    check_page(held + 1);
    take_back(&g, 1);
    printf("hvmballoon: refusals: a hole again, an occupied gfn, 4 GiB, order 10, another domain, exchange\n");

    /* 3b. XENMEM_exchange by GFN: four single pages for one order-2 extent below 4 GiB at the
     * same GFNs, then a page moved to a hole; the reservation never changes, the new pages read
     * zeros, nothing is written into the output list */
    uint32_t quad = (pool_first + 16) & ~3u, singles[4] = { quad, quad + 1, quad + 2, quad + 3 }, at = quad;
    CHECK_EQ(exchange(singles, 4, 0, &at, 1, 2, 32), 0, "exchange 4 pages for an order-2 extent");
    CHECK_EQ(at, quad, "exchange wrote into a translated guest's output list");
    for (uint32_t k = 0; k < 4; k++) {
        check_zero(quad + k);
        fill(quad + k);
    }
    CHECK_EQ(current_reservation(), r0, "reservation after the exchange");
    uint32_t from = quad + 8, to = quad + 9;
    give_back(&to, 1);
    CHECK_EQ(exchange(&from, 1, 0, &to, 1, 0, 0), 0, "exchange a page to a hole");
    gen[from - pool_first] = 0;
    check_hole(from);
    check_zero(to);
    fill(to);
    take_back(&from, 1);
    CHECK_EQ(current_reservation(), r0, "reservation after moving a page");
    check_held();
    printf("hvmballoon: exchange: 4 pages for an order-2 extent at their GFNs, a page moved to a hole\n");

    /* 4. increase_reservation: a frame the guest cannot see */
    uint32_t untouched = 0xdeadbeefu;
    CHECK_EQ(reservation(XENMEM_increase_reservation, &untouched, 1, 0, DOMID_SELF), 1, "increase_reservation");
    CHECK_EQ(untouched, 0xdeadbeefu, "increase_reservation wrote into a translated guest's list");
    long r1 = r0 + 1;
    CHECK_EQ(current_reservation(), r1, "reservation after increase_reservation");

    /* 5. above its RAM, up to the maximum (none when it starts at it) */
    long room = max - r1;
    if (room < 0)
        room = 0;
    if (room > (long)MAX_LIST)
        room = MAX_LIST;
    for (long i = 0; i < room; i++)
        list[i] = ram_end_pfn + (uint32_t)i;
    CHECK_EQ(reservation(XENMEM_populate_physmap, list, (uint32_t)room, 0, DOMID_SELF), room,
             "populate above RAM");
    for (long i = 0; i < room; i++) {
        check_zero(list[i]);
        page_at(list[i])[3] = list[i] * 7u;
    }
    for (long i = 0; i < room; i++)
        CHECK_EQ(page_at(list[i])[3], list[i] * 7u, "a page above RAM kept its word");
    if (r1 + room >= max) {
        uint32_t more = ram_end_pfn + (uint32_t)room;
        CHECK_EQ(reservation(XENMEM_populate_physmap, &more, 1, 0, DOMID_SELF), 0, "populate over the maximum");
        check_hole(more);
    }
    CHECK_EQ(reservation(XENMEM_decrease_reservation, list, (uint32_t)room, 0, DOMID_SELF), room,
             "give back the pages above RAM");
    if (room)
        check_hole(list[0]);
    CHECK_EQ(current_reservation(), r1, "reservation after the pages above RAM");
    printf("hvmballoon: %ld pages above RAM populated up to the maximum %ld and given back\n", room, max);

    /* 6. shared_info given back: unhooked, not freed */
    uint32_t si = (uint32_t)&shinfo_page >> 12;
    CHECK_EQ(reservation(XENMEM_decrease_reservation, &si, 1, 0, DOMID_SELF), 1, "decrease shared_info's gfn");
    CHECK_EQ(current_reservation(), r1, "shared_info is not part of the reservation");
    check_hole(si);
    CHECK_EQ(xenhvm_map_shared_info(&shinfo_page.s), 0, "add_to_physmap(shared_info) again");
    CHECK(shinfo_page.s.evtchn_mask[0] != 0xffffffffu, "shared_info is not back");
    printf("hvmballoon: shared_info's gfn given back: unhooked, mapped again\n");

    uint32_t verified = check_held();
    printf("hvmballoon: reservation %ld pages, %u pool pages verified\n", current_reservation(), verified);

    if (targets) {
        CHECK_EQ(xenhvm_events_via_platform(EVENT_IRQ), 0, "the event upcall as the platform device's INTx");
        follow_target(targets, self);
    }
    pass();
}
