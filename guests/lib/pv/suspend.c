/*
 * suspend.c -- the guest's half of save, restore and live migration, as a
 * Linux PV kernel does it (drivers/xen/manage.c do_suspend, arch/x86/xen/
 * suspend_pv.c xen_pre_suspend / xen_post_suspend):
 *
 *  before: events masked; the P2M published again (the toolstack reads it
 *          through shared_info); start_info's store and console frames turned
 *          into pfns (the toolstack gives the new domain new frames and writes
 *          their MFNs back); shared_info unmapped (a PTE naming a frame outside
 *          the domain's pseudo-physical memory cannot be saved);
 *  suspend: SCHEDOP_shutdown(SHUTDOWN_suspend) with start_info's MFN in EDX
 *          (the toolstack finds start_info there); it returns 0 in a new domain
 *          (restored, or migrated: EDX then holds the new start_info's MFN) or
 *          1 when the suspend was cancelled and this same domain goes on;
 *  after:  shared_info mapped again from start_info; the MFNs the kit caches
 *          (its current L3) recomputed from the P2M, which the toolstack
 *          rewrote; in a new domain every event channel is gone, so handlers
 *          are forgotten, xenstore takes its new port and registers its watches
 *          again, and the console finds its new port in start_info.
 * Secondary vcpus park first (Linux's stop_machine): vcpu 0 kicks each one
 * that is up through an IPI bound for the purpose, and each spins in the
 * kick's handler, events masked, touching neither shared_info nor any port,
 * until vcpu 0 has resumed. A vcpu_info moved with VCPUOP_register_vcpu_info
 * is registered again in a new domain (the stream does not carry it, as Xen's
 * does not; another vcpu's is registered while it is down, as Xen requires,
 * Linux's xen_vcpu_restore), and every resumable VIRQ and IPI binding is made
 * again for its vcpu (xen_irq_resume).
 * The grant table's frames are unmapped before and set up again after
 * (gnttab_suspend/gnttab_resume); in a new domain pv_resumes counts one more,
 * and split-driver frontends (blkfront) set up their rings again with a new
 * backend when they next run, resubmitting what was in flight (blkif_recover).
 */
#include <oxen/pv.h>
#include <oxen/xenstore.h>
#include <oxen/gnttab.h>

volatile uint32_t pv_resumes;

long pv_unmap_shared_info(void);    /* lib/pv/start.c */
long pv_map_shared_info(void);

static volatile uint32_t park_request;
static volatile uint32_t parked[MAX_CPUS];

/* The kick's handler on a secondary vcpu: parked until vcpu 0 has resumed. */
static void park(evtchn_port_t port, void *data)
{
    (void)port; (void)data;
    unsigned cpu = smp_cpu_id();
    parked[cpu] = 1;
    while (park_request)
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    parked[cpu] = 0;
}

/* Parks every other vcpu that is up; a bit per parked vcpu. */
static uint32_t park_others(void)
{
    uint32_t mask = 0;
    park_request = 1;
    for (unsigned cpu = 1; cpu < MAX_CPUS; cpu++) {
        long up = HYPERVISOR_vcpu_op(VCPUOP_is_up, cpu, NULL);
        if (up == -XEN_ENOENT)
            break;
        if (up <= 0)
            continue;
        evtchn_port_t kick;
        CHECK(evtchn_bind_ipi(cpu, &kick) == 0, "bind the park IPI of vcpu %u", cpu);
        CHECK_EQ(evtchn_bind_handler(kick, cpu, park, NULL), 0, "the park IPI's handler");
        CHECK(evtchn_send(kick) == 0, "kick vcpu %u", cpu);
        uint64_t end = guest_time_ns() + 1000000000ull;
        while (!parked[cpu]) {
            CHECK(guest_time_ns() < end, "vcpu %u did not park within 1 s (events masked?)", cpu);
            HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
        }
        evtchn_unbind_handler(kick);
        CHECK(evtchn_close(kick) == 0, "close the park IPI of vcpu %u", cpu);
        mask |= 1u << cpu;
    }
    return mask;
}

int pv_suspend(void)
{
    start_info_t *si = (start_info_t *)pv_start_info;
    uint32_t flags = irq_save();
    long rc;
    uint32_t others = park_others();

    pv_publish_p2m();
    si->store_mfn = pv_m2p[si->store_mfn];
    si->console.domU.mfn = pv_m2p[si->console.domU.mfn];
    gnttab_suspend();
    rc = pv_unmap_shared_info();
    CHECK_EQ(rc, 0, "unmap shared_info before the suspend");

    struct sched_shutdown r = { SHUTDOWN_suspend };
    long cancelled = _hypercall3(29, SCHEDOP_shutdown, &r, pv_virt_to_mfn(si));

    if (cancelled) {                /* the same domain: our own frames again */
        si->store_mfn = pv_p2m[si->store_mfn];
        si->console.domU.mfn = pv_p2m[si->console.domU.mfn];
    }
    rc = pv_map_shared_info();
    CHECK_EQ(rc, 0, "map shared_info after the suspend");
    pv_cur_l3_mfn = pv_virt_to_mfn(pv_cur_l3);
    gnttab_resume(!cancelled);
    if (!cancelled) {
        /* a vcpu_info moved with VCPUOP_register_vcpu_info is not in the stream (as in Xen): the
         * new domain's vcpus use their shared_info slots until registered again (Linux's
         * xen_vcpu_restore); every port is masked meanwhile, so nothing is delivered there */
        for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++) {
            struct vcpu_info *moved = pv_vcpu_infos[cpu];
            if (!moved)
                continue;
            int other = cpu != 0 && (others >> cpu & 1);
            if (other)
                CHECK(HYPERVISOR_vcpu_op(VCPUOP_down, cpu, NULL) == 0, "take parked vcpu %u down", cpu);
            pv_vcpu_infos[cpu] = NULL;
            CHECK(pv_register_vcpu_info(cpu, moved) == 0, "register vcpu %u's vcpu_info again after the resume", cpu);
            if (other)
                CHECK(HYPERVISOR_vcpu_op(VCPUOP_up, cpu, NULL) == 0, "bring parked vcpu %u up again", cpu);
        }
        evtchn_forget_all();
        evtchn_resume_bindings();
        pv_publish_p2m();
        pv_resumes++;               /* drivers reconnect when they next run (blkfront_wait) */
        xs_resume();
    }
    park_request = 0;
    for (unsigned cpu = 1; cpu < MAX_CPUS; cpu++) {
        uint64_t end = guest_time_ns() + 1000000000ull;
        while ((others >> cpu & 1) && parked[cpu]) {
            CHECK(guest_time_ns() < end, "vcpu %u did not leave its park within 1 s", cpu);
            HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
        }
    }
    irq_restore(flags);
    return (int)cancelled;
}
