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

uint32_t *gen_event_channel_op(struct call *c)
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
    case EVTCHNOP_close: case 10:           /* close, reset: never the ports we live on */
        if (c->sub == 10) {
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
    return a;
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
