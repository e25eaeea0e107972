/*
 * fuzz_gen.c -- the generator of the hypercall fuzzer (programs/fuzz.c has
 * the driver, the counts and the sanity checks): one random call at a time,
 * a function of the xorshift64* state alone, with the hostile arguments each
 * family takes.  What it never generates is what Xen lets a guest do to
 * itself (see fuzz.c).  The families with the most to say have files of
 * their own: fuzz_gen_mm.c, fuzz_gen_grant.c, fuzz_gen_events.c (what they
 * share: fuzz_gen.h).
 */
#include <kit.h>
#include <oxen/pv.h>
#include <oxen/gnttab.h>
#include <oxen/xenstore.h>

#include "fuzz_gen.h"

domid_t self;
uint32_t nr_machine_frames;

/* ---- the generator ----------------------------------------------------- */

uint64_t seq_hash = 0xcbf29ce484222325ull;
uint32_t draws;
int rng_v1;
static uint32_t xo[4];                  /* xoshiro128** */
static uint64_t v1_state;               /* xorshift64* (rng=1) */

void hash(uint32_t v)
{
    for (int i = 0; i < 4; i++, v >>= 8)
        seq_hash = (seq_hash ^ (v & 0xFF)) * 0x100000001b3ull;
}

static uint32_t splitmix32(uint32_t *x)
{
    uint32_t z = (*x += 0x9E3779B9u);
    z = (z ^ (z >> 16)) * 0x85EBCA6Bu;
    z = (z ^ (z >> 13)) * 0xC2B2AE35u;
    return z ^ (z >> 16);
}

static uint32_t seed_mix;

static void xo_from(uint32_t x)
{
    for (int i = 0; i < 4; i++)
        xo[i] = splitmix32(&x);             /* never all zero: four outputs of a bijection on distinct inputs */
}

void rng_seed(uint32_t seed, int v1)
{
    rng_v1 = v1;
    v1_state = 0x9E3779B97F4A7C15ull ^ seed;
    seed_mix = seed;
    seed_mix = splitmix32(&seed_mix);
    xo_from(seed);
}

/* Call n's own draws: the generator starts each call from a state of seed and n alone, so the
 * calls a seed makes are the same on every run even where a call's draws depend on what it
 * resolved at run time (a sub-op drawn as our domid or one of our frames, an entry in use).
 * Each call's four splitmix32 inputs are apart from every other call's.  rng=1: one stream. */
void rng_call(uint32_t n)
{
    if (!rng_v1)
        xo_from(seed_mix + n * (4 * 0x9E3779B9u));
}

static inline uint32_t rotl32(uint32_t x, int k)
{
    return x << k | x >> (32 - k);
}

/* The sequence hash is the generator's choices, so the same seed gives the same hash on any run:
 * each call's number and the count of draws so far (fuzz.c), which with the seed say exactly
 * which values were drawn.  What the choices resolve to (our frames, the time, the ports Xen
 * gave us) differs from run to run and is not hashed; nor does it decide how many draws a call
 * takes (foreign_mfn and the other "not ours" replacements step instead of drawing again).
 *
 * The generator is xoshiro128** (Blackman and Vigna): 32-bit shifts, rotates and two multiplies
 * by small constants, a dozen instructions on i386.  rng=1 is session 10's generator instead
 * (xorshift64*, 64-bit shifts and a 64-bit multiply in 32-bit code, every draw hashed byte by
 * byte, below() by division), about ten times the instructions: seeds found before replay. */
uint32_t rnd(void)
{
    draws++;
    if (rng_v1) {
        v1_state ^= v1_state >> 12;
        v1_state ^= v1_state << 25;
        v1_state ^= v1_state >> 27;
        uint32_t v = (uint32_t)((v1_state * 0x2545F4914F6CDD1Dull) >> 32);
        hash(v);
        return v;
    }
    uint32_t r = rotl32(xo[1] * 5, 7) * 9, t = xo[1] << 9;
    xo[2] ^= xo[0];
    xo[3] ^= xo[1];
    xo[1] ^= xo[2];
    xo[0] ^= xo[3];
    xo[2] ^= t;
    xo[3] = rotl32(xo[3], 11);
    return r;
}

