/*
 * fuzz -- the guest kit's hypercall fuzzer (PV only).
 *
 *   seed=S calls=N [first=K] [batch=B] [xs=1] [die=1] [storm=1] [bench=M] [profile=1] [rng=1] [trace=K]
 *
 * Makes N hypercalls drawn from xoshiro128** seeded with S, each call from
 * a state of S and its index (fuzz_gen.c; rng=1: session 10's generator,
 * xorshift64* in one stream, so that seeds found before replay): every
 * hypercall number Xen has (0..42) and numbers beyond, every sub-op of each
 * family and sub-ops past the last, with hostile arguments -- pointers into
 * the hypervisor hole, unmapped and read-only addresses, its own page tables,
 * random and foreign machine frames read from the M2P (another domain's,
 * Xen's, free, beyond RAM), huge and negative counts, nested multicalls,
 * mmu_update/mmuext_op sequences that try to map foreign or Xen frames, hook
 * sandbox pages full of foreign PTEs in as L1s or make its own page tables
 * writable, update_descriptor with call gates and ring-0 descriptors, trap
 * tables with ring-0 handlers, event-channel, grant-table (its own grants
 * too), vcpu_op and memory_op storms; with xs=1 also malformed xs_wire
 * messages on its xenstore ring.
 *
 * Left out is only what Xen lets a guest do to itself: write its own code
 * and data or live page tables, close the ports its console uses, block,
 * take vcpu 0 down, arm a watchdog or a breakpoint.  Whatever the fuzzer
 * changes of its entry points (trap table, callbacks, trap stack, LDT, debug
 * registers, FPU switch, vm_assist) it puts back after the call.
 *
 * Every batch=B calls (1000) it checks its own sanity (sanity()): its
 * address space maps only frames it owns (and Xen's shared_info where the
 * kit put it), none of its page tables writable, its code and data where
 * they were; a trap reaches its handler, an event its upcall; time advances;
 * xen_version answers as at the start.  The first failure ends it: FAIL.
 *
 * With mcgive=1 the first entry of each multicall is replaced (after the
 * draws) by an increase_reservation with no extent list for as many frames
 * as Xen will give: frames the fuzzer owns without knowing them, at once
 * before the entries generated after it run, which must never name one for
 * VCPUOP_register_vcpu_info (fuzz_gen_events.c: what an earlier entry of a
 * multicall may do).
 *
 * With first=K it makes calls K to K+N-1 only: each call's draws are a
 * function of the seed and its index, so they are the calls a whole run
 * makes there (what they resolve to, its frames and ports, is this run's),
 * to replay the call a long run failed at in a fraction of the time (not
 * with rng=1, one stream).
 *
 * With bench=M it first times each common hypercall alone, M calls each
 * (fuzz_bench.c: "fuzz: bench NAME n=.. T ns/call R calls/s"), then fuzzes.
 *
 * With storm=1 it ends in an upcall storm on purpose, for the campaign's
 * storm detector to catch: it moves vcpu 0's vcpu_info into a page of its
 * own with VCPUOP_register_vcpu_info behind the kit's back, so the kit's
 * upcall handler clears evtchn_upcall_pending in shared_info while the
 * hypervisor keeps finding it set where vcpu_info now is (the hypothesis for
 * seed 6003's storm); it never reports.
 *
 * With die=1 it ends with one of the things that must kill only itself
 * (an iret frame into ring 0, a trap table of ring-0 handlers and a trap
 * through it, no trap handler at all and a #UD); reaching the end is FAIL.
 *
 * With profile=1 it also reports the guest time of each phase of its loop
 * per call (generator, the call, counting, restoring its entry points, the
 * sanity checks; with a deterministic clock these are retired instructions
 * x 10 ns), the draws per call and the guest time in each hypercall.
 *
 * Output: the count of each result per call and sub-op ("fuzz: calls
 * mmuext_op/13 n=.. ok=.. -22=.."), the totals, the sequence hash (FNV-1a
 * of every call number and xs_wire message type and length; rng=1: of every
 * draw too): a function of seed, count and xs alone, so a failing seed
 * replays the same calls; the domid, frames, times and ports the draws
 * resolve to are not in it.
 */
