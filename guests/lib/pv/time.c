/*
 * time.c -- PV time and timer.
 *
 * System time: vcpu_time_info of the current vcpu, read with the version
 * protocol (retry while the version is odd or changed) and extrapolated
 * with the TSC: system_time + scale(rdtsc - tsc_timestamp).
 * Timer: VIRQ_TIMER bound on vcpu 0.  timer_init() also stops the 100 Hz
 * periodic timer Xen gives every PV vcpu by default; timer_periodic() is
 * VCPUOP_set/stop_periodic_timer, timer_oneshot() is set_timer_op.
 * The binding is resumable: the kit binds the VIRQ again after a resume in a
 * new domain (lib/pv/suspend.c).
 */
#include <oxen/pv.h>

volatile uint32_t timer_ticks;
static evtchn_port_t timer_port;
static int timer_bound;

int time_available(void) { return 1; }

uint64_t guest_time_ns(void)
{
    volatile struct vcpu_time_info *t = &pv_vcpu_info(smp_cpu_id())->time;
    uint32_t version;
    uint64_t tsc, stamp, sys;
    struct time_scale ts;

    do {
        version = t->version;
        barrier();
        stamp = t->tsc_timestamp;
        sys = t->system_time;
        ts.mul_frac = t->tsc_to_system_mul;
        ts.shift = t->tsc_shift;
        tsc = rdtsc();
        barrier();
    } while ((version & 1) || version != t->version);
    return sys + scale_delta(tsc - stamp, &ts);
}

static void timer_event(evtchn_port_t port, void *data)
{
    (void)port; (void)data;
    timer_ticks++;
}

int timer_init(void)
{
    if (timer_bound)
        return 0;
    /* the default periodic timer stops before the VIRQ is bound: no tick of it arrives */
    int rc = (int)HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
    if (rc)
        return rc;
    rc = evtchn_bind_virq_resumable(VIRQ_TIMER, 0, timer_event, NULL, &timer_port);
    if (rc == 0)
        timer_bound = 1;
    return rc;
}

int timer_periodic(uint64_t period_ns)
{
    if (period_ns == 0)
        return (int)HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, smp_cpu_id(), NULL);
    struct vcpu_set_periodic_timer p = { period_ns };
    return (int)HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, smp_cpu_id(), &p);
}

int timer_oneshot(uint64_t deadline_ns)
{
    return (int)HYPERVISOR_set_timer_op(deadline_ns);
}