/* Uniform below n: the high word of draw x n (one MUL), or draw mod n with rng=1. */
uint32_t below(uint32_t n)
{
    uint32_t v = rnd();
    return rng_v1 ? v % n : (uint32_t)(((uint64_t)v * n) >> 32);
}

int in_image(uint32_t va)
{
    return va >= VIRT_BASE && va < VIRT_BASE + pv_region_pages * PAGE_SIZE;
}

/* A random word that, taken as a pointer, never lands in our image (Xen would write there). */
static uint32_t safe_rnd(void)
{
    uint32_t v = rnd();
    return in_image(v) ? v ^ 0x40000000u : v;
}

/* Pages the fuzzer lets anything happen to: they are filled once (PTEs of
 * foreign frames, PTEs of sandbox frames, descriptors, zeros) and never written
 * by the fuzzer again, so a page Xen remaps, types or clears hurts nothing. */
uint8_t sandbox[SANDBOX_PAGES][PAGE_SIZE] ALIGNED(PAGE_SIZE);
uint32_t sandbox_mfn[SANDBOX_PAGES];
/* Where call arguments and results go; a count past its end runs into an unmapped page (-EFAULT)
 * instead of Xen writing results over the fuzzer's own arrays after it. */
uint8_t scratch[SCRATCH_BYTES + PAGE_SIZE] ALIGNED(PAGE_SIZE);
/* Xen's frames the domain has as its own (share_xen_page_with_guest): shared_info and the grant
 * table.  Xen lets it map them writable, so they are ours: never a "foreign" frame, never mapped
 * writable under a sandbox page whose contents a later call's output may overwrite (seeds 1026
 * and 1032: a sandbox page mapped shared_info, a swap_grant_ref's statuses went there over
 * vcpu 0's evtchn_pending_sel, and every later event on port 4 found its selector bit set). */
uint32_t xen_frames[1 + GNTTAB_FRAMES];
/* Multicall entries, then a guard page that stays unmapped. */
uint8_t mc_page[2][PAGE_SIZE] ALIGNED(PAGE_SIZE);
/* A 2 MiB range whose L2 entry the fuzzer hooks sandbox pages into as L1s. */
uint32_t hook_va;
uint64_t hook_l2e;
uint32_t pt_mfns[MAX_PT], pt_vas[MAX_PT], nr_pt_mfns;   /* our live page tables */
evtchn_port_t loop_a, loop_b;        /* the sanity check's own event pair */
evtchn_port_t own_ports[64];         /* ports the fuzzer bound; it may close them */
unsigned nr_own_ports;

uint32_t extra_mfns[MAX_EXTRA], nr_extra;
/* Frames below OWN_MAP_FRAMES by bit: the extra ones, and those of the P2M at the start (which the
 * fuzzer never gives away: every list it hands Xen holds frames that are not ours). */
#define OWN_MAP_FRAMES (1u << 19)
static uint32_t extra_map[OWN_MAP_FRAMES / 32], boot_map[OWN_MAP_FRAMES / 32];

static int bit(const uint32_t *map, uint32_t mfn)
{
    return mfn < OWN_MAP_FRAMES && (map[mfn >> 5] >> (mfn & 31) & 1);
}

void own_init(void)
{
    for (uint32_t pfn = 0; pfn < pv_start_info->nr_pages; pfn++) {
        uint32_t mfn = pv_p2m[pfn];
        if (mfn < nr_machine_frames && mfn < OWN_MAP_FRAMES && pv_m2p[mfn] == pfn)
            boot_map[mfn >> 5] |= 1u << (mfn & 31);
    }
}

/* Whether Xen says we own mfn: its MMU_MACHPHYS_UPDATE succeeds only on a frame the caller owns,
 * so an update to the value the M2P holds already asks without changing anything. */
int xen_says_ours(uint32_t mfn)
{
    if (mfn >= nr_machine_frames)
        return 0;
    mmu_update_t u = { ((uint64_t)mfn << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE, pv_m2p[mfn] };
    return HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF) == 0;
}

/* Frames memory_op gave us also leave again (seed 6015 had been given more than 4,096 after
 * 100,000 calls and held 337 at the end): when the list is full, those Xen no longer says are
 * ours are forgotten. */