#include "fuzz.h"
#include <oxen/xenstore.h>

#define NR_CALLS 49                 /* hypercall numbers counted apart; 47: 47 and beyond */
#define XS_WIRE 48                  /* ... and the xs_wire messages */
#define NR_RC 48                    /* 0: rc >= 0; e: -e for e < 47; 47: -47 and below */

static uint32_t counts[NR_CALLS][NR_SUBS][NR_RC];
static uint32_t totals[NR_RC];
static uint32_t calls_done, first_call, sane_batches;   /* calls_done: the next call's index */
/* profile=1: guest time by phase of the loop (with a deterministic clock: retired instructions
 * x 10 ns), and the generator's draws */
enum { PH_GEN, PH_CALL, PH_COUNT, PH_RESTORE, PH_SANITY, PH_XS, NR_PHASES };
static const char *const phase_names[NR_PHASES] = { "gen", "call", "count", "restore", "sanity", "xs" };
static uint64_t phase_ns[NR_PHASES], phase_t;
static uint64_t ns_by_call[NR_CALLS];
static int profile;
static uint32_t draws0;                 /* draws before the first call */
static void phase(unsigned p)
{
    if (!profile)
        return;
    uint64_t t = guest_time_ns();
    phase_ns[p] += t - phase_t;
    phase_t = t;
}
static volatile uint32_t loop_events;
static struct trap_record rec;
static uint32_t image_l1e[4096];
/* Where sanity() looks at a hooked L1: its own VA is a sandbox page's, which may be remapped. */
static uint8_t peek[PAGE_SIZE] ALIGNED(PAGE_SIZE);
static uint64_t peek_pte;    /* frame and P/RW of each image page at the start (0: sandbox) */
static long version;

static const char *const names[NR_CALLS] = {
    "set_trap_table", "mmu_update", "set_gdt", "stack_switch", "set_callbacks", "fpu_taskswitch",
    "sched_op_compat", "platform_op", "set_debugreg", "get_debugreg", "update_descriptor", "11",
    "memory_op", "multicall", "update_va_mapping", "set_timer_op", "event_channel_op_compat",
    "xen_version", "console_io", "physdev_op_compat", "grant_table_op", "vm_assist",
    "update_va_mapping_otherdomain", "iret", "vcpu_op", "25", "mmuext_op", "xsm_op", "nmi_op",
    "sched_op", "callback_op", "xenoprof_op", "event_channel_op", "physdev_op", "hvm_op", "sysctl",
    "domctl", "kexec_op", "tmem_op", "argo_op", "xenpmu_op", "dm_op", "hypfs_op", "43", "44", "45",
    "46", "47+", "xs_wire",
};

static void count(uint32_t nr, uint32_t sub, long rc)
{
    uint32_t b = rc >= 0 ? 0 : -rc < 47 ? (uint32_t)-rc : 47;
    counts[nr <= 47 || nr == XS_WIRE ? nr : 47][sub < NR_SUBS ? sub : NR_SUBS - 1][b]++;
    totals[b]++;
}

static long hcall(uint32_t nr, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4, uint32_t a5)
{
    long r;
    __asm__ volatile("int $0x82"
                     : "=a"(r), "+b"(a1), "+c"(a2), "+d"(a3), "+S"(a4), "+D"(a5)
                     : "0"(nr) : "memory");
    return r;
}

/* ---- setup -------------------------------------------------------------- */

static uint64_t *table(uint64_t entry)
{
    uint32_t mfn = (uint32_t)((entry & PTE_ADDR_MASK) >> PAGE_SHIFT);
    return mfn < nr_machine_frames && ours(mfn) ? pv_mfn_to_virt(mfn) : NULL;
}

static void add_pt(uint32_t mfn)
{
    CHECK(nr_pt_mfns < MAX_PT, "more than %u page tables", MAX_PT);
    CHECK(pv_mfn_to_virt(mfn) != NULL, "page table %#x outside the boot region", mfn);
    pt_mfns[nr_pt_mfns] = mfn;
    pt_vas[nr_pt_mfns++] = (uint32_t)pv_mfn_to_virt(mfn);
}

