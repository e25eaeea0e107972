/*
 * events -- event channels, PV only.
 *
 * A loopback channel (EVTCHNOP_alloc_unbound for DOMID_SELF, then
 * EVTCHNOP_bind_interdomain to it) carries events both ways; checks:
 *   status of unbound / interdomain / ipi / virq / closed ports;
 *   send -> upcall -> handler, once per send, delivered by the time the
 *   send hypercall has returned to a guest with events enabled;
 *   a masked port collects the event as pending without an upcall, several
 *   sends coalesce, and EVTCHNOP_unmask delivers it;
 *   with the vcpu's upcall mask set, the event waits (upcall_pending set)
 *   until events are enabled again;
 *   an IPI to the own vcpu (EVTCHNOP_bind_ipi) and VIRQ_TIMER through
 *   set_timer_op;
 *   closing one end leaves the other unbound; sends to it are dropped.
 * Refusals with Xen's error codes: binding VIRQ_TIMER twice (-EEXIST), a
 * virq >= NR_VIRQS (-EINVAL), send/close/unmask on reserved, closed or
 * out-of-range ports (-EINVAL), bind_interdomain to a port that is not
 * unbound (-EINVAL).
 */
#include <kit.h>
#include <oxen/pv.h>

static volatile uint32_t hits[XEN_NR_EVENT_CHANNELS];

static void on_event(evtchn_port_t port, void *data)
{
    (void)data;
    hits[port]++;
}

static void expect_rc(const char *what, long rc, long want)
{
    CHECK(rc == want, "%s: returned %ld, expected %ld", what, rc, want);
    printf("events: %-44s -> %ld ok\n", what, rc);
}

static void expect_status(evtchn_port_t port, uint32_t status, evtchn_status_t *st)
{
    int rc = evtchn_status(port, st);
    CHECK(rc == 0, "EVTCHNOP_status(%u) returned %d", port, rc);
    CHECK(st->status == status, "status of port %u is %u, expected %u", port, st->status, status);
}

/* Send with events enabled; the event must have been handled once the
 * hypercall returned. */
static void send_and_expect(evtchn_port_t from, evtchn_port_t to, uint32_t extra_hits)
{
    uint32_t before = hits[to], upcalls = evtchn_upcalls[0];
    irq_enable();
    int rc = evtchn_send(from);
    uint32_t after = hits[to];
    irq_disable();
    CHECK(rc == 0, "send on port %u returned %d", from, rc);
    CHECK(after == before + extra_hits, "send %u -> %u: handler ran %u times, expected %u",
          from, to, after - before, extra_hits);
    CHECK(evtchn_upcalls[0] > upcalls || extra_hits == 0, "no upcall counted");
}

