/*
 * memtarget -- a guest whose memory follows `xl mem-set`: the kit's balloon
 * driver (lib/pv/balloon.c) on the toolstack's memory/target. PV only.
 *
 * Maps all of its memory 1:1 up to its maxmem (memory/static-max; pv_map_all_memory:
 * the pfns beyond nr_pages start ballooned, as Linux's do), fills every data
 * page it holds (the free pages after the start-of-day ones, up to nr_pages)
 * with a pattern of its pfn and prints
 *   "memtarget: ready: D data pages [F, E), reservation R pages"
 * (E: the end of its pseudo-physical space, maxmem's last pfn + 1).
 * Then, for each change of memory/target, it balloons toward it, checks every
 * data page it still holds word by word, checks that the pages it got back
 * come zeroed and refills them, and prints
 *   "memtarget: target T KiB: reservation R pages, moved M, ballooned B,
 *    refused X, short S, verified V pages".
 * xl shutdown ends it cleanly (after a last check).
 *
 * Options:
 *   ignore=1  a guest that does not balloon: for each target it prints
 *             "memtarget: ignoring target T KiB: reservation R pages, increase
 *             by 1 -> N extents (maximum M pages)" after checking its data: it
 *             keeps what it holds, and gets nothing while it holds more than
 *             its maximum.
 *   grant=1   grants the highest data page read-write to Domain-0 (ref 8) and
 *             prints "memtarget: granted pfn P mfn M ref 8"; while Domain-0
 *             has it mapped the driver cannot give it back.
 *   pt=1      the second-highest data page becomes a pinned L1 page table
 *             ("memtarget: page table pfn P"); it is never given back.
 *   bench=N   no xenstore: N rounds of giving back and taking back `pages`
 *             pages (default 2048) through the driver, timed; prints
 *             "memtarget: bench: out X pages/s, in Y pages/s (N rounds of P pages)".
 */
#include <kit.h>
#include <oxen/pv.h>
#include <oxen/xenstore.h>
#include <oxen/balloon.h>

#define MAX_DATA (1u << 16)
static uint8_t was_out[MAX_DATA];
static uint8_t state[MAX_DATA];                        /* the balloon driver's, one byte per data pfn */
static uint8_t gtwin[PAGE_SIZE] ALIGNED(PAGE_SIZE);    /* the grant table frame, with grant=1 */
static uint32_t first, end, nr;
static uint32_t granted_pfn = ~0u, table_pfn = ~0u;

static uint32_t *page(uint32_t pfn) { return (uint32_t *)(VIRT_BASE + pfn * PAGE_SIZE); }
static uint32_t tag(uint32_t pfn) { return 0x6d656d00u ^ (pfn * 0x9e3779b1u); }

static void fill(uint32_t pfn)
{
    uint32_t *w = page(pfn), t = tag(pfn);
    for (unsigned k = 0; k < PAGE_SIZE / 4; k++)
        w[k] = t ^ k;
}

/* Every word of every data page held; returns how many pages were checked. */
static uint32_t verify(void)
{
    uint32_t n = 0;
    for (uint32_t pfn = first; pfn < end; pfn++) {
        if (!balloon_holds(pfn))
            continue;
        const volatile uint32_t *w = page(pfn);
        uint32_t t = pfn == table_pfn ? 0 : tag(pfn);
        for (unsigned k = 0; k < PAGE_SIZE / 4; k++)
            CHECK(w[k] == (pfn == table_pfn ? 0 : t ^ k), "pfn %u word %u: %#x, expected %#x", pfn, k, w[k],
                  pfn == table_pfn ? 0 : t ^ k);
        n++;
    }
    return n;
}

static long reservation(unsigned cmd)
{
    domid_t self = DOMID_SELF;
    return HYPERVISOR_memory_op(cmd, &self);
}

static void grant_top_page(void)
{
    uint32_t frames[1] = { 0 };
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1, .frame_list = (uint32_t)frames };
    CHECK_EQ(HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1), 0, "setup_table");
    CHECK_EQ(st.status, GNTST_okay, "setup_table status");
    CHECK_EQ(pv_update_va_mapping((uint32_t)gtwin, ((uint64_t)frames[0] << 12) | PTE_P | PTE_RW | PTE_A | PTE_D,
                                  UVMF_INVLPG | UVMF_LOCAL), 0, "map the grant table frame");
    volatile grant_entry_v1_t *gt = (volatile grant_entry_v1_t *)gtwin;
    granted_pfn = nr - 1;
    gt[8].domid = 0;
    gt[8].frame = pv_p2m[granted_pfn];
    __asm__ volatile("" ::: "memory");
    gt[8].flags = GTF_permit_access;
    printf("memtarget: granted pfn %u mfn %u ref 8\n", granted_pfn, pv_p2m[granted_pfn]);
}

static void make_page_table(void)
{
    table_pfn = nr - 2;
    memset(page(table_pfn), 0, PAGE_SIZE);
    CHECK_EQ(pv_set_page_writable(page(table_pfn), 0), 0, "map the page-table page read-only");
    CHECK_EQ(pv_mmuext(MMUEXT_PIN_L1_TABLE, pv_p2m[table_pfn], 0), 0, "pin it as an L1");
    printf("memtarget: page table pfn %u mfn %u\n", table_pfn, pv_p2m[table_pfn]);
}

