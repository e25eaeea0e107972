/*
 * longcalls -- every long hypercall of a PV guest, long enough to be preempted (PV only).
 *
 * Issue 24 F3: Xen continues a long mmu_update, mmuext_op, memory_op, grant_table_op or
 * multicall (hypercall_create_continuation): the vcpu goes back onto the hypercall instruction
 * with the arguments rewritten to what is left, passes through the scheduler, and re-executes
 * it. A guest sees nothing of it but the registers its inline assembly declared clobbered: after
 * the call they hold the arguments of the last continuation. This program issues each call with
 * n items (n=N, default 3000, at most 4096), directly and as the one entry of a multicall, checks
 * the outcome is that of one uninterrupted call, and prints where the last continuation left
 * the arguments (the registers, or the multicall entry, which Xen rewrites the same way):
 *
 *   longcalls: <call>: rc R ... last continuation <where> (or "never continued")
 *
 * Under the deterministic clock the hypervisor continues after a fixed number of items, so
 * these lines are the same in every run (PreemptionTest checks them).
 *   - mmu_update: n MMU_MACHPHYS_UPDATE requests; continuation: count | MMU_UPDATE_PREEMPTED;
 *   - mmuext_op: n-1 (odd) PIN_L1_TABLE / UNPIN_TABLE on one page: it ends pinned;
 *   - multicall: n xen_version entries, each result the version;
 *   - memory_op: decrease_reservation then populate_physmap of n frames beyond the boot region
 *     (the extent to start from in the command's bits above MEMOP_EXTENT_SHIFT), XENMEM_exchange
 *     of them for n others; the reservation ends where it began;
 *   - grant_table_op: n GNTTABOP_copy of 4 bytes between two of its own frames.
 */
#include <kit.h>
#include <oxen/pv.h>

/* Xen's internal continuation encodings (not in its public headers; vmm.abi documents them) */
#define MMU_UPDATE_PREEMPTED 0x80000000u
#define MEMOP_EXTENT_SHIFT   6

#define MAXN 4096u

static mmu_update_t mu[MAXN];
static mmuext_op_t mx[MAXN];
static multicall_entry_t mcs[MAXN];
static struct gnttab_copy gc[MAXN];
static uint32_t xlist[MAXN], olist[MAXN];
static uint64_t pin_page[512] ALIGNED(PAGE_SIZE);
static uint8_t src_page[PAGE_SIZE] ALIGNED(PAGE_SIZE);
static uint8_t dst_page[PAGE_SIZE] ALIGNED(PAGE_SIZE);
static unsigned n;

/* A hypercall with the argument registers as they are after it: a continued call leaves its
 * last continuation's arguments there. */
struct regs { uint32_t b, c, d, s; };
static long hcall4(uint32_t nr, struct regs *r)
{
    long rc;
    __asm__ volatile("int $0x82"
                     : "=a"(rc), "+b"(r->b), "+c"(r->c), "+d"(r->d), "+S"(r->s)
                     : "0"(nr) : "memory");
    return rc;
}

static long multicall1(multicall_entry_t *e)
{
    e->result = -1;
    long rc = HYPERVISOR_multicall(e, 1);
    CHECK_EQ(rc, 0, "multicall");
    return e->result;
}

/* "last continuation at item K" from a pointer that moved from base in steps of size */
static void where(const char *what, long rc, uint32_t ptr, uint32_t base, uint32_t size, uint32_t count)
{
    if (ptr == base)
        printf("longcalls: %s: rc %ld, never continued\n", what, rc);
    else
        printf("longcalls: %s: rc %ld, last continuation at item %u with count %#x\n", what, rc,
               (ptr - base) / size, count);
}

