/*
 * balloon.c -- the kit's balloon driver (see <oxen/balloon.h>), after Linux's
 * drivers/xen/balloon.c: decrease_reservation() unmaps each page, clears its
 * P2M entry and gives the frames back in one XENMEM_decrease_reservation;
 * increase_reservation() asks XENMEM_populate_physmap for the ballooned pfns
 * and, for the frames it got, sets the P2M (the hypervisor set the M2P) and
 * maps them again. Page-table updates of a batch go in one mmu_update,
 * followed by one local TLB flush.
 */
#include <oxen/pv.h>
#include <oxen/xenstore.h>
#include <oxen/balloon.h>

static uint32_t first, end;
static uint8_t *out;                    /* per pfn of the range: 1 = ballooned (the caller's array) */
static struct balloon_stats stats;
static uint32_t frames[BALLOON_BATCH], pfns[BALLOON_BATCH];
static uint64_t ptes[BALLOON_BATCH];    /* the mappings a batch changes: what they were, or become */
static mmu_update_t reqs[BALLOON_BATCH];

static long reservation(unsigned cmd)
{
    domid_t self = DOMID_SELF;
    return HYPERVISOR_memory_op(cmd, &self);
}

static long memop(unsigned cmd, uint32_t *list, uint32_t n)
{
    struct xen_memory_reservation r = { (uint32_t)list, n, 0, 0, DOMID_SELF };
    return HYPERVISOR_memory_op(cmd, &r);
}

static uint64_t kernel_pte(uint32_t mfn)
{
    return ((uint64_t)mfn << PAGE_SHIFT) | PTE_P | PTE_RW | PTE_A | PTE_D;
}

/* Sets the 1:1 mappings of pf[0..n) to pte[0..n) (NULL: unmaps them), in one mmu_update. */
static void remap(const uint32_t *pf, uint32_t n, const uint64_t *pte)
{
    for (uint32_t i = 0; i < n; i++) {
        reqs[i].ptr = pv_l1e_maddr(VIRT_BASE + pf[i] * PAGE_SIZE) | MMU_NORMAL_PT_UPDATE;
        reqs[i].val = pte ? pte[i] : 0;
    }
    unsigned done = 0;
    long rc = HYPERVISOR_mmu_update(reqs, n, &done, DOMID_SELF);
    CHECK(rc == 0 && done == n, "balloon: mmu_update of %u mappings: rc %ld, %u done (pfn %u pte %#llx)", n, rc,
          done, pf[done < n ? done : 0], (unsigned long long)reqs[done < n ? done : 0].val);
    CHECK_EQ(pv_mmuext(MMUEXT_TLB_FLUSH_LOCAL, 0, 0), 0, "balloon: TLB flush");
}

int balloon_init(uint32_t first_pfn, uint32_t end_pfn, uint8_t *state, int watch)
{
    if (end_pfn <= first_pfn || end_pfn > pv_region_pages)
        return -XEN_EINVAL;
    first = first_pfn;
    end = end_pfn;
    out = state;
    stats.ballooned = 0;
    for (uint32_t pfn = first; pfn < end; pfn++) {     /* a pfn without a frame is ballooned from boot */
        out[pfn - first] = pv_p2m[pfn] == INVALID_P2M_ENTRY;
        stats.ballooned += out[pfn - first];
    }
    stats.current_pages = (uint32_t)reservation(XENMEM_current_reservation);
    stats.target_pages = stats.current_pages;
    if (watch && xs_watch("memory/target", BALLOON_TOKEN) != 0)
        return -XEN_EINVAL;
    return 0;
}

int balloon_event(const char *token, int64_t *target_kib)
{
    char value[32];
    if (strcmp(token, BALLOON_TOKEN) != 0)
        return 0;
    if (xs_read(0, "memory/target", value, sizeof value) < 0) {
        *target_kib = -1;
        return 1;
    }
    const char *e;
    *target_kib = (int64_t)strtoull_kit(value, &e);
    if (*e != '\0' || e == value)
        *target_kib = -1;
    return 1;
}

