/*
 * fuzz_gen_events.c -- the fuzzer's event-channel, vcpu_op and sched_op calls
 * (ports it may close are its own; polls end within 1 ms).  Part of the
 * generator (fuzz_gen.c).
 */
#include <kit.h>
#include <oxen/pv.h>
#include <oxen/gnttab.h>
#include <oxen/xenstore.h>

#include "fuzz_gen.h"

/* ---- what a close or reset reads where its pointer is not our struct ---------------------- */

static uint32_t peek_va, peek_bytes;
static uint8_t peek_buf[4];

static void peek_copy(void *arg)
{
    for (uint32_t i = 0; i < peek_bytes; i++)
        peek_buf[i] = *(volatile const uint8_t *)(peek_va + i);
}

/* The n (<= 4) bytes at va as Xen's copy_from_guest would read them (through our tables, as
 * our kernel reads them), or 0 if a byte of them faults (Xen: -EFAULT). */
static int peek_guest(uint32_t va, uint32_t n, uint32_t *out)
{
    static struct trap_record ignored;
    if (va >= HYPERVISOR_VIRT_START || va + n - 1 >= HYPERVISOR_VIRT_START || va + n - 1 < va)
        return 0;                           /* Xen's access_ok refuses the hole */
    peek_va = va;
    peek_bytes = n;
    *out = 0;
    if (trap_try(peek_copy, NULL, &ignored))
        return 0;
    for (uint32_t i = 0; i < n; i++)
        *out |= (uint32_t)peek_buf[i] << (8 * i);
    return 1;
}

/* Whether event_channel_op cmd, its struct read at p, would close a port we live on or reset
 * our own table (which closes them all). */
static int harms_us(uint32_t cmd, uint32_t p)
{
    uint32_t v;
    if (cmd == EVTCHNOP_close)
        return peek_guest(p, 4, &v) && protected_port(v);
    if (cmd == EVTCHNOP_reset)
        return peek_guest(p, 2, &v) && ((domid_t)v == self || (domid_t)v == DOMID_SELF);
    return 0;
}

/* Where a call's struct goes when bad_ptr() drew it: Xen reads a port or a domid from whatever
 * is mapped there (our read-only page tables, a page an earlier call mapped), and a close or a
 * reset of our own acts as on our struct (seed 5040 of the 10^7 campaign, at domid 43: call
 * 59,122, a multicall's EVTCHNOP_reset at 0xc0318933, one of our L1s, read bytes 3-4 of an
 * image page's PTE, bits 12-27 of its frame 0x2b1xx: 0x2b, our own domid; Xen's evtchn_reset
 * of the caller closed every port, console, store and the loop pair, the next binds took
 * them, and the loop port was found an IPI's).  Such a pointer is moved into the hole, where
 * Xen must refuse it; so is any inside a multicall, where an earlier entry may map or rewrite
 * what it points at.  compat: the command is read there too, the struct after it.  No draws. */
static uint32_t struct_ptr(uint32_t p, uint32_t cmd, int compat, int nested)
{
    uint32_t hole = HYPERVISOR_VIRT_START | (p & 0xFFF);
    if (p >= HYPERVISOR_VIRT_START)
        return p;
    if (nested)                             /* compat: any command may be read there by then */
        return compat || cmd == EVTCHNOP_close || cmd == EVTCHNOP_reset ? hole : p;
    if (compat && !peek_guest(p, 4, &cmd))
        return p;
    return harms_us(cmd, compat ? p + 4 : p) ? hole : p;
}