static void follow(uint64_t target_kib)
{
    for (uint32_t pfn = first; pfn < end; pfn++)
        was_out[pfn - first] = !balloon_holds(pfn);
    long moved = balloon_set_target(target_kib);
    uint32_t back = 0;
    for (uint32_t pfn = first; pfn < end; pfn++) {
        if (!was_out[pfn - first] || !balloon_holds(pfn))
            continue;
        const volatile uint32_t *w = page(pfn);
        for (unsigned k = 0; k < PAGE_SIZE / 4; k++)
            CHECK(w[k] == 0, "pfn %u came back with word %u = %#x, not zeroed", pfn, k, w[k]);
        fill(pfn);
        back++;
    }
    CHECK(moved <= 0 || (uint32_t)moved == back, "moved %ld but %u pages came back", moved, back);
    uint32_t checked = verify();
    const struct balloon_stats *s = balloon_stats();
    CHECK_EQ(s->current_pages, reservation(XENMEM_current_reservation), "the driver's count");
    printf("memtarget: target %llu KiB: reservation %u pages, moved %ld, ballooned %u, refused %u, short %u,"
           " verified %u pages\n", (unsigned long long)target_kib, s->current_pages, moved, s->ballooned,
           s->refused, s->short_by, checked);
}

static void ignore(uint64_t target_kib)
{
    uint32_t checked = verify();
    uint32_t one[1] = { 0 };
    struct xen_memory_reservation r = { (uint32_t)one, 1, 0, 0, DOMID_SELF };
    long got = HYPERVISOR_memory_op(XENMEM_increase_reservation, &r);
    CHECK(got == 0 || got == 1, "increase_reservation: %ld", got);
    if (got == 1) {                             /* give the frame straight back */
        struct xen_memory_reservation d = { (uint32_t)one, 1, 0, 0, DOMID_SELF };
        CHECK_EQ(HYPERVISOR_memory_op(XENMEM_decrease_reservation, &d), 1, "give back the extra frame");
    }
    printf("memtarget: ignoring target %llu KiB: reservation %ld pages, increase by 1 -> %ld extents (maximum %ld"
           " pages), verified %u pages\n", (unsigned long long)target_kib, reservation(XENMEM_current_reservation),
           got, reservation(XENMEM_maximum_reservation), checked);
}

static void bench(uint32_t rounds)
{
    uint32_t pages = cmdline_u32("pages", 2048);
    CHECK(pages < nr - first, "pages=%u: only %u data pages", pages, nr - first);
    uint64_t kib = (uint64_t)reservation(XENMEM_current_reservation) * 4;
    uint64_t t_out = 0, t_in = 0;
    for (uint32_t r = 0; r < rounds; r++) {
        uint64_t t0 = guest_time_ns();
        CHECK_EQ(balloon_set_target(kib - pages * 4ull), -(long)pages, "bench: give back");
        uint64_t t1 = guest_time_ns();
        CHECK_EQ(balloon_set_target(kib), (long)pages, "bench: take back");
        uint64_t t2 = guest_time_ns();
        t_out += t1 - t0;
        t_in += t2 - t1;
    }
    uint64_t n = (uint64_t)rounds * pages;
    printf("memtarget: bench: out %llu pages/s, in %llu pages/s (%u rounds of %u pages)\n",
           (unsigned long long)(n * 1000000000ull / (t_out ? t_out : 1)),
           (unsigned long long)(n * 1000000000ull / (t_in ? t_in : 1)), rounds, pages);
    for (uint32_t pfn = nr - pages; pfn < nr; pfn++) {     /* the pages that went and came back */
        CHECK(page(pfn)[0] == 0 && page(pfn)[1023] == 0, "pfn %u came back not zeroed", pfn);
        fill(pfn);
    }
    printf("memtarget: verified %u pages\n", verify());
}

void guest_main(void)
{
    uint32_t rounds = cmdline_u32("bench", 0);
    int watch = rounds == 0;
    nr = pv_start_info->nr_pages;
    uint32_t max_pfn = nr;
    if (watch) {
        CHECK_EQ(xs_init(), 0, "xenstore");
        char value[32];
        const char *e;
        CHECK(xs_read(0, "memory/static-max", value, sizeof value) > 0, "read memory/static-max: %s", xs_error());
        uint64_t kib = strtoull_kit(value, &e);
        CHECK(*e == '\0', "memory/static-max is %s", value);
        if (kib / 4 > max_pfn)
            max_pfn = (uint32_t)(kib / 4);
    }
    uint32_t next = pv_first_free_pfn();
    int rc = pv_map_all_memory(&next, max_pfn);
    CHECK_EQ(rc, 0, "map all memory");
    first = next;
    end = max_pfn;
    CHECK(nr > first && end - first <= MAX_DATA, "data pages [%u, %u)", first, end);
    for (uint32_t pfn = first; pfn < nr; pfn++)
        fill(pfn);
    if (cmdline_u32("pt", 0))
        make_page_table();
    CHECK_EQ(balloon_init(first, end, state, watch), 0, "balloon driver");
    if (cmdline_u32("grant", 0))
        grant_top_page();
    printf("memtarget: ready: %u data pages [%u, %u), reservation %ld pages\n", nr - first, first, end,
           reservation(XENMEM_current_reservation));
    if (rounds) {
        bench(rounds);
        pass();
    }
    CHECK_EQ(shutdown_watch_init(), 0, "watch control/shutdown");
    int ignoring = cmdline_u32("ignore", 0) != 0;
    char path[256], token[64];
    for (;;) {
        if (!xs_read_watch(path, sizeof path, token, sizeof token, 3600ull * 1000000000ull))
            continue;
        int64_t target;
        if (balloon_event(token, &target)) {
            if (target < 0)
                continue;
            if (ignoring)
                ignore((uint64_t)target);
            else
                follow((uint64_t)target);
            continue;
        }
        int reason = shutdown_event(token);
        if (reason >= 0) {
            printf("memtarget: verified %u pages\n", verify());
            shutdown_clean(reason);
        }
    }
}
