/*
 * ipi -- every vcpu of the domain (at least 2; the tests use 4, up to 32)
 * woken by IPIs, each with its vcpu_info moved out of shared_info.  PV only.
 *
 * First VCPUOP_register_vcpu_info's refusals (vcpu out of range, an offset
 * crossing the page, unaligned or beyond it, a frame that is not the
 * domain's, a page table, an unreadable argument), then vcpu 0 moves its own
 * vcpu_info into a page of the kernel (a second move is -EBUSY).  Vcpus with
 * an odd id are moved by vcpu 0 while they are down, the others move their
 * own as they start.  Each secondary vcpu gets an IPI port (bind_ipi) routed
 * to it and blocks in SCHEDOP_block; for ROUNDS rounds vcpu 0 waits until
 * every one is blocked (VCPUOP_get_runstate_info), sends each its IPI, and
 * waits for all of them to wake, count the round and ack on vcpu 0's IPI
 * port.  The hypervisor's writes follow the move: the time records in the
 * new places advance while the legacy slots stay as they were, and the
 * upcalls came through the new places.  Then MMUEXT_TLB_FLUSH_MULTI and
 * INVLPG_MULTI with vcpu masks (the Java test counts which vcpus were asked
 * to flush) and an unreadable mask (-EINVAL).  Finally every secondary vcpu
 * takes itself down.
 */
#include <kit.h>
#include <oxen/pv.h>

#define ROUNDS 50
#define SECOND 1000000000ull
#define FLUSH_MULTI_1_3 300     /* TLB_FLUSH_MULTI to vcpus 1 and 3 */
#define INVLPG_MULTI_2 100      /* INVLPG_MULTI to vcpu 2 */

static struct vcpu_info infos[MAX_CPUS] ALIGNED(4096);
static evtchn_port_t to_ap[MAX_CPUS], to_bsp;
static volatile uint32_t alive[MAX_CPUS], woken[MAX_CPUS], acks, stop;
static unsigned nr;

/* CHECK_RC(rc, fmt, ...): rc must be 0. */
#define CHECK_RC(rc, ...)                                                     \
    do {                                                                      \
        long rc_ = (long)(rc);                                                \
        if (rc_ != 0) {                                                       \
            printf("ipi: returned %ld: ", rc_);                               \
            fail(__VA_ARGS__);                                                \
        }                                                                     \
    } while (0)

static void expect_rc(const char *what, long rc, long want)
{
    CHECK(rc == want, "%s: returned %ld, expected %ld", what, rc, want);
    printf("ipi: %-48s -> %ld ok\n", what, rc);
}

static long register_at(unsigned vcpu, uint64_t mfn, uint32_t offset)
{
    struct vcpu_register_vcpu_info r = { mfn, offset, 0 };
    return HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, vcpu, &r);
}

/* The ack is counted before the wake-up: vcpu 0 checks the acks as soon as it sees every
 * vcpu's woken[] reach the last round (counted the other way round, it once read 1549 acks
 * of 1550 while the last vcpu was between the two increments). */
static void ap_ipi(evtchn_port_t port, void *data)
{
    unsigned me = smp_cpu_id();
    __atomic_add_fetch(&acks, 1, __ATOMIC_SEQ_CST);
    woken[me]++;
    evtchn_send(to_bsp);
}

static void bsp_ack(evtchn_port_t port, void *data)
{
}

static void ap_main(void)
{
    irq_disable();
    unsigned me = smp_cpu_id();
    if ((me & 1) == 0)
        CHECK_RC(pv_register_vcpu_info(me, &infos[me]), "vcpu %u moves its own vcpu_info", me);
    CHECK(pv_vcpu_info(me) == &infos[me], "vcpu %u: vcpu_info not moved", me);
    alive[me] = 1;
    while (!stop)
        cpu_idle();                 /* SCHEDOP_block; the IPI's upcall counts and acks */
    for (;;)
        HYPERVISOR_vcpu_op(VCPUOP_down, me, NULL);
}

static int runstate(unsigned vcpu)
{
    struct vcpu_runstate_info rs;
    CHECK_RC(HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, vcpu, &rs), "runstate of vcpu %u", vcpu);
    return rs.state;
}