uint32_t *gen_event_channel_op(struct call *c, int compat, int nested)
{
    uint32_t *a = (uint32_t *)scratch_ptr();
    fill_random(a, 32);
    c->sub = below(8) ? below(14) : any_val();
    evtchn_port_t p = any_port();
    switch (c->sub) {
    case EVTCHNOP_alloc_unbound:
        ((evtchn_alloc_unbound_t *)a)->dom = below(4) ? DOMID_SELF : any_domid();
        ((evtchn_alloc_unbound_t *)a)->remote_dom = any_domid();
        break;
    case EVTCHNOP_bind_interdomain:
        ((evtchn_bind_interdomain_t *)a)->remote_dom = any_domid();
        ((evtchn_bind_interdomain_t *)a)->remote_port = any_port();
        break;
    case EVTCHNOP_bind_virq:
        a[0] = below(2) ? below(NR_VIRQS + 2) : any_val();
        a[1] = below(2) ? 0 : any_val();
        break;
    case EVTCHNOP_bind_ipi:
        a[0] = below(2) ? 0 : any_val();
        break;
    case EVTCHNOP_close: case EVTCHNOP_reset:           /* close, reset: never the ports we live on */
        if (c->sub == EVTCHNOP_reset) {
            *(domid_t *)a = below(2) ? (domid_t)(self ^ 1 ^ below(4)) : any_domid();
            if (*(domid_t *)a == self || *(domid_t *)a == DOMID_SELF)
                *(domid_t *)a = 0;
            break;
        }
        /* fall through */
    case EVTCHNOP_send: case EVTCHNOP_unmask: case EVTCHNOP_bind_vcpu:
        if (rng_v1) {                       /* as it was: drawn only when needed */
            if (protected_port(p))
                p = 8 + below(64) + 1024 * below(2);
        } else {                            /* drawn whether needed or not */
            evtchn_port_t other = 8 + below(64);
            other += 1024 * below(2);
            if (protected_port(p))
                p = other;
        }
        if (protected_port(p))
            p = XEN_NR_EVENT_CHANNELS;
        a[0] = p;
        break;
    case EVTCHNOP_status:
        ((evtchn_status_t *)a)->dom = any_domid();
        ((evtchn_status_t *)a)->port = any_port();
        break;
    default:
        break;
    }
    c->a[0] = c->sub;
    c->a[1] = below(8) ? (uint32_t)a : bad_ptr();
    if (c->a[1] != (uint32_t)a && !compat)
        c->a[1] = struct_ptr(c->a[1], c->sub, 0, nested);
    return a;
}

/* event_channel_op_compat's struct {cmd; the op's struct}: its pointer held to struct_ptr's rule. */
uint32_t compat_struct_ptr(uint32_t p, int nested)
{
    return struct_ptr(p, 0, 1, nested);
}

void gen_vcpu_op(struct call *c)
{
    fill_random(region + AT_VCPU, 256);
    c->sub = below(8) ? below(16) : any_val();
    c->a[0] = c->sub;
    c->a[1] = below(2) ? below(4) : any_val();
    c->a[2] = any_ptr();
    if (c->a[1] == 0) {                     /* vcpu 0 is us: no down, no vcpu_info of ours elsewhere */
        if (c->sub == VCPUOP_down || c->sub == VCPUOP_initialise)
            c->a[1] = 1 + below(1000);
        if (c->sub == VCPUOP_register_vcpu_info) {
            struct vcpu_register_vcpu_info *v = (struct vcpu_register_vcpu_info *)scratch_ptr();
            v->mfn = below(2) ? foreign_mfn() : any_val();
            v->offset = below(2) ? below(4096) : rnd();
            /* never a frame of ours nor shared_info: Xen moves our vcpu_info to any page we own,
             * and the kit, which reads it in shared_info, would miss every event after (seeds
             * 1026, 1032 and 1033: "the loop event never arrived", pending and unmasked) */
            uint32_t si = pv_start_info->shared_info >> PAGE_SHIFT;
            if (v->mfn < nr_machine_frames + 64 && (ours((uint32_t)v->mfn) || v->mfn == si)) {
                v->mfn = not_ours((uint32_t)v->mfn);
                if (v->mfn == si)
                    v->mfn = not_ours(si + 1);
            }
            /* nor one Xen says is ours that we do not know of: increase_reservation with no extent
             * list (or one it cannot write) gives frames and says nothing, in Xen too, and a
             * vcpu_info there is one the kit never reads, so its upcall handler clears the flag in
             * shared_info for ever (seed 6003's upcall storm; no draw: the sequence stays) */
            while (v->mfn < nr_machine_frames && (xen_says_ours((uint32_t)v->mfn) || v->mfn == si))
                v->mfn = not_ours((uint32_t)v->mfn + 1);
            c->a[2] = (uint32_t)v;
        }
        if (c->sub == 5 || c->sub == 13) {  /* runstate, time areas: Xen writes there at every switch */
            uint32_t *area = (uint32_t *)scratch_ptr();
            /* the area itself where no call's structs are (Xen rewrites it at every switch) */
            area[0] = below(2) ? (uint32_t)scratch + 7 * REGION_SIZE + (below(16) << 6) : bad_ptr();
            area[1] = 0;
            c->a[2] = below(8) ? (uint32_t)area : bad_ptr();
        }
    }
}