static void forget_lost_extras(void)
{
    unsigned kept = 0;
    for (unsigned i = 0; i < nr_extra; i++)
        if (extra_mfns[i] < OWN_MAP_FRAMES)
            extra_map[extra_mfns[i] >> 5] &= ~(1u << (extra_mfns[i] & 31));
    for (unsigned i = 0; i < nr_extra; i++) {
        uint32_t m = extra_mfns[i];
        if (!xen_says_ours(m))
            continue;
        extra_mfns[kept++] = m;
        if (m < OWN_MAP_FRAMES)
            extra_map[m >> 5] |= 1u << (m & 31);
    }
    nr_extra = kept;
}

void add_extra(uint32_t mfn)
{
    if (nr_extra >= MAX_EXTRA)
        forget_lost_extras();
    CHECK(nr_extra < MAX_EXTRA, "more than %u frames from memory_op held at once", MAX_EXTRA);
    extra_mfns[nr_extra++] = mfn;
    if (mfn < OWN_MAP_FRAMES)
        extra_map[mfn >> 5] |= 1u << (mfn & 31);
}

int ours(uint32_t mfn)
{
    if (mfn >= nr_machine_frames)
        return 0;
    uint32_t pfn = pv_m2p[mfn];
    if (pfn < pv_start_info->nr_pages && pv_p2m[pfn] == mfn)
        return 1;
    for (unsigned i = 0; i < ARRAY_SIZE(xen_frames); i++)
        if (xen_frames[i] == mfn)
            return 1;
    if (mfn < OWN_MAP_FRAMES)
        return bit(extra_map, mfn);
    for (unsigned i = 0; i < nr_extra; i++)
        if (extra_mfns[i] == mfn)
            return 1;
    return 0;
}

/* The first frame from m on that is not ours (past the last, from 0): no draw, whatever we own.
 * 32 frames of the P2M in a row are stepped over at once (our memory is a few blocks: frame by
 * frame, a draw that fell into it cost a thousand steps). */
uint32_t not_ours(uint32_t m)
{
    for (;;) {
        if ((m & 31) == 0 && m < OWN_MAP_FRAMES && boot_map[m >> 5] == ~0u) {
            m += 32;                /* all of them below nr_machine_frames */
            continue;
        }
        if (!ours(m))
            return m;
        m = m + 1 < nr_machine_frames + 64 ? m + 1 : 0;
    }
}

/* A machine frame that is not ours: another domain's, Xen's, free, or beyond RAM. */
uint32_t foreign_mfn(void)
{
    return not_ours(below(4) == 0 ? rnd() & 0xFFFFF : below(nr_machine_frames + 64));
}

int is_sandbox(uint32_t mfn)
{
    for (unsigned i = 0; i < SANDBOX_PAGES; i++)
        if (sandbox_mfn[i] == mfn)
            return 1;
    return 0;
}

uint32_t any_mfn(void)
{
    switch (below(6)) {
    case 0: case 1: return sandbox_mfn[below(SANDBOX_PAGES)];
    case 2: return below(64);                                 /* Xen's own at the bottom */
    case 3: return pt_mfns[below(nr_pt_mfns)];                /* our live page tables */
    case 4: return pv_start_info->shared_info >> PAGE_SHIFT;  /* Xen's frame we map */
    default: return foreign_mfn();
    }
}

/* Whether mfn is one of our live page tables. */
int live_pt(uint32_t mfn)
{
    for (unsigned k = 0; k < nr_pt_mfns; k++)
        if (pt_mfns[k] == mfn)
            return 1;
    return 0;
}

/* A frame Xen may write into for us: not our live tables, not shared_info (a plain write there,
 * which Xen allows, would scribble over our own event state). */
uint32_t write_target(uint32_t mfn)
{
    uint32_t si = pv_start_info->shared_info >> PAGE_SHIFT;
    if (mfn == si)
        return not_ours(si + 1);
    for (unsigned k = 0; k < nr_pt_mfns; k++)
        if (pt_mfns[k] == mfn) {
            uint32_t m = not_ours(mfn + 1);
            return m == si ? not_ours(si + 1) : m;
        }
    return mfn;
}