/* Wait (yielding) until cond(i) holds; fail after 10 s (a host at load 30 once kept a woken vcpu
 * from going down within 1 s; a lost wake-up still fails, with the vcpu's runstate). */
#define WAIT_FOR(cond, ...)                                                   \
    do {                                                                      \
        uint64_t end_ = guest_time_ns() + 10 * SECOND;                        \
        while (!(cond)) {                                                     \
            CHECK(guest_time_ns() < end_, __VA_ARGS__);                       \
            HYPERVISOR_sched_op(SCHEDOP_yield, NULL);                         \
        }                                                                     \
    } while (0)

static void hostile_registrations(void)
{
    uint64_t ma = pv_virt_to_maddr(&infos[0]);
    uint64_t mfn = ma >> 12;
    struct vcpu_register_vcpu_info r = { mfn, 0, 0 };
    expect_rc("register_vcpu_info: vcpu out of range", register_at(nr, mfn, 0), -XEN_ENOENT);
    expect_rc("register_vcpu_info: vcpu 4096", register_at(4096, mfn, 0), -XEN_ENOENT);
    expect_rc("register_vcpu_info: crossing the page", register_at(0, mfn, 4096 - 32), -XEN_ENXIO);
    expect_rc("register_vcpu_info: unaligned offset", register_at(0, mfn, 2), -XEN_ENXIO);
    expect_rc("register_vcpu_info: offset beyond the page", register_at(0, mfn, 4096), -XEN_EINVAL);
    expect_rc("register_vcpu_info: mfn beyond RAM", register_at(0, 0xfffff, 0), -XEN_EINVAL);
    expect_rc("register_vcpu_info: mfn 2^52", register_at(0, 1ull << 52, 0), -XEN_EINVAL);
    expect_rc("register_vcpu_info: Xen's frame 1", register_at(0, 1, 0), -XEN_EINVAL);
    expect_rc("register_vcpu_info: the L3 in use", register_at(0, pv_cur_l3_mfn, 0), -XEN_EACCES);
    expect_rc("register_vcpu_info: argument in the hole",
              HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, (void *)0xF5800000u), -XEN_EFAULT);
    (void)r;
}

