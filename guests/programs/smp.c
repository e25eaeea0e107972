/*
 * smp -- a second vcpu, PV only (the domain needs at least 2 vcpus).
 *
 * Vcpu 1 exists but is down at boot (VCPUOP_is_up 0) and cannot be brought
 * up before VCPUOP_initialise (-EINVAL).  It is initialised with the kit's
 * trap table, callbacks, page tables and its own stacks, a second
 * initialise is refused (-EEXIST), and VCPUOP_up starts it at ap_main().
 * There it proves it runs on its own stack (cpu id 1) with a working trap
 * table (int3), and both vcpus increment a shared counter under an xchg
 * spinlock.  Then 100 IPI round trips: vcpu 0 sends on an IPI port bound
 * to vcpu 1, whose upcall handler answers on a port bound to vcpu 0; each
 * side waits in SCHEDOP_block.  Finally vcpu 1 takes itself down
 * (VCPUOP_down) and vcpu 0 sees VCPUOP_is_up return 0.
 */
#include <kit.h>
#include <oxen/pv.h>

#define ROUNDS 100
#define COUNT 20000
#define SECOND 1000000000ull

static evtchn_port_t to_ap, to_bsp;
static volatile uint32_t ap_alive, ap_counted, ap_stop, pings, pongs;
static volatile uint32_t int3_on[MAX_CPUS];
static volatile uint32_t lock, counter;

static void spin_lock(volatile uint32_t *l)
{
    while (xchg32(l, 1))
        cpu_relax();
}

static void spin_unlock(volatile uint32_t *l)
{
    barrier();
    *l = 0;
}

static void count_up(void)
{
    for (int i = 0; i < COUNT; i++) {
        spin_lock(&lock);
        counter = counter + 1;      /* read-modify-write the lock must protect */
        spin_unlock(&lock);
    }
}

static int on_int3(struct trap_frame *f)
{
    int3_on[smp_cpu_id()]++;
    return 1;
}

static void ap_ping(evtchn_port_t port, void *data)
{
    pings++;
    evtchn_send(to_bsp);
}

static void bsp_pong(evtchn_port_t port, void *data)
{
    pongs++;
}

static void ap_main(void)
{
    irq_disable();
    CHECK(smp_cpu_id() == 1, "vcpu 1 runs with cpu id %u (wrong stack?)", smp_cpu_id());
    ap_alive = 1;
    __asm__ volatile("int3");
    count_up();
    ap_counted = 1;
    while (!ap_stop)
        cpu_idle();                 /* pings are answered in the upcall */
    for (;;)
        HYPERVISOR_vcpu_op(VCPUOP_down, 1, NULL);
}

/* Wait (yielding) until *flag reaches want; fail after a second. */
static void wait_for(volatile uint32_t *flag, uint32_t want, const char *what)
{
    uint64_t end = guest_time_ns() + SECOND;
    while (*flag < want) {
        CHECK(guest_time_ns() < end, "timed out waiting for %s (%u of %u)", what, *flag, want);
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
}

static void expect_rc(const char *what, long rc, long want)
{
    CHECK(rc == want, "%s: returned %ld, expected %ld", what, rc, want);
    printf("smp: %-40s -> %ld ok\n", what, rc);
}

void guest_main(void)
{
    evtchn_status_t st;

    irq_disable();
    long rc = HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL);
    CHECK(rc != -XEN_ENOENT, "the domain has a single vcpu; smp needs at least 2");
    expect_rc("VCPUOP_is_up(1) at boot", rc, 0);
    expect_rc("VCPUOP_up(1) before initialise", HYPERVISOR_vcpu_op(VCPUOP_up, 1, NULL), -XEN_EINVAL);

    expect_rc("bind_ipi(vcpu 1)", evtchn_bind_ipi(1, &to_ap), 0);
    expect_rc("bind_ipi(vcpu 0)", evtchn_bind_ipi(0, &to_bsp), 0);
    CHECK_EQ(evtchn_status(to_ap, &st), 0, "status(to_ap)");
    CHECK(st.status == EVTCHNSTAT_ipi && st.vcpu == 1, "to_ap: status %u vcpu %u", st.status, st.vcpu);
    CHECK_EQ(evtchn_bind_handler(to_ap, 1, ap_ping, NULL), 0, "bind handler to_ap");
    CHECK_EQ(evtchn_bind_handler(to_bsp, 0, bsp_pong, NULL), 0, "bind handler to_bsp");
    trap_set_handler(VEC_BP, on_int3);

    expect_rc("VCPUOP_initialise(1)", pv_vcpu_initialise(1, ap_main), 0);
    expect_rc("VCPUOP_initialise(1) again", pv_vcpu_initialise(1, ap_main), -XEN_EEXIST);
    expect_rc("VCPUOP_up(1)", HYPERVISOR_vcpu_op(VCPUOP_up, 1, NULL), 0);
    wait_for(&ap_alive, 1, "vcpu 1 to start");
    expect_rc("VCPUOP_is_up(1) after up", HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL), 1);

    count_up();
    wait_for(&ap_counted, 1, "vcpu 1 to finish counting");
    CHECK_EQ(counter, 2 * COUNT, "shared counter under the spinlock");
    CHECK_EQ(int3_on[1], 1, "int3 handled on vcpu 1");
    printf("smp: vcpu 1 alive on its own stack; int3 on vcpu 1 ok; counter %u ok\n", counter);

    for (uint32_t i = 1; i <= ROUNDS; i++) {
        CHECK_EQ(evtchn_send(to_ap), 0, "send to vcpu 1");
        uint64_t end = guest_time_ns() + SECOND;
        while (pongs < i) {
            CHECK(guest_time_ns() < end, "IPI round trip %u: no answer (pings %u pongs %u)", i, pings, pongs);
            cpu_idle();
        }
    }
    CHECK(pings == ROUNDS && pongs == ROUNDS, "IPI round trips: %u pings, %u pongs", pings, pongs);
    printf("smp: %u IPI round trips ok (upcalls: vcpu0 %u, vcpu1 %u)\n",
           ROUNDS, evtchn_upcalls[0], evtchn_upcalls[1]);

    ap_stop = 1;
    CHECK_EQ(evtchn_send(to_ap), 0, "wake vcpu 1 to stop");
    uint64_t end = guest_time_ns() + SECOND;
    while ((rc = HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL)) != 0) {
        CHECK(guest_time_ns() < end, "vcpu 1 did not go down (is_up %ld)", rc);
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
    printf("smp: vcpu 1 took itself down; VCPUOP_is_up(1) -> 0 ok\n");
    pass();
}