static void loop_handler(evtchn_port_t port, void *data)
{
    loop_events++;
}

static void setup(void)
{
    evtchn_status_t st;
    CHECK_EQ(evtchn_alloc_unbound(DOMID_SELF, &loop_a), 0, "alloc_unbound for DOMID_SELF");
    CHECK_EQ(evtchn_status(loop_a, &st), 0, "status of the loop port");
    self = st.u.unbound.dom;
    CHECK_EQ(evtchn_bind_interdomain(DOMID_SELF, loop_a, &loop_b), 0, "bind the loop pair");
    CHECK_EQ(evtchn_bind_handler(loop_b, 0, loop_handler, NULL), 0, "loop handler");
    nr_machine_frames = HYPERVISOR_memory_op(XENMEM_maximum_ram_page, NULL);
    own_init();
    version = HYPERVISOR_xen_version(XENVER_version, NULL);
    gnttab_init();
    xen_frames[0] = pv_start_info->shared_info >> PAGE_SHIFT;
    for (unsigned k = 0; k < GNTTAB_FRAMES; k++)
        xen_frames[1 + k] = pv_virt_to_mfn((const uint8_t *)gnttab_entry(0) + k * PAGE_SIZE);

    /* our live tables: the L3, its L2s, their L1s (below the hole) */
    add_pt(pv_cur_l3_mfn);
    for (unsigned s = 0; s < 4; s++) {
        if (!(pv_cur_l3[s] & PTE_P))
            continue;
        uint64_t *l2 = table(pv_cur_l3[s]);
        CHECK(l2 != NULL, "L2 of slot %u not ours", s);
        add_pt(pv_virt_to_mfn(l2));
        for (unsigned i = 0; i < (s == 3 ? 428u : 512u); i++)
            if (l2[i] & PTE_P)
                add_pt((uint32_t)((l2[i] & PTE_ADDR_MASK) >> PAGE_SHIFT));
    }
    /* the hook: the first empty 2 MiB slot of L2 3 after the image */
    uint64_t *l2 = table(pv_cur_l3[3]);
    for (unsigned i = ((VIRT_BASE + pv_region_pages * PAGE_SIZE) >> 21 & 511) + 1; i < 428 && !hook_va; i++)
        if (!l2[i])
            hook_va = 0xC0000000u + (i << 21);
    CHECK(hook_va != 0, "no empty L2 slot for the hook");
    hook_l2e = pv_l2e_maddr(hook_va);

    /* sandbox: foreign PTEs (0-15), sandbox PTEs (16-31), descriptors (32-47), zeros; odd ones read-only */
    for (unsigned i = 0; i < SANDBOX_PAGES; i++)
        sandbox_mfn[i] = pv_virt_to_mfn(sandbox[i]);
    for (unsigned k = 0; k < GRANT_WINDOW_PAGES; k++)
        window_mfn[k] = pv_virt_to_mfn(grant_window[k]);
    for (unsigned i = 0; i < 48; i++) {
        uint64_t *e = (uint64_t *)sandbox[i];
        for (unsigned k = 0; k < 512; k++) {
            uint32_t m = i < 16 ? foreign_mfn() : sandbox_mfn[rnd() % SANDBOX_PAGES];
            e[k] = i < 32 ? ((uint64_t)m << PAGE_SHIFT) | (rnd() & 0x67) : (uint64_t)rnd() << 32 | rnd();
        }
    }
    for (unsigned i = 1; i < SANDBOX_PAGES; i += 2)
        CHECK_EQ(pv_set_page_writable(sandbox[i], 0), 0, "sandbox page read-only");
    CHECK_EQ(pv_update_va_mapping((uint32_t)mc_page[1], 0, UVMF_INVLPG), 0, "multicall guard page unmapped");
    CHECK_EQ(pv_update_va_mapping((uint32_t)scratch + SCRATCH_BYTES, 0, UVMF_INVLPG), 0, "scratch guard page unmapped");

    peek_pte = *pv_l1e_ptr((uint32_t)peek);
    /* what every image page maps now; sandbox pages may change */
    CHECK(pv_region_pages <= ARRAY_SIZE(image_l1e), "image of %u pages", pv_region_pages);
    for (uint32_t p = 0; p < pv_region_pages; p++) {
        uint32_t va = VIRT_BASE + p * PAGE_SIZE;
        uint64_t *e = pv_l1e_ptr(va);
        int in_sandbox = va == (uint32_t)peek
                         || (va >= (uint32_t)sandbox && va < (uint32_t)sandbox + sizeof sandbox)
                         || (va >= (uint32_t)grant_window && va < (uint32_t)grant_window + sizeof grant_window);
        image_l1e[p] = in_sandbox || !e ? 0 : (uint32_t)(*e >> PAGE_SHIFT) << 2 | (uint32_t)(*e & 3);
    }
}