uint64_t any_pte(void)
{
    uint64_t flags = rnd() & 0xFFF;
    if (below(8) == 0)
        flags |= (uint64_t)rnd() << 52;                         /* reserved and NX bits */
    return ((uint64_t)any_mfn() << PAGE_SHIFT) | flags;
}

uint64_t any_maddr(void)
{
    return ((uint64_t)any_mfn() << PAGE_SHIFT) | (rnd() & 0xFFF);
}


/* A pointer nothing of ours is behind except scratch or our read-only page tables. */
uint32_t bad_ptr(void)
{
    switch (below(6)) {
    case 0: return 0;
    case 1: return rnd() & 0x3FFFFFFF;                                     /* unmapped */
    case 2: return HYPERVISOR_VIRT_START + (rnd() & 0x0A7FFFFF);           /* the hole */
    case 3: return pt_vas[below(nr_pt_mfns)] + (rnd() & 0xFFF);             /* read-only tables */
    case 4: return 0xFFFFFFF0u + (rnd() & 0xF);
    default: return safe_rnd();
    }
}

/* A pointer to nothing readable at all. */
uint32_t unreadable_ptr(void)
{
    static const uint32_t at[] = { 0, 0x1000, 0x3FFFF000, HYPERVISOR_VIRT_START, 0xF6800000u, 0xFFFFFFF0u };
    return at[below(ARRAY_SIZE(at))] + (rnd() & 0xF);
}

/* The region of the call being generated (fuzz_gen.h: how scratch is divided). */
uint8_t *region = scratch;
_Static_assert(7 * REGION_SIZE + 16 * 64 <= SCRATCH_BYTES, "a region for a call and six multicall entries, "
               "then the runstate and time areas");

uint32_t scratch_ptr(void)
{
    return (uint32_t)region + (below(16) << 6);
}

uint32_t any_ptr(void)
{
    return below(2) ? scratch_ptr() : bad_ptr();
}

uint32_t any_val(void)
{
    switch (below(7)) {
    case 0: return 0;
    case 1: return below(16);
    case 2: return ~0u - below(4);                      /* -1 .. -4 */
    case 3: return any_mfn();
    case 4: return 0x80000000u | below(0x100000);       /* huge, negative as int */
    case 5: return below(2) ? self : DOMID_FIRST_RESERVED + below(16);
    default: return safe_rnd();
    }
}

domid_t any_domid(void)
{
    switch (below(5)) {
    case 0: return DOMID_SELF;
    case 1: return self;
    case 2: return below(self + 4);                     /* Domain-0, the victims, none */
    case 3: return DOMID_FIRST_RESERVED + below(16);
    default: return (domid_t)rnd();
    }
}

uint32_t sandbox_va(void)
{
    return (uint32_t)sandbox[below(SANDBOX_PAGES)];
}

/* A VA whose mapping the fuzzer may change: a sandbox page, the hook range, or one Xen must refuse. */
uint32_t remap_va(void)
{
    switch (below(5)) {
    case 0: case 1: return sandbox_va();
    case 2: return hook_va + (below(512) << PAGE_SHIFT);
    case 3: return HYPERVISOR_VIRT_START + (rnd() & 0x0A7FF000);
    default: return rnd() & 0x3FFFF000;
    }
}

/* A PTE for a remappable VA: never one of our own data frames writable (that is ours to lose). */
uint64_t remap_pte(void)
{
    uint64_t pte = any_pte();
    uint32_t mfn = (uint32_t)(pte >> PAGE_SHIFT);
    uint32_t ro = below(2), sb = sandbox_mfn[below(SANDBOX_PAGES)];    /* drawn whether used or not */
    if (ours(mfn) && !ro)
        return pte & ~(uint64_t)PTE_RW;
    return ours(mfn) ? ((uint64_t)sb << PAGE_SHIFT) | (pte & 0xFFF) : pte;
}

void fill_random(void *p, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i += 4)
        *(uint32_t *)((uint8_t *)p + i) = below(3) ? safe_rnd() : any_val();
}

