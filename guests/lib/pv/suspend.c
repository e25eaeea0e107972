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
 * A vcpu_info moved with VCPUOP_register_vcpu_info is registered again in a
 * new domain (the stream does not carry it, as Xen's does not).
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

int pv_suspend(void)
{
    start_info_t *si = (start_info_t *)pv_start_info;
    uint32_t flags = irq_save();
    long rc;

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
            pv_vcpu_infos[cpu] = NULL;
            CHECK(pv_register_vcpu_info(cpu, moved) == 0, "register vcpu %u's vcpu_info again after the resume", cpu);
        }
        evtchn_forget_all();
        timer_resume();
        pv_publish_p2m();
        pv_resumes++;               /* drivers reconnect when they next run (blkfront_wait) */
        xs_resume();
    }
    irq_restore(flags);
    return (int)cancelled;
}