void guest_main(void)
{
    irq_disable();
    for (nr = 1; nr < 4096 && HYPERVISOR_vcpu_op(VCPUOP_is_up, nr, NULL) != -XEN_ENOENT; nr++)
        ;
    CHECK(nr >= 2 && nr <= MAX_CPUS, "the domain has %u vcpus; ipi needs 2..%u", nr, MAX_CPUS);
    printf("ipi: %u vcpus\n", nr);

    hostile_registrations();

    /* vcpu 0 moves its own vcpu_info */
    expect_rc("register_vcpu_info(0)", pv_register_vcpu_info(0, &infos[0]), 0);
    expect_rc("register_vcpu_info(0) again", register_at(0, pv_virt_to_maddr(&infos[1]) >> 12, 64), -XEN_EBUSY);
    CHECK(infos[0].evtchn_upcall_mask == 1, "the moved vcpu_info lost the upcall mask");

    expect_rc("bind_ipi(0)", evtchn_bind_ipi(0, &to_bsp), 0);
    CHECK_EQ(evtchn_bind_handler(to_bsp, 0, bsp_ack, NULL), 0, "handler of vcpu 0's IPI port");
    for (unsigned i = 1; i < nr; i++) {
        CHECK_RC(evtchn_bind_ipi(i, &to_ap[i]), "bind_ipi(%u)", i);
        CHECK_RC(evtchn_bind_handler(to_ap[i], i, ap_ipi, NULL), "handler on vcpu %u", i);
        if (i & 1)
            CHECK_RC(pv_register_vcpu_info(i, &infos[i]), "vcpu 0 moves vcpu %u's vcpu_info while it is down", i);
        CHECK_RC(pv_vcpu_initialise(i, ap_main), "VCPUOP_initialise(%u)", i);
        CHECK_RC(HYPERVISOR_vcpu_op(VCPUOP_up, i, NULL), "VCPUOP_up(%u)", i);
    }
    for (unsigned i = 1; i < nr; i++)
        WAIT_FOR(alive[i], "vcpu %u did not start", i);
    printf("ipi: vcpus 1..%u up, vcpu_info moved (odd ids by vcpu 0, even ids by themselves)\n", nr - 1);

    uint32_t legacy_version[MAX_CPUS], moved_version[MAX_CPUS];
    for (unsigned i = 0; i < nr; i++) {
        legacy_version[i] = pv_shared_info->vcpu_info[i].time.version;
        moved_version[i] = infos[i].time.version;
    }

    for (uint32_t round = 1; round <= ROUNDS; round++) {
        for (unsigned i = 1; i < nr; i++)
            WAIT_FOR(runstate(i) == RUNSTATE_blocked, "round %u: vcpu %u never blocked (runstate %d)", round, i,
                     runstate(i));
        for (unsigned i = 1; i < nr; i++)
            CHECK_RC(evtchn_send(to_ap[i]), "IPI to vcpu %u", i);
        uint64_t end = guest_time_ns() + 10 * SECOND;
        for (unsigned i = 1; i < nr; i++) {
            while (woken[i] < round) {
                CHECK(guest_time_ns() < end, "round %u: vcpu %u did not wake (woken %u)", round, i, woken[i]);
                cpu_idle();         /* the acks arrive on vcpu 0's IPI port */
            }
        }
    }
    CHECK_EQ(acks, ROUNDS * (nr - 1), "acks");
    for (unsigned i = 1; i < nr; i++) {
        CHECK(woken[i] == ROUNDS, "vcpu %u woken %u times, not %u", i, woken[i], ROUNDS);
        CHECK(evtchn_upcalls[i] >= ROUNDS, "vcpu %u: %u upcalls", i, evtchn_upcalls[i]);
    }
    for (unsigned i = 0; i < nr; i++) {
        CHECK(pv_shared_info->vcpu_info[i].time.version == legacy_version[i],
              "vcpu %u: the hypervisor still writes the legacy vcpu_info", i);
        CHECK(infos[i].time.version != moved_version[i], "vcpu %u: the moved time record never changed", i);
    }
    printf("ipi: %u rounds: every vcpu blocked, woken by its IPI, counted and acked; time and upcalls through "
           "the moved vcpu_info ok\n", ROUNDS);

    /* TLB flushes honour the vcpu mask (the Java test counts the flush requests per vcpu) */
    if (nr >= 4) {
        uint32_t mask13 = (1u << 1) | (1u << 3), mask2 = 1u << 2;
        mmuext_op_t op;
        unsigned done;
        for (int k = 0; k < FLUSH_MULTI_1_3; k++) {
            op.cmd = MMUEXT_TLB_FLUSH_MULTI;
            op.arg2.vcpumask = (uint32_t)&mask13;
            CHECK_EQ(HYPERVISOR_mmuext_op(&op, 1, &done, DOMID_SELF), 0, "TLB_FLUSH_MULTI {1,3}");
        }
        for (int k = 0; k < INVLPG_MULTI_2; k++) {
            op.cmd = MMUEXT_INVLPG_MULTI;
            op.arg1.linear_addr = (uint32_t)&infos[0];
            op.arg2.vcpumask = (uint32_t)&mask2;
            CHECK_EQ(HYPERVISOR_mmuext_op(&op, 1, &done, DOMID_SELF), 0, "INVLPG_MULTI {2}");
        }
        op.cmd = MMUEXT_TLB_FLUSH_MULTI;
        op.arg2.vcpumask = 0xF5800000u;
        expect_rc("TLB_FLUSH_MULTI, mask in the hole", HYPERVISOR_mmuext_op(&op, 1, &done, DOMID_SELF),
                  -XEN_EINVAL);
        printf("ipi: flushes: %u TLB_FLUSH_MULTI {1,3}, %u INVLPG_MULTI {2}\n", FLUSH_MULTI_1_3, INVLPG_MULTI_2);
    }

    stop = 1;
    for (unsigned i = 1; i < nr; i++)
        CHECK_RC(evtchn_send(to_ap[i]), "wake vcpu %u to stop", i);
    for (unsigned i = 1; i < nr; i++)
        WAIT_FOR(HYPERVISOR_vcpu_op(VCPUOP_is_up, i, NULL) == 0, "vcpu %u did not go down (runstate %d)", i, runstate(i));
    printf("ipi: vcpus 1..%u took themselves down\n", nr - 1);
    pass();
}