/* Frames memory_op gave us (increase_reservation, populate_physmap, exchange write their MFNs
 * back into the extent list): ours from now on, wherever the M2P says they are. */
static void track_memory(uint32_t cmd, uint32_t arg, long rc)
{
    if (!in_image(arg))
        return;
    struct xen_memory_reservation *r = (struct xen_memory_reservation *)arg;
    uint32_t done = rc;
    if (cmd == XENMEM_exchange) {
        struct xen_memory_exchange *x = (struct xen_memory_exchange *)arg;
        if (rc < 0 && x->nr_exchanged == 0)
            return;
        r = &x->out;
        done = x->nr_exchanged << x->in.extent_order >> x->out.extent_order;
    } else if ((cmd != XENMEM_increase_reservation && cmd != XENMEM_populate_physmap) || rc <= 0) {
        return;
    }
    /* A failed exchange leaves nr_exchanged as the caller gave it: only what could have been done */
    if (!in_image(r->extent_start) || r->extent_order > 10 || r->nr_extents > 64 || done > r->nr_extents)
        return;
    for (uint32_t i = 0; i < done && i < r->nr_extents; i++) {
        uint32_t mfn = ((uint32_t *)r->extent_start)[i];
        for (uint32_t k = 0; k < 1u << r->extent_order; k++) {
            if (ours(mfn + k))
                continue;
            add_extra(mfn + k);
        }
    }
}

/* ---- after each call: the entry points back ------------------------------- */

static void restore(const struct call *c, long rc)
{
    const char *what = "";
    int mc = c->nr == __HYPERVISOR_multicall;
    switch (c->nr) {
    case __HYPERVISOR_set_trap_table: case __HYPERVISOR_stack_switch: case __HYPERVISOR_set_callbacks:
    case __HYPERVISOR_callback_op: case __HYPERVISOR_multicall:
    case __HYPERVISOR_set_debugreg: case __HYPERVISOR_fpu_taskswitch: case __HYPERVISOR_vm_assist:
    case __HYPERVISOR_mmuext_op:
        if (mc || c->nr <= __HYPERVISOR_set_callbacks || c->nr == __HYPERVISOR_callback_op)
            CHECK_EQ(pv_install_entry_points(&what), 0, what);
        if (mc || c->nr == __HYPERVISOR_set_debugreg)
            HYPERVISOR_set_debugreg(7, 0);
        if (mc || c->nr == __HYPERVISOR_fpu_taskswitch)
            hcall(__HYPERVISOR_fpu_taskswitch, 0, 0, 0, 0, 0);
        if (mc || c->nr == __HYPERVISOR_vm_assist) {
            HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_pae_extended_cr3);
            HYPERVISOR_vm_assist(VMASST_CMD_disable, VMASST_TYPE_writable_pagetables);
            HYPERVISOR_vm_assist(VMASST_CMD_disable, VMASST_TYPE_architectural_iopl);
        }
        if (mc || c->nr == __HYPERVISOR_mmuext_op)
            pv_mmuext(MMUEXT_SET_LDT, 0, 0);
        if (mc && c->a[0] == (uint32_t)mc_page[0]) {
            const multicall_entry_t *e = (const multicall_entry_t *)mc_page[0];
            for (unsigned i = 0; i < MC_PAGE_ENTRIES; i++)
                if (e[i].op == __HYPERVISOR_memory_op)
                    track_memory(e[i].args[0], e[i].args[1], e[i].result);
        }
        break;
    case __HYPERVISOR_memory_op:
        track_memory(c->a[0], c->a[1], rc);
        break;
    case __HYPERVISOR_event_channel_op:     /* remember the ports it bound */
        if (c->sub == EVTCHNOP_alloc_unbound || c->sub == EVTCHNOP_bind_interdomain || c->sub == EVTCHNOP_bind_virq
            || c->sub == EVTCHNOP_bind_ipi) {
            uint32_t *a = (uint32_t *)c->a[1];
            int at = c->sub == EVTCHNOP_alloc_unbound || c->sub == EVTCHNOP_bind_ipi ? 1 : 2;
            if (rc == 0 && in_image(c->a[1]))
                own_ports[nr_own_ports++ % ARRAY_SIZE(own_ports)] = a[at];
            if (nr_own_ports > ARRAY_SIZE(own_ports))
                nr_own_ports = ARRAY_SIZE(own_ports);
        }
        break;
    default:
        break;
    }
}