static void mmu_update_calls(void)
{
    uint32_t mfn = pv_virt_to_mfn(pin_page);
    uint32_t pfn = ((uint32_t)pin_page - VIRT_BASE) >> PAGE_SHIFT;
    for (unsigned i = 0; i < n; i++) {
        mu[i].ptr = ((uint64_t)mfn << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE;
        mu[i].val = pfn;
    }
    unsigned done = 0;
    struct regs r = { (uint32_t)mu, n, (uint32_t)&done, DOMID_SELF };
    long rc = hcall4(__HYPERVISOR_mmu_update, &r);
    CHECK_EQ(rc, 0, "mmu_update");
    CHECK_EQ(done, n, "mmu_update's done");
    where("mmu_update", rc, r.b, (uint32_t)mu, sizeof(mmu_update_t), r.c);

    multicall_entry_t *e = &mcs[0];
    done = 0;
    *e = (multicall_entry_t){ __HYPERVISOR_mmu_update, 0, { (uint32_t)mu, n, (uint32_t)&done, DOMID_SELF } };
    rc = multicall1(e);
    CHECK_EQ(rc, 0, "mmu_update in a multicall");
    CHECK_EQ(done, n, "mmu_update's done in a multicall");
    where("multicall[mmu_update]", rc, e->args[0], (uint32_t)mu, sizeof(mmu_update_t), e->args[1]);
    CHECK(pv_m2p[mfn] == pfn, "m2p[%#x] = %#x", mfn, pv_m2p[mfn]);
}

static void mmuext_calls(void)
{
    uint32_t mfn = pv_virt_to_mfn(pin_page);
    CHECK_EQ(pv_set_page_writable(pin_page, 0), 0, "the page to pin read-only");
    unsigned m = (n - 1) | 1;       /* odd: the last one pins */
    for (unsigned i = 0; i < m; i++) {
        mx[i].cmd = (i & 1) ? MMUEXT_UNPIN_TABLE : MMUEXT_PIN_L1_TABLE;
        mx[i].arg1.mfn = mfn;
        mx[i].arg2.nr_ents = 0;
    }
    for (int inmc = 0; inmc < 2; inmc++) {
        unsigned done = 0;
        long rc;
        uint32_t ptr, count;
        if (!inmc) {
            struct regs r = { (uint32_t)mx, m, (uint32_t)&done, DOMID_SELF };
            rc = hcall4(__HYPERVISOR_mmuext_op, &r);
            ptr = r.b;
            count = r.c;
        } else {
            multicall_entry_t *e = &mcs[0];
            *e = (multicall_entry_t){ __HYPERVISOR_mmuext_op, 0, { (uint32_t)mx, m, (uint32_t)&done, DOMID_SELF } };
            rc = multicall1(e);
            ptr = e->args[0];
            count = e->args[1];
        }
        CHECK_EQ(rc, 0, "mmuext_op");
        CHECK_EQ(done, m, "mmuext_op's done");
        /* the last of the m operations pinned it: pinning again is refused, unpinning works */
        CHECK_EQ(pv_mmuext(MMUEXT_PIN_L1_TABLE, mfn, 0), -XEN_EINVAL, "pin after the batch (already pinned)");
        CHECK_EQ(pv_mmuext(MMUEXT_UNPIN_TABLE, mfn, 0), 0, "unpin after the batch");
        where(inmc ? "multicall[mmuext_op]" : "mmuext_op", rc, ptr, (uint32_t)mx, sizeof(mmuext_op_t), count);
    }
    CHECK_EQ(pv_set_page_writable(pin_page, 1), 0, "the page writable again");
}

static void multicall_calls(void)
{
    long version = HYPERVISOR_xen_version(XENVER_version, 0);
    for (unsigned i = 0; i < n; i++)
        mcs[i] = (multicall_entry_t){ __HYPERVISOR_xen_version, -1, { XENVER_version, 0 } };
    struct regs r = { (uint32_t)mcs, n, 0, 0 };
    long rc = hcall4(__HYPERVISOR_multicall, &r);
    CHECK_EQ(rc, 0, "multicall");
    for (unsigned i = 0; i < n; i++)
        CHECK(mcs[i].result == version, "entry %u: result %d, expected %ld", i, mcs[i].result, version);
    where("multicall[xen_version x n]", rc, r.b, (uint32_t)mcs, sizeof(multicall_entry_t), r.c);
}

static long reservation(void)
{
    domid_t self = DOMID_SELF;
    return HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
}

/* memory_op(cmd, &res) directly or in a multicall; *cmd_after: the command argument after */
static long memop(unsigned cmd, int inmc, uint32_t *list, uint32_t *cmd_after)
{
    struct xen_memory_reservation res = { (uint32_t)list, n, 0, 0, DOMID_SELF };
    if (!inmc) {
        struct regs r = { cmd, (uint32_t)&res, 0, 0 };
        long rc = hcall4(__HYPERVISOR_memory_op, &r);
        *cmd_after = r.b;
        return rc;
    }
    multicall_entry_t *e = &mcs[0];
    *e = (multicall_entry_t){ __HYPERVISOR_memory_op, 0, { cmd, (uint32_t)&res } };
    long rc = multicall1(e);
    *cmd_after = e->args[0];
    return rc;
}

static void memory_calls(void)
{
    uint32_t first = pv_region_pages;       /* frames beyond the boot region: mapped nowhere */
    CHECK(first + n <= pv_start_info->nr_pages, "%u frames from pfn %u: the domain has %u", n, first,
          pv_start_info->nr_pages);
    long before = reservation();
    for (int inmc = 0; inmc < 2; inmc++) {
        const char *how = inmc ? "multicall[memory_op %s]" : "memory_op %s";
        char what[64];
        uint32_t cmd_after;
        for (unsigned i = 0; i < n; i++)
            xlist[i] = pv_p2m[first + i];
        long rc = memop(XENMEM_decrease_reservation, inmc, xlist, &cmd_after);
        CHECK_EQ(rc, n, "decrease_reservation's extents");
        CHECK_EQ(reservation(), before - n, "reservation after decrease_reservation");
        for (unsigned i = 0; i < n; i++)
            pv_set_p2m(first + i, INVALID_P2M_ENTRY);
        snprintf(what, sizeof what, how, "decrease_reservation");
        printf("longcalls: %s: %ld extents, command after %#x (extent %u)\n", what, rc, cmd_after,
               cmd_after >> MEMOP_EXTENT_SHIFT);

        for (unsigned i = 0; i < n; i++)
            xlist[i] = first + i;
        rc = memop(XENMEM_populate_physmap, inmc, xlist, &cmd_after);
        CHECK_EQ(rc, n, "populate_physmap's extents");
        CHECK_EQ(reservation(), before, "reservation after populate_physmap");
        for (unsigned i = 0; i < n; i++) {
            CHECK(pv_m2p[xlist[i]] == first + i, "m2p[%#x] = %#x, expected %#x", xlist[i], pv_m2p[xlist[i]], first + i);
            pv_set_p2m(first + i, xlist[i]);
        }
        snprintf(what, sizeof what, how, "populate_physmap");
        printf("longcalls: %s: %ld extents, command after %#x (extent %u)\n", what, rc, cmd_after,
               cmd_after >> MEMOP_EXTENT_SHIFT);

        /* the same frames exchanged for n others */
        for (unsigned i = 0; i < n; i++) {
            xlist[i] = pv_p2m[first + i];
            olist[i] = first + i;
        }
        struct xen_memory_exchange x = {
            { (uint32_t)xlist, n, 0, 0, DOMID_SELF }, { (uint32_t)olist, n, 0, 0, DOMID_SELF }, 0,
        };
        if (!inmc) {
            rc = HYPERVISOR_memory_op(XENMEM_exchange, &x);
        } else {
            mcs[0] = (multicall_entry_t){ __HYPERVISOR_memory_op, 0, { XENMEM_exchange, (uint32_t)&x } };
            rc = multicall1(&mcs[0]);
        }
        CHECK_EQ(rc, 0, "exchange");
        CHECK_EQ(x.nr_exchanged, n, "exchange's nr_exchanged");
        CHECK_EQ(reservation(), before, "reservation after the exchange");
        unsigned moved = 0;
        for (unsigned i = 0; i < n; i++) {
            CHECK(pv_m2p[olist[i]] == first + i, "m2p[%#x] = %#x, expected %#x", olist[i], pv_m2p[olist[i]], first + i);
            moved += olist[i] != xlist[i];
            pv_set_p2m(first + i, olist[i]);
        }
        snprintf(what, sizeof what, how, "exchange");
        printf("longcalls: %s: rc %ld, nr_exchanged %u\n", what, rc, x.nr_exchanged);
        CHECK(moved > 0, "the exchange gave back the very frames it took");
    }
}

static void grant_calls(void)
{
    uint32_t src = pv_virt_to_mfn(src_page), dst = pv_virt_to_mfn(dst_page);
    for (unsigned k = 0; k < PAGE_SIZE; k++)
        src_page[k] = (uint8_t)(k * 7 + 1);
    for (int inmc = 0; inmc < 2; inmc++) {
        memset(dst_page, 0, PAGE_SIZE);
        for (unsigned i = 0; i < n; i++) {
            uint16_t off = (uint16_t)((i * 4) % PAGE_SIZE);
            gc[i] = (struct gnttab_copy){ { src, DOMID_SELF, off }, { dst, DOMID_SELF, off }, 4, 0, 1 };
        }
        long rc;
        uint32_t ptr, count;
        if (!inmc) {
            struct regs r = { GNTTABOP_copy, (uint32_t)gc, n, 0 };
            rc = hcall4(__HYPERVISOR_grant_table_op, &r);
            ptr = r.c;
            count = r.d;
        } else {
            mcs[0] = (multicall_entry_t){ __HYPERVISOR_grant_table_op, 0, { GNTTABOP_copy, (uint32_t)gc, n } };
            rc = multicall1(&mcs[0]);
            ptr = mcs[0].args[1];
            count = mcs[0].args[2];
        }
        CHECK_EQ(rc, 0, "grant copy");
        for (unsigned i = 0; i < n; i++)
            CHECK(gc[i].status == 0, "copy %u: status %d", i, gc[i].status);
        unsigned covered = n * 4 < PAGE_SIZE ? n * 4 : PAGE_SIZE;
        for (unsigned k = 0; k < PAGE_SIZE; k++)
            CHECK(dst_page[k] == (k < covered ? src_page[k] : 0), "byte %u after the copies: %#x", k, dst_page[k]);
        where(inmc ? "multicall[grant_table_op copy]" : "grant_table_op copy", rc, ptr, (uint32_t)gc,
              sizeof(struct gnttab_copy), count);
    }
}

void guest_main(void)
{
    n = cmdline_u32("n", 3000);
    CHECK(n >= 2 && n <= MAXN, "n=%u: 2..%u", n, MAXN);
    printf("longcalls: %u items a call\n", n);
    mmu_update_calls();
    mmuext_calls();
    multicall_calls();
    memory_calls();
    grant_calls();
    pass();
}