/* Gives back up to want pages, highest first; returns how many went. */
static uint32_t decrease(uint32_t want)
{
    uint32_t gone = 0;
    uint32_t pfn = end;
    while (gone < want && pfn > first) {
        uint32_t n = 0;
        while (n < BALLOON_BATCH && gone + n < want && pfn > first) {
            pfn--;
            if (!out[pfn - first]) {
                pfns[n] = pfn;
                frames[n] = pv_p2m[pfn];
                ptes[n] = pg_get(VIRT_BASE + pfn * PAGE_SIZE);
                n++;
            }
        }
        if (n == 0)
            break;
        remap(pfns, n, NULL);
        for (uint32_t i = 0; i < n; i++)
            pv_set_p2m(pfns[i], INVALID_P2M_ENTRY);
        uint32_t at = 0;
        while (at < n) {
            long rc = memop(XENMEM_decrease_reservation, frames + at, n - at);
            CHECK(rc >= 0 && rc <= (long)(n - at), "balloon: decrease_reservation: %ld", rc);
            for (long i = 0; i < rc; i++)
                out[pfns[at + i] - first] = 1;
            stats.ballooned += (uint32_t)rc;
            gone += (uint32_t)rc;
            at += (uint32_t)rc;
            if (at < n) {                   /* refused: the frame is still ours; map it as it was */
                pv_set_p2m(pfns[at], frames[at]);
                remap(&pfns[at], 1, &ptes[at]);
                stats.refused++;
                at++;
            }
        }
    }
    return gone;
}

/* Takes back up to want pages, lowest ballooned pfn first; returns how many came. */
static uint32_t increase(uint32_t want)
{
    uint32_t came = 0;
    uint32_t pfn = first;
    while (came < want && pfn < end) {
        uint32_t n = 0;
        while (n < BALLOON_BATCH && came + n < want && pfn < end) {
            if (out[pfn - first])
                pfns[n] = frames[n] = pfn, n++;
            pfn++;
        }
        if (n == 0)
            break;
        long rc = memop(XENMEM_populate_physmap, frames, n);    /* gpfns in, mfns out */
        CHECK(rc >= 0 && rc <= (long)n, "balloon: populate_physmap: %ld", rc);
        for (long i = 0; i < rc; i++) {
            pv_set_p2m(pfns[i], frames[i]);
            out[pfns[i] - first] = 0;
            ptes[i] = kernel_pte(frames[i]);
            stats.ballooned--;
        }
        if (rc > 0)
            remap(pfns, (uint32_t)rc, ptes);
        came += (uint32_t)rc;
        if (rc < (long)n)
            break;                          /* the maximum, or the machine has no more */
    }
    return came;
}

long balloon_set_target(uint64_t target_kib)
{
    uint64_t target = target_kib / 4;
    stats.target_pages = target > 0xFFFFFFFFull ? 0xFFFFFFFFu : (uint32_t)target;
    stats.refused = stats.short_by = 0;
    long cur = reservation(XENMEM_current_reservation);
    CHECK(cur >= 0, "balloon: current_reservation: %ld", cur);
    long moved = 0;
    if (target < (uint64_t)cur) {
        uint32_t want = (uint32_t)((uint64_t)cur - target);
        moved = -(long)decrease(want);
    } else if (target > (uint64_t)cur) {
        uint32_t want = (uint32_t)(target - (uint64_t)cur > 0x7FFFFFFF ? 0x7FFFFFFF : target - (uint64_t)cur);
        moved = (long)increase(want);
        stats.short_by = want - (uint32_t)moved;
    }
    stats.current_pages = (uint32_t)reservation(XENMEM_current_reservation);
    return moved;
}

int balloon_holds(uint32_t pfn)
{
    return pfn >= first && pfn < end && !out[pfn - first];
}

const struct balloon_stats *balloon_stats(void)
{
    return &stats;
}