/* ---- sanity between batches ------------------------------------------------ */

static int is_pt(uint32_t mfn, uint32_t hook_l1)
{
    if (mfn == hook_l1)
        return 1;
    for (unsigned i = 0; i < nr_pt_mfns; i++)
        if (pt_mfns[i] == mfn)
            return 1;
    return 0;
}

static int xen_frame(uint32_t mfn)
{
    for (unsigned i = 0; i < ARRAY_SIZE(xen_frames); i++)
        if (xen_frames[i] == mfn)
            return 1;
    return 0;
}

/* A frame memory_op gave us where we could not see it (an extent list Xen wrote past what we
 * track): ours from now on if Xen says so. */
static int owned_per_xen(uint32_t mfn)
{
    if (!xen_says_ours(mfn))
        return 0;
    add_extra(mfn);
    return 1;
}

static void check_l1(const uint64_t *l1, uint32_t va0, uint32_t hook_l1)
{
    for (unsigned k = 0; k < 512; k++) {
        if (!(l1[k] & PTE_P))
            continue;
        uint32_t mfn = (uint32_t)((l1[k] & PTE_ADDR_MASK) >> PAGE_SHIFT);
        uint32_t va = va0 + k * PAGE_SIZE;
        if (!ours(mfn) && !xen_frame(mfn) && !owned_per_xen(mfn))
            fail("sanity after %u calls: %#x maps frame %#x, not ours (PTE %#llx)", calls_done, va, mfn,
                 (unsigned long long)l1[k]);
        if ((l1[k] & PTE_RW) && (is_pt(mfn, hook_l1)))
            fail("sanity after %u calls: %#x maps page table %#x writable", calls_done, va, mfn);
    }
}

static void do_int3(void *arg)
{
    __asm__ volatile("int3");
}