/* Descriptors Xen must judge: ring-0 code, call gates (with reserved bits), TSS/LDT, random. */
uint64_t any_desc(void)
{
    uint32_t lo = rnd(), hi = rnd();
    switch (below(6)) {
    case 0: hi = (hi & 0xFF0F00FFu) | 0x9A00u;          /* DPL 0 code */
        break;
    case 1: hi = (hi & 0xFFFF0000u) | 0x8C00u | (below(2) ? 0xE0 : 0);   /* call gate, DPL 0 */
        break;
    case 2: hi = (hi & 0xFFFF0000u) | 0xEC00u;          /* call gate, DPL 3 */
        lo = (lo & 0xFFFF) | (below(2) ? 0xe008u << 16 : (uint32_t)FLAT_RING1_CS << 16);
        break;
    case 3: hi = (hi & 0xFFFFF0FFu) | (below(2) ? 0x8900u : 0x8200u);   /* TSS, LDT */
        break;
    case 4: hi &= ~0xF00u;                               /* type 0, present or not */
        break;
    default: break;
    }
    return (uint64_t)hi << 32 | lo;
}

evtchn_port_t any_port(void)
{
    switch (below(4)) {
    case 0: if (nr_own_ports) return own_ports[below(nr_own_ports)];
        /* fall through */
    case 1: return 8 + below(64);
    case 2: return any_val();
    default: return below(XEN_NR_EVENT_CHANNELS + 8);
    }
}

/* A port the fuzzer may close, reset or rebind: never the console's, the store's or its own pair. */
int protected_port(evtchn_port_t p)
{
    return p == pv_start_info->console.domU.evtchn || p == pv_start_info->store_evtchn || p == loop_a
           || p == loop_b;
}

/* ---- one call ---------------------------------------------------------- */


/* Where grants are mapped: no other call remaps these pages (Xen crashes a domain that
 * overwrites a grant's PTE instead of unmapping it). */
uint8_t grant_window[GRANT_WINDOW_PAGES][PAGE_SIZE] ALIGNED(PAGE_SIZE);
uint32_t window_mfn[GRANT_WINDOW_PAGES];
uint32_t window_claimed;     /* window pages a map of this call (or its multicall) may fill */

/* mcgive=1's first entry: increase_reservation with no extent list, as many frames as Xen gives
 * (Xen and oxen keep each with the domain and write nothing back) */
int mc_give;
static const struct xen_memory_reservation give_all = { .nr_extents = 1u << 20, .domid = DOMID_SELF };

static void gen_multicall(struct call *c, int nested)
{
    c->a[0] = below(8) ? (uint32_t)mc_page[0] : bad_ptr();
    c->a[1] = 1 + below(6);
    if (nested)                             /* a multicall inside one: -EINVAL */
        return;
    multicall_entry_t *e = (multicall_entry_t *)mc_page[0];
    for (unsigned i = 0; i < c->a[1]; i++) {
        struct call sub;
        region = scratch + (i + 1) * REGION_SIZE;
        gen(&sub, 1);
        region = scratch;
        if (i > 0)                  /* what the entries before it may do (fuzz_gen_events.c) */
            vcpu_op_after_earlier_entries(&sub);
        e[i] = (multicall_entry_t){ .op = sub.nr };
        for (unsigned k = 0; k < 5; k++)
            e[i].args[k] = sub.a[k];
    }
    /* mcgive=1: the first entry gives us every frame Xen will (fuzz.c) */
    if (mc_give)
        e[0] = (multicall_entry_t){ .op = __HYPERVISOR_memory_op,
                                    .args = { XENMEM_increase_reservation, (uint32_t)&give_all } };
    /* A random count runs into harmless entries, then the guard page (-EFAULT). */
    for (unsigned i = c->a[1]; i < MC_PAGE_ENTRIES; i++)
        e[i] = (multicall_entry_t){ .op = __HYPERVISOR_xen_version };
    if (below(8) == 0)
        c->a[1] = any_val();
    c->sub = e[0].op < NR_SUBS ? e[0].op : NR_SUBS - 1;
}