/* A multicall's entries are all made before any of them runs, and Xen runs them in order: an
 * entry after the first may find its frame given to us, or its struct rewritten, by an entry
 * before it, which no check at generation can see.  The entries before it may
 *   - give us frames (so the frame a vcpu-0 register_vcpu_info names is ours when it runs):
 *     memory_op increase_reservation (with any extent list, NULL or unwritable too),
 *     populate_physmap and exchange; grant_table_op setup_table growing our table (Xen's frames
 *     shared with us) and transfer (to a grant entry of ours that accepts one);
 *   - write our memory, the entry's struct in scratch among it (Xen runs on past an entry's own
 *     elements with a hostile count, over the regions of the entries after it): memory_op (the
 *     extent lists it writes MFNs into, exchange's struct and out list, machphys_mfn_list,
 *     memory_map and the sub-ops with an output), grant_table_op (each element's status, handle
 *     and bus address, setup_table's and get_status_frames' frame lists, query_size, copies into
 *     a frame we granted), event_channel_op and its compat form (the port written back),
 *     vcpu_op (get_runstate_info, the runstate and time areas Xen rewrites at every switch,
 *     get_physid), xen_version (strings up to 1 KiB), console_io read, physdev_op, and what
 *     remaps a page (mmu_update, mmuext_op's clear_page and copy_page, update_va_mapping,
 *     a grant map).
 * Of what a later entry does to a frame it names (clear, copy, pin, map, write a descriptor,
 * give away, exchange), only a vcpu-0 register_vcpu_info harms us when the frame has become
 * ours: Xen moves our vcpu_info there and the kit, which reads it in shared_info, misses every
 * event after (with events masked around the multicall: "the loop event never arrived"; seed
 * 6003's upcall storm outside one); the rest acts on a frame the kit never uses.  After the
 * first entry that register's struct pointer goes into the hole, so Xen reads nothing and
 * refuses it whatever the entries before gave or wrote (a guest never batches it behind calls
 * whose effects on its frames and memory it has not seen).  The first entry keeps it: nothing
 * of its multicall runs before it, so the checks made at its generation hold.  No draws: a
 * seed's calls stay as they were.  (Other structs an earlier entry rewrites, an event-channel
 * close's port or an mmuext op's command, would need Xen to write exactly a port we live on or
 * a command there, a grant handle; not guarded: docs/PERFORMANCE.md, session 15.) */
void vcpu_op_after_earlier_entries(struct call *c)
{
    if (c->nr == __HYPERVISOR_vcpu_op && c->a[0] == VCPUOP_register_vcpu_info && c->a[1] == 0)
        c->a[2] = HYPERVISOR_VIRT_START | (c->a[2] & 0xFFF);
}

void gen_sched_op(struct call *c, int nested)
{
    static const uint32_t cmds[] = { SCHEDOP_yield, SCHEDOP_poll, 4 /* remote_shutdown */,
                                     5 /* shutdown_code */, 6 /* watchdog */, 7, 8, 99 };
    uint32_t *a = (uint32_t *)scratch_ptr();
    c->sub = cmds[below(ARRAY_SIZE(cmds))];
    if (nested && c->sub == SCHEDOP_poll)   /* a later entry may overwrite its timeout: no poll there */
        c->sub = SCHEDOP_yield;
    c->a[0] = c->sub;
    c->a[1] = below(8) ? (uint32_t)a : unreadable_ptr();  /* a poll reading our tables could wait for ever */
    switch (c->sub) {
    case SCHEDOP_poll:                      /* a few ports, then at most 1 ms */
        a[0] = (uint32_t)(a + 8);
        a[1] = below(4);
        *(uint64_t *)&a[2] = guest_time_ns() + below(1000000);
        for (unsigned i = 0; i < 4; i++)
            a[8 + i] = any_port();
        if (below(4) == 0)
            a[0] = unreadable_ptr();
        break;
    case 4:
        a[0] = any_domid();
        a[1] = below(8);
        break;
    case 5:     /* Xen's domain_shutdown would take a code set here over its reason: unreadable only */
        c->a[1] = unreadable_ptr();
        break;
    case 6:                                 /* never a watchdog that could fire */
        a[0] = 1 + below(4);
        a[1] = 0;
        break;
    default:
        break;
    }
}