static void sanity(void)
{
    /* the L3 as at the start; every L1 maps only our frames, no table writable */
    for (unsigned s = 0; s < 4; s++) {
        if (!(pv_cur_l3[s] & PTE_P))
            continue;
        uint64_t *l2 = table(pv_cur_l3[s]);
        if (!l2)
            fail("sanity after %u calls: L3 slot %u points at %#llx, not ours", calls_done, s,
                 (unsigned long long)pv_cur_l3[s]);
        uint64_t hook = l2[(hook_va >> 21) & 511];
        uint32_t hook_l1 = s == 3 && (hook & PTE_P) ? (uint32_t)((hook & PTE_ADDR_MASK) >> PAGE_SHIFT) : ~0u;
        for (unsigned i = 0; i < (s == 3 ? 428u : 512u); i++) {
            if (!(l2[i] & PTE_P))
                continue;
            uint64_t *l1 = table(l2[i]);
            uint32_t mfn = (uint32_t)((l2[i] & PTE_ADDR_MASK) >> PAGE_SHIFT);
            /* the hooked L1 may be a frame memory_op gave us where we could not see it: it is
             * read through peek, and Xen, which validated it, must say it is ours */
            int hook_ours = mfn == hook_l1 && (ours(mfn) || owned_per_xen(mfn));
            if ((!l1 && !hook_ours) || (l2[i] & PTE_PS) || !is_pt(mfn, hook_l1))
                fail("sanity after %u calls: L2 entry %u of slot %u is %#llx", calls_done, i, s,
                     (unsigned long long)l2[i]);
            if (mfn != hook_l1) {
                check_l1(l1, s << 30 | i << 21, hook_l1);
                continue;
            }
            /* the hooked sandbox L1, through a read-only mapping of its own */
            CHECK_EQ(pv_update_va_mapping((uint32_t)peek, ((uint64_t)mfn << PAGE_SHIFT) | PTE_P | PTE_A, UVMF_INVLPG),
                     0, "sanity: map the hooked L1 read-only");
            check_l1((const uint64_t *)peek, s << 30 | i << 21, hook_l1);
            CHECK_EQ(pv_update_va_mapping((uint32_t)peek, peek_pte, UVMF_INVLPG), 0, "sanity: peek page back");
        }
    }
    for (uint32_t p = 0; p < pv_region_pages; p++) {
        if (!image_l1e[p])
            continue;
        uint64_t *e = pv_l1e_ptr(VIRT_BASE + p * PAGE_SIZE);
        uint32_t now = e ? (uint32_t)(*e >> PAGE_SHIFT) << 2 | (uint32_t)(*e & 3) : 0;
        if (now != image_l1e[p])
            fail("sanity after %u calls: image page %#x maps %#x/%x, was %#x/%x", calls_done,
                 VIRT_BASE + p * PAGE_SIZE, now >> 2, now & 3, image_l1e[p] >> 2, image_l1e[p] & 3);
    }
    /* a trap, an event, time, the version */
    if (!trap_try(do_int3, NULL, &rec) || rec.vector != 3)
        fail("sanity after %u calls: int3 did not reach its handler (vector %u)", calls_done, rec.vector);
    uint32_t before = loop_events;
    evtchn_unmask(loop_b);
    CHECK_EQ(evtchn_send(loop_a), 0, "sanity: send on the loop port");
    for (int i = 0; i < 100 && loop_events == before; i++)
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    if (loop_events == before) {
        evtchn_status_t st = { .dom = DOMID_SELF, .port = loop_b };
        long rc = HYPERVISOR_event_channel_op(EVTCHNOP_status, &st);
        fail("sanity after %u calls: the loop event never arrived (upcall mask %u pending %u, port %u: status rc %ld "
             "state %u vcpu %u, pending %d masked %d)", calls_done, pv_vcpu_info(0)->evtchn_upcall_mask,
             pv_vcpu_info(0)->evtchn_upcall_pending, loop_b, rc, st.status, st.vcpu, evtchn_is_pending(loop_b),
             evtchn_is_masked(loop_b));
    }
    static uint64_t last_ns;
    uint64_t now = guest_time_ns();
    if (now <= last_ns)
        fail("sanity after %u calls: time stands at %llu ns", calls_done, (unsigned long long)now);
    last_ns = now;
    CHECK_EQ(HYPERVISOR_xen_version(XENVER_version, NULL), version, "sanity: xen_version");
    sane_batches++;
}

/* ---- xs_wire: malformed messages on our own xenstore ring ----------------- */

static int xs_stuck;                /* xenstored stopped reading our ring: no more messages */

static void xs_message(void)
{
    struct { uint32_t type, req_id, tx_id, len; char payload[64]; } m;
    m.type = below(4) ? below(XS_DIRECTORY_PART + 4) : rnd();
    m.req_id = rnd();
    m.tx_id = below(2) ? 0 : rnd();
    fill_random(m.payload, sizeof m.payload);
    for (unsigned i = 0; i < sizeof m.payload; i++)
        if (below(4) == 0)
            m.payload[i] = below(2) ? 0 : '/';
    m.len = below(4) ? below(sizeof m.payload + 1) : below(2) ? 4096 + below(8) : rnd();
    unsigned sub = m.type < NR_SUBS ? m.type : NR_SUBS - 1;
    hash(m.type);
    hash(m.len);
    size_t n = 16 + (m.len < sizeof m.payload ? m.len : sizeof m.payload);
    if (xs_stuck || xs_raw_bytes(&m, n) != n) {
        xs_stuck = 1;                       /* the ring stays full: xenstored stopped reading it */
        count(XS_WIRE, sub, -XEN_EAGAIN);
    } else {
        uint32_t id, type;
        int len = xs_raw_reply(&id, &type, 2000000);
        count(XS_WIRE, sub, len < 0 ? -XEN_ETIME : type == XS_ERROR ? -XEN_EINVAL : 0);
    }
    irq_enable();                           /* the kit's xenstore waits with events masked */
}