/* One call (nested: inside a multicall, where only the entry's own arguments count). */
void gen(struct call *c, int nested)
{
    if (!nested)
        window_claimed = 0;
    for (unsigned i = 0; i < 5; i++)
        c->a[i] = below(2) ? any_val() : any_ptr();
    c->sub = 0;
    c->nr = below(8) ? below(37) : 37 + below(27);  /* mostly the PV calls, then the rest and beyond */
    if (below(64) == 0)
        c->nr = rnd();
    switch (c->nr) {
    case __HYPERVISOR_set_trap_table: {     /* installed, then the kit's own put back */
        trap_info_t *t = (trap_info_t *)scratch_ptr();
        static const uint16_t cs[] = { 0, 0xe008, 0xe010, 0xFFFF, FLAT_RING1_CS, FLAT_RING3_CS, 0x0008, 0x1fff };
        for (unsigned i = 0; i < 6; i++)
            t[i] = (trap_info_t){ (uint8_t)rnd(), (uint8_t)below(8), cs[below(ARRAY_SIZE(cs))], any_ptr() };
        t[below(7)] = (trap_info_t){ 0 };
        c->a[0] = below(8) ? (uint32_t)t : bad_ptr();
        break;
    }
    case __HYPERVISOR_mmu_update: gen_mmu_update(c, nested); break;
    case __HYPERVISOR_set_gdt: {            /* sandbox frames full of descriptors, or any */
        uint32_t *f = (uint32_t *)scratch_ptr();
        for (unsigned i = 0; i < 16; i++)
            f[i] = below(2) ? sandbox_mfn[32 + below(16)] : any_mfn();
        c->a[0] = below(4) ? (uint32_t)f : bad_ptr();
        c->a[1] = below(2) ? below(8192) : any_val();
        break;
    }
    case __HYPERVISOR_update_descriptor: {
        uint64_t ma = below(2) ? ((uint64_t)sandbox_mfn[below(SANDBOX_PAGES)] << PAGE_SHIFT) | (rnd() & 0xFF8)
                               : any_maddr() & ~(below(4) ? 7ull : 0);
        if ((uint32_t)(ma >> PAGE_SHIFT) == pv_start_info->shared_info >> PAGE_SHIFT)
            ma = (uint64_t)foreign_mfn() << PAGE_SHIFT | (ma & 0xFFF);
        uint64_t d = any_desc();
        c->a[0] = (uint32_t)ma;
        c->a[1] = (uint32_t)(ma >> 32);
        c->a[2] = (uint32_t)d;
        c->a[3] = (uint32_t)(d >> 32);
        break;
    }
    case __HYPERVISOR_set_debugreg:         /* never a breakpoint armed under us */
        c->sub = c->a[0] = below(2) ? below(8) : any_val();
        if (c->a[0] == 5 || c->a[0] == 7)
            c->a[1] &= ~0xFFu;
        break;
    case __HYPERVISOR_get_debugreg:
        c->sub = c->a[0] = below(2) ? below(8) : any_val();
        break;
    case __HYPERVISOR_memory_op: gen_memory_op(c); break;
    case __HYPERVISOR_multicall: gen_multicall(c, nested); break;
    case __HYPERVISOR_update_va_mapping:
    case __HYPERVISOR_update_va_mapping_otherdomain: {
        uint64_t pte = remap_pte();
        c->sub = below(4);
        c->a[0] = remap_va();
        if (c->sub == 0) {                  /* our own page tables, writable */
            c->a[0] = pt_vas[below(nr_pt_mfns)];
            pte = pv_l1e_ptr(c->a[0]) ? (*pv_l1e_ptr(c->a[0]) | PTE_RW) : pte;
        }
        c->a[1] = (uint32_t)pte;
        c->a[2] = (uint32_t)(pte >> 32);
        c->a[3] = below(2) ? below(8) : any_ptr() | below(4);   /* flags, or a vcpu mask pointer */
        if (c->nr == __HYPERVISOR_update_va_mapping_otherdomain)
            c->a[4] = any_domid();
        break;
    }
    case __HYPERVISOR_set_timer_op:
        if (below(2)) {
            uint64_t t = guest_time_ns() + below(2000000);
            c->a[0] = (uint32_t)t;
            c->a[1] = (uint32_t)(t >> 32);
        }
        break;
    case __HYPERVISOR_xen_version:
        c->sub = c->a[0] = below(8) ? below(24) : any_val();
        break;
    case __HYPERVISOR_console_io: {        /* text, not random bytes, when it is readable */
        static const char dots[64] = "................................................................";
        c->sub = c->a[0] = below(4);
        c->a[2] = below(2) ? (uint32_t)dots : unreadable_ptr();
        c->a[1] = c->a[2] == (uint32_t)dots ? below(8) : below(2) ? below(64) : any_val();
        if (c->a[0] == CONSOLEIO_read) {   /* into scratch at most 64 bytes */
            c->a[2] = any_ptr();
            if (in_image(c->a[2]))
                c->a[1] = below(65);
        }
        break;
    }
    case __HYPERVISOR_grant_table_op: gen_grant_table_op(c); break;
    case __HYPERVISOR_vm_assist:
        c->sub = c->a[1] = below(2) ? below(8) : any_val();
        c->a[0] = below(4) ? below(2) : any_val();
        break;
    case __HYPERVISOR_iret:                 /* only die=1 jumps anywhere */
        c->nr = __HYPERVISOR_xen_version;
        c->a[0] = 0;
        break;
    case __HYPERVISOR_vcpu_op: gen_vcpu_op(c); break;
    case __HYPERVISOR_mmuext_op: gen_mmuext_op(c); break;
    case __HYPERVISOR_sched_op:
    case __HYPERVISOR_sched_op_compat: gen_sched_op(c, nested); break;
    case __HYPERVISOR_callback_op: {        /* registered, then the kit's own put back */
        struct callback_register *r = (struct callback_register *)scratch_ptr();
        r->type = below(2) ? below(8) : (uint16_t)rnd();
        r->flags = (uint16_t)rnd();
        r->address.cs = below(2) ? FLAT_RING1_CS : any_val();
        r->address.eip = any_ptr();
        c->sub = c->a[0] = below(8) ? below(3) : any_val();
        c->a[1] = below(8) ? (uint32_t)r : bad_ptr();
        break;
    }
    case __HYPERVISOR_event_channel_op: gen_event_channel_op(c, 0, nested); break;
    case __HYPERVISOR_event_channel_op_compat: {
        uint32_t *a = (uint32_t *)scratch_ptr();
        uint32_t *op = gen_event_channel_op(c, 1, nested);
        uint32_t args[6];
        memcpy(args, op, sizeof args);
        a[0] = c->sub;
        memcpy(a + 1, args, sizeof args);
        if (c->sub == EVTCHNOP_close || c->sub == EVTCHNOP_unmask || c->sub == EVTCHNOP_reset)
            a[0] = EVTCHNOP_status;     /* the compat struct: not worth a second guard */
        c->a[0] = below(8) ? (uint32_t)a : bad_ptr();
        if (c->a[0] != (uint32_t)a)
            c->a[0] = compat_struct_ptr(c->a[0], nested);
        break;
    }
    case __HYPERVISOR_physdev_op:
        c->sub = c->a[0] = below(8) ? below(32) : any_val();
        fill_random(region + AT_PHYSDEV, 64);
        c->a[1] = below(4) ? (uint32_t)region + AT_PHYSDEV : bad_ptr();
        break;
    case __HYPERVISOR_physdev_op_compat:
    case __HYPERVISOR_platform_op: case __HYPERVISOR_sysctl: case __HYPERVISOR_domctl:
    case __HYPERVISOR_hvm_op: case __HYPERVISOR_xsm_op: case __HYPERVISOR_nmi_op:
    case __HYPERVISOR_xenoprof_op: case 37: case 38: case 39: case 40: case 41: case 42:
        fill_random(region + AT_OPAQUE, 128);
        if (below(2))
            ((uint32_t *)(region + AT_OPAQUE))[1] = below(2) ? 0x15 + below(8) : 0x0b + below(8);   /* versions */
        c->sub = below(2) ? below(32) : any_val();
        c->a[0] = below(4) ? c->sub : (uint32_t)region + AT_OPAQUE;
        c->a[1] = below(4) ? (uint32_t)region + AT_OPAQUE : any_ptr();
        break;
    case __HYPERVISOR_stack_switch: case __HYPERVISOR_set_callbacks:
    case __HYPERVISOR_fpu_taskswitch:       /* all put back after the call */
    default:
        break;
    }
    if (c->sub >= NR_SUBS)
        c->sub = NR_SUBS - 1;
    if (!nested)
        grant_map_overruns();
}