void guest_main(void)
{
    evtchn_port_t p1, p2, p3, p4;
    evtchn_status_t st;
    struct vcpu_info *vi = pv_vcpu_info(0);

    irq_disable();
    expect_rc("alloc_unbound(DOMID_SELF)", evtchn_alloc_unbound(DOMID_SELF, &p1), 0);
    expect_status(p1, EVTCHNSTAT_unbound, &st);
    printf("events: port %u unbound, remote dom %u\n", p1, st.u.unbound.dom);
    expect_rc("bind_interdomain(DOMID_SELF, p1)", evtchn_bind_interdomain(DOMID_SELF, p1, &p2), 0);
    CHECK(p2 != p1 && p2 != 0, "bind_interdomain gave port %u (p1 %u)", p2, p1);
    expect_status(p1, EVTCHNSTAT_interdomain, &st);
    CHECK(st.u.interdomain.port == p2, "p1's remote port is %u, expected %u", st.u.interdomain.port, p2);
    expect_status(p2, EVTCHNSTAT_interdomain, &st);
    CHECK(st.u.interdomain.port == p1, "p2's remote port is %u, expected %u", st.u.interdomain.port, p1);
    printf("events: loopback channel %u <-> %u\n", p1, p2);

    expect_rc("bind handler + unmask p1", evtchn_bind_handler(p1, 0, on_event, NULL), 0);
    expect_rc("bind handler + unmask p2", evtchn_bind_handler(p2, 0, on_event, NULL), 0);
    irq_enable();                   /* Xen may have left p2 pending at bind time */
    irq_disable();
    printf("events: events at bind time: p1 %u, p2 %u\n", hits[p1], hits[p2]);
    CHECK(hits[p1] == 0, "p1 received an event nobody sent");

    send_and_expect(p2, p1, 1);
    send_and_expect(p1, p2, 1);
    for (int i = 0; i < 100; i++)
        send_and_expect(p2, p1, 1);
    printf("events: 102 sends delivered one upcall each (handler hits p1=%u p2=%u)\n", hits[p1], hits[p2]);

    /* port mask */
    evtchn_mask(p1);
    send_and_expect(p2, p1, 0);
    send_and_expect(p2, p1, 0);
    send_and_expect(p2, p1, 0);
    CHECK(evtchn_is_pending(p1), "masked port p1 not pending after send");
    uint32_t before = hits[p1];
    irq_enable();
    int rc = evtchn_unmask(p1);
    uint32_t after = hits[p1];
    irq_disable();
    expect_rc("EVTCHNOP_unmask(p1) with 3 sends pending", rc, 0);
    CHECK(after == before + 1, "unmask delivered %u events, expected 1 (coalesced)", after - before);
    CHECK(!evtchn_is_masked(p1) && !evtchn_is_pending(p1), "p1 still masked or pending after unmask");

    /* vcpu upcall mask */
    before = hits[p1];
    CHECK_EQ(evtchn_send(p2), 0, "send with upcalls masked");
    CHECK(hits[p1] == before, "event delivered while the upcall mask was set");
    CHECK(vi->evtchn_upcall_pending && evtchn_is_pending(p1),
          "upcall_pending=%u pending(p1)=%d after a send with upcalls masked",
          vi->evtchn_upcall_pending, evtchn_is_pending(p1));
    irq_enable();
    after = hits[p1];
    irq_disable();
    CHECK(after == before + 1, "enabling events delivered %u events, expected 1", after - before);
    printf("events: port mask and vcpu upcall mask ok\n");

    /* IPI to ourselves */
    expect_rc("bind_ipi(vcpu 0)", evtchn_bind_ipi(0, &p3), 0);
    expect_status(p3, EVTCHNSTAT_ipi, &st);
    CHECK(st.vcpu == 0, "ipi port notifies vcpu %u", st.vcpu);
    CHECK_EQ(evtchn_bind_handler(p3, 0, on_event, NULL), 0, "bind handler p3");
    send_and_expect(p3, p3, 1);
    expect_rc("bind_interdomain to a port that is not unbound",
              evtchn_bind_interdomain(DOMID_SELF, p3, &p4), -XEN_EINVAL);

    /* VIRQ_TIMER */
    expect_rc("bind_virq(VIRQ_TIMER, vcpu 0)", evtchn_bind_virq(VIRQ_TIMER, 0, &p4), 0);
    expect_status(p4, EVTCHNSTAT_virq, &st);
    CHECK(st.u.virq == VIRQ_TIMER, "virq port bound to virq %u", st.u.virq);
    expect_rc("bind_virq(VIRQ_TIMER) again", evtchn_bind_virq(VIRQ_TIMER, 0, &p3), -XEN_EEXIST);
    expect_rc("bind_virq(NR_VIRQS)", evtchn_bind_virq(NR_VIRQS, 0, &p3), -XEN_EINVAL);
    CHECK_EQ(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0, "stop periodic timer");
    CHECK_EQ(evtchn_bind_handler(p4, 0, on_event, NULL), 0, "bind handler p4");
    before = hits[p4];
    CHECK_EQ(HYPERVISOR_set_timer_op(guest_time_ns() + 2000000), 0, "set_timer_op(+2 ms)");
    for (int i = 0; hits[p4] == before; i++) {
        CHECK(i < 10000, "VIRQ_TIMER never arrived");
        cpu_idle();
    }
    printf("events: VIRQ_TIMER on port %u woke SCHEDOP_block ok\n", p4);
    evtchn_unbind_handler(p4);
    expect_rc("close(virq port)", evtchn_close(p4), 0);

    /* closing one end */
    evtchn_unbind_handler(p1);
    expect_rc("close(p1)", evtchn_close(p1), 0);
    expect_status(p1, EVTCHNSTAT_closed, &st);
    expect_status(p2, EVTCHNSTAT_unbound, &st);
    before = hits[p2];
    expect_rc("send on p2 whose peer is closed (dropped)", evtchn_send(p2), 0);
    CHECK(hits[p2] == before && !evtchn_is_pending(p1), "send to a closed peer went somewhere");
    expect_rc("close(p1) again", evtchn_close(p1), -XEN_EINVAL);
    expect_rc("send on closed p1", evtchn_send(p1), -XEN_EINVAL);
    expect_rc("send on reserved port 0", evtchn_send(0), -XEN_EINVAL);
    expect_rc("close(port 0)", evtchn_close(0), -XEN_EINVAL);
    expect_status(0, EVTCHNSTAT_closed, &st);
    expect_rc("send on port 4095", evtchn_send(4095), -XEN_EINVAL);
    expect_rc("unmask port 4095", evtchn_unmask(4095), -XEN_EINVAL);

    evtchn_unbind_handler(p2);
    expect_rc("close(p2)", evtchn_close(p2), 0);
    pass();
}