/* ---- die=1 --------------------------------------------------------------- */

static void ud(void *arg)
{
    __asm__ volatile("ud2");
}

static noreturn void die(void)
{
    static trap_info_t ring0[] = { { 3, 3, 0xe008, 0 }, { 6, 0, 0xe008, 0 }, { 0 } };
    uint32_t how = below(3);
    switch (how) {
    case 0:
        printf("fuzz: dying by an iret frame into ring 0\n");
        __asm__ volatile("pushl $0x7b\n\tpushl %%esp\n\tpushl $0x3002\n\tpushl $0xe008\n\tpushl $1f\n\t"
                         "jmp hypercall_page+23*32\n1:" ::: "memory");
        break;
    case 1:
        printf("fuzz: dying by a trap table of ring-0 handlers and int3\n");
        ring0[0].address = ring0[1].address = HYPERVISOR_VIRT_START + 0x1000;
        HYPERVISOR_set_trap_table(ring0);
        __asm__ volatile("int3");
        break;
    default:
        printf("fuzz: dying by #UD with no trap handler at all\n");
        HYPERVISOR_set_trap_table(NULL);
        static const trap_info_t none[] = { { 0 } };
        HYPERVISOR_set_trap_table(none);
        ud(NULL);
        break;
    }
    fail("fuzz: still alive after the fatal act %u", how);
}

/* ---- storm=1 -------------------------------------------------------------- */

/* vcpu_info goes into peek, a page of the image that maps its own frame again after sanity() (a
 * page of its own would move every later page of the image, whose addresses seeds' tests name) */
static noreturn void storm(void)
{
    uint64_t ma = pv_virt_to_maddr(peek);
    struct vcpu_register_vcpu_info r = { ma >> PAGE_SHIFT, 0x40, 0 };
    printf("fuzz: storming: vcpu_info to %#llx (va %#x) behind the kit's back\n", (unsigned long long)ma + 0x40,
           (uint32_t)peek + 0x40);
    /* Xen copies vcpu_info (events enabled) there and sets evtchn_upcall_pending: the next
     * return to the guest is an upcall, whose handler clears the flag in shared_info */
    long rc = HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &r);
    fail("fuzz: still here after moving vcpu_info (rc %ld)", rc);
}

/* ---- the run ------------------------------------------------------------- */

static void print_results(const uint32_t *by_rc)
{
    for (unsigned b = 0; b < NR_RC; b++) {
        if (!by_rc[b])
            continue;
        if (b)
            printf(" -%u=%u", b, by_rc[b]);
        else
            printf(" ok=%u", by_rc[b]);
    }
    printf("\n");
}

static void report(uint64_t ns)
{
    for (unsigned nr = 0; nr < NR_CALLS; nr++)
        for (unsigned sub = 0; sub < NR_SUBS; sub++) {
            uint32_t n = 0;
            for (unsigned b = 0; b < NR_RC; b++)
                n += counts[nr][sub][b];
            if (!n)
                continue;
            printf("fuzz: calls %s/%u n=%u", names[nr], sub, n);
            print_results(counts[nr][sub]);
        }
    uint32_t made = calls_done - first_call;
    printf("fuzz: results n=%u", made);
    print_results(totals);
    if (profile) {
        printf("fuzz: guest time in calls (us):");
        for (unsigned nr = 0; nr < NR_CALLS; nr++)
            if (ns_by_call[nr] >= 1000)
                printf(" %s=%u", names[nr], (uint32_t)(ns_by_call[nr] / 1000));
        printf("\n");
        printf("fuzz: profile (guest ns per call):");
        for (unsigned p = 0; p < NR_PHASES; p++)
            printf(" %s=%u", phase_names[p], (uint32_t)(phase_ns[p] / (made ? made : 1)));
        printf(", %u draws per call\n", (draws - draws0) / (made ? made : 1));
    }
    printf("fuzz: %u frames from memory_op beyond the P2M\n", nr_extra);
    printf("fuzz: done %u calls in %u ms of guest time, %u sane batches, sequence %08x%08x\n", made,
           (uint32_t)(ns / 1000000), sane_batches, (uint32_t)(seq_hash >> 32), (uint32_t)seq_hash);
}

void guest_main(void)
{
    uint32_t seed = cmdline_u32("seed", 1), calls = cmdline_u32("calls", 5000);
    uint32_t batch = cmdline_u32("batch", 1000), xs = cmdline_u32("xs", 0);
    rng_seed(seed, cmdline_u32("rng", 2) == 1);
    irq_enable();
    setup();
    if (xs) {
        xs_init();
        irq_enable();                       /* the kit's xenstore waits with events masked */
    }
    printf("fuzz: seed %u, %u calls, batch %u, domid %u, %u machine frames, %u page tables, hook at %#x\n", seed,
           calls, batch, self, nr_machine_frames, nr_pt_mfns, hook_va);
    sanity();
    uint32_t bench = cmdline_u32("bench", 0);
    if (bench) {
        fuzz_bench(bench, loop_a, loop_b);
        sanity();
    }
    profile = cmdline_u32("profile", 0);
    uint32_t trace_from = cmdline_u32("trace", 0xFFFFFFFFu);
    /* first=K: calls K.. as a whole run makes them (each call's draws are a function of the seed
     * and its index; what they resolve to, our frames and ports, is what this run has) */
    uint32_t first = cmdline_u32("first", 0);
    mc_give = cmdline_u32("mcgive", 0) != 0;
    if (first && rng_v1)
        fail("first=%u: rng=1 is one stream, its calls cannot be started in the middle", first);
    calls_done = first_call = first;
    calls += first;
    uint64_t t0 = guest_time_ns();
    draws0 = draws;
    phase_t = t0;
    while (calls_done < calls) {
        rng_call(calls_done);
        if (xs && below(64) == 0) {
            xs_message();
            phase(PH_XS);
        } else {
            struct call c;
            gen(&c, 0);
            hash(c.nr);                     /* rng=1: its arguments are in the hash as the draws they came from */
            phase(PH_GEN);
            /* a call that may point our event callback or trap table anywhere runs with events
             * masked until the kit's are back (an upcall through a bad selector kills the domain) */
            int entry = c.nr == __HYPERVISOR_set_trap_table || c.nr == __HYPERVISOR_stack_switch
                        || c.nr == __HYPERVISOR_set_callbacks || c.nr == __HYPERVISOR_callback_op
                        || c.nr == __HYPERVISOR_multicall;
            uint32_t irq = entry ? irq_save() : 0;
            uint64_t t = profile ? guest_time_ns() : 0;
            if (calls_done >= trace_from)   /* trace=N: each call from the Nth, to find the one a replay dies at */
                printf("fuzz: call %u: %u (sub %u) %x %x %x %x %x\n", calls_done, c.nr, c.sub, c.a[0], c.a[1], c.a[2],
                       c.a[3], c.a[4]);
            long rc = hcall(c.nr, c.a[0], c.a[1], c.a[2], c.a[3], c.a[4]);
            if (calls_done >= trace_from)
                printf("fuzz: call %u: rc %ld\n", calls_done, rc);
            if (profile)
                ns_by_call[c.nr < 47 ? c.nr : 47] += guest_time_ns() - t;
            phase(PH_CALL);
            count(c.nr, c.sub, rc);
            phase(PH_COUNT);
            restore(&c, rc);
            if (entry)
                irq_restore(irq);
            phase(PH_RESTORE);
        }
        calls_done++;
        if (calls_done % batch == 0) {
            sanity();
            if (calls_done % (batch * 100) == 0)
                printf("fuzz: %u calls, sane\n", calls_done);
            phase(PH_SANITY);
        }
    }
    sanity();
    if (cmdline_u32("storm", 0))
        storm();
    report(guest_time_ns() - t0);
    if (cmdline_u32("die", 0))
        die();
    pass();
}
